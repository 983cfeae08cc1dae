#include "model/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"
#include "util/compat.h"

static void entry_release(struct c2e_report_entry *e)
{
	free(e->source);
	free(e->source_value);
	free(e->target);
	free(e->target_value);
	free(e->note);
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = c2e_strdup(s);
	return *out ? 0 : -1;
}

int c2e_report_add(struct c2e_report *r, enum c2e_disp disp, const char *source,
                   const char *source_value, const char *target,
                   const char *target_value, const char *note,
                   struct c2e_err *err)
{
	struct c2e_report_entry e = { disp, NULL, NULL, NULL, NULL, NULL };

	if (r->n == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		struct c2e_report_entry *p =
		        realloc(r->entries, n * sizeof(*p));

		if (!p)
			return c2e_err_oom(err);
		r->entries = p;
		r->alloc = n;
	}
	if (dup_opt(source, &e.source) ||
	    dup_opt(source_value, &e.source_value) ||
	    dup_opt(target, &e.target) ||
	    dup_opt(target_value, &e.target_value) || dup_opt(note, &e.note)) {
		entry_release(&e);
		return c2e_err_oom(err);
	}
	r->entries[r->n++] = e;
	if (disp == C2E_DISP_BLOCKING)
		r->n_blocking++;
	return C2E_OK;
}

int c2e_report_warn(struct c2e_report *r, struct c2e_err *err, const char *fmt,
                    ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return c2e_err_set(err, C2E_ERROR, "cannot format a warning");
	s = malloc((size_t)n + 1);
	if (!s)
		return c2e_err_oom(err);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return c2e_strv_push_owned(&r->warnings, s, err);
}

void c2e_report_release(struct c2e_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_release(&r->entries[i]);
	free(r->entries);
	r->entries = NULL;
	r->n = r->alloc = r->n_blocking = 0;
	c2e_strv_release(&r->warnings);
}

const char *c2e_disp_name(enum c2e_disp d)
{
	switch (d) {
	case C2E_DISP_CARRIED:
		return "carried";
	case C2E_DISP_CONVERTED:
		return "converted";
	case C2E_DISP_DEFAULTED:
		return "defaulted";
	case C2E_DISP_DROPPED:
		return "dropped";
	case C2E_DISP_BLOCKING:
		return "blocking";
	}
	return "unknown";
}

void c2e_report_write_json(const struct c2e_report *r, struct c2e_jsonw *w)
{
	c2e_jsonw_array_begin(w);
	for (size_t k = 0; k < r->n; k++) {
		const struct c2e_report_entry *e = &r->entries[k];

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "disposition", c2e_disp_name(e->disp));
		c2e_jsonw_kv_string(w, "source", e->source);
		c2e_jsonw_kv_string(w, "sourceValue", e->source_value);
		c2e_jsonw_kv_string(w, "target", e->target);
		c2e_jsonw_kv_string(w, "targetValue", e->target_value);
		c2e_jsonw_kv_string(w, "note", e->note);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
}
