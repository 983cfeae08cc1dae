/*
 * runcmd.h - what the migration commands (plan, apply, resume, rollback,
 * verify, retire, status, log, mark, unlock) share: option parsing, the
 * journal, finding a run, the verification key, progress and outcomes.
 */
#ifndef C2E_CLI_RUNCMD_H
#define C2E_CLI_RUNCMD_H

#include <getopt.h>
#include <stdint.h>

#include "cli/orgopts.h"
#include "cli/out.h"
#include "journal/journal.h"
#include "stage/migrate.h"
#include "util/crypto.h"
#include "util/err.h"

/*
 * getopt_long over argv: each option goes to `own` first (returns 1 when
 * it took it, 0 when not, < 0 on error), then to c2e_runopts_handle.
 * *first_arg_out is the index of the first operand.
 */
C2E_MUST_CHECK int c2e_cli_getopt(
        const char *cmd, int argc, char **argv, const struct option *longopts,
        struct c2e_runopts *r,
        int (*own)(void *ctx, int c, const char *arg, struct c2e_err *err),
        void *ctx, int *first_arg_out, struct c2e_err *err);

/* Opens the journal of --journal (default ./ca2eca.db). */
C2E_MUST_CHECK int c2e_cli_journal(const struct c2e_runopts *r,
                                   struct c2e_journal **out,
                                   struct c2e_err *err);

/*
 * The run to work on: `arg` (a run id) when given, else the newest run
 * of `org_id` (any org when NULL).  C2E_ENOTFOUND names the journal.
 */
C2E_MUST_CHECK int c2e_cli_run_id(struct c2e_journal *j, const char *arg,
                                  const char *org_id, int64_t *out,
                                  struct c2e_err *err);

/* The verification key of --jwt-key, or NULL when not given. */
C2E_MUST_CHECK int c2e_cli_verify_key(const struct c2e_runopts *r,
                                      struct c2e_pkey **out,
                                      struct c2e_err *err);

/* Fills migrate options from the run options (progress to `out`). */
void c2e_cli_migrate_opts(const struct c2e_runopts *r, struct c2e_out *out,
                          const struct c2e_pkey *key,
                          struct c2e_migrate_opts *mo);

/* Prints (or writes as JSON) the outcome of apply/resume/verify. */
void c2e_cli_outcome(struct c2e_out *out, const struct c2e_migrate_result *res);

#endif
