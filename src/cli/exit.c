/*
 * exit.c - maps error codes to the documented exit codes.
 */
#include "cli/exit.h"

#include "util/err.h"

#include "util/compat.h"

int c2e_exit_code(int rc)
{
	switch (rc) {
	case C2E_OK:
		return C2E_EXIT_OK;
	case C2E_EUSAGE:
		return C2E_EXIT_USAGE;
	case C2E_EDATA:
	case C2E_ENOTFOUND:
	case C2E_ECONFLICT:
		return C2E_EXIT_DATA;
	case C2E_EREMOTE:
	case C2E_EAUTH:
		return C2E_EXIT_REMOTE;
	case C2E_ESTOPPED:
	case C2E_ELIMIT: /* try again after the 24-hour window */
		return C2E_EXIT_RESUMABLE;
	default:
		/* C2E_ERROR, C2E_ENOMEM, C2E_EIO and anything unknown */
		return C2E_EXIT_INTERNAL;
	}
}

const char *c2e_exit_name(int exit_code)
{
	switch (exit_code) {
	case C2E_EXIT_OK:
		return "ok";
	case C2E_EXIT_USAGE:
		return "usage";
	case C2E_EXIT_DATA:
		return "data";
	case C2E_EXIT_RESUMABLE:
		return "resumable";
	case C2E_EXIT_REMOTE:
		return "remote";
	default:
		return "internal";
	}
}
