/*
 * cmd_mark.c - `ca2eca mark` (an operator finished or abandoned a step by
 * hand) and `ca2eca unlock --force NONCE` (a stuck org lock).
 */
#include <string.h>

#include "cli/cmd.h"
#include "cli/runcmd.h"
#include "journal/lock.h"
#include "util/str.h"
#include "util/compat.h"

const char c2e_mark_help[] =
        "usage: ca2eca mark STEP done|failed --reason TEXT [--run ID]\n"
        "       [--journal PATH] [--json]\n"
        "\n"
        "Records that an operator finished (done) or abandoned (failed) a\n"
        "step by hand, with the reason, in the journal (newest run unless\n"
        "--run).  STEP is the step number 'ca2eca status' shows.  resume\n"
        "then skips a step marked done; rollback treats it as done.\n"
        "\n"
        "Exit status:\n"
        "  0   recorded\n"
        "  64  the command line is wrong (--reason is required)\n"
        "  65  no such run or step, or a step in a state that cannot be\n"
        "      marked\n";

const char c2e_unlock_help[] =
        "usage: ca2eca unlock --force NONCE [--journal PATH] [--json]\n"
        "\n"
        "Removes an org lock whose holder is gone but whose record stayed\n"
        "(the message of a refused command names the holder and the lock\n"
        "NONCE).  A lock held by a live process is never taken over: stop\n"
        "that process first.  Normally the operating system releases the\n"
        "lock when its holder dies, so this is rarely needed.\n"
        "\n"
        "Exit status:\n"
        "  0   the lock was removed\n"
        "  64  the command line is wrong\n"
        "  65  no lock has that nonce, or its holder is alive\n";

struct mark_args {
	const char *reason;
	const char *run;
	const char *force;
};

static int mark_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	struct mark_args *a = ctx;

	(void)err;
	if (c == 'R')
		a->reason = arg;
	else if (c == 'r')
		a->run = arg;
	else if (c == 'f')
		a->force = arg;
	else
		return 0;
	return 1;
}

int cmd_mark(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'R' },
		{ "run", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, C2E_OPT_JOURNAL },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_runopts r;
	struct mark_args a = { NULL, NULL, NULL };
	struct c2e_journal *j = NULL;
	struct c2e_step *steps = NULL;
	size_t n = 0;
	int64_t run_id = 0, step_id = 0;
	enum c2e_step_state st;
	struct c2e_jsonw *w;
	long seq = 0;
	int first, rc;

	memset(&r, 0, sizeof(r));
	rc = c2e_cli_getopt("mark", argc, argv, longopts, &r, mark_own, &a,
	                    &first, err);
	if (rc < 0)
		return rc;
	if (argc - first != 2 || c2e_str_to_long(argv[first], &seq) < 0 ||
	    (strcmp(argv[first + 1], "done") &&
	     strcmp(argv[first + 1], "failed")))
		return c2e_cmd_usage(err, "mark",
		                     "give a step number and done or failed");
	if (!a.reason || !*a.reason)
		return c2e_cmd_usage(err, "mark", "--reason TEXT is required");
	st = strcmp(argv[first + 1], "done") ? C2E_STEP_FAILED : C2E_STEP_DONE;
	rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0)
		rc = c2e_cli_run_id(j, a.run, NULL, &run_id, err);
	if (rc == 0)
		rc = c2e_journal_steps(j, run_id, &steps, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (steps[i].seq == seq)
			step_id = steps[i].id;
	if (rc == 0 && !step_id)
		rc = c2e_err_set(
		        err, C2E_ENOTFOUND,
		        "run %lld has no step %ld (see 'ca2eca status')",
		        (long long)run_id, seq);
	if (rc == 0)
		rc = c2e_journal_step_mark(j, step_id, st, a.reason, err);
	if (rc < 0)
		goto done;
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_long(w, "run", run_id);
		c2e_jsonw_kv_long(w, "step", seq);
		c2e_jsonw_kv_string(w, "state", c2e_step_state_name(st));
		c2e_jsonw_kv_string(w, "reason", a.reason);
		c2e_jsonw_object_end(w);
	} else {
		c2e_out_printf(out, "run %lld step %ld marked %s: %s\n",
		               (long long)run_id, seq, c2e_step_state_name(st),
		               a.reason);
	}
done:
	c2e_steps_free(steps, n);
	c2e_journal_close(j);
	return rc;
}

int cmd_unlock(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "force", required_argument, NULL, 'f' },
		{ "journal", required_argument, NULL, C2E_OPT_JOURNAL },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_runopts r;
	struct mark_args a = { NULL, NULL, NULL };
	struct c2e_lock_holder was;
	struct c2e_jsonw *w;
	int first, rc;

	memset(&r, 0, sizeof(r));
	memset(&was, 0, sizeof(was));
	rc = c2e_cli_getopt("unlock", argc, argv, longopts, &r, mark_own, &a,
	                    &first, err);
	if (rc < 0)
		return rc;
	if (!a.force || first < argc)
		return c2e_cmd_usage(
		        err, "unlock",
		        "unlock takes --force NONCE (the lock's "
		        "nonce, from the refused command's message)");
	rc = c2e_lock_force_unlock(r.journal ? r.journal : C2E_JOURNAL_DEFAULT,
	                           a.force, &was, err);
	if (rc < 0)
		return rc;
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "nonce", was.nonce);
		c2e_jsonw_kv_long(w, "pid", was.pid);
		c2e_jsonw_kv_string(w, "host", was.host);
		c2e_jsonw_kv_string(w, "startedAt", was.started_at);
		c2e_jsonw_kv_string(w, "command", was.command);
		c2e_jsonw_object_end(w);
	} else {
		c2e_out_printf(out,
		               "removed the lock of pid %ld on %s (ca2eca %s, "
		               "since %s)\n",
		               was.pid, was.host, was.command, was.started_at);
	}
	return C2E_OK;
}
