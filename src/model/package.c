#include "model/package.h"

#include <stdlib.h>
#include <string.h>

#include "util/xml.h"
#include "util/compat.h"

int c2e_package_new(const char *version, struct c2e_package **out,
                    struct c2e_err *err)
{
	struct c2e_package *pkg = calloc(1, sizeof(*pkg));

	*out = NULL;
	if (!pkg)
		return c2e_err_oom(err);
	pkg->version = c2e_strdup(version);
	if (!pkg->version) {
		free(pkg);
		return c2e_err_oom(err);
	}
	*out = pkg;
	return C2E_OK;
}

static struct c2e_package_type *find_type(struct c2e_package *pkg,
                                          const char *type)
{
	for (size_t i = 0; i < pkg->n_types; i++)
		if (strcmp(pkg->types[i].name, type) == 0)
			return &pkg->types[i];
	return NULL;
}

int c2e_package_add(struct c2e_package *pkg, const char *type,
                    const char *member, struct c2e_err *err)
{
	struct c2e_package_type *t = find_type(pkg, type);

	if (!t) {
		struct c2e_package_type *v =
		        realloc(pkg->types, (pkg->n_types + 1) * sizeof(*v));

		if (!v)
			return c2e_err_oom(err);
		pkg->types = v;
		t = &v[pkg->n_types];
		memset(t, 0, sizeof(*t));
		t->name = c2e_strdup(type);
		if (!t->name)
			return c2e_err_oom(err);
		pkg->n_types++;
	}
	if (c2e_strv_contains(&t->members, member))
		return C2E_OK;
	return c2e_strv_push(&t->members, member, err);
}

int c2e_package_parse(const char *data, size_t len, const char *path,
                      struct c2e_package **out, struct c2e_err *err)
{
	struct c2e_xml_node *root = NULL;
	struct c2e_package *pkg = NULL;
	const struct c2e_xml_node *v;
	int rc;

	*out = NULL;
	rc = c2e_xml_parse(data, len, path, &root, err);
	if (rc < 0)
		return rc;
	if (strcmp(root->name, "Package") != 0 ||
	    !c2e_str_eq(root->ns, C2E_NS_METADATA)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is not a package.xml: its root element "
		                 "is '%s', expected Package in namespace %s",
		                 path, root->name, C2E_NS_METADATA);
		goto done;
	}
	v = c2e_xml_child(root, C2E_NS_METADATA, "version");
	rc = c2e_package_new(v && *v->text ? v->text : "66.0", &pkg, err);
	if (rc < 0)
		goto done;
	for (const struct c2e_xml_node *t = root->children; t; t = t->next) {
		const struct c2e_xml_node *name;

		if (strcmp(t->name, "types") != 0)
			continue;
		name = c2e_xml_child(t, C2E_NS_METADATA, "name");
		if (!name || !*name->text) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "'%s': line %ld: <types> without a "
			                 "<name>",
			                 path, t->line);
			goto done;
		}
		for (const struct c2e_xml_node *m = t->children; m;
		     m = m->next) {
			if (strcmp(m->name, "members") != 0)
				continue;
			rc = c2e_package_add(pkg, name->text, m->text, err);
			if (rc < 0)
				goto done;
		}
	}
	*out = pkg;
	pkg = NULL;
done:
	c2e_package_free(pkg);
	c2e_xml_free(root);
	return rc;
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp(((const struct c2e_package_type *)a)->name,
	              ((const struct c2e_package_type *)b)->name);
}

int c2e_package_write(const struct c2e_package *pkg, struct c2e_buf *out,
                      struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	struct c2e_package_type *sorted = NULL;
	int rc;

	if (pkg->n_types) {
		sorted = malloc(pkg->n_types * sizeof(*sorted));
		if (!sorted)
			return c2e_err_oom(err);
		memcpy(sorted, pkg->types, pkg->n_types * sizeof(*sorted));
		qsort(sorted, pkg->n_types, sizeof(*sorted), cmp_type);
	}
	rc = c2e_xmlw_new(&w, true, err);
	if (rc == 0)
		rc = c2e_xmlw_start(w, NULL, "Package", C2E_NS_METADATA, err);
	for (size_t i = 0; rc == 0 && i < pkg->n_types; i++) {
		struct c2e_strv *m = &sorted[i].members;

		c2e_strv_sort(m);
		rc = c2e_xmlw_start(w, NULL, "types", NULL, err);
		for (size_t j = 0; rc == 0 && j < m->n; j++)
			rc = c2e_xmlw_element(w, NULL, "members", m->v[j], err);
		if (rc == 0)
			rc = c2e_xmlw_element(w, NULL, "name", sorted[i].name,
			                      err);
		if (rc == 0)
			rc = c2e_xmlw_end(w, err);
	}
	if (rc == 0)
		rc = c2e_xmlw_element(w, NULL, "version", pkg->version, err);
	if (rc == 0)
		rc = c2e_xmlw_end(w, err);
	if (rc == 0) {
		rc = c2e_xmlw_finish(w, out, err);
		w = NULL;
	}
	c2e_xmlw_free(w);
	free(sorted);
	return rc;
}

void c2e_package_free(struct c2e_package *pkg)
{
	if (!pkg)
		return;
	for (size_t i = 0; i < pkg->n_types; i++) {
		free(pkg->types[i].name);
		c2e_strv_release(&pkg->types[i].members);
	}
	free(pkg->types);
	free(pkg->version);
	free(pkg);
}
