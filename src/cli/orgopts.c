#include "cli/orgopts.h"

#include <string.h>

#include "cli/cmd.h"
#include "util/str.h"
#include "util/compat.h"

int c2e_orgopts_handle(struct c2e_org_opts *o, int c, const char *arg,
                       bool *handled, const char *cmd, struct c2e_err *err)
{
	long secs;

	*handled = true;
	switch (c) {
	case C2E_OPT_AUTH_FILE:
		o->auth.auth_file = arg;
		break;
	case C2E_OPT_INSTANCE_URL:
		o->auth.instance_url = arg;
		break;
	case C2E_OPT_LOGIN_URL:
		o->auth.login_url = arg;
		break;
	case C2E_OPT_CLIENT_ID:
		o->auth.client_id = arg;
		break;
	case C2E_OPT_USERNAME:
		o->auth.username = arg;
		break;
	case C2E_OPT_JWT_KEY:
		o->auth.jwt_key = arg;
		break;
	case C2E_OPT_JWT_KEY_PASS_FILE:
		o->auth.jwt_key_pass_file = arg;
		break;
	case C2E_OPT_ADMIN_JWT_KEY:
		o->auth.jwt_key = arg;
		break;
	case C2E_OPT_AUDIENCE:
		o->auth.audience = arg;
		break;
	case C2E_OPT_CA_BUNDLE:
		o->http.ca_bundle = arg;
		break;
	case C2E_OPT_API_VERSION:
		o->api_version = arg;
		break;
	case C2E_OPT_TIMEOUT:
		if (c2e_str_to_long(arg, &secs) < 0 || secs < 1 || secs > 3600)
			return c2e_cmd_usage(
			        err, cmd,
			        "--timeout takes a number of seconds "
			        "from 1 to 3600, not '%s'",
			        arg);
		o->http.timeout_ms = secs * 1000;
		break;
	default:
		*handled = false;
	}
	return C2E_OK;
}

int c2e_orgopts_finish(struct c2e_org_opts *o, const char *cmd,
                       struct c2e_err *err)
{
	enum c2e_auth_method m;
	int rc = c2e_auth_method_of(&o->auth, &m, err);

	char msg[C2E_ERR_MSG_MAX];

	if (rc == C2E_EUSAGE) {
		memcpy(msg, err->msg, sizeof(msg));
		return c2e_cmd_usage(err, cmd, "%s", msg);
	}
	return rc;
}

int c2e_runopts_handle(struct c2e_runopts *r, int c, const char *arg,
                       bool *handled, const char *cmd, struct c2e_err *err)
{
	long n;

	*handled = true;
	switch (c) {
	case C2E_OPT_JWT_KEY:
		if (r->verifies)
			r->verify_key = arg;
		else
			r->org.auth.jwt_key = arg;
		return C2E_OK;
	case C2E_OPT_JOURNAL:
		r->journal = arg;
		return C2E_OK;
	case C2E_OPT_YES:
		r->yes = true;
		return C2E_OK;
	case C2E_OPT_VERIFY_USER:
		r->verify_user = arg;
		return C2E_OK;
	case C2E_OPT_VERIFY_LOGIN_URL:
		r->verify_login_url = arg;
		return C2E_OK;
	case C2E_OPT_VERIFY_WINDOW:
		if (c2e_str_to_long(arg, &n) < 0 || n < 1 || n > 86400)
			return c2e_cmd_usage(
			        err, cmd,
			        "--verify-window takes seconds from "
			        "1 to 86400, not '%s'",
			        arg);
		r->verify_window = n;
		return C2E_OK;
	case C2E_OPT_CCD:
		if (strcmp(arg, "auto") && strcmp(arg, "manual"))
			return c2e_cmd_usage(
			        err, cmd, "--ccd is auto or manual, not '%s'",
			        arg);
		r->ccd_manual = !strcmp(arg, "manual");
		return C2E_OK;
	default:
		return c2e_orgopts_handle(&r->org, c, arg, handled, cmd, err);
	}
}
