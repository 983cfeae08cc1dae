/*
 * schema.h - the Metadata API v66 types ca2eca models, as tables.
 *
 * The tables are generated at build time (tools/genschema.c) from
 * src/model/metadata-v66.xsd, a verbatim subset of Salesforce's
 * metadata.wsdl v66.0: so elements, their order, their cardinality and
 * the enumeration values are the WSDL's, never hand-copied.
 */
#ifndef C2E_MODEL_SCHEMA_H
#define C2E_MODEL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

enum c2e_xsd_kind {
	C2E_XK_STRING,
	C2E_XK_BOOLEAN,
	C2E_XK_INT,
	C2E_XK_DOUBLE,
	C2E_XK_BASE64,
	C2E_XK_DATETIME,
	C2E_XK_ENUM, /* `type` is an enumeration simpleType */
	C2E_XK_COMPLEX /* `type` is a complexType */
};

struct c2e_schema_type;

struct c2e_schema_elem {
	const char *name;
	enum c2e_xsd_kind kind;
	bool required; /* minOccurs != 0 */
	bool repeated; /* maxOccurs="unbounded" */
	bool nillable;
	const struct c2e_schema_type *type; /* for ENUM and COMPLEX */
};

struct c2e_schema_type {
	const char *name;
	bool is_enum;
	/* complex types: elements in xsd:sequence order, base type first */
	const struct c2e_schema_elem *elems;
	size_t n_elems;
	/* enumerations: the allowed values in WSDL order */
	const char *const *values;
	size_t n_values;
};

/* All types of the schema (generated). */
extern const struct c2e_schema_type *const c2e_schema_types[];
extern const size_t c2e_schema_n_types;

const struct c2e_schema_type *c2e_schema_find(const char *type_name);
/* The element `name` of a complex type and its position, or NULL. */
const struct c2e_schema_elem *c2e_schema_elem(const struct c2e_schema_type *t,
                                              const char *name,
                                              size_t *index_out);
/* True when `value` is one of the enumeration's values (exact match). */
bool c2e_schema_enum_has(const struct c2e_schema_type *t, const char *value);

#endif
