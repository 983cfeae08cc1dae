#include "test.h"
#include "util/fs.h"
#include "util/xml.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct c2e_xml_node *parse_ok(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_xml_node *root = NULL;

	ASSERT_OK(c2e_xml_parse(s, strlen(s), "t.xml", &root, &err), &err);
	ASSERT_NOT_NULL(root);
	return root;
}

static int parse_err(const char *s, struct c2e_err *err)
{
	struct c2e_xml_node *root = NULL;
	int rc = c2e_xml_parse(s, strlen(s), "t.xml", &root, err);

	ASSERT_NULL(root);
	return rc;
}

static void test_xml__parses_elements_text_and_lines(void)
{
	struct c2e_xml_node *r =
	        parse_ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                 "<!-- a comment -->\n"
	                 "<root>\n"
	                 "    <a>one</a>\n"
	                 "    <?pi ignored?>\n"
	                 "    <b><!-- c -->two<c/></b>\n"
	                 "    <empty></empty>\n"
	                 "    <a>multi\nline  </a>\n"
	                 "</root>\n");
	struct c2e_xml_node *a, *b;

	ASSERT_STR_EQ(r->name, "root");
	ASSERT_NULL(r->ns);
	ASSERT_INT_EQ(r->line, 3);
	a = r->children;
	ASSERT_STR_EQ(a->name, "a");
	ASSERT_STR_EQ(a->text, "one");
	ASSERT_INT_EQ(a->line, 4);
	b = a->next;
	ASSERT_STR_EQ(b->name, "b");
	ASSERT_STR_EQ(b->text, "two");
	ASSERT_STR_EQ(b->children->name, "c");
	ASSERT_STR_EQ(b->children->text, "");
	ASSERT_NULL(b->children->next);
	ASSERT_STR_EQ(b->next->text, "");
	ASSERT_STR_EQ(b->next->next->text, "multi\nline  ");
	ASSERT_INT_EQ(b->next->next->line, 8);
	ASSERT_NULL(b->next->next->next);
	ASSERT(c2e_xml_child(r, NULL, "b") == b);
	ASSERT_NULL(c2e_xml_child(r, NULL, "zz"));
	c2e_xml_free(r);
}

static void test_xml__namespaces_and_prefixes(void)
{
	struct c2e_xml_node *r =
	        parse_ok("<m:root xmlns:m=\"urn:m\" xmlns=\"urn:d\">"
	                 "<child/><m:x/><y xmlns=\"\"/><p:z xmlns:p=\"urn:m\"/>"
	                 "</m:root>");
	struct c2e_xml_node *c = r->children;

	ASSERT_STR_EQ(r->ns, "urn:m");
	ASSERT_STR_EQ(r->name, "root");
	ASSERT_STR_EQ(c->ns, "urn:d");
	ASSERT_STR_EQ(c->next->ns, "urn:m");
	ASSERT_STR_EQ(c->next->name, "x");
	ASSERT_NULL(c->next->next->ns);
	ASSERT_STR_EQ(c->next->next->next->ns, "urn:m");
	ASSERT_STR_EQ(c->next->next->next->name, "z");
	/* xmlns declarations are not attributes */
	ASSERT_NULL(r->attrs);
	ASSERT(c2e_xml_child(r, "urn:m", "z") == c->next->next->next);
	ASSERT_NULL(c2e_xml_child(r, "urn:other", "z"));
	c2e_xml_free(r);
}

static void test_xml__attributes_and_nil(void)
{
	struct c2e_xml_node *r = parse_ok(
	        "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	        "a=\"1 &amp; 2\" b='q\"'>"
	        "<n xsi:nil=\"true\"/><o xsi:nil=\"false\"/>"
	        "<p xsi:nil=\"1\"/><q nil=\"true\"/></r>");
	struct c2e_xml_node *n = r->children;

	ASSERT_STR_EQ(c2e_xml_attr(r, NULL, "a"), "1 & 2");
	ASSERT_STR_EQ(c2e_xml_attr(r, NULL, "b"), "q\"");
	ASSERT_NULL(c2e_xml_attr(r, NULL, "c"));
	ASSERT_STR_EQ(c2e_xml_attr(n, C2E_NS_XSI, "nil"), "true");
	ASSERT_NULL(c2e_xml_attr(n, "urn:other", "nil"));
	ASSERT(c2e_xml_is_nil(n));
	ASSERT(!c2e_xml_is_nil(n->next));
	ASSERT(c2e_xml_is_nil(n->next->next));
	/* nil without the XSI namespace is just an attribute */
	ASSERT(!c2e_xml_is_nil(n->next->next->next));
	c2e_xml_free(r);
}

static void test_xml__cdata_and_references_become_text(void)
{
	struct c2e_xml_node *r = parse_ok(
	        "<r>x<![CDATA[<b>&amp;</b>]]>y &amp;&lt;&#233;&#x65E5;</r>");

	ASSERT_STR_EQ(r->text, "x<b>&amp;</b>y &<\xc3\xa9\xe6\x97\xa5");
	c2e_xml_free(r);
}

static void test_xml__malformed_gives_edata_with_line(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_INT_EQ(parse_err("<a>\n<b>\n</a>\n", &err), C2E_EDATA);
	ASSERT_INT_EQ(err.code, C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'t.xml' is not well-formed XML: line 3:");
	ASSERT(!strchr(err.msg, '\n'));
	ASSERT_INT_EQ(parse_err("<a x=1/>", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "line 1:");
	ASSERT_INT_EQ(parse_err("<a>&undefined;</a>", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "undefined");
	ASSERT_INT_EQ(parse_err("", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "empty");
	ASSERT_INT_EQ(parse_err("just text", &err), C2E_EDATA);
	ASSERT_INT_EQ(parse_err("<a/><b/>", &err), C2E_EDATA);
}

static void test_xml__truncated_gives_edata_with_line(void)
{
	const char *full = "<?xml version=\"1.0\"?>\n<root>\n  <a>text</a>\n"
	                   "  <b>more</b>\n</root>\n";
	size_t n = strlen(full);

	for (size_t cut = 1; cut < n - 2; cut++) {
		struct c2e_err err = C2E_ERR_INIT;
		struct c2e_xml_node *r = NULL;
		int rc = c2e_xml_parse(full, cut, "cut.xml", &r, &err);

		ASSERT_INT_EQ(rc, C2E_EDATA);
		ASSERT_NULL(r);
		ASSERT_STR_CONTAINS(err.msg, "'cut.xml'");
		ASSERT_STR_CONTAINS(err.msg, "line ");
	}
}

static void test_xml__doctype_is_rejected(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_INT_EQ(parse_err("<?xml version=\"1.0\"?>\n"
	                        "<!DOCTYPE r [<!ENTITY e \"x\">]>\n<r>&e;</r>",
	                        &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'t.xml': line 2: DOCTYPE is not allowed");
	ASSERT_INT_EQ(parse_err("<!DOCTYPE r><r/>", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "DOCTYPE is not allowed");
	/* billion laughs never gets expanded */
	ASSERT_INT_EQ(parse_err("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
	                        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
	                        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
	                        "<r>&c;&c;&c;&c;</r>",
	                        &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "DOCTYPE is not allowed");
}

/*
 * External entities and external DTDs point at a FIFO that holds a
 * secret.  Had libxml2 opened it, the bytes would be gone (or the test
 * would hang until CTest's timeout).
 */
static void test_xml__external_entities_are_not_fetched(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf doc = C2E_BUF_INIT;
	char *fifo = c2e_path_join(test_tmp_dir(), "xxe.fifo");
	char back[64];
	int fd;
	ssize_t n;

	unlink(fifo);
	ASSERT_INT_EQ(mkfifo(fifo, 0600), 0);
	fd = open(fifo, O_RDWR | O_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_INT_EQ(write(fd, "SECRET", 6), 6);

	c2e_buf_addf(
	        &doc,
	        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]><r>&x;</r>",
	        fifo);
	ASSERT_INT_EQ(parse_err(doc.buf, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "DOCTYPE is not allowed");
	c2e_buf_truncate(&doc, 0);
	c2e_buf_addf(&doc, "<!DOCTYPE r SYSTEM \"%s\"><r/>", fifo);
	ASSERT_INT_EQ(parse_err(doc.buf, &err), C2E_EDATA);
	c2e_buf_truncate(&doc, 0);
	c2e_buf_addf(&doc,
	             "<!DOCTYPE r [<!ENTITY %% p SYSTEM \"%s\"> %%p;]><r/>",
	             fifo);
	ASSERT_INT_EQ(parse_err(doc.buf, &err), C2E_EDATA);
	ASSERT(!strstr(err.msg, "SECRET"));
	ASSERT_INT_EQ(parse_err("<!DOCTYPE r SYSTEM "
	                        "\"http://127.0.0.1:9/x.dtd\"><r/>",
	                        &err),
	              C2E_EDATA);

	n = read(fd, back, sizeof(back));
	ASSERT_INT_EQ(n, 6);
	ASSERT(memcmp(back, "SECRET", 6) == 0);
	close(fd);
	unlink(fifo);
	c2e_buf_release(&doc);
	free(fifo);
}

static void nest(struct c2e_buf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		c2e_buf_adds(b, "<e>");
	for (int i = 0; i < depth; i++)
		c2e_buf_adds(b, "</e>");
}

static void test_xml__depth_cap(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_xml_node *r;

	nest(&b, 128);
	r = parse_ok(b.buf);
	c2e_xml_free(r);
	c2e_buf_truncate(&b, 0);
	nest(&b, 129);
	ASSERT_INT_EQ(parse_err(b.buf, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "nested more than 128 levels");
	c2e_buf_truncate(&b, 0);
	nest(&b, 100000);
	ASSERT_INT_EQ(parse_err(b.buf, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "nested more than 128 levels");
	c2e_buf_release(&b);
}

static void test_xml__size_cap(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_xml_node *r = NULL;
	size_t n = C2E_XML_MAX_BYTES + 1;
	char *big = malloc(n);

	ASSERT_NOT_NULL(big);
	memset(big, ' ', n);
	memcpy(big, "<r>", 3);
	ASSERT_INT_EQ(c2e_xml_parse(big, n, "big.xml", &r, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'big.xml' is larger than");
	ASSERT_NULL(r);
	free(big);
}

static char *write_doc(void (*fn)(struct c2e_xml_writer *w))
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_xml_writer *w = NULL;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_xmlw_new(&w, true, &err), &err);
	fn(w);
	ASSERT_OK(c2e_xmlw_finish(w, &out, &err), &err);
	return c2e_buf_detach(&out, NULL);
}

static void doc_format(struct c2e_xml_writer *w)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_OK(c2e_xmlw_start(w, NULL, "Root", C2E_NS_METADATA, &err), &err);
	ASSERT_OK(c2e_xmlw_attr(w, "xmlns", "xsi", NULL, C2E_NS_XSI, &err),
	          &err);
	ASSERT_OK(c2e_xmlw_element(w, NULL, "a", "one", &err), &err);
	ASSERT_OK(c2e_xmlw_start(w, NULL, "b", NULL, &err), &err);
	ASSERT_OK(c2e_xmlw_element(w, NULL, "c", "line1\nline2", &err), &err);
	ASSERT_OK(c2e_xmlw_element(w, NULL, "d", "", &err), &err);
	ASSERT_OK(c2e_xmlw_start(w, NULL, "n", NULL, &err), &err);
	ASSERT_OK(c2e_xmlw_attr(w, "xsi", "nil", NULL, "true", &err), &err);
	ASSERT_OK(c2e_xmlw_end(w, &err), &err);
	ASSERT_OK(c2e_xmlw_end(w, &err), &err);
	ASSERT_OK(c2e_xmlw_element(w, NULL, "e", NULL, &err), &err);
	/* left open: finish closes it */
}

static void test_xml__writer_format(void)
{
	char *s = write_doc(doc_format);

	ASSERT_STR_EQ(s,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<Root xmlns=\"http://soap.sforce.com/2006/04/metadata\""
	              " xmlns:xsi=\"http://www.w3.org/2001/"
	              "XMLSchema-instance\">\n"
	              "    <a>one</a>\n"
	              "    <b>\n"
	              "        <c>line1\nline2</c>\n"
	              "        <d></d>\n"
	              "        <n xsi:nil=\"true\"/>\n"
	              "    </b>\n"
	              "    <e/>\n"
	              "</Root>\n");
	free(s);
}

static void doc_escape(struct c2e_xml_writer *w)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_OK(c2e_xmlw_start(w, "p", "r", "urn:p", &err), &err);
	ASSERT_OK(c2e_xmlw_attr(w, NULL, "a", NULL, "x<&\"'>\n", &err), &err);
	ASSERT_OK(
	        c2e_xmlw_element(w, "p", "t", "a & b < c > d \"q\" 'a'", &err),
	        &err);
	ASSERT_OK(c2e_xmlw_start(w, NULL, "u", NULL, &err), &err);
	ASSERT_OK(
	        c2e_xmlw_text(w, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", &err),
	        &err);
	ASSERT_OK(c2e_xmlw_end(w, &err), &err);
	ASSERT_OK(c2e_xmlw_end(w, &err), &err);
}

static void test_xml__writer_escapes_everything(void)
{
	char *s = write_doc(doc_escape);
	struct c2e_xml_node *r;

	ASSERT_STR_CONTAINS(s,
	                    "<p:r xmlns:p=\"urn:p\" a=\"x&lt;&amp;&quot;'&gt;"
	                    "&#10;\">");
	ASSERT_STR_CONTAINS(s, "<p:t>a &amp; b &lt; c &gt; d");
	/* non-ASCII stays UTF-8, not character references */
	ASSERT_STR_CONTAINS(s, "<u>caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac</u>");
	r = parse_ok(s);
	ASSERT_STR_EQ(c2e_xml_attr(r, NULL, "a"), "x<&\"'>\n");
	ASSERT_STR_EQ(r->children->text, "a & b < c > d \"q\" 'a'");
	ASSERT_STR_EQ(r->children->ns, "urn:p");
	ASSERT_STR_EQ(r->children->next->text,
	              "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
	c2e_xml_free(r);
	free(s);
}

static void test_xml__writer_refuses_what_xml_cannot_carry(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_xml_writer *w = NULL;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_xmlw_new(&w, false, &err), &err);
	ASSERT_OK(c2e_xmlw_start(w, NULL, "r", NULL, &err), &err);
	ASSERT_INT_EQ(c2e_xmlw_element(w, NULL, "a", "bad \xff utf8", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'a' is not valid UTF-8");
	ASSERT_INT_EQ(c2e_xmlw_text(w, "bell\a", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "control character 0x07");
	ASSERT_INT_EQ(c2e_xmlw_end(w, &err), C2E_OK);
	/* nothing open any more */
	ASSERT_INT_EQ(c2e_xmlw_end(w, &err), C2E_ERROR);
	ASSERT_OK(c2e_xmlw_finish(w, &out, &err), &err);
	ASSERT_STR_EQ(out.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                       "<r/>\n");
	c2e_buf_release(&out);
	c2e_xmlw_free(NULL);
}

static const char test_xsd[] =
        "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
        "targetNamespace=\"urn:t\" xmlns:t=\"urn:t\" "
        "elementFormDefault=\"qualified\">\n"
        "<xsd:element name=\"r\">\n"
        " <xsd:complexType><xsd:sequence>\n"
        "  <xsd:element name=\"a\" type=\"xsd:boolean\"/>\n"
        "  <xsd:element name=\"b\" type=\"xsd:int\" minOccurs=\"0\"/>\n"
        " </xsd:sequence></xsd:complexType>\n"
        "</xsd:element>\n"
        "</xsd:schema>\n";

static void test_xml__schema_validation(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	const char *good = "<r xmlns=\"urn:t\"><a>true</a><b>3</b></r>";
	const char *bad = "<r xmlns=\"urn:t\">\n<a>true</a>\n<b>x</b>\n</r>";
	const char *order = "<r xmlns=\"urn:t\"><b>3</b><a>true</a></r>";

	ASSERT_OK(c2e_xml_validate(test_xsd, strlen(test_xsd), NULL, good,
	                           strlen(good), "good.xml", &err),
	          &err);
	ASSERT_INT_EQ(c2e_xml_validate(test_xsd, strlen(test_xsd), NULL, bad,
	                               strlen(bad), "bad.xml", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg,
	                    "'bad.xml' does not match the schema: line 3:");
	ASSERT_INT_EQ(c2e_xml_validate(test_xsd, strlen(test_xsd), NULL, order,
	                               strlen(order), "o.xml", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "line 1:");
	ASSERT_INT_EQ(c2e_xml_validate("<nope", 5, NULL, good, strlen(good),
	                               "good.xml", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "not well-formed");
	ASSERT_INT_EQ(c2e_xml_validate(test_xsd, strlen(test_xsd), NULL, "<r",
	                               2, "trunc.xml", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'trunc.xml' is not well-formed");
}

static void test_xml__validation_with_includes(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *xsd_path = c2e_path_join(test_source_dir(),
	                               "fixtures/xsd/validate-v66.xsd");
	size_t xsd_len;
	char *xsd = test_slurp(xsd_path, &xsd_len);
	const char *ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                 "<ExtlClntAppMobileSettings xmlns=\"http://soap."
	                 "sforce.com/2006/04/metadata\">\n"
	                 "    <externalClientApplication>x"
	                 "</externalClientApplication>\n"
	                 "    <isScreenLockEnabled>true</isScreenLockEnabled>\n"
	                 "</ExtlClntAppMobileSettings>\n";
	const char *bad = "<ExtlClntAppMobileSettings xmlns=\"http://soap."
	                  "sforce.com/2006/04/metadata\">\n"
	                  "    <isScreenLockEnabled>maybe</isScreenLockEnabled>"
	                  "\n</ExtlClntAppMobileSettings>\n";

	ASSERT_OK(c2e_xml_validate(xsd, xsd_len, xsd_path, ok, strlen(ok),
	                           "ok.xml", &err),
	          &err);
	ASSERT_INT_EQ(c2e_xml_validate(xsd, xsd_len, xsd_path, bad, strlen(bad),
	                               "bad.xml", &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "line 2:");
	free(xsd);
	free(xsd_path);
}

/* Failures of every kind leave stderr untouched. */
static void test_xml__nothing_reaches_stderr(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = c2e_path_join(test_tmp_dir(), "stderr.txt");
	const char *bad = "<r xmlns=\"urn:t\"><b>x</b></r>";
	const char *bad_xsd = "<xsd:schema xmlns:xsd=\"http://www.w3.org/"
	                      "2001/XMLSchema\"><xsd:include "
	                      "schemaLocation=\"/nonexistent.xsd\"/>"
	                      "<xsd:bogus/></xsd:schema>";
	/* libxml2 warns about relative namespace URIs */
	const char *warn = "<r xmlns:x=\"not/absolute\"><x:y/></r>";
	struct c2e_xml_node *r;
	struct stat st;
	int rc[5];
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	rc[0] = parse_err("<a><b></a>", &err);
	rc[1] = parse_err("<!DOCTYPE r SYSTEM \"/nonexistent.dtd\"><r/>", &err);
	rc[2] = c2e_xml_validate(test_xsd, strlen(test_xsd), NULL, bad,
	                         strlen(bad), "bad.xml", &err);
	rc[3] = c2e_xml_validate(bad_xsd, strlen(bad_xsd), NULL, bad,
	                         strlen(bad), "bad.xml", &err);
	r = NULL;
	rc[4] = c2e_xml_parse(warn, strlen(warn), "w.xml", &r, &err);
	c2e_xml_free(r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	for (int i = 0; i < 4; i++)
		ASSERT_INT_EQ(rc[i], C2E_EDATA);
	ASSERT_INT_EQ(rc[4], C2E_OK);
	ASSERT_INT_EQ(stat(path, &st), 0);
	ASSERT_INT_EQ(st.st_size, 0);
	free(path);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_xml__parses_elements_text_and_lines);
	RUN(test_xml__namespaces_and_prefixes);
	RUN(test_xml__attributes_and_nil);
	RUN(test_xml__cdata_and_references_become_text);
	RUN(test_xml__malformed_gives_edata_with_line);
	RUN(test_xml__truncated_gives_edata_with_line);
	RUN(test_xml__doctype_is_rejected);
	RUN(test_xml__external_entities_are_not_fetched);
	RUN(test_xml__depth_cap);
	RUN(test_xml__size_cap);
	RUN(test_xml__writer_format);
	RUN(test_xml__writer_escapes_everything);
	RUN(test_xml__writer_refuses_what_xml_cannot_carry);
	RUN(test_xml__schema_validation);
	RUN(test_xml__validation_with_includes);
	RUN(test_xml__nothing_reaches_stderr);
	c2e_xml_global_cleanup();
	return test_summary();
}
