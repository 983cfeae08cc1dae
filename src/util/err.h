/*
 * err.h - the one error convention of ca2eca.
 *
 * Every fallible function returns an int (C2E_OK, or a negative C2E_E*
 * code) and takes `struct c2e_err *err` as its last argument.  The message
 * is set once, where the failure happens, and propagated unchanged.  Only
 * src/cli prints it.
 */
#ifndef C2E_UTIL_ERR_H
#define C2E_UTIL_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#	define C2E_MUST_CHECK   __attribute__((warn_unused_result))
#	define C2E_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#	define C2E_MUST_CHECK
#	define C2E_PRINTF(f, a)
#endif

enum c2e_rc {
	C2E_OK = 0,
	C2E_ERROR = -1, /* internal error: a bug or an impossible state */
	C2E_ENOMEM = -2, /* out of memory */
	C2E_EUSAGE = -3, /* the command line is wrong */
	C2E_EDATA = -4, /* bad input data: file, field, name or value */
	C2E_EIO = -5, /* the operating system refused (disk full, ...) */
	C2E_EREMOTE = -6, /* the org or the network failed */
	C2E_EAUTH = -7, /* authentication failed */
	C2E_ECONFLICT = -8, /* refused: existing output, lock, drift */
	C2E_ENOTFOUND = -9, /* a named thing does not exist */
	C2E_ESTOPPED = -10, /* stopped part way; `resume` can continue */
	C2E_ELIMIT = -11 /* the org's daily API request allocation is used up */
};

#define C2E_ERR_MSG_MAX 512

struct c2e_err {
	int code; /* enum c2e_rc */
	char msg[C2E_ERR_MSG_MAX]; /* one line, no trailing period */
};

#define C2E_ERR_INIT      \
	{                 \
		0,        \
		{         \
			0 \
		}         \
	}

/*
 * Sets the error and returns `code`, so that call sites can write
 * `return c2e_err_set(err, C2E_EDATA, "...", ...);`.  `err` may be NULL.
 * Setting an error never allocates.
 */
int c2e_err_set(struct c2e_err *err, int code, const char *fmt, ...)
        C2E_PRINTF(3, 4);
int c2e_err_setv(struct c2e_err *err, int code, const char *fmt, va_list ap)
        C2E_PRINTF(3, 0);

/* Shorthand for the out-of-memory error. */
int c2e_err_oom(struct c2e_err *err);

/* Puts `fmt ...: ` in front of the current message (keeps the code). */
void c2e_err_prefix(struct c2e_err *err, const char *fmt, ...) C2E_PRINTF(2, 3);

void c2e_err_clear(struct c2e_err *err);

/* A short stable name for a code, e.g. "DataError" (used in --json). */
const char *c2e_err_name(int code);

#endif
