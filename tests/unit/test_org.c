#include "test.h"
#include "httpd.h"
#include "remote/mdapi.h"
#include "remote/org.h"
#include "remote/rest.h"

#include <stdlib.h>
#include <time.h>

#include "util/xml.h"

#include "util/compat.h"

#define TOKEN "00Dxx0000001gPLEAY!AQtest.token.value"
#define ECA   "ExternalClientApplication"

/* --- backoff --- */

static void test_org__backoff_bounds(void)
{
	/* full jitter: rnd * min(max, base * 2^(attempt-1)) */
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 1, 0.0), 0);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 1, 0.5), 250);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 2, 0.5), 500);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 3, 0.5), 1000);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 6, 0.5), 8000);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 7, 0.5), 10000); /* cap */
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 8, 0.5), 10000);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 1000000, 0.5), 10000);
	ASSERT_INT_EQ(c2e_backoff_ms(1, 20000, 64, 0.5), 10000);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 300, 1, 0.5), 150);
	/* the edges of rnd, and nonsense in */
	ASSERT(c2e_backoff_ms(500, 20000, 2, 0.999999) < 1000);
	ASSERT(c2e_backoff_ms(500, 20000, 2, 0.999999) >= 999);
	ASSERT(c2e_backoff_ms(500, 20000, 2, 1.0) < 1000);
	ASSERT(c2e_backoff_ms(500, 20000, 2, 7.0) < 1000);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 2, -1.0), 0);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, 0, 0.5), 250);
	ASSERT_INT_EQ(c2e_backoff_ms(500, 20000, -3, 0.5), 250);
	ASSERT_INT_EQ(c2e_backoff_ms(0, 20000, 3, 0.5), 0);
	ASSERT_INT_EQ(c2e_backoff_ms(-5, 20000, 3, 0.5), 0);
}

static void test_org__backoff_jitter(void)
{
	long prev = -1;

	/* deterministic for a given rnd, growing with rnd, inside the cap */
	for (int a = 1; a <= 10; a++)
		ASSERT_INT_EQ(c2e_backoff_ms(100, 5000, a, 0.37),
		              c2e_backoff_ms(100, 5000, a, 0.37));
	for (double r = 0.0; r < 1.0; r += 0.05) {
		long d = c2e_backoff_ms(100, 5000, 4, r);

		ASSERT(d >= prev);
		ASSERT(d >= 0 && d < 800);
		prev = d;
	}
}

/* --- against the loopback server --- */

static char *fixture(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/fixtures/soap/%s", test_source_dir(),
	         name);
	return test_slurp(path, len);
}

static void reply_file(struct test_httpd *s, int status, const char *headers,
                       const char *name)
{
	size_t len;
	char *body = fixture(name, &len);

	test_httpd_reply(s, status, headers, body, len);
	free(body);
}

static void reply_json(struct test_httpd *s, int status, const char *json)
{
	test_httpd_reply(s, status, "Content-Type: application/json\r\n", json,
	                 strlen(json));
}

/* Opens an org on the server with the token method. */
static struct c2e_org *open_org(struct test_httpd *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_org_opts o;
	struct c2e_org *org = NULL;

	memset(&o, 0, sizeof(o));
	o.auth.instance_url = test_httpd_url(s);
	o.http.connect_timeout_ms = 2000;
	o.http.timeout_ms = 5000;
	ASSERT_OK(c2e_org_open(&o, &org, &err), &err);
	return org;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void test_org__open_checks_the_version(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_org_opts o;
	struct c2e_org *org = NULL;
	const char *bad[] = { "66", "v66.0", "66.00", "6.0", "66.x", "" };

	memset(&o, 0, sizeof(o));
	o.auth.instance_url = "http://127.0.0.1:1";
	for (size_t i = 0; i < C2E_ARRAY_SIZE(bad); i++) {
		o.api_version = bad[i];
		ASSERT_INT_EQ(c2e_org_open(&o, &org, &err), C2E_EUSAGE);
		ASSERT_NULL(org);
		ASSERT_STR_CONTAINS(err.msg, "is not valid: give it as NN.N");
	}
	o.api_version = "61.0";
	ASSERT_OK(c2e_org_open(&o, &org, &err), &err);
	ASSERT_STR_EQ(c2e_org_api_version(org), "61.0");
	ASSERT_STR_EQ(c2e_org_session(org)->instance_url, "http://127.0.0.1:1");
	ASSERT_NOT_NULL(c2e_org_http(org));
	c2e_org_free(org);
	org = NULL;
	o.api_version = NULL;
	ASSERT_OK(c2e_org_open(&o, &org, &err), &err);
	ASSERT_STR_EQ(c2e_org_api_version(org), "66.0");
	c2e_org_free(org);
}

/* A read that gets 500 then 200 is retried; the request is well-formed. */
static void test_org__read_retried_after_500(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B", "Missing" };
	struct c2e_md_doc *docs[3] = { NULL, NULL, NULL };
	char *req;

	reply_file(s, 500, "Content-Type: text/html\r\n", "proxy-503.html");
	reply_file(s, 200, "Content-Type: text/xml\r\n", "read-eca.xml");
	ASSERT_OK(c2e_mdapi_read(org, ECA, names, 3, docs, &err), &err);
	ASSERT_STR_EQ(docs[0]->full_name, "App_A");
	ASSERT_STR_EQ(docs[1]->full_name, "App_B");
	ASSERT_NULL(docs[2]);
	ASSERT_INT_EQ(test_httpd_requests(s), 2);
	ASSERT_INT_EQ(c2e_org_stats(org)->requests, 2);
	ASSERT_INT_EQ(c2e_org_stats(org)->retries, 1);
	req = test_httpd_request(s, 1);
	ASSERT_STR_CONTAINS(req, "POST /services/Soap/m/66.0 HTTP/1.1\r\n");
	ASSERT_STR_CONTAINS(req, "SOAPAction: \"\"\r\n");
	ASSERT_STR_CONTAINS(req, "Content-Type: text/xml; charset=UTF-8\r\n");
	ASSERT_STR_CONTAINS(req, "<sessionId>" TOKEN "</sessionId>");
	ASSERT_STR_CONTAINS(req, "<readMetadata><type>" ECA "</type>");
	ASSERT_NULL(strstr(req, "Authorization:"));
	ASSERT_NULL(strstr(req, "AllOrNoneHeader"));
	free(req);
	for (size_t i = 0; i < 3; i++)
		c2e_md_doc_free(docs[i]);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* A read that keeps failing gives up after max_attempts. */
static void test_org__read_gives_up(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A" };
	struct c2e_md_doc *docs[1] = { NULL };

	for (int i = 0; i < 6; i++)
		reply_file(s, 502, NULL, "proxy-503.html");
	ASSERT_INT_EQ(c2e_mdapi_read(org, ECA, names, 1, docs, &err),
	              C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "'readMetadata' to '127.0.0.1:");
	ASSERT_STR_CONTAINS(err.msg, "failed 5 times: ");
	ASSERT_STR_CONTAINS(err.msg, "HTTP 502");
	ASSERT_INT_EQ(test_httpd_requests(s), 5);
	ASSERT_NULL(docs[0]);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static struct c2e_md_doc *eca_doc(const char *name)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *d = NULL;

	ASSERT_OK(c2e_md_doc_new(ECA, name, &d, &err), &err);
	ASSERT_OK(c2e_md_set(d->root, "label", name, &err), &err);
	return d;
}

/* A write whose connection breaks mid-answer is not repeated. */
static void test_org__write_reset_not_retried(void)
{
	static const char partial[] = "HTTP/1.1 200 OK\r\n"
	                              "Content-Type: text/xml\r\n"
	                              "Content-Length: 900\r\n\r\n"
	                              "<soapenv:Envelope";
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *docs[2] = { eca_doc("App_A"), eca_doc("App_B") };
	struct c2e_save_result r[2];
	bool unknown = false;
	char *req;

	memset(r, 0, sizeof(r));
	test_httpd_reply_raw(s, partial, sizeof(partial) - 1, TEST_HTTPD_CLOSE);
	reply_file(s, 200, NULL, "create-success.xml");
	ASSERT_INT_EQ(c2e_mdapi_create(org, docs, 2, r, &unknown, &err),
	              C2E_EREMOTE);
	ASSERT(unknown);
	ASSERT_STR_CONTAINS(err.msg, "'createMetadata' to '127.0.0.1:");
	ASSERT_STR_CONTAINS(err.msg, "failed and may or may not have been "
	                             "applied: ");
	ASSERT_STR_CONTAINS(err.msg, "ca2eca reads the org before it repeats "
	                             "a change");
	ASSERT_NULL(strstr(err.msg, TOKEN));
	ASSERT_NULL(strstr(err.msg, "AQtest"));
	ASSERT_INT_EQ(test_httpd_requests(s), 1);
	ASSERT_NULL(r[0].full_name);
	req = test_httpd_request(s, 0);
	ASSERT_STR_CONTAINS(req, "<AllOrNoneHeader><allOrNone>true"
	                         "</allOrNone></AllOrNoneHeader>");
	ASSERT_STR_CONTAINS(req, "<metadata xsi:type=\"" ECA "\">"
	                         "<fullName>App_A</fullName>");
	free(req);
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* 5xx on a write: outcome unknown, not repeated. */
static void test_org__write_5xx_outcome_unknown(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A" };
	struct c2e_save_result r[1];
	bool unknown = false;

	reply_file(s, 503, NULL, "proxy-503.html");
	reply_file(s, 200, NULL, "delete-ok.xml");
	ASSERT_INT_EQ(c2e_mdapi_delete(org, ECA, names, 1, r, &unknown, &err),
	              C2E_EREMOTE);
	ASSERT(unknown);
	ASSERT_STR_CONTAINS(err.msg, "may or may not have been applied");
	ASSERT_INT_EQ(test_httpd_requests(s), 1);
	/* and the same write answered properly */
	unknown = true;
	ASSERT_OK(c2e_mdapi_delete(org, ECA, names, 1, r, &unknown, &err),
	          &err);
	ASSERT(!unknown);
	ASSERT(r[0].success);
	c2e_save_results_release(r, 1);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* A write that could not connect never left: it is tried again. */
static void test_org__write_connect_refused_is_retried(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_org_opts o;
	struct c2e_org *org = NULL;
	struct c2e_md_doc *docs[1] = { eca_doc("App_A") };
	struct c2e_save_result r[1];
	char url[64];
	bool unknown = true;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	         (unsigned int)test_httpd_closed_port());
	memset(&o, 0, sizeof(o));
	o.auth.instance_url = url;
	o.max_attempts = 3;
	ASSERT_OK(c2e_org_open(&o, &org, &err), &err);
	ASSERT_INT_EQ(c2e_mdapi_update(org, docs, 1, r, &unknown, &err),
	              C2E_EREMOTE);
	ASSERT(!unknown);
	ASSERT_STR_CONTAINS(err.msg, "failed 3 times");
	ASSERT_INT_EQ(c2e_org_stats(org)->requests, 3);
	c2e_md_doc_free(docs[0]);
	c2e_org_free(org);
}

static void test_org__invalid_session_fails_eauth(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *types[] = { ECA };
	struct c2e_file_props_list l = { NULL, 0 };

	reply_file(s, 500, NULL, "fault-invalid-session.xml");
	reply_file(s, 200, NULL, "list-empty.xml");
	ASSERT_INT_EQ(c2e_mdapi_list(org, types, 1, &l, &err), C2E_EAUTH);
	ASSERT_STR_CONTAINS(err.msg, "the session for '127.0.0.1:");
	ASSERT_STR_CONTAINS(err.msg, "has expired or was revoked: log in "
	                             "again");
	ASSERT_INT_EQ(test_httpd_requests(s), 1);
	ASSERT_INT_EQ(c2e_org_stats(org)->relogins, 0);
	ASSERT_INT_EQ(l.n, 0);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__total_requests_stops_at_once(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A" };
	struct c2e_md_doc *docs[1] = { NULL };

	reply_file(s, 500, NULL, "fault-limit-total.xml");
	reply_file(s, 200, NULL, "read-eca.xml");
	ASSERT_INT_EQ(c2e_mdapi_read(org, ECA, names, 1, docs, &err),
	              C2E_ELIMIT);
	ASSERT_STR_CONTAINS(err.msg, "has used up its daily API requests "
	                             "(TotalRequests); ca2eca stopped; try "
	                             "again after the 24-hour window");
	ASSERT_INT_EQ(test_httpd_requests(s), 1);
	ASSERT_INT_EQ(c2e_org_stats(org)->retries, 0);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* ConcurrentRequests: refused, so even a write is tried again. */
static void test_org__concurrent_requests_retried(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *docs[2] = { eca_doc("App_A"), eca_doc("App_B") };
	struct c2e_save_result r[2];
	bool unknown = true;

	reply_file(s, 500, NULL, "fault-limit-concurrent.xml");
	reply_file(s, 500, NULL, "fault-limit-concurrent.xml");
	reply_file(s, 200, NULL, "upsert-created.xml");
	ASSERT_OK(c2e_mdapi_upsert(org, docs, 2, r, &unknown, &err), &err);
	ASSERT(!unknown);
	ASSERT(r[0].created && !r[1].created);
	ASSERT_INT_EQ(test_httpd_requests(s), 3);
	ASSERT_INT_EQ(c2e_org_stats(org)->retries, 2);
	c2e_save_results_release(r, 2);
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__concurrent_requests_bounded(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A" };
	struct c2e_md_doc *docs[1] = { NULL };

	for (int i = 0; i < 7; i++)
		reply_file(s, 500, NULL, "fault-limit-concurrent.xml");
	ASSERT_INT_EQ(c2e_mdapi_read(org, ECA, names, 1, docs, &err),
	              C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "refused 'readMetadata' 6 times");
	ASSERT_STR_CONTAINS(err.msg, "ConcurrentRequests");
	ASSERT_INT_EQ(test_httpd_requests(s), 6);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__retry_after_honoured(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *types[] = { ECA };
	struct c2e_file_props_list l = { NULL, 0 };
	double t0;

	reply_file(s, 503, "Retry-After: 1\r\n", "proxy-503.html");
	reply_file(s, 200, NULL, "list-prefixed.xml");
	t0 = now_ms();
	ASSERT_OK(c2e_mdapi_list(org, types, 1, &l, &err), &err);
	ASSERT(now_ms() - t0 >= 990.0);
	ASSERT_INT_EQ(l.n, 1);
	c2e_file_props_list_release(&l);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* Requests are split to the documented limits. */
static void test_org__split_to_limits(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *types[] = { "A", "B", "C", "D" };
	const char *names[12];
	char name_buf[12][8];
	struct c2e_md_doc *docs[12];
	struct c2e_file_props_list l = { NULL, 0 };
	char *req;

	reply_file(s, 200, NULL, "list-default-ns.xml");
	reply_file(s, 200, NULL, "list-prefixed.xml");
	ASSERT_OK(c2e_mdapi_list(org, types, 4, &l, &err), &err);
	ASSERT_INT_EQ(l.n, 4);
	req = test_httpd_request(s, 0);
	ASSERT_STR_CONTAINS(req, "<type>C</type></queries></listMetadata>");
	free(req);
	req = test_httpd_request(s, 1);
	ASSERT_STR_CONTAINS(req, "<listMetadata><queries><type>D</type>"
	                         "</queries></listMetadata>");
	free(req);
	c2e_file_props_list_release(&l);

	for (size_t i = 0; i < 12; i++) {
		snprintf(name_buf[i], sizeof(name_buf[i]), "N%zu", i);
		names[i] = name_buf[i];
		docs[i] = NULL;
	}
	reply_file(s, 200, NULL, "read-all-nil.xml");
	reply_file(s, 200, NULL, "read-all-nil.xml");
	/* 10 names, two nil records back: the other eight are not found */
	ASSERT_OK(c2e_mdapi_read(org, ECA, names, 12, docs, &err), &err);
	for (size_t i = 0; i < 12; i++)
		ASSERT_NULL(docs[i]);
	req = test_httpd_request(s, 2);
	ASSERT_STR_CONTAINS(req, "<fullNames>N9</fullNames></readMetadata>");
	free(req);
	req = test_httpd_request(s, 3);
	ASSERT_STR_CONTAINS(req, "<type>" ECA "</type><fullNames>N10"
	                         "</fullNames><fullNames>N11</fullNames>"
	                         "</readMetadata>");
	free(req);
	ASSERT_INT_EQ(test_httpd_requests(s), 4);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__mixed_types_refused(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *docs[2] = { eca_doc("App_A"), NULL };
	struct c2e_save_result r[2];
	bool unknown = true;

	ASSERT_OK(c2e_md_doc_new("ExtlClntAppOauthSettings", "App_A_oauth",
	                         &docs[1], &err),
	          &err);
	ASSERT_INT_EQ(c2e_mdapi_create(org, docs, 2, r, &unknown, &err),
	              C2E_ERROR);
	ASSERT(!unknown);
	ASSERT_STR_CONTAINS(err.msg, "one type per call");
	ASSERT_INT_EQ(test_httpd_requests(s), 0);
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* Two write calls; the second fails: the first one's change is in. */
static void test_org__later_chunk_failure_is_unknown(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[11];
	char name_buf[11][8];
	struct c2e_save_result r[11];
	bool unknown = false;
	struct c2e_buf ok = C2E_BUF_INIT;

	c2e_buf_adds(&ok, "<soapenv:Envelope xmlns:soapenv=\"http://schemas."
	                  "xmlsoap.org/soap/envelope/\" xmlns=\"http://soap."
	                  "sforce.com/2006/04/metadata\"><soapenv:Body>"
	                  "<deleteMetadataResponse>");
	for (size_t i = 0; i < 11; i++) {
		snprintf(name_buf[i], sizeof(name_buf[i]), "N%zu", i);
		names[i] = name_buf[i];
		if (i < 10)
			c2e_buf_addf(&ok,
			             "<result><fullName>N%zu</fullName>"
			             "<success>true</success></result>",
			             i);
	}
	c2e_buf_adds(&ok, "</deleteMetadataResponse></soapenv:Body>"
	                  "</soapenv:Envelope>");
	test_httpd_reply(s, 200, NULL, ok.buf, ok.len);
	reply_file(s, 500, NULL, "fault-insufficient-access.xml");
	memset(r, 0, sizeof(r));
	ASSERT_INT_EQ(c2e_mdapi_delete(org, ECA, names, 11, r, &unknown, &err),
	              C2E_EREMOTE);
	ASSERT(unknown);
	ASSERT_STR_CONTAINS(err.msg, "INSUFFICIENT_ACCESS");
	ASSERT_NULL(r[0].full_name);
	c2e_buf_release(&ok);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* --- REST --- */

static void test_org__rest_query_follows_pages(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *recs = NULL;
	char *req;

	reply_json(s, 503, "");
	reply_json(s, 200,
	           "{\"totalSize\":3,\"done\":false,\"nextRecordsUrl\":"
	           "\"/services/data/v66.0/tooling/query/01gxx-2000\","
	           "\"records\":[{\"Id\":\"a\"},{\"Id\":\"b\"}]}");
	reply_json(
	        s, 200,
	        "{\"totalSize\":3,\"done\":true,\"records\":[{\"Id\":\"c\"}]}");
	ASSERT_OK(c2e_rest_query(org,
	                         "SELECT Id FROM ConversationChannelDefinition "
	                         "WHERE DeveloperName = 'a&b'",
	                         true, &recs, &err),
	          &err);
	ASSERT_INT_EQ(c2e_json_len(recs), 3);
	ASSERT_STR_EQ(c2e_json_get_str(recs->child->next->next, "Id"), "c");
	req = test_httpd_request(s, 1);
	ASSERT_STR_CONTAINS(req, "GET /services/data/v66.0/tooling/query?q="
	                         "SELECT");
	ASSERT_STR_CONTAINS(req, "%27a%26b%27");
	ASSERT_STR_CONTAINS(req, "Authorization: Bearer " TOKEN "\r\n");
	ASSERT_STR_CONTAINS(req, "Accept: application/json\r\n");
	free(req);
	req = test_httpd_request(s, 2);
	ASSERT_STR_CONTAINS(req, "GET /services/data/v66.0/tooling/query/"
	                         "01gxx-2000 HTTP/1.1");
	free(req);
	c2e_json_free(recs);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__rest_limits_and_errors(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;
	long rem = -1, max = -1;

	reply_json(s, 200,
	           "{\"DailyApiRequests\":{\"Max\":15000,\"Remaining\":14998},"
	           "\"DailyAsyncApexExecutions\":{\"Max\":250000,"
	           "\"Remaining\":250000}}");
	ASSERT_OK(c2e_rest_limits(org, &rem, &max, &err), &err);
	ASSERT_INT_EQ(rem, 14998);
	ASSERT_INT_EQ(max, 15000);

	reply_json(s, 404,
	           "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested "
	           "resource does not exist\"}]");
	ASSERT_INT_EQ(c2e_rest_get(org, "sobject", "/services/data/v66.0/x", &j,
	                           &err),
	              C2E_ENOTFOUND);
	ASSERT_NULL(j);
	reply_json(s, 403,
	           "[{\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":"
	           "\"TotalRequests Limit exceeded.\"}]");
	ASSERT_INT_EQ(c2e_rest_limits(org, &rem, &max, &err), C2E_ELIMIT);
	reply_json(s, 401,
	           "[{\"errorCode\":\"INVALID_SESSION_ID\",\"message\":"
	           "\"Session expired or invalid\"}]");
	ASSERT_INT_EQ(c2e_rest_limits(org, &rem, &max, &err), C2E_EAUTH);
	reply_json(s, 200, "{not json");
	ASSERT_INT_EQ(c2e_rest_get(org, "limits", "/services/data/v66.0/limits",
	                           &j, &err),
	              C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "to 'limits' is not valid JSON: ");
	ASSERT_INT_EQ(test_httpd_requests(s), 5);
	c2e_org_free(org);
	test_httpd_stop(s);
}

static void test_org__rest_eca_credentials(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_org *org = open_org(s);
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_oauth_consumer *v = NULL;
	size_t n = 0;
	char *key = NULL, *req;

	reply_json(s, 200,
	           "{\"consumers\":[{\"id\":\"0Hmxx0000000001AAA\",\"key\":"
	           "\"3MVG9key\",\"name\":\"Partner1 App\",\"url\":\"/x\"}]}");
	ASSERT_OK(
	        c2e_rest_eca_consumers(org, "0xIxx0000000001AAA", &v, &n, &err),
	        &err);
	ASSERT_INT_EQ(n, 1);
	ASSERT_STR_EQ(v[0].id, "0Hmxx0000000001AAA");
	ASSERT_STR_EQ(v[0].key, "3MVG9key");
	ASSERT_STR_EQ(v[0].name, "Partner1 App");
	c2e_oauth_consumers_free(v, n);
	req = test_httpd_request(s, 0);
	ASSERT_STR_CONTAINS(req, "GET /services/data/v66.0/apps/oauth/"
	                         "credentials/0xIxx0000000001AAA HTTP/1.1");
	free(req);

	reply_json(s, 200,
	           "{\"id\":\"0Hmxx0000000001AAA\",\"key\":"
	           "\"3MVG9key\"}");
	ASSERT_OK(c2e_rest_eca_consumer_key(org, "0xIxx0000000001AAA",
	                                    "0Hmxx0000000001", &key, &err),
	          &err);
	ASSERT_STR_EQ(key, "3MVG9key");
	free(key);
	req = test_httpd_request(s, 1);
	ASSERT_STR_CONTAINS(req, "credentials/0xIxx0000000001AAA/"
	                         "0Hmxx0000000001?part=key HTTP/1.1");
	free(req);

	/* ids go into paths only when they look like ids */
	ASSERT_INT_EQ(c2e_rest_eca_consumers(org, "../limits", &v, &n, &err),
	              C2E_EDATA);
	ASSERT_INT_EQ(c2e_rest_eca_consumer_key(org, "0xIxx0000000001AAA",
	                                        "x?part=secret", &key, &err),
	              C2E_EDATA);
	ASSERT_INT_EQ(test_httpd_requests(s), 2);
	c2e_org_free(org);
	test_httpd_stop(s);
}

/* --- a new login (JWT) after INVALID_SESSION_ID --- */

static void reply_token(struct test_httpd *s, const char *token)
{
	char json[512];

	snprintf(json, sizeof(json),
	         "{\"access_token\":\"%s\",\"instance_url\":\"%s\","
	         "\"id\":\"%s/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS\","
	         "\"token_type\":\"Bearer\",\"scope\":\"api\"}",
	         token, test_httpd_url(s), test_httpd_url(s));
	reply_json(s, 200, json);
}

static void test_org__jwt_relogin_once(void)
{
	struct test_httpd *s = test_httpd_start();
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_org_opts o;
	struct c2e_org *org = NULL;
	const char *names[] = { "App_A" };
	struct c2e_md_doc *docs[1] = { NULL };
	char key[1024];
	char *req;

	snprintf(key, sizeof(key), "%s/fixtures/keys/partner1-jwt-pkcs1.key",
	         test_source_dir());
	memset(&o, 0, sizeof(o));
	o.auth.login_url = test_httpd_url(s);
	o.auth.client_id = "3MVG9test";
	o.auth.username = "admin@example.com";
	o.auth.jwt_key = key;
	reply_token(s, "00Dxx0000001gPLEAY!AQfirst");
	ASSERT_OK(c2e_org_open(&o, &org, &err), &err);

	reply_file(s, 500, NULL, "fault-invalid-session.xml");
	reply_token(s, "00Dxx0000001gPLEAY!AQsecond");
	reply_file(s, 200, NULL, "read-prefixed.xml");
	names[0] = "App_A";
	ASSERT_OK(c2e_mdapi_read(org, ECA, names, 1, docs, &err), &err);
	ASSERT_NOT_NULL(docs[0]);
	ASSERT_INT_EQ(c2e_org_stats(org)->relogins, 1);
	req = test_httpd_request(s, 3);
	ASSERT_STR_CONTAINS(req, "<sessionId>00Dxx0000001gPLEAY!AQsecond"
	                         "</sessionId>");
	free(req);
	c2e_md_doc_free(docs[0]);
	docs[0] = NULL;

	/* a second refusal in the same call is final */
	reply_file(s, 500, NULL, "fault-invalid-session.xml");
	reply_token(s, "00Dxx0000001gPLEAY!AQthird");
	reply_file(s, 500, NULL, "fault-invalid-session.xml");
	ASSERT_INT_EQ(c2e_mdapi_read(org, ECA, names, 1, docs, &err),
	              C2E_EAUTH);
	ASSERT_STR_CONTAINS(err.msg, "the session for 'admin@example.com@");
	ASSERT_NULL(strstr(err.msg, "AQthird"));
	ASSERT_INT_EQ(c2e_org_stats(org)->relogins, 2);
	c2e_org_free(org);
	test_httpd_stop(s);
}

int main(void)
{
	setenv("no_proxy", "*", 1);
	setenv("CA2ECA_RETRY_BASE_MS", "1", 1);
	setenv("SF_ACCESS_TOKEN", TOKEN, 1);
	c2e_http_global_init();
	c2e_xml_global_init();
	RUN(test_org__backoff_bounds);
	RUN(test_org__backoff_jitter);
	RUN(test_org__open_checks_the_version);
	RUN(test_org__read_retried_after_500);
	RUN(test_org__read_gives_up);
	RUN(test_org__write_reset_not_retried);
	RUN(test_org__write_5xx_outcome_unknown);
	RUN(test_org__write_connect_refused_is_retried);
	RUN(test_org__invalid_session_fails_eauth);
	RUN(test_org__total_requests_stops_at_once);
	RUN(test_org__concurrent_requests_retried);
	RUN(test_org__concurrent_requests_bounded);
	RUN(test_org__retry_after_honoured);
	RUN(test_org__split_to_limits);
	RUN(test_org__mixed_types_refused);
	RUN(test_org__later_chunk_failure_is_unknown);
	RUN(test_org__rest_query_follows_pages);
	RUN(test_org__rest_limits_and_errors);
	RUN(test_org__rest_eca_credentials);
	RUN(test_org__jwt_relogin_once);
	c2e_xml_global_cleanup();
	c2e_http_global_cleanup();
	return test_summary();
}
