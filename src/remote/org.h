/*
 * org.h - an authenticated connection to one org and its retry policy.
 *
 * Every request to an org goes through c2e_org_call, which:
 *  - adds the session (the SOAP body is rebuilt with the current session
 *    id by the caller's build callback; REST gets an Authorization header);
 *  - lets the protocol layer (soap.c, rest.c) classify the response;
 *  - retries what is safe to retry, with exponential backoff and jitter:
 *      transport failures (connect, reset, timeout), HTTP 5xx and 429 --
 *        only for idempotent calls (reads); a write whose outcome is
 *        unknown is NOT repeated: *outcome_unknown is set and the caller
 *        reconciles by reading the org;
 *      REQUEST_LIMIT_EXCEEDED ConcurrentRequests -- backs off and retries
 *        a bounded number of times (the request was refused, so writes
 *        too);
 *  - INVALID_SESSION_ID: logs in again once when the method can (JWT),
 *    else fails with "session expired, log in again";
 *  - REQUEST_LIMIT_EXCEEDED TotalRequests: stops at once, C2E_ELIMIT.
 */
#ifndef C2E_REMOTE_ORG_H
#define C2E_REMOTE_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "remote/auth.h"
#include "remote/http.h"
#include "util/buf.h"
#include "util/err.h"

#define C2E_DEFAULT_API_VERSION_STR "66.0"

struct c2e_org_opts {
	struct c2e_auth_opts auth;
	struct c2e_http_opts http;
	const char *api_version; /* NULL: "66.0" */
	int max_attempts; /* 0: 5 (transport, 5xx, 429) */
	int limit_attempts; /* 0: 6 (ConcurrentRequests) */
	long backoff_base_ms; /* 0: 500, or $CA2ECA_RETRY_BASE_MS */
	long backoff_max_ms; /* 0: 20 000 */
};

/* What the protocol layer makes of one response. */
enum c2e_verdict {
	C2E_VERDICT_OK, /* done: the caller parses the body */
	C2E_VERDICT_FAIL, /* a final error; err is set */
	C2E_VERDICT_RETRY, /* transient (5xx, 429, ...) */
	C2E_VERDICT_REAUTH, /* INVALID_SESSION_ID */
	C2E_VERDICT_LIMIT_CONCURRENT, /* REQUEST_LIMIT_EXCEEDED
	                                 ConcurrentRequests */
	C2E_VERDICT_LIMIT_TOTAL /* REQUEST_LIMIT_EXCEEDED TotalRequests */
};

struct c2e_org_call {
	const char *op; /* "readMetadata", "query", ...: stats, messages */
	const char *method; /* "GET", "POST", ... */
	const char *path; /* after the instance URL: "/services/..." */
	const char *content_type; /* NULL: none */
	const char *soap_action; /* NULL: no SOAPAction header */
	bool bearer; /* send "Authorization: Bearer <token>" */
	bool idempotent; /* safe to repeat when the outcome is unknown */
	/* (re)builds the body with the current token; NULL: no body */
	int (*build)(void *ctx, const char *token, struct c2e_buf *body,
	             struct c2e_err *err);
	/* classifies a response (any status); sets err for FAIL */
	enum c2e_verdict (*classify)(void *ctx,
	                             const struct c2e_http_response *resp,
	                             struct c2e_err *err);
	void *ctx;
};

struct c2e_org_stats {
	unsigned long requests; /* HTTP requests sent, retries included */
	unsigned long retries;
	unsigned long relogins;
};

struct c2e_org;

/* Creates the HTTP handle and logs in (see c2e_auth_login). */
C2E_MUST_CHECK int c2e_org_open(const struct c2e_org_opts *opts,
                                struct c2e_org **out, struct c2e_err *err);
void c2e_org_free(struct c2e_org *org);

/*
 * Runs one call to completion under the retry policy.  On C2E_OK, `resp`
 * holds the final response (classified OK).  When a non-idempotent call
 * failed after the request may have reached the org, *outcome_unknown is
 * set (may be NULL).
 */
C2E_MUST_CHECK int c2e_org_call(struct c2e_org *org,
                                const struct c2e_org_call *call,
                                struct c2e_http_response *resp,
                                bool *outcome_unknown, struct c2e_err *err);

const struct c2e_session *c2e_org_session(const struct c2e_org *org);
const char *c2e_org_api_version(const struct c2e_org *org);
struct c2e_http *c2e_org_http(struct c2e_org *org);
const struct c2e_org_stats *c2e_org_stats(const struct c2e_org *org);

/* The delay before attempt `attempt` (1-based) with full jitter; exposed
 * for tests.  `rnd` is a uniform random number in [0, 1). */
long c2e_backoff_ms(long base_ms, long max_ms, int attempt, double rnd);

#endif
