#include "remote/auth.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/compat.h"

/* an auth file or a passphrase file is small */
#define AUTH_FILE_MAX ((size_t)1 << 20)
#define PASS_FILE_MAX ((size_t)64 << 10)
/* a token answer is a few KiB */
#define TOKEN_ANSWER_MAX ((size_t)1 << 20)

#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define LOGIN_PROD "https://login.salesforce.com"
#define LOGIN_TEST "https://test.salesforce.com"

static const char ways_to_log_in[] =
        "--auth-file FILE, --instance-url URL with the token in "
        "SF_ACCESS_TOKEN, or --login-url with --client-id, --username and "
        "--jwt-key";

static const char jwt_token_refused[] =
        "JWT-based access tokens can call only REST APIs, not the Metadata "
        "SOAP API: log in through an app that issues opaque tokens";

static bool given(const char *s)
{
	return s && s[0];
}

/* A copy of `url` without trailing slashes; NULL when out of memory. */
static char *strip_slash(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return c2e_strndup(url, n);
}

/* Wipes every string of a parsed tree (it may hold a token), then frees. */
static void json_free_wiped(struct c2e_json *j)
{
	for (struct c2e_json *m = j; m; m = m->next) {
		if (m->str)
			c2e_wipe(m->str, m->str_len);
		if (m->key)
			c2e_wipe(m->key, strlen(m->key));
		json_free_wiped(m->child);
		m->child = NULL;
	}
	c2e_json_free(j);
}

/* An org id: 15 or 18 letters and digits starting with "00D". */
static bool is_org_id(const char *s, size_t n)
{
	if ((n != 15 && n != 18) || strncmp(s, "00D", 3) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* A JWT: three base64url parts, the first a JSON object ("eyJ"). */
static bool looks_like_jwt(const char *t)
{
	size_t dots = 0;

	if (strncmp(t, "eyJ", 3) != 0)
		return false;
	for (const char *p = t; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	}
	return dots == 2;
}

/* --- choosing the method --- */

int c2e_auth_method_of(const struct c2e_auth_opts *o, enum c2e_auth_method *out,
                       struct c2e_err *err)
{
	bool file = given(o->auth_file), inst = given(o->instance_url);
	bool jwt = given(o->login_url) || given(o->client_id) ||
	           given(o->username) || given(o->jwt_key) ||
	           given(o->jwt_key_pass_file);
	enum c2e_auth_method m;
	int rc;

	if ((int)file + (int)inst + (int)jwt > 1)
		return c2e_err_set(err, C2E_EUSAGE,
		                   "choose one way to log in: %s",
		                   ways_to_log_in);
	if (file) {
		m = C2E_AUTH_FILE;
	} else if (inst) {
		const char *tok = getenv(C2E_ENV_ACCESS_TOKEN);

		rc = c2e_url_check(o->instance_url, "--instance-url", err);
		if (rc < 0)
			return rc;
		if (!given(tok))
			return c2e_err_set(
			        err, C2E_EUSAGE,
			        "--instance-url needs the access "
			        "token in the %s environment variable",
			        C2E_ENV_ACCESS_TOKEN);
		m = C2E_AUTH_TOKEN;
	} else if (jwt) {
		char missing[96];
		int n = 0;

		missing[0] = '\0';
		if (!given(o->login_url))
			n += snprintf(missing + n, sizeof(missing) - (size_t)n,
			              "%s--login-url", n ? ", " : "");
		if (!given(o->client_id))
			n += snprintf(missing + n, sizeof(missing) - (size_t)n,
			              "%s--client-id", n ? ", " : "");
		if (!given(o->username))
			n += snprintf(missing + n, sizeof(missing) - (size_t)n,
			              "%s--username", n ? ", " : "");
		if (!given(o->jwt_key))
			n += snprintf(missing + n, sizeof(missing) - (size_t)n,
			              "%s--jwt-key", n ? ", " : "");
		if (n)
			return c2e_err_set(err, C2E_EUSAGE,
			                   "JWT login needs --client-id, "
			                   "--username and --jwt-key with "
			                   "--login-url (missing: %s)",
			                   missing);
		rc = c2e_url_check(o->login_url, "--login-url", err);
		if (rc < 0)
			return rc;
		m = C2E_AUTH_JWT;
	} else {
		return c2e_err_set(err, C2E_EUSAGE, "log in with %s",
		                   ways_to_log_in);
	}
	*out = m;
	return C2E_OK;
}

/* --- the auth file (`sf org display --json --verbose`) --- */

static int login_file(const char *path, struct c2e_session *s,
                      struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_json *root = NULL;
	const struct c2e_json *status, *result;
	const char *token, *url, *v;
	int rc;

	text.secret = true;
	rc = c2e_fs_read(path, AUTH_FILE_MAX, &text, err);
	if (rc < 0)
		goto done;
	rc = c2e_json_parse(text.buf, text.len, path, &root, err);
	if (rc < 0)
		goto done;
	if (root->type != C2E_JSON_OBJECT) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "auth file '%s' is not a JSON object: write it "
		        "with 'sf org display --target-org ALIAS "
		        "--json --verbose'",
		        path);
		goto done;
	}
	status = c2e_json_get(root, "status");
	if (status && (status->type != C2E_JSON_NUMBER || status->num != 0)) {
		v = c2e_json_get_str(root, "message");
		rc = c2e_err_set(err, C2E_EDATA,
		                 "auth file '%s' holds an error, not a login: "
		                 "%s; log in with 'sf org login' and write it "
		                 "again",
		                 path, v ? v : "no message");
		goto done;
	}
	result = c2e_json_get(root, "result");
	if (!result || result->type != C2E_JSON_OBJECT) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "auth file '%s' has no 'result' object: write "
		                 "it with 'sf org display --target-org ALIAS "
		                 "--json --verbose'",
		                 path);
		goto done;
	}
	token = c2e_json_get_str(result, "accessToken");
	if (!given(token)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "auth file '%s' has no 'result.accessToken': "
		                 "write it with 'sf org display --target-org "
		                 "ALIAS --json --verbose' (--verbose adds the "
		                 "token)",
		                 path);
		goto done;
	}
	url = c2e_json_get_str(result, "instanceUrl");
	if (!given(url)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "auth file '%s' has no 'result.instanceUrl'",
		                 path);
		goto done;
	}
	if (c2e_url_check(url, "result.instanceUrl", NULL) < 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'result.instanceUrl' in auth file '%s' must "
		                 "be an https:// URL (http:// is allowed only "
		                 "for loopback hosts)",
		                 path);
		goto done;
	}
	if (looks_like_jwt(token)) {
		rc = c2e_err_set(err, C2E_EAUTH,
		                 "the token in auth file '%s' is JWT-based: %s",
		                 path, jwt_token_refused);
		goto done;
	}
	s->instance_url = strip_slash(url);
	if (!s->instance_url || c2e_buf_adds(&s->token, token) < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	v = c2e_json_get_str(result, "username");
	if (given(v)) {
		s->username = c2e_strdup(v);
		if (!s->username) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	v = c2e_json_get_str(result, "id");
	if (given(v) && is_org_id(v, strlen(v))) {
		s->org_id = c2e_strdup(v);
		if (!s->org_id) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
done:
	json_free_wiped(root);
	c2e_buf_release(&text);
	return rc;
}

/* --- the access token in the environment --- */

static int login_token(const struct c2e_auth_opts *o, struct c2e_session *s,
                       struct c2e_err *err)
{
	const char *env = getenv(C2E_ENV_ACCESS_TOKEN), *tok, *bang;
	size_t len;

	if (!given(env))
		return c2e_err_set(err, C2E_EUSAGE,
		                   "--instance-url needs the access token in "
		                   "the %s environment variable",
		                   C2E_ENV_ACCESS_TOKEN);
	c2e_str_trim(env, &tok, &len);
	if (len == 0)
		return c2e_err_set(err, C2E_EUSAGE,
		                   "--instance-url needs the access token in "
		                   "the %s environment variable",
		                   C2E_ENV_ACCESS_TOKEN);
	if (c2e_buf_addn(&s->token, tok, len) < 0)
		return c2e_err_oom(err);
	if (looks_like_jwt(s->token.buf))
		return c2e_err_set(err, C2E_EAUTH,
		                   "the token in %s is JWT-based: %s",
		                   C2E_ENV_ACCESS_TOKEN, jwt_token_refused);
	s->instance_url = strip_slash(o->instance_url);
	if (!s->instance_url)
		return c2e_err_oom(err);
	bang = memchr(tok, '!', len);
	if (bang && is_org_id(tok, (size_t)(bang - tok))) {
		s->org_id = c2e_strndup(tok, (size_t)(bang - tok));
		if (!s->org_id)
			return c2e_err_oom(err);
	}
	return C2E_OK;
}

/* --- JWT bearer --- */

/* The first line of the passphrase file, into the secret `out`. */
static int read_pass_file(const char *path, struct c2e_buf *out,
                          struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	size_t n;
	int rc;

	text.secret = true;
	rc = c2e_fs_read(path, PASS_FILE_MAX, &text, err);
	if (rc < 0)
		goto done;
	n = strcspn(text.buf, "\n");
	if (n > 0 && text.buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "passphrase file '%s' (--jwt-key-pass-file) is "
		        "empty: put the key's passphrase on its first "
		        "line",
		        path);
		goto done;
	}
	if (c2e_buf_addn(out, text.buf, n) < 0)
		rc = c2e_err_oom(err);
done:
	c2e_buf_release(&text);
	return rc;
}

int c2e_auth_load_key(const char *path, const char *pass_file,
                      struct c2e_pkey **out, struct c2e_err *err)
{
	struct c2e_buf pass = C2E_BUF_INIT;
	const char *passphrase = NULL;
	int rc = C2E_OK;

	*out = NULL;
	pass.secret = true;
	if (given(pass_file)) {
		rc = read_pass_file(pass_file, &pass, err);
		passphrase = pass.buf;
	} else if (given(getenv(C2E_ENV_KEY_PASSPHRASE))) {
		passphrase = getenv(C2E_ENV_KEY_PASSPHRASE);
	}
	if (rc == 0)
		rc = c2e_pkey_load(path, passphrase, out, err);
	c2e_buf_release(&pass);
	return rc;
}

/* Parses ".../id/<orgId>/<userId>" into the session. */
static int ids_from_identity(const char *id, char **org_out, char **user_out,
                             struct c2e_err *err)
{
	const char *p = NULL, *q, *slash;
	char *org = NULL, *user = NULL;

	*org_out = NULL;
	*user_out = NULL;
	for (q = id; (q = strstr(q, "/id/")) != NULL; q++)
		p = q + 4;
	if (!p)
		return C2E_OK;
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1] || strchr(slash + 1, '/'))
		return C2E_OK;
	for (q = p; *q; q++)
		if (q != slash && !isalnum((unsigned char)*q))
			return C2E_OK;
	org = c2e_strndup(p, (size_t)(slash - p));
	user = c2e_strdup(slash + 1);
	if (!org || !user) {
		free(org);
		free(user);
		return c2e_err_oom(err);
	}
	*org_out = org;
	*user_out = user;
	return C2E_OK;
}

static int login_jwt(struct c2e_http *h, const struct c2e_auth_opts *o,
                     struct c2e_session *s, struct c2e_err *err)
{
	struct c2e_token tok = C2E_TOKEN_INIT;
	struct c2e_jwt_grant g;
	struct c2e_pkey *key = NULL;
	int rc;

	if (!h) {
		rc = c2e_err_set(err, C2E_ERROR,
		                 "internal error: no HTTP client for the JWT "
		                 "login");
		goto done;
	}
	rc = c2e_auth_load_key(o->jwt_key, o->jwt_key_pass_file, &key, err);
	if (rc < 0)
		goto done;
	memset(&g, 0, sizeof(g));
	g.login_url = o->login_url;
	g.client_id = o->client_id;
	g.username = o->username;
	g.audience = o->audience;
	g.key = key;
	rc = c2e_jwt_bearer(h, &g, &tok, err);
	if (rc < 0)
		goto done;
	if (tok.token_format && c2e_str_ieq(tok.token_format, "jwt")) {
		rc = c2e_err_set(err, C2E_EAUTH,
		                 "app '%s' (--client-id) issued a JWT-based "
		                 "access token: %s",
		                 o->client_id, jwt_token_refused);
		goto done;
	}
	s->instance_url = strip_slash(tok.instance_url);
	s->username = c2e_strdup(o->username);
	if (!s->instance_url || !s->username ||
	    c2e_buf_addn(&s->token, tok.access_token.buf,
	                 tok.access_token.len) < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (tok.id)
		rc = ids_from_identity(tok.id, &s->org_id, &s->user_id, err);
done:
	c2e_token_release(&tok);
	c2e_pkey_free(key);
	return rc;
}

int c2e_auth_login(struct c2e_http *h, const struct c2e_auth_opts *o,
                   struct c2e_session *out, struct c2e_err *err)
{
	struct c2e_session s = C2E_SESSION_INIT;
	enum c2e_auth_method m = C2E_AUTH_NONE;
	int rc;

	s.token.secret = true;
	rc = c2e_auth_method_of(o, &m, err);
	if (rc < 0)
		goto done;
	s.method = m;
	switch (m) {
	case C2E_AUTH_FILE:
		rc = login_file(o->auth_file, &s, err);
		break;
	case C2E_AUTH_TOKEN:
		rc = login_token(o, &s, err);
		break;
	case C2E_AUTH_JWT:
		rc = login_jwt(h, o, &s, err);
		break;
	default:
		rc = c2e_err_set(err, C2E_ERROR, "internal error: no method");
		break;
	}
	if (rc < 0)
		goto done;
	*out = s;
	memset(&s, 0, sizeof(s));
	s.token = (struct c2e_buf)C2E_BUF_INIT;
done:
	c2e_session_release(&s);
	return rc;
}

bool c2e_auth_can_relogin(const struct c2e_session *s)
{
	return s && s->method == C2E_AUTH_JWT;
}

void c2e_session_release(struct c2e_session *s)
{
	if (!s)
		return;
	s->token.secret = true;
	c2e_buf_release(&s->token);
	free(s->instance_url);
	free(s->username);
	free(s->org_id);
	free(s->user_id);
	s->method = C2E_AUTH_NONE;
	s->instance_url = NULL;
	s->username = NULL;
	s->org_id = NULL;
	s->user_id = NULL;
	s->jwt_format = false;
}

int c2e_jwt_audience(const char *login_url, char **out, struct c2e_err *err)
{
	char *aud;
	int rc;

	*out = NULL;
	rc = c2e_url_check(login_url, "--login-url", err);
	if (rc < 0)
		return rc;
	aud = strip_slash(login_url);
	if (!aud)
		return c2e_err_oom(err);
	/* the two well-known hosts, whatever their case */
	if (c2e_str_ieq(aud, LOGIN_PROD) || c2e_str_ieq(aud, LOGIN_TEST)) {
		for (char *p = aud; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	*out = aud;
	return C2E_OK;
}

static int b64url_json(const struct c2e_buf *in, struct c2e_buf *out,
                       struct c2e_err *err)
{
	if (c2e_buf_failed(in))
		return c2e_err_oom(err);
	return c2e_b64url_encode(in->buf, in->len, out, err);
}

int c2e_jwt_assertion(const struct c2e_jwt_grant *g, time_t now,
                      struct c2e_buf *out, struct c2e_err *err)
{
	struct c2e_buf header = C2E_BUF_INIT, claims = C2E_BUF_INIT;
	struct c2e_buf jwt = C2E_BUF_INIT, sig = C2E_BUF_INIT;
	struct c2e_jsonw w;
	char *aud = NULL;
	long life = g->lifetime ? g->lifetime : C2E_JWT_MAX_LIFETIME;
	int rc = C2E_OK;

	jwt.secret = true;
	if (life < 1 || life > C2E_JWT_MAX_LIFETIME) {
		rc = c2e_err_set(
		        err, C2E_EUSAGE,
		        "a JWT assertion lives 1 to %d seconds, not %ld",
		        C2E_JWT_MAX_LIFETIME, life);
		goto done;
	}
	if (!given(g->client_id) || !given(g->username) || !g->key) {
		rc = c2e_err_set(
		        err, C2E_EUSAGE,
		        "a JWT assertion needs --client-id, --username "
		        "and --jwt-key");
		goto done;
	}
	if (given(g->audience)) {
		aud = c2e_strdup(g->audience);
		if (!aud) {
			rc = c2e_err_oom(err);
			goto done;
		}
	} else {
		rc = c2e_jwt_audience(g->login_url, &aud, err);
		if (rc < 0)
			goto done;
	}
	c2e_jsonw_init(&w, &header, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "alg", "RS256");
	c2e_jsonw_object_end(&w);
	c2e_jsonw_init(&w, &claims, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "iss", g->client_id);
	c2e_jsonw_kv_string(&w, "sub", g->username);
	c2e_jsonw_kv_string(&w, "aud", aud);
	c2e_jsonw_kv_long(&w, "exp", (long long)now + life); /* seconds */
	c2e_jsonw_object_end(&w);
	rc = b64url_json(&header, &jwt, err);
	if (rc < 0)
		goto done;
	c2e_buf_addc(&jwt, '.');
	rc = b64url_json(&claims, &jwt, err);
	if (rc < 0)
		goto done;
	rc = c2e_rs256_sign(g->key, jwt.buf, jwt.len, &sig, err);
	if (rc < 0)
		goto done;
	c2e_buf_addc(&jwt, '.');
	rc = c2e_b64url_encode(sig.buf, sig.len, &jwt, err);
	if (rc < 0)
		goto done;
	if (c2e_buf_failed(&jwt) || c2e_buf_addn(out, jwt.buf, jwt.len) < 0)
		rc = c2e_err_oom(err);
done:
	free(aud);
	c2e_buf_release(&sig);
	c2e_buf_release(&jwt);
	c2e_buf_release(&claims);
	c2e_buf_release(&header);
	return rc;
}

/* Sets err from an OAuth error answer, with a hint where we know one. */
static int oauth_error(const struct c2e_jwt_grant *g, const char *url,
                       const struct c2e_token *t, struct c2e_err *err)
{
	const char *e = t->error, *d = t->error_description;

	if (strcmp(e, "invalid_grant") == 0 &&
	    strstr(d, "user hasn't approved this consumer"))
		return c2e_err_set(err, C2E_EAUTH,
		                   "user '%s' is not pre-authorized for app "
		                   "'%s': make the app admin-approved and add "
		                   "the user's profile or a permission set of "
		                   "theirs (%s: %s)",
		                   g->username, g->client_id, e, d);
	if (strstr(d, "audience is invalid"))
		return c2e_err_set(
		        err, C2E_EAUTH,
		        "the org rejected the assertion's audience: "
		        "check --login-url: %s for production, %s "
		        "for sandboxes, or your My Domain URL; with a "
		        "My Domain login URL, try --audience %s (%s: "
		        "%s)",
		        LOGIN_PROD, LOGIN_TEST, LOGIN_PROD, e, d);
	if (strcmp(e, "invalid_client_id") == 0)
		return c2e_err_set(err, C2E_EAUTH,
		                   "the org does not know consumer key '%s' "
		                   "(--client-id) (%s: %s)",
		                   g->client_id, e, d);
	if (strstr(d, "expired authorization code"))
		return c2e_err_set(
		        err, C2E_EAUTH,
		        "the assertion was rejected as expired: check "
		        "this machine's clock (%s: %s)",
		        e, d);
	return c2e_err_set(err, C2E_EAUTH,
	                   "token request to '%s' failed: %s%s%s", url, e,
	                   d[0] ? ": " : "", d);
}

static int dup_field(const struct c2e_json *obj, const char *key, char **out,
                     struct c2e_err *err)
{
	const char *v = c2e_json_get_str(obj, key);

	*out = NULL;
	if (!v)
		return C2E_OK;
	*out = c2e_strdup(v);
	return *out ? C2E_OK : c2e_err_oom(err);
}

static int parse_token(const struct c2e_json *root, const char *url,
                       struct c2e_token *t, struct c2e_err *err)
{
	const char *tok = c2e_json_get_str(root, "access_token");
	const char *inst = c2e_json_get_str(root, "instance_url");
	const char *type = c2e_json_get_str(root, "token_type");
	int rc;

	if (!given(tok))
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer of '%s' has no 'access_token'",
		                   url);
	if (!given(inst))
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer of '%s' has no 'instance_url'",
		                   url);
	if (c2e_url_check(inst, "instance_url", NULL) < 0)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer of '%s' has an 'instance_url' "
		                   "that is not https://",
		                   url);
	if (type && !c2e_str_ieq(type, "Bearer"))
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer of '%s' has token_type '%.32s', "
		                   "not 'Bearer'",
		                   url, type);
	if (c2e_buf_adds(&t->access_token, tok) < 0)
		return c2e_err_oom(err);
	t->instance_url = strip_slash(inst);
	if (!t->instance_url)
		return c2e_err_oom(err);
	rc = dup_field(root, "id", &t->id, err);
	if (rc == C2E_OK)
		rc = dup_field(root, "scope", &t->scope, err);
	if (rc == C2E_OK)
		rc = dup_field(root, "token_format", &t->token_format, err);
	return rc;
}

int c2e_jwt_bearer(struct c2e_http *h, const struct c2e_jwt_grant *g,
                   struct c2e_token *out, struct c2e_err *err)
{
	static const struct c2e_http_header headers[] = {
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "Accept", "application/json" },
	};
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_http_request req;
	struct c2e_buf assertion = C2E_BUF_INIT, body = C2E_BUF_INIT;
	struct c2e_buf url = C2E_BUF_INIT;
	struct c2e_token t = C2E_TOKEN_INIT;
	struct c2e_json *root = NULL;
	const char *e, *d;
	char *base = NULL;
	int rc;

	assertion.secret = true;
	body.secret = true;
	t.access_token.secret = true;
	rc = c2e_url_check(g->login_url, "--login-url", err);
	if (rc < 0)
		goto done;
	base = strip_slash(g->login_url);
	if (!base || c2e_buf_addf(&url, "%s/services/oauth2/token", base) < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_jwt_assertion(g, time(NULL), &assertion, err);
	if (rc < 0)
		goto done;
	c2e_buf_adds(&body, "grant_type=");
	rc = c2e_url_escape(GRANT_TYPE, &body, err);
	if (rc < 0)
		goto done;
	c2e_buf_adds(&body, "&assertion=");
	rc = c2e_url_escape(assertion.buf, &body, err);
	if (rc < 0)
		goto done;
	memset(&req, 0, sizeof(req));
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url.buf;
	req.headers = headers;
	req.n_headers = C2E_ARRAY_SIZE(headers);
	req.body = body.buf;
	req.body_len = body.len;
	rc = c2e_http_do(h, &req, &resp, err);
	if (rc < 0)
		goto done;
	if (resp.body.len > TOKEN_ANSWER_MAX ||
	    c2e_json_parse(resp.body.buf, resp.body.len, "token answer", &root,
	                   NULL) < 0 ||
	    root->type != C2E_JSON_OBJECT) {
		rc = c2e_err_set(
		        err, C2E_EREMOTE,
		        "token request to '%s' failed: HTTP %ld with an "
		        "answer that is not a JSON object; check "
		        "--login-url",
		        url.buf, resp.status);
		goto done;
	}
	e = c2e_json_get_str(root, "error");
	if (resp.status == 200 && !e) {
		rc = parse_token(root, url.buf, &t, err);
		if (rc < 0)
			goto done;
		*out = t;
		memset(&t, 0, sizeof(t));
		t.access_token = (struct c2e_buf)C2E_BUF_INIT;
		goto done;
	}
	if (!e || resp.status >= 500 || resp.status == 429) {
		d = e ? c2e_json_get_str(root, "error_description") : NULL;
		rc = c2e_err_set(
		        err, C2E_EREMOTE,
		        "token request to '%s' failed: HTTP %ld%s%s%s%s",
		        url.buf, resp.status, e ? ": " : "", e ? e : "",
		        d ? ": " : "", d ? d : "");
		goto done;
	}
	d = c2e_json_get_str(root, "error_description");
	snprintf(out->error, sizeof(out->error), "%s", e);
	snprintf(out->error_description, sizeof(out->error_description), "%s",
	         d ? d : "");
	rc = oauth_error(g, url.buf, out, err);
done:
	json_free_wiped(root);
	c2e_token_release(&t);
	c2e_http_response_release(&resp);
	free(base);
	c2e_buf_release(&url);
	c2e_buf_release(&body);
	c2e_buf_release(&assertion);
	return rc;
}

void c2e_token_release(struct c2e_token *t)
{
	if (!t)
		return;
	t->access_token.secret = true;
	c2e_buf_release(&t->access_token);
	free(t->instance_url);
	free(t->id);
	free(t->scope);
	free(t->token_format);
	t->instance_url = NULL;
	t->id = NULL;
	t->scope = NULL;
	t->token_format = NULL;
	memset(t->error, 0, sizeof(t->error));
	memset(t->error_description, 0, sizeof(t->error_description));
}
