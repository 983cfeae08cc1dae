/*
 * report.h - what happened to every element of a connected app.
 *
 * Each entry says how one source element (or one value of a repeated
 * element) reached the ECA family: carried as is, converted (from ->
 * to), defaulted (a value ca2eca writes that the source did not say, to
 * keep behaviour), dropped (and why), or blocking (why this app must not
 * be migrated as is).  Secrets never enter a report: values of secret
 * fields are replaced by "(redacted)" before they are stored.
 */
#ifndef C2E_MODEL_REPORT_H
#define C2E_MODEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/str.h"

enum c2e_disp {
	C2E_DISP_CARRIED,
	C2E_DISP_CONVERTED,
	C2E_DISP_DEFAULTED,
	C2E_DISP_DROPPED,
	C2E_DISP_BLOCKING
};

struct c2e_report_entry {
	enum c2e_disp disp;
	char *source; /* "oauthConfig/scopes", NULL for defaulted */
	char *source_value; /* display value, NULL when none */
	char *target; /* "ExtlClntAppOauthSettings.commaSeparatedOauthScopes" */
	char *target_value;
	char *note; /* why; NULL when self-explanatory */
};

struct c2e_report {
	struct c2e_report_entry *entries;
	size_t n;
	size_t alloc;
	struct c2e_strv warnings; /* things an admin must look at */
	size_t n_blocking;
};

#define C2E_REPORT_INIT                      \
	{                                    \
		NULL, 0, 0, C2E_STRV_INIT, 0 \
	}

/* Adds an entry; every string is copied; any may be NULL. */
C2E_MUST_CHECK int c2e_report_add(struct c2e_report *r, enum c2e_disp disp,
                                  const char *source, const char *source_value,
                                  const char *target, const char *target_value,
                                  const char *note, struct c2e_err *err);
C2E_MUST_CHECK int c2e_report_warn(struct c2e_report *r, struct c2e_err *err,
                                   const char *fmt, ...) C2E_PRINTF(3, 4);
void c2e_report_release(struct c2e_report *r);

struct c2e_jsonw;

/* Writes the entries as a JSON array of {disposition, source, ...}. */
void c2e_report_write_json(const struct c2e_report *r, struct c2e_jsonw *w);

/* "carried", "converted", "defaulted", "dropped", "blocking" */
const char *c2e_disp_name(enum c2e_disp d);

#endif
