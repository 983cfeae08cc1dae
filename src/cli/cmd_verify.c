/*
 * cmd_verify.c - `ca2eca verify`: the JWT bearer exchange and the channel
 * definition check of a run's ECAs, again, at any time.
 */
#include <string.h>

#include "cli/cmd.h"
#include "cli/runcmd.h"
#include "stage/migrate.h"
#include "util/compat.h"

const char c2e_verify_help[] =
        "usage: ca2eca verify [RUN] LOGIN-OPTIONS [--app NAME] --jwt-key FILE\n"
        "       --verify-user USER [--journal PATH] [--json]\n"
        "\n"
        "Re-runs, for the ECAs of a run (default: the newest run of the\n"
        "org), the JWT bearer exchange with each new consumer key (the\n"
        "token must carry interaction_api for Interaction Service apps)\n"
        "and checks that each ConversationChannelDefinition points at the\n"
        "new ECA.  Changes nothing.\n"
        "\n"
        "Options:\n"
        "  --app NAME     only this connected app\n"
        "\n" C2E_VERIFY_OPTIONS_HELP "\n" C2E_RUN_OPTIONS_HELP
        "\n" C2E_ORG_OPTIONS_HELP "\n"
        "Exit status:\n"
        "  0   every check passed\n"
        "  64  the command line is wrong\n"
        "  65  no such run or app\n"
        "  76  a check failed, or the org or the network failed\n";

static int verify_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	(void)err;
	if (c != 'a')
		return 0;
	*(const char **)ctx = arg;
	return 1;
}

int cmd_verify(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = { C2E_ORG_LONGOPTS,
		                                  C2E_JOURNAL_LONGOPTS,
		                                  C2E_VERIFY_LONGOPTS,
		                                  { "app", required_argument,
		                                    NULL, 'a' },
		                                  { NULL, 0, NULL, 0 } };
	struct c2e_runopts r;
	struct c2e_migrate_opts mo;
	struct c2e_migrate_result res;
	struct c2e_org *org = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_pkey *key = NULL;
	const char *app = NULL;
	int64_t run_id = 0;
	int first, rc;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	r.verifies = true;
	rc = c2e_cli_getopt("verify", argc, argv, longopts, &r, verify_own,
	                    (void *)&app, &first, err);
	if (rc == 0 && argc - first > 1)
		rc = c2e_cmd_usage(err, "verify",
		                   "verify takes at most one run number");
	if (rc == 0)
		rc = c2e_orgopts_finish(&r.org, "verify", err);
	if (rc == 0)
		rc = c2e_cli_verify_key(&r, &key, err);
	if (rc == 0)
		rc = c2e_cli_journal(&r, &j, err);
	if (rc == 0)
		rc = c2e_org_open(&r.org, &org, err);
	if (rc == 0)
		rc = c2e_cli_run_id(j, first < argc ? argv[first] : NULL,
		                    c2e_org_session(org)->org_id, &run_id, err);
	if (rc < 0)
		goto done;
	c2e_cli_migrate_opts(&r, out, key, &mo);
	rc = c2e_verify(org, j, run_id, app, &mo, &res, err);
	if (res.run_id)
		c2e_cli_outcome(out, &res);
done:
	c2e_migrate_result_release(&res);
	c2e_pkey_free(key);
	c2e_org_free(org);
	c2e_journal_close(j);
	return rc;
}
