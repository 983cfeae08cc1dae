#include "test.h"
#include "httpd.h"
#include "remote/auth.h"

#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"

#define KEY      "fixtures/example-project/keys/partner1-jwt.key"
#define KEY_ENC  "fixtures/keys/partner1-jwt-enc.key"
#define CERT     "fixtures/example-project/keys/partner1-jwt.crt"
#define PASS     "test-passphrase"
#define CLIENT   "3MVG9TestConsumerKey.partner1"
#define USER     "integration@partner1.example"
#define ORG      "00Dxx0000001gEREAY"
#define USER_ID  "005xx000001X7NHAA0"
#define TOKEN    ORG "!ARsecretAccessTokenValue.xyz"
#define JWT_TOK  "eyJ0bmsiOiJjb3JlL3Byb2QifQ.eyJzY3AiOiJhcGkifQ.c2lnbmF0dXJl"
#define TOKEN_EP "/services/oauth2/token"

static char *fixture(const char *rel)
{
	return c2e_path_join(test_source_dir(), rel);
}

/* Writes `text` to a new file in the scratch directory; caller frees. */
static char *scratch(const char *name, const char *text)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = c2e_path_join(test_tmp_dir(), name);

	if (c2e_fs_write_atomic(path, text, strlen(text), 0600, &err) < 0)
		test__fail(__FILE__, __LINE__, "%s", err.msg);
	return path;
}

/* No token, key or passphrase in a message. */
static void assert_clean(const char *msg)
{
	char *path = fixture(KEY);
	size_t len;
	char *pem = test_slurp(path, &len);

	ASSERT(strstr(msg, "secretAccessToken") == NULL);
	ASSERT(strstr(msg, JWT_TOK) == NULL);
	ASSERT(strstr(msg, PASS) == NULL);
	ASSERT(strstr(msg, "PRIVATE KEY") == NULL);
	for (const char *p = strchr(pem, '\n'); p && p + 16 < pem + len;
	     p += 8) {
		char run[17];

		memcpy(run, p, 16);
		run[16] = '\0';
		if (!strchr(run, '\n') && !strchr(run, '-') && strstr(msg, run))
			test__fail(__FILE__, __LINE__, "key in: %s", msg);
	}
	free(pem);
	free(path);
}

/* --- choosing the method --- */

static void method_is(const struct c2e_auth_opts *o, enum c2e_auth_method m)
{
	struct c2e_err err = C2E_ERR_INIT;
	enum c2e_auth_method got = C2E_AUTH_NONE;

	ASSERT_OK(c2e_auth_method_of(o, &got, &err), &err);
	ASSERT_INT_EQ(got, m);
}

static void method_fails(const struct c2e_auth_opts *o, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	enum c2e_auth_method got = C2E_AUTH_NONE;

	ASSERT_INT_EQ(c2e_auth_method_of(o, &got, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, want);
	ASSERT_INT_EQ(got, C2E_AUTH_NONE);
}

static void test_auth__method_of(void)
{
	struct c2e_auth_opts o;

	memset(&o, 0, sizeof(o));
	unsetenv(C2E_ENV_ACCESS_TOKEN);
	method_fails(&o, "log in with --auth-file FILE");
	o.auth_file = "auth.json";
	method_is(&o, C2E_AUTH_FILE);
	o.client_id = CLIENT;
	method_fails(&o, "choose one way to log in: --auth-file FILE, "
	                 "--instance-url URL");
	o.client_id = NULL;
	o.instance_url = "https://acme.my.salesforce.com";
	method_fails(&o, "choose one way to log in");
	o.auth_file = NULL;
	method_fails(&o, "--instance-url needs the access token in the "
	                 "SF_ACCESS_TOKEN environment variable");
	setenv(C2E_ENV_ACCESS_TOKEN, TOKEN, 1);
	method_is(&o, C2E_AUTH_TOKEN);
	o.instance_url = "http://acme.my.salesforce.com";
	method_fails(&o, "'--instance-url' must be an https:// URL");
	unsetenv(C2E_ENV_ACCESS_TOKEN);

	memset(&o, 0, sizeof(o));
	o.login_url = "https://login.salesforce.com";
	o.client_id = CLIENT;
	o.username = USER;
	o.jwt_key = "k.pem";
	method_is(&o, C2E_AUTH_JWT);
	o.jwt_key_pass_file = "pass.txt";
	method_is(&o, C2E_AUTH_JWT);
	o.username = NULL;
	method_fails(&o, "JWT login needs --client-id, --username and "
	                 "--jwt-key with --login-url (missing: --username)");
	o.username = "";
	method_fails(&o, "(missing: --username)");
	o.username = USER;
	o.login_url = NULL;
	method_fails(&o, "(missing: --login-url)");
	o.login_url = "http://login.salesforce.com";
	method_fails(&o, "'--login-url' must be an https:// URL (http:// is "
	                 "allowed only for loopback hosts)");
	memset(&o, 0, sizeof(o));
	o.jwt_key_pass_file = "pass.txt";
	method_fails(&o, "(missing: --login-url, --client-id, --username, "
	                 "--jwt-key)");
	o.auth_file = "auth.json";
	method_fails(&o, "choose one way to log in");
}

/* --- the auth file --- */

static void test_auth__auth_file_good(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	char *path = scratch("auth-good.json",
	                     "{\"status\":0,\"result\":{\"id\":\"" ORG "\","
	                     "\"apiVersion\":\"66.0\",\"accessToken\":\"" TOKEN
	                     "\",\"instanceUrl\":\"https://acme.my."
	                     "salesforce.com/\",\"username\":\"admin@acme."
	                     "com\",\"clientId\":\"PlatformCLI\","
	                     "\"connectedStatus\":\"Connected\"},"
	                     "\"warnings\":[]}\n");

	memset(&o, 0, sizeof(o));
	o.auth_file = path;
	ASSERT_OK(c2e_auth_login(NULL, &o, &s, &err), &err);
	ASSERT_INT_EQ(s.method, C2E_AUTH_FILE);
	ASSERT_STR_EQ(s.instance_url, "https://acme.my.salesforce.com");
	ASSERT_STR_EQ(s.token.buf, TOKEN);
	ASSERT(s.token.secret);
	ASSERT_STR_EQ(s.username, "admin@acme.com");
	ASSERT_STR_EQ(s.org_id, ORG);
	ASSERT_NULL(s.user_id);
	ASSERT(!s.jwt_format);
	ASSERT(!c2e_auth_can_relogin(&s));
	c2e_session_release(&s);
	ASSERT_NULL(s.instance_url);
	ASSERT_INT_EQ(s.token.len, 0);
	free(path);
}

static void auth_file_fails(const char *name, const char *json, int code,
                            const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	char *path = json ? scratch(name, json) :
	                    c2e_path_join(test_tmp_dir(), name);
	char quoted[4200];

	memset(&o, 0, sizeof(o));
	o.auth_file = path;
	ASSERT_INT_EQ(c2e_auth_login(NULL, &o, &s, &err), code);
	ASSERT_STR_CONTAINS(err.msg, want);
	snprintf(quoted, sizeof(quoted), "'%s'", path);
	ASSERT_STR_CONTAINS(err.msg, quoted);
	assert_clean(err.msg);
	ASSERT_NULL(s.instance_url);
	ASSERT_INT_EQ(s.token.len, 0);
	free(path);
}

static void test_auth__auth_file_bad(void)
{
	auth_file_fails("missing.json", NULL, C2E_EDATA, "cannot read");
	auth_file_fails("garbage.json", "access_token=" TOKEN, C2E_EDATA,
	                "garbage.json");
	auth_file_fails("array.json", "[]", C2E_EDATA, "is not a JSON object");
	auth_file_fails("error.json",
	                "{\"status\":1,\"name\":\"NoOrgFound\",\"message\":"
	                "\"No authorization information found for acme.\","
	                "\"exitCode\":1}",
	                C2E_EDATA,
	                "holds an error, not a login: No authorization "
	                "information found for acme.");
	auth_file_fails("noresult.json", "{\"status\":0}", C2E_EDATA,
	                "has no 'result' object");
	auth_file_fails("notoken.json",
	                "{\"status\":0,\"result\":{\"instanceUrl\":"
	                "\"https://acme.my.salesforce.com\"}}",
	                C2E_EDATA, "has no 'result.accessToken'");
	auth_file_fails("nourl.json",
	                "{\"status\":0,\"result\":{\"accessToken\":\"" TOKEN
	                "\"}}",
	                C2E_EDATA, "has no 'result.instanceUrl'");
	auth_file_fails("httpurl.json",
	                "{\"status\":0,\"result\":{\"accessToken\":\"" TOKEN
	                "\",\"instanceUrl\":\"http://acme.example\"}}",
	                C2E_EDATA, "'result.instanceUrl' in auth file");
	auth_file_fails("jwt.json",
	                "{\"status\":0,\"result\":{\"accessToken\":\"" JWT_TOK
	                "\",\"instanceUrl\":\"https://acme.example\"}}",
	                C2E_EAUTH, "can call only REST APIs");
}

/* --- the token in the environment --- */

static void test_auth__env_token(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;

	memset(&o, 0, sizeof(o));
	o.instance_url = "https://acme.my.salesforce.com//";
	setenv(C2E_ENV_ACCESS_TOKEN, " " TOKEN "\n", 1);
	ASSERT_OK(c2e_auth_login(NULL, &o, &s, &err), &err);
	ASSERT_INT_EQ(s.method, C2E_AUTH_TOKEN);
	ASSERT_STR_EQ(s.instance_url, "https://acme.my.salesforce.com");
	ASSERT_STR_EQ(s.token.buf, TOKEN);
	ASSERT_STR_EQ(s.org_id, ORG);
	ASSERT_NULL(s.username);
	c2e_session_release(&s);

	setenv(C2E_ENV_ACCESS_TOKEN, "notAnOrgId!AQtoken", 1);
	ASSERT_OK(c2e_auth_login(NULL, &o, &s, &err), &err);
	ASSERT_NULL(s.org_id);
	c2e_session_release(&s);

	setenv(C2E_ENV_ACCESS_TOKEN, JWT_TOK, 1);
	ASSERT_INT_EQ(c2e_auth_login(NULL, &o, &s, &err), C2E_EAUTH);
	ASSERT_STR_CONTAINS(err.msg, "Metadata SOAP API");
	assert_clean(err.msg);
	ASSERT_NULL(s.instance_url);

	setenv(C2E_ENV_ACCESS_TOKEN, "  ", 1);
	ASSERT_INT_EQ(c2e_auth_login(NULL, &o, &s, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "SF_ACCESS_TOKEN");
	unsetenv(C2E_ENV_ACCESS_TOKEN);
}

/* --- the assertion --- */

/* Independent base64url decoding through libcrypto. */
static char *b64url_decode(const char *s, size_t n, size_t *len_out)
{
	size_t padded = (n + 3) / 4 * 4, pad = padded - n;
	unsigned char *in = malloc(padded + 1), *out = malloc(padded + 1);
	int got;

	if (!in || !out)
		abort();
	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)(s[i] == '-' ? '+' :
		                        s[i] == '_' ? '/' :
		                                      s[i]);
	memset(in + n, '=', pad);
	got = EVP_DecodeBlock(out, in, (int)padded);
	free(in);
	if (got < 0 || (size_t)got < pad)
		test__fail(__FILE__, __LINE__, "bad base64url");
	*len_out = (size_t)got - pad;
	out[*len_out] = '\0';
	return (char *)out;
}

static EVP_PKEY *cert_pubkey(void)
{
	char *path = fixture(CERT);
	size_t len;
	char *pem = test_slurp(path, &len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	EVP_PKEY *pk = x ? X509_get_pubkey(x) : NULL;

	X509_free(x);
	BIO_free(bio);
	free(pem);
	free(path);
	if (!pk)
		test__fail(__FILE__, __LINE__, "cannot read the cert");
	return pk;
}

/*
 * Checks a compact JWS: header {"alg":"RS256"}, the claims, and an RS256
 * signature by the fixture key.
 */
static void check_assertion(const char *jwt, size_t jwt_len, const char *aud,
                            long long exp_min, long long exp_max)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *dot1 = memchr(jwt, '.', jwt_len), *dot2;
	struct c2e_json *claims = NULL;
	const struct c2e_json *exp;
	char *header, *body, *sig;
	size_t hl, bl, sl;
	EVP_PKEY *pub = cert_pubkey();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ASSERT_NOT_NULL(dot1);
	dot2 = memchr(dot1 + 1, '.', jwt_len - (size_t)(dot1 + 1 - jwt));
	ASSERT_NOT_NULL(dot2);
	ASSERT(memchr(dot2 + 1, '.', jwt_len - (size_t)(dot2 + 1 - jwt)) ==
	       NULL);
	ASSERT(strcspn(jwt, "=+/") >= jwt_len); /* url-safe, no padding */
	header = b64url_decode(jwt, (size_t)(dot1 - jwt), &hl);
	ASSERT_STR_EQ(header, "{\"alg\":\"RS256\"}");
	body = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &bl);
	ASSERT_OK(c2e_json_parse(body, bl, "claims", &claims, &err), &err);
	ASSERT_INT_EQ(c2e_json_len(claims), 4);
	ASSERT_STR_EQ(c2e_json_get_str(claims, "iss"), CLIENT);
	ASSERT_STR_EQ(c2e_json_get_str(claims, "sub"), USER);
	ASSERT_STR_EQ(c2e_json_get_str(claims, "aud"), aud);
	exp = c2e_json_get(claims, "exp");
	ASSERT(exp && exp->type == C2E_JSON_NUMBER);
	ASSERT(exp->num >= (double)exp_min && exp->num <= (double)exp_max);
	ASSERT(strchr(exp->str, '.') == NULL); /* whole seconds */
	sig = b64url_decode(dot2 + 1, jwt_len - (size_t)(dot2 + 1 - jwt), &sl);
	ASSERT_INT_EQ(sl, 256);
	ok = ctx &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	     EVP_DigestVerify(ctx, (const unsigned char *)sig, sl,
	                      (const unsigned char *)jwt,
	                      (size_t)(dot2 - jwt)) == 1;
	ASSERT(ok);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	c2e_json_free(claims);
	free(sig);
	free(body);
	free(header);
}

static struct c2e_pkey *load_key(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = NULL;
	char *path = fixture(KEY);

	if (c2e_pkey_load(path, NULL, &k, &err) < 0)
		test__fail(__FILE__, __LINE__, "%s", err.msg);
	free(path);
	return k;
}

static void test_auth__assertion(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf out = C2E_BUF_INIT;
	struct c2e_jwt_grant g;
	struct c2e_pkey *k = load_key();
	time_t now = time(NULL);

	memset(&g, 0, sizeof(g));
	g.login_url = "https://login.salesforce.com/";
	g.client_id = CLIENT;
	g.username = USER;
	g.key = k;
	out.secret = true;
	ASSERT_OK(c2e_jwt_assertion(&g, now, &out, &err), &err);
	check_assertion(out.buf, out.len, "https://login.salesforce.com",
	                (long long)now + 1, (long long)now + 180);
	check_assertion(out.buf, out.len, "https://login.salesforce.com",
	                (long long)now + 180, (long long)now + 180);

	c2e_buf_truncate(&out, 0);
	g.lifetime = 60;
	g.audience = "https://acme.my.site.com/customers";
	ASSERT_OK(c2e_jwt_assertion(&g, now, &out, &err), &err);
	check_assertion(out.buf, out.len, "https://acme.my.site.com/customers",
	                (long long)now + 60, (long long)now + 60);

	c2e_buf_truncate(&out, 0);
	g.lifetime = 181;
	ASSERT_INT_EQ(c2e_jwt_assertion(&g, now, &out, &err), C2E_EUSAGE);
	g.lifetime = -1;
	ASSERT_INT_EQ(c2e_jwt_assertion(&g, now, &out, &err), C2E_EUSAGE);
	g.lifetime = 0;
	g.audience = NULL;
	g.login_url = "http://login.salesforce.com";
	ASSERT_INT_EQ(c2e_jwt_assertion(&g, now, &out, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "'--login-url'");
	ASSERT_INT_EQ(out.len, 0); /* nothing appended on failure */
	c2e_buf_release(&out);
	c2e_pkey_free(k);
}

static void audience_is(const char *login, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *aud = NULL;

	ASSERT_OK(c2e_jwt_audience(login, &aud, &err), &err);
	ASSERT_STR_EQ(aud, want);
	free(aud);
}

static void test_auth__audience(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *aud = NULL;

	audience_is("https://login.salesforce.com",
	            "https://login.salesforce.com");
	audience_is("https://login.salesforce.com/",
	            "https://login.salesforce.com");
	audience_is("HTTPS://Login.Salesforce.com",
	            "https://login.salesforce.com");
	audience_is("https://test.salesforce.com//",
	            "https://test.salesforce.com");
	audience_is("https://acme.my.salesforce.com/",
	            "https://acme.my.salesforce.com");
	audience_is("https://acme.my.site.com/customers",
	            "https://acme.my.site.com/customers");
	audience_is("http://127.0.0.1:8443", "http://127.0.0.1:8443");
	ASSERT_INT_EQ(c2e_jwt_audience("http://example.com", &aud, &err),
	              C2E_EUSAGE);
	ASSERT_NULL(aud);
}

/* --- the token request against a loopback server --- */

struct bearer {
	struct test_httpd *srv;
	struct c2e_http *h;
	struct c2e_pkey *key;
	struct c2e_jwt_grant g;
};

static void bearer_start(struct bearer *b)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_opts o;

	memset(b, 0, sizeof(*b));
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 5000;
	b->srv = test_httpd_start();
	if (c2e_http_new(&o, &b->h, &err) < 0)
		test__fail(__FILE__, __LINE__, "%s", err.msg);
	b->key = load_key();
	b->g.login_url = test_httpd_url(b->srv);
	b->g.client_id = CLIENT;
	b->g.username = USER;
	b->g.key = b->key;
}

static void bearer_stop(struct bearer *b)
{
	c2e_pkey_free(b->key);
	c2e_http_free(b->h);
	test_httpd_stop(b->srv);
}

static void reply_json(struct bearer *b, int status, const char *json)
{
	test_httpd_reply(b->srv, status,
	                 "Content-Type: application/json;charset=UTF-8\r\n",
	                 json, strlen(json));
}

static void reply_token(struct bearer *b, const char *extra)
{
	char json[1024];

	snprintf(json, sizeof(json),
	         "{\"access_token\":\"" TOKEN "\",\"scope\":\"api id\","
	         "\"instance_url\":\"%s/\",\"id\":\"%s/id/" ORG "/" USER_ID
	         "\",\"token_type\":\"Bearer\"%s}",
	         test_httpd_url(b->srv), test_httpd_url(b->srv),
	         extra ? extra : "");
	reply_json(b, 200, json);
}

static void test_auth__bearer_success(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_token t = C2E_TOKEN_INIT;
	struct bearer b;
	const char *form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-"
	                   "type%3Ajwt-bearer&assertion=";
	char *req, *body, want[256];
	time_t now = time(NULL);

	bearer_start(&b);
	reply_token(&b, NULL);
	ASSERT_OK(c2e_jwt_bearer(b.h, &b.g, &t, &err), &err);
	ASSERT_STR_EQ(t.access_token.buf, TOKEN);
	ASSERT(t.access_token.secret);
	snprintf(want, sizeof(want), "%s", test_httpd_url(b.srv));
	ASSERT_STR_EQ(t.instance_url, want);
	snprintf(want, sizeof(want), "%s/id/" ORG "/" USER_ID,
	         test_httpd_url(b.srv));
	ASSERT_STR_EQ(t.id, want);
	ASSERT_STR_EQ(t.scope, "api id");
	ASSERT_NULL(t.token_format);
	ASSERT_STR_EQ(t.error, "");

	req = test_httpd_request(b.srv, 0);
	ASSERT(strncmp(req, "POST " TOKEN_EP " HTTP/1.1\r\n",
	               strlen("POST " TOKEN_EP " HTTP/1.1\r\n")) == 0);
	ASSERT_STR_CONTAINS(req, "\r\nContent-Type: application/"
	                         "x-www-form-urlencoded\r\n");
	body = strstr(req, "\r\n\r\n");
	ASSERT_NOT_NULL(body);
	body += 4;
	ASSERT(strncmp(body, form, strlen(form)) == 0);
	body += strlen(form);
	/* the assertion's characters need no escaping */
	check_assertion(body, strlen(body), test_httpd_url(b.srv),
	                (long long)now + 1, (long long)now + 181);
	free(req);
	c2e_token_release(&t);
	ASSERT_NULL(t.instance_url);
	bearer_stop(&b);
}

static void oauth_fails(const char *json, int status, int code,
                        const char *want, const char *error)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_token t = C2E_TOKEN_INIT;
	struct bearer b;

	bearer_start(&b);
	reply_json(&b, status, json);
	ASSERT_INT_EQ(c2e_jwt_bearer(b.h, &b.g, &t, &err), code);
	ASSERT_INT_EQ(err.code, code);
	ASSERT_STR_CONTAINS(err.msg, want);
	ASSERT_STR_EQ(t.error, error);
	ASSERT_INT_EQ(t.access_token.len, 0);
	ASSERT_NULL(t.instance_url);
	assert_clean(err.msg);
	c2e_token_release(&t);
	bearer_stop(&b);
}

static void test_auth__bearer_oauth_errors(void)
{
	oauth_fails("{\"error\":\"invalid_grant\",\"error_description\":"
	            "\"user hasn't approved this consumer\"}",
	            400, C2E_EAUTH,
	            "user '" USER "' is not pre-authorized for app '" CLIENT
	            "': make the app admin-approved and add the user's "
	            "profile or a permission set of theirs",
	            "invalid_grant");
	oauth_fails("{\"error\":\"invalid_grant\",\"error_description\":"
	            "\"audience is invalid\"}",
	            400, C2E_EAUTH,
	            "check --login-url: https://login.salesforce.com for "
	            "production, https://test.salesforce.com for sandboxes, "
	            "or your My Domain URL",
	            "invalid_grant");
	oauth_fails("{\"error\":\"invalid_client_id\",\"error_description\":"
	            "\"client identifier invalid\"}",
	            400, C2E_EAUTH,
	            "the org does not know consumer key '" CLIENT
	            "' (--client-id)",
	            "invalid_client_id");
	oauth_fails("{\"error\":\"invalid_grant\",\"error_description\":"
	            "\"expired authorization code\"}",
	            400, C2E_EAUTH,
	            "the assertion was rejected as expired: check this "
	            "machine's clock",
	            "invalid_grant");
	oauth_fails("{\"error\":\"invalid_grant\",\"error_description\":"
	            "\"user is locked\"}",
	            400, C2E_EAUTH,
	            TOKEN_EP "' failed: invalid_grant: user is "
	                     "locked",
	            "invalid_grant");
	oauth_fails("{\"error\":\"invalid_client\",\"error_description\":"
	            "\"invalid client credentials\"}",
	            401, C2E_EAUTH,
	            "failed: invalid_client: invalid client credentials",
	            "invalid_client");
}

static void test_auth__bearer_bad_answers(void)
{
	oauth_fails("<html>Service Unavailable</html>", 500, C2E_EREMOTE,
	            "failed: HTTP 500 with an answer that is not a JSON object",
	            "");
	oauth_fails("{\"error\":\"server_error\"}", 503, C2E_EREMOTE,
	            "failed: HTTP 503: server_error", "");
	oauth_fails("access_token=" TOKEN, 200, C2E_EREMOTE,
	            "failed: HTTP 200 with an answer that is not a JSON object",
	            "");
	oauth_fails("{\"access_token\":\"" TOKEN "\"", 200, C2E_EREMOTE,
	            "not a JSON object", "");
	oauth_fails(
	        "{\"scope\":\"api\",\"instance_url\":\"https://x.example\"}",
	        200, C2E_EREMOTE, "has no 'access_token'", "");
	oauth_fails("{\"access_token\":\"" TOKEN "\"}", 200, C2E_EREMOTE,
	            "has no 'instance_url'", "");
	oauth_fails("{\"access_token\":\"" TOKEN "\",\"instance_url\":"
	            "\"http://evil.example\"}",
	            200, C2E_EREMOTE, "'instance_url' that is not https://",
	            "");
	oauth_fails("[]", 400, C2E_EREMOTE, "not a JSON object", "");
}

static void test_auth__bearer_refused_port(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_token t = C2E_TOKEN_INIT;
	struct bearer b;
	char url[64];

	bearer_start(&b);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	         (unsigned int)test_httpd_closed_port());
	b.g.login_url = url;
	ASSERT_INT_EQ(c2e_jwt_bearer(b.h, &b.g, &t, &err), C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "cannot reach 'http://127.0.0.1:");
	assert_clean(err.msg);
	ASSERT(strstr(err.msg, "assertion") == NULL);
	bearer_stop(&b);
}

/* --- c2e_auth_login with JWT --- */

static void jwt_opts(struct c2e_auth_opts *o, struct bearer *b,
                     const char *key_rel, char **key_path)
{
	memset(o, 0, sizeof(*o));
	*key_path = fixture(key_rel);
	o->login_url = test_httpd_url(b->srv);
	o->client_id = CLIENT;
	o->username = USER;
	o->jwt_key = *key_path;
}

static void test_auth__login_jwt(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	struct bearer b;
	char *key_path;

	bearer_start(&b);
	jwt_opts(&o, &b, KEY, &key_path);
	reply_token(&b, NULL);
	ASSERT_OK(c2e_auth_login(b.h, &o, &s, &err), &err);
	ASSERT_INT_EQ(s.method, C2E_AUTH_JWT);
	ASSERT_STR_EQ(s.instance_url, test_httpd_url(b.srv));
	ASSERT_STR_EQ(s.token.buf, TOKEN);
	ASSERT(s.token.secret);
	ASSERT_STR_EQ(s.username, USER);
	ASSERT_STR_EQ(s.org_id, ORG);
	ASSERT_STR_EQ(s.user_id, USER_ID);
	ASSERT(!s.jwt_format);
	ASSERT(c2e_auth_can_relogin(&s));
	c2e_session_release(&s);
	ASSERT(!c2e_auth_can_relogin(&s));
	free(key_path);
	bearer_stop(&b);
}

static void test_auth__login_refuses_jwt_format_token(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	struct bearer b;
	char *key_path;

	bearer_start(&b);
	jwt_opts(&o, &b, KEY, &key_path);
	reply_token(&b, ",\"token_format\":\"jwt\"");
	ASSERT_INT_EQ(c2e_auth_login(b.h, &o, &s, &err), C2E_EAUTH);
	ASSERT_STR_CONTAINS(err.msg, "app '" CLIENT "' (--client-id) issued "
	                             "a JWT-based access token");
	ASSERT_STR_CONTAINS(err.msg, "can call only REST APIs, not the "
	                             "Metadata SOAP API");
	ASSERT_STR_CONTAINS(err.msg, "log in through an app that issues "
	                             "opaque tokens");
	assert_clean(err.msg);
	ASSERT_NULL(s.instance_url);
	ASSERT_INT_EQ(s.token.len, 0);
	free(key_path);
	bearer_stop(&b);
}

static void test_auth__login_encrypted_key(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	struct bearer b;
	char *key_path, *pass = scratch("pass.txt", PASS "\r\nsecond line\n");
	char *empty = scratch("empty-pass.txt", "\n" PASS "\n");
	char *wrong = scratch("wrong-pass.txt", "nope");

	bearer_start(&b);
	jwt_opts(&o, &b, KEY_ENC, &key_path);
	unsetenv(C2E_ENV_KEY_PASSPHRASE);
	ASSERT_INT_EQ(c2e_auth_login(b.h, &o, &s, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "is encrypted: give its passphrase with "
	                             "--jwt-key-pass-file FILE or "
	                             "SF_JWT_KEY_PASSPHRASE");
	assert_clean(err.msg);

	o.jwt_key_pass_file = wrong;
	ASSERT_INT_EQ(c2e_auth_login(b.h, &o, &s, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "wrong passphrase");
	assert_clean(err.msg);

	o.jwt_key_pass_file = empty;
	ASSERT_INT_EQ(c2e_auth_login(b.h, &o, &s, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "(--jwt-key-pass-file) is empty");
	assert_clean(err.msg);

	o.jwt_key_pass_file = pass;
	reply_token(&b, NULL);
	ASSERT_OK(c2e_auth_login(b.h, &o, &s, &err), &err);
	ASSERT_STR_EQ(s.token.buf, TOKEN);
	c2e_session_release(&s);

	o.jwt_key_pass_file = NULL;
	setenv(C2E_ENV_KEY_PASSPHRASE, PASS, 1);
	reply_token(&b, NULL);
	ASSERT_OK(c2e_auth_login(b.h, &o, &s, &err), &err);
	c2e_session_release(&s);
	unsetenv(C2E_ENV_KEY_PASSPHRASE);
	ASSERT_INT_EQ(test_httpd_requests(b.srv), 2);

	free(wrong);
	free(empty);
	free(pass);
	free(key_path);
	bearer_stop(&b);
}

static void test_auth__login_oauth_error_is_eauth(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_session s = C2E_SESSION_INIT;
	struct c2e_auth_opts o;
	struct bearer b;
	char *key_path;

	bearer_start(&b);
	jwt_opts(&o, &b, KEY, &key_path);
	reply_json(&b, 400,
	           "{\"error\":\"invalid_grant\",\"error_description\":"
	           "\"user hasn't approved this consumer\"}");
	ASSERT_INT_EQ(c2e_auth_login(b.h, &o, &s, &err), C2E_EAUTH);
	ASSERT_STR_CONTAINS(err.msg, "is not pre-authorized");
	assert_clean(err.msg);
	ASSERT_INT_EQ(s.token.len, 0);
	free(key_path);
	bearer_stop(&b);
}

int main(void)
{
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	c2e_http_global_init();
	RUN(test_auth__method_of);
	RUN(test_auth__auth_file_good);
	RUN(test_auth__auth_file_bad);
	RUN(test_auth__env_token);
	RUN(test_auth__assertion);
	RUN(test_auth__audience);
	RUN(test_auth__bearer_success);
	RUN(test_auth__bearer_oauth_errors);
	RUN(test_auth__bearer_bad_answers);
	RUN(test_auth__bearer_refused_port);
	RUN(test_auth__login_jwt);
	RUN(test_auth__login_refuses_jwt_format_token);
	RUN(test_auth__login_encrypted_key);
	RUN(test_auth__login_oauth_error_is_eauth);
	c2e_http_global_cleanup();
	return test_summary();
}
