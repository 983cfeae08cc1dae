/*
 * xml.h - the only door to libxml2.
 *
 * Parsing is hardened: no network, no external entities or DTD loading,
 * no entity substitution, a size cap, and a nesting cap.  The result is a
 * small tree of our own (elements with namespace URI, local name,
 * attributes, direct text and source line), so no other module needs
 * libxml2 types.  Writing goes through libxml2's text writer, so every
 * value is escaped.
 */
#ifndef C2E_UTIL_XML_H
#define C2E_UTIL_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Largest XML document we parse (bytes). */
#define C2E_XML_MAX_BYTES ((size_t)32 << 20)

#define C2E_NS_METADATA "http://soap.sforce.com/2006/04/metadata"
#define C2E_NS_XSI      "http://www.w3.org/2001/XMLSchema-instance"

struct c2e_xml_attr {
	char *ns; /* namespace URI or NULL */
	char *name; /* local name */
	char *value;
	struct c2e_xml_attr *next;
};

struct c2e_xml_node {
	char *ns; /* namespace URI or NULL */
	char *name; /* local name */
	char *text; /* direct character data (CDATA included), "" if none */
	struct c2e_xml_attr *attrs;
	struct c2e_xml_node *children; /* element children only */
	struct c2e_xml_node *next;
	long line;
};

/*
 * Parses `len` bytes.  `what` names the document in messages (a path, or
 * "readMetadata response").  Malformed XML is C2E_EDATA with the first
 * libxml2 error and its line.  On success `*out` owns the root element;
 * free it with c2e_xml_free().
 */
C2E_MUST_CHECK int c2e_xml_parse(const char *data, size_t len, const char *what,
                                 struct c2e_xml_node **out,
                                 struct c2e_err *err);
void c2e_xml_free(struct c2e_xml_node *node);

/* The value of an attribute (borrowed), or NULL. `ns` may be NULL. */
const char *c2e_xml_attr(const struct c2e_xml_node *node, const char *ns,
                         const char *name);
/* The first child element with this namespace (NULL = any) and name. */
struct c2e_xml_node *c2e_xml_child(const struct c2e_xml_node *node,
                                   const char *ns, const char *name);
/* True when the element carries xsi:nil="true" (or "1"). */
bool c2e_xml_is_nil(const struct c2e_xml_node *node);

/*
 * The writer: indented with 4 spaces like Salesforce CLI output, UTF-8,
 * XML declaration `<?xml version="1.0" encoding="UTF-8"?>`.
 */
struct c2e_xml_writer;

C2E_MUST_CHECK int c2e_xmlw_new(struct c2e_xml_writer **out, bool indent,
                                struct c2e_err *err);
/* `prefix` and `ns_uri` may be NULL; `ns_uri` declares xmlns[:prefix]. */
C2E_MUST_CHECK int c2e_xmlw_start(struct c2e_xml_writer *w, const char *prefix,
                                  const char *name, const char *ns_uri,
                                  struct c2e_err *err);
C2E_MUST_CHECK int c2e_xmlw_attr(struct c2e_xml_writer *w, const char *prefix,
                                 const char *name, const char *ns_uri,
                                 const char *value, struct c2e_err *err);
C2E_MUST_CHECK int c2e_xmlw_text(struct c2e_xml_writer *w, const char *text,
                                 struct c2e_err *err);
/* <name>text</name> in one call (prefix may be NULL). */
C2E_MUST_CHECK int c2e_xmlw_element(struct c2e_xml_writer *w,
                                    const char *prefix, const char *name,
                                    const char *text, struct c2e_err *err);
C2E_MUST_CHECK int c2e_xmlw_end(struct c2e_xml_writer *w, struct c2e_err *err);
/* Closes open elements, appends the document to `out`, frees `w`. */
C2E_MUST_CHECK int c2e_xmlw_finish(struct c2e_xml_writer *w,
                                   struct c2e_buf *out, struct c2e_err *err);
void c2e_xmlw_free(struct c2e_xml_writer *w);

/*
 * Validates a document against an XML schema (XSD) held in memory.  The
 * first validation error (with line) becomes err->msg (C2E_EDATA).
 * `xsd_base` is the base URL for xsd:include resolution (a file path) or
 * NULL.
 */
C2E_MUST_CHECK int c2e_xml_validate(const char *xsd, size_t xsd_len,
                                    const char *xsd_base, const char *doc,
                                    size_t doc_len, const char *what,
                                    struct c2e_err *err);

/* Process-wide libxml2 setup and teardown; called once by main. */
void c2e_xml_global_init(void);
void c2e_xml_global_cleanup(void);

#endif
