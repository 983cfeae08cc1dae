/*
 * md.c - metadata components as typed trees: parse, check, build, write.
 *
 * Parsing copies the XML tree into c2e_md_node, attaching each element to
 * its schema declaration and checking values on the way (first error
 * wins, named by file, line and slash path).  Elements the schema does
 * not know are kept as they are, with decl == NULL.
 *
 * Writing sorts each element's children: known ones by their index in
 * the xsd:sequence, unknown ones right after the last known element whose
 * name sorts before theirs (byte order, as Salesforce sequences are; the
 * Metadata base fields fullName and module come first).  The sort is
 * stable, so repeated fields keep their relative order and the same tree
 * always gives the same bytes.
 */
#include "model/md.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/str.h"
#include "util/xml.h"

#include "util/compat.h"

/* How much of a bad value an error message quotes. */
#define MD_QUOTE_MAX 80
/* How much of an enumeration's value list an error message shows. */
#define MD_VALID_LIST_MAX 200

/* --- nodes --- */

static void md_nodes_free(struct c2e_md_node *n)
{
	while (n) {
		struct c2e_md_node *next = n->next;

		md_nodes_free(n->children);
		free(n->name);
		free(n->text);
		free(n);
		n = next;
	}
}

static struct c2e_md_node *md_node_new(const char *name,
                                       const struct c2e_schema_elem *decl,
                                       const struct c2e_schema_type *type,
                                       long line)
{
	struct c2e_md_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = c2e_strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->decl = decl;
	n->type = type;
	n->line = line;
	return n;
}

static void md_append(struct c2e_md_node *parent, struct c2e_md_node *child)
{
	struct c2e_md_node **tail = &parent->children;

	while (*tail)
		tail = &(*tail)->next;
	*tail = child;
}

void c2e_md_doc_free(struct c2e_md_doc *doc)
{
	if (!doc)
		return;
	md_nodes_free(doc->root);
	free(doc->full_name);
	free(doc->path);
	free(doc);
}

/* Types that extend Metadata start with its fullName and module. */
static bool md_is_metadata_type(const struct c2e_schema_type *t)
{
	return t && !t->is_enum && t->n_elems >= 2 &&
	       strcmp(t->elems[0].name, "fullName") == 0 &&
	       strcmp(t->elems[1].name, "module") == 0;
}

static bool md_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* --- values --- */

static bool md_is_double(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if ((n == 3 && memcmp(s, "INF", 3) == 0) ||
	    (n == 4 && memcmp(s, "-INF", 4) == 0) ||
	    (n == 3 && memcmp(s, "NaN", 3) == 0))
		return true;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			exp++;
		if (exp == 0)
			return false;
	}
	return i == n;
}

static bool md_is_base64(const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		return false;
	}
	return true;
}

/*
 * Checks `text` against the element's declared kind.  Returns true when
 * it is fine; otherwise writes what is wrong into `why` (one line).
 */
static bool md_value_ok(const struct c2e_schema_elem *decl, const char *text,
                        char *why, size_t why_len)
{
	const char *s;
	size_t n;
	long v;
	int w = 0;

	c2e_str_trim(text, &s, &n);
	switch (decl->kind) {
	case C2E_XK_BOOLEAN:
		if ((n == 4 && memcmp(s, "true", 4) == 0) ||
		    (n == 5 && memcmp(s, "false", 5) == 0))
			return true;
		w = snprintf(why, why_len,
		             "'%.*s' is not a boolean (use true or false)",
		             MD_QUOTE_MAX, text);
		break;
	case C2E_XK_INT:
		/* xsd:int is 32 bits */
		if (c2e_str_to_long(text, &v) == 0 && v >= INT32_MIN &&
		    v <= INT32_MAX)
			return true;
		w = snprintf(why, why_len,
		             "'%.*s' is not an integer (32-bit, decimal)",
		             MD_QUOTE_MAX, text);
		break;
	case C2E_XK_DOUBLE:
		if (md_is_double(s, n))
			return true;
		w = snprintf(why, why_len, "'%.*s' is not a number",
		             MD_QUOTE_MAX, text);
		break;
	case C2E_XK_BASE64:
		if (md_is_base64(text))
			return true;
		w = snprintf(why, why_len, "the value is not base64");
		break;
	case C2E_XK_ENUM: {
		struct c2e_buf list = C2E_BUF_INIT;

		if (c2e_schema_enum_has(decl->type, text))
			return true;
		for (size_t i = 0; i < decl->type->n_values; i++) {
			if (list.len > MD_VALID_LIST_MAX) {
				c2e_buf_adds(&list, ", ...");
				break;
			}
			c2e_buf_addf(&list, "%s%s", i ? ", " : "",
			             decl->type->values[i]);
		}
		w = snprintf(why, why_len,
		             "'%.*s' is not a valid %s value (valid: %s)",
		             MD_QUOTE_MAX, text, decl->type->name,
		             c2e_buf_failed(&list) ? "..." : list.buf);
		c2e_buf_release(&list);
		break;
	}
	case C2E_XK_STRING:
	case C2E_XK_DATETIME:
	case C2E_XK_COMPLEX:
		return true;
	}
	if (w < 0 && why_len)
		why[0] = '\0';
	return false;
}

/* --- parsing --- */

struct md_parse {
	const char *what; /* the file, for messages */
	const char *root; /* the root type, for messages about it */
	struct c2e_buf path; /* slash path of the current element */
};

static int md_perr(struct md_parse *p, long line, const char *msg,
                   struct c2e_err *err)
{
	if (c2e_buf_failed(&p->path))
		return c2e_err_oom(err);
	return c2e_err_set(err, C2E_EDATA, "'%s': line %ld: %s: %s", p->what,
	                   line, p->path.len ? p->path.buf : p->root, msg);
}

static int md_convert(struct md_parse *p, const struct c2e_xml_node *x,
                      struct c2e_md_node *parent, struct c2e_err *err);

/* Converts one field element `c` into a new child of `parent`. */
static int md_convert_one(struct md_parse *p, const struct c2e_xml_node *c,
                          struct c2e_md_node *parent, struct c2e_err *err)
{
	const struct c2e_schema_elem *decl = NULL;
	struct c2e_md_node *n;
	char why[C2E_ERR_MSG_MAX];

	if (!c2e_str_eq(c->ns, C2E_NS_METADATA))
		return md_perr(p, c->line,
		               "the element is not in the metadata namespace "
		               "http://soap.sforce.com/2006/04/metadata",
		               err);
	if (parent->type)
		decl = c2e_schema_elem(parent->type, c->name, NULL);
	if (decl && !decl->repeated && c2e_md_child(parent, c->name)) {
		return md_perr(p, c->line,
		               "the field appears more than once (it takes "
		               "one value)",
		               err);
	}
	n = md_node_new(c->name, decl,
	                decl && decl->kind == C2E_XK_COMPLEX ? decl->type :
	                                                       NULL,
	                c->line);
	if (!n)
		return c2e_err_oom(err);
	md_append(parent, n);

	if (c2e_xml_is_nil(c)) {
		n->nil = true;
		if (c->children || !md_blank(c->text))
			return md_perr(p, c->line,
			               "an element with xsi:nil=\"true\" must "
			               "be empty",
			               err);
		return C2E_OK;
	}
	if (n->type || c->children) {
		/* complex: known type, or an unknown element with children */
		if (decl && !n->type)
			return md_perr(p, c->line,
			               "a simple field cannot contain "
			               "elements",
			               err);
		if (!md_blank(c->text))
			return md_perr(p, c->line,
			               decl ? "text is not allowed here (the "
			                      "field holds other fields)" :
			                      "mixed text and elements are not "
			                      "supported",
			               err);
		return md_convert(p, c, n, err);
	}
	n->text = c2e_strdup(c->text);
	if (!n->text)
		return c2e_err_oom(err);
	if (decl && !md_value_ok(decl, n->text, why, sizeof(why)))
		return md_perr(p, c->line, why, err);
	return C2E_OK;
}

/* Converts the children of `x` into fields of `parent` and checks them. */
static int md_convert(struct md_parse *p, const struct c2e_xml_node *x,
                      struct c2e_md_node *parent, struct c2e_err *err)
{
	size_t mark = p->path.len;
	char why[C2E_ERR_MSG_MAX];
	int rc;

	for (const struct c2e_xml_node *c = x->children; c; c = c->next) {
		c2e_buf_addf(&p->path, "%s%s", mark ? "/" : "", c->name);
		rc = md_convert_one(p, c, parent, err);
		if (rc != C2E_OK)
			return rc;
		c2e_buf_truncate(&p->path, mark);
	}
	if (!parent->type)
		return C2E_OK;
	for (size_t i = 0; i < parent->type->n_elems; i++) {
		const struct c2e_schema_elem *e = &parent->type->elems[i];

		if (!e->required || c2e_md_child(parent, e->name))
			continue;
		if (snprintf(why, sizeof(why), "required field '%s' is missing",
		             e->name) < 0)
			why[0] = '\0';
		return md_perr(p, x->line, why, err);
	}
	return C2E_OK;
}

/* The schema type and registry entry named `type_name`, or an error. */
static int md_root_type(const char *type_name, const char *what, long line,
                        const struct c2e_schema_type **type_out,
                        const struct c2e_mdtype **mdtype_out,
                        struct c2e_err *err)
{
	const struct c2e_schema_type *t = c2e_schema_find(type_name);
	const struct c2e_mdtype *mdt = c2e_mdtype_find(type_name);

	if (!md_is_metadata_type(t))
		t = NULL;
	if (!t && !mdt)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s': line %ld: '%s' is not a metadata "
		                   "type ca2eca knows",
		                   what, line, type_name);
	*type_out = t;
	*mdtype_out = mdt;
	return C2E_OK;
}

/*
 * Builds a document whose root, named `type_name`, has the children of
 * `x` as fields.  With `take_full_name` a <fullName> field becomes
 * doc->full_name and leaves the tree (SOAP records carry one).
 */
static int md_build(const struct c2e_xml_node *x, const char *type_name,
                    const char *what, bool take_full_name,
                    struct c2e_md_doc **out, struct c2e_err *err)
{
	struct md_parse p = { what, type_name, C2E_BUF_INIT };
	struct c2e_md_doc *doc = NULL;
	const struct c2e_schema_type *t = NULL;
	const struct c2e_mdtype *mdt = NULL;
	int rc;

	rc = md_root_type(type_name, what, x->line, &t, &mdt, err);
	if (rc != C2E_OK)
		return rc;
	doc = calloc(1, sizeof(*doc));
	if (!doc) {
		rc = c2e_err_oom(err);
		goto done;
	}
	doc->type = t;
	doc->mdtype = mdt;
	doc->root = md_node_new(type_name, NULL, t, x->line);
	if (!doc->root) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = md_convert(&p, x, doc->root, err);
	if (rc != C2E_OK)
		goto done;
	if (take_full_name) {
		const char *fn = c2e_md_get(doc->root, "fullName");

		if (fn) {
			doc->full_name = c2e_strdup(fn);
			if (!doc->full_name) {
				rc = c2e_err_oom(err);
				goto done;
			}
		}
		c2e_md_remove(doc->root, "fullName");
	}
	*out = doc;
	doc = NULL;
done:
	c2e_buf_release(&p.path);
	c2e_md_doc_free(doc);
	return rc;
}

int c2e_md_parse(const char *data, size_t len, const char *path,
                 const char *full_name, const char *expect_type,
                 struct c2e_md_doc **out, struct c2e_err *err)
{
	const char *what = path ? path : full_name ? full_name : "metadata";
	struct c2e_xml_node *x = NULL;
	struct c2e_md_doc *doc = NULL;
	const char *fn;
	int rc;

	rc = c2e_xml_parse(data, len, what, &x, err);
	if (rc != C2E_OK)
		return rc;
	if (!c2e_str_eq(x->ns, C2E_NS_METADATA)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s': line %ld: the root element '%s' is not "
		                 "in the metadata namespace (it needs "
		                 "xmlns=\"%s\")",
		                 what, x->line, x->name, C2E_NS_METADATA);
		goto done;
	}
	if (expect_type && strcmp(x->name, expect_type) != 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s': line %ld: expected a %s, found a %s",
		                 what, x->line, expect_type, x->name);
		goto done;
	}
	rc = md_build(x, x->name, what, false, &doc, err);
	if (rc != C2E_OK)
		goto done;
	fn = full_name ? full_name : c2e_md_get(doc->root, "fullName");
	doc->full_name = c2e_strdup(fn);
	doc->path = c2e_strdup(path);
	if ((fn && !doc->full_name) || (path && !doc->path)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	*out = doc;
	doc = NULL;
done:
	c2e_md_doc_free(doc);
	c2e_xml_free(x);
	return rc;
}

int c2e_md_parse_file(const char *path, const char *expect_type,
                      struct c2e_md_doc **out, struct c2e_err *err)
{
	struct c2e_buf data = C2E_BUF_INIT;
	const char *base = c2e_path_base(path);
	const struct c2e_mdtype *mdt = NULL;
	char *name = NULL;
	size_t name_len = 0;
	bool source_format = false;
	int rc;

	mdt = c2e_mdtype_from_filename(base, &name_len, &source_format);
	if (!mdt)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s': not a metadata file name ca2eca "
		                   "knows (expected <name>.<suffix>-meta.xml, "
		                   "e.g. My_App.connectedApp-meta.xml)",
		                   path);
	if (expect_type && strcmp(mdt->name, expect_type) != 0)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s': expected a %s file, the file name "
		                   "says %s",
		                   path, expect_type, mdt->name);
	name = c2e_strndup(base, name_len);
	if (!name)
		return c2e_err_oom(err);
	rc = c2e_fs_read(path, C2E_XML_MAX_BYTES, &data, err);
	if (rc != C2E_OK)
		goto done;
	rc = c2e_md_parse(data.buf, data.len, path, name, mdt->name, out, err);
done:
	c2e_buf_release(&data);
	free(name);
	return rc;
}

int c2e_md_from_xml(const struct c2e_xml_node *elem, const char *type_name,
                    const char *what, struct c2e_md_doc **out,
                    struct c2e_err *err)
{
	if (c2e_xml_is_nil(elem))
		return c2e_err_set(err, C2E_ENOTFOUND,
		                   "'%s': the %s record is nil (it does not "
		                   "exist)",
		                   what, type_name);
	return md_build(elem, type_name, what, true, out, err);
}

int c2e_md_doc_new(const char *type_name, const char *full_name,
                   struct c2e_md_doc **out, struct c2e_err *err)
{
	const struct c2e_schema_type *t = c2e_schema_find(type_name);
	struct c2e_md_doc *doc = NULL;
	int rc = C2E_OK;

	if (!md_is_metadata_type(t))
		return c2e_err_set(err, C2E_ERROR,
		                   "'%s' is not a metadata type of the v66 "
		                   "schema",
		                   type_name ? type_name : "(null)");
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return c2e_err_oom(err);
	doc->type = t;
	doc->mdtype = c2e_mdtype_find(type_name);
	doc->root = md_node_new(type_name, NULL, t, 0);
	doc->full_name = c2e_strdup(full_name);
	if (!doc->root || (full_name && !doc->full_name)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	*out = doc;
	doc = NULL;
done:
	c2e_md_doc_free(doc);
	return rc;
}

/* --- writing --- */

struct md_slot {
	const struct c2e_md_node *n;
	size_t major; /* 1 + sequence index it follows, 0 = first */
	bool unknown; /* after the known element of the same major */
};

static void md_slot_key(const struct c2e_md_node *parent,
                        const struct c2e_md_node *n, struct md_slot *s)
{
	const struct c2e_schema_type *t = parent->type;

	s->n = n;
	s->major = 0;
	s->unknown = true;
	if (!t)
		return;
	if (n->decl && c2e_schema_elem(t, n->name, &s->major)) {
		s->major++;
		s->unknown = false;
		return;
	}
	for (size_t i = 0; i < t->n_elems; i++)
		if (strcmp(t->elems[i].name, n->name) < 0)
			s->major = i + 1;
}

/* Negative when `a` goes before `b`. */
static int md_slot_cmp(const struct md_slot *a, const struct md_slot *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->unknown != b->unknown)
		return a->unknown ? 1 : -1;
	if (a->unknown)
		return strcmp(a->n->name, b->n->name);
	return 0;
}

static bool md_has_nil(const struct c2e_md_node *n)
{
	for (; n; n = n->next)
		if (n->nil || md_has_nil(n->children))
			return true;
	return false;
}

static int md_write_children(const struct c2e_md_node *parent,
                             struct c2e_xml_writer *w, bool skip_full_name,
                             struct c2e_err *err)
{
	struct md_slot *slots = NULL;
	size_t n = 0;
	int rc = C2E_OK;

	for (const struct c2e_md_node *c = parent->children; c; c = c->next)
		n++;
	if (n == 0)
		return C2E_OK;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return c2e_err_oom(err);
	n = 0;
	for (const struct c2e_md_node *c = parent->children; c; c = c->next) {
		struct md_slot s;
		size_t j;

		/* insertion sort: stable, and lists are short */
		md_slot_key(parent, c, &s);
		for (j = n; j > 0 && md_slot_cmp(&s, &slots[j - 1]) < 0; j--)
			slots[j] = slots[j - 1];
		slots[j] = s;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct c2e_md_node *c = slots[i].n;

		if (skip_full_name && strcmp(c->name, "fullName") == 0)
			continue;
		if (c->nil) {
			rc = c2e_xmlw_start(w, NULL, c->name, NULL, err);
			if (rc == C2E_OK)
				rc = c2e_xmlw_attr(w, "xsi", "nil", NULL,
				                   "true", err);
			if (rc == C2E_OK)
				rc = c2e_xmlw_end(w, err);
		} else if (c->text) {
			rc = c2e_xmlw_element(w, NULL, c->name, c->text, err);
		} else {
			rc = c2e_xmlw_start(w, NULL, c->name, NULL, err);
			if (rc == C2E_OK)
				rc = md_write_children(c, w, false, err);
			if (rc == C2E_OK)
				rc = c2e_xmlw_end(w, err);
		}
		if (rc != C2E_OK)
			break;
	}
	free(slots);
	return rc;
}

int c2e_md_write_fields(const struct c2e_md_doc *doc, struct c2e_xml_writer *w,
                        bool with_full_name, struct c2e_err *err)
{
	int rc;

	if (with_full_name) {
		if (!doc->full_name)
			return c2e_err_set(err, C2E_ERROR,
			                   "cannot write the %s: it has no "
			                   "full name",
			                   doc->root->name);
		rc = c2e_xmlw_element(w, NULL, "fullName", doc->full_name, err);
		if (rc != C2E_OK)
			return rc;
	}
	return md_write_children(doc->root, w, with_full_name, err);
}

int c2e_md_write(const struct c2e_md_doc *doc, struct c2e_buf *out,
                 struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	int rc;

	rc = c2e_xmlw_new(&w, true, err);
	if (rc != C2E_OK)
		return rc;
	rc = c2e_xmlw_start(w, NULL, doc->root->name, C2E_NS_METADATA, err);
	if (rc == C2E_OK && md_has_nil(doc->root->children))
		rc = c2e_xmlw_attr(w, "xmlns", "xsi", NULL, C2E_NS_XSI, err);
	if (rc == C2E_OK)
		rc = md_write_children(doc->root, w, false, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_end(w, err);
	if (rc != C2E_OK) {
		c2e_xmlw_free(w);
		return rc;
	}
	return c2e_xmlw_finish(w, out, err);
}

/* --- reading fields --- */

struct c2e_md_node *c2e_md_child(const struct c2e_md_node *node,
                                 const char *name)
{
	if (!node || !name)
		return NULL;
	for (struct c2e_md_node *c = node->children; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct c2e_md_node *c2e_md_next_same(const struct c2e_md_node *node)
{
	if (!node)
		return NULL;
	for (struct c2e_md_node *c = node->next; c; c = c->next)
		if (strcmp(c->name, node->name) == 0)
			return c;
	return NULL;
}

const char *c2e_md_get(const struct c2e_md_node *node, const char *name)
{
	const struct c2e_md_node *c = c2e_md_child(node, name);

	return c && !c->nil ? c->text : NULL;
}

int c2e_md_get_bool(const struct c2e_md_node *node, const char *name)
{
	const char *v = c2e_md_get(node, name);
	const char *s;
	size_t n;

	if (!v)
		return -1;
	c2e_str_trim(v, &s, &n);
	if (n == 4 && memcmp(s, "true", 4) == 0)
		return 1;
	if (n == 5 && memcmp(s, "false", 5) == 0)
		return 0;
	return -1;
}

size_t c2e_md_count(const struct c2e_md_node *node, const char *name)
{
	size_t n = 0;

	for (const struct c2e_md_node *c = c2e_md_child(node, name); c;
	     c = c2e_md_next_same(c))
		n++;
	return n;
}

/* --- building fields --- */

/* The declaration of field `name` of `node`, or a programmer error. */
static int md_decl(const struct c2e_md_node *node, const char *name,
                   const struct c2e_schema_elem **out, struct c2e_err *err)
{
	const struct c2e_schema_elem *e = NULL;

	if (node && node->type && name)
		e = c2e_schema_elem(node->type, name, NULL);
	if (!e)
		return c2e_err_set(err, C2E_ERROR, "'%s' is not a field of %s",
		                   name ? name : "(null)",
		                   node && node->type ? node->type->name :
		                   node               ? node->name :
		                                        "(null)");
	*out = e;
	return C2E_OK;
}

/*
 * A new simple field `name` of `node` holding `text` (NULL: nil), after
 * checking that it is declared, simple, and that the value fits.
 */
static int md_new_simple(const struct c2e_md_node *node, const char *name,
                         const char *text, struct c2e_md_node **out,
                         struct c2e_err *err)
{
	const struct c2e_schema_elem *e = NULL;
	struct c2e_md_node *n;
	char why[C2E_ERR_MSG_MAX];
	int rc;

	rc = md_decl(node, name, &e, err);
	if (rc != C2E_OK)
		return rc;
	if (e->kind == C2E_XK_COMPLEX)
		return c2e_err_set(err, C2E_ERROR,
		                   "'%s' of %s holds other fields; use "
		                   "c2e_md_add_complex()",
		                   name, node->type->name);
	if (text && !md_value_ok(e, text, why, sizeof(why)))
		return c2e_err_set(err, C2E_EDATA, "%s/%s: %s", node->name,
		                   name, why);
	n = md_node_new(name, e, NULL, 0);
	if (!n)
		return c2e_err_oom(err);
	if (text) {
		n->text = c2e_strdup(text);
		if (!n->text) {
			md_nodes_free(n);
			return c2e_err_oom(err);
		}
	} else {
		n->nil = true;
	}
	*out = n;
	return C2E_OK;
}

int c2e_md_set(struct c2e_md_node *node, const char *name, const char *text,
               struct c2e_err *err)
{
	struct c2e_md_node *n = NULL;
	int rc;

	rc = md_new_simple(node, name, text, &n, err);
	if (rc != C2E_OK)
		return rc;
	c2e_md_remove(node, name);
	md_append(node, n);
	return C2E_OK;
}

int c2e_md_set_bool(struct c2e_md_node *node, const char *name, bool v,
                    struct c2e_err *err)
{
	return c2e_md_set(node, name, v ? "true" : "false", err);
}

int c2e_md_set_long(struct c2e_md_node *node, const char *name, long v,
                    struct c2e_err *err)
{
	char num[32];

	if (snprintf(num, sizeof(num), "%ld", v) < 0)
		return c2e_err_set(err, C2E_ERROR, "cannot format %ld", v);
	return c2e_md_set(node, name, num, err);
}

/* A single field may be added once; a repeated one any number of times. */
static int md_check_add(const struct c2e_md_node *node, const char *name,
                        const struct c2e_schema_elem **out, struct c2e_err *err)
{
	const struct c2e_schema_elem *e = NULL;
	int rc;

	rc = md_decl(node, name, &e, err);
	if (rc != C2E_OK)
		return rc;
	if (!e->repeated && c2e_md_child(node, name))
		return c2e_err_set(err, C2E_ERROR,
		                   "'%s' of %s takes one value and is already "
		                   "set",
		                   name, node->type->name);
	*out = e;
	return C2E_OK;
}

int c2e_md_add(struct c2e_md_node *node, const char *name, const char *text,
               struct c2e_err *err)
{
	const struct c2e_schema_elem *e = NULL;
	struct c2e_md_node *n = NULL;
	int rc;

	rc = md_check_add(node, name, &e, err);
	if (rc != C2E_OK)
		return rc;
	rc = md_new_simple(node, name, text, &n, err);
	if (rc != C2E_OK)
		return rc;
	md_append(node, n);
	return C2E_OK;
}

int c2e_md_add_complex(struct c2e_md_node *node, const char *name,
                       struct c2e_md_node **out, struct c2e_err *err)
{
	const struct c2e_schema_elem *e = NULL;
	struct c2e_md_node *n;
	int rc;

	rc = md_check_add(node, name, &e, err);
	if (rc != C2E_OK)
		return rc;
	if (e->kind != C2E_XK_COMPLEX)
		return c2e_err_set(err, C2E_ERROR,
		                   "'%s' of %s is a simple field; use "
		                   "c2e_md_set() or c2e_md_add()",
		                   name, node->type->name);
	n = md_node_new(name, e, e->type, 0);
	if (!n)
		return c2e_err_oom(err);
	md_append(node, n);
	*out = n;
	return C2E_OK;
}

void c2e_md_remove(struct c2e_md_node *node, const char *name)
{
	struct c2e_md_node **pp;

	if (!node || !name)
		return;
	pp = &node->children;
	while (*pp) {
		struct c2e_md_node *c = *pp;

		if (strcmp(c->name, name) == 0) {
			*pp = c->next;
			c->next = NULL;
			md_nodes_free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* --- walking and copying --- */

static int
md_walk_unknown(const struct c2e_md_node *parent, struct c2e_buf *path,
                int (*fn)(void *ctx, const char *path,
                          const struct c2e_md_node *node, struct c2e_err *err),
                void *ctx, struct c2e_err *err)
{
	size_t mark = path->len;
	int rc;

	for (const struct c2e_md_node *c = parent->children; c; c = c->next) {
		c2e_buf_addf(path, "%s%s", mark ? "/" : "", c->name);
		if (c2e_buf_failed(path))
			return c2e_err_oom(err);
		if (!c->decl) {
			rc = fn(ctx, path->buf, c, err);
			if (rc != C2E_OK)
				return rc;
		}
		rc = md_walk_unknown(c, path, fn, ctx, err);
		if (rc != C2E_OK)
			return rc;
		c2e_buf_truncate(path, mark);
	}
	return C2E_OK;
}

int c2e_md_unknown(const struct c2e_md_doc *doc,
                   int (*fn)(void *ctx, const char *path,
                             const struct c2e_md_node *node,
                             struct c2e_err *err),
                   void *ctx, struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	int rc;

	rc = md_walk_unknown(doc->root, &path, fn, ctx, err);
	c2e_buf_release(&path);
	return rc;
}

static struct c2e_md_node *md_dup_nodes(const struct c2e_md_node *src)
{
	struct c2e_md_node *head = NULL, **tail = &head;

	for (; src; src = src->next) {
		struct c2e_md_node *n =
		        md_node_new(src->name, src->decl, src->type, src->line);

		if (!n)
			goto oom;
		*tail = n;
		tail = &n->next;
		n->nil = src->nil;
		if (src->text) {
			n->text = c2e_strdup(src->text);
			if (!n->text)
				goto oom;
		}
		if (src->children) {
			n->children = md_dup_nodes(src->children);
			if (!n->children)
				goto oom;
		}
	}
	return head;
oom:
	md_nodes_free(head);
	return NULL;
}

int c2e_md_doc_dup(const struct c2e_md_doc *doc, struct c2e_md_doc **out,
                   struct c2e_err *err)
{
	struct c2e_md_doc *d = calloc(1, sizeof(*d));
	int rc = C2E_OK;

	if (!d)
		return c2e_err_oom(err);
	d->mdtype = doc->mdtype;
	d->type = doc->type;
	d->root = md_dup_nodes(doc->root);
	d->full_name = c2e_strdup(doc->full_name);
	d->path = c2e_strdup(doc->path);
	if (!d->root || (doc->full_name && !d->full_name) ||
	    (doc->path && !d->path)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	*out = d;
	d = NULL;
done:
	c2e_md_doc_free(d);
	return rc;
}
