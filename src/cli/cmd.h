/*
 * cmd.h - the command table.
 *
 * Adding a command: write src/cli/cmd_<name>.c with
 *   int cmd_<name>(struct c2e_out *out, int argc, char **argv,
 *                  struct c2e_err *err);
 * add it to the table in main.c with its summary and help text, add a
 * docs page and a section in docs/ca2eca.1; tests/cli/help.sh checks that
 * `ca2eca <name> -h` works for every entry of the table.
 *
 * A command gets argv[0] = its name; `--json` has already been removed
 * from argv by main and is reflected in out->json.  It returns C2E_OK or
 * a negative enum c2e_rc with `err` set; main prints and exits.
 */
#ifndef C2E_CLI_CMD_H
#define C2E_CLI_CMD_H

#include "cli/out.h"
#include "util/err.h"

struct c2e_cmd {
	const char *name;
	int (*fn)(struct c2e_out *out, int argc, char **argv,
	          struct c2e_err *err);
	const char *summary; /* one line for `ca2eca help` */
	const char *help; /* full text for `ca2eca <name> --help` */
};

/* The table (main.c) and lookup. */
extern const struct c2e_cmd c2e_commands[];
const struct c2e_cmd *c2e_cmd_find(const char *name);

/* Prints the help text of a command to stdout (used for -h/--help). */
void c2e_cmd_print_help(struct c2e_out *out, const struct c2e_cmd *cmd);

/*
 * For commands: reports a usage error ("ca2eca <cmd>: <msg>" plus a hint
 * to run --help).  Returns C2E_EUSAGE.
 */
int c2e_cmd_usage(struct c2e_err *err, const char *cmd, const char *fmt, ...)
        C2E_PRINTF(3, 4);

int cmd_help(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_version(struct c2e_out *out, int argc, char **argv,
                struct c2e_err *err);
int cmd_convert(struct c2e_out *out, int argc, char **argv,
                struct c2e_err *err);
int cmd_inventory(struct c2e_out *out, int argc, char **argv,
                  struct c2e_err *err);
int cmd_keygen(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);

int cmd_plan(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_apply(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_resume(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_rollback(struct c2e_out *out, int argc, char **argv,
                 struct c2e_err *err);
int cmd_verify(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_retire(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_status(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_log(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_mark(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_unlock(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_batch(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);
int cmd_report(struct c2e_out *out, int argc, char **argv, struct c2e_err *err);

/* Help texts that live with their command. */
extern const char c2e_inventory_help[];
extern const char c2e_plan_help[];
extern const char c2e_apply_help[];
extern const char c2e_resume_help[];
extern const char c2e_rollback_help[];
extern const char c2e_verify_help[];
extern const char c2e_retire_help[];
extern const char c2e_status_help[];
extern const char c2e_log_help[];
extern const char c2e_mark_help[];
extern const char c2e_unlock_help[];
extern const char c2e_batch_help[];
extern const char c2e_report_help[];
extern const char c2e_keygen_help[];

#endif
