/*
 * buf.h - a growable, capped, NUL-terminated byte buffer.
 *
 * Invariants: `buf` is never NULL and always NUL-terminated; growth past
 * `max` fails instead of growing; after the first failure every append is
 * a no-op (check a run of appends once with c2e_buf_failed()).
 */
#ifndef C2E_UTIL_BUF_H
#define C2E_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

extern char c2e_buf__empty[];

struct c2e_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max; /* most bytes the buffer may hold, 0 = default cap */
	bool failed; /* sticky: an append failed (no memory or over max) */
	bool secret; /* wipe the memory when it is released or regrown */
};

/* 64 MiB: the default cap, larger than any metadata file we accept */
#define C2E_BUF_DEFAULT_MAX ((size_t)64 << 20)

#define C2E_BUF_INIT                                  \
	{                                             \
		c2e_buf__empty, 0, 0, 0, false, false \
	}

void c2e_buf_init(struct c2e_buf *b, size_t max);
int c2e_buf_addn(struct c2e_buf *b, const void *p, size_t n);
int c2e_buf_adds(struct c2e_buf *b, const char *s);
int c2e_buf_addc(struct c2e_buf *b, char c);
int c2e_buf_addf(struct c2e_buf *b, const char *fmt, ...) C2E_PRINTF(2, 3);
void c2e_buf_truncate(struct c2e_buf *b, size_t len);
/* Makes room for `extra` more bytes at once; fails like an append. */
int c2e_buf_reserve(struct c2e_buf *b, size_t extra);
bool c2e_buf_failed(const struct c2e_buf *b);

/*
 * Sets `err` from a failed buffer: ENOMEM, or EDATA naming `what` when
 * the cap was hit.  Returns the code.
 */
int c2e_buf_err(const struct c2e_buf *b, const char *what, struct c2e_err *err);

/* Takes the memory (caller frees with free()); the buffer is reset. */
char *c2e_buf_detach(struct c2e_buf *b, size_t *len_out);

/*
 * Hands the string to `*out` (caller frees), or fails with ENOMEM when an
 * append failed.  The buffer is released either way.
 */
C2E_MUST_CHECK int c2e_buf_take(struct c2e_buf *b, char **out,
                                struct c2e_err *err);

/* Frees the memory (wiping it first for secret buffers); back to INIT. */
void c2e_buf_release(struct c2e_buf *b);

#endif
