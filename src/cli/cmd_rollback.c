/*
 * cmd_rollback.c - `ca2eca rollback [RUN]`: undo a run's done steps.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/confirm.h"
#include "cli/runcmd.h"
#include "stage/migrate.h"
#include "util/str.h"
#include "util/compat.h"

const char c2e_rollback_help[] =
        "usage: ca2eca rollback [RUN] LOGIN-OPTIONS [--app NAME] [--to STEP]\n"
        "       [--dry-run] [--journal PATH] [--yes] [--json]\n"
        "\n"
        "Undoes the done steps of a run (default: the newest run of the\n"
        "org), newest first: restores each ConversationChannelDefinition\n"
        "from its before-image, restores or deletes the policies records,\n"
        "and deletes the created ECA components.  Apply never changes the\n"
        "connected app, so after a full rollback the org is as it was.\n"
        "Steps left in flight are checked against the org first.  Shows\n"
        "what it will do and asks unless --yes.  A run that retired a\n"
        "connected app cannot be rolled back past that step.\n"
        "\n"
        "Options:\n"
        "  --app NAME     only the steps of this connected app\n"
        "  --to STEP      undo only the steps after STEP (a step number,\n"
        "                 see 'ca2eca status'); default: all\n"
        "  --dry-run      print what would be undone; change nothing\n"
        "\n" C2E_RUN_OPTIONS_HELP "\n" C2E_ORG_OPTIONS_HELP "\n"
        "Exit status:\n"
        "  0   the steps were undone (with --dry-run: listed)\n"
        "  64  the command line is wrong, or not confirmed\n"
        "  65  no such run, a retired app, the org locked by another run\n"
        "  76  the org refused an undo, or the network failed: rerun it\n"
        "\n"
        "Example:\n"
        "  ca2eca rollback --auth-file prod.json --dry-run\n";

struct rb_args {
	const char *app;
	long to;
	bool dry_run;
};

static int rb_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	struct rb_args *a = ctx;

	switch (c) {
	case 'a':
		a->app = arg;
		return 1;
	case 't':
		if (c2e_str_to_long(arg, &a->to) < 0 || a->to < 0)
			return c2e_cmd_usage(
			        err, "rollback",
			        "--to takes a step number, not '%s'", arg);
		return 1;
	case 'n':
		a->dry_run = true;
		return 1;
	default:
		return 0;
	}
}

int cmd_rollback(struct c2e_out *out, int argc, char **argv,
                 struct c2e_err *err)
{
	static const struct option longopts[] = {
		C2E_ORG_LONGOPTS,
		C2E_JOURNAL_LONGOPTS,
		{ "app", required_argument, NULL, 'a' },
		{ "to", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_runopts r;
	struct rb_args a;
	struct c2e_rollback_opts ro;
	struct c2e_strv lines = C2E_STRV_INIT;
	struct c2e_org *org = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_jsonw *w;
	char question[256];
	int64_t run_id = 0;
	size_t undone = 0;
	int first, rc;

	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	rc = c2e_cli_getopt("rollback", argc, argv, longopts, &r, rb_own, &a,
	                    &first, err);
	if (rc == 0 && argc - first > 1)
		rc = c2e_cmd_usage(err, "rollback",
		                   "rollback takes at most one run number");
	if (rc == 0)
		rc = c2e_orgopts_finish(&r.org, "rollback", err);
	if (rc == 0)
		rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0)
		rc = c2e_org_open(&r.org, &org, err);
	if (rc == 0)
		rc = c2e_cli_run_id(j, first < argc ? argv[first] : NULL,
		                    c2e_org_session(org)->org_id, &run_id, err);
	if (rc < 0)
		goto done;
	memset(&ro, 0, sizeof(ro));
	ro.app = a.app;
	ro.to_seq = (int)a.to;
	ro.dry_run = a.dry_run;
	ro.progress.say = NULL;
	rc = c2e_rollback_preview(j, run_id, &ro, &lines, err);
	if (rc < 0)
		goto done;
	if (!out->json) {
		c2e_out_printf(
		        out, "Rollback of run %lld: %zu step%s to undo\n",
		        (long long)run_id, lines.n, lines.n == 1 ? "" : "s");
		for (size_t i = 0; i < lines.n; i++)
			c2e_out_printf(out, "  %s\n", lines.v[i]);
	}
	if (!a.dry_run && lines.n) {
		if (snprintf(question, sizeof(question),
		             "Undo %zu step%s of run %lld in org %s?", lines.n,
		             lines.n == 1 ? "" : "s", (long long)run_id,
		             c2e_org_session(org)->instance_url) < 0)
			question[0] = '\0';
		rc = c2e_confirm(out, r.yes, question, err);
		if (rc == 0)
			rc = c2e_rollback(org, j, run_id, &ro, &undone, err);
		if (rc < 0)
			goto done;
	}
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_long(w, "run", run_id);
		c2e_jsonw_kv_bool(w, "dryRun", a.dry_run);
		c2e_jsonw_kv_long(w, "undone", (long long)undone);
		c2e_jsonw_key(w, "steps");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < lines.n; i++)
			c2e_jsonw_string(w, lines.v[i]);
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
	} else if (!a.dry_run) {
		c2e_out_printf(out, "%zu step%s undone\n", undone,
		               undone == 1 ? "" : "s");
	}
done:
	c2e_strv_release(&lines);
	c2e_org_free(org);
	c2e_journal_close(j);
	return rc;
}
