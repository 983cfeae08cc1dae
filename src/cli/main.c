/*
 * main.c - the command table and the global command line of ca2eca:
 *
 *   ca2eca [--json] [-h|--help] [--version] [COMMAND [ARGS...]]
 *
 * `--json` may also appear anywhere among the command's arguments (before
 * a `--`); it is removed before the command runs.  `-h`/`--help` among
 * them prints the command's help instead of running it, so every command
 * has it.  Exit codes are documented in docs/exit-codes.md.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/exit.h"
#include "cli/out.h"
#include "remote/http.h"
#include "util/xml.h"

#include "util/compat.h"

static const char help_help[] =
        "usage: ca2eca help [COMMAND] [--json]\n"
        "\n"
        "Without COMMAND, lists the commands of ca2eca with a one-line\n"
        "summary each.  With COMMAND, shows the help of that command, the\n"
        "same text as 'ca2eca COMMAND --help'.\n"
        "\n"
        "Options:\n"
        "  --json      print one JSON document; its result is\n"
        "              {\"commands\": [{\"name\": ..., \"summary\": ...}, "
        "...]}\n"
        "              or, with COMMAND, {\"name\", \"summary\", \"help\"}\n"
        "  -h, --help  show this help\n"
        "\n"
        "Exit status:\n"
        "  0   success\n"
        "  64  COMMAND is not a ca2eca command, or the command line is "
        "wrong\n"
        "\n"
        "Example:\n"
        "  ca2eca help convert\n";

static const char version_help[] =
        "usage: ca2eca version [--json]\n"
        "\n"
        "Prints the version of ca2eca as \"ca2eca X.Y.Z\".  'ca2eca "
        "--version'\n"
        "does the same.\n"
        "\n"
        "Options:\n"
        "  --json      print one JSON document; its result is\n"
        "              {\"version\": \"X.Y.Z\", \"name\": \"ca2eca\"}\n"
        "  -h, --help  show this help\n"
        "\n"
        "Exit status:\n"
        "  0   success\n"
        "  64  the command line is wrong\n"
        "\n"
        "Example:\n"
        "  ca2eca version --json\n";

static const char convert_help[] =
        "usage: ca2eca convert --project DIR [--out DIR] [--app NAME]... "
        "[--name TEMPLATE] [--distribution Local|Packaged] [--dry-run] "
        "[--force] [--json]\n"
        "\n"
        "Converts the Connected Apps of a Salesforce project retrieved to\n"
        "disk into External Client App metadata.  No org is contacted and\n"
        "nothing is deployed.\n"
        "\n"
        "The project is an SFDX project (sfdx-project.json; every entry of\n"
        "packageDirectories is searched) or a metadata-format tree (a src/\n"
        "directory with package.xml).  Each ConnectedApp becomes the External\n"
        "Client App metadata family:\n"
        "\n"
        "  ExternalClientApplication              NAME.eca\n"
        "  ExtlClntAppOauthSettings               NAME.ecaOauth\n"
        "  ExtlClntAppGlobalOauthSettings         NAME.ecaGlblOauth\n"
        "  ExtlClntAppOauthConfigurablePolicies   NAME.ecaOauthPlcy\n"
        "  ExtlClntAppConfigurablePolicies        NAME.ecaPlcy\n"
        "\n"
        "plus the canvas and SAML settings types when the Connected App uses\n"
        "them.  The files are written in the format of the input, under\n"
        "--out, with a package.xml listing the new components.  A report\n"
        "then shows, field by field, how each Connected App setting was\n"
        "carried over, converted, defaulted, dropped, or blocking (an app\n"
        "with a blocking finding is not written).  Existing External\n"
        "Client App files are never overwritten without --force.\n"
        "\n"
        "Options:\n"
        "  --project DIR\n"
        "      The project to read: a directory with sfdx-project.json, or a\n"
        "      metadata-format tree with package.xml.  Required.\n"
        "  --out DIR\n"
        "      Where to write the new files.  Default: the project itself.\n"
        "  --app NAME\n"
        "      Convert only the Connected App with this API name.  Repeat to\n"
        "      convert several.  Default: every Connected App found.\n"
        "  --name TEMPLATE\n"
        "      The API name of each new External Client App.  Placeholders:\n"
        "        {name}    the whole Connected App API name\n"
        "        {prefix}  the part before the first underscore (Partner1 in\n"
        "                  Partner1_Portal)\n"
        "        {rest}    the part after that underscore (Portal)\n"
        "      Default: \"{name}\".  The {prefix}_ of a Connected App must\n"
        "      stay: ConversationChannelDefinition names depend on it.\n"
        "  --distribution Local|Packaged\n"
        "      The distribution state of the new apps.  Default: Local.\n"
        "  --dry-run\n"
        "      Convert and report, but write nothing.\n"
        "  --force\n"
        "      Overwrite External Client App files that already exist.\n"
        "  --json\n"
        "      Print one JSON document on standard output instead of the\n"
        "      report (see 'man ca2eca').\n"
        "  -h, --help\n"
        "      Show this help.\n"
        "\n"
        "Exit status:\n"
        "  0   the conversion ran (with --dry-run: would run); apps with a\n"
        "      blocking finding are reported and not written, see --json\n"
        "  64  the command line is wrong, for example --project is missing\n"
        "  65  bad input: an unreadable project or invalid metadata, an\n"
        "      --app that does not exist, or existing files without --force\n"
        "  70  internal or system error, for example a full disk\n"
        "\n"
        "Example:\n"
        "  ca2eca convert --project ./myproject --out ./eca \\\n"
        "      --name '{prefix}_{rest}_ECA' --dry-run\n";

const struct c2e_cmd c2e_commands[] = {
	{ "help", cmd_help, "show the commands, or the help of one command",
	  help_help },
	{ "version", cmd_version, "print the version of ca2eca", version_help },
	{ "convert", cmd_convert,
	  "convert Connected Apps into External Client App metadata files",
	  convert_help },
	{ "inventory", cmd_inventory,
	  "list an org's connected apps, ECAs and channel definitions",
	  c2e_inventory_help },
	{ "plan", cmd_plan,
	  "plan the migration of an org's connected apps (plan show FILE)",
	  c2e_plan_help },
	{ "apply", cmd_apply,
	  "run a plan: create the ECAs, verify them, repoint channels",
	  c2e_apply_help },
	{ "resume", cmd_resume, "continue an interrupted or stopped run",
	  c2e_resume_help },
	{ "rollback", cmd_rollback, "undo a run's steps, newest first",
	  c2e_rollback_help },
	{ "verify", cmd_verify,
	  "check a run's ECAs again: JWT bearer exchange, channel links",
	  c2e_verify_help },
	{ "status", cmd_status, "show the runs and where each step stands",
	  c2e_status_help },
	{ "log", cmd_log, "show the journal's record of a run", c2e_log_help },
	{ "retire", cmd_retire,
	  "delete a migrated connected app (irreversible)", c2e_retire_help },
	{ "mark", cmd_mark, "record a step an operator finished by hand",
	  c2e_mark_help },
	{ "unlock", cmd_unlock, "remove a stuck org lock (--force NONCE)",
	  c2e_unlock_help },
	{ "batch", cmd_batch,
	  "plan, apply, resume or roll back many orgs from a manifest",
	  c2e_batch_help },
	{ "report", cmd_report, "merge the batch reports of several runs",
	  c2e_report_help },
	{ "keygen", cmd_keygen,
	  "make an RSA key and a self-signed certificate for the JWT bearer "
	  "flow",
	  c2e_keygen_help },
	{ NULL, NULL, NULL, NULL },
};

int c2e_cmd_usage(struct c2e_err *err, const char *cmd, const char *fmt, ...)
{
	char msg[C2E_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return c2e_err_set(err, C2E_EUSAGE, "%s: %s; see 'ca2eca %s --help'",
	                   cmd, msg, cmd);
}

static bool is_help_opt(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

/*
 * Removes every "--json" before a "--" from args[1..n) (args[0] is the
 * command name) and returns the new count; sets *json when one was seen.
 */
static int strip_json(char **args, int n, bool *json)
{
	int in, outn = 1;

	for (in = 1; in < n; in++) {
		if (strcmp(args[in], "--") == 0)
			break;
		if (strcmp(args[in], "--json") == 0) {
			*json = true;
			continue;
		}
		args[outn++] = args[in];
	}
	for (; in < n; in++)
		args[outn++] = args[in];
	args[outn] = NULL;
	return outn;
}

/* True when -h or --help is among args[1..n) before a "--". */
static bool wants_help(char **args, int n)
{
	for (int i = 1; i < n; i++) {
		if (strcmp(args[i], "--") == 0)
			return false;
		if (is_help_opt(args[i]))
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	static char help_name[] = "help";
	static char version_name[] = "version";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_out out;
	const struct c2e_cmd *cmd = NULL;
	char *fallback[2] = { help_name, NULL };
	bool json = false, help = false, version = false;
	const char *bad_opt = NULL;
	char **args = fallback;
	int first, n = 1, rc = C2E_OK, code;

	/* options before the command */
	for (first = 1; first < argc; first++) {
		if (strcmp(argv[first], "--json") == 0)
			json = true;
		else if (is_help_opt(argv[first]))
			help = true;
		else if (strcmp(argv[first], "--version") == 0)
			version = true;
		else if (argv[first][0] == '-' && !bad_opt)
			bad_opt = argv[first];
		else if (argv[first][0] != '-')
			break;
	}
	if (first < argc) {
		args = argv + first;
		n = strip_json(args, argc - first, &json);
	}
	c2e_out_init(&out, json);
	c2e_xml_global_init();
	c2e_http_global_init();

	if (bad_opt) {
		rc = c2e_err_set(&err, C2E_EUSAGE,
		                 "unknown option '%s'; see 'ca2eca help'",
		                 bad_opt);
		goto done;
	}
	if (version) {
		/* `ca2eca --version [...]`: the version; the rest is ignored */
		fallback[0] = version_name;
		args = fallback;
		n = 1;
		first = argc;
	}
	cmd = c2e_cmd_find(args[0]);
	if (!cmd) {
		rc = c2e_err_set(&err, C2E_EUSAGE,
		                 "'%s' is not a ca2eca command; see 'ca2eca "
		                 "help'",
		                 args[0]);
		goto done;
	}
	if (help && first >= argc) {
		/* `ca2eca --help`: the overview */
		help = false;
	}
	if (help || wants_help(args, n)) {
		c2e_cmd_print_help(&out, cmd);
		goto done;
	}
	optind = 0; /* a full reinitialisation of GNU getopt */
	opterr = 0; /* commands report unknown options through err */
	rc = cmd->fn(&out, n, args, &err);
done:
	code = c2e_out_finish(&out, rc, &err);
	c2e_out_release(&out);
	c2e_http_global_cleanup();
	c2e_xml_global_cleanup();
	return code;
}
