/*
 * cmd_help.c - `ca2eca help [COMMAND]` and `ca2eca version`, plus the
 * command lookup and help printing shared with main.c.
 */
#include "cli/cmd.h"

#include <getopt.h>
#include <string.h>

#include "util/compat.h"

#ifndef C2E_VERSION
#	define C2E_VERSION "unknown"
#endif

const struct c2e_cmd *c2e_cmd_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct c2e_cmd *c = c2e_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void c2e_cmd_print_help(struct c2e_out *out, const struct c2e_cmd *cmd)
{
	struct c2e_jsonw *w = c2e_out_result(out);

	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "name", cmd->name);
		c2e_jsonw_kv_string(w, "summary", cmd->summary);
		c2e_jsonw_kv_string(w, "help", cmd->help);
		c2e_jsonw_object_end(w);
		return;
	}
	c2e_out_printf(out, "%s", cmd->help);
}

static void print_overview(struct c2e_out *out)
{
	struct c2e_jsonw *w = c2e_out_result(out);
	const struct c2e_cmd *c;
	int width = 0;

	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_key(w, "commands");
		c2e_jsonw_array_begin(w);
		for (c = c2e_commands; c->name; c++) {
			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_string(w, "name", c->name);
			c2e_jsonw_kv_string(w, "summary", c->summary);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
		return;
	}
	for (c = c2e_commands; c->name; c++)
		if ((int)strlen(c->name) > width)
			width = (int)strlen(c->name);
	c2e_out_printf(out, "usage: ca2eca [--json] COMMAND [OPTIONS] [ARGS]\n"
	                    "       ca2eca --version\n"
	                    "       ca2eca help [COMMAND]\n"
	                    "\n"
	                    "Converts Salesforce Connected Apps into External "
	                    "Client Apps.\n"
	                    "\n"
	                    "Commands:\n");
	for (c = c2e_commands; c->name; c++)
		c2e_out_printf(out, "  %-*s  %s\n", width, c->name, c->summary);
	c2e_out_printf(out, "\n"
	                    "Global options:\n"
	                    "  --json      print one JSON document on standard "
	                    "output instead of text\n"
	                    "  -h, --help  show the help of ca2eca, or of the "
	                    "command it follows\n"
	                    "  --version   print the version\n"
	                    "\n"
	                    "Run 'ca2eca help COMMAND' for the options of a "
	                    "command; see also ca2eca(1).\n");
}

/* Reports the option getopt_long() did not know (opterr is 0). */
static int unknown_option(struct c2e_err *err, const char *cmd, char **argv)
{
	if (optopt)
		return c2e_cmd_usage(err, cmd, "unknown option '-%c'", optopt);
	return c2e_cmd_usage(err, cmd, "unknown option '%s'", argv[optind - 1]);
}

/* Accepts no options (main has handled -h, --help and --json). */
static int no_options(const char *cmd, int argc, char **argv,
                      struct c2e_err *err)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	int c;

	optind = 0;
	c = getopt_long(argc, argv, "+", longopts, NULL);
	if (c == -1)
		return C2E_OK;
	return unknown_option(err, cmd, argv);
}

int cmd_help(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	const struct c2e_cmd *cmd;
	int rc;

	rc = no_options("help", argc, argv, err);
	if (rc < 0)
		goto done;
	if (argc - optind > 1) {
		rc = c2e_cmd_usage(err, "help", "unexpected argument '%s'",
		                   argv[optind + 1]);
		goto done;
	}
	if (argc - optind == 0) {
		print_overview(out);
		goto done;
	}
	cmd = c2e_cmd_find(argv[optind]);
	if (!cmd) {
		rc = c2e_err_set(err, C2E_EUSAGE,
		                 "'%s' is not a ca2eca command; see 'ca2eca "
		                 "help'",
		                 argv[optind]);
		goto done;
	}
	c2e_cmd_print_help(out, cmd);
done:
	return rc;
}

int cmd_version(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	struct c2e_jsonw *w;
	int rc;

	rc = no_options("version", argc, argv, err);
	if (rc < 0)
		goto done;
	if (optind < argc) {
		rc = c2e_cmd_usage(err, "version", "unexpected argument '%s'",
		                   argv[optind]);
		goto done;
	}
	w = c2e_out_result(out);
	if (w) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "version", C2E_VERSION);
		c2e_jsonw_kv_string(w, "name", "ca2eca");
		c2e_jsonw_object_end(w);
		goto done;
	}
	c2e_out_printf(out, "ca2eca %s\n", C2E_VERSION);
done:
	return rc;
}
