/*
 * cmd_status.c - `ca2eca status` and `ca2eca log`: where each app stands,
 * and what happened, from the journal alone (no org login).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/runcmd.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/compat.h"

const char c2e_status_help[] =
        "usage: ca2eca status [--run ID] [--journal PATH] [--json]\n"
        "\n"
        "Shows the runs in the journal, newest first, and for the newest\n"
        "run (or --run ID) every step with its state (pending, in_flight,\n"
        "done, failed, undone), the consumer key of each new ECA and where\n"
        "each app stands.  Reads only the journal.\n"
        "\n"
        "Options:\n"
        "  --run ID        the run to show in detail\n"
        "  --journal PATH  default: ./ca2eca.db\n"
        "  --json          one JSON document: runs and the run's steps\n"
        "\n"
        "Exit status:\n"
        "  0   shown\n"
        "  64  the command line is wrong\n"
        "  65  no journal, or no such run\n";

const char c2e_log_help[] =
        "usage: ca2eca log [--run ID] [--journal PATH] [--json]\n"
        "\n"
        "Prints the journal's record of a run (default: the newest), in\n"
        "order: every step state change with its time, operator marks and\n"
        "their reasons.\n"
        "\n"
        "Exit status:\n"
        "  0   shown\n"
        "  64  the command line is wrong\n"
        "  65  no journal, or no such run\n";

static int run_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	(void)err;
	if (c != 'r')
		return 0;
	*(const char **)ctx = arg;
	return 1;
}

static int open_run(const char *cmd, int argc, char **argv,
                    struct c2e_journal **j, int64_t *run_id,
                    struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, C2E_OPT_JOURNAL },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_runopts r;
	const char *run = NULL;
	int first, rc;

	memset(&r, 0, sizeof(r));
	rc = c2e_cli_getopt(cmd, argc, argv, longopts, &r, run_own,
	                    (void *)&run, &first, err);
	if (rc == 0 && first < argc)
		rc = c2e_cmd_usage(err, cmd, "unexpected argument '%s'",
		                   argv[first]);
	if (rc == 0 &&
	    !c2e_fs_exists(r.journal ? r.journal : C2E_JOURNAL_DEFAULT))
		rc = c2e_err_set(err, C2E_EDATA,
		                 "there is no journal '%s' yet: apply a plan "
		                 "first (or give --journal)",
		                 r.journal ? r.journal : C2E_JOURNAL_DEFAULT);
	if (rc == 0)
		rc = c2e_cli_journal(&r, j, err);
	if (rc == 0)
		rc = c2e_cli_run_id(*j, run, NULL, run_id, err);
	return rc;
}

int cmd_status(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	struct c2e_journal *j = NULL;
	struct c2e_run *runs = NULL;
	struct c2e_step *steps = NULL;
	size_t n_runs = 0, n_steps = 0;
	struct c2e_jsonw *w;
	int64_t run_id = 0;
	int rc;

	rc = open_run("status", argc, argv, &j, &run_id, err);
	if (rc == 0)
		rc = c2e_journal_runs(j, &runs, &n_runs, err);
	if (rc == 0)
		rc = c2e_journal_steps(j, run_id, &steps, &n_steps, err);
	if (rc < 0)
		goto done;
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_key(w, "runs");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < n_runs; i++) {
			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_long(w, "id", runs[i].id);
			c2e_jsonw_kv_string(w, "orgId", runs[i].org_id);
			c2e_jsonw_kv_string(w, "instanceUrl",
			                    runs[i].instance_url);
			c2e_jsonw_kv_string(w, "state",
			                    c2e_run_state_name(runs[i].state));
			c2e_jsonw_kv_string(w, "startedAt", runs[i].started_at);
			c2e_jsonw_kv_string(w, "finishedAt",
			                    runs[i].finished_at);
			c2e_jsonw_kv_string(w, "planHash", runs[i].plan_hash);
			c2e_jsonw_kv_string(w, "plan", runs[i].plan_path);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_kv_long(w, "run", run_id);
		c2e_jsonw_key(w, "steps");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < n_steps; i++) {
			const struct c2e_step *s = &steps[i];

			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_long(w, "seq", s->seq);
			c2e_jsonw_kv_string(w, "app", s->app);
			c2e_jsonw_kv_string(w, "kind", s->kind);
			c2e_jsonw_kv_string(w, "type", s->component_type);
			c2e_jsonw_kv_string(w, "name", s->component_name);
			c2e_jsonw_kv_string(w, "state",
			                    c2e_step_state_name(s->state));
			c2e_jsonw_kv_long(w, "attempts", s->attempts);
			c2e_jsonw_kv_string(w, "result", s->result);
			c2e_jsonw_kv_string(w, "error", s->error);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
		goto done;
	}
	c2e_out_printf(out, "Runs in %s:\n", c2e_journal_path(j));
	for (size_t i = 0; i < n_runs; i++)
		c2e_out_printf(
		        out, "  %s run %lld  %-11s org %s  started %s%s%s\n",
		        runs[i].id == run_id ? "*" : " ", (long long)runs[i].id,
		        c2e_run_state_name(runs[i].state), runs[i].org_id,
		        runs[i].started_at, runs[i].plan_path ? "  plan " : "",
		        runs[i].plan_path ? runs[i].plan_path : "");
	c2e_out_printf(out, "\nRun %lld:\n", (long long)run_id);
	for (size_t i = 0; i < n_steps; i++) {
		const struct c2e_step *s = &steps[i];

		c2e_out_printf(out, "  %3d  %-9s %-17s %s%s%s  (%s)\n", s->seq,
		               c2e_step_state_name(s->state), s->kind,
		               s->component_type ? s->component_type : "",
		               s->component_type ? " " : "",
		               s->component_name ? s->component_name : "",
		               s->app);
		if (s->result && !strcmp(s->kind, "read_back"))
			c2e_out_printf(out, "       %s\n", s->result);
		if (s->error && s->state == C2E_STEP_FAILED)
			c2e_out_printf(out, "       error: %s\n", s->error);
		if (s->mark_reason)
			c2e_out_printf(out, "       marked by hand: %s\n",
			               s->mark_reason);
	}
done:
	c2e_steps_free(steps, n_steps);
	c2e_runs_free(runs, n_runs);
	c2e_journal_close(j);
	return rc;
}

int cmd_log(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	struct c2e_journal *j = NULL;
	struct c2e_event *ev = NULL;
	size_t n = 0;
	struct c2e_jsonw *w;
	int64_t run_id = 0;
	int rc;

	rc = open_run("log", argc, argv, &j, &run_id, err);
	if (rc == 0)
		rc = c2e_journal_events(j, run_id, &ev, &n, err);
	if (rc < 0)
		goto done;
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_long(w, "run", run_id);
		c2e_jsonw_key(w, "events");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < n; i++) {
			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_string(w, "at", ev[i].at);
			c2e_jsonw_kv_string(w, "kind", ev[i].kind);
			c2e_jsonw_kv_string(w, "detail", ev[i].detail);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
	} else {
		for (size_t i = 0; i < n; i++)
			c2e_out_printf(out, "%s  %-8s %s\n", ev[i].at,
			               ev[i].kind,
			               ev[i].detail ? ev[i].detail : "");
	}
done:
	c2e_events_free(ev, n);
	c2e_journal_close(j);
	return rc;
}
