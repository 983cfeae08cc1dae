/*
 * md.h - one metadata component as a typed tree (a ConnectedApp, an ECA
 * component, a ConversationChannelDefinition, ...).
 *
 * A component is a root node whose children are its fields.  Each node
 * knows its schema declaration (`decl`), or has none when the element is
 * not in the v66 schema: such elements are kept, never dropped, so that a
 * newer file survives a parse and re-serialisation and so that the
 * mapping can report them.
 *
 * Writing puts known elements in xsd:sequence order and unknown ones at
 * their alphabetical place (Salesforce sequences are alphabetical), so
 * the same tree always gives the same bytes.
 */
#ifndef C2E_MODEL_MD_H
#define C2E_MODEL_MD_H

#include <stdbool.h>
#include <stddef.h>

#include "model/mdtype.h"
#include "model/schema.h"
#include "util/buf.h"
#include "util/err.h"

struct c2e_xml_node;
struct c2e_xml_writer;

struct c2e_md_node {
	char *name; /* element name */
	char *text; /* simple content; NULL for complex elements or nil */
	bool nil; /* xsi:nil="true" */
	const struct c2e_schema_elem *decl; /* NULL: not in the schema */
	const struct c2e_schema_type *type; /* complex type of this node */
	struct c2e_md_node *children; /* fields, in document order */
	struct c2e_md_node *next;
	long line; /* line in the source file, 0 when built in memory */
};

struct c2e_md_doc {
	const struct c2e_mdtype *mdtype; /* may be NULL for SOAP-only */
	const struct c2e_schema_type *type; /* the root complex type */
	char *full_name; /* from the file name or field */
	char *path; /* source file, NULL if built */
	struct c2e_md_node *root; /* root->children are fields */
};

/*
 * Parses a metadata file.  The root element must be in the metadata
 * namespace and name a type of the schema; `expect_type` (or NULL)
 * requires a particular one.  Field values are checked against the
 * schema: a boolean that is not true/false, an int that is not a number,
 * a value outside an enumeration, a missing required field or a repeated
 * single field is C2E_EDATA naming the file, the line and the field.
 * Unknown elements are kept with decl == NULL (see c2e_md_unknown()).
 * `full_name` is the component name (usually from the file name).
 */
C2E_MUST_CHECK int c2e_md_parse(const char *data, size_t len, const char *path,
                                const char *full_name, const char *expect_type,
                                struct c2e_md_doc **out, struct c2e_err *err);

/* Reads and parses a file; the full name comes from the file name. */
C2E_MUST_CHECK int c2e_md_parse_file(const char *path, const char *expect_type,
                                     struct c2e_md_doc **out,
                                     struct c2e_err *err);

/*
 * Builds a component from an element already parsed (e.g. a SOAP
 * `<records xsi:type="...">`): `type_name` names the root type.
 */
C2E_MUST_CHECK int c2e_md_from_xml(const struct c2e_xml_node *elem,
                                   const char *type_name, const char *what,
                                   struct c2e_md_doc **out,
                                   struct c2e_err *err);

/* A new empty component of a schema type. */
C2E_MUST_CHECK int c2e_md_doc_new(const char *type_name, const char *full_name,
                                  struct c2e_md_doc **out, struct c2e_err *err);
void c2e_md_doc_free(struct c2e_md_doc *doc);

/*
 * Serialises as a metadata file (XML declaration, root element named by
 * the type, metadata namespace, 4-space indent, trailing newline).
 */
C2E_MUST_CHECK int c2e_md_write(const struct c2e_md_doc *doc,
                                struct c2e_buf *out, struct c2e_err *err);

/*
 * Writes the fields of `doc` as children of the writer's current element
 * (used for SOAP `<metadata xsi:type="...">`); with `with_full_name` a
 * `<fullName>` goes first.
 */
C2E_MUST_CHECK int c2e_md_write_fields(const struct c2e_md_doc *doc,
                                       struct c2e_xml_writer *w,
                                       bool with_full_name,
                                       struct c2e_err *err);

/* --- reading fields --- */

/* The first child named `name`, or NULL. */
struct c2e_md_node *c2e_md_child(const struct c2e_md_node *node,
                                 const char *name);
/* The next sibling with the same name as `node`, or NULL. */
struct c2e_md_node *c2e_md_next_same(const struct c2e_md_node *node);
/* Text of the first child named `name`; NULL if absent or nil. */
const char *c2e_md_get(const struct c2e_md_node *node, const char *name);
/* 1 true, 0 false, -1 absent or nil. */
int c2e_md_get_bool(const struct c2e_md_node *node, const char *name);
size_t c2e_md_count(const struct c2e_md_node *node, const char *name);

/* --- building fields (`name` must be declared in the node's type) --- */

/* Sets (replaces) a simple field. */
C2E_MUST_CHECK int c2e_md_set(struct c2e_md_node *node, const char *name,
                              const char *text, struct c2e_err *err);
C2E_MUST_CHECK int c2e_md_set_bool(struct c2e_md_node *node, const char *name,
                                   bool v, struct c2e_err *err);
C2E_MUST_CHECK int c2e_md_set_long(struct c2e_md_node *node, const char *name,
                                   long v, struct c2e_err *err);
/* Appends one more value of a repeated simple field. */
C2E_MUST_CHECK int c2e_md_add(struct c2e_md_node *node, const char *name,
                              const char *text, struct c2e_err *err);
/* Appends a complex child and returns it (borrowed) in *out. */
C2E_MUST_CHECK int c2e_md_add_complex(struct c2e_md_node *node,
                                      const char *name,
                                      struct c2e_md_node **out,
                                      struct c2e_err *err);
/* Removes every child named `name`. */
void c2e_md_remove(struct c2e_md_node *node, const char *name);

/*
 * Calls `fn` for every element in the tree that is not in the schema,
 * with its slash path ("oauthConfig/isConsumerKeyOptional").
 */
C2E_MUST_CHECK int c2e_md_unknown(const struct c2e_md_doc *doc,
                                  int (*fn)(void *ctx, const char *path,
                                            const struct c2e_md_node *node,
                                            struct c2e_err *err),
                                  void *ctx, struct c2e_err *err);

/* Deep copy. */
C2E_MUST_CHECK int c2e_md_doc_dup(const struct c2e_md_doc *doc,
                                  struct c2e_md_doc **out, struct c2e_err *err);

#endif
