/*
 * httpd.h - a tiny scripted HTTP/1.1 server on 127.0.0.1 for unit tests.
 *
 *   struct test_httpd *s = test_httpd_start();
 *   test_httpd_reply(s, 200, "Content-Type: text/plain\r\n", "hi", 2);
 *   ... request test_httpd_url(s) ...
 *   test_httpd_stop(s);
 *
 * A server thread answers each complete request (head plus Content-Length
 * body) with the next queued reply, in order; with none queued it answers
 * 500.  Several connections may be open at once.  A connection that
 * starts with a TLS handshake gets a plain-text answer and is closed.
 */
#ifndef C2E_TEST_HTTPD_H
#define C2E_TEST_HTTPD_H

#include <stddef.h>

enum test_httpd_after {
	TEST_HTTPD_KEEP, /* keep the connection open for the next request */
	TEST_HTTPD_CLOSE, /* close it after sending */
	TEST_HTTPD_HANG /* send nothing and never answer on it again */
};

struct test_httpd;

/* Starts a server on an ephemeral port, or fails the test. */
struct test_httpd *test_httpd_start(void);
/* Stops the thread, closes every socket and frees the server. */
void test_httpd_stop(struct test_httpd *s);

/* "http://127.0.0.1:PORT" (no trailing slash). */
const char *test_httpd_url(const struct test_httpd *s);
unsigned short test_httpd_port(const struct test_httpd *s);

/*
 * Queues a reply: the status line, `headers` (whole "Name: value\r\n"
 * lines, may be NULL), a Content-Length and the body.
 */
void test_httpd_reply(struct test_httpd *s, int status, const char *headers,
                      const void *body, size_t len);
/* Queues raw bytes to send as they are, then `after`. */
void test_httpd_reply_raw(struct test_httpd *s, const void *raw, size_t len,
                          enum test_httpd_after after);

/* Accepted connections and received requests so far. */
unsigned long test_httpd_connections(struct test_httpd *s);
unsigned long test_httpd_requests(struct test_httpd *s);
/*
 * A copy of request `i` (0-based): head and body as received, NUL-
 * terminated; NULL when there is no such request.  Caller frees.
 */
char *test_httpd_request(struct test_httpd *s, unsigned long i);

/* A port on 127.0.0.1 where nothing listens (connections are refused). */
unsigned short test_httpd_closed_port(void);

#endif
