/*
 * out.h - the only place that writes to stdout and stderr.
 *
 * Without --json: human output goes to stdout as the command produces
 * it, warnings and errors go to stderr as "ca2eca: warning: ..." and
 * "ca2eca: ...".  With --json: nothing but one JSON document is written
 * to stdout at the end (see c2e_out_finish):
 *
 *   {"status": 0, "result": <what the command built>, "warnings": [...]}
 *   {"status": 65, "name": "DataError", "message": "...",
 *    "exitCode": 65, "warnings": [...]}
 */
#ifndef C2E_CLI_OUT_H
#define C2E_CLI_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/str.h"

struct c2e_out {
	bool json; /* --json mode */
	bool quiet; /* human output suppressed */
	FILE *out; /* stdout */
	FILE *errf; /* stderr */
	struct c2e_buf result; /* JSON text of "result" (json mode) */
	struct c2e_jsonw jw; /* writer on `result` */
	bool result_started;
	struct c2e_strv warnings;
};

void c2e_out_init(struct c2e_out *o, bool json);
void c2e_out_release(struct c2e_out *o);

/* Human output (stdout); a no-op in json mode. */
void c2e_out_printf(struct c2e_out *o, const char *fmt, ...) C2E_PRINTF(2, 3);
/* A warning: stderr now (text mode) or collected for "warnings". */
void c2e_out_warn(struct c2e_out *o, const char *fmt, ...) C2E_PRINTF(2, 3);
/* A diagnostic line on stderr in both modes (progress, notes). */
void c2e_out_note(struct c2e_out *o, const char *fmt, ...) C2E_PRINTF(2, 3);

/*
 * The JSON writer for the "result" value (json mode only; returns NULL in
 * text mode).  The command writes exactly one value with it.
 */
struct c2e_jsonw *c2e_out_result(struct c2e_out *o);

/*
 * Ends the run: in json mode prints the document; in text mode prints
 * `err->msg` as "ca2eca: <msg>" when rc < 0.  Returns the exit code,
 * which is C2E_EXIT_INTERNAL when stdout could not be written.
 */
int c2e_out_finish(struct c2e_out *o, int rc, const struct c2e_err *err);

#endif
