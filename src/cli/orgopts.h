/*
 * orgopts.h - the options every org-facing command shares: how to log in
 * (see remote/auth.h), the CA bundle, the API version and the timeout.
 *
 * A command adds C2E_ORG_LONGOPTS to its getopt_long table, passes every
 * option it does not know itself to c2e_orgopts_handle, and calls
 * c2e_orgopts_finish after parsing.  C2E_ORG_OPTIONS_HELP is the matching
 * help text.
 */
#ifndef C2E_CLI_ORGOPTS_H
#define C2E_CLI_ORGOPTS_H

#include <stdbool.h>

#include "remote/org.h"
#include "util/err.h"

enum {
	C2E_OPT_AUTH_FILE = 1000,
	C2E_OPT_INSTANCE_URL,
	C2E_OPT_LOGIN_URL,
	C2E_OPT_CLIENT_ID,
	C2E_OPT_USERNAME,
	C2E_OPT_JWT_KEY,
	C2E_OPT_JWT_KEY_PASS_FILE,
	C2E_OPT_CA_BUNDLE,
	C2E_OPT_API_VERSION,
	C2E_OPT_TIMEOUT,
	C2E_OPT_AUDIENCE
};

/* clang-format off */
#define C2E_ORG_LONGOPTS                                                    \
	{ "auth-file", required_argument, NULL, C2E_OPT_AUTH_FILE },        \
	{ "instance-url", required_argument, NULL, C2E_OPT_INSTANCE_URL },  \
	{ "login-url", required_argument, NULL, C2E_OPT_LOGIN_URL },        \
	{ "client-id", required_argument, NULL, C2E_OPT_CLIENT_ID },        \
	{ "username", required_argument, NULL, C2E_OPT_USERNAME },          \
	{ "jwt-key", required_argument, NULL, C2E_OPT_JWT_KEY },            \
	{ "jwt-key-pass-file", required_argument, NULL,                     \
	  C2E_OPT_JWT_KEY_PASS_FILE },                                      \
	{ "audience", required_argument, NULL, C2E_OPT_AUDIENCE },          \
	{ "ca-bundle", required_argument, NULL, C2E_OPT_CA_BUNDLE },        \
	{ "api-version", required_argument, NULL, C2E_OPT_API_VERSION },    \
	{ "timeout", required_argument, NULL, C2E_OPT_TIMEOUT }
/* clang-format on */

#define C2E_ORG_OPTIONS_HELP                                                 \
	"Logging in to the org (choose one way):\n"                          \
	"  --auth-file FILE\n"                                               \
	"      The JSON that `sf org display --target-org ALIAS --json\n"    \
	"      --verbose` prints: the session of a Salesforce CLI login.\n"  \
	"  --instance-url URL\n"                                             \
	"      The org's URL; the access token is read from the\n"           \
	"      SF_ACCESS_TOKEN environment variable (never from the\n"       \
	"      command line, where `ps` would show it).\n"                   \
	"  --login-url URL --client-id KEY --username USER --jwt-key FILE\n" \
	"      OAuth 2.0 JWT bearer flow: the login URL\n"                   \
	"      (https://login.salesforce.com, https://test.salesforce.com\n" \
	"      or your My Domain), the consumer key of an app that\n"        \
	"      pre-authorizes USER, and the PEM private key matching the\n"  \
	"      app's certificate.\n"                                         \
	"  --audience URL\n"                                                 \
	"      The JWT aud claim.  Default: the login URL, except that\n"    \
	"      login.salesforce.com and test.salesforce.com stand for\n"     \
	"      themselves.  Some orgs want https://login.salesforce.com\n"   \
	"      even with a My Domain login URL.\n"                           \
	"  --jwt-key-pass-file FILE\n"                                       \
	"      The passphrase of an encrypted --jwt-key (first line), or\n"  \
	"      set SF_JWT_KEY_PASSPHRASE.\n"                                 \
	"The admin needs Modify Metadata and the External Client App\n"      \
	"permissions; a JWT-format access token cannot drive the\n"          \
	"Metadata API.\n"                                                    \
	"\n"                                                                 \
	"Connection:\n"                                                      \
	"  --ca-bundle FILE\n"                                               \
	"      Trust the CA certificates in FILE (PEM) for TLS, e.g. a\n"    \
	"      corporate proxy's.  Verification cannot be turned off.\n"     \
	"  --api-version N.N\n"                                              \
	"      Salesforce API version.  Default: 66.0.\n"                    \
	"  --timeout SECONDS\n"                                              \
	"      Longest one HTTP request may take.  Default: 120.\n"

/*
 * Handles option `c` (with `arg`) when it is one of C2E_ORG_LONGOPTS;
 * sets *handled.  A bad value is C2E_EUSAGE.
 */
C2E_MUST_CHECK int c2e_orgopts_handle(struct c2e_org_opts *o, int c,
                                      const char *arg, bool *handled,
                                      const char *cmd, struct c2e_err *err);

/* Checks that exactly one way to log in was given. */
C2E_MUST_CHECK int c2e_orgopts_finish(struct c2e_org_opts *o, const char *cmd,
                                      struct c2e_err *err);

#endif
