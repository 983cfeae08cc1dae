/*
 * xml.c - the only module that includes libxml2.
 *
 * Parsing: one parser context per document, its own structured error
 * handler (the first error wins; nothing reaches stderr), SAX hooks that
 * refuse any DOCTYPE before its internal subset is read and that stop
 * at C2E_XML_MAX_DEPTH levels.  Options: XML_PARSE_NONET (no network),
 * XML_PARSE_NOCDATA (CDATA arrives as text), XML_PARSE_BIG_LINES; never
 * XML_PARSE_NOENT or DTD loading.  The libxml2 tree is then copied into
 * our own small tree and freed.
 */
#include "util/xml.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#include "util/str.h"

#include "util/compat.h"

/* Deepest element nesting we accept (libxml2's own limit is 256). */
#define C2E_XML_MAX_DEPTH 128

#define XML_PARSE_FLAGS \
	(XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

/* What went wrong while libxml2 was working, first thing only. */
struct xml_capture {
	bool have_error;
	long line;
	char msg[256];
	bool doctype;
	bool too_deep;
	long stop_line;
	int depth;
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
};

static void xml_capture_error(struct xml_capture *cap, const xmlError *e)
{
	size_t n;

	if (!cap || !e || cap->have_error || e->level < XML_ERR_ERROR)
		return;
	cap->have_error = true;
	cap->line = e->line;
	if (snprintf(cap->msg, sizeof(cap->msg), "%s",
	             e->message ? e->message : "unknown error") < 0)
		cap->msg[0] = '\0';
	/* libxml2 messages end in a newline; keep one line */
	n = strlen(cap->msg);
	while (n > 0 && (cap->msg[n - 1] == '\n' || cap->msg[n - 1] == ' ' ||
	                 cap->msg[n - 1] == '\r'))
		cap->msg[--n] = '\0';
	for (char *p = cap->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* Parser contexts pass themselves; the capture hangs off _private. */
static void xml_on_parser_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;

	if (ctxt)
		xml_capture_error(ctxt->_private, e);
}

/* Schema contexts pass the capture directly. */
static void xml_on_schema_error(void *ctx, xmlErrorPtr e)
{
	xml_capture_error(ctx, e);
}

static void xml_generic_noop(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static long xml_ctxt_line(xmlParserCtxtPtr ctxt)
{
	return ctxt->input ? (long)ctxt->input->line : 0;
}

/* A DOCTYPE: stop before its internal subset is even read. */
static void xml_on_doctype(void *ctx, const xmlChar *name,
                           const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_capture *cap = ctxt->_private;

	(void)name;
	(void)external_id;
	(void)system_id;
	if (cap && !cap->doctype && !cap->too_deep) {
		cap->doctype = true;
		cap->stop_line = xml_ctxt_line(ctxt);
	}
	xmlStopParser(ctxt);
}

static void xml_on_start(void *ctx, const xmlChar *localname,
                         const xmlChar *prefix, const xmlChar *uri,
                         int nb_namespaces, const xmlChar **namespaces,
                         int nb_attributes, int nb_defaulted,
                         const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_capture *cap = ctxt->_private;

	if (++cap->depth > C2E_XML_MAX_DEPTH) {
		if (!cap->doctype && !cap->too_deep) {
			cap->too_deep = true;
			cap->stop_line = xml_ctxt_line(ctxt);
		}
		xmlStopParser(ctxt);
		return;
	}
	cap->start(ctx, localname, prefix, uri, nb_namespaces, namespaces,
	           nb_attributes, nb_defaulted, attributes);
}

static void xml_on_end(void *ctx, const xmlChar *localname,
                       const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_capture *cap = ctxt->_private;

	cap->depth--;
	cap->end(ctx, localname, prefix, uri);
}

/*
 * Parses `len` bytes into a libxml2 document with every guard on.  On
 * success `*out` owns the document (xmlFreeDoc).  `url` is the base URL
 * (for schema includes) or NULL.
 */
static int xml_read(const char *data, size_t len, const char *what,
                    const char *url, xmlDocPtr *out, struct c2e_err *err)
{
	struct xml_capture cap;
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int rc = C2E_OK;

	memset(&cap, 0, sizeof(cap));
	if (len > C2E_XML_MAX_BYTES || len > INT_MAX)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s' is larger than %zu bytes", what,
		                   C2E_XML_MAX_BYTES);
	if (len == 0 || !data)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s' is not well-formed XML: line 1: the "
		                   "document is empty",
		                   what);
	ctxt = xmlNewParserCtxt();
	if (!ctxt || !ctxt->sax)
		goto oom;
	ctxt->_private = &cap;
	ctxt->sax->serror = xml_on_parser_error;
	ctxt->sax->error = NULL;
	ctxt->sax->warning = NULL;
	ctxt->sax->internalSubset = xml_on_doctype;
	ctxt->sax->externalSubset = NULL;
	cap.start = ctxt->sax->startElementNs;
	cap.end = ctxt->sax->endElementNs;
	if (!cap.start || !cap.end) {
		rc = c2e_err_set(err, C2E_ERROR,
		                 "libxml2 has no SAX2 element handlers");
		goto done;
	}
	ctxt->sax->startElementNs = xml_on_start;
	ctxt->sax->endElementNs = xml_on_end;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, url, NULL,
	                        XML_PARSE_FLAGS);
	if (cap.doctype || (doc && doc->intSubset)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s': line %ld: DOCTYPE is not allowed "
		                 "(metadata XML never needs one; remove it)",
		                 what, cap.doctype ? cap.stop_line : 1L);
		goto done;
	}
	if (cap.too_deep) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s': line %ld: elements are nested more "
		                 "than %d levels deep",
		                 what, cap.stop_line, C2E_XML_MAX_DEPTH);
		goto done;
	}
	if (cap.have_error || !doc || !ctxt->wellFormed) {
		if (!cap.have_error && ctxt->errNo == XML_ERR_NO_MEMORY)
			goto oom;
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is not well-formed XML: line %ld: %s",
		                 what, cap.have_error ? cap.line : 0L,
		                 cap.have_error ? cap.msg : "parse failed");
		goto done;
	}
	if (!xmlDocGetRootElement(doc)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is not well-formed XML: line 1: no "
		                 "root element",
		                 what);
		goto done;
	}
	*out = doc;
	doc = NULL;
	goto done;
oom:
	rc = c2e_err_oom(err);
done:
	if (doc)
		xmlFreeDoc(doc);
	if (ctxt) {
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	return rc;
}

/* A copy of a libxml2 string in our allocator; NULL becomes "". */
static char *xml_dup(const xmlChar *s)
{
	return c2e_strdup(s ? (const char *)s : "");
}

static void xml_free_attrs(struct c2e_xml_attr *a)
{
	while (a) {
		struct c2e_xml_attr *next = a->next;

		free(a->ns);
		free(a->name);
		free(a->value);
		free(a);
		a = next;
	}
}

void c2e_xml_free(struct c2e_xml_node *node)
{
	while (node) {
		struct c2e_xml_node *next = node->next;

		c2e_xml_free(node->children);
		xml_free_attrs(node->attrs);
		free(node->ns);
		free(node->name);
		free(node->text);
		free(node);
		node = next;
	}
}

static int xml_copy_attrs(const xmlNode *src, struct c2e_xml_node *dst,
                          struct c2e_err *err)
{
	struct c2e_xml_attr **tail = &dst->attrs;

	for (const xmlAttr *a = src->properties; a; a = a->next) {
		struct c2e_xml_attr *ca = calloc(1, sizeof(*ca));
		xmlChar *v;

		if (!ca)
			return c2e_err_oom(err);
		*tail = ca;
		tail = &ca->next;
		v = xmlNodeGetContent((const xmlNode *)(uintptr_t)a);
		ca->value = xml_dup(v);
		if (v)
			xmlFree(v);
		ca->name = xml_dup(a->name);
		if (a->ns && a->ns->href)
			ca->ns = xml_dup(a->ns->href);
		if (!ca->value || !ca->name ||
		    (a->ns && a->ns->href && !ca->ns))
			return c2e_err_oom(err);
	}
	return C2E_OK;
}

/* Copies one element and its subtree; `*out` is set even on failure. */
static int xml_copy(const xmlNode *src, struct c2e_xml_node **out,
                    struct c2e_err *err)
{
	struct c2e_xml_node *n = calloc(1, sizeof(*n));
	struct c2e_xml_node **tail;
	struct c2e_buf text = C2E_BUF_INIT;
	int rc;

	*out = n;
	if (!n)
		return c2e_err_oom(err);
	n->name = xml_dup(src->name);
	if (!n->name)
		return c2e_err_oom(err);
	if (src->ns && src->ns->href) {
		n->ns = xml_dup(src->ns->href);
		if (!n->ns)
			return c2e_err_oom(err);
	}
	n->line = xmlGetLineNo(src);
	rc = xml_copy_attrs(src, n, err);
	if (rc != C2E_OK)
		return rc;
	tail = &n->children;
	for (const xmlNode *c = src->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			if (c->content)
				c2e_buf_adds(&text, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			rc = xml_copy(c, tail, err);
			if (*tail)
				tail = &(*tail)->next;
			if (rc != C2E_OK)
				goto done;
		}
	}
	if (c2e_buf_failed(&text)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	n->text = c2e_buf_detach(&text, NULL);
	if (!n->text)
		rc = c2e_err_oom(err);
done:
	c2e_buf_release(&text);
	return rc;
}

int c2e_xml_parse(const char *data, size_t len, const char *what,
                  struct c2e_xml_node **out, struct c2e_err *err)
{
	xmlDocPtr doc = NULL;
	struct c2e_xml_node *root = NULL;
	int rc;

	rc = xml_read(data, len, what, NULL, &doc, err);
	if (rc != C2E_OK)
		return rc;
	rc = xml_copy(xmlDocGetRootElement(doc), &root, err);
	if (rc != C2E_OK)
		goto done;
	*out = root;
	root = NULL;
done:
	c2e_xml_free(root);
	xmlFreeDoc(doc);
	return rc;
}

const char *c2e_xml_attr(const struct c2e_xml_node *node, const char *ns,
                         const char *name)
{
	if (!node || !name)
		return NULL;
	for (const struct c2e_xml_attr *a = node->attrs; a; a = a->next)
		if (strcmp(a->name, name) == 0 &&
		    (!ns || c2e_str_eq(a->ns, ns)))
			return a->value;
	return NULL;
}

struct c2e_xml_node *c2e_xml_child(const struct c2e_xml_node *node,
                                   const char *ns, const char *name)
{
	if (!node || !name)
		return NULL;
	for (struct c2e_xml_node *c = node->children; c; c = c->next)
		if (strcmp(c->name, name) == 0 &&
		    (!ns || c2e_str_eq(c->ns, ns)))
			return c;
	return NULL;
}

bool c2e_xml_is_nil(const struct c2e_xml_node *node)
{
	const char *v = c2e_xml_attr(node, C2E_NS_XSI, "nil");
	const char *s;
	size_t n;

	if (!v)
		return false;
	c2e_str_trim(v, &s, &n);
	return (n == 4 && memcmp(s, "true", 4) == 0) || (n == 1 && s[0] == '1');
}

/* --- writer --- */

struct c2e_xml_writer {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
};

void c2e_xmlw_free(struct c2e_xml_writer *w)
{
	if (!w)
		return;
	if (w->w)
		xmlFreeTextWriter(w->w);
	if (w->buf) {
		/* an envelope carries a session id: wipe it before freeing */
		int n = xmlBufferLength(w->buf);

		if (n > 0)
			c2e_wipe((void *)(uintptr_t)xmlBufferContent(w->buf),
			         (size_t)n);
		xmlBufferFree(w->buf);
	}
	free(w);
}

static int xmlw_fail(const char *op, const char *name, struct c2e_err *err)
{
	return c2e_err_set(err, C2E_ERROR,
	                   "cannot write XML: %s '%s' failed (out of memory, "
	                   "or elements not nested properly)",
	                   op, name ? name : "");
}

/*
 * Text we write must be UTF-8 without the control characters XML 1.0
 * cannot carry (tab, newline and carriage return are fine).
 */
static int xmlw_check(const char *what, const char *s, struct c2e_err *err)
{
	if (!s)
		return C2E_OK;
	if (!xmlCheckUTF8((const unsigned char *)s))
		return c2e_err_set(err, C2E_EDATA,
		                   "the value of '%s' is not valid UTF-8",
		                   what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return c2e_err_set(err, C2E_EDATA,
			                   "the value of '%s' contains control "
			                   "character 0x%02x, which XML cannot "
			                   "carry",
			                   what, *p);
	return C2E_OK;
}

int c2e_xmlw_new(struct c2e_xml_writer **out, bool indent, struct c2e_err *err)
{
	struct c2e_xml_writer *w = calloc(1, sizeof(*w));
	int rc = C2E_OK;

	if (!w)
		return c2e_err_oom(err);
	w->buf = xmlBufferCreate();
	if (!w->buf)
		goto oom;
	w->w = xmlNewTextWriterMemory(w->buf, 0);
	if (!w->w)
		goto oom;
	if (indent &&
	    (xmlTextWriterSetIndent(w->w, 1) < 0 ||
	     xmlTextWriterSetIndentString(w->w, (const xmlChar *)"    ") < 0))
		goto oom;
	if (xmlTextWriterStartDocument(w->w, "1.0", "UTF-8", NULL) < 0)
		goto oom;
	*out = w;
	w = NULL;
	goto done;
oom:
	rc = c2e_err_oom(err);
done:
	c2e_xmlw_free(w);
	return rc;
}

/*
 * Namespace declarations are written as plain attributes, right where
 * they are asked for: libxml2's own NS handling would put them after
 * the other attributes, and Salesforce files start with xmlns="...".
 */
static int xmlw_qname(struct c2e_buf *b, const char *prefix, const char *name)
{
	if (prefix)
		c2e_buf_addf(b, "%s:%s", prefix, name);
	else
		c2e_buf_adds(b, name);
	return c2e_buf_failed(b) ? -1 : 0;
}

int c2e_xmlw_start(struct c2e_xml_writer *w, const char *prefix,
                   const char *name, const char *ns_uri, struct c2e_err *err)
{
	struct c2e_buf qn = C2E_BUF_INIT, decl = C2E_BUF_INIT;
	int rc = C2E_OK;

	if (xmlw_qname(&qn, prefix, name) < 0 ||
	    xmlw_qname(&decl, prefix ? "xmlns" : NULL,
	               prefix ? prefix : "xmlns") < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (xmlTextWriterStartElement(w->w, (const xmlChar *)qn.buf) < 0) {
		rc = xmlw_fail("start element", qn.buf, err);
		goto done;
	}
	if (ns_uri) {
		rc = xmlw_check(decl.buf, ns_uri, err);
		if (rc != C2E_OK)
			goto done;
		if (xmlTextWriterWriteAttribute(w->w, (const xmlChar *)decl.buf,
		                                (const xmlChar *)ns_uri) < 0)
			rc = xmlw_fail("attribute", decl.buf, err);
	}
done:
	c2e_buf_release(&qn);
	c2e_buf_release(&decl);
	return rc;
}

int c2e_xmlw_attr(struct c2e_xml_writer *w, const char *prefix,
                  const char *name, const char *ns_uri, const char *value,
                  struct c2e_err *err)
{
	struct c2e_buf qn = C2E_BUF_INIT, decl = C2E_BUF_INIT;
	int rc;

	rc = xmlw_check(name, value, err);
	if (rc != C2E_OK)
		return rc;
	if (xmlw_qname(&qn, prefix, name) < 0 ||
	    xmlw_qname(&decl, prefix ? "xmlns" : NULL,
	               prefix ? prefix : "xmlns") < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (ns_uri) {
		rc = xmlw_check(decl.buf, ns_uri, err);
		if (rc != C2E_OK)
			goto done;
		if (xmlTextWriterWriteAttribute(w->w, (const xmlChar *)decl.buf,
		                                (const xmlChar *)ns_uri) < 0) {
			rc = xmlw_fail("attribute", decl.buf, err);
			goto done;
		}
	}
	if (xmlTextWriterWriteAttribute(w->w, (const xmlChar *)qn.buf,
	                                (const xmlChar *)value) < 0)
		rc = xmlw_fail("attribute", qn.buf, err);
done:
	c2e_buf_release(&qn);
	c2e_buf_release(&decl);
	return rc;
}

int c2e_xmlw_text(struct c2e_xml_writer *w, const char *text,
                  struct c2e_err *err)
{
	int rc = xmlw_check("text", text, err);

	if (rc != C2E_OK)
		return rc;
	if (xmlTextWriterWriteString(w->w, (const xmlChar *)text) < 0)
		return xmlw_fail("text", "", err);
	return C2E_OK;
}

int c2e_xmlw_element(struct c2e_xml_writer *w, const char *prefix,
                     const char *name, const char *text, struct c2e_err *err)
{
	struct c2e_buf qn = C2E_BUF_INIT;
	int rc;

	rc = xmlw_check(name, text, err);
	if (rc != C2E_OK)
		return rc;
	if (xmlw_qname(&qn, prefix, name) < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (xmlTextWriterWriteElement(w->w, (const xmlChar *)qn.buf,
	                              (const xmlChar *)text) < 0)
		rc = xmlw_fail("element", qn.buf, err);
done:
	c2e_buf_release(&qn);
	return rc;
}

int c2e_xmlw_end(struct c2e_xml_writer *w, struct c2e_err *err)
{
	if (xmlTextWriterEndElement(w->w) < 0)
		return xmlw_fail("end element", "", err);
	return C2E_OK;
}

int c2e_xmlw_finish(struct c2e_xml_writer *w, struct c2e_buf *out,
                    struct c2e_err *err)
{
	const char *content;
	size_t len;
	int rc = C2E_OK;

	if (xmlTextWriterEndDocument(w->w) < 0 ||
	    xmlTextWriterFlush(w->w) < 0) {
		rc = xmlw_fail("end document", "", err);
		goto done;
	}
	content = (const char *)xmlBufferContent(w->buf);
	len = content ? strlen(content) : 0;
	c2e_buf_addn(out, content ? content : "", len);
	if (len == 0 || content[len - 1] != '\n')
		c2e_buf_addc(out, '\n');
	if (c2e_buf_failed(out))
		rc = c2e_buf_err(out, "XML output", err);
done:
	c2e_xmlw_free(w);
	return rc;
}

/* --- schema validation --- */

int c2e_xml_validate(const char *xsd, size_t xsd_len, const char *xsd_base,
                     const char *doc, size_t doc_len, const char *what,
                     struct c2e_err *err)
{
	struct xml_capture cap;
	xmlDocPtr xsd_doc = NULL, inst = NULL;
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	const char *xsd_what = xsd_base ? xsd_base : "XML schema";
	int rc, v;

	memset(&cap, 0, sizeof(cap));
	rc = xml_read(xsd, xsd_len, xsd_what, xsd_base, &xsd_doc, err);
	if (rc != C2E_OK)
		goto done;
	pctxt = xmlSchemaNewDocParserCtxt(xsd_doc);
	if (!pctxt) {
		rc = c2e_err_oom(err);
		goto done;
	}
	xmlSchemaSetParserStructuredErrors(pctxt, xml_on_schema_error, &cap);
	schema = xmlSchemaParse(pctxt);
	if (!schema) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "'%s' is not a usable XML schema: line %ld: %s",
		        xsd_what, cap.line,
		        cap.have_error ? cap.msg : "parse failed");
		goto done;
	}
	rc = xml_read(doc, doc_len, what, NULL, &inst, err);
	if (rc != C2E_OK)
		goto done;
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt) {
		rc = c2e_err_oom(err);
		goto done;
	}
	memset(&cap, 0, sizeof(cap));
	xmlSchemaSetValidStructuredErrors(vctxt, xml_on_schema_error, &cap);
	v = xmlSchemaValidateDoc(vctxt, inst);
	if (v > 0 || (v == 0 && cap.have_error))
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' does not match the schema: line %ld: %s",
		                 what, cap.line,
		                 cap.have_error ? cap.msg : "invalid");
	else if (v < 0)
		rc = c2e_err_set(err, C2E_ERROR,
		                 "cannot validate '%s': libxml2 internal "
		                 "error",
		                 what);
done:
	if (vctxt)
		xmlSchemaFreeValidCtxt(vctxt);
	if (schema)
		xmlSchemaFree(schema);
	if (pctxt)
		xmlSchemaFreeParserCtxt(pctxt);
	if (inst)
		xmlFreeDoc(inst);
	if (xsd_doc)
		xmlFreeDoc(xsd_doc);
	return rc;
}

void c2e_xml_global_init(void)
{
	xmlInitParser();
	/* nothing libxml2 says may reach stderr; errors go into err */
	xmlSetGenericErrorFunc(NULL, xml_generic_noop);
	xmlThrDefSetGenericErrorFunc(NULL, xml_generic_noop);
}

void c2e_xml_global_cleanup(void)
{
	xmlCleanupParser();
}
