/*
 * cmd_retire.c - `ca2eca retire --app NAME --confirm NAME`: delete the old
 * connected app, the optional and irreversible last stage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/confirm.h"
#include "cli/runcmd.h"
#include "stage/migrate.h"
#include "util/str.h"
#include "util/compat.h"

const char c2e_retire_help[] =
        "usage: ca2eca retire [RUN] LOGIN-OPTIONS --app NAME --confirm NAME\n"
        "       [--journal PATH] [--yes] [--json]\n"
        "\n"
        "Deletes the old connected app NAME from the org -- only after\n"
        "its ECA passed verification and its channel definitions were\n"
        "repointed in the run (default: the newest run of the org).\n"
        "IRREVERSIBLE: since Spring '26 a connected app cannot be created\n"
        "again without Salesforce Support, and rollback refuses to cross\n"
        "this step.  --confirm must repeat the app's name.\n"
        "\n" C2E_RUN_OPTIONS_HELP "\n" C2E_ORG_OPTIONS_HELP "\n"
        "Exit status:\n"
        "  0   the connected app was deleted\n"
        "  64  the command line is wrong (e.g. --confirm differs), or not\n"
        "      confirmed\n"
        "  65  not allowed yet (verify or repoint not done), no such run\n"
        "  76  the org refused, or the network failed\n";

struct retire_args {
	const char *app;
	const char *confirm;
};

static int retire_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	struct retire_args *a = ctx;

	(void)err;
	if (c == 'a')
		a->app = arg;
	else if (c == 'c')
		a->confirm = arg;
	else
		return 0;
	return 1;
}

int cmd_retire(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		C2E_ORG_LONGOPTS,
		C2E_JOURNAL_LONGOPTS,
		{ "app", required_argument, NULL, 'a' },
		{ "confirm", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct c2e_runopts r;
	struct retire_args a = { NULL, NULL };
	struct c2e_org *org = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_jsonw *w;
	char question[512];
	int64_t run_id = 0;
	int first, rc;

	memset(&r, 0, sizeof(r));
	rc = c2e_cli_getopt("retire", argc, argv, longopts, &r, retire_own, &a,
	                    &first, err);
	if (rc == 0 && (!a.app || !a.confirm))
		rc = c2e_cmd_usage(
		        err, "retire",
		        "--app NAME and --confirm NAME are required");
	if (rc == 0 && strcmp(a.app, a.confirm) != 0)
		rc = c2e_cmd_usage(err, "retire",
		                   "--confirm '%s' does not repeat --app '%s'",
		                   a.confirm, a.app);
	if (rc == 0)
		rc = c2e_orgopts_finish(&r.org, "retire", err);
	if (rc == 0)
		rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0)
		rc = c2e_org_open(&r.org, &org, err);
	if (rc == 0)
		rc = c2e_cli_run_id(j, first < argc ? argv[first] : NULL,
		                    c2e_org_session(org)->org_id, &run_id, err);
	if (rc == 0)
		rc = c2e_retire_check(j, run_id, a.app, err);
	if (rc < 0)
		goto done;
	c2e_out_warn(out,
	             "retiring deletes connected app '%s' for good: since "
	             "Spring '26 it cannot be created again, and rollback "
	             "cannot undo this",
	             a.app);
	if (snprintf(question, sizeof(question),
	             "Delete connected app %s from org %s (irreversible)?",
	             a.app, c2e_org_session(org)->instance_url) < 0)
		question[0] = '\0';
	rc = c2e_confirm(out, r.yes, question, err);
	if (rc == 0)
		rc = c2e_retire(org, j, run_id, a.app, err);
	if (rc < 0)
		goto done;
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "retired", a.app);
		c2e_jsonw_kv_long(w, "run", run_id);
		c2e_jsonw_object_end(w);
	} else {
		c2e_out_printf(out, "Connected app %s was deleted.\n", a.app);
	}
done:
	c2e_org_free(org);
	c2e_journal_close(j);
	return rc;
}
