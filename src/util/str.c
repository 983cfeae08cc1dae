#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/compat.h"

char *c2e_strndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *c2e_strdup(const char *s)
{
	return s ? c2e_strndup(s, strlen(s)) : NULL;
}

bool c2e_str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool c2e_str_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool c2e_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool c2e_str_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

void c2e_str_trim(const char *s, const char **start_out, size_t *len_out)
{
	const char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*start_out = s;
	*len_out = (size_t)(e - s);
}

int c2e_str_to_long(const char *s, long *out)
{
	const char *start;
	size_t len;
	char tmp[32];
	char *end;
	long v;

	c2e_str_trim(s, &start, &len);
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int c2e_strv_push_owned(struct c2e_strv *sv, char *s, struct c2e_err *err)
{
	if (!s)
		return c2e_err_oom(err);
	if (sv->n + 1 >= sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 8;
		char **v = realloc(sv->v, n * sizeof(*v));

		if (!v) {
			free(s);
			return c2e_err_oom(err);
		}
		sv->v = v;
		sv->alloc = n;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return C2E_OK;
}

int c2e_strv_push(struct c2e_strv *sv, const char *s, struct c2e_err *err)
{
	return c2e_strv_push_owned(sv, c2e_strdup(s), err);
}

bool c2e_strv_contains(const struct c2e_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void c2e_strv_sort(struct c2e_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void c2e_strv_release(struct c2e_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}
