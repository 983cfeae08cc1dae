#include "remote/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/str.h"
#include "util/compat.h"

#ifndef C2E_VERSION
#	define C2E_VERSION "0"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS         120000L
/* a Content-Type or Retry-After value longer than this is not kept */
#define HEADER_VALUE_MAX 1024
/*
 * A change goes on a kept-alive connection only when that connection
 * answered within this many seconds (c2e_http_opts.change_max_idle_s):
 * a server is unlikely to close a connection it has just used, and if it
 * does, the change fails as one that may have arrived (read_once_cb),
 * which the caller reconciles; it is never sent twice.
 */
#define DEFAULT_CHANGE_MAX_IDLE_S 5L
/* libcurl's default CURLOPT_MAXAGE_CONN */
#define DEFAULT_MAX_IDLE_S 118L

struct c2e_http {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	size_t max_response;
	long change_max_idle_s;
	unsigned long count;
	/* the transfer in progress */
	struct c2e_http_response *resp;
	bool too_big;
	bool oom;
	/* the body of a change (req->once), handed to libcurl once */
	const char *up;
	size_t up_len, up_off;
};

static const char url_rule[] =
        "must be an https:// URL (http:// is allowed only for loopback "
        "hosts)";

/* --- URLs --- */

static bool is_loopback_v4(const char *h, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned int v = 0;
		size_t digits = 0;

		while (i < n && h[i] >= '0' && h[i] <= '9') {
			v = v * 10 + (unsigned int)(h[i] - '0');
			if (++digits > 3)
				return false;
			i++;
		}
		if (digits == 0 || v > 255 || (part == 0 && v != 127))
			return false;
		if (part < 3) {
			if (i >= n || h[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

static bool host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* The https-or-loopback rule, and a well-formed authority. */
static bool url_ok(const char *url)
{
	const char *auth, *end, *host, *host_end, *port = NULL;
	bool https;
	size_t n;

	if (!url)
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return false;
	if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		auth = url + 7;
	} else {
		return false;
	}
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return false; /* userinfo: credentials do not belong in URLs */
	if (*auth == '[') {
		host = auth + 1;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end || host_end == host)
			return false;
		for (const char *p = host; p < host_end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return false;
		if (host_end + 1 < end) {
			if (host_end[1] != ':')
				return false;
			port = host_end + 2;
		}
	} else {
		host = auth;
		host_end = memchr(host, ':', (size_t)(end - host));
		if (host_end)
			port = host_end + 1;
		else
			host_end = end;
		if (host_end == host)
			return false;
		for (const char *p = host; p < host_end; p++)
			if (!host_char_ok((unsigned char)*p))
				return false;
	}
	if (port) {
		unsigned long v = 0;

		if (port == end)
			return false;
		for (const char *p = port; p < end; p++) {
			if (*p < '0' || *p > '9')
				return false;
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 65535)
				return false;
		}
		if (v == 0)
			return false;
	}
	if (https)
		return true;
	n = (size_t)(host_end - host);
	return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	       (n == 3 && memcmp(host, "::1", 3) == 0) ||
	       is_loopback_v4(host, n);
}

int c2e_url_check(const char *url, const char *what, struct c2e_err *err)
{
	if (url_ok(url))
		return C2E_OK;
	return c2e_err_set(err, C2E_EUSAGE, "'%s' %s", what ? what : "URL",
	                   url_rule);
}

int c2e_url_escape(const char *s, struct c2e_buf *out, struct c2e_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = out->len;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~') {
			c2e_buf_addc(out, (char)*p);
		} else {
			char e[3];

			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 0xF];
			c2e_buf_addn(out, e, 3);
		}
	}
	if (c2e_buf_failed(out)) {
		c2e_buf_truncate(out, start);
		return c2e_buf_err(out, "form value", err);
	}
	return C2E_OK;
}

/* "scheme://host[:port]" of a checked URL, for messages (no path/query) */
static void url_origin(const char *url, char *out, size_t n)
{
	const char *auth = strstr(url, "://");
	size_t len;

	auth = auth ? auth + 3 : url;
	len = (size_t)(auth - url) + strcspn(auth, "/?#");
	snprintf(out, n, "%.*s", (int)(len < 256 ? len : 256), url);
}

/* --- the handle --- */

static size_t write_cb(char *data, size_t size, size_t nmemb, void *u)
{
	struct c2e_http *h = u;
	size_t n = size * nmemb;

	if (nmemb && n / nmemb != size)
		return 0;
	if (c2e_buf_addn(&h->resp->body, data, n) < 0) {
		if (h->resp->body.len + n > h->max_response)
			h->too_big = true;
		else
			h->oom = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

/* `line` without its name and ": ", trimmed; NULL unless it is `name` */
static const char *header_value(const char *line, size_t n, const char *name,
                                size_t *len_out)
{
	size_t k = strlen(name), a, b;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	a = k + 1;
	b = n;
	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && isspace((unsigned char)line[b - 1]))
		b--;
	*len_out = b - a;
	return line + a;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *u)
{
	struct c2e_http *h = u;
	struct c2e_http_response *resp = h->resp;
	size_t n = size * nmemb, vlen = 0;
	const char *v;

	if (nmemb && n / nmemb != size)
		return 0;
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new header block (after 100 Continue, say) */
		free(resp->content_type);
		resp->content_type = NULL;
		resp->retry_after = -1;
		return n;
	}
	v = header_value(data, n, "Content-Type", &vlen);
	if (v && vlen <= HEADER_VALUE_MAX) {
		char *ct = c2e_strndup(v, vlen);

		if (!ct) {
			h->oom = true;
			return 0;
		}
		free(resp->content_type);
		resp->content_type = ct;
		return n;
	}
	v = header_value(data, n, "Content-Length", &vlen);
	if (v && vlen > 0 && vlen < 20 && resp->body.len == 0) {
		char tmp[20];
		long len;

		/* room for the whole body at once, unless it is too big */
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		if (isdigit((unsigned char)tmp[0]) &&
		    c2e_str_to_long(tmp, &len) == 0 && len > 0 &&
		    (size_t)len <= h->max_response &&
		    c2e_buf_reserve(&resp->body, (size_t)len) < 0) {
			h->oom = true;
			return 0;
		}
		return n;
	}
	v = header_value(data, n, "Retry-After", &vlen);
	if (v && vlen > 0 && vlen < 20) {
		char tmp[20];
		long secs;

		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		/* the delay-seconds form only; an HTTP date is ignored */
		if (isdigit((unsigned char)tmp[0]) &&
		    c2e_str_to_long(tmp, &secs) == 0 && secs >= 0)
			resp->retry_after = secs;
	}
	return n;
}

/*
 * The body of a change is read through this callback instead of being
 * given as CURLOPT_POSTFIELDS, and it cannot be rewound (seek_never_cb).
 * libcurl sends a request again on a new connection when a reused one
 * closes before any answer arrives; for that it must rewind the body,
 * which fails the transfer (CURLE_SEND_FAIL_REWIND) instead.  So a change
 * leaves at most once, and h->up_off > 0 tells that it may have left.
 */
static size_t read_once_cb(char *dst, size_t size, size_t nitems, void *u)
{
	struct c2e_http *h = u;
	size_t room = size * nitems, n = h->up_len - h->up_off;

	if (n == 0)
		return 0;
	if (n > room)
		n = room;
	memcpy(dst, h->up + h->up_off, n);
	h->up_off += n;
	return n;
}

static int seek_never_cb(void *u, curl_off_t offset, int origin)
{
	(void)u;
	(void)offset;
	(void)origin;
	return CURL_SEEKFUNC_CANTSEEK;
}

int c2e_http_new(const struct c2e_http_opts *opts, struct c2e_http **out,
                 struct c2e_err *err)
{
	static const struct c2e_http_opts none;
	struct c2e_http *h = NULL;
	CURLcode cc = CURLE_OK;
	long connect_ms, total_ms;
	int rc = C2E_OK;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (opts->ca_bundle && access(opts->ca_bundle, R_OK) != 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "cannot read CA bundle '%s' (--ca-bundle): %s",
		                 opts->ca_bundle, strerror(errno));
		goto done;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		rc = c2e_err_oom(err);
		goto done;
	}
	h->max_response =
	        opts->max_response ? opts->max_response : C2E_BUF_DEFAULT_MAX;
	h->change_max_idle_s = opts->change_max_idle_s > 0 ?
	                               opts->change_max_idle_s :
	                               DEFAULT_CHANGE_MAX_IDLE_S;
	connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms :
	                                            DEFAULT_CONNECT_TIMEOUT_MS;
	total_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	h->curl = curl_easy_init();
	if (!h->curl) {
		rc = c2e_err_set(err, C2E_ENOMEM, "cannot start libcurl");
		goto done;
	}
	cc = curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR,
		                      "http,https");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cc == CURLE_OK && opts->ca_bundle)
		cc = curl_easy_setopt(h->curl, CURLOPT_CAINFO, opts->ca_bundle);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
		                      connect_ms);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, total_ms);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_USERAGENT,
		                      opts->user_agent ? opts->user_agent :
		                                         "ca2eca/" C2E_VERSION);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, write_cb);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION,
		                      header_cb);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_READDATA, h);
	if (cc == CURLE_OK) /* with h->up_len 0 it reads nothing */
		cc = curl_easy_setopt(h->curl, CURLOPT_READFUNCTION,
		                      read_once_cb);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_SEEKFUNCTION,
		                      seek_never_cb);
	if (cc != CURLE_OK) {
		rc = c2e_err_set(err, C2E_ERROR, "cannot set up libcurl: %s",
		                 curl_easy_strerror(cc));
		goto done;
	}
	*out = h;
	h = NULL;
done:
	c2e_http_free(h);
	return rc;
}

void c2e_http_free(struct c2e_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h);
}

unsigned long c2e_http_count(const struct c2e_http *h)
{
	return h ? h->count : 0;
}

static enum c2e_http_fail fail_of(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return C2E_HTTP_FAIL_NONE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return C2E_HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return C2E_HTTP_FAIL_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return C2E_HTTP_FAIL_RESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return C2E_HTTP_FAIL_TLS;
	default:
		return C2E_HTTP_FAIL_OTHER;
	}
}

/* Before a request: `resp` emptied; bodies may hold tokens: secret. */
static void response_reset(struct c2e_http_response *resp, size_t max)
{
	c2e_buf_release(&resp->body);
	c2e_buf_init(&resp->body, max);
	resp->body.secret = true;
	free(resp->content_type);
	resp->content_type = NULL;
	resp->status = 0;
	resp->retry_after = -1;
	resp->fail = C2E_HTTP_FAIL_NONE;
}

/*
 * Sets the method and body of the next transfer.  A change (req->once)
 * with a body may go on a kept-alive connection that answered less than
 * change_max_idle_s ago, its body read once through read_once_cb; a
 * change without a body always opens a new connection.
 */
static CURLcode set_method(struct c2e_http *h,
                           const struct c2e_http_request *req)
{
	CURL *c = h->curl;
	const char *m = req->method ? req->method : "GET";
	bool has_body = req->body != NULL, once_body = req->once && has_body;
	CURLcode cc;

	h->up = NULL;
	h->up_len = h->up_off = 0;
	cc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	if (cc != CURLE_OK)
		return cc;
	if (strcmp(m, "GET") == 0 || (strcmp(m, "DELETE") == 0 && !has_body)) {
		cc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (once_body) {
		h->up = req->body;
		h->up_len = req->body_len;
		cc = curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			                      (curl_off_t)req->body_len);
	} else {
		cc = curl_easy_setopt(
		        c, CURLOPT_POSTFIELDSIZE_LARGE,
		        (curl_off_t)(has_body ? req->body_len : 0));
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			                      has_body ? req->body : "");
	}
	if (cc == CURLE_OK && strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0)
		cc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_FRESH_CONNECT,
		                      req->once && !has_body ? 1L : 0L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(c, CURLOPT_MAXAGE_CONN,
		                      once_body ? h->change_max_idle_s :
		                                  DEFAULT_MAX_IDLE_S);
	return cc;
}

/* Drops pointers into the caller's request from the handle. */
static void clear_request(struct c2e_http *h)
{
	CURL *c = h->curl;

	h->up = NULL;
	h->up_len = h->up_off = 0;
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER,
	                       (struct curl_slist *)NULL);
	(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
	(void)curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
}

/* Frees a header list, wiping it first: headers carry tokens. */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		if (l->data)
			c2e_wipe(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static int build_headers(const struct c2e_http_request *req,
                         struct curl_slist **out, struct c2e_err *err)
{
	struct c2e_buf line = C2E_BUF_INIT;
	struct curl_slist *list = NULL, *next;
	int rc = C2E_OK;

	*out = NULL;
	line.secret = true;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct c2e_http_header *hd = &req->headers[i];

		c2e_buf_truncate(&line, 0);
		if (hd->value && hd->value[0])
			c2e_buf_addf(&line, "%s: %s", hd->name, hd->value);
		else
			c2e_buf_addf(&line, "%s;", hd->name); /* empty value */
		if (c2e_buf_failed(&line)) {
			rc = c2e_err_oom(err);
			goto done;
		}
		next = curl_slist_append(list, line.buf);
		if (!next) {
			rc = c2e_err_oom(err);
			goto done;
		}
		list = next;
	}
	if (req->body) {
		/* no "Expect: 100-continue" round trip before the body */
		next = curl_slist_append(list, "Expect:");
		if (!next) {
			rc = c2e_err_oom(err);
			goto done;
		}
		list = next;
	}
	*out = list;
	list = NULL;
done:
	free_headers(list);
	c2e_buf_release(&line);
	return rc;
}

int c2e_http_do(struct c2e_http *h, const struct c2e_http_request *req,
                struct c2e_http_response *resp, struct c2e_err *err)
{
	struct curl_slist *headers = NULL;
	char origin[300];
	CURLcode cc;
	long status = 0;
	int rc = C2E_OK;

	response_reset(resp, h->max_response);
	rc = c2e_url_check(req->url, req->url, err);
	if (rc < 0)
		goto done;
	url_origin(req->url, origin, sizeof(origin));
	rc = build_headers(req, &headers, err);
	if (rc < 0)
		goto done;
	cc = curl_easy_setopt(h->curl, CURLOPT_URL, req->url);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	if (cc == CURLE_OK)
		cc = set_method(h, req);
	if (cc != CURLE_OK) {
		rc = c2e_err_set(
		        err, cc == CURLE_OUT_OF_MEMORY ? C2E_ENOMEM : C2E_ERROR,
		        "cannot prepare the request to '%s': %s", origin,
		        curl_easy_strerror(cc));
		goto done;
	}
	h->errbuf[0] = '\0';
	h->resp = resp;
	h->too_big = false;
	h->oom = false;
	h->count++;
	cc = curl_easy_perform(h->curl);
	h->resp = NULL;
	if (cc == CURLE_OK) {
		if (curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		                      &status) != CURLE_OK)
			status = 0;
		resp->status = status;
		goto done;
	}
	/* no response: no status, and no partial body */
	resp->status = 0;
	c2e_buf_release(&resp->body);
	if (h->oom) {
		resp->fail = C2E_HTTP_FAIL_OTHER;
		rc = c2e_err_oom(err);
	} else if (h->too_big) {
		resp->fail = C2E_HTTP_FAIL_TOO_BIG;
		rc = c2e_err_set(
		        err, C2E_EREMOTE,
		        "the answer from '%s' is larger than %zu bytes", origin,
		        h->max_response);
	} else if (cc == CURLE_SEND_FAIL_REWIND ||
	           (h->up_off > 0 && fail_of(cc) == C2E_HTTP_FAIL_CONNECT)) {
		/*
		 * A change went on a kept-alive connection that closed before
		 * an answer; libcurl would have had to send it again.  It may
		 * have reached the server: never a "could not connect".
		 */
		resp->fail = C2E_HTTP_FAIL_RESET;
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the connection to '%s' closed before it "
		                 "answered",
		                 origin);
	} else {
		resp->fail = fail_of(cc);
		rc = c2e_err_set(
		        err, C2E_EREMOTE, "cannot reach '%s': %s%s", origin,
		        h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc),
		        resp->fail == C2E_HTTP_FAIL_TLS ?
		                "; if a proxy re-signs TLS traffic, give its CA "
		                "with --ca-bundle FILE" :
		                "");
	}
done:
	clear_request(h);
	free_headers(headers);
	return rc;
}

void c2e_http_response_release(struct c2e_http_response *resp)
{
	if (!resp)
		return;
	resp->body.secret = true;
	c2e_buf_release(&resp->body);
	c2e_buf_init(&resp->body, 0);
	free(resp->content_type);
	resp->content_type = NULL;
	resp->status = 0;
	resp->retry_after = -1;
	resp->fail = C2E_HTTP_FAIL_NONE;
}

void c2e_http_global_init(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

void c2e_http_global_cleanup(void)
{
	curl_global_cleanup();
}
