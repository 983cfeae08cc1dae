#include "test.h"
#include "httpd.h"
#include "remote/http.h"
#include "util/str.h"

#include <stdlib.h>
#include <time.h>

#define SECRET_TOKEN "00Dxx0000001gEREAY!ARsecret.token.value"
#define SECRET_BODY  "assertion=secret-body-value"

static const unsigned char gzip_hello[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
	0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0xaf, 0xca,
	0x2c, 0x50, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0x01, 0x00, 0xeb,
	0x83, 0x46, 0x82, 0x11, 0x00, 0x00, 0x00
}; /* "hello, gzip world" */

static struct c2e_http *new_http(long timeout_ms, size_t max)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_opts o;
	struct c2e_http *h = NULL;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = 2000;
	o.max_response = max;
	if (c2e_http_new(&o, &h, &err) != C2E_OK)
		test__fail(__FILE__, __LINE__, "c2e_http_new: %s", err.msg);
	return h;
}

static char *url_of(struct test_httpd *s, const char *path)
{
	size_t n = strlen(test_httpd_url(s)) + strlen(path) + 1;
	char *u = malloc(n);

	if (!u)
		abort();
	snprintf(u, n, "%s%s", test_httpd_url(s), path);
	return u;
}

static int get(struct c2e_http *h, const char *url,
               struct c2e_http_response *resp, struct c2e_err *err)
{
	struct c2e_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	return c2e_http_do(h, &req, resp, err);
}

/* A request that carries a token in a header and a secret body. */
static int post_secret(struct c2e_http *h, const char *url,
                       struct c2e_http_response *resp, struct c2e_err *err)
{
	static const struct c2e_http_header hd[] = {
		{ "Authorization", "Bearer " SECRET_TOKEN },
		{ "Content-Type", "application/x-www-form-urlencoded" },
	};
	struct c2e_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hd;
	req.n_headers = 2;
	req.body = SECRET_BODY;
	req.body_len = strlen(SECRET_BODY);
	return c2e_http_do(h, &req, resp, err);
}

/* A change (req.once): never to be sent twice. */
static int post_change(struct c2e_http *h, const char *url,
                       struct c2e_http_response *resp, struct c2e_err *err)
{
	static const char body[] = "<create>one</create>";
	struct c2e_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = sizeof(body) - 1;
	req.once = true;
	return c2e_http_do(h, &req, resp, err);
}

static void assert_no_secret(const char *msg)
{
	ASSERT(strstr(msg, "secret") == NULL);
	ASSERT(strstr(msg, "00Dxx0000001gEREAY") == NULL);
	ASSERT(strstr(msg, "Bearer") == NULL);
}

static void test_http__get_200(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	static const struct c2e_http_header hd[] = { { "X-Test", "one" } };
	struct c2e_http_request req;
	char *url = url_of(s, "/services/data?q=1");
	char *got;

	test_httpd_reply(s, 200, "Content-Type: text/plain; charset=utf-8\r\n",
	                 "hello", 5);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = hd;
	req.n_headers = 1;
	ASSERT_OK(c2e_http_do(h, &req, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 200);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_NONE);
	ASSERT_STR_EQ(resp.body.buf, "hello");
	ASSERT_INT_EQ(resp.body.len, 5);
	ASSERT_STR_EQ(resp.content_type, "text/plain; charset=utf-8");
	ASSERT_INT_EQ(resp.retry_after, -1);
	got = test_httpd_request(s, 0);
	ASSERT_NOT_NULL(got);
	ASSERT(strncmp(got, "GET /services/data?q=1 HTTP/1.1\r\n", 33) == 0);
	ASSERT_STR_CONTAINS(got, "\r\nUser-Agent: ca2eca/" C2E_VERSION "\r\n");
	ASSERT_STR_CONTAINS(got, "\r\nX-Test: one\r\n");
	ASSERT_STR_CONTAINS(got, "\r\nAccept-Encoding: ");
	ASSERT_STR_CONTAINS(got, "gzip");
	ASSERT_INT_EQ(c2e_http_count(h), 1);
	free(got);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__reuses_the_connection(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/a");

	test_httpd_reply(s, 200, NULL, "one", 3);
	test_httpd_reply(s, 200, NULL, "two", 3);
	test_httpd_reply(s, 204, NULL, NULL, 0);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_STR_EQ(resp.body.buf, "one");
	ASSERT_NULL(resp.content_type);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_STR_EQ(resp.body.buf, "two"); /* reset, not appended */
	ASSERT_OK(post_secret(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 204);
	ASSERT_INT_EQ(resp.body.len, 0);
	ASSERT_INT_EQ(test_httpd_connections(s), 1);
	ASSERT_INT_EQ(test_httpd_requests(s), 3);
	ASSERT_INT_EQ(c2e_http_count(h), 3);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__methods_and_bodies(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	struct c2e_http_request req;
	char *url = url_of(s, "/x");
	char *got;

	for (int i = 0; i < 5; i++)
		test_httpd_reply(s, 200, NULL, "ok", 2);
	ASSERT_OK(post_secret(h, url, &resp, &err), &err);
	got = test_httpd_request(s, 0);
	ASSERT(strncmp(got, "POST /x HTTP/1.1\r\n", 18) == 0);
	ASSERT_STR_CONTAINS(got, "\r\nContent-Type: application/"
	                         "x-www-form-urlencoded\r\n");
	ASSERT_STR_CONTAINS(got, "\r\nAuthorization: Bearer " SECRET_TOKEN);
	ASSERT(strstr(got, "Expect:") == NULL);
	ASSERT(c2e_str_ends(got, "\r\n\r\n" SECRET_BODY));
	free(got);

	memset(&req, 0, sizeof(req));
	req.method = "PATCH";
	req.url = url;
	req.body = "{\"a\":1}";
	req.body_len = 7;
	ASSERT_OK(c2e_http_do(h, &req, &resp, &err), &err);
	got = test_httpd_request(s, 1);
	ASSERT(strncmp(got, "PATCH /x HTTP/1.1\r\n", 19) == 0);
	ASSERT_STR_CONTAINS(got, "Content-Length: 7\r\n");
	ASSERT_STR_CONTAINS(got, "\r\n\r\n{\"a\":1}");
	free(got);

	req.method = "DELETE";
	req.body = NULL;
	req.body_len = 0;
	ASSERT_OK(c2e_http_do(h, &req, &resp, &err), &err);
	got = test_httpd_request(s, 2);
	ASSERT(strncmp(got, "DELETE /x HTTP/1.1\r\n", 20) == 0);
	ASSERT(strstr(got, "Content-Length") == NULL);
	free(got);

	/* after a POST and a DELETE, a GET is a plain GET again */
	ASSERT_OK(get(h, url, &resp, &err), &err);
	got = test_httpd_request(s, 3);
	ASSERT(strncmp(got, "GET /x HTTP/1.1\r\n", 17) == 0);
	ASSERT(strstr(got, "Content-Length") == NULL);
	ASSERT(strstr(got, "Authorization") == NULL);
	free(got);

	req.method = "POST";
	req.body = "";
	ASSERT_OK(c2e_http_do(h, &req, &resp, &err), &err);
	got = test_httpd_request(s, 4);
	ASSERT(strncmp(got, "POST /x HTTP/1.1\r\n", 18) == 0);
	ASSERT_STR_CONTAINS(got, "Content-Length: 0\r\n");
	free(got);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__gzip_body_is_decoded(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/gz");

	test_httpd_reply(s, 200,
	                 "Content-Encoding: gzip\r\n"
	                 "Content-Type: application/json\r\n",
	                 gzip_hello, sizeof(gzip_hello));
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_STR_EQ(resp.body.buf, "hello, gzip world");
	ASSERT_STR_EQ(resp.content_type, "application/json");
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__error_statuses_are_responses(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/e");

	test_httpd_reply(s, 500, NULL, "boom", 4);
	test_httpd_reply(s, 429, "Retry-After: 7\r\n", "slow down", 9);
	test_httpd_reply(s, 503, "retry-after:  120 \r\n", NULL, 0);
	test_httpd_reply(s, 429,
	                 "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", NULL,
	                 0);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 500);
	ASSERT_STR_EQ(resp.body.buf, "boom");
	ASSERT_INT_EQ(resp.retry_after, -1);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 429);
	ASSERT_INT_EQ(resp.retry_after, 7);
	ASSERT_STR_EQ(resp.body.buf, "slow down");
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 503);
	ASSERT_INT_EQ(resp.retry_after, 120);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.retry_after, -1); /* the date form is not kept */
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_NONE);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__body_over_the_cap(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 16);
	char *url = url_of(s, "/big");
	char big[100], want[128];

	memset(big, 'x', sizeof(big));
	test_httpd_reply(s, 200, NULL, big, sizeof(big));
	test_httpd_reply(s, 200, NULL, big, 16);
	ASSERT_INT_EQ(get(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_TOO_BIG);
	ASSERT_INT_EQ(resp.status, 0);
	ASSERT_INT_EQ(resp.body.len, 0);
	snprintf(want, sizeof(want),
	         "the answer from '%s' is larger than 16 bytes",
	         test_httpd_url(s));
	ASSERT_STR_EQ(err.msg, want);
	/* exactly the cap is fine */
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.body.len, 16);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__closed_mid_body(void)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
	                          "\r\nonly part";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/cut");
	char want[128];

	test_httpd_reply_raw(s, raw, sizeof(raw) - 1, TEST_HTTPD_CLOSE);
	test_httpd_reply_raw(s, "", 0, TEST_HTTPD_CLOSE);
	ASSERT_INT_EQ(post_secret(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_RESET);
	ASSERT_INT_EQ(resp.status, 0);
	snprintf(want, sizeof(want), "cannot reach '%s': ", test_httpd_url(s));
	ASSERT_STR_CONTAINS(err.msg, want);
	assert_no_secret(err.msg);
	/* closed without a byte: nothing came back */
	ASSERT_INT_EQ(post_secret(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_RESET);
	assert_no_secret(err.msg);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

/* A change goes on the connection a read has just used. */
static void test_http__change_reuses_a_fresh_connection(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/c");
	char *got;

	test_httpd_reply(s, 200, NULL, "read", 4);
	test_httpd_reply(s, 201, NULL, "made", 4);
	test_httpd_reply(s, 200, NULL, "read", 4);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_OK(post_change(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(resp.status, 201);
	ASSERT_STR_EQ(resp.body.buf, "made");
	got = test_httpd_request(s, 1);
	ASSERT(strncmp(got, "POST /c HTTP/1.1\r\n", 18) == 0);
	ASSERT_STR_CONTAINS(got, "\r\nContent-Length: 20\r\n");
	ASSERT(strstr(got, "chunked") == NULL);
	ASSERT(c2e_str_ends(got, "\r\n\r\n<create>one</create>"));
	free(got);
	/* the handle reads normally after a change */
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_STR_EQ(resp.body.buf, "read");
	ASSERT_INT_EQ(test_httpd_connections(s), 1);
	ASSERT_INT_EQ(test_httpd_requests(s), 3);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

/*
 * The server takes a request on a kept-alive connection and closes it
 * without a byte of answer.  libcurl sends a read again on a new
 * connection; a change must arrive once and fail as "may have arrived".
 */
static void test_http__change_is_never_sent_twice(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char *url = url_of(s, "/c");
	char want[128];

	/* a read: libcurl repeats it (what the change is protected from) */
	test_httpd_reply(s, 200, NULL, "one", 3);
	test_httpd_reply_raw(s, "", 0, TEST_HTTPD_CLOSE);
	test_httpd_reply(s, 200, NULL, "two", 3);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_OK(post_secret(h, url, &resp, &err), &err);
	ASSERT_STR_EQ(resp.body.buf, "two");
	ASSERT_INT_EQ(test_httpd_requests(s), 3);
	ASSERT_INT_EQ(test_httpd_connections(s), 2);

	/* a change on the kept-alive connection: taken, then no answer */
	test_httpd_reply_raw(s, "", 0, TEST_HTTPD_CLOSE);
	test_httpd_reply(s, 201, NULL, "twice", 5);
	ASSERT_INT_EQ(post_change(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_RESET);
	ASSERT_INT_EQ(resp.status, 0);
	ASSERT_INT_EQ(resp.body.len, 0);
	snprintf(want, sizeof(want),
	         "the connection to '%s' closed before it answered",
	         test_httpd_url(s));
	ASSERT_STR_EQ(err.msg, want);
	ASSERT_INT_EQ(test_httpd_requests(s), 4); /* not 5 */
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

/* A connection idle longer than change_max_idle_s is not used for a change. */
static void test_http__change_after_idle_opens_a_connection(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http_opts o;
	struct c2e_http *h = NULL;
	char *url = url_of(s, "/c");
	struct timespec pause = { 2, 200000000 };

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 5000;
	o.change_max_idle_s = 1;
	ASSERT_OK(c2e_http_new(&o, &h, &err), &err);
	for (int i = 0; i < 4; i++)
		test_httpd_reply(s, 200, NULL, "ok", 2);
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_OK(post_change(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(test_httpd_connections(s), 1);
	while (nanosleep(&pause, &pause) != 0)
		;
	ASSERT_OK(post_change(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(test_httpd_connections(s), 2);
	/* a read still reuses a connection that old */
	while (nanosleep(&pause, &pause) != 0)
		;
	ASSERT_OK(get(h, url, &resp, &err), &err);
	ASSERT_INT_EQ(test_httpd_connections(s), 2);
	ASSERT_INT_EQ(test_httpd_requests(s), 4);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__timeout(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(300, 0);
	char *url = url_of(s, "/slow");

	test_httpd_reply_raw(s, "", 0, TEST_HTTPD_HANG);
	ASSERT_INT_EQ(post_secret(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_TIMEOUT);
	ASSERT_STR_CONTAINS(err.msg, "cannot reach 'http://127.0.0.1:");
	ASSERT(strstr(err.msg, "/slow") == NULL);
	assert_no_secret(err.msg);
	free(url);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__refused(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_http *h = new_http(5000, 0);
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/services",
	         (unsigned int)test_httpd_closed_port());
	ASSERT_INT_EQ(post_secret(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_CONNECT);
	ASSERT_INT_EQ(resp.status, 0);
	ASSERT_STR_CONTAINS(err.msg, "cannot reach 'http://127.0.0.1:");
	assert_no_secret(err.msg);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
}

static void test_http__tls_failure(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct test_httpd *s = test_httpd_start();
	struct c2e_http *h = new_http(5000, 0);
	char url[64];

	/* https to a plain-text server: the handshake fails */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/x",
	         (unsigned int)test_httpd_port(s));
	ASSERT_INT_EQ(post_secret(h, url, &resp, &err), C2E_EREMOTE);
	ASSERT_INT_EQ(resp.fail, C2E_HTTP_FAIL_TLS);
	ASSERT_STR_CONTAINS(err.msg, "cannot reach 'https://127.0.0.1:");
	ASSERT_STR_CONTAINS(err.msg, "--ca-bundle");
	assert_no_secret(err.msg);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
	test_httpd_stop(s);
}

static void test_http__non_loopback_http_is_refused(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_http *h = new_http(5000, 0);

	ASSERT_INT_EQ(get(h, "http://example.com/x", &resp, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "must be an https:// URL");
	ASSERT_INT_EQ(get(h, "ftp://127.0.0.1/x", &resp, &err), C2E_EUSAGE);
	ASSERT_INT_EQ(c2e_http_count(h), 0);
	c2e_http_response_release(&resp);
	c2e_http_free(h);
}

static void test_http__unreadable_ca_bundle(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_opts o;
	struct c2e_http *h = NULL;

	memset(&o, 0, sizeof(o));
	o.ca_bundle = "/nonexistent/ca.pem";
	ASSERT_INT_EQ(c2e_http_new(&o, &h, &err), C2E_EDATA);
	ASSERT_NULL(h);
	ASSERT_STR_CONTAINS(err.msg, "'/nonexistent/ca.pem'");
	ASSERT_STR_CONTAINS(err.msg, "--ca-bundle");
	/* a readable bundle is accepted; NULL options are the defaults */
	o.ca_bundle = "/dev/null";
	ASSERT_OK(c2e_http_new(&o, &h, &err), &err);
	c2e_http_free(h);
	h = NULL;
	ASSERT_OK(c2e_http_new(NULL, &h, &err), &err);
	c2e_http_free(h);
	c2e_http_free(NULL);
}

static void url_ok(const char *url)
{
	struct c2e_err err = C2E_ERR_INIT;

	if (c2e_url_check(url, "--login-url", &err) != C2E_OK)
		test__fail(__FILE__, __LINE__, "%s refused: %s", url, err.msg);
}

static void url_bad(const char *url)
{
	struct c2e_err err = C2E_ERR_INIT;

	if (c2e_url_check(url, "--login-url", &err) != C2E_EUSAGE)
		test__fail(__FILE__, __LINE__, "%s accepted", url);
	ASSERT_STR_EQ(err.msg, "'--login-url' must be an https:// URL "
	                       "(http:// is allowed only for loopback hosts)");
}

static void test_http__url_check(void)
{
	url_ok("https://login.salesforce.com");
	url_ok("https://login.salesforce.com/");
	url_ok("HTTPS://acme.my.salesforce.com:443/services/oauth2/token");
	url_ok("https://acme--dev.sandbox.my.salesforce.com?x=1");
	url_ok("http://127.0.0.1:8080");
	url_ok("http://127.1.2.3/x");
	url_ok("http://localhost:1/");
	url_ok("http://LOCALHOST");
	url_ok("http://[::1]:9000/services");
	url_ok("https://[2001:db8::1]/");

	url_bad(NULL);
	url_bad("");
	url_bad("http://example.com");
	url_bad("http://128.0.0.1/");
	url_bad("http://127.0.0.1.example.com/");
	url_bad("http://127.0.0/");
	url_bad("http://127.0.0.256/");
	url_bad("http://localhost.example.com/");
	url_bad("http://[::2]/");
	url_bad("ftp://127.0.0.1/");
	url_bad("login.salesforce.com");
	url_bad("//login.salesforce.com");
	url_bad("https://");
	url_bad("https:///path");
	url_bad("https://user:pw@login.salesforce.com");
	url_bad("http://user@127.0.0.1/");
	url_bad("https://login.salesforce.com:/");
	url_bad("https://login.salesforce.com:99999/");
	url_bad("https://login.salesforce.com:8a/");
	url_bad("https://login salesforce.com/");
	url_bad("https://login.salesforce.com/\n");
	url_bad("https://[::1/");
}

static void check_escape(const char *in, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_buf_adds(&b, "a=");
	ASSERT_OK(c2e_url_escape(in, &b, &err), &err);
	ASSERT(strncmp(b.buf, "a=", 2) == 0);
	ASSERT_STR_EQ(b.buf + 2, want);
	c2e_buf_release(&b);
}

static void test_http__url_escape(void)
{
	check_escape("", "");
	check_escape("AZaz09-._~", "AZaz09-._~");
	check_escape("urn:ietf:params:oauth:grant-type:jwt-bearer",
	             "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
	check_escape("a b+c&d=e/f?g#h%", "a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25");
	check_escape("\xc3\xa9\x01\x7f", "%C3%A9%01%7F");
}

int main(void)
{
	/* the loopback server must be reached directly */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	c2e_http_global_init();
	RUN(test_http__get_200);
	RUN(test_http__reuses_the_connection);
	RUN(test_http__methods_and_bodies);
	RUN(test_http__gzip_body_is_decoded);
	RUN(test_http__error_statuses_are_responses);
	RUN(test_http__body_over_the_cap);
	RUN(test_http__closed_mid_body);
	RUN(test_http__change_reuses_a_fresh_connection);
	RUN(test_http__change_is_never_sent_twice);
	RUN(test_http__change_after_idle_opens_a_connection);
	RUN(test_http__timeout);
	RUN(test_http__refused);
	RUN(test_http__tls_failure);
	RUN(test_http__non_loopback_http_is_refused);
	RUN(test_http__unreadable_ca_bundle);
	RUN(test_http__url_check);
	RUN(test_http__url_escape);
	c2e_http_global_cleanup();
	return test_summary();
}
