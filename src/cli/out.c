/*
 * out.c - all terminal output of ca2eca: human text, diagnostics, and the
 * one JSON document of --json mode (see out.h and docs/cli.md).
 */
#include "cli/out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"

#include "util/compat.h"

#define PROG "ca2eca"

void c2e_out_init(struct c2e_out *o, bool json)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
	o->quiet = false;
	o->out = stdout;
	o->errf = stderr;
	c2e_buf_init(&o->result, 0);
	/*
	 * The result is written in place: as the value of the "result"
	 * member one level down in the pretty-printed document, so that
	 * c2e_out_finish() can paste it in as it is.
	 */
	c2e_jsonw_init(&o->jw, &o->result, true);
	o->jw.depth = 1;
	o->jw.after_key = true;
	o->result_started = false;
	o->warnings.v = NULL;
	o->warnings.n = 0;
	o->warnings.alloc = 0;
}

void c2e_out_release(struct c2e_out *o)
{
	c2e_buf_release(&o->result);
	c2e_strv_release(&o->warnings);
}

void c2e_out_printf(struct c2e_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json || o->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(o->out, fmt, ap);
	va_end(ap);
}

/* Writes "ca2eca: <head><message>\n" to stderr. */
static void vline(struct c2e_out *o, const char *head, const char *fmt,
                  va_list ap) C2E_PRINTF(3, 0);

static void vline(struct c2e_out *o, const char *head, const char *fmt,
                  va_list ap)
{
	fprintf(o->errf, PROG ": %s", head);
	vfprintf(o->errf, fmt, ap);
	fputc('\n', o->errf);
}

/* A malloc'd formatted string, or NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap) C2E_PRINTF(1, 0);

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	char *s;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	if (vsnprintf(s, (size_t)n + 1, fmt, ap) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void c2e_out_warn(struct c2e_out *o, const char *fmt, ...)
{
	va_list ap, ap2;
	char *s = NULL;

	va_start(ap, fmt);
	if (o->json) {
		va_copy(ap2, ap);
		s = vformat(fmt, ap2);
		va_end(ap2);
		if (s && c2e_strv_push_owned(&o->warnings, s, NULL) == C2E_OK)
			goto done;
		/* out of memory: do not lose the warning, put it on stderr */
	}
	vline(o, "warning: ", fmt, ap);
done:
	va_end(ap);
}

void c2e_out_note(struct c2e_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(o, "", fmt, ap);
	va_end(ap);
}

struct c2e_jsonw *c2e_out_result(struct c2e_out *o)
{
	if (!o->json)
		return NULL;
	o->result_started = true;
	return &o->jw;
}

/* Writes the --json document; returns the exit code. */
static int finish_json(struct c2e_out *o, int rc, const char *msg)
{
	struct c2e_err own = C2E_ERR_INIT;
	struct c2e_buf doc = C2E_BUF_INIT;
	bool have_result;
	struct c2e_jsonw w;
	int code;

	have_result = o->result_started && o->result.len > 0;
	if (rc == C2E_OK && c2e_buf_failed(&o->result)) {
		rc = c2e_buf_err(&o->result, "the JSON result", &own);
		msg = own.msg;
	} else if (rc == C2E_OK && have_result &&
	           (o->jw.depth != 1 || o->jw.after_key)) {
		rc = c2e_err_set(&own, C2E_ERROR,
		                 "the JSON result of the "
		                 "command is incomplete");
		msg = own.msg;
	}
	code = c2e_exit_code(rc);

	c2e_jsonw_init(&w, &doc, true);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_long(&w, "status", code);
	if (rc == C2E_OK) {
		c2e_jsonw_key(&w, "result");
		if (have_result) {
			c2e_buf_addn(&doc, o->result.buf, o->result.len);
			w.after_key = false;
		} else {
			c2e_jsonw_null(&w);
		}
	} else {
		c2e_jsonw_kv_string(&w, "name", c2e_err_name(rc));
		c2e_jsonw_kv_string(&w, "message", msg);
		c2e_jsonw_kv_long(&w, "exitCode", code);
		/* what a command that stopped part way did get done (a batch's
		 * per-org results) goes with the error */
		if (have_result && !c2e_buf_failed(&o->result) &&
		    o->jw.depth == 1 && !o->jw.after_key) {
			c2e_jsonw_key(&w, "result");
			c2e_buf_addn(&doc, o->result.buf, o->result.len);
			w.after_key = false;
		}
	}
	c2e_jsonw_key(&w, "warnings");
	c2e_jsonw_array_begin(&w);
	for (size_t i = 0; i < o->warnings.n; i++)
		c2e_jsonw_string(&w, o->warnings.v[i]);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_object_end(&w);
	c2e_buf_addc(&doc, '\n');
	if (c2e_jsonw_failed(&w)) {
		fprintf(o->errf, PROG ": out of memory\n");
		code = C2E_EXIT_INTERNAL;
		goto done;
	}
	fwrite(doc.buf, 1, doc.len, o->out);
done:
	c2e_buf_release(&doc);
	return code;
}

int c2e_out_finish(struct c2e_out *o, int rc, const struct c2e_err *err)
{
	const char *msg;
	int code, flushed, saved;

	msg = err && err->msg[0] ? err->msg : c2e_err_name(rc);
	if (o->json) {
		code = finish_json(o, rc, msg);
	} else {
		code = c2e_exit_code(rc);
		if (rc < 0)
			fprintf(o->errf, PROG ": %s\n", msg);
	}

	errno = 0;
	flushed = fflush(o->out);
	saved = errno;
	if (flushed != 0 || ferror(o->out)) {
		if (saved)
			fprintf(o->errf,
			        PROG ": cannot write to standard output: %s\n",
			        strerror(saved));
		else
			fprintf(o->errf,
			        PROG ": cannot write to standard output\n");
		code = C2E_EXIT_INTERNAL;
	}
	return code;
}
