/*
 * http.h - the only door to libcurl.
 *
 * One struct c2e_http per org: it owns a curl easy handle, so connections
 * are reused between requests to the same host.  TLS verification is
 * always on (a private CA bundle may be given); plain http:// is accepted
 * only for loopback hosts (127.0.0.0/8, ::1, localhost), so the tests can
 * use it.  Proxies come from the standard environment variables
 * (https_proxy, no_proxy, ...), which libcurl reads itself.  gzip and
 * deflate are accepted.  Response bodies are capped.
 *
 * Nothing here retries: c2e_http_do makes one attempt and says what
 * happened; the org client (org.h) decides about retries.
 */
#ifndef C2E_REMOTE_HTTP_H
#define C2E_REMOTE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct c2e_http;

struct c2e_http_opts {
	const char *ca_bundle; /* --ca-bundle FILE, or NULL: system CAs */
	long connect_timeout_ms; /* 0: 10 000 */
	long timeout_ms; /* 0: 120 000 (whole request) */
	size_t max_response; /* 0: 64 MiB */
	/* a change reuses a connection idle at most this long; 0: 5 s */
	long change_max_idle_s;
	const char *user_agent; /* NULL: "ca2eca/<version>" */
};

struct c2e_http_header {
	const char *name;
	const char *value;
};

struct c2e_http_request {
	const char *method; /* "GET", "POST", "PATCH", "DELETE" */
	const char *url;
	const struct c2e_http_header *headers;
	size_t n_headers;
	const char *body; /* NULL for none */
	size_t body_len;
	/*
	 * A change that must never be sent twice.  libcurl silently sends
	 * a request again when a reused connection closes before any
	 * answer; a change is therefore handed to libcurl in a way it
	 * cannot rewind, so that case fails (C2E_HTTP_FAIL_RESET: it may
	 * have arrived) instead of sending it twice.  A change with a body
	 * reuses only a connection that answered within change_max_idle_s;
	 * one without a body always opens a new connection.
	 */
	bool once;
};

enum c2e_http_fail {
	C2E_HTTP_FAIL_NONE, /* a response arrived */
	C2E_HTTP_FAIL_CONNECT, /* could not connect (refused, DNS, ...) */
	C2E_HTTP_FAIL_TIMEOUT, /* connect or transfer timed out */
	C2E_HTTP_FAIL_RESET, /* connection reset / closed mid-transfer */
	C2E_HTTP_FAIL_TLS, /* certificate or handshake failure */
	C2E_HTTP_FAIL_TOO_BIG, /* the body exceeded max_response */
	C2E_HTTP_FAIL_OTHER
};

struct c2e_http_response {
	long status; /* 0 when no response arrived */
	struct c2e_buf body;
	char *content_type; /* NULL when absent */
	long retry_after; /* seconds from Retry-After, -1 if none */
	enum c2e_http_fail fail;
};

#define C2E_HTTP_RESPONSE_INIT                                \
	{                                                     \
		0, C2E_BUF_INIT, NULL, -1, C2E_HTTP_FAIL_NONE \
	}

C2E_MUST_CHECK int c2e_http_new(const struct c2e_http_opts *opts,
                                struct c2e_http **out, struct c2e_err *err);
void c2e_http_free(struct c2e_http *h);

/*
 * One request.  Returns C2E_OK when a response arrived, whatever its
 * status; C2E_EREMOTE when none did (resp->fail says why, err->msg has
 * libcurl's text and the host).  A URL that is not https (or http on
 * loopback) is C2E_EUSAGE.  `resp` must be initialised; it is reset first.
 */
C2E_MUST_CHECK int c2e_http_do(struct c2e_http *h,
                               const struct c2e_http_request *req,
                               struct c2e_http_response *resp,
                               struct c2e_err *err);
void c2e_http_response_release(struct c2e_http_response *resp);

/* Checks the https-or-loopback rule; `what` names the option. */
C2E_MUST_CHECK int c2e_url_check(const char *url, const char *what,
                                 struct c2e_err *err);

/* application/x-www-form-urlencoded escaping of one value, appended. */
C2E_MUST_CHECK int c2e_url_escape(const char *s, struct c2e_buf *out,
                                  struct c2e_err *err);

/* How many requests this handle has sent (for tests and reports). */
unsigned long c2e_http_count(const struct c2e_http *h);

/* Process-wide libcurl setup and teardown; called once by main. */
void c2e_http_global_init(void);
void c2e_http_global_cleanup(void);

#endif
