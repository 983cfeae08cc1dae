#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/compat.h"

char c2e_buf__empty[1];

void c2e_buf_init(struct c2e_buf *b, size_t max)
{
	b->buf = c2e_buf__empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->failed = false;
	b->secret = false;
}

static size_t cap_of(const struct c2e_buf *b)
{
	return b->max ? b->max : C2E_BUF_DEFAULT_MAX;
}

static int grow(struct c2e_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (b->failed)
		return -1;
	if (extra > cap_of(b) || b->len > cap_of(b) - extra) {
		b->failed = true;
		return -1;
	}
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n > ((size_t)-1) / 2 ? want : n * 2;
	p = malloc(n);
	if (!p) {
		b->failed = true;
		return -1;
	}
	memcpy(p, b->buf, b->len + 1);
	if (b->alloc) {
		if (b->secret)
			c2e_wipe(b->buf, b->alloc);
		free(b->buf);
	}
	b->buf = p;
	b->alloc = n;
	return 0;
}

int c2e_buf_reserve(struct c2e_buf *b, size_t extra)
{
	return grow(b, extra);
}

int c2e_buf_addn(struct c2e_buf *b, const void *p, size_t n)
{
	if (grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int c2e_buf_adds(struct c2e_buf *b, const char *s)
{
	return c2e_buf_addn(b, s, strlen(s));
}

int c2e_buf_addc(struct c2e_buf *b, char c)
{
	/* room for c and the terminator: no growth to consider */
	if (!b->failed && b->len + 2 <= b->alloc && b->len < cap_of(b)) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
		return 0;
	}
	return c2e_buf_addn(b, &c, 1);
}

int c2e_buf_addf(struct c2e_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	if (grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

void c2e_buf_truncate(struct c2e_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->buf[len] = '\0';
	}
}

bool c2e_buf_failed(const struct c2e_buf *b)
{
	return b->failed;
}

int c2e_buf_err(const struct c2e_buf *b, const char *what, struct c2e_err *err)
{
	if (b->alloc == 0 || b->len < cap_of(b) / 2)
		return c2e_err_oom(err);
	return c2e_err_set(err, C2E_EDATA, "%s is larger than %zu bytes", what,
	                   cap_of(b));
}

char *c2e_buf_detach(struct c2e_buf *b, size_t *len_out)
{
	char *p;

	if (len_out)
		*len_out = b->len;
	if (!b->alloc) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	} else {
		p = b->buf;
	}
	c2e_buf_init(b, b->max);
	return p;
}

int c2e_buf_take(struct c2e_buf *b, char **out, struct c2e_err *err)
{
	*out = NULL;
	if (b->failed) {
		c2e_buf_release(b);
		return c2e_err_oom(err);
	}
	*out = c2e_buf_detach(b, NULL);
	return *out ? C2E_OK : c2e_err_oom(err);
}

void c2e_buf_release(struct c2e_buf *b)
{
	size_t max = b->max;
	bool secret = b->secret;

	if (b->alloc) {
		if (b->secret)
			c2e_wipe(b->buf, b->alloc);
		free(b->buf);
	}
	c2e_buf_init(b, max);
	b->secret = secret;
}
