/*
 * auth.h - how the migrating admin authenticates, and the OAuth 2.0 JWT
 * bearer flow.
 *
 * Three ways, exactly one per run:
 *  - an auth file: the JSON `sf org display --target-org X --json
 *    --verbose` prints (result.accessToken, result.instanceUrl, ...);
 *  - an instance URL with the access token in the SF_ACCESS_TOKEN
 *    environment variable (never on the command line: `ps` shows it);
 *  - JWT bearer: login URL, consumer key, username and a PEM private key
 *    (an encrypted key takes its passphrase from a file or from
 *    SF_JWT_KEY_PASSPHRASE).  RS256 signed in process.
 *
 * Access tokens are secrets: they live in wiped buffers and never appear
 * in messages, logs or the journal.
 */
#ifndef C2E_REMOTE_AUTH_H
#define C2E_REMOTE_AUTH_H

#include <stdbool.h>
#include <time.h>

#include "remote/http.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"

#define C2E_ENV_ACCESS_TOKEN   "SF_ACCESS_TOKEN"
#define C2E_ENV_KEY_PASSPHRASE "SF_JWT_KEY_PASSPHRASE"
/* Longest JWT assertion lifetime Salesforce accepts (seconds). */
#define C2E_JWT_MAX_LIFETIME 180

enum c2e_auth_method {
	C2E_AUTH_NONE,
	C2E_AUTH_FILE, /* --auth-file */
	C2E_AUTH_TOKEN, /* --instance-url + SF_ACCESS_TOKEN */
	C2E_AUTH_JWT /* --login-url --client-id --username --jwt-key */
};

struct c2e_auth_opts {
	const char *auth_file;
	const char *instance_url;
	const char *login_url;
	const char *client_id;
	const char *username;
	const char *jwt_key;
	const char *jwt_key_pass_file;
	const char *audience; /* --audience: overrides the derived aud claim */
};

/*
 * Which method the options select.  None, or a mix (say --auth-file with
 * --client-id), or an incomplete JWT set is C2E_EUSAGE naming what is
 * missing.
 */
C2E_MUST_CHECK int c2e_auth_method_of(const struct c2e_auth_opts *o,
                                      enum c2e_auth_method *out,
                                      struct c2e_err *err);

struct c2e_session {
	enum c2e_auth_method method;
	char *instance_url; /* no trailing slash */
	struct c2e_buf token; /* secret */
	char *username; /* may be NULL (token method) */
	char *org_id; /* 15/18-char org id when known, else NULL */
	char *user_id; /* when known, else NULL */
	bool jwt_format; /* the token is a JWT-format access token */
};

#define C2E_SESSION_INIT                                                   \
	{                                                                  \
		C2E_AUTH_NONE, NULL, C2E_BUF_INIT, NULL, NULL, NULL, false \
	}

/*
 * Authenticates with the selected method.  A JWT-format token (token_format
 * "jwt") is refused with an explanation: it cannot call the Metadata SOAP
 * API.  Errors are C2E_EUSAGE (options), C2E_EDATA (unreadable auth file
 * or key), C2E_EAUTH (the org said no: the message says what to fix) or
 * C2E_EREMOTE (network).
 */
C2E_MUST_CHECK int c2e_auth_login(struct c2e_http *h,
                                  const struct c2e_auth_opts *o,
                                  struct c2e_session *out, struct c2e_err *err);
/*
 * Loads a PEM private key whose passphrase (when encrypted) is the first
 * line of `pass_file`, or SF_JWT_KEY_PASSPHRASE when `pass_file` is NULL.
 */
C2E_MUST_CHECK int c2e_auth_load_key(const char *path, const char *pass_file,
                                     struct c2e_pkey **out,
                                     struct c2e_err *err);

/* True when the method can log in again without the user (JWT). */
bool c2e_auth_can_relogin(const struct c2e_session *s);
void c2e_session_release(struct c2e_session *s);

/* --- the JWT bearer flow (also used to verify a new ECA) --- */

struct c2e_jwt_grant {
	const char *login_url; /* login.salesforce.com, test, My Domain */
	const char *client_id; /* the consumer key: iss */
	const char *username; /* sub */
	const char *audience; /* NULL: derived from login_url */
	const struct c2e_pkey *key;
	long lifetime; /* seconds, 1..180; 0: 180 */
};

struct c2e_token {
	struct c2e_buf access_token; /* secret */
	char *instance_url;
	char *id; /* identity URL .../id/<orgId>/<userId> */
	char *scope; /* space-separated, may be NULL */
	char *token_format; /* "jwt" or NULL (opaque) */
	/* on an OAuth error: the "error" and "error_description" received */
	char error[64];
	char error_description[256];
};

#define C2E_TOKEN_INIT                                       \
	{                                                    \
		C2E_BUF_INIT, NULL, NULL, NULL, NULL, { 0 }, \
		{                                            \
			0                                    \
		}                                            \
	}

/*
 * The audience for a login URL: https://login.salesforce.com and
 * https://test.salesforce.com stand for themselves; any other URL (My
 * Domain, Experience Cloud site, a loopback test org) is its own
 * audience.  Caller frees.
 */
C2E_MUST_CHECK int c2e_jwt_audience(const char *login_url, char **out,
                                    struct c2e_err *err);

/* Builds the signed assertion (header.claims.signature) for `now`. */
C2E_MUST_CHECK int c2e_jwt_assertion(const struct c2e_jwt_grant *g, time_t now,
                                     struct c2e_buf *out, struct c2e_err *err);

/*
 * POSTs the grant to <login_url>/services/oauth2/token.  OAuth errors are
 * C2E_EAUTH with the error code and a hint: "user hasn't approved this
 * consumer" -> pre-authorize the user; "audience is invalid" -> check the
 * login URL; invalid_client_id -> check the consumer key; ...
 */
C2E_MUST_CHECK int c2e_jwt_bearer(struct c2e_http *h,
                                  const struct c2e_jwt_grant *g,
                                  struct c2e_token *out, struct c2e_err *err);
void c2e_token_release(struct c2e_token *t);

#endif
