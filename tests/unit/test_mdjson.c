#include "test.h"
#include "model/mdjson.h"
#include "util/fs.h"
#include "util/str.h"

#include <stdlib.h>

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define NS                                                   \
	"xmlns=\"http://soap.sforce.com/2006/04/metadata\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

static char *fixture(const char *rel)
{
	char *p = c2e_path_join(test_source_dir(), rel);

	ASSERT_NOT_NULL(p);
	return p;
}

static struct c2e_md_doc *parse_xml(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;

	ASSERT_OK(c2e_md_parse(s, strlen(s), "mem.xml", "X", NULL, &doc, &err),
	          &err);
	return doc;
}

static char *write_xml(const struct c2e_md_doc *doc)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_md_write(doc, &out, &err), &err);
	return c2e_buf_detach(&out, NULL);
}

/* The fields of `doc` as JSON text; caller frees. */
static char *to_json(const struct c2e_md_doc *doc, bool pretty)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, pretty);
	c2e_md_to_json(doc->root, &w);
	ASSERT(!c2e_jsonw_failed(&w));
	ASSERT_INT_EQ(w.depth, 0);
	return c2e_buf_detach(&b, NULL);
}

static struct c2e_json *parse_json(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;

	ASSERT_OK(c2e_json_parse(s, strlen(s), "t.json", &j, &err), &err);
	return j;
}

/* Builds a `type` named "N" from JSON text, or fails the test. */
static struct c2e_md_doc *from_json(const char *json, const char *type)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = parse_json(json);
	struct c2e_md_doc *doc = NULL;

	ASSERT_OK(c2e_md_from_json(j, type, "N", "plan", &doc, &err), &err);
	ASSERT_NOT_NULL(doc);
	c2e_json_free(j);
	return doc;
}

/*
 * Building a `type` from `json` fails with C2E_EDATA and exactly
 * "plan: <want>"; the out-param stays NULL.
 */
static void expect_fail(int line, const char *json, const char *type,
                        const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = parse_json(json);
	struct c2e_md_doc *doc = (struct c2e_md_doc *)&err; /* must be reset */
	char full[C2E_ERR_MSG_MAX];
	int rc;

	rc = c2e_md_from_json(j, type, "N", "plan", &doc, &err);
	c2e_json_free(j);
	snprintf(full, sizeof(full), "plan: %s", want);
	if (rc != C2E_EDATA || doc != NULL || strcmp(err.msg, full) != 0) {
		if (rc == C2E_OK)
			c2e_md_doc_free(doc);
		test__fail(__FILE__, line, "%s: rc %d, got \"%s\", want \"%s\"",
		           json, rc, err.msg, full);
	}
}

#define EXPECT_FAIL(json, type, want) \
	expect_fail(__LINE__, (json), (type), (want))

struct unknowns {
	size_t n;
};

static int count_cb(void *ctx, const char *path, const struct c2e_md_node *n,
                    struct c2e_err *err)
{
	struct unknowns *u = ctx;

	(void)path;
	(void)n;
	(void)err;
	u->n++;
	return C2E_OK;
}

static size_t count_unknown(const struct c2e_md_doc *doc)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct unknowns u = { 0 };

	ASSERT_OK(c2e_md_unknown(doc, count_cb, &u, &err), &err);
	return u.n;
}

/*
 * md -> JSON -> md -> XML gives the XML of the original, and the JSON of
 * the rebuilt component is the same text.  Returns 1 when the file took
 * part (its type is in the schema and it has no unknown elements).
 */
static size_t round_trip_file(const char *path)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *a = NULL, *b = NULL;
	struct c2e_json *j = NULL;
	char *xml_a, *xml_b, *json_a, *json_b, *pretty;
	size_t took = 0;

	ASSERT_OK(c2e_md_parse_file(path, NULL, &a, &err), &err);
	if (!a->type || count_unknown(a) != 0)
		goto done;
	took = 1;
	xml_a = write_xml(a);
	json_a = to_json(a, false);
	j = parse_json(json_a);
	ASSERT_OK(c2e_md_from_json(j, a->root->name, a->full_name, path, &b,
	                           &err),
	          &err);
	ASSERT_STR_EQ(b->full_name, a->full_name);
	ASSERT(b->type == a->type);
	xml_b = write_xml(b);
	if (strcmp(xml_a, xml_b) != 0)
		test__fail(__FILE__, __LINE__, "%s: XML differs:\n%s\n---\n%s",
		           path, xml_a, xml_b);
	json_b = to_json(b, false);
	ASSERT_STR_EQ(json_b, json_a);
	/* pretty JSON is the same document */
	pretty = to_json(a, true);
	c2e_json_free(j);
	j = parse_json(pretty);
	c2e_md_doc_free(b);
	b = NULL;
	ASSERT_OK(c2e_md_from_json(j, a->root->name, a->full_name, path, &b,
	                           &err),
	          &err);
	free(xml_b);
	xml_b = write_xml(b);
	ASSERT_STR_EQ(xml_b, xml_a);
	free(pretty);
	free(json_b);
	free(json_a);
	free(xml_b);
	free(xml_a);
done:
	c2e_json_free(j);
	c2e_md_doc_free(b);
	c2e_md_doc_free(a);
	return took;
}

static size_t round_trip_dir(const char *rel_dir, size_t *seen)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_strv names = C2E_STRV_INIT;
	char *dir = fixture(rel_dir);
	size_t took = 0;

	ASSERT_OK(c2e_fs_list(dir, &names, &err), &err);
	for (size_t i = 0; i < names.n; i++) {
		char *path = c2e_path_join(dir, names.v[i]);

		ASSERT_NOT_NULL(path);
		took += round_trip_file(path);
		free(path);
	}
	*seen = names.n;
	c2e_strv_release(&names);
	free(dir);
	return took;
}

static void test_mdjson__eca_corpus_round_trips(void)
{
	size_t seen = 0, took;

	took = round_trip_dir("fixtures/corpus/eca", &seen);
	/* 55 files: 9 carry fields newer than v66, 2 are of a type v66 lacks */
	ASSERT_INT_EQ(seen, 55);
	ASSERT_INT_EQ(took, 44);
	took = round_trip_dir("fixtures/corpus/conversationChannelDefinitions",
	                      &seen);
	ASSERT_INT_EQ(took, 1);
}

static void test_mdjson__connected_app_corpus_round_trips(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_strv names = C2E_STRV_INIT;
	char *dir = fixture("fixtures/corpus/connectedApps");
	size_t took = 0;

	ASSERT_OK(c2e_fs_list(dir, &names, &err), &err);
	for (size_t i = 0; i < names.n; i++) {
		char *path = c2e_path_join(dir, names.v[i]);
		struct c2e_md_doc *doc = NULL;

		ASSERT_NOT_NULL(path);
		/* the corpus holds one file that does not parse (test_md) */
		if (c2e_md_parse_file(path, NULL, &doc, &err) == C2E_OK)
			took += round_trip_file(path);
		c2e_md_doc_free(doc);
		free(path);
	}
	/* 34 files: one does not parse, the rest have no unknown elements */
	ASSERT_INT_EQ(took, 33);
	c2e_strv_release(&names);
	free(dir);
}

static void test_mdjson__exact_json(void)
{
	/* out of order, one range, a nil and an empty value */
	struct c2e_md_doc *doc =
	        parse_xml(HEAD "<ExtlClntAppOauthSettings " NS ">\n"
	                       "  <trustedIpRanges>\n"
	                       "    <startIpAddress>10.0.0.1</startIpAddress>\n"
	                       "    <endIpAddress>10.0.0.255</endIpAddress>\n"
	                       "  </trustedIpRanges>\n"
	                       "  <label xsi:nil=\"true\"/>\n"
	                       "  <singleLogoutUrl></singleLogoutUrl>\n"
	                       "  <externalClientApplication>Partner1"
	                       "</externalClientApplication>\n"
	                       "  <commaSeparatedOauthScopes>Api, RefreshToken"
	                       "</commaSeparatedOauthScopes>\n"
	                       "</ExtlClntAppOauthSettings>\n");
	struct c2e_md_doc *back;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;
	char *json = to_json(doc, false), *xml, *xml2;

	ASSERT_STR_EQ(json, "{\"commaSeparatedOauthScopes\":\"Api, "
	                    "RefreshToken\",\"externalClientApplication\":"
	                    "\"Partner1\",\"label\":null,"
	                    "\"singleLogoutUrl\":\"\",\"trustedIpRanges\":"
	                    "[{\"endIpAddress\":\"10.0.0.255\","
	                    "\"startIpAddress\":\"10.0.0.1\"}]}");
	back = from_json(json, "ExtlClntAppOauthSettings");
	xml = write_xml(doc);
	xml2 = write_xml(back);
	ASSERT_STR_EQ(xml2, xml);
	ASSERT_STR_CONTAINS(xml2, "<label xsi:nil=\"true\"/>");
	ASSERT_STR_EQ(back->full_name, "N");
	free(xml2);
	free(xml);
	free(json);
	c2e_md_doc_free(back);
	c2e_md_doc_free(doc);

	/*
	 * a repeated simple field with one value, a repeated enum inside a
	 * complex field, a nil value in a list, a nil complex field, unknown
	 * elements (after the known ones, by name) and fullName (left out)
	 */
	doc = parse_xml(HEAD "<ConnectedApp " NS ">\n"
	                     "  <zNew>z</zNew>\n"
	                     "  <profileName>System Administrator"
	                     "</profileName>\n"
	                     "  <aNew><x>1</x></aNew>\n"
	                     "  <fullName>Partner1</fullName>\n"
	                     "  <oauthConfig>\n"
	                     "    <scopes>Api</scopes>\n"
	                     "    <callbackUrl>https://x.example/cb"
	                     "</callbackUrl>\n"
	                     "  </oauthConfig>\n"
	                     "  <label>Partner &amp; \"1\"</label>\n"
	                     "  <contactEmail>a@example.com</contactEmail>\n"
	                     "  <aNew>2</aNew>\n"
	                     "  <permissionSetName xsi:nil=\"true\"/>\n"
	                     "  <permissionSetName>PS</permissionSetName>\n"
	                     "  <sessionPolicy xsi:nil=\"true\"/>\n"
	                     "</ConnectedApp>\n");
	json = to_json(doc, false);
	ASSERT_STR_EQ(json, "{\"contactEmail\":\"a@example.com\","
	                    "\"label\":\"Partner & \\\"1\\\"\","
	                    "\"oauthConfig\":{\"callbackUrl\":"
	                    "\"https://x.example/cb\",\"scopes\":[\"Api\"]},"
	                    "\"permissionSetName\":[null,\"PS\"],"
	                    "\"profileName\":[\"System Administrator\"],"
	                    "\"sessionPolicy\":null,"
	                    "\"aNew\":[{\"x\":\"1\"},\"2\"],\"zNew\":\"z\"}");
	free(json);
	c2e_md_remove(doc->root, "aNew");
	c2e_md_remove(doc->root, "zNew");
	c2e_md_remove(doc->root, "fullName");
	json = to_json(doc, true);
	back = from_json(json, "ConnectedApp");
	xml = write_xml(doc);
	xml2 = write_xml(back);
	ASSERT_STR_EQ(xml2, xml);
	ASSERT_STR_CONTAINS(xml2, "<sessionPolicy xsi:nil=\"true\"/>");
	free(xml2);
	free(xml);
	free(json);
	c2e_md_doc_free(back);

	/* a nested node alone: its fields */
	c2e_jsonw_init(&w, &b, false);
	c2e_md_to_json(c2e_md_child(doc->root, "oauthConfig"), &w);
	ASSERT_STR_EQ(b.buf, "{\"callbackUrl\":\"https://x.example/cb\","
	                     "\"scopes\":[\"Api\"]}");
	c2e_buf_release(&b);
	c2e_md_doc_free(doc);

	/* member order does not matter; empty lists add nothing */
	doc = from_json("{\"trustedIpRanges\":[{\"startIpAddress\":\"1\","
	                "\"endIpAddress\":\"2\",\"description\":\"d\"}],"
	                "\"customAttributes\":[],"
	                "\"externalClientApplication\":\"E\"}",
	                "ExtlClntAppOauthSettings");
	json = to_json(doc, false);
	ASSERT_STR_EQ(json, "{\"externalClientApplication\":\"E\","
	                    "\"trustedIpRanges\":[{\"description\":\"d\","
	                    "\"endIpAddress\":\"2\",\"startIpAddress\":"
	                    "\"1\"}]}");
	free(json);
	c2e_md_doc_free(doc);
}

static void test_mdjson__errors(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = (struct c2e_md_doc *)&err;
	const char *S = "ExtlClntAppOauthSettings";
	const char *CA = "ConnectedApp";

	/* the type */
	EXPECT_FAIL("{}", "NoSuchType",
	            "'NoSuchType' is not a metadata type ca2eca knows");
	EXPECT_FAIL("{}", "ExtlClntAppOauthIpRange",
	            "'ExtlClntAppOauthIpRange' is not a metadata type ca2eca "
	            "knows");
	EXPECT_FAIL("{}", "ConnectedAppOauthAccessScope",
	            "'ConnectedAppOauthAccessScope' is not a metadata type "
	            "ca2eca knows");
	/* the document */
	EXPECT_FAIL(
	        "[]", S,
	        "the ExtlClntAppOauthSettings fields must be a JSON object, "
	        "not an array");
	EXPECT_FAIL(
	        "\"x\"", S,
	        "the ExtlClntAppOauthSettings fields must be a JSON object, "
	        "not a string");
	ASSERT_INT_EQ(c2e_md_from_json(NULL, S, "N", "plan", &doc, &err),
	              C2E_EDATA);
	ASSERT_NULL(doc);
	ASSERT_STR_EQ(err.msg, "plan: the ExtlClntAppOauthSettings fields must "
	                       "be a JSON object, not null");
	/* fields */
	EXPECT_FAIL("{\"nope\":\"x\"}", S,
	            "'nope' is not a field of ExtlClntAppOauthSettings");
	EXPECT_FAIL("{\"externalClientApplication\":\"E\",\"trustedIpRanges\":"
	            "[{\"startIpAddress\":\"1\",\"endIpAddress\":\"2\"},"
	            "{\"x\":\"1\"}]}",
	            S,
	            "'trustedIpRanges[1]/x' is not a field of "
	            "ExtlClntAppOauthIpRange");
	EXPECT_FAIL("{\"fullName\":\"X\",\"externalClientApplication\":\"E\"}",
	            S,
	            "'fullName' is not allowed among the fields: the name of "
	            "the ExtlClntAppOauthSettings is given apart from them");
	EXPECT_FAIL("{\"label\":\"a\",\"label\":\"b\"}", S,
	            "'label' appears more than once");
	EXPECT_FAIL("{\"trustedIpRanges\":[],\"trustedIpRanges\":[]}", S,
	            "required field 'externalClientApplication' is missing");
	EXPECT_FAIL("{\"customAttributes\":[{\"formula\":\"f\",\"key\":\"k\"}],"
	            "\"customAttributes\":[]}",
	            S, "'customAttributes' appears more than once");
	/* shapes */
	EXPECT_FAIL("{\"label\":[\"a\"]}", S,
	            "'label' takes one value, not an array");
	EXPECT_FAIL("{\"trustedIpRanges\":{\"startIpAddress\":\"1\"}}", S,
	            "'trustedIpRanges' is a list: give an array (even for one "
	            "value), not an object");
	EXPECT_FAIL("{\"profileName\":\"Admin\"}", CA,
	            "'profileName' is a list: give an array (even for one "
	            "value), not a string");
	EXPECT_FAIL("{\"trustedIpRanges\":[\"10.0.0.1\"]}", S,
	            "'trustedIpRanges[0]' holds other fields: give an object, "
	            "not a string");
	EXPECT_FAIL("{\"oauthConfig\":true}", CA,
	            "'oauthConfig' holds other fields: give an object, not a "
	            "boolean");
	EXPECT_FAIL("{\"label\":{}}", S,
	            "'label' takes a string, not an object");
	EXPECT_FAIL("{\"profileName\":[[\"a\"]]}", CA,
	            "'profileName[0]' takes a string, not an array");
	EXPECT_FAIL("{\"isFirstPartyAppEnabled\":true}", S,
	            "'isFirstPartyAppEnabled' takes a string, not a boolean: "
	            "write \"true\"");
	EXPECT_FAIL("{\"isFirstPartyAppEnabled\":false}", S,
	            "'isFirstPartyAppEnabled' takes a string, not a boolean: "
	            "write \"false\"");
	EXPECT_FAIL("{\"assetTokenValidity\":12}", S,
	            "'assetTokenValidity' takes a string, not a number: write "
	            "\"12\"");
	EXPECT_FAIL("{\"label\":\"a\\u0000b\"}", S,
	            "'label' contains a NUL character");
	/* values, checked as parsing a file checks them */
	EXPECT_FAIL(
	        "{\"isFirstPartyAppEnabled\":\"yes\"}", S,
	        "'isFirstPartyAppEnabled': 'yes' is not a boolean (use true "
	        "or false)");
	EXPECT_FAIL("{\"assetTokenValidity\":\"12x\"}", S,
	            "'assetTokenValidity': '12x' is not an integer (32-bit, "
	            "decimal)");
	EXPECT_FAIL("{\"contactEmail\":\"a\",\"label\":\"l\",\"oauthConfig\":"
	            "{\"callbackUrl\":\"c\",\"scopes\":[\"Api\",\"Nope\"]}}",
	            CA,
	            "'oauthConfig/scopes[1]': 'Nope' is not a valid "
	            "ConnectedAppOauthAccessScope value (valid: Basic, Api, "
	            "Web, Full, Chatter, CustomApplications, RefreshToken, "
	            "OpenID, Profile, Email, Address, Phone, OfflineAccess, "
	            "CustomPermissions, Wave, Eclair, Pardot, Lightning, "
	            "Content, CDPIngest, CDPProfile, ...)");
	/* required fields, at every level */
	EXPECT_FAIL("{}", S,
	            "required field 'externalClientApplication' is missing");
	EXPECT_FAIL("{\"externalClientApplication\":\"E\",\"trustedIpRanges\":"
	            "[{\"endIpAddress\":\"2\"}]}",
	            S,
	            "required field 'trustedIpRanges[0]/startIpAddress' is "
	            "missing");
	EXPECT_FAIL("{\"contactEmail\":\"a\",\"label\":\"l\",\"oauthConfig\":"
	            "{}}",
	            CA, "required field 'oauthConfig/callbackUrl' is missing");
	/* nil is fine for any field, as in a file */
	doc = from_json("{\"externalClientApplication\":\"E\",\"label\":null,"
	                "\"trustedIpRanges\":[null]}",
	                S);
	ASSERT(c2e_md_child(doc->root, "label")->nil);
	ASSERT(c2e_md_child(doc->root, "trustedIpRanges")->nil);
	c2e_md_doc_free(doc);
}

int main(void)
{
	RUN(test_mdjson__eca_corpus_round_trips);
	RUN(test_mdjson__connected_app_corpus_round_trips);
	RUN(test_mdjson__exact_json);
	RUN(test_mdjson__errors);
	return test_summary();
}
