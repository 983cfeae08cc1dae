/*
 * exit.h - the exit codes of ca2eca (sysexits(3) values).  Documented in
 * docs/exit-codes.md and docs/ca2eca.1; scripts rely on them, so they
 * never change meaning.
 */
#ifndef C2E_CLI_EXIT_H
#define C2E_CLI_EXIT_H

#define C2E_EXIT_OK        0 /* success */
#define C2E_EXIT_USAGE     64 /* EX_USAGE: the command line is wrong */
#define C2E_EXIT_DATA      65 /* EX_DATAERR: bad input data */
#define C2E_EXIT_INTERNAL  70 /* EX_SOFTWARE: internal or system error */
#define C2E_EXIT_RESUMABLE 75 /* EX_TEMPFAIL: stopped, `resume` continues */
#define C2E_EXIT_REMOTE    76 /* EX_PROTOCOL: the org or network failed */

/* Maps an enum c2e_rc to the exit code. */
int c2e_exit_code(int rc);
/* The stable name of an exit code ("usage", "data", ...). */
const char *c2e_exit_name(int exit_code);

#endif
