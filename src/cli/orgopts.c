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
