#include "test.h"
#include "remote/soap.h"

#include <stdlib.h>

#include "util/str.h"
#include "util/xml.h"

#include "util/compat.h"

#define HOST "acme.my.salesforce.com"

/* Reads fixtures/soap/<name>. */
static char *load(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/fixtures/soap/%s", test_source_dir(),
	         name);
	return test_slurp(path, len);
}

/* Frees what set_resp() filled (without needing http.c). */
static void resp_release(struct c2e_http_response *r)
{
	c2e_buf_release(&r->body);
	free(r->content_type);
	r->content_type = NULL;
}

/* A response as org.h hands it to a classifier. */
static void set_resp(struct c2e_http_response *r, long status, const char *body,
                     size_t len)
{
	resp_release(r);
	*r = (struct c2e_http_response)C2E_HTTP_RESPONSE_INIT;
	r->status = status;
	if (len)
		c2e_buf_addn(&r->body, body, len);
	if (c2e_buf_failed(&r->body))
		abort();
}

/* Classifies fixture `name` answered with `status` for `op`. */
static enum c2e_verdict classify_file(const char *name, long status,
                                      const char *op, struct c2e_err *err)
{
	struct c2e_http_response r = C2E_HTTP_RESPONSE_INIT;
	enum c2e_verdict v;
	size_t len;
	char *body = load(name, &len);

	set_resp(&r, status, body, len);
	c2e_err_clear(err);
	v = c2e_soap_classify(HOST, op, &r, err);
	resp_release(&r);
	free(body);
	return v;
}

/* --- envelopes --- */

#define ENV_OPEN                                                       \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                 \
	"<soapenv:Envelope "                                           \
	"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"     \
	"<soapenv:Header "                                             \
	"xmlns=\"http://soap.sforce.com/2006/04/metadata\">"
#define BODY_OPEN        \
	"<soapenv:Body " \
	"xmlns=\"http://soap.sforce.com/2006/04/metadata\">"
#define ENV_CLOSE "</soapenv:Body></soapenv:Envelope>\n"

/* A session id with every character XML must escape in text. */
#define SID     "00Dxx0000001gPL!AQ<&>\"'x"
#define SID_ESC "00Dxx0000001gPL!AQ&lt;&amp;&gt;&quot;'x"

static void test_soap__read_body_exact(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	const char *names[] = { "App_A", "R&D <x>" };

	ASSERT_OK(c2e_soap_read_body(SID, "ExternalClientApplication", names, 2,
	                             &b, &err),
	          &err);
	ASSERT_STR_EQ(b.buf,
	              ENV_OPEN "<SessionHeader><sessionId>" SID_ESC
	                       "</sessionId></SessionHeader>"
	                       "<CallOptions><client>ca2eca</client>"
	                       "</CallOptions></soapenv:Header>" BODY_OPEN
	                       "<readMetadata>"
	                       "<type>ExternalClientApplication</type>"
	                       "<fullNames>App_A</fullNames>"
	                       "<fullNames>R&amp;D &lt;x&gt;</fullNames>"
	                       "</readMetadata>" ENV_CLOSE);
	c2e_buf_release(&b);
}

static struct c2e_md_doc *eca_doc(const char *name, const char *label)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *d = NULL;

	ASSERT_OK(c2e_md_doc_new("ExternalClientApplication", name, &d, &err),
	          &err);
	/* set out of schema order: the writer puts them in sequence order */
	ASSERT_OK(c2e_md_set(d->root, "label", label, &err), &err);
	ASSERT_OK(c2e_md_set(d->root, "distributionState", "Local", &err),
	          &err);
	ASSERT_OK(c2e_md_set(d->root, "contactEmail", "ops@example.com", &err),
	          &err);
	return d;
}

static void test_soap__create_body_exact(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_md_doc *docs[2];

	docs[0] = eca_doc("Partner1_App", "Partner1 & Co");
	docs[1] = eca_doc("Partner2_App", "Partner2");
	ASSERT_OK(c2e_soap_save_body(SID, C2E_SOAP_CREATE, docs, 2, &b, &err),
	          &err);
	ASSERT_STR_EQ(b.buf, ENV_OPEN
	              "<SessionHeader><sessionId>" SID_ESC
	              "</sessionId></SessionHeader>"
	              "<CallOptions><client>ca2eca</client>"
	              "</CallOptions>"
	              "<AllOrNoneHeader><allOrNone>true</allOrNone>"
	              "</AllOrNoneHeader>"
	              "</soapenv:Header>" BODY_OPEN "<createMetadata>"
	              "<metadata xsi:type=\"ExternalClientApplication\">"
	              "<fullName>Partner1_App</fullName>"
	              "<contactEmail>ops@example.com</contactEmail>"
	              "<distributionState>Local</distributionState>"
	              "<label>Partner1 &amp; Co</label>"
	              "</metadata>"
	              "<metadata xsi:type=\"ExternalClientApplication\">"
	              "<fullName>Partner2_App</fullName>"
	              "<contactEmail>ops@example.com</contactEmail>"
	              "<distributionState>Local</distributionState>"
	              "<label>Partner2</label>"
	              "</metadata>"
	              "</createMetadata>" ENV_CLOSE);
	c2e_buf_release(&b);
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);
}

/* The built envelope parses, and the session id is in SessionHeader. */
static void test_soap__session_id_in_its_header(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_xml_node *root = NULL, *h, *sh, *sid, *body, *op;
	struct c2e_md_doc *doc = eca_doc("A", "A");
	struct c2e_md_doc *docs[] = { doc };

	ASSERT_OK(c2e_soap_save_body(SID, C2E_SOAP_UPSERT, docs, 1, &b, &err),
	          &err);
	ASSERT_OK(c2e_xml_parse(b.buf, b.len, "envelope", &root, &err), &err);
	ASSERT_STR_EQ(root->ns, C2E_NS_SOAPENV);
	h = c2e_xml_child(root, C2E_NS_SOAPENV, "Header");
	sh = c2e_xml_child(h, C2E_NS_METADATA, "SessionHeader");
	sid = c2e_xml_child(sh, C2E_NS_METADATA, "sessionId");
	ASSERT_NOT_NULL(sid);
	ASSERT_STR_EQ(sid->text, SID);
	ASSERT_NOT_NULL(c2e_xml_child(h, C2E_NS_METADATA, "AllOrNoneHeader"));
	body = c2e_xml_child(root, C2E_NS_SOAPENV, "Body");
	op = c2e_xml_child(body, C2E_NS_METADATA, "upsertMetadata");
	ASSERT_NOT_NULL(op);
	ASSERT_STR_EQ(c2e_xml_attr(op->children, C2E_NS_XSI, "type"),
	              "ExternalClientApplication");
	/* exactly once in the text, and nowhere in the body */
	ASSERT_NOT_NULL(strstr(b.buf, SID_ESC));
	ASSERT_NULL(strstr(strstr(b.buf, SID_ESC) + 1, "00Dxx"));
	ASSERT(strstr(strstr(b.buf, "<soapenv:Body"), "00Dxx") == NULL);
	c2e_xml_free(root);
	c2e_buf_release(&b);
	c2e_md_doc_free(doc);
}

static void test_soap__list_and_delete_bodies(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	const char *types[] = { "ConnectedApp", "ExternalClientApplication" };
	const char *names[] = { "App_A" };

	ASSERT_OK(c2e_soap_list_body("tok", types, 2, &b, &err), &err);
	ASSERT_STR_CONTAINS(b.buf,
	                    "<listMetadata><queries><type>ConnectedApp</type>"
	                    "</queries><queries><type>"
	                    "ExternalClientApplication</type></queries>"
	                    "</listMetadata>");
	ASSERT(strstr(b.buf, "AllOrNoneHeader") == NULL);
	c2e_buf_release(&b);

	ASSERT_OK(c2e_soap_delete_body("tok", "ExternalClientApplication",
	                               names, 1, &b, &err),
	          &err);
	ASSERT_STR_CONTAINS(b.buf, "<AllOrNoneHeader><allOrNone>true"
	                           "</allOrNone></AllOrNoneHeader>");
	ASSERT_STR_CONTAINS(b.buf, "<deleteMetadata><type>"
	                           "ExternalClientApplication</type>"
	                           "<fullNames>App_A</fullNames>"
	                           "</deleteMetadata>");
	c2e_buf_release(&b);

	/* a session id XML cannot carry is refused without being echoed */
	ASSERT_INT_EQ(c2e_soap_list_body("secret\001tok", types, 1, &b, &err),
	              C2E_EDATA);
	ASSERT(strstr(err.msg, "secret") == NULL);
	c2e_buf_release(&b);
}

/* --- listMetadata --- */

static void test_soap__list_default_namespace(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_file_props_list l = { NULL, 0 };
	size_t len;
	char *body = load("list-default-ns.xml", &len);

	ASSERT_OK(c2e_soap_parse_list(HOST, body, len, &l, &err), &err);
	ASSERT_INT_EQ(l.n, 3);
	ASSERT_STR_EQ(l.v[0].type, "ConnectedApp");
	ASSERT_STR_EQ(l.v[0].full_name, "Partner1_App");
	ASSERT_STR_EQ(l.v[0].file_name,
	              "connectedApps/Partner1_App.connectedApp");
	ASSERT_STR_EQ(l.v[0].id, "0H45g0000000001AAA");
	ASSERT_NULL(l.v[0].namespace_prefix);
	ASSERT_NULL(l.v[0].manageable_state);
	ASSERT_STR_EQ(l.v[0].last_modified_date, "2024-02-03T04:05:06.000Z");
	ASSERT_STR_EQ(l.v[1].type, "ExternalClientApplication");
	ASSERT_STR_EQ(l.v[1].namespace_prefix, "pkg");
	ASSERT_STR_EQ(l.v[1].manageable_state, "installed");
	ASSERT_STR_EQ(l.v[2].full_name, "Another_App");
	c2e_file_props_list_release(&l);
	free(body);
}

static void test_soap__list_other_prefixes_appends(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_file_props_list l = { NULL, 0 };
	size_t len1, len2, len3;
	char *b1 = load("list-default-ns.xml", &len1);
	char *b2 = load("list-prefixed.xml", &len2);
	char *b3 = load("list-empty.xml", &len3);

	ASSERT_OK(c2e_soap_parse_list(HOST, b1, len1, &l, &err), &err);
	ASSERT_OK(c2e_soap_parse_list(HOST, b2, len2, &l, &err), &err);
	ASSERT_OK(c2e_soap_parse_list(HOST, b3, len3, &l, &err), &err);
	ASSERT_INT_EQ(l.n, 4);
	ASSERT_STR_EQ(l.v[3].type, "ExternalClientApplication");
	ASSERT_STR_EQ(l.v[3].full_name, "My_Eca");
	ASSERT_STR_EQ(l.v[3].file_name, "externalClientApps/My_Eca.eca");
	ASSERT_NULL(l.v[3].namespace_prefix); /* empty element */
	c2e_file_props_list_release(&l);
	ASSERT_INT_EQ(l.n, 0);
	free(b1);
	free(b2);
	free(b3);
}

/* --- readMetadata --- */

static void test_soap__read_any_order_with_nil(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B", "Missing" };
	struct c2e_md_doc *docs[3] = { NULL, NULL, NULL };
	size_t len;
	char *body = load("read-eca.xml", &len);

	ASSERT_OK(c2e_soap_parse_read(HOST, "ExternalClientApplication", names,
	                              3, body, len, docs, &err),
	          &err);
	ASSERT_NOT_NULL(docs[0]);
	ASSERT_NOT_NULL(docs[1]);
	ASSERT_NULL(docs[2]);
	ASSERT_STR_EQ(docs[0]->full_name, "App_A");
	ASSERT_STR_EQ(docs[0]->root->name, "ExternalClientApplication");
	ASSERT_STR_EQ(c2e_md_get(docs[0]->root, "description"), "First & best");
	ASSERT_NULL(c2e_md_child(docs[0]->root, "fullName"));
	ASSERT_STR_EQ(docs[1]->full_name, "App_B");
	ASSERT_STR_EQ(c2e_md_get(docs[1]->root, "label"), "App B");
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);
	free(body);
}

static void test_soap__read_prefixes_and_case(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "app_a" };
	struct c2e_md_doc *docs[1] = { NULL };
	size_t len;
	char *body = load("read-prefixed.xml", &len);

	ASSERT_OK(c2e_soap_parse_read(HOST, "ExternalClientApplication", names,
	                              1, body, len, docs, &err),
	          &err);
	ASSERT_NOT_NULL(docs[0]);
	ASSERT_STR_EQ(docs[0]->full_name, "App_A");
	ASSERT_STR_EQ(c2e_md_get(docs[0]->root, "distributionState"), "Local");
	c2e_md_doc_free(docs[0]);
	free(body);
}

static void test_soap__read_all_nil(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "X", "Y" };
	struct c2e_md_doc *docs[2];
	size_t len;
	char *body = load("read-all-nil.xml", &len);

	docs[0] = docs[1] = (struct c2e_md_doc *)&err; /* must be set */
	ASSERT_OK(c2e_soap_parse_read(HOST, "ExternalClientApplication", names,
	                              2, body, len, docs, &err),
	          &err);
	ASSERT_NULL(docs[0]);
	ASSERT_NULL(docs[1]);
	free(body);
}

/* A read that fails leaves docs_out alone and names the problem. */
static void expect_read_fail(const char *file, const char *const *names,
                             size_t n, const char *msg)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *docs[4];
	struct c2e_md_doc *sentinel = (struct c2e_md_doc *)&err;
	size_t len;
	char *body = load(file, &len);

	for (size_t i = 0; i < 4; i++)
		docs[i] = sentinel;
	ASSERT_INT_EQ(c2e_soap_parse_read(HOST, "ExternalClientApplication",
	                                  names, n, body, len, docs, &err),
	              C2E_EREMOTE);
	for (size_t i = 0; i < 4; i++)
		ASSERT(docs[i] == sentinel);
	ASSERT_STR_CONTAINS(err.msg, msg);
	ASSERT_STR_CONTAINS(err.msg, HOST);
	free(body);
}

static void test_soap__read_mismatches(void)
{
	const char *one[] = { "App_A" };
	const char *two[] = { "App_A", "App_B" };

	expect_read_fail("read-wrong-type.xml", one, 1,
	                 "has a record of type 'ConnectedApp'");
	expect_read_fail("read-too-many.xml", one, 1,
	                 "has 2 records for 1 names");
	expect_read_fail("read-unasked.xml", two, 2,
	                 "record 'App_Z' that was not asked for");
	expect_read_fail("fault-insufficient-access.xml", one, 1,
	                 "readMetadata to '" HOST "' failed: "
	                 "INSUFFICIENT_ACCESS: use of the Metadata API");
	expect_read_fail("list-empty.xml", one, 1,
	                 "has no 'readMetadataResponse' element");
	expect_read_fail("no-body.xml", one, 1, "has no SOAP Body");
}

/* --- writes --- */

static void test_soap__save_success_any_order(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B" };
	struct c2e_save_result r[2];
	size_t len;
	char *body = load("create-success.xml", &len);

	ASSERT_OK(c2e_soap_parse_save(HOST, "createMetadata", names, 2, body,
	                              len, r, &err),
	          &err);
	ASSERT_STR_EQ(r[0].full_name, "App_A");
	ASSERT_STR_EQ(r[1].full_name, "App_B");
	ASSERT(r[0].success && r[1].success);
	ASSERT_NULL(r[0].status_code);
	ASSERT_NULL(r[1].message);
	c2e_save_results_release(r, 2);
	free(body);
}

static void test_soap__save_failure_first_error(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B" };
	struct c2e_save_result r[2];
	size_t len;
	char *body = load("create-failure.xml", &len);

	ASSERT_OK(c2e_soap_parse_save(HOST, "createMetadata", names, 2, body,
	                              len, r, &err),
	          &err);
	ASSERT(!r[0].success && !r[1].success);
	ASSERT_STR_EQ(r[0].status_code, "DUPLICATE_VALUE");
	ASSERT_STR_EQ(r[0].message, "duplicate value found: App_A");
	ASSERT_STR_EQ(r[1].status_code, "ALL_OR_NONE_OPERATION_ROLLED_BACK");
	c2e_save_results_release(r, 2);
	free(body);
}

static void test_soap__upsert_and_delete(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B" };
	struct c2e_save_result r[2];
	size_t len;
	char *body = load("upsert-created.xml", &len);

	ASSERT_OK(c2e_soap_parse_save(HOST, "upsertMetadata", names, 2, body,
	                              len, r, &err),
	          &err);
	ASSERT(r[0].success && r[0].created);
	ASSERT(r[1].success && !r[1].created);
	c2e_save_results_release(r, 2);
	free(body);

	body = load("delete-ok.xml", &len);
	ASSERT_OK(c2e_soap_parse_save(HOST, "deleteMetadata", names, 1, body,
	                              len, r, &err),
	          &err);
	ASSERT(r[0].success);
	ASSERT_STR_EQ(r[0].full_name, "App_A");
	c2e_save_results_release(r, 1);
	/* the answer of another operation is not this one's */
	ASSERT_INT_EQ(c2e_soap_parse_save(HOST, "createMetadata", names, 1,
	                                  body, len, r, &err),
	              C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "createMetadataResponse");
	free(body);
}

static void test_soap__save_count_mismatch(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *names[] = { "App_A", "App_B" };
	struct c2e_save_result r[2];
	size_t len;
	char *body = load("save-count-mismatch.xml", &len);

	memset(r, 0, sizeof(r));
	ASSERT_INT_EQ(c2e_soap_parse_save(HOST, "updateMetadata", names, 2,
	                                  body, len, r, &err),
	              C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "has 1 results for 2 components");
	ASSERT_NULL(r[0].full_name);
	free(body);
}

/* --- faults and the classifier --- */

static void test_soap__fault_fields(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_soap_fault f;
	size_t len;
	char *body = load("fault-invalid-session.xml", &len);

	ASSERT_INT_EQ(c2e_soap_fault_of(body, len, &f, &err), 1);
	ASSERT_STR_EQ(f.code, "INVALID_SESSION_ID");
	ASSERT_STR_EQ(f.string,
	              "Invalid Session ID found in SessionHeader: Illegal "
	              "Session");
	ASSERT_STR_EQ(f.detail, "");
	free(body);

	body = load("fault-invalid-session-detail.xml", &len);
	ASSERT_INT_EQ(c2e_soap_fault_of(body, len, &f, &err), 1);
	ASSERT_STR_EQ(f.code, "INVALID_SESSION_ID");
	ASSERT_STR_EQ(f.detail, "Session expired or invalid");
	free(body);

	body = load("fault-limit-total-detail.xml", &len);
	ASSERT_INT_EQ(c2e_soap_fault_of(body, len, &f, &err), 1);
	ASSERT_STR_EQ(f.code, "REQUEST_LIMIT_EXCEEDED");
	ASSERT_STR_EQ(f.string, "Request refused");
	ASSERT_STR_EQ(f.detail, "TotalRequests Limit exceeded.");
	free(body);

	body = load("read-eca.xml", &len);
	ASSERT_INT_EQ(c2e_soap_fault_of(body, len, &f, &err), 0);
	free(body);
	ASSERT_INT_EQ(c2e_soap_fault_of("<x", 2, &f, &err), 0);
}

static void test_soap__classify_faults(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	for (long st = 200; st <= 500; st += 300) {
		ASSERT_INT_EQ(classify_file("fault-invalid-session.xml", st,
		                            "readMetadata", &err),
		              C2E_VERDICT_REAUTH);
		ASSERT_INT_EQ(classify_file("fault-invalid-session-detail.xml",
		                            st, "readMetadata", &err),
		              C2E_VERDICT_REAUTH);
		ASSERT_INT_EQ(classify_file("fault-limit-total.xml", st,
		                            "createMetadata", &err),
		              C2E_VERDICT_LIMIT_TOTAL);
		ASSERT_INT_EQ(classify_file("fault-limit-total-detail.xml", st,
		                            "createMetadata", &err),
		              C2E_VERDICT_LIMIT_TOTAL);
		ASSERT_INT_EQ(classify_file("fault-limit-concurrent.xml", st,
		                            "createMetadata", &err),
		              C2E_VERDICT_LIMIT_CONCURRENT);
		ASSERT_INT_EQ(classify_file("fault-unknown-exception.xml", st,
		                            "readMetadata", &err),
		              C2E_VERDICT_RETRY);
		ASSERT_INT_EQ(classify_file("fault-insufficient-access.xml", st,
		                            "listMetadata", &err),
		              C2E_VERDICT_FAIL);
		ASSERT_INT_EQ(err.code, C2E_EREMOTE);
		ASSERT_STR_EQ(err.msg,
		              "listMetadata to '" HOST "' failed: "
		              "INSUFFICIENT_ACCESS: use of the Metadata API "
		              "requires a user with the ModifyAllData "
		              "permission");
		ASSERT_INT_EQ(classify_file("fault-unsupported-version.xml", st,
		                            "listMetadata", &err),
		              C2E_VERDICT_FAIL);
		ASSERT_STR_EQ(err.msg,
		              "listMetadata to '" HOST "' failed: "
		              "UNSUPPORTED_API_VERSION: Invalid Api version "
		              "specified on URL");
	}
}

static void test_soap__classify_http(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response r = C2E_HTTP_RESPONSE_INIT;

	ASSERT_INT_EQ(classify_file("read-eca.xml", 200, "readMetadata", &err),
	              C2E_VERDICT_OK);
	ASSERT_INT_EQ(
	        classify_file("list-empty.xml", 200, "listMetadata", &err),
	        C2E_VERDICT_OK);
	/* a good answer to another operation is not OK */
	ASSERT_INT_EQ(
	        classify_file("list-empty.xml", 200, "readMetadata", &err),
	        C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	ASSERT_INT_EQ(
	        classify_file("proxy-503.html", 503, "readMetadata", &err),
	        C2E_VERDICT_RETRY);
	ASSERT_STR_CONTAINS(err.msg, "HTTP 503");
	ASSERT_INT_EQ(
	        classify_file("proxy-503.html", 500, "readMetadata", &err),
	        C2E_VERDICT_RETRY);
	ASSERT_INT_EQ(
	        classify_file("proxy-503.html", 429, "readMetadata", &err),
	        C2E_VERDICT_RETRY);
	ASSERT_INT_EQ(
	        classify_file("proxy-503.html", 404, "readMetadata", &err),
	        C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "HTTP 404");
	ASSERT_INT_EQ(
	        classify_file("proxy-503.html", 200, "readMetadata", &err),
	        C2E_VERDICT_FAIL);
	ASSERT_STR_CONTAINS(err.msg, "is not a SOAP envelope");
	ASSERT_INT_EQ(classify_file("no-body.xml", 200, "readMetadata", &err),
	              C2E_VERDICT_FAIL);
	ASSERT_STR_CONTAINS(err.msg, "has no SOAP Body");

	set_resp(&r, 401, NULL, 0);
	ASSERT_INT_EQ(c2e_soap_classify(HOST, "readMetadata", &r, &err),
	              C2E_VERDICT_REAUTH);
	set_resp(&r, 200, NULL, 0);
	ASSERT_INT_EQ(c2e_soap_classify(HOST, "readMetadata", &r, &err),
	              C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	ASSERT_STR_CONTAINS(err.msg, "the Metadata API answer from '" HOST
	                             "' to 'readMetadata' is not valid XML: ");
	set_resp(&r, 200, "garbage", 7);
	ASSERT_INT_EQ(c2e_soap_classify(HOST, "readMetadata", &r, &err),
	              C2E_VERDICT_FAIL);
	ASSERT_STR_CONTAINS(err.msg, "is not valid XML");
	resp_release(&r);
}

/* Every parser on `len` bytes: each must fail with C2E_EREMOTE. */
static void all_fail(const char *what, const char *data, size_t len)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response r = C2E_HTTP_RESPONSE_INIT;
	struct c2e_file_props_list l = { NULL, 0 };
	const char *names[] = { "App_A", "App_B", "Missing" };
	struct c2e_md_doc *docs[3] = { NULL, NULL, NULL };
	struct c2e_save_result res[3];
	int rc;

	memset(res, 0, sizeof(res));
	rc = c2e_soap_parse_list(HOST, data, len, &l, &err);
	if (rc != C2E_EREMOTE)
		test__fail(__FILE__, __LINE__, "%s: list rc %d", what, rc);
	rc = c2e_soap_parse_read(HOST, "ExternalClientApplication", names, 3,
	                         data, len, docs, &err);
	if (rc != C2E_EREMOTE)
		test__fail(__FILE__, __LINE__, "%s: read rc %d", what, rc);
	rc = c2e_soap_parse_save(HOST, "createMetadata", names, 2, data, len,
	                         res, &err);
	if (rc != C2E_EREMOTE)
		test__fail(__FILE__, __LINE__, "%s: save rc %d", what, rc);
	ASSERT(l.n == 0 && !docs[0] && !res[0].full_name);
	set_resp(&r, 200, data, len);
	ASSERT_INT_EQ(c2e_soap_classify(HOST, "readMetadata", &r, &err),
	              C2E_VERDICT_FAIL);
	ASSERT_INT_EQ(err.code, C2E_EREMOTE);
	set_resp(&r, 500, data, len);
	ASSERT_INT_EQ(c2e_soap_classify(HOST, "readMetadata", &r, &err),
	              C2E_VERDICT_RETRY);
	resp_release(&r);
}

static void test_soap__truncated_every_97_bytes(void)
{
	static const char *const files[] = {
		"list-default-ns.xml",
		"list-prefixed.xml",
		"read-eca.xml",
		"read-prefixed.xml",
		"create-success.xml",
		"create-failure.xml",
		"upsert-created.xml",
		"fault-invalid-session.xml",
		"fault-invalid-session-detail.xml",
		"fault-limit-total.xml",
		"fault-limit-total-detail.xml",
		"fault-limit-concurrent.xml",
	};
	char what[256];

	for (size_t i = 0; i < C2E_ARRAY_SIZE(files); i++) {
		size_t len, end;
		char *body = load(files[i], &len);
		char *cut;

		end = len;
		while (end > 0 &&
		       (body[end - 1] == '\n' || body[end - 1] == ' '))
			end--;
		for (size_t at = 0; at < end; at += 97) {
			/* a copy of exactly `at` bytes, for ASan */
			cut = malloc(at ? at : 1);
			ASSERT_NOT_NULL(cut);
			memcpy(cut, body, at);
			snprintf(what, sizeof(what), "%s cut at %zu", files[i],
			         at);
			all_fail(what, cut, at);
			free(cut);
		}
		free(body);
	}
}

static void test_soap__garbage(void)
{
	unsigned char junk[4096];
	unsigned int x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	all_fail("junk", (const char *)junk, sizeof(junk));
	all_fail("empty", "", 0);
	all_fail("text", "Service Unavailable", 19);
	all_fail("nul", "\0\0\0", 3);
	all_fail("html", "<html><body>503</body></html>", 30);
	all_fail("doctype",
	         "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>",
	         55);
}

/* The classifier keeps the tree it parsed; the tree parsers take it. */
static void test_soap__classify_keeps_tree(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_http_response r = C2E_HTTP_RESPONSE_INIT;
	const char *names[] = { "App_A", "App_B", "Missing" };
	struct c2e_md_doc *docs[3] = { NULL, NULL, NULL };
	struct c2e_xml_node *tree = NULL;
	size_t len;
	char *body = load("read-eca.xml", &len);

	set_resp(&r, 200, body, len);
	ASSERT_INT_EQ(
	        c2e_soap_classify_keep(HOST, "readMetadata", &r, &tree, &err),
	        C2E_VERDICT_OK);
	ASSERT_NOT_NULL(tree);
	ASSERT_OK(c2e_soap_parse_read_tree(HOST, "ExternalClientApplication",
	                                   names, 3, tree, docs, &err),
	          &err);
	ASSERT_STR_EQ(docs[0]->full_name, "App_A");
	ASSERT_STR_EQ(docs[1]->full_name, "App_B");
	ASSERT_NULL(docs[2]);
	c2e_md_doc_free(docs[0]);
	c2e_md_doc_free(docs[1]);

	/* a fault: no tree, the same verdict as without one */
	ASSERT_INT_EQ(
	        c2e_soap_classify_keep(HOST, "createMetadata", &r, &tree, &err),
	        C2E_VERDICT_FAIL);
	ASSERT_NULL(tree);
	ASSERT_STR_CONTAINS(err.msg, "createMetadataResponse");

	/* a tree of the wrong answer is refused, and freed (ASan) */
	ASSERT_INT_EQ(
	        c2e_soap_classify_keep(HOST, "readMetadata", &r, &tree, &err),
	        C2E_VERDICT_OK);
	ASSERT_INT_EQ(c2e_soap_parse_save_tree(HOST, "createMetadata", names, 1,
	                                       tree, NULL, &err),
	              C2E_EREMOTE);
	resp_release(&r);
	free(body);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_soap__read_body_exact);
	RUN(test_soap__create_body_exact);
	RUN(test_soap__session_id_in_its_header);
	RUN(test_soap__list_and_delete_bodies);
	RUN(test_soap__list_default_namespace);
	RUN(test_soap__list_other_prefixes_appends);
	RUN(test_soap__read_any_order_with_nil);
	RUN(test_soap__read_prefixes_and_case);
	RUN(test_soap__read_all_nil);
	RUN(test_soap__read_mismatches);
	RUN(test_soap__save_success_any_order);
	RUN(test_soap__save_failure_first_error);
	RUN(test_soap__upsert_and_delete);
	RUN(test_soap__save_count_mismatch);
	RUN(test_soap__fault_fields);
	RUN(test_soap__classify_faults);
	RUN(test_soap__classify_http);
	RUN(test_soap__classify_keeps_tree);
	RUN(test_soap__truncated_every_97_bytes);
	RUN(test_soap__garbage);
	c2e_xml_global_cleanup();
	return test_summary();
}
