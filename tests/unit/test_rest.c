#include "test.h"
#include "remote/rest.h"

#include <stdlib.h>

#include "util/compat.h"

#define HOST "acme.my.salesforce.com"

/*
 * Canned REST answers.  Error bodies have the shape rest.h documents
 * ([{"errorCode": "...", "message": "..."}], REST API Developer Guide
 * "Status Codes and Error Responses"), or the OAuth shape of
 * salesforce-domain.md 5 ({"error", "error_description"}).  Query pages
 * have the REST query shape (totalSize, done, nextRecordsUrl, records).
 * Values are constructed.
 */

static enum c2e_verdict classify(long status, const char *body,
                                 struct c2e_err *err)
{
	struct c2e_http_response r = C2E_HTTP_RESPONSE_INIT;
	enum c2e_verdict v;

	r.status = status;
	c2e_buf_adds(&r.body, body);
	if (c2e_buf_failed(&r.body))
		abort();
	c2e_err_clear(err);
	v = c2e_rest_classify(HOST, "query", &r, err);
	c2e_buf_release(&r.body);
	return v;
}

static void test_rest__classify(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_INT_EQ(classify(200, "{\"done\":true}", &err), C2E_VERDICT_OK);
	ASSERT_INT_EQ(classify(401,
	                       "[{\"message\":\"Session expired or invalid\","
	                       "\"errorCode\":\"INVALID_SESSION_ID\"}]",
	                       &err),
	              C2E_VERDICT_REAUTH);
	ASSERT_INT_EQ(classify(401, "", &err), C2E_VERDICT_REAUTH);
	/* the code decides, whatever the status */
	ASSERT_INT_EQ(classify(403,
	                       "[{\"errorCode\":\"INVALID_SESSION_ID\","
	                       "\"message\":\"x\"}]",
	                       &err),
	              C2E_VERDICT_REAUTH);
	ASSERT_INT_EQ(classify(403,
	                       "[{\"message\":\"TotalRequests Limit "
	                       "exceeded.\",\"errorCode\":"
	                       "\"REQUEST_LIMIT_EXCEEDED\"}]",
	                       &err),
	              C2E_VERDICT_LIMIT_TOTAL);
	ASSERT_INT_EQ(classify(403,
	                       "[{\"message\":\"ConcurrentRequests (Concurrent "
	                       "API Requests) Limit exceeded.\",\"errorCode\":"
	                       "\"REQUEST_LIMIT_EXCEEDED\"}]",
	                       &err),
	              C2E_VERDICT_LIMIT_CONCURRENT);
	ASSERT_INT_EQ(
	        classify(500,
	                 "[{\"errorCode\":\"UNKNOWN_EXCEPTION\","
	                 "\"message\":\"An unexpected error occurred.\"}]",
	                 &err),
	        C2E_VERDICT_RETRY);
	ASSERT_STR_CONTAINS(err.msg, "HTTP 500: An unexpected error occurred.");
	ASSERT_INT_EQ(classify(503, "<html>down</html>", &err),
	              C2E_VERDICT_RETRY);
	ASSERT_INT_EQ(classify(429, "", &err), C2E_VERDICT_RETRY);
	ASSERT_INT_EQ(classify(404,
	                       "[{\"errorCode\":\"NOT_FOUND\",\"message\":"
	                       "\"The requested resource does not exist\"}]",
	                       &err),
	              C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_ENOTFOUND);
	ASSERT_STR_EQ(err.msg, "query to '" HOST "' failed: NOT_FOUND: The "
	                       "requested resource does not exist");
	ASSERT_INT_EQ(classify(404, "", &err), C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_ENOTFOUND);
	/* a multi-line SOQL error becomes one line */
	ASSERT_INT_EQ(
	        classify(400,
	                 "[{\"message\":\"\\nSELECT Idx FROM Account\\n"
	                 "       ^\\nERROR at Row:1:Column:8\\nNo such "
	                 "column 'Idx'\",\"errorCode\":\"INVALID_FIELD\"}]",
	                 &err),
	        C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "query to '" HOST "' failed: "
	                             "INVALID_FIELD: ");
	ASSERT_NULL(strchr(err.msg, '\n'));
	ASSERT_INT_EQ(classify(400,
	                       "{\"error\":\"invalid_grant\","
	                       "\"error_description\":\"expired access/refresh "
	                       "token\"}",
	                       &err),
	              C2E_VERDICT_FAIL);
	ASSERT_STR_EQ(err.msg, "query to '" HOST "' failed: invalid_grant: "
	                       "expired access/refresh token");
	ASSERT_INT_EQ(classify(403, "not json", &err), C2E_VERDICT_FAIL);
	ASSERT_STR_EQ(err.msg, "query to '" HOST "' failed: HTTP 403: no "
	                       "message");
}

static struct c2e_json *parse(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;

	ASSERT_OK(c2e_json_parse(s, strlen(s), "page", &j, &err), &err);
	return j;
}

static struct c2e_json *new_array(void)
{
	struct c2e_json *a = calloc(1, sizeof(*a));

	ASSERT_NOT_NULL(a);
	a->type = C2E_JSON_ARRAY;
	return a;
}

static void test_rest__query_pages_merge(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *all = new_array(), *p1, *p2, *p3;
	const struct c2e_json *r;
	char *next = NULL;

	p1 = parse("{\"totalSize\":3,\"done\":false,\"nextRecordsUrl\":"
	           "\"/services/data/v66.0/query/01gxx0000000001-2\","
	           "\"records\":[{\"attributes\":{\"type\":\"Account\"},"
	           "\"Id\":\"a\"},{\"Id\":\"b\"}]}");
	p2 = parse(
	        "{\"totalSize\":3,\"done\":true,\"records\":[{\"Id\":\"c\"}]}");
	p3 = parse("{\"totalSize\":0,\"done\":true,\"records\":[]}");
	ASSERT_OK(c2e_rest_query_page(HOST, p1, all, &next, &err), &err);
	ASSERT_STR_EQ(next, "/services/data/v66.0/query/01gxx0000000001-2");
	free(next);
	c2e_json_free(p1); /* the records moved: they survive the page */
	ASSERT_OK(c2e_rest_query_page(HOST, p2, all, &next, &err), &err);
	ASSERT_NULL(next);
	c2e_json_free(p2);
	ASSERT_OK(c2e_rest_query_page(HOST, p3, all, &next, &err), &err);
	ASSERT_NULL(next);
	c2e_json_free(p3);
	ASSERT_INT_EQ(c2e_json_len(all), 3);
	r = all->child;
	ASSERT_STR_EQ(c2e_json_get_str(r, "Id"), "a");
	ASSERT_STR_EQ(c2e_json_get_str(c2e_json_get(r, "attributes"), "type"),
	              "Account");
	ASSERT_STR_EQ(c2e_json_get_str(r->next, "Id"), "b");
	ASSERT_STR_EQ(c2e_json_get_str(r->next->next, "Id"), "c");
	c2e_json_free(all);
}

static void expect_page_fail(const char *page, const char *msg)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *all = new_array(), *p = parse(page);
	char *next = (char *)&err; /* must stay */

	ASSERT_INT_EQ(c2e_rest_query_page(HOST, p, all, &next, &err),
	              C2E_EREMOTE);
	ASSERT(next == (char *)&err);
	ASSERT_STR_CONTAINS(err.msg, msg);
	ASSERT_INT_EQ(c2e_json_len(all), 0);
	c2e_json_free(p);
	c2e_json_free(all);
}

static void test_rest__query_page_errors(void)
{
	expect_page_fail("{\"done\":true}", "has no records array");
	expect_page_fail("[1,2]", "has no records array");
	expect_page_fail("{\"done\":false,\"records\":[]}",
	                 "is not done and has no nextRecordsUrl");
	expect_page_fail("{\"done\":\"no\",\"records\":[]}",
	                 "'done' that is not true or false");
	/* never follow a URL to another host */
	expect_page_fail("{\"done\":false,\"nextRecordsUrl\":"
	                 "\"https://evil.example.com/services/data/v66.0/q\","
	                 "\"records\":[]}",
	                 "nextRecordsUrl that is not a /services/data/ path");
	expect_page_fail("{\"done\":false,\"nextRecordsUrl\":"
	                 "\"//evil.example.com/services/data/\","
	                 "\"records\":[]}",
	                 "not a /services/data/ path");
	expect_page_fail("{\"done\":false,\"nextRecordsUrl\":"
	                 "\"/services/data/v66.0/query/x y\",\"records\":[]}",
	                 "not a /services/data/ path");
}

static void quote_eq(const char *in, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_OK(c2e_soql_quote(in, &b, &err), &err);
	ASSERT_STR_EQ(b.buf, want);
	c2e_buf_release(&b);
}

static void test_rest__soql_quote(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	quote_eq("", "''");
	quote_eq("My_App", "'My_App'");
	quote_eq("O'Brien", "'O\\'Brien'");
	quote_eq("a\\b", "'a\\\\b'");
	quote_eq("x' OR Name != '", "'x\\' OR Name != \\''");
	quote_eq("\"q\"\n\t\r", "'\\\"q\\\"\\n\\t\\r'");
	quote_eq("caf\xc3\xa9", "'caf\xc3\xa9'");
	c2e_buf_adds(&b, "WHERE Name = ");
	ASSERT_INT_EQ(c2e_soql_quote("a\001b", &b, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "control character 0x01");
	ASSERT_STR_EQ(b.buf, "WHERE Name = ");
	c2e_buf_release(&b);
}

static void test_rest__id_ok(void)
{
	ASSERT(c2e_rest_id_ok("0xI5g0000000001"));
	ASSERT(c2e_rest_id_ok("0xI5g0000000001AAA"));
	ASSERT(!c2e_rest_id_ok(NULL));
	ASSERT(!c2e_rest_id_ok(""));
	ASSERT(!c2e_rest_id_ok("0xI5g000000001"));
	ASSERT(!c2e_rest_id_ok("0xI5g0000000001AA"));
	ASSERT(!c2e_rest_id_ok("0xI5g0000000001AAAA"));
	ASSERT(!c2e_rest_id_ok("../../../limits"));
	ASSERT(!c2e_rest_id_ok("0xI5g000000/001"));
	ASSERT(!c2e_rest_id_ok("0xI5g00000000?1"));
	ASSERT(!c2e_rest_id_ok("0xI5g0000000%2F"));
	ASSERT(!c2e_rest_id_ok("0xI5g000000000\xc3\xa9"));
}

int main(void)
{
	RUN(test_rest__classify);
	RUN(test_rest__query_pages_merge);
	RUN(test_rest__query_page_errors);
	RUN(test_rest__soql_quote);
	RUN(test_rest__id_ok);
	return test_summary();
}
