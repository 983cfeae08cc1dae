#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

#define MAX_CONNS 32

struct reply {
	char *raw;
	size_t len;
	enum test_httpd_after after;
	struct reply *next;
};

struct conn {
	int fd; /* -1: free slot */
	char *in;
	size_t len, cap;
	bool hung;
	bool any; /* bytes were received on it */
};

struct test_httpd {
	int lfd;
	int wake[2];
	pthread_t thread;
	pthread_mutex_t mu;
	struct reply *head, *tail;
	unsigned long n_conns, n_reqs;
	char **reqs;
	size_t reqs_cap;
	unsigned short port;
	char url[64];
	struct conn conns[MAX_CONNS];
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the client went away: fine */
		p += w;
		n -= (size_t)w;
	}
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* The Content-Length of a request head, 0 when absent. */
static size_t content_length(const char *head, size_t n)
{
	static const char name[] = "\r\ncontent-length:";
	size_t k = sizeof(name) - 1;

	for (size_t i = 0; i + k <= n; i++) {
		if (strncasecmp(head + i, name, k) == 0) {
			size_t v = 0;

			i += k;
			while (i < n && head[i] == ' ')
				i++;
			while (i < n && head[i] >= '0' && head[i] <= '9')
				v = v * 10 + (size_t)(head[i++] - '0');
			return v;
		}
	}
	return 0;
}

static void record(struct test_httpd *s, const char *p, size_t n)
{
	char *copy = xmalloc(n + 1);

	memcpy(copy, p, n);
	copy[n] = '\0';
	pthread_mutex_lock(&s->mu);
	if (s->n_reqs == s->reqs_cap) {
		size_t cap = s->reqs_cap ? s->reqs_cap * 2 : 16;
		char **v = realloc(s->reqs, cap * sizeof(*v));

		if (!v)
			abort();
		s->reqs = v;
		s->reqs_cap = cap;
	}
	s->reqs[s->n_reqs++] = copy;
	pthread_mutex_unlock(&s->mu);
}

static struct reply *next_reply(struct test_httpd *s)
{
	struct reply *r;

	pthread_mutex_lock(&s->mu);
	r = s->head;
	if (r) {
		s->head = r->next;
		if (!s->head)
			s->tail = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* Answers every complete request in the buffer; false: conn closed. */
static bool serve(struct test_httpd *s, struct conn *c)
{
	static const char none[] = "HTTP/1.1 500 No Reply Queued\r\n"
	                           "Content-Length: 0\r\n\r\n";

	for (;;) {
		char *end;
		size_t head_len, total;
		struct reply *r;
		enum test_httpd_after after;

		if (c->len == 0)
			return true;
		end = NULL;
		for (size_t i = 0; i + 4 <= c->len; i++)
			if (memcmp(c->in + i, "\r\n\r\n", 4) == 0) {
				end = c->in + i + 4;
				break;
			}
		if (!end)
			return true;
		head_len = (size_t)(end - c->in);
		total = head_len + content_length(c->in, head_len);
		if (c->len < total)
			return true;
		record(s, c->in, total);
		memmove(c->in, c->in + total, c->len - total);
		c->len -= total;
		r = next_reply(s);
		if (!r) {
			send_all(c->fd, none, sizeof(none) - 1);
			continue;
		}
		after = r->after;
		if (after != TEST_HTTPD_HANG)
			send_all(c->fd, r->raw, r->len);
		free(r->raw);
		free(r);
		if (after == TEST_HTTPD_CLOSE) {
			conn_close(c);
			return false;
		}
		if (after == TEST_HTTPD_HANG) {
			c->hung = true;
			return true;
		}
	}
}

static void on_readable(struct test_httpd *s, struct conn *c)
{
	char chunk[4096];
	ssize_t n = recv(c->fd, chunk, sizeof(chunk), 0);

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	if (c->hung)
		return; /* never answers: drop what arrives */
	if (!c->any && (unsigned char)chunk[0] == 0x16) {
		static const char plain[] = "HTTP/1.1 400 Bad Request\r\n"
		                            "Content-Length: 0\r\n\r\n";

		/* a TLS ClientHello on a plain-text server */
		send_all(c->fd, plain, sizeof(plain) - 1);
		conn_close(c);
		return;
	}
	c->any = true;
	if (c->len + (size_t)n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 8192;
		char *p;

		while (cap < c->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(c->in, cap);
		if (!p)
			abort();
		c->in = p;
		c->cap = cap;
	}
	memcpy(c->in + c->len, chunk, (size_t)n);
	c->len += (size_t)n;
	serve(s, c);
}

static void on_accept(struct test_httpd *s)
{
	int fd = accept(s->lfd, NULL, NULL);

	if (fd < 0)
		return;
	pthread_mutex_lock(&s->mu);
	s->n_conns++;
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (s->conns[i].fd < 0) {
			s->conns[i].fd = fd;
			return;
		}
	}
	close(fd);
}

static void *run(void *arg)
{
	struct test_httpd *s = arg;

	for (;;) {
		struct pollfd pf[MAX_CONNS + 2];
		size_t map[MAX_CONNS + 2];
		nfds_t n = 0;

		pf[n].fd = s->wake[0];
		pf[n++].events = POLLIN;
		pf[n].fd = s->lfd;
		pf[n++].events = POLLIN;
		for (size_t i = 0; i < MAX_CONNS; i++) {
			if (s->conns[i].fd < 0)
				continue;
			map[n] = i;
			pf[n].fd = s->conns[i].fd;
			pf[n++].events = POLLIN;
		}
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		if (pf[0].revents)
			break;
		for (nfds_t i = 2; i < n; i++)
			if (pf[i].revents)
				on_readable(s, &s->conns[map[i]]);
		if (pf[1].revents & POLLIN)
			on_accept(s);
	}
	return NULL;
}

struct test_httpd *test_httpd_start(void)
{
	struct test_httpd *s = xmalloc(sizeof(*s));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < MAX_CONNS; i++)
		s->conns[i].fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		test__fail(__FILE__, __LINE__, "socket: %s", strerror(errno));
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 16) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0)
		test__fail(__FILE__, __LINE__, "listen: %s", strerror(errno));
	s->port = ntohs(sa.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u",
	         (unsigned int)s->port);
	if (pipe(s->wake) < 0)
		test__fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
	if (pthread_create(&s->thread, NULL, run, s) != 0)
		test__fail(__FILE__, __LINE__, "pthread_create failed");
	return s;
}

void test_httpd_stop(struct test_httpd *s)
{
	struct reply *r;

	if (!s)
		return;
	if (write(s->wake[1], "x", 1) != 1)
		abort();
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	while ((r = s->head) != NULL) {
		s->head = r->next;
		free(r->raw);
		free(r);
	}
	for (unsigned long i = 0; i < s->n_reqs; i++)
		free(s->reqs[i]);
	free(s->reqs);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const char *test_httpd_url(const struct test_httpd *s)
{
	return s->url;
}

unsigned short test_httpd_port(const struct test_httpd *s)
{
	return s->port;
}

void test_httpd_reply_raw(struct test_httpd *s, const void *raw, size_t len,
                          enum test_httpd_after after)
{
	struct reply *r = xmalloc(sizeof(*r));

	r->raw = xmalloc(len);
	memcpy(r->raw, raw, len);
	r->len = len;
	r->after = after;
	r->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	pthread_mutex_unlock(&s->mu);
}

void test_httpd_reply(struct test_httpd *s, int status, const char *headers,
                      const void *body, size_t len)
{
	char head[2048];
	char *raw;
	int n;

	n = snprintf(head, sizeof(head),
	             "HTTP/1.1 %d Test\r\n%sContent-Length: %zu\r\n\r\n",
	             status, headers ? headers : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		abort();
	raw = xmalloc((size_t)n + len);
	memcpy(raw, head, (size_t)n);
	if (len)
		memcpy(raw + n, body, len);
	test_httpd_reply_raw(s, raw, (size_t)n + len, TEST_HTTPD_KEEP);
	free(raw);
}

unsigned long test_httpd_connections(struct test_httpd *s)
{
	unsigned long n;

	pthread_mutex_lock(&s->mu);
	n = s->n_conns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

unsigned long test_httpd_requests(struct test_httpd *s)
{
	unsigned long n;

	pthread_mutex_lock(&s->mu);
	n = s->n_reqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

char *test_httpd_request(struct test_httpd *s, unsigned long i)
{
	char *copy = NULL;

	pthread_mutex_lock(&s->mu);
	if (i < s->n_reqs) {
		size_t n = strlen(s->reqs[i]);

		copy = xmalloc(n + 1);
		memcpy(copy, s->reqs[i], n + 1);
	}
	pthread_mutex_unlock(&s->mu);
	return copy;
}

unsigned short test_httpd_closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	unsigned short port;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		test__fail(__FILE__, __LINE__, "socket: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		test__fail(__FILE__, __LINE__, "bind: %s", strerror(errno));
	}
	port = ntohs(sa.sin_port);
	close(fd); /* bound, never listened: nothing answers there now */
	return port;
}
