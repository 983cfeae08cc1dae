/*
 * mdjson.c - a metadata component's fields as JSON, and back (mdjson.h).
 *
 * Writing groups each node's children by name: known fields in
 * xsd:sequence order (the order c2e_md_write() gives them), then the
 * elements the schema does not know, by name.  A repeated field is
 * always an array, so that the shape of a value never depends on how
 * many there are.
 *
 * Reading builds the tree with c2e_md_set(), c2e_md_add() and
 * c2e_md_add_complex(), which check every value against the schema;
 * this file checks the shapes and says where a value is wrong with its
 * path ("trustedIpRanges[1]/startIpAddress").
 */
#include "model/mdjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#include "util/compat.h"

/* --- to JSON --- */

static void md_fields(const struct c2e_md_node *node, bool root,
                      struct c2e_jsonw *w);

static void md_value(const struct c2e_md_node *n, struct c2e_jsonw *w)
{
	if (n->nil)
		c2e_jsonw_null(w);
	else if (n->text)
		c2e_jsonw_string(w, n->text);
	else if (n->decl && n->decl->kind != C2E_XK_COMPLEX)
		c2e_jsonw_string(w, ""); /* written as an empty element */
	else
		md_fields(n, false, w);
}

/*
 * True when child `c` belongs to the group: the known field `decl`, or
 * (decl NULL) the unknown elements named `name`.
 */
static bool md_in_group(const struct c2e_md_node *c,
                        const struct c2e_schema_elem *decl, const char *name)
{
	if (decl)
		return c->decl == decl;
	return !c->decl && strcmp(c->name, name) == 0;
}

/* Writes one member: the group's value, or an array of its values. */
static void md_group(const struct c2e_md_node *node,
                     const struct c2e_schema_elem *decl, const char *name,
                     struct c2e_jsonw *w)
{
	const struct c2e_md_node *c;
	size_t n = 0;

	for (c = node->children; c; c = c->next)
		n += md_in_group(c, decl, name);
	if (n == 0)
		return;
	c2e_jsonw_key(w, name);
	if (n == 1 && !(decl && decl->repeated)) {
		for (c = node->children; c; c = c->next)
			if (md_in_group(c, decl, name))
				md_value(c, w);
		return;
	}
	c2e_jsonw_array_begin(w);
	for (c = node->children; c; c = c->next)
		if (md_in_group(c, decl, name))
			md_value(c, w);
	c2e_jsonw_array_end(w);
}

static void md_fields(const struct c2e_md_node *node, bool root,
                      struct c2e_jsonw *w)
{
	const char *last = NULL;

	c2e_jsonw_object_begin(w);
	for (size_t i = 0; node->type && i < node->type->n_elems; i++) {
		const struct c2e_schema_elem *e = &node->type->elems[i];

		/* a component's fullName is its name, not one of its fields */
		if (root && strcmp(e->name, "fullName") == 0)
			continue;
		md_group(node, e, e->name, w);
	}
	/* unknown elements by name: the next name after `last` each time */
	for (;;) {
		const char *next = NULL;

		for (const struct c2e_md_node *c = node->children; c;
		     c = c->next)
			if (!c->decl && (!last || strcmp(c->name, last) > 0) &&
			    (!next || strcmp(c->name, next) < 0))
				next = c->name;
		if (!next)
			break;
		md_group(node, NULL, next, w);
		last = next;
	}
	c2e_jsonw_object_end(w);
}

void c2e_md_to_json(const struct c2e_md_node *node, struct c2e_jsonw *w)
{
	md_fields(node, !node->decl, w);
}

/* --- from JSON --- */

struct md_build {
	const char *what;
	struct c2e_buf path; /* slash path of the current field */
	struct c2e_err *err;
};

static int md_bad(struct md_build *b, const char *fmt, ...) C2E_PRINTF(2, 3);

/* C2E_EDATA: "<what>: <message>". */
static int md_bad(struct md_build *b, const char *fmt, ...)
{
	char msg[C2E_ERR_MSG_MAX];
	va_list ap;

	if (c2e_buf_failed(&b->path))
		return c2e_err_oom(b->err);
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return c2e_err_set(b->err, C2E_EDATA, "%s: %s", b->what, msg);
}

static const char *md_kind(const struct c2e_json *j)
{
	switch (j->type) {
	case C2E_JSON_NULL:
		return "null";
	case C2E_JSON_FALSE:
	case C2E_JSON_TRUE:
		return "a boolean";
	case C2E_JSON_NUMBER:
		return "a number";
	case C2E_JSON_STRING:
		return "a string";
	case C2E_JSON_ARRAY:
		return "an array";
	case C2E_JSON_OBJECT:
		return "an object";
	}
	return "an unknown value";
}

/*
 * Checks that `j` can be the value of the simple field at b->path and
 * gives its text (NULL: nil).
 */
static int md_simple_text(struct md_build *b, const struct c2e_json *j,
                          const char **out)
{
	switch (j->type) {
	case C2E_JSON_NULL:
		*out = NULL;
		return C2E_OK;
	case C2E_JSON_STRING:
		if (j->str && strlen(j->str) != j->str_len)
			return md_bad(b, "'%s' contains a NUL character",
			              b->path.buf);
		*out = j->str ? j->str : "";
		return C2E_OK;
	case C2E_JSON_FALSE:
	case C2E_JSON_TRUE:
		return md_bad(b,
		              "'%s' takes a string, not a boolean: write "
		              "\"%s\"",
		              b->path.buf,
		              j->type == C2E_JSON_TRUE ? "true" : "false");
	case C2E_JSON_NUMBER:
		return md_bad(b,
		              "'%s' takes a string, not a number: write "
		              "\"%.40s\"",
		              b->path.buf, j->str ? j->str : "");
	case C2E_JSON_ARRAY:
	case C2E_JSON_OBJECT:
		break;
	}
	return md_bad(b, "'%s' takes a string, not %s", b->path.buf,
	              md_kind(j));
}

/*
 * Turns the EDATA message of c2e_md_set()/c2e_md_add() ("parent/name:
 * why") into one naming the source and the whole path.
 */
static int md_value_err(struct md_build *b, const struct c2e_md_node *node,
                        const char *name, int rc)
{
	char why[C2E_ERR_MSG_MAX];
	size_t np = strlen(node->name), nn = strlen(name);
	const char *m = b->err ? b->err->msg : NULL;

	if (rc != C2E_EDATA || !m)
		return rc;
	if (strncmp(m, node->name, np) == 0 && m[np] == '/' &&
	    strncmp(m + np + 1, name, nn) == 0 &&
	    strncmp(m + np + 1 + nn, ": ", 2) == 0)
		m += np + 1 + nn + 2;
	if (snprintf(why, sizeof(why), "%s", m) < 0)
		why[0] = '\0';
	return md_bad(b, "'%s': %s", b->path.buf, why);
}

static int md_build_fields(struct md_build *b, const struct c2e_json *obj,
                           struct c2e_md_node *node, bool root);

/* Adds one value of field `e` (`repeated`: one of its list) to `node`. */
static int md_build_one(struct md_build *b, const struct c2e_json *j,
                        struct c2e_md_node *node,
                        const struct c2e_schema_elem *e)
{
	struct c2e_md_node *child = NULL;
	const char *text = NULL;
	int rc;

	if (e->kind == C2E_XK_COMPLEX) {
		if (j->type != C2E_JSON_OBJECT && j->type != C2E_JSON_NULL)
			return md_bad(b,
			              "'%s' holds other fields: give an "
			              "object, not %s",
			              b->path.buf, md_kind(j));
		rc = c2e_md_add_complex(node, e->name, &child, b->err);
		if (rc != C2E_OK)
			return rc;
		if (j->type == C2E_JSON_NULL) {
			child->nil = true;
			return C2E_OK;
		}
		return md_build_fields(b, j, child, false);
	}
	rc = md_simple_text(b, j, &text);
	if (rc != C2E_OK)
		return rc;
	if (e->repeated)
		rc = c2e_md_add(node, e->name, text, b->err);
	else
		rc = c2e_md_set(node, e->name, text, b->err);
	if (rc != C2E_OK)
		return md_value_err(b, node, e->name, rc);
	return C2E_OK;
}

/* Adds member `m` of a JSON object as field(s) of `node`. */
static int md_build_member(struct md_build *b, const struct c2e_json *m,
                           struct c2e_md_node *node, bool root)
{
	const struct c2e_schema_elem *e = NULL;
	size_t mark = b->path.len, i = 0;
	int rc;

	if (node->type)
		e = c2e_schema_elem(node->type, m->key, NULL);
	if (!e)
		return md_bad(b, "'%s' is not a field of %s", b->path.buf,
		              node->type ? node->type->name : node->name);
	if (root && strcmp(m->key, "fullName") == 0)
		return md_bad(b,
		              "'fullName' is not allowed among the fields: "
		              "the name of the %s is given apart from them",
		              node->type->name);
	if (c2e_md_child(node, m->key))
		return md_bad(b, "'%s' appears more than once", b->path.buf);
	if (!e->repeated) {
		if (m->type == C2E_JSON_ARRAY)
			return md_bad(b, "'%s' takes one value, not an array",
			              b->path.buf);
		return md_build_one(b, m, node, e);
	}
	if (m->type != C2E_JSON_ARRAY)
		return md_bad(b,
		              "'%s' is a list: give an array (even for one "
		              "value), not %s",
		              b->path.buf, md_kind(m));
	for (const struct c2e_json *v = m->child; v; v = v->next, i++) {
		c2e_buf_addf(&b->path, "[%zu]", i);
		if (c2e_buf_failed(&b->path))
			return c2e_err_oom(b->err);
		rc = md_build_one(b, v, node, e);
		if (rc != C2E_OK)
			return rc;
		c2e_buf_truncate(&b->path, mark);
	}
	return C2E_OK;
}

/* Builds the fields of `node` from the members of `obj`. */
static int md_build_fields(struct md_build *b, const struct c2e_json *obj,
                           struct c2e_md_node *node, bool root)
{
	size_t mark = b->path.len;
	int rc;

	for (const struct c2e_json *m = obj->child; m; m = m->next) {
		c2e_buf_addf(&b->path, "%s%s", mark ? "/" : "", m->key);
		if (c2e_buf_failed(&b->path))
			return c2e_err_oom(b->err);
		rc = md_build_member(b, m, node, root);
		if (rc != C2E_OK)
			return rc;
		c2e_buf_truncate(&b->path, mark);
	}
	/* as when parsing a file: required fields must be there */
	for (size_t i = 0; node->type && i < node->type->n_elems; i++) {
		const struct c2e_schema_elem *e = &node->type->elems[i];

		if (!e->required || c2e_md_child(node, e->name))
			continue;
		return md_bad(b, "required field '%s%s%s' is missing",
		              b->path.buf, mark ? "/" : "", e->name);
	}
	return C2E_OK;
}

int c2e_md_from_json(const struct c2e_json *obj, const char *type_name,
                     const char *full_name, const char *what,
                     struct c2e_md_doc **out, struct c2e_err *err)
{
	struct md_build b = { what ? what : "JSON", C2E_BUF_INIT, err };
	const struct c2e_schema_type *t = c2e_schema_find(type_name);
	struct c2e_md_doc *doc = NULL;
	int rc;

	*out = NULL;
	if (!t || t->is_enum || t->n_elems < 2 ||
	    strcmp(t->elems[0].name, "fullName") != 0) {
		rc = md_bad(&b, "'%s' is not a metadata type ca2eca knows",
		            type_name ? type_name : "");
		goto done;
	}
	if (!obj || obj->type != C2E_JSON_OBJECT) {
		rc = md_bad(&b, "the %s fields must be a JSON object, not %s",
		            type_name, obj ? md_kind(obj) : "null");
		goto done;
	}
	rc = c2e_md_doc_new(type_name, full_name, &doc, err);
	if (rc != C2E_OK)
		goto done;
	rc = md_build_fields(&b, obj, doc->root, true);
	if (rc != C2E_OK)
		goto done;
	*out = doc;
	doc = NULL;
done:
	c2e_md_doc_free(doc);
	c2e_buf_release(&b.path);
	return rc;
}
