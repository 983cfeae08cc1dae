#include "test.h"
#include "model/md.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/xml.h"

#include <stdlib.h>

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define NS   "xmlns=\"http://soap.sforce.com/2006/04/metadata\""

static char *fixture(const char *rel)
{
	char *p = c2e_path_join(test_source_dir(), rel);

	ASSERT_NOT_NULL(p);
	return p;
}

static struct c2e_strv list_dir(const char *rel)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_strv names = C2E_STRV_INIT;
	char *dir = fixture(rel);

	ASSERT_OK(c2e_fs_list(dir, &names, &err), &err);
	ASSERT(names.n > 0);
	free(dir);
	return names;
}

static struct c2e_md_doc *parse_str(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;

	ASSERT_OK(c2e_md_parse(s, strlen(s), "mem.xml", "X", NULL, &doc, &err),
	          &err);
	return doc;
}

static int parse_fail(const char *s, const char *expect, struct c2e_err *err)
{
	struct c2e_md_doc *doc = NULL;
	int rc = c2e_md_parse(s, strlen(s), "mem.xml", "X", expect, &doc, err);

	ASSERT_NULL(doc);
	return rc;
}

static char *write_str(const struct c2e_md_doc *doc)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_md_write(doc, &out, &err), &err);
	return c2e_buf_detach(&out, NULL);
}

/* The k-th child of `n` named `name` (0-based), or NULL. */
static const struct c2e_md_node *nth(const struct c2e_md_node *n,
                                     const char *name, size_t k)
{
	const struct c2e_md_node *c = c2e_md_child(n, name);

	while (c && k--)
		c = c2e_md_next_same(c);
	return c;
}

/* Same elements, texts and nil flags; sibling order only per name. */
static void assert_same_tree(const struct c2e_md_node *a,
                             const struct c2e_md_node *b)
{
	size_t na = 0, nb = 0;

	ASSERT_STR_EQ(a->name, b->name);
	ASSERT(a->nil == b->nil);
	ASSERT(a->decl == b->decl);
	ASSERT(a->type == b->type);
	ASSERT((a->text == NULL) == (b->text == NULL));
	if (a->text)
		ASSERT_STR_EQ(a->text, b->text);
	for (const struct c2e_md_node *c = a->children; c; c = c->next)
		na++;
	for (const struct c2e_md_node *c = b->children; c; c = c->next)
		nb++;
	ASSERT_INT_EQ(na, nb);
	for (const struct c2e_md_node *c = a->children; c; c = c->next) {
		size_t k = 0;
		const struct c2e_md_node *o;

		for (const struct c2e_md_node *p = a->children; p != c;
		     p = p->next)
			if (strcmp(p->name, c->name) == 0)
				k++;
		o = nth(b, c->name, k);
		ASSERT_NOT_NULL(o);
		assert_same_tree(c, o);
	}
}

struct unknowns {
	struct c2e_strv paths;
};

static int collect_unknown(void *ctx, const char *path,
                           const struct c2e_md_node *node, struct c2e_err *err)
{
	struct unknowns *u = ctx;

	ASSERT_NULL(node->decl);
	return c2e_strv_push(&u->paths, path, err);
}

static size_t count_unknown(const struct c2e_md_doc *doc)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct unknowns u = { C2E_STRV_INIT };
	size_t n;

	ASSERT_OK(c2e_md_unknown(doc, collect_unknown, &u, &err), &err);
	n = u.paths.n;
	c2e_strv_release(&u.paths);
	return n;
}

/* The text between <tag> and </tag> in a raw file (first occurrence). */
static char *raw_text(const char *file, const char *tag)
{
	struct c2e_buf open = C2E_BUF_INIT, close = C2E_BUF_INIT;
	const char *s, *e;
	char *r;

	c2e_buf_addf(&open, "<%s>", tag);
	c2e_buf_addf(&close, "</%s>", tag);
	s = strstr(file, open.buf);
	ASSERT_NOT_NULL(s);
	s += open.len;
	e = strstr(s, close.buf);
	ASSERT_NOT_NULL(e);
	r = c2e_strndup(s, (size_t)(e - s));
	c2e_buf_release(&open);
	c2e_buf_release(&close);
	return r;
}

static void test_md__connected_apps_parse_except_thespis(void)
{
	struct c2e_strv names = list_dir("fixtures/corpus/connectedApps");
	size_t ok = 0;

	for (size_t i = 0; i < names.n; i++) {
		struct c2e_err err = C2E_ERR_INIT;
		struct c2e_md_doc *doc = NULL;
		char *rel = c2e_path_join("fixtures/corpus/connectedApps",
		                          names.v[i]);
		char *path = fixture(rel);
		int rc = c2e_md_parse_file(path, "ConnectedApp", &doc, &err);

		if (strstr(names.v[i], "Thespis")) {
			ASSERT_INT_EQ(rc, C2E_EDATA);
			ASSERT_NULL(doc);
			ASSERT_STR_CONTAINS(err.msg, names.v[i]);
			ASSERT_STR_CONTAINS(err.msg, "line 13: oauthConfig/"
			                             "scopes: 'ID' is not a "
			                             "valid "
			                             "ConnectedAppOauthAccess"
			                             "Scope value (valid: "
			                             "Basic, Api, Web,");
			ASSERT(!strchr(err.msg, '\n'));
		} else {
			ASSERT_OK(rc, &err);
			ASSERT_STR_EQ(doc->type->name, "ConnectedApp");
			ASSERT_STR_EQ(doc->mdtype->suffix, "connectedApp");
			ASSERT_STR_EQ(doc->path, path);
			ASSERT_NOT_NULL(doc->full_name);
			ASSERT(c2e_str_starts(names.v[i], doc->full_name));
			ok++;
		}
		c2e_md_doc_free(doc);
		free(path);
		free(rel);
	}
	ASSERT_INT_EQ(ok, names.n - 1);
	c2e_strv_release(&names);
}

static void test_md__multi_line_values_kept_exactly(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	/* file, parent field (NULL: the root), field */
	static const char *const cases[][3] = {
		{ "fixtures/corpus/connectedApps/craig-jackson-ideascience__"
		  "DEV__ITTestApp.connectedApp-meta.xml",
		  "oauthConfig", "callbackUrl" },
		{ "fixtures/corpus/connectedApps/lumonoy__lumonCode__Sovelia_"
		  "in_Salesforce.connectedApp-meta.xml",
		  "oauthConfig", "callbackUrl" },
		{ "fixtures/corpus/eca/N-P-N-P__SFDX-SFDX__Devops_JWT_"
		  "glbloauth.ecaGlblOauth-meta.xml",
		  NULL, "certificate" },
		{ "fixtures/corpus/eca/bgaldino__rlm-base-dev__"
		  "RLMQuotingMcpClient.ecaGlblOauth-meta.xml",
		  NULL, "callbackUrl" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = fixture(cases[i][0]);
		char *raw = test_slurp(path, NULL);
		char *want = raw_text(raw, cases[i][2]);
		struct c2e_md_doc *doc = NULL;
		const struct c2e_md_node *parent;
		char *out;

		ASSERT_OK(c2e_md_parse_file(path, NULL, &doc, &err), &err);
		parent = cases[i][1] ? c2e_md_child(doc->root, cases[i][1]) :
		                       doc->root;
		ASSERT_NOT_NULL(strchr(want, '\n'));
		ASSERT_STR_EQ(c2e_md_get(parent, cases[i][2]), want);
		out = write_str(doc);
		ASSERT_STR_CONTAINS(out, want);
		free(out);
		c2e_md_doc_free(doc);
		free(want);
		free(raw);
		free(path);
	}
}

static void test_md__unknown_elements_are_kept_with_paths(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct unknowns u = { C2E_STRV_INIT };
	struct c2e_md_doc *doc =
	        parse_str(HEAD "<ConnectedApp " NS ">\n"
	                       "    <zNew>z</zNew>\n"
	                       "    <oauthConfig>\n"
	                       "        <isConsumerKeyOptional>false"
	                       "</isConsumerKeyOptional>\n"
	                       "        <callbackUrl>https://x</callbackUrl>\n"
	                       "    </oauthConfig>\n"
	                       "    <label>L</label>\n"
	                       "    <newBlock><b>2</b><a>1</a></newBlock>\n"
	                       "    <contactEmail>a@b.c</contactEmail>\n"
	                       "</ConnectedApp>\n");
	const struct c2e_md_node *nb;
	char *out;

	ASSERT_OK(c2e_md_unknown(doc, collect_unknown, &u, &err), &err);
	ASSERT_INT_EQ(u.paths.n, 5);
	ASSERT_STR_EQ(u.paths.v[0], "zNew");
	ASSERT_STR_EQ(u.paths.v[1], "oauthConfig/isConsumerKeyOptional");
	ASSERT_STR_EQ(u.paths.v[2], "newBlock");
	ASSERT_STR_EQ(u.paths.v[3], "newBlock/b");
	ASSERT_STR_EQ(u.paths.v[4], "newBlock/a");
	nb = c2e_md_child(doc->root, "newBlock");
	ASSERT_NULL(nb->decl);
	ASSERT_NULL(nb->text);
	ASSERT_STR_EQ(c2e_md_get(nb, "a"), "1");
	ASSERT_INT_EQ(nb->line, 9);

	/* unknown ones sit at their alphabetical place among known ones */
	out = write_str(doc);
	ASSERT_STR_EQ(out, HEAD "<ConnectedApp " NS ">\n"
	                        "    <contactEmail>a@b.c</contactEmail>\n"
	                        "    <label>L</label>\n"
	                        "    <newBlock>\n"
	                        "        <a>1</a>\n"
	                        "        <b>2</b>\n"
	                        "    </newBlock>\n"
	                        "    <oauthConfig>\n"
	                        "        <callbackUrl>https://x</callbackUrl>\n"
	                        "        <isConsumerKeyOptional>false"
	                        "</isConsumerKeyOptional>\n"
	                        "    </oauthConfig>\n"
	                        "    <zNew>z</zNew>\n"
	                        "</ConnectedApp>\n");
	free(out);
	c2e_strv_release(&u.paths);
	c2e_md_doc_free(doc);

	/* newer-than-v66 fields of a retrieved file, in Salesforce's order */
	{
		char *path = fixture("fixtures/corpus/eca/Cho-Geer__chogeer__"
		                     "Booking_Integration_API_glbloauth."
		                     "ecaGlblOauth-meta.xml");
		char *raw = test_slurp(path, NULL);

		doc = NULL;
		ASSERT_OK(c2e_md_parse_file(path, NULL, &doc, &err), &err);
		ASSERT_OK(c2e_md_unknown(doc, collect_unknown, &u, &err), &err);
		ASSERT_INT_EQ(u.paths.n, 2);
		ASSERT_STR_EQ(u.paths.v[0], "isDPopEnabled");
		ASSERT_STR_EQ(u.paths.v[1], "isEnforceRefreshTokenTTL");
		out = write_str(doc);
		ASSERT_STR_EQ(out, raw);
		free(out);
		free(raw);
		free(path);
		c2e_strv_release(&u.paths);
		c2e_md_doc_free(doc);
	}
}

static void test_md__xsi_nil(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = fixture("fixtures/corpus/connectedApps/ZB-IT-Sales-"
	                     "Effectiveness__AutoRabit-Training__Zimmer_Zsi_"
	                     "iPad.connectedApp-meta.xml");
	char *raw = test_slurp(path, NULL);
	struct c2e_md_doc *doc = NULL;
	const struct c2e_md_node *ce;
	char *out;

	ASSERT_OK(c2e_md_parse_file(path, "ConnectedApp", &doc, &err), &err);
	ce = c2e_md_child(doc->root, "contactEmail");
	ASSERT_NOT_NULL(ce);
	ASSERT(ce->nil);
	ASSERT_NULL(ce->text);
	ASSERT_NOT_NULL(ce->decl);
	ASSERT_NULL(c2e_md_get(doc->root, "contactEmail"));
	/* a retrieved file: written back byte for byte, xmlns:xsi included */
	out = write_str(doc);
	ASSERT_STR_EQ(out, raw);
	free(out);
	/* without a nil field there is no xsi declaration */
	c2e_md_remove(doc->root, "contactEmail");
	ASSERT_OK(c2e_md_set(doc->root, "contactEmail", "a@b.c", &err), &err);
	out = write_str(doc);
	ASSERT(!strstr(out, "xmlns:xsi"));
	free(out);
	/* nil set through the builder */
	ASSERT_OK(c2e_md_set(doc->root, "contactPhone", NULL, &err), &err);
	out = write_str(doc);
	ASSERT_STR_CONTAINS(out, "<ConnectedApp " NS " xmlns:xsi=\"http://"
	                         "www.w3.org/2001/XMLSchema-instance\">\n");
	ASSERT_STR_CONTAINS(out, "    <contactPhone xsi:nil=\"true\"/>\n");
	free(out);
	c2e_md_doc_free(doc);
	free(raw);
	free(path);

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS " xmlns:xsi=\"http:"
	                              "//www.w3.org/2001/XMLSchema-instance\">"
	                              "<contactEmail xsi:nil=\"true\">x"
	                              "</contactEmail><label>L</label>"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "contactEmail: an element with "
	                             "xsi:nil=\"true\" must be empty");
}

/* Parse, write, parse again: same tree; and valid when fully known. */
static void round_trip_dir(const char *rel_dir, const char *xsd, size_t xsd_len,
                           const char *xsd_path, size_t *validated)
{
	struct c2e_strv names = list_dir(rel_dir);

	for (size_t i = 0; i < names.n; i++) {
		struct c2e_err err = C2E_ERR_INIT;
		struct c2e_md_doc *a = NULL, *b = NULL;
		char *rel = c2e_path_join(rel_dir, names.v[i]);
		char *path = fixture(rel);
		char *out, *out2;

		ASSERT_OK(c2e_md_parse_file(path, NULL, &a, &err), &err);
		ASSERT_NOT_NULL(a->mdtype);
		out = write_str(a);
		ASSERT_OK(c2e_md_parse(out, strlen(out), path, a->full_name,
		                       a->root->name, &b, &err),
		          &err);
		assert_same_tree(a->root, b->root);
		ASSERT_STR_EQ(a->full_name, b->full_name);
		out2 = write_str(b);
		ASSERT_STR_EQ(out, out2);
		if (a->type && count_unknown(a) == 0) {
			ASSERT_OK(c2e_xml_validate(xsd, xsd_len, xsd_path, out,
			                           strlen(out), path, &err),
			          &err);
			(*validated)++;
		}
		free(out2);
		free(out);
		c2e_md_doc_free(b);
		c2e_md_doc_free(a);
		free(path);
		free(rel);
	}
	c2e_strv_release(&names);
}

static void test_md__eca_and_ccd_round_trip_and_validate(void)
{
	char *xsd_path = fixture("fixtures/xsd/validate-v66.xsd");
	size_t xsd_len, validated = 0;
	char *xsd = test_slurp(xsd_path, &xsd_len);

	round_trip_dir("fixtures/corpus/eca", xsd, xsd_len, xsd_path,
	               &validated);
	round_trip_dir("fixtures/corpus/conversationChannelDefinitions", xsd,
	               xsd_len, xsd_path, &validated);
	/*
	 * 56 files: 9 carry fields newer than v66, and 2 are of a type
	 * (ExtlClntAppOauthSecuritySettings) that v66 does not have
	 */
	ASSERT_INT_EQ(validated, 45);
	free(xsd);
	free(xsd_path);
}

static void test_md__retrieved_file_rewrites_byte_identically(void)
{
	static const char *const files[] = {
		"fixtures/corpus/eca/N-P-N-P__SFDX-SFDX__Devops_JWT_glbloauth."
		"ecaGlblOauth-meta.xml",
		"fixtures/corpus/eca/N-P-N-P__SFDX-SFDX__Devops_JWT_oauthPlcy."
		"ecaOauthPlcy-meta.xml",
		"fixtures/corpus/eca/N-P-N-P__SFDX-SFDX__Devops_JWT."
		"eca-meta.xml",
		"fixtures/corpus/conversationChannelDefinitions/ianramsi__sf_"
		"byoc_telegram__BYOC_ChannelDefinition1."
		"ConversationChannelDefinition-meta.xml",
		"fixtures/corpus/connectedApps/sarath16581__AP-Backup__DDC_"
		"Community.connectedApp-meta.xml",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct c2e_err err = C2E_ERR_INIT;
		struct c2e_md_doc *doc = NULL;
		char *path = fixture(files[i]);
		char *raw = test_slurp(path, NULL);
		char *out;

		ASSERT_OK(c2e_md_parse_file(path, NULL, &doc, &err), &err);
		out = write_str(doc);
		ASSERT_STR_EQ(out, raw);
		free(out);
		c2e_md_doc_free(doc);
		free(raw);
		free(path);
	}
}

static void test_md__prettier_wrapped_and_unknown_type(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;
	char *p1 = fixture("fixtures/corpus/eca/tyoshikawa1106__salesforce-"
	                   "platform-playground__Salesforce_API_Playground_"
	                   "Integration_glbloauth.ecaGlblOauth-meta.xml");
	char *p2 = fixture("fixtures/corpus/eca/tyoshikawa1106__salesforce-"
	                   "platform-playground__Salesforce_API_Playground_"
	                   "defOauthSecuritySet.ecaOauthSecurity-meta.xml");
	char *out;

	ASSERT_OK(c2e_md_parse_file(p1, NULL, &doc, &err), &err);
	ASSERT_STR_EQ(c2e_md_get(doc->root, "externalClientApplication"),
	              "Salesforce_API_Playground_Integration");
	ASSERT_INT_EQ(c2e_md_get_bool(doc->root, "isPkceRequired"), 0);
	ASSERT_INT_EQ(
	        c2e_md_get_bool(doc->root, "isSecretRequiredForRefreshToken"),
	        1);
	ASSERT_INT_EQ(c2e_md_get_bool(doc->root, "isDeviceFlowEnabledX"), -1);
	c2e_md_doc_free(doc);
	doc = NULL;

	/* a registry type the v66 schema does not have: all fields unknown */
	ASSERT_OK(c2e_md_parse_file(p2, NULL, &doc, &err), &err);
	ASSERT_NULL(doc->type);
	ASSERT_STR_EQ(doc->mdtype->name, "ExtlClntAppOauthSecuritySettings");
	ASSERT_STR_EQ(doc->full_name, "tyoshikawa1106__salesforce-platform-"
	                              "playground__Salesforce_API_Playground_"
	                              "defOauthSecuritySet");
	ASSERT_INT_EQ(count_unknown(doc), 2);
	ASSERT_STR_EQ(c2e_md_get(doc->root, "externalClientApplication"),
	              "Salesforce_API_Playground");
	ASSERT_INT_EQ(c2e_md_set(doc->root, "label", "x", &err), C2E_ERROR);
	out = write_str(doc);
	ASSERT_STR_EQ(out, HEAD "<ExtlClntAppOauthSecuritySettings " NS ">\n"
	                        "    <externalClientApplication>Salesforce_API_"
	                        "Playground</externalClientApplication>\n"
	                        "    <label>Salesforce_API_Playground_"
	                        "oauthSecurity</label>\n"
	                        "</ExtlClntAppOauthSecuritySettings>\n");
	free(out);
	c2e_md_doc_free(doc);
	free(p1);
	free(p2);
}

static void test_md__metadata_format_file_name(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;
	char *path = fixture("fixtures/corpus/connectedApps/bobbywhitesfdc__"
	                     "GREENORG__Postman.connectedApp");
	char *copy;

	ASSERT_OK(c2e_md_parse_file(path, NULL, &doc, &err), &err);
	ASSERT_STR_EQ(doc->full_name, "bobbywhitesfdc__GREENORG__Postman");
	ASSERT_STR_EQ(doc->mdtype->name, "ConnectedApp");
	ASSERT_INT_EQ(
	        c2e_md_count(c2e_md_child(doc->root, "oauthConfig"), "scopes"),
	        4);
	c2e_md_doc_free(doc);
	doc = NULL;

	/* the name must be one we know, and agree with the content */
	ASSERT_INT_EQ(c2e_md_parse_file("/tmp/x.xml", NULL, &doc, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'/tmp/x.xml': not a metadata file name");
	ASSERT_INT_EQ(c2e_md_parse_file(path, "ExternalClientApplication", &doc,
	                                &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "expected a ExternalClientApplication");
	copy = c2e_path_join(test_tmp_dir(), "Postman.eca-meta.xml");
	{
		size_t n;
		char *raw = test_slurp(path, &n);

		ASSERT_OK(c2e_fs_write_atomic(copy, raw, n, 0644, &err), &err);
		free(raw);
	}
	ASSERT_INT_EQ(c2e_md_parse_file(copy, NULL, &doc, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "Postman.eca-meta.xml': line 2: expected "
	                             "a ExternalClientApplication, found a "
	                             "ConnectedApp");
	ASSERT_NULL(doc);
	free(copy);
	free(path);
}

static void test_md__value_errors_name_file_line_and_field(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_INT_EQ(parse_fail(HEAD "<ExtlClntAppMobileSettings " NS ">\n"
	                              "<externalClientApplication>A"
	                              "</externalClientApplication>\n"
	                              "<isScreenLockEnabled>yes"
	                              "</isScreenLockEnabled>\n"
	                              "</ExtlClntAppMobileSettings>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "'mem.xml': line 4: isScreenLockEnabled: 'yes' "
	                       "is not a boolean (use true or false)");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConversationChannelDefinition " NS ">"
	                              "<customEventPayloadField>p"
	                              "</customEventPayloadField>"
	                              "<customPlatformEvent>e"
	                              "</customPlatformEvent>"
	                              "<developerName>d</developerName>"
	                              "<masterLabel>m</masterLabel>"
	                              "<maxParticipantsForCnfrOverride>3x"
	                              "</maxParticipantsForCnfrOverride>"
	                              "</ConversationChannelDefinition>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "maxParticipantsForCnfrOverride: '3x' is "
	                             "not an integer");
	ASSERT_INT_EQ(parse_fail(HEAD
	                         "<ExtlClntAppOauthConfigurablePolicies " NS
	                         "><externalClientApplication>A"
	                         "</externalClientApplication>"
	                         "<guestJwtTimeout>3000000000"
	                         "</guestJwtTimeout>"
	                         "</ExtlClntAppOauthConfigurablePolicies>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "guestJwtTimeout: '3000000000' is not an "
	                             "integer (32-bit, decimal)");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS ">\n"
	                              "<contactEmail>a</contactEmail>\n"
	                              "<label>L</label>\n<label>M</label>\n"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "'mem.xml': line 5: label: the field appears "
	                       "more than once (it takes one value)");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS ">\n"
	                              "<contactEmail>a</contactEmail>\n"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "'mem.xml': line 2: ConnectedApp: required "
	                       "field 'label' is missing");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS ">\n"
	                              "<contactEmail>a</contactEmail>\n"
	                              "<label>L</label>\n<oauthConfig>\n"
	                              "<scopes>Api</scopes>\n</oauthConfig>\n"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "'mem.xml': line 5: oauthConfig: required "
	                       "field 'callbackUrl' is missing");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS "><contactEmail>a<b/>"
	                              "</contactEmail><label>L</label>"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "contactEmail: a simple field cannot "
	                             "contain elements");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp><label>L</label>"
	                              "</ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "is not in the metadata namespace");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedAppOauthConfig " NS ">"
	                              "<callbackUrl>x</callbackUrl>"
	                              "</ConnectedAppOauthConfig>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'ConnectedAppOauthConfig' is not a "
	                             "metadata type ca2eca knows");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS "><label>L</label>"
	                              "</ConnectedApp>",
	                         "ExternalClientApplication", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "expected a ExternalClientApplication, "
	                             "found a ConnectedApp");

	ASSERT_INT_EQ(parse_fail(HEAD "<ConnectedApp " NS "><label>L</label>"
	                              "<x:contactEmail xmlns:x=\"urn:x\">a"
	                              "</x:contactEmail></ConnectedApp>",
	                         NULL, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "contactEmail: the element is not in the "
	                             "metadata namespace");

	ASSERT_INT_EQ(
	        parse_fail(HEAD "<ConnectedApp " NS "><label>", NULL, &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'mem.xml' is not well-formed XML: line");
}

static void test_md__order_in_input_does_not_matter(void)
{
	struct c2e_md_doc *doc =
	        parse_str(HEAD "<ConnectedApp " NS ">\n"
	                       "    <profileName>P2</profileName>\n"
	                       "    <label>L</label>\n"
	                       "    <oauthConfig>\n"
	                       "        <scopes>Web</scopes>\n"
	                       "        <callbackUrl>cb</callbackUrl>\n"
	                       "        <scopes>Api</scopes>\n"
	                       "    </oauthConfig>\n"
	                       "    <profileName>P1</profileName>\n"
	                       "    <fullName>Kept</fullName>\n"
	                       "    <contactEmail>e</contactEmail>\n"
	                       "</ConnectedApp>\n");
	char *out = write_str(doc);

	/* fullName stays when the source had it, and goes first */
	ASSERT_STR_EQ(out, HEAD "<ConnectedApp " NS ">\n"
	                        "    <fullName>Kept</fullName>\n"
	                        "    <contactEmail>e</contactEmail>\n"
	                        "    <label>L</label>\n"
	                        "    <oauthConfig>\n"
	                        "        <callbackUrl>cb</callbackUrl>\n"
	                        "        <scopes>Web</scopes>\n"
	                        "        <scopes>Api</scopes>\n"
	                        "    </oauthConfig>\n"
	                        "    <profileName>P2</profileName>\n"
	                        "    <profileName>P1</profileName>\n"
	                        "</ConnectedApp>\n");
	ASSERT_STR_EQ(doc->full_name, "X");
	free(out);
	c2e_md_doc_free(doc);
}

static void test_md__builder_produces_expected_xml(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL, *copy = NULL;
	struct c2e_md_node *attr = NULL;
	char *out, *out2;

	ASSERT_OK(c2e_md_doc_new("ExtlClntAppOauthConfigurablePolicies",
	                         "My_App_oauthPlcy", &doc, &err),
	          &err);
	ASSERT_STR_EQ(doc->mdtype->suffix, "ecaOauthPlcy");
	ASSERT_STR_EQ(doc->full_name, "My_App_oauthPlcy");
	ASSERT_NULL(doc->path);
	ASSERT_OK(c2e_md_set(doc->root, "permittedUsersPolicyType",
	                     "AdminApprovedPreAuthorized", &err),
	          &err);
	ASSERT_OK(c2e_md_set(doc->root, "externalClientApplication", "My_App",
	                     &err),
	          &err);
	ASSERT_OK(c2e_md_set(doc->root, "label", "Old", &err), &err);
	ASSERT_OK(c2e_md_set(doc->root, "label", "My App & <Co>", &err), &err);
	ASSERT_OK(c2e_md_set_bool(doc->root, "isClientCredentialsFlowEnabled",
	                          false, &err),
	          &err);
	ASSERT_OK(c2e_md_set_long(doc->root, "refreshTokenValidityPeriod", 365,
	                          &err),
	          &err);
	ASSERT_OK(
	        c2e_md_add_complex(doc->root, "customAttributes", &attr, &err),
	        &err);
	ASSERT_OK(c2e_md_set(attr, "key", "k2", &err), &err);
	ASSERT_OK(c2e_md_set(attr, "formula", "User.Email", &err), &err);
	ASSERT_OK(
	        c2e_md_add_complex(doc->root, "customAttributes", &attr, &err),
	        &err);
	ASSERT_OK(c2e_md_set(attr, "formula", "\"x\"", &err), &err);
	ASSERT_OK(c2e_md_set(attr, "key", "k1", &err), &err);
	ASSERT_OK(c2e_md_set(doc->root, "commaSeparatedProfile", "Gone", &err),
	          &err);
	c2e_md_remove(doc->root, "commaSeparatedProfile");
	ASSERT_INT_EQ(c2e_md_count(doc->root, "customAttributes"), 2);
	ASSERT_INT_EQ(c2e_md_count(doc->root, "label"), 1);

	out = write_str(doc);
	ASSERT_STR_EQ(out,
	              HEAD "<ExtlClntAppOauthConfigurablePolicies " NS ">\n"
	                   "    <customAttributes>\n"
	                   "        <formula>User.Email</formula>\n"
	                   "        <key>k2</key>\n"
	                   "    </customAttributes>\n"
	                   "    <customAttributes>\n"
	                   "        <formula>&quot;x&quot;</formula>\n"
	                   "        <key>k1</key>\n"
	                   "    </customAttributes>\n"
	                   "    <externalClientApplication>My_App"
	                   "</externalClientApplication>\n"
	                   "    <isClientCredentialsFlowEnabled>false"
	                   "</isClientCredentialsFlowEnabled>\n"
	                   "    <label>My App &amp; &lt;Co&gt;</label>\n"
	                   "    <permittedUsersPolicyType>"
	                   "AdminApprovedPreAuthorized"
	                   "</permittedUsersPolicyType>\n"
	                   "    <refreshTokenValidityPeriod>365"
	                   "</refreshTokenValidityPeriod>\n"
	                   "</ExtlClntAppOauthConfigurablePolicies>\n");

	/* a deep copy writes the same bytes and is independent */
	ASSERT_OK(c2e_md_doc_dup(doc, &copy, &err), &err);
	c2e_md_remove(doc->root, "customAttributes");
	out2 = write_str(copy);
	ASSERT_STR_EQ(out2, out);
	ASSERT_STR_EQ(copy->full_name, "My_App_oauthPlcy");
	free(out2);
	free(out);
	c2e_md_doc_free(copy);
	c2e_md_doc_free(doc);

	/* repeated simple fields */
	doc = NULL;
	ASSERT_OK(c2e_md_doc_new("ConnectedApp", "CA", &doc, &err), &err);
	ASSERT_OK(c2e_md_add_complex(doc->root, "oauthConfig", &attr, &err),
	          &err);
	ASSERT_OK(c2e_md_add(attr, "scopes", "Interaction", &err), &err);
	ASSERT_OK(c2e_md_add(attr, "scopes", "RefreshToken", &err), &err);
	ASSERT_OK(
	        c2e_md_add(attr, "callbackUrl", "https://salesforce.com", &err),
	        &err);
	ASSERT_OK(c2e_md_set(doc->root, "label", "L", &err), &err);
	ASSERT_OK(c2e_md_set(doc->root, "contactEmail", "e@x", &err), &err);
	out = write_str(doc);
	ASSERT_STR_EQ(out, HEAD "<ConnectedApp " NS ">\n"
	                        "    <contactEmail>e@x</contactEmail>\n"
	                        "    <label>L</label>\n"
	                        "    <oauthConfig>\n"
	                        "        <callbackUrl>https://salesforce.com"
	                        "</callbackUrl>\n"
	                        "        <scopes>Interaction</scopes>\n"
	                        "        <scopes>RefreshToken</scopes>\n"
	                        "    </oauthConfig>\n"
	                        "</ConnectedApp>\n");
	free(out);
	c2e_md_doc_free(doc);
}

static void test_md__builder_refuses_bad_names_and_values(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;
	struct c2e_md_node *oc = NULL, *x = NULL;

	ASSERT_INT_EQ(c2e_md_doc_new("NoSuchType", "X", &doc, &err), C2E_ERROR);
	ASSERT_INT_EQ(
	        c2e_md_doc_new("ConnectedAppOauthConfig", "X", &doc, &err),
	        C2E_ERROR);
	ASSERT_INT_EQ(c2e_md_doc_new("ExtlClntAppOauthSecuritySettings", "X",
	                             &doc, &err),
	              C2E_ERROR);
	ASSERT_NULL(doc);
	ASSERT_OK(c2e_md_doc_new("ConnectedApp", "CA", &doc, &err), &err);
	ASSERT_INT_EQ(
	        c2e_md_set(doc->root, "isConsumerKeyOptional", "false", &err),
	        C2E_ERROR);
	ASSERT_STR_CONTAINS(err.msg, "'isConsumerKeyOptional' is not a field "
	                             "of ConnectedApp");
	ASSERT_INT_EQ(c2e_md_set(doc->root, "oauthConfig", "x", &err),
	              C2E_ERROR);
	ASSERT_INT_EQ(c2e_md_add_complex(doc->root, "label", &x, &err),
	              C2E_ERROR);
	ASSERT_NULL(x);
	ASSERT_INT_EQ(c2e_md_add(doc->root, "label", "a", &err), C2E_OK);
	ASSERT_INT_EQ(c2e_md_add(doc->root, "label", "b", &err), C2E_ERROR);
	ASSERT_STR_CONTAINS(err.msg, "takes one value");
	ASSERT_OK(c2e_md_add_complex(doc->root, "oauthConfig", &oc, &err),
	          &err);
	ASSERT_INT_EQ(c2e_md_add_complex(doc->root, "oauthConfig", &x, &err),
	              C2E_ERROR);
	ASSERT_INT_EQ(c2e_md_add(oc, "scopes", "ID", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "oauthConfig/scopes: 'ID' is not a valid "
	                             "ConnectedAppOauthAccessScope value");
	ASSERT_INT_EQ(c2e_md_set(oc, "isAdminApproved", "yes", &err),
	              C2E_EDATA);
	ASSERT_INT_EQ(c2e_md_set(oc, "scopes", "interaction", &err), C2E_EDATA);
	ASSERT_INT_EQ(c2e_md_count(oc, "scopes"), 0);
	ASSERT_INT_EQ(c2e_md_set(NULL, "label", "x", &err), C2E_ERROR);
	c2e_md_doc_free(doc);
}

static void test_md__from_soap_record(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *soap =
	        "<records xmlns=\"http://soap.sforce.com/2006/04/metadata\" "
	        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	        "xsi:type=\"ExtlClntAppMobileSettings\">"
	        "<fullName>My_App_mobile</fullName>"
	        "<isScreenLockEnabled>true</isScreenLockEnabled>"
	        "<externalClientApplication>My_App</externalClientApplication>"
	        "</records>";
	struct c2e_xml_node *x = NULL;
	struct c2e_md_doc *doc = NULL;
	struct c2e_xml_writer *w = NULL;
	struct c2e_buf out = C2E_BUF_INIT;
	char *file;

	ASSERT_OK(c2e_xml_parse(soap, strlen(soap), "response", &x, &err),
	          &err);
	ASSERT_OK(c2e_md_from_xml(x, "ExtlClntAppMobileSettings", "response",
	                          &doc, &err),
	          &err);
	ASSERT_STR_EQ(doc->full_name, "My_App_mobile");
	ASSERT_NULL(c2e_md_child(doc->root, "fullName"));
	ASSERT_STR_EQ(doc->root->name, "ExtlClntAppMobileSettings");
	file = write_str(doc);
	ASSERT(!strstr(file, "fullName"));
	free(file);

	ASSERT_OK(c2e_xmlw_new(&w, false, &err), &err);
	ASSERT_OK(c2e_xmlw_start(w, NULL, "metadata", NULL, &err), &err);
	ASSERT_OK(c2e_md_write_fields(doc, w, true, &err), &err);
	ASSERT_OK(c2e_xmlw_finish(w, &out, &err), &err);
	ASSERT_STR_CONTAINS(out.buf,
	                    "<metadata><fullName>My_App_mobile</fullName>"
	                    "<externalClientApplication>My_App"
	                    "</externalClientApplication>"
	                    "<isScreenLockEnabled>true</isScreenLockEnabled>"
	                    "</metadata>");
	c2e_buf_release(&out);
	c2e_md_doc_free(doc);
	c2e_xml_free(x);

	soap = "<records xmlns=\"http://soap.sforce.com/2006/04/metadata\" "
	       "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	       "xsi:nil=\"true\"/>";
	x = NULL;
	doc = NULL;
	ASSERT_OK(c2e_xml_parse(soap, strlen(soap), "response", &x, &err),
	          &err);
	ASSERT_INT_EQ(
	        c2e_md_from_xml(x, "ConnectedApp", "response", &doc, &err),
	        C2E_ENOTFOUND);
	ASSERT_NULL(doc);
	c2e_xml_free(x);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_md__connected_apps_parse_except_thespis);
	RUN(test_md__multi_line_values_kept_exactly);
	RUN(test_md__unknown_elements_are_kept_with_paths);
	RUN(test_md__xsi_nil);
	RUN(test_md__eca_and_ccd_round_trip_and_validate);
	RUN(test_md__retrieved_file_rewrites_byte_identically);
	RUN(test_md__prettier_wrapped_and_unknown_type);
	RUN(test_md__metadata_format_file_name);
	RUN(test_md__value_errors_name_file_line_and_field);
	RUN(test_md__order_in_input_does_not_matter);
	RUN(test_md__builder_produces_expected_xml);
	RUN(test_md__builder_refuses_bad_names_and_values);
	RUN(test_md__from_soap_record);
	c2e_xml_global_cleanup();
	return test_summary();
}
