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
	C2E_OPT_AUDIENCE,
	C2E_OPT_ADMIN_JWT_KEY,
	C2E_OPT_JOURNAL,
	C2E_OPT_YES,
	C2E_OPT_VERIFY_USER,
	C2E_OPT_VERIFY_LOGIN_URL,
	C2E_OPT_VERIFY_WINDOW,
	C2E_OPT_CCD
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
	{ "timeout", required_argument, NULL, C2E_OPT_TIMEOUT },            \
	{ "admin-jwt-key", required_argument, NULL, C2E_OPT_ADMIN_JWT_KEY }

/* --journal and --yes, which the migration commands share */
#define C2E_JOURNAL_LONGOPTS                                                \
	{ "journal", required_argument, NULL, C2E_OPT_JOURNAL },            \
	{ "yes", no_argument, NULL, C2E_OPT_YES }

/* what apply, resume and verify need to verify a new ECA */
#define C2E_VERIFY_LONGOPTS                                                 \
	{ "verify-user", required_argument, NULL, C2E_OPT_VERIFY_USER },    \
	{ "verify-login-url", required_argument, NULL,                      \
	  C2E_OPT_VERIFY_LOGIN_URL },                                       \
	{ "verify-window", required_argument, NULL, C2E_OPT_VERIFY_WINDOW },\
	{ "ccd", required_argument, NULL, C2E_OPT_CCD }
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

/* The shared options of the commands that run a migration. */
struct c2e_runopts {
	struct c2e_org_opts org;
	const char *journal; /* --journal; NULL: ./ca2eca.db */
	bool yes; /* --yes */
	bool verifies; /* --jwt-key is the verification key */
	const char *verify_key; /* --jwt-key (verifying commands) */
	const char *verify_user; /* --verify-user */
	const char *verify_login_url; /* --verify-login-url */
	long verify_window; /* --verify-window SECONDS */
	bool ccd_manual; /* --ccd manual */
};

#define C2E_RUN_OPTIONS_HELP                                               \
	"Journal and confirmation:\n"                                      \
	"  --journal PATH\n"                                               \
	"      The SQLite journal of the runs.  Default: ./ca2eca.db.\n"   \
	"  --yes\n"                                                        \
	"      Answer the confirmation question.  Without a terminal, a\n" \
	"      command that changes the org goes on only with --yes.\n"

#define C2E_VERIFY_OPTIONS_HELP                                               \
	"Verification of the new ECA (a real JWT bearer exchange):\n"         \
	"  --jwt-key FILE\n"                                                  \
	"      The private key matching the certificate of the app (the\n"    \
	"      admin's own JWT login then takes --admin-jwt-key FILE).\n"     \
	"  --verify-user USER\n"                                              \
	"      A user the new ECA pre-authorizes (by profile or\n"            \
	"      permission set), e.g. the Interaction Service user.\n"         \
	"  --verify-login-url URL\n"                                          \
	"      Where to ask for the token.  Default: the instance URL.\n"     \
	"  --verify-window SECONDS\n"                                         \
	"      How long to keep retrying while a new ECA becomes usable.\n"   \
	"      Default: 300.\n"                                               \
	"  --ccd auto|manual\n"                                               \
	"      auto (default): repoint each ConversationChannelDefinition\n"  \
	"      through the Metadata API; manual: print the Setup steps and\n" \
	"      only check the link (see docs/ccd.md).\n"

/*
 * Handles option `c` (with `arg`) when it is one of C2E_ORG_LONGOPTS;
 * sets *handled.  A bad value is C2E_EUSAGE.
 */
C2E_MUST_CHECK int c2e_orgopts_handle(struct c2e_org_opts *o, int c,
                                      const char *arg, bool *handled,
                                      const char *cmd, struct c2e_err *err);

/* As c2e_orgopts_handle, plus the journal, --yes and verify options. */
C2E_MUST_CHECK int c2e_runopts_handle(struct c2e_runopts *r, int c,
                                      const char *arg, bool *handled,
                                      const char *cmd, struct c2e_err *err);

/* Checks that exactly one way to log in was given. */
C2E_MUST_CHECK int c2e_orgopts_finish(struct c2e_org_opts *o, const char *cmd,
                                      struct c2e_err *err);

#endif
