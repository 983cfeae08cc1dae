/*
 * org.c - one org: its HTTP handle, its session and the retry policy of
 * org.h.
 *
 * The loop in c2e_org_call counts three budgets separately: attempts
 * for transient failures (transport, 5xx, 429; idempotent calls only),
 * attempts refused with ConcurrentRequests, and one new login.  A
 * connect failure means the request never left, so any call may try
 * again; any other transport failure of a non-idempotent call may have
 * reached the org, so it is reported as outcome unknown, never repeated.
 */
#include "remote/org.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/str.h"

#include "util/compat.h"

#define DEFAULT_MAX_ATTEMPTS   5
#define DEFAULT_LIMIT_ATTEMPTS 6
#define DEFAULT_BASE_MS        500L
#define DEFAULT_MAX_MS         20000L
/* Longest Retry-After we honour; a longer one is cut to this. */
#define RETRY_AFTER_MAX_MS 120000L
#define ENV_RETRY_BASE_MS  "CA2ECA_RETRY_BASE_MS"

struct c2e_org {
	struct c2e_http *http;
	struct c2e_session session;
	/* copies of the login options, for a new login (JWT) */
	struct c2e_auth_opts auth;
	char *auth_strs[8]; /* one per string of struct c2e_auth_opts */
	char *api_version;
	int max_attempts;
	int limit_attempts;
	long base_ms;
	long max_ms;
	uint64_t rng;
	struct c2e_org_stats stats;
};

long c2e_backoff_ms(long base_ms, long max_ms, int attempt, double rnd)
{
	long cap;

	if (base_ms <= 0)
		return 0;
	if (max_ms <= 0)
		max_ms = base_ms;
	if (attempt < 1)
		attempt = 1;
	if (rnd < 0 || rnd != rnd)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.9999999999;
	cap = base_ms;
	for (int i = 1; i < attempt && cap < max_ms; i++)
		cap = cap > max_ms / 2 ? max_ms : cap * 2;
	if (cap > max_ms)
		cap = max_ms;
	return (long)(rnd * (double)cap);
}

/* The host part of an instance URL, for messages. */
static const char *host_of(const char *url)
{
	const char *p;

	if (!url)
		return "(no instance URL)";
	p = strstr(url, "://");
	return p ? p + 3 : url;
}

/* --- jitter: xorshift64*, seeded once per org; it is not a secret --- */

static uint64_t seed_rng(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return s ? s : 0x9e3779b97f4a7c15ULL;
}

static double next_rnd(struct c2e_org *org)
{
	uint64_t x = org->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	org->rng = x;
	return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

static void sleep_ms(long ms)
{
	struct timespec ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

/* --- opening --- */

static bool version_ok(const char *v)
{
	return strlen(v) == 4 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' &&
	       v[1] <= '9' && v[2] == '.' && v[3] >= '0' && v[3] <= '9';
}

static int copy_auth(struct c2e_org *org, const struct c2e_auth_opts *a,
                     struct c2e_err *err)
{
	const char *src[] = { a->auth_file,         a->instance_url,
		              a->login_url,         a->client_id,
		              a->username,          a->jwt_key,
		              a->jwt_key_pass_file, a->audience };
	const char **dst[] = {
		&org->auth.auth_file,         &org->auth.instance_url,
		&org->auth.login_url,         &org->auth.client_id,
		&org->auth.username,          &org->auth.jwt_key,
		&org->auth.jwt_key_pass_file, &org->auth.audience
	};

	_Static_assert(C2E_ARRAY_SIZE(src) == C2E_ARRAY_SIZE(org->auth_strs),
	               "one copy per option string");
	for (size_t i = 0; i < C2E_ARRAY_SIZE(src); i++) {
		if (!src[i])
			continue;
		org->auth_strs[i] = c2e_strdup(src[i]);
		if (!org->auth_strs[i])
			return c2e_err_oom(err);
		*dst[i] = org->auth_strs[i];
	}
	return C2E_OK;
}

static int retry_base(const struct c2e_org_opts *opts, long *out,
                      struct c2e_err *err)
{
	const char *env = getenv(ENV_RETRY_BASE_MS);
	long v;

	if (opts->backoff_base_ms > 0) {
		*out = opts->backoff_base_ms;
		return C2E_OK;
	}
	if (!env || !*env) {
		*out = DEFAULT_BASE_MS;
		return C2E_OK;
	}
	if (c2e_str_to_long(env, &v) < 0 || v < 0 || v > 600000)
		return c2e_err_set(err, C2E_EUSAGE,
		                   "%s='%s' is not a number of milliseconds "
		                   "from 0 to 600000",
		                   ENV_RETRY_BASE_MS, env);
	*out = v;
	return C2E_OK;
}

int c2e_org_open(const struct c2e_org_opts *opts, struct c2e_org **out,
                 struct c2e_err *err)
{
	const char *ver = opts->api_version ? opts->api_version :
	                                      C2E_DEFAULT_API_VERSION_STR;
	struct c2e_org *org = NULL;
	int rc;

	if (!version_ok(ver))
		return c2e_err_set(err, C2E_EUSAGE,
		                   "the API version '%s' is not valid: give it "
		                   "as NN.N, e.g. %s",
		                   ver, C2E_DEFAULT_API_VERSION_STR);
	org = calloc(1, sizeof(*org));
	if (!org)
		return c2e_err_oom(err);
	org->session = (struct c2e_session)C2E_SESSION_INIT;
	org->max_attempts = opts->max_attempts > 0 ? opts->max_attempts :
	                                             DEFAULT_MAX_ATTEMPTS;
	org->limit_attempts = opts->limit_attempts > 0 ? opts->limit_attempts :
	                                                 DEFAULT_LIMIT_ATTEMPTS;
	org->max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms :
	                                         DEFAULT_MAX_MS;
	org->rng = seed_rng();
	rc = retry_base(opts, &org->base_ms, err);
	if (rc != C2E_OK)
		goto done;
	org->api_version = c2e_strdup(ver);
	if (!org->api_version) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = copy_auth(org, &opts->auth, err);
	if (rc != C2E_OK)
		goto done;
	rc = c2e_http_new(&opts->http, &org->http, err);
	if (rc != C2E_OK)
		goto done;
	rc = c2e_auth_login(org->http, &org->auth, &org->session, err);
	if (rc != C2E_OK)
		goto done;
	*out = org;
	org = NULL;
done:
	c2e_org_free(org);
	return rc;
}

void c2e_org_free(struct c2e_org *org)
{
	if (!org)
		return;
	c2e_session_release(&org->session);
	c2e_http_free(org->http);
	for (size_t i = 0; i < C2E_ARRAY_SIZE(org->auth_strs); i++)
		free(org->auth_strs[i]);
	free(org->api_version);
	free(org);
}

const struct c2e_session *c2e_org_session(const struct c2e_org *org)
{
	return &org->session;
}

const char *c2e_org_api_version(const struct c2e_org *org)
{
	return org->api_version;
}

struct c2e_http *c2e_org_http(struct c2e_org *org)
{
	return org->http;
}

const struct c2e_org_stats *c2e_org_stats(const struct c2e_org *org)
{
	return &org->stats;
}

/* --- one call --- */

/* Logs in again (JWT) and swaps the session in. */
static int relogin(struct c2e_org *org, struct c2e_err *err)
{
	struct c2e_session s = C2E_SESSION_INIT;
	int rc;

	rc = c2e_auth_login(org->http, &org->auth, &s, err);
	if (rc != C2E_OK) {
		c2e_session_release(&s);
		return rc;
	}
	c2e_session_release(&org->session);
	org->session = s;
	org->stats.relogins++;
	return C2E_OK;
}

static int session_expired(const struct c2e_org *org, struct c2e_err *err)
{
	const struct c2e_session *s = &org->session;

	if (s->username)
		return c2e_err_set(err, C2E_EAUTH,
		                   "the session for '%s@%s' has expired or was "
		                   "revoked: log in again (e.g. sf org login "
		                   "web) and rerun",
		                   s->username, host_of(s->instance_url));
	return c2e_err_set(err, C2E_EAUTH,
	                   "the session for '%s' has expired or was revoked: "
	                   "log in again (e.g. sf org login web) and rerun",
	                   host_of(s->instance_url));
}

/*
 * Sends one request with the current session.  *sent says whether it got
 * as far as the HTTP layer (then a C2E_EREMOTE is a transport failure).
 */
static int send_once(struct c2e_org *org, const struct c2e_org_call *call,
                     struct c2e_http_response *resp, bool *sent,
                     struct c2e_err *err)
{
	struct c2e_buf url = C2E_BUF_INIT, body = C2E_BUF_INIT,
	               bearer = C2E_BUF_INIT;
	struct c2e_http_header h[5];
	struct c2e_http_request req;
	size_t nh = 0;
	int rc;

	*sent = false;
	body.secret = true; /* a SOAP body carries the session id */
	bearer.secret = true;
	c2e_buf_adds(&url, org->session.instance_url);
	c2e_buf_adds(&url, call->path);
	if (c2e_buf_failed(&url)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (call->build) {
		rc = call->build(call->ctx, org->session.token.buf, &body, err);
		if (rc != C2E_OK)
			goto done;
	}
	if (call->content_type)
		h[nh++] = (struct c2e_http_header){ "Content-Type",
			                            call->content_type };
	if (call->soap_action)
		h[nh++] = (struct c2e_http_header){ "SOAPAction",
			                            call->soap_action };
	if (call->bearer) {
		c2e_buf_adds(&bearer, "Bearer ");
		c2e_buf_addn(&bearer, org->session.token.buf,
		             org->session.token.len);
		if (c2e_buf_failed(&bearer)) {
			rc = c2e_err_oom(err);
			goto done;
		}
		h[nh++] =
		        (struct c2e_http_header){ "Authorization", bearer.buf };
		h[nh++] = (struct c2e_http_header){ "Accept",
			                            "application/json" };
	}
	memset(&req, 0, sizeof(req));
	req.method = call->method;
	req.url = url.buf;
	req.headers = h;
	req.n_headers = nh;
	req.body = call->build ? body.buf : NULL;
	req.body_len = call->build ? body.len : 0;
	req.once = !call->idempotent;
	org->stats.requests++;
	*sent = true;
	rc = c2e_http_do(org->http, &req, resp, err);
done:
	c2e_buf_release(&url);
	c2e_buf_release(&body);
	c2e_buf_release(&bearer);
	return rc;
}

static int unknown_outcome(const struct c2e_org_call *call, const char *host,
                           const struct c2e_err *why, bool *outcome_unknown,
                           struct c2e_err *err)
{
	if (outcome_unknown)
		*outcome_unknown = true;
	return c2e_err_set(err, C2E_EREMOTE,
	                   "'%s' to '%s' failed and may or may not have been "
	                   "applied: %s; ca2eca reads the org before it "
	                   "repeats a change",
	                   call->op, host, why->msg);
}

/* How long to wait before the next try: backoff, or a longer Retry-After. */
static long delay_ms(struct c2e_org *org, int attempt,
                     const struct c2e_http_response *resp)
{
	long ms = c2e_backoff_ms(org->base_ms, org->max_ms, attempt,
	                         next_rnd(org));

	if (resp->fail == C2E_HTTP_FAIL_NONE && resp->retry_after >= 0) {
		long ra = resp->retry_after > RETRY_AFTER_MAX_MS / 1000 ?
		                  RETRY_AFTER_MAX_MS :
		                  resp->retry_after * 1000;

		if (ra > ms)
			ms = ra;
	}
	return ms;
}

int c2e_org_call(struct c2e_org *org, const struct c2e_org_call *call,
                 struct c2e_http_response *resp, bool *outcome_unknown,
                 struct c2e_err *err)
{
	struct c2e_err why = C2E_ERR_INIT;
	bool relogged = false, sent, retriable;
	int tries = 0, limit_tries = 0;
	enum c2e_verdict v;
	const char *host;
	int rc;

	if (outcome_unknown)
		*outcome_unknown = false;
	for (;;) {
		host = host_of(org->session.instance_url);
		c2e_err_clear(&why);
		rc = send_once(org, call, resp, &sent, &why);
		if (rc != C2E_OK && (!sent || rc != C2E_EREMOTE ||
		                     resp->fail == C2E_HTTP_FAIL_NONE))
			return c2e_err_set(err, rc, "%s", why.msg);
		if (rc != C2E_OK) {
			/* no answer: did the request leave? */
			switch (resp->fail) {
			case C2E_HTTP_FAIL_CONNECT:
				retriable = true;
				break;
			case C2E_HTTP_FAIL_TLS:
				return c2e_err_set(err, C2E_EREMOTE, "%s",
				                   why.msg);
			case C2E_HTTP_FAIL_TOO_BIG:
				if (!call->idempotent)
					return unknown_outcome(call, host, &why,
					                       outcome_unknown,
					                       err);
				return c2e_err_set(err, C2E_EREMOTE, "%s",
				                   why.msg);
			default:
				if (!call->idempotent)
					return unknown_outcome(call, host, &why,
					                       outcome_unknown,
					                       err);
				retriable = true;
				break;
			}
			v = C2E_VERDICT_RETRY;
		} else {
			v = call->classify(call->ctx, resp, &why);
			retriable = call->idempotent;
			if (v != C2E_VERDICT_OK && !why.msg[0])
				c2e_err_set(&why, C2E_EREMOTE,
				            "'%s' answered '%s' with HTTP %ld",
				            host, call->op, resp->status);
		}
		switch (v) {
		case C2E_VERDICT_OK:
			return C2E_OK;
		case C2E_VERDICT_FAIL:
			return c2e_err_set(
			        err, why.code < 0 ? why.code : C2E_EREMOTE,
			        "%s", why.msg);
		case C2E_VERDICT_RETRY:
			if (!retriable)
				return unknown_outcome(call, host, &why,
				                       outcome_unknown, err);
			if (++tries >= org->max_attempts)
				return c2e_err_set(
				        err, C2E_EREMOTE,
				        "'%s' to '%s' failed %d times: "
				        "%s",
				        call->op, host, tries, why.msg);
			sleep_ms(delay_ms(org, tries, resp));
			org->stats.retries++;
			break;
		case C2E_VERDICT_REAUTH:
			if (relogged || !c2e_auth_can_relogin(&org->session))
				return session_expired(org, err);
			relogged = true;
			rc = relogin(org, err);
			if (rc != C2E_OK)
				return rc;
			break;
		case C2E_VERDICT_LIMIT_CONCURRENT:
			if (++limit_tries >= org->limit_attempts)
				return c2e_err_set(
				        err, C2E_EREMOTE,
				        "the org '%s' refused '%s' %d times: too "
				        "many long-running requests at once "
				        "(ConcurrentRequests); try again later, "
				        "or run fewer jobs against this org",
				        host, call->op, limit_tries);
			sleep_ms(delay_ms(org, limit_tries, resp));
			org->stats.retries++;
			break;
		case C2E_VERDICT_LIMIT_TOTAL:
			return c2e_err_set(
			        err, C2E_ELIMIT,
			        "the org '%s' has used up its daily "
			        "API requests (TotalRequests); ca2eca "
			        "stopped; try again after the 24-hour "
			        "window",
			        host);
		default:
			return c2e_err_set(err, C2E_ERROR,
			                   "'%s': unknown verdict %d", call->op,
			                   (int)v);
		}
	}
}
