#include "util/err.h"

#include <stdio.h>
#include <string.h>

int c2e_err_setv(struct c2e_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
	/* one line only: a newline from a remote message would break logs */
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

int c2e_err_set(struct c2e_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = c2e_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int c2e_err_oom(struct c2e_err *err)
{
	return c2e_err_set(err, C2E_ENOMEM, "out of memory");
}

void c2e_err_prefix(struct c2e_err *err, const char *fmt, ...)
{
	char head[C2E_ERR_MSG_MAX];
	char old[C2E_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	if (vsnprintf(head, sizeof(head), fmt, ap) < 0)
		head[0] = '\0';
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old) < 0)
		err->msg[0] = '\0';
}

void c2e_err_clear(struct c2e_err *err)
{
	if (!err)
		return;
	err->code = C2E_OK;
	err->msg[0] = '\0';
}

const char *c2e_err_name(int code)
{
	switch (code) {
	case C2E_OK:
		return "Success";
	case C2E_ENOMEM:
		return "OutOfMemory";
	case C2E_EUSAGE:
		return "UsageError";
	case C2E_EDATA:
		return "DataError";
	case C2E_EIO:
		return "SystemError";
	case C2E_EREMOTE:
		return "RemoteError";
	case C2E_EAUTH:
		return "AuthError";
	case C2E_ECONFLICT:
		return "ConflictError";
	case C2E_ENOTFOUND:
		return "NotFoundError";
	case C2E_ESTOPPED:
		return "StoppedResumable";
	case C2E_ELIMIT:
		return "RequestLimitExceeded";
	default:
		return "InternalError";
	}
}
