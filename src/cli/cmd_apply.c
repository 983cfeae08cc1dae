/*
 * cmd_apply.c - `ca2eca apply PLAN` and `ca2eca resume [RUN]`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/confirm.h"
#include "cli/runcmd.h"
#include "model/plan.h"
#include "stage/migrate.h"
#include "util/fs.h"
#include "util/compat.h"

#define APPLY_EXIT_HELP                                                      \
	"Exit status:\n"                                                     \
	"  0   every step is done\n"                                         \
	"  64  the command line is wrong, or not confirmed\n"                \
	"  65  bad input: an edited plan, a plan for another org, a key\n"   \
	"      that does not match the certificate, an org that changed\n"   \
	"      since the plan (nothing was changed), the org locked by\n"    \
	"      another run\n"                                                \
	"  75  stopped part way (an answer was lost, the daily API limit,\n" \
	"      --ccd manual waiting for Setup): 'ca2eca resume' continues\n" \
	"  76  the org refused a step or the login: fix it, then resume,\n"  \
	"      or roll back\n"

const char c2e_apply_help[] =
        "usage: ca2eca apply PLAN LOGIN-OPTIONS [--jwt-key FILE]\n"
        "       [--verify-user USER] [--ccd auto|manual] [--journal PATH]\n"
        "       [--yes] [--json]\n"
        "\n"
        "Runs a plan made by 'ca2eca plan'.  It checks the plan's hash,\n"
        "that it is for this org, that --jwt-key matches each app's\n"
        "certificate, and that the org has not changed since the plan\n"
        "(the message names the difference) -- nothing changes when a\n"
        "check fails.  Then, journaling every step before and after its\n"
        "call, per app: create the ExternalClientApplication, its OAuth\n"
        "settings and global OAuth settings (the certificate enables the\n"
        "JWT bearer flow); update the OAuth policies the org generated\n"
        "(admin-approved users, profiles, permission sets, IP relaxation,\n"
        "refresh tokens, sessions); create or update the app policies;\n"
        "read back the new consumer key (printed: the partner's platform\n"
        "needs it) and OAuth link; verify with a real JWT bearer exchange\n"
        "(retried while the new ECA becomes usable; the token must have\n"
        "interaction_api for Interaction Service apps); repoint each\n"
        "ConversationChannelDefinition of the app.  Components of one\n"
        "type for several apps go in one call.  The connected app is\n"
        "never changed.  Asks for confirmation on a terminal.\n"
        "\n" C2E_VERIFY_OPTIONS_HELP "\n" C2E_RUN_OPTIONS_HELP "  --json\n"
        "      Print one JSON document (run, state, apps with consumer\n"
        "      keys).\n"
        "\n" C2E_ORG_OPTIONS_HELP "\n" APPLY_EXIT_HELP "\n"
        "Example:\n"
        "  ca2eca apply plans/00D...json --auth-file prod.json \\\n"
        "      --jwt-key keys/partner1.key \\\n"
        "      --verify-user interaction@partner1.example.com\n";

const char c2e_resume_help[] =
        "usage: ca2eca resume [RUN] LOGIN-OPTIONS [--jwt-key FILE]\n"
        "       [--verify-user USER] [--ccd auto|manual] [--journal PATH]\n"
        "       [--yes] [--json]\n"
        "\n"
        "Continues an interrupted or stopped run (default: the newest run\n"
        "of the org in the journal).  Every step found in flight is first\n"
        "reconciled by reading the org -- was the component created? does\n"
        "the channel definition point at the ECA? -- and marked done or\n"
        "done again: no duplicate component, no skipped step.  Failed\n"
        "steps are tried again.\n"
        "\n" C2E_VERIFY_OPTIONS_HELP "\n" C2E_RUN_OPTIONS_HELP
        "\n" C2E_ORG_OPTIONS_HELP "\n" APPLY_EXIT_HELP "\n"
        "Example:\n"
        "  ca2eca resume --auth-file prod.json --jwt-key keys/partner1.key \\\n"
        "      --verify-user interaction@partner1.example.com\n";

static int run_cmd(struct c2e_out *out, int argc, char **argv, bool resume,
                   struct c2e_err *err)
{
	static const struct option longopts[] = { C2E_ORG_LONGOPTS,
		                                  C2E_JOURNAL_LONGOPTS,
		                                  C2E_VERIFY_LONGOPTS,
		                                  { NULL, 0, NULL, 0 } };
	const char *cmd = resume ? "resume" : "apply";
	struct c2e_runopts r;
	struct c2e_migrate_opts mo;
	struct c2e_migrate_result res;
	struct c2e_org *org = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_plan *plan = NULL;
	struct c2e_pkey *key = NULL;
	struct c2e_buf text = C2E_BUF_INIT;
	char question[512];
	int64_t run_id = 0;
	int first, rc;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	r.verifies = true;
	rc = c2e_cli_getopt(cmd, argc, argv, longopts, &r, NULL, NULL, &first,
	                    err);
	if (rc < 0)
		goto done;
	if (argc - first > 1 || (!resume && argc - first != 1)) {
		rc = c2e_cmd_usage(
		        err, cmd,
		        resume ? "resume takes at most one run number" :
		                 "apply takes one plan file");
		goto done;
	}
	if (!resume) {
		rc = c2e_fs_read(argv[first], (size_t)32 << 20, &text, err);
		if (rc == 0)
			rc = c2e_plan_parse(text.buf, text.len, argv[first],
			                    &plan, err);
		if (rc < 0)
			goto done;
	}
	rc = c2e_orgopts_finish(&r.org, cmd, err);
	if (rc == 0)
		rc = c2e_cli_verify_key(&r, &key, err);
	if (rc == 0)
		rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0)
		rc = c2e_org_open(&r.org, &org, err);
	if (rc == 0 && resume)
		rc = c2e_cli_run_id(j, first < argc ? argv[first] : NULL,
		                    c2e_org_session(org)->org_id, &run_id, err);
	if (rc < 0)
		goto done;
	if (resume) {
		if (snprintf(question, sizeof(question),
		             "Resume run %lld in org %s?", (long long)run_id,
		             c2e_org_session(org)->instance_url) < 0)
			question[0] = '\0';
	} else if (snprintf(question, sizeof(question),
	                    "Apply plan %s to org %s (%zu app%s, %zu "
	                    "steps)?",
	                    argv[first], plan->org_id, plan->n_apps,
	                    plan->n_apps == 1 ? "" : "s", plan->n_steps) < 0) {
		question[0] = '\0';
	}
	rc = c2e_confirm(out, r.yes, question, err);
	if (rc < 0)
		goto done;
	c2e_cli_migrate_opts(&r, out, key, &mo);
	if (resume)
		rc = c2e_resume(org, j, run_id, &mo, &res, err);
	else
		rc = c2e_apply(org, j, plan, argv[first], text.buf, &mo, &res,
		               err);
	if (res.run_id)
		c2e_cli_outcome(out, &res);
done:
	c2e_migrate_result_release(&res);
	c2e_pkey_free(key);
	c2e_buf_release(&text);
	c2e_plan_free(plan);
	c2e_org_free(org);
	c2e_journal_close(j);
	return rc;
}

int cmd_apply(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	return run_cmd(out, argc, argv, false, err);
}

int cmd_resume(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	return run_cmd(out, argc, argv, true, err);
}
