/*
 * str.h - string helpers and a growable vector of owned strings.
 */
#ifndef C2E_UTIL_STR_H
#define C2E_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Allocating copies; NULL when out of memory (or when `s` is NULL). */
char *c2e_strdup(const char *s);
char *c2e_strndup(const char *s, size_t n);

bool c2e_str_starts(const char *s, const char *prefix);
bool c2e_str_ends(const char *s, const char *suffix);
bool c2e_str_eq(const char *a, const char *b); /* NULL-safe */
bool c2e_str_ieq(const char *a, const char *b); /* ASCII, NULL-safe */

/* Span of `s` without leading and trailing ASCII white space. */
void c2e_str_trim(const char *s, const char **start_out, size_t *len_out);

/*
 * Parses a decimal integer that must fill the whole string (after
 * trimming white space).  Returns 0, or -1 when it is not one.
 */
int c2e_str_to_long(const char *s, long *out);

/* A vector of owned, NUL-terminated strings. */
struct c2e_strv {
	char **v;
	size_t n;
	size_t alloc;
};

#define C2E_STRV_INIT      \
	{                  \
		NULL, 0, 0 \
	}

int c2e_strv_push(struct c2e_strv *sv, const char *s, struct c2e_err *err);
/* Takes ownership of `s` (also on failure, when it is freed). */
int c2e_strv_push_owned(struct c2e_strv *sv, char *s, struct c2e_err *err);
bool c2e_strv_contains(const struct c2e_strv *sv, const char *s);
void c2e_strv_sort(struct c2e_strv *sv);
void c2e_strv_release(struct c2e_strv *sv);

#endif
