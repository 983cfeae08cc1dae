/*
 * genschema.c - build tool: turns src/model/metadata-v66.xsd into the C
 * tables declared by src/model/schema.h.
 *
 *   c2e_genschema IN.xsd OUT.c
 *
 * It understands exactly the XSD subset the Salesforce metadata WSDL uses
 * for our types: top-level complexTypes made of an xsd:sequence, or of an
 * xsd:complexContent/xsd:extension of another complexType plus a sequence;
 * simpleTypes that restrict a built-in type, with or without
 * xsd:enumeration values; elements with name, type, minOccurs (0|1),
 * maxOccurs (1|unbounded) and nillable.  Anything else makes it fail with
 * a message naming the line, so the tables are never silently wrong.
 *
 * The output is deterministic: types sorted by name (binary search),
 * elements in sequence order (base type first), enumeration values in
 * schema order.  It is written to OUT.c.tmp and renamed into place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* util/compat.h is not on this tool's include path; take the ban list. */
#include "../src/util/banned.h"

#define GS_NS_XSD "http://www.w3.org/2001/XMLSchema"

enum gs_kind {
	GS_STRING,
	GS_BOOLEAN,
	GS_INT,
	GS_DOUBLE,
	GS_BASE64,
	GS_DATETIME,
	GS_ENUM,
	GS_COMPLEX
};

static const char *const gs_kind_names[] = {
	"C2E_XK_STRING", "C2E_XK_BOOLEAN",  "C2E_XK_INT",  "C2E_XK_DOUBLE",
	"C2E_XK_BASE64", "C2E_XK_DATETIME", "C2E_XK_ENUM", "C2E_XK_COMPLEX"
};

static const struct {
	const char *name;
	enum gs_kind kind;
} gs_builtins[] = {
	{ "string", GS_STRING },
	{ "boolean", GS_BOOLEAN },
	{ "int", GS_INT },
	{ "double", GS_DOUBLE },
	{ "base64Binary", GS_BASE64 },
	{ "dateTime", GS_DATETIME },
};

struct gs_type;

struct gs_elem {
	const char *name;
	bool required;
	bool repeated;
	bool nillable;
	enum gs_kind kind;
	struct gs_type *type; /* ENUM and COMPLEX */
	/* the unresolved reference */
	const xmlNode *node;
	const char *type_qname;
};

struct gs_type {
	const char *name;
	long line;
	bool simple;
	bool is_enum;
	enum gs_kind base_kind; /* simple types that are not enumerations */
	const char **values;
	size_t n_values;
	/* complex types: own sequence, then the flattened one */
	const xmlNode *base_node;
	const char *base_qname;
	struct gs_type *base;
	struct gs_elem *own;
	size_t n_own;
	struct gs_elem *elems;
	size_t n_elems;
	int state; /* flattening: 0 todo, 1 in progress, 2 done */
};

struct gs {
	const char *in_path;
	const char *tns;
	struct gs_type *types;
	size_t n_types;
	size_t alloc_types;
};

static int gs_fail(const struct gs *gs, const xmlNode *node, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));

static int gs_fail(const struct gs *gs, const xmlNode *node, const char *fmt,
                   ...)
{
	va_list ap;

	if (node)
		fprintf(stderr, "c2e_genschema: %s:%ld: ", gs->in_path,
		        (long)xmlGetLineNo(node));
	else
		fprintf(stderr, "c2e_genschema: %s: ", gs->in_path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static const char *gs_str(const xmlChar *s)
{
	return (const char *)s;
}

static bool gs_is_xsd(const xmlNode *n, const char *local)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp(gs_str(n->ns->href), GS_NS_XSD) == 0 &&
	       strcmp(gs_str(n->name), local) == 0;
}

/* The value of an unqualified attribute (borrowed), or NULL. */
static const char *gs_attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->ns || strcmp(gs_str(a->name), name) != 0)
			continue;
		if (!a->children)
			return "";
		if (a->children->next || a->children->type != XML_TEXT_NODE)
			return NULL;
		return gs_str(a->children->content);
	}
	return NULL;
}

/* Fails unless every attribute of `n` is in the NULL-terminated `ok`. */
static int gs_check_attrs(const struct gs *gs, const xmlNode *n,
                          const char *const *ok)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		bool known = false;

		for (size_t i = 0; !a->ns && ok[i]; i++)
			if (strcmp(gs_str(a->name), ok[i]) == 0)
				known = true;
		if (!known)
			return gs_fail(gs, n,
			               "unsupported attribute '%s' on "
			               "xsd:%s",
			               gs_str(a->name), gs_str(n->name));
	}
	return 0;
}

/* True for text that is only XML white space. */
static bool gs_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/*
 * Steps to the next child element of interest: skips comments, blank
 * text and xsd:annotation; fails on anything else that is not an element.
 */
static int gs_next(const struct gs *gs, const xmlNode *parent,
                   const xmlNode **it)
{
	const xmlNode *n = *it ? (*it)->next : parent->children;

	for (; n; n = n->next) {
		if (n->type == XML_COMMENT_NODE)
			continue;
		if (n->type == XML_TEXT_NODE && gs_blank(n->content))
			continue;
		if (n->type != XML_ELEMENT_NODE)
			return gs_fail(gs, parent,
			               "unsupported content inside xsd:%s",
			               gs_str(parent->name));
		if (gs_is_xsd(n, "annotation"))
			continue;
		if (!n->ns || !n->ns->href ||
		    strcmp(gs_str(n->ns->href), GS_NS_XSD) != 0)
			return gs_fail(gs, n,
			               "element '%s' is not in the XML "
			               "Schema namespace",
			               gs_str(n->name));
		break;
	}
	*it = n;
	return 0;
}

static int gs_check_ident(const struct gs *gs, const xmlNode *n,
                          const char *what, const char *s)
{
	if (!s || !*s)
		return gs_fail(gs, n, "%s without a name", what);
	for (const char *p = s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_' || (p != s && *p >= '0' && *p <= '9'))
			continue;
		return gs_fail(gs, n, "%s name '%s' is not a plain identifier",
		               what, s);
	}
	return 0;
}

static struct gs_type *gs_find(struct gs *gs, const char *name)
{
	for (size_t i = 0; i < gs->n_types; i++)
		if (strcmp(gs->types[i].name, name) == 0)
			return &gs->types[i];
	return NULL;
}

static struct gs_type *gs_new_type(struct gs *gs, const xmlNode *n,
                                   const char *name)
{
	struct gs_type *t;

	if (gs_check_ident(gs, n, gs_str(n->name), name) < 0)
		return NULL;
	if (gs_find(gs, name)) {
		gs_fail(gs, n, "type '%s' is defined twice", name);
		return NULL;
	}
	if (gs->n_types == gs->alloc_types) {
		size_t alloc = gs->alloc_types ? gs->alloc_types * 2 : 64;
		struct gs_type *p = realloc(gs->types, alloc * sizeof(*p));

		if (!p) {
			gs_fail(gs, NULL, "out of memory");
			return NULL;
		}
		gs->types = p;
		gs->alloc_types = alloc;
	}
	t = &gs->types[gs->n_types++];
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->line = (long)xmlGetLineNo(n);
	return t;
}

/*
 * Splits a QName and resolves its prefix in scope at `n`.  Sets the
 * namespace URI (NULL: none) and the local part.
 */
static int gs_qname(const struct gs *gs, const xmlNode *n, const char *qname,
                    const char **ns_out, const char **local_out)
{
	const char *colon = strchr(qname, ':');
	char prefix[64];
	const xmlNs *ns;

	if (colon) {
		size_t plen = (size_t)(colon - qname);

		if (plen == 0 || plen >= sizeof(prefix))
			return gs_fail(gs, n, "bad type reference '%s'", qname);
		memcpy(prefix, qname, plen);
		prefix[plen] = '\0';
		ns = xmlSearchNs(n->doc, (xmlNode *)(uintptr_t)n,
		                 (const xmlChar *)prefix);
		if (!ns)
			return gs_fail(gs, n,
			               "undeclared prefix in type reference "
			               "'%s'",
			               qname);
	} else {
		ns = xmlSearchNs(n->doc, (xmlNode *)(uintptr_t)n, NULL);
	}
	*ns_out = ns ? gs_str(ns->href) : NULL;
	*local_out = colon ? colon + 1 : qname;
	return 0;
}

static int gs_builtin(const char *local, enum gs_kind *kind_out)
{
	for (size_t i = 0; i < sizeof(gs_builtins) / sizeof(gs_builtins[0]);
	     i++) {
		if (strcmp(gs_builtins[i].name, local) == 0) {
			*kind_out = gs_builtins[i].kind;
			return 0;
		}
	}
	return -1;
}

static int gs_simple_type(struct gs *gs, const xmlNode *n)
{
	static const char *const ok_st[] = { "name", NULL };
	static const char *const ok_re[] = { "base", NULL };
	static const char *const ok_en[] = { "value", NULL };
	const xmlNode *r = NULL, *e = NULL, *extra;
	const char *base, *ns, *local;
	struct gs_type *t;
	size_t n_values = 0;

	if (gs_check_attrs(gs, n, ok_st) < 0)
		return -1;
	t = gs_new_type(gs, n, gs_attr(n, "name"));
	if (!t)
		return -1;
	t->simple = true;
	if (gs_next(gs, n, &r) < 0)
		return -1;
	if (!r || !gs_is_xsd(r, "restriction"))
		return gs_fail(gs, n,
		               "simpleType '%s': only xsd:restriction is "
		               "supported",
		               t->name);
	extra = r;
	if (gs_next(gs, n, &extra) < 0)
		return -1;
	if (extra)
		return gs_fail(gs, extra, "simpleType '%s': unexpected xsd:%s",
		               t->name, gs_str(extra->name));
	if (gs_check_attrs(gs, r, ok_re) < 0)
		return -1;
	base = gs_attr(r, "base");
	if (!base)
		return gs_fail(gs, r,
		               "simpleType '%s': restriction without "
		               "a base",
		               t->name);
	if (gs_qname(gs, r, base, &ns, &local) < 0)
		return -1;
	if (!ns || strcmp(ns, GS_NS_XSD) != 0 ||
	    gs_builtin(local, &t->base_kind) < 0)
		return gs_fail(gs, r, "simpleType '%s': unsupported base '%s'",
		               t->name, base);
	for (;;) {
		if (gs_next(gs, r, &e) < 0)
			return -1;
		if (!e)
			break;
		if (!gs_is_xsd(e, "enumeration"))
			return gs_fail(gs, e,
			               "simpleType '%s': facet xsd:%s is "
			               "not supported",
			               t->name, gs_str(e->name));
		if (gs_check_attrs(gs, e, ok_en) < 0)
			return -1;
		if (!gs_attr(e, "value"))
			return gs_fail(gs, e, "enumeration without a value");
		n_values++;
	}
	if (n_values == 0)
		return 0; /* a plain restriction: the base kind */
	if (t->base_kind != GS_STRING)
		return gs_fail(gs, r,
		               "simpleType '%s': enumerations are supported "
		               "on xsd:string only",
		               t->name);
	t->is_enum = true;
	t->values = calloc(n_values, sizeof(*t->values));
	if (!t->values)
		return gs_fail(gs, NULL, "out of memory");
	e = NULL;
	for (;;) {
		const char *v;

		if (gs_next(gs, r, &e) < 0)
			return -1;
		if (!e)
			break;
		v = gs_attr(e, "value");
		for (size_t i = 0; i < t->n_values; i++)
			if (strcmp(t->values[i], v) == 0)
				return gs_fail(gs, e,
				               "simpleType '%s': value '%s' "
				               "appears twice",
				               t->name, v);
		t->values[t->n_values++] = v;
	}
	return 0;
}

static int gs_bool_attr(const struct gs *gs, const xmlNode *n, const char *name,
                        const char *yes, const char *no, bool *out)
{
	const char *v = gs_attr(n, name);

	if (!v)
		return 0;
	if (strcmp(v, yes) == 0)
		*out = true;
	else if (strcmp(v, no) == 0)
		*out = false;
	else
		return gs_fail(gs, n, "unsupported %s=\"%s\"", name, v);
	return 0;
}

static int gs_sequence(struct gs *gs, struct gs_type *t, const xmlNode *seq)
{
	static const char *const ok_seq[] = { NULL };
	static const char *const ok_el[] = { "name",      "type",
		                             "minOccurs", "maxOccurs",
		                             "nillable",  NULL };
	const xmlNode *e = NULL;
	size_t n = 0;

	if (gs_check_attrs(gs, seq, ok_seq) < 0)
		return -1;
	for (;;) {
		if (gs_next(gs, seq, &e) < 0)
			return -1;
		if (!e)
			break;
		if (!gs_is_xsd(e, "element"))
			return gs_fail(gs, e,
			               "complexType '%s': xsd:%s inside a "
			               "sequence is not supported",
			               t->name, gs_str(e->name));
		n++;
	}
	if (n == 0)
		return 0;
	t->own = calloc(n, sizeof(*t->own));
	if (!t->own)
		return gs_fail(gs, NULL, "out of memory");
	e = NULL;
	for (;;) {
		struct gs_elem *el;
		const xmlNode *child = NULL;

		if (gs_next(gs, seq, &e) < 0)
			return -1;
		if (!e)
			break;
		el = &t->own[t->n_own++];
		if (gs_check_attrs(gs, e, ok_el) < 0)
			return -1;
		el->name = gs_attr(e, "name");
		if (gs_check_ident(gs, e, "element", el->name) < 0)
			return -1;
		el->type_qname = gs_attr(e, "type");
		el->node = e;
		if (!el->type_qname)
			return gs_fail(gs, e,
			               "element '%s' has no type attribute "
			               "(inline types are not supported)",
			               el->name);
		if (gs_next(gs, e, &child) < 0)
			return -1;
		if (child)
			return gs_fail(gs, child,
			               "element '%s': xsd:%s is not supported",
			               el->name, gs_str(child->name));
		el->required = true;
		if (gs_bool_attr(gs, e, "minOccurs", "1", "0", &el->required) <
		            0 ||
		    gs_bool_attr(gs, e, "maxOccurs", "unbounded", "1",
		                 &el->repeated) < 0 ||
		    gs_bool_attr(gs, e, "nillable", "true", "false",
		                 &el->nillable) < 0)
			return -1;
	}
	return 0;
}

static int gs_complex_type(struct gs *gs, const xmlNode *n)
{
	static const char *const ok_ct[] = { "name", NULL };
	static const char *const ok_cc[] = { NULL };
	static const char *const ok_ext[] = { "base", NULL };
	const xmlNode *c = NULL, *extra;
	struct gs_type *t;

	if (gs_check_attrs(gs, n, ok_ct) < 0)
		return -1;
	t = gs_new_type(gs, n, gs_attr(n, "name"));
	if (!t)
		return -1;
	if (gs_next(gs, n, &c) < 0)
		return -1;
	if (!c)
		return 0; /* an empty complex type */
	extra = c;
	if (gs_next(gs, n, &extra) < 0)
		return -1;
	if (extra)
		return gs_fail(gs, extra, "complexType '%s': unexpected xsd:%s",
		               t->name, gs_str(extra->name));
	if (gs_is_xsd(c, "sequence"))
		return gs_sequence(gs, t, c);
	if (gs_is_xsd(c, "complexContent")) {
		const xmlNode *x = NULL, *s = NULL;

		if (gs_check_attrs(gs, c, ok_cc) < 0 || gs_next(gs, c, &x) < 0)
			return -1;
		if (!x || !gs_is_xsd(x, "extension"))
			return gs_fail(gs, c,
			               "complexType '%s': only "
			               "xsd:extension is supported in "
			               "xsd:complexContent",
			               t->name);
		extra = x;
		if (gs_next(gs, c, &extra) < 0)
			return -1;
		if (extra)
			return gs_fail(gs, extra,
			               "complexType '%s': unexpected xsd:%s",
			               t->name, gs_str(extra->name));
		if (gs_check_attrs(gs, x, ok_ext) < 0)
			return -1;
		t->base_qname = gs_attr(x, "base");
		t->base_node = x;
		if (!t->base_qname)
			return gs_fail(gs, x, "extension without a base");
		if (gs_next(gs, x, &s) < 0)
			return -1;
		if (!s)
			return 0;
		if (!gs_is_xsd(s, "sequence"))
			return gs_fail(gs, s,
			               "complexType '%s': xsd:%s in an "
			               "extension is not supported",
			               t->name, gs_str(s->name));
		extra = s;
		if (gs_next(gs, x, &extra) < 0)
			return -1;
		if (extra)
			return gs_fail(gs, extra,
			               "complexType '%s': unexpected xsd:%s",
			               t->name, gs_str(extra->name));
		return gs_sequence(gs, t, s);
	}
	return gs_fail(gs, c, "complexType '%s': xsd:%s is not supported",
	               t->name, gs_str(c->name));
}

/* Resolves `qname` to a schema type of ours, or fails. */
static struct gs_type *gs_resolve_type(struct gs *gs, const xmlNode *n,
                                       const char *qname)
{
	const char *ns, *local;
	struct gs_type *t;

	if (gs_qname(gs, n, qname, &ns, &local) < 0)
		return NULL;
	if (!ns || strcmp(ns, gs->tns) != 0) {
		gs_fail(gs, n, "type '%s' is not in the target namespace",
		        qname);
		return NULL;
	}
	t = gs_find(gs, local);
	if (!t)
		gs_fail(gs, n, "type '%s' is not defined", qname);
	return t;
}

static int gs_resolve_elem(struct gs *gs, struct gs_elem *el)
{
	const char *ns, *local;

	if (gs_qname(gs, el->node, el->type_qname, &ns, &local) < 0)
		return -1;
	if (ns && strcmp(ns, GS_NS_XSD) == 0) {
		if (gs_builtin(local, &el->kind) < 0)
			return gs_fail(gs, el->node,
			               "element '%s': built-in type '%s' is "
			               "not supported",
			               el->name, el->type_qname);
		return 0;
	}
	el->type = gs_resolve_type(gs, el->node, el->type_qname);
	if (!el->type)
		return -1;
	if (!el->type->simple) {
		el->kind = GS_COMPLEX;
	} else if (el->type->is_enum) {
		el->kind = GS_ENUM;
	} else {
		el->kind = el->type->base_kind;
		el->type = NULL;
	}
	return 0;
}

static int gs_flatten(struct gs *gs, struct gs_type *t)
{
	size_t n = 0;

	if (t->simple || t->state == 2)
		return 0;
	if (t->state == 1)
		return gs_fail(gs, t->base_node,
		               "complexType '%s' extends itself", t->name);
	t->state = 1;
	if (t->base_qname) {
		t->base = gs_resolve_type(gs, t->base_node, t->base_qname);
		if (!t->base)
			return -1;
		if (t->base->simple)
			return gs_fail(gs, t->base_node,
			               "complexType '%s' extends simpleType "
			               "'%s'",
			               t->name, t->base->name);
		if (gs_flatten(gs, t->base) < 0)
			return -1;
		n = t->base->n_elems;
	}
	n += t->n_own;
	if (n) {
		t->elems = calloc(n, sizeof(*t->elems));
		if (!t->elems)
			return gs_fail(gs, NULL, "out of memory");
	}
	if (t->base)
		for (size_t i = 0; i < t->base->n_elems; i++)
			t->elems[t->n_elems++] = t->base->elems[i];
	for (size_t i = 0; i < t->n_own; i++) {
		if (gs_resolve_elem(gs, &t->own[i]) < 0)
			return -1;
		for (size_t j = 0; j < t->n_elems; j++)
			if (strcmp(t->elems[j].name, t->own[i].name) == 0)
				return gs_fail(gs, t->own[i].node,
				               "complexType '%s': element "
				               "'%s' appears twice",
				               t->name, t->own[i].name);
		t->elems[t->n_elems++] = t->own[i];
	}
	t->state = 2;
	return 0;
}

static int gs_cmp_type(const void *a, const void *b)
{
	const struct gs_type *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Writes `s` as a C string literal. */
static void gs_put_cstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '?')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void gs_emit(const struct gs_type *const *order, size_t n_types, FILE *f,
                    const char *in_base)
{
	fprintf(f,
	        "/*\n * Generated by tools/genschema.c from %s.\n"
	        " * Do not edit: change the schema and rebuild.\n */\n",
	        in_base);
	fputs("#include \"model/schema.h\"\n\n#include <string.h>\n\n"
	      "#include \"util/compat.h\"\n\n",
	      f);

	for (size_t i = 0; i < n_types; i++)
		fprintf(f, "static const struct c2e_schema_type t_%s;\n",
		        order[i]->name);

	for (size_t i = 0; i < n_types; i++) {
		const struct gs_type *t = order[i];

		if (!t->is_enum)
			continue;
		fprintf(f, "\nstatic const char *const v_%s[] = {\n", t->name);
		for (size_t j = 0; j < t->n_values; j++) {
			fputc('\t', f);
			gs_put_cstr(f, t->values[j]);
			fputs(",\n", f);
		}
		fputs("};\n", f);
	}

	for (size_t i = 0; i < n_types; i++) {
		const struct gs_type *t = order[i];

		if (t->simple || t->n_elems == 0)
			continue;
		fprintf(f, "\nstatic const struct c2e_schema_elem e_%s[] = {\n",
		        t->name);
		for (size_t j = 0; j < t->n_elems; j++) {
			const struct gs_elem *el = &t->elems[j];

			fputs("\t{ ", f);
			gs_put_cstr(f, el->name);
			fprintf(f, ", %s, %s, %s, %s, ",
			        gs_kind_names[el->kind],
			        el->required ? "true" : "false",
			        el->repeated ? "true" : "false",
			        el->nillable ? "true" : "false");
			if (el->type)
				fprintf(f, "&t_%s },\n", el->type->name);
			else
				fputs("NULL },\n", f);
		}
		fputs("};\n", f);
	}

	for (size_t i = 0; i < n_types; i++) {
		const struct gs_type *t = order[i];

		fprintf(f, "\nstatic const struct c2e_schema_type t_%s = {\n\t",
		        t->name);
		gs_put_cstr(f, t->name);
		fprintf(f, ",\n\t%s,\n", t->is_enum ? "true" : "false");
		if (!t->simple && t->n_elems)
			fprintf(f, "\te_%s,\n\t%zu,\n", t->name, t->n_elems);
		else
			fputs("\tNULL,\n\t0,\n", f);
		if (t->is_enum)
			fprintf(f, "\tv_%s,\n\t%zu,\n", t->name, t->n_values);
		else
			fputs("\tNULL,\n\t0,\n", f);
		fputs("};\n", f);
	}

	fputs("\n/* Sorted by name (strcmp) for c2e_schema_find(). */\n"
	      "const struct c2e_schema_type *const c2e_schema_types[] = {\n",
	      f);
	for (size_t i = 0; i < n_types; i++)
		fprintf(f, "\t&t_%s,\n", order[i]->name);
	fputs("};\n\n"
	      "const size_t c2e_schema_n_types = "
	      "C2E_ARRAY_SIZE(c2e_schema_types);\n",
	      f);

	fputs("\nconst struct c2e_schema_type *c2e_schema_find(const char "
	      "*type_name)\n"
	      "{\n"
	      "\tsize_t lo = 0, hi = C2E_ARRAY_SIZE(c2e_schema_types);\n"
	      "\n"
	      "\tif (!type_name)\n"
	      "\t\treturn NULL;\n"
	      "\twhile (lo < hi) {\n"
	      "\t\tsize_t mid = lo + (hi - lo) / 2;\n"
	      "\t\tint c = strcmp(type_name, c2e_schema_types[mid]->name);\n"
	      "\n"
	      "\t\tif (c == 0)\n"
	      "\t\t\treturn c2e_schema_types[mid];\n"
	      "\t\tif (c < 0)\n"
	      "\t\t\thi = mid;\n"
	      "\t\telse\n"
	      "\t\t\tlo = mid + 1;\n"
	      "\t}\n"
	      "\treturn NULL;\n"
	      "}\n"
	      "\n"
	      "const struct c2e_schema_elem *\n"
	      "c2e_schema_elem(const struct c2e_schema_type *t, const char "
	      "*name,\n"
	      "\t\tsize_t *index_out)\n"
	      "{\n"
	      "\tif (!t || !name)\n"
	      "\t\treturn NULL;\n"
	      "\tfor (size_t i = 0; i < t->n_elems; i++) {\n"
	      "\t\tif (strcmp(t->elems[i].name, name) == 0) {\n"
	      "\t\t\tif (index_out)\n"
	      "\t\t\t\t*index_out = i;\n"
	      "\t\t\treturn &t->elems[i];\n"
	      "\t\t}\n"
	      "\t}\n"
	      "\treturn NULL;\n"
	      "}\n"
	      "\n"
	      "bool c2e_schema_enum_has(const struct c2e_schema_type *t, "
	      "const char *value)\n"
	      "{\n"
	      "\tif (!t || !t->is_enum || !value)\n"
	      "\t\treturn false;\n"
	      "\tfor (size_t i = 0; i < t->n_values; i++)\n"
	      "\t\tif (strcmp(t->values[i], value) == 0)\n"
	      "\t\t\treturn true;\n"
	      "\treturn false;\n"
	      "}\n",
	      f);
}

static int gs_load(struct gs *gs, const xmlNode *root)
{
	static const char *const ok_schema[] = { "elementFormDefault",
		                                 "targetNamespace", NULL };
	const xmlNode *n = NULL;
	const char *efd;

	if (!gs_is_xsd(root, "schema"))
		return gs_fail(gs, root, "the root element is not xsd:schema");
	if (gs_check_attrs(gs, root, ok_schema) < 0)
		return -1;
	gs->tns = gs_attr(root, "targetNamespace");
	if (!gs->tns || !*gs->tns)
		return gs_fail(gs, root, "xsd:schema has no targetNamespace");
	efd = gs_attr(root, "elementFormDefault");
	if (!efd || strcmp(efd, "qualified") != 0)
		return gs_fail(gs, root,
		               "elementFormDefault must be \"qualified\"");
	for (;;) {
		if (gs_next(gs, root, &n) < 0)
			return -1;
		if (!n)
			break;
		if (gs_is_xsd(n, "complexType")) {
			if (gs_complex_type(gs, n) < 0)
				return -1;
		} else if (gs_is_xsd(n, "simpleType")) {
			if (gs_simple_type(gs, n) < 0)
				return -1;
		} else {
			return gs_fail(gs, n,
			               "top-level xsd:%s is not supported",
			               gs_str(n->name));
		}
	}
	if (gs->n_types == 0)
		return gs_fail(gs, root, "the schema defines no types");
	for (size_t i = 0; i < gs->n_types; i++)
		if (gs_flatten(gs, &gs->types[i]) < 0)
			return -1;
	return 0;
}

static void gs_release(struct gs *gs)
{
	for (size_t i = 0; i < gs->n_types; i++) {
		free(gs->types[i].values);
		free(gs->types[i].own);
		free(gs->types[i].elems);
	}
	free(gs->types);
}

static int gs_write(const struct gs *gs, const char *out_path,
                    const char *in_base)
{
	const struct gs_type **order = NULL;
	size_t n_order = 0;
	char tmp[4096];
	FILE *f;
	int n, rc = 0;

	order = calloc(gs->n_types, sizeof(*order));
	if (!order)
		return gs_fail(gs, NULL, "out of memory");
	/* plain simple types are not tables: elements use their base kind */
	for (size_t i = 0; i < gs->n_types; i++)
		if (!gs->types[i].simple || gs->types[i].is_enum)
			order[n_order++] = &gs->types[i];
	qsort(order, n_order, sizeof(*order), gs_cmp_type);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		free(order);
		return gs_fail(gs, NULL, "output path too long");
	}
	f = fopen(tmp, "w");
	if (!f) {
		free(order);
		return gs_fail(gs, NULL, "cannot write '%s': %s", tmp,
		               strerror(errno));
	}
	gs_emit(order, n_order, f, in_base);
	free(order);
	if (ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, out_path) != 0)
		rc = -1;
	if (rc < 0) {
		gs_fail(gs, NULL, "cannot write '%s': %s", out_path,
		        strerror(errno));
		remove(tmp);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct gs gs;
	xmlDoc *doc = NULL;
	const char *in_base;
	int rc = 1;

	memset(&gs, 0, sizeof(gs));
	if (argc != 3) {
		fputs("usage: c2e_genschema IN.xsd OUT.c\n", stderr);
		return 2;
	}
	gs.in_path = argv[1];
	in_base = strrchr(argv[1], '/');
	in_base = in_base ? in_base + 1 : argv[1];
	xmlInitParser();
	doc = xmlReadFile(argv[1], NULL, XML_PARSE_NONET);
	if (!doc) {
		gs_fail(&gs, NULL, "cannot parse the schema");
		goto done;
	}
	if (gs_load(&gs, xmlDocGetRootElement(doc)) < 0)
		goto done;
	if (gs_write(&gs, argv[2], in_base) < 0)
		goto done;
	rc = 0;
done:
	gs_release(&gs);
	xmlFreeDoc(doc);
	xmlCleanupParser();
	return rc;
}
