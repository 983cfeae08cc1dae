#include "model/project.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/compat.h"

/* Deepest directory nesting scanned below a package directory. */
#define SCAN_MAX_DEPTH   16
#define SFDX_PROJECT_MAX ((size_t)1 << 20)

static int add_file(struct c2e_project *p, const char *rel,
                    const struct c2e_mdtype *t, size_t name_len,
                    struct c2e_err *err)
{
	struct c2e_project_file *f;
	const char *base = c2e_path_base(rel);

	if (p->n_files == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 32;
		struct c2e_project_file *v = realloc(p->files, n * sizeof(*v));

		if (!v)
			return c2e_err_oom(err);
		p->files = v;
		p->alloc = n;
	}
	f = &p->files[p->n_files];
	f->rel_path = c2e_strdup(rel);
	f->full_name = c2e_strndup(base, name_len);
	f->mdtype = t;
	if (!f->rel_path || !f->full_name) {
		free(f->rel_path);
		free(f->full_name);
		return c2e_err_oom(err);
	}
	p->n_files++;
	return C2E_OK;
}

/* Recursively lists metadata files below `rel` (relative to the root). */
static int scan(struct c2e_project *p, const char *rel, int depth,
                struct c2e_err *err)
{
	struct c2e_strv names = C2E_STRV_INIT;
	char *abs = NULL;
	int rc;

	abs = c2e_path_join(p->root, rel);
	if (!abs)
		return c2e_err_oom(err);
	rc = c2e_fs_list(abs, &names, err);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < names.n; i++) {
		const char *n = names.v[i];
		char *child_rel = NULL, *child_abs = NULL;
		const struct c2e_mdtype *t;
		size_t name_len;
		bool src;

		if (n[0] == '.' || !strcmp(n, "node_modules"))
			continue;
		child_rel = strcmp(rel, ".") ? c2e_path_join(rel, n) :
		                               c2e_strdup(n);
		child_abs =
		        child_rel ? c2e_path_join(p->root, child_rel) : NULL;
		if (!child_abs) {
			free(child_rel);
			rc = c2e_err_oom(err);
			goto done;
		}
		if (c2e_fs_is_dir(child_abs)) {
			if (depth < SCAN_MAX_DEPTH)
				rc = scan(p, child_rel, depth + 1, err);
		} else {
			t = c2e_mdtype_from_filename(n, &name_len, &src);
			if (t && src == p->source_format)
				rc = add_file(p, child_rel, t, name_len, err);
		}
		free(child_rel);
		free(child_abs);
		if (rc < 0)
			goto done;
	}
done:
	c2e_strv_release(&names);
	free(abs);
	return rc;
}

static int read_sfdx_project(struct c2e_project *p, const char *path,
                             struct c2e_err *err)
{
	struct c2e_buf data = C2E_BUF_INIT;
	struct c2e_json *doc = NULL;
	const struct c2e_json *dirs;
	int rc;

	rc = c2e_fs_read(path, SFDX_PROJECT_MAX, &data, err);
	if (rc < 0)
		goto done;
	rc = c2e_json_parse(data.buf, data.len, path, &doc, err);
	if (rc < 0)
		goto done;
	dirs = c2e_json_get(doc, "packageDirectories");
	if (!dirs || dirs->type != C2E_JSON_ARRAY || !dirs->child) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s': packageDirectories is missing or "
		                 "empty; list the project's source folders "
		                 "there",
		                 path);
		goto done;
	}
	for (const struct c2e_json *d = dirs->child; d; d = d->next) {
		const char *dp = c2e_json_get_str(d, "path");
		const char *start;
		size_t len;
		char *clean;

		if (!dp || !*dp) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "'%s': an entry of packageDirectories "
			                 "has no \"path\"",
			                 path);
			goto done;
		}
		if (dp[0] == '/' || strstr(dp, "..")) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "'%s': package directory '%s' is "
			                 "outside the project",
			                 path, dp);
			goto done;
		}
		c2e_str_trim(dp, &start, &len);
		while (len > 1 && start[len - 1] == '/')
			len--;
		if (len > 2 && !strncmp(start, "./", 2))
			start += 2, len -= 2;
		clean = c2e_strndup(start, len);
		rc = c2e_strv_push_owned(&p->package_dirs, clean, err);
		if (rc < 0)
			goto done;
	}
done:
	c2e_json_free(doc);
	c2e_buf_release(&data);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	const struct c2e_project_file *x = a, *y = b;
	int c = strcmp(x->mdtype->name, y->mdtype->name);

	if (c)
		return c;
	c = strcmp(x->full_name, y->full_name);
	return c ? c : strcmp(x->rel_path, y->rel_path);
}

int c2e_project_open(const char *dir, struct c2e_project **out,
                     struct c2e_err *err)
{
	struct c2e_project *p = NULL;
	char *sfdx = NULL, *pkg = NULL, *srcpkg = NULL;
	int rc = C2E_OK;

	*out = NULL;
	if (!c2e_fs_is_dir(dir))
		return c2e_err_set(err, C2E_EDATA,
		                   "project directory '%s' does not exist or "
		                   "is not a directory",
		                   dir);
	p = calloc(1, sizeof(*p));
	sfdx = c2e_path_join(dir, "sfdx-project.json");
	pkg = c2e_path_join(dir, "package.xml");
	srcpkg = c2e_path_join(dir, "src/package.xml");
	if (!p || !sfdx || !pkg || !srcpkg) {
		rc = c2e_err_oom(err);
		goto done;
	}
	p->root = c2e_strdup(dir);
	if (!p->root) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (c2e_fs_exists(sfdx)) {
		p->source_format = true;
		rc = read_sfdx_project(p, sfdx, err);
		for (size_t i = 0; rc == 0 && i < p->package_dirs.n; i++) {
			char *abs = c2e_path_join(dir, p->package_dirs.v[i]);

			if (!abs) {
				rc = c2e_err_oom(err);
				break;
			}
			if (!c2e_fs_is_dir(abs))
				rc = c2e_err_set(err, C2E_EDATA,
				                 "package directory '%s' named "
				                 "in '%s' does not exist",
				                 abs, sfdx);
			free(abs);
			if (rc == 0)
				rc = scan(p, p->package_dirs.v[i], 0, err);
		}
	} else if (c2e_fs_is_file(pkg) || c2e_fs_is_file(srcpkg)) {
		p->source_format = false;
		p->mdapi_root = c2e_strdup(c2e_fs_is_file(pkg) ? "." : "src");
		if (!p->mdapi_root)
			rc = c2e_err_oom(err);
		else
			rc = scan(p, p->mdapi_root, 0, err);
	} else {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is not a Salesforce project: it has no "
		                 "sfdx-project.json, and no package.xml in it "
		                 "or in src/",
		                 dir);
	}
	if (rc < 0)
		goto done;
	if (p->n_files > 1)
		qsort(p->files, p->n_files, sizeof(*p->files), cmp_file);
	*out = p;
	p = NULL;
done:
	c2e_project_free(p);
	free(sfdx);
	free(pkg);
	free(srcpkg);
	return rc;
}

void c2e_project_free(struct c2e_project *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].rel_path);
		free(p->files[i].full_name);
	}
	free(p->files);
	c2e_strv_release(&p->package_dirs);
	free(p->mdapi_root);
	free(p->root);
	free(p);
}

const struct c2e_project_file *
c2e_project_next(const struct c2e_project *p, const char *type_name, size_t *i)
{
	while (*i < p->n_files) {
		const struct c2e_project_file *f = &p->files[(*i)++];

		if (!strcmp(f->mdtype->name, type_name))
			return f;
	}
	return NULL;
}

int c2e_project_path_for(const struct c2e_project *p,
                         const struct c2e_project_file *sibling,
                         const struct c2e_mdtype *mdtype, const char *name,
                         char **out, struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	char *dir = NULL, *base = NULL;
	int rc = C2E_OK;

	*out = NULL;
	if (p->source_format) {
		/* next to the sibling's type folder:
		 * <base>/<dir>/X.<sfx>-meta.xml */
		dir = c2e_path_dir(sibling->rel_path);
		if (!dir) {
			rc = c2e_err_oom(err);
			goto done;
		}
		if (!strcmp(c2e_path_base(dir), sibling->mdtype->dir))
			base = c2e_path_dir(dir);
		else
			base = c2e_strdup(dir);
		if (!base) {
			rc = c2e_err_oom(err);
			goto done;
		}
		if (strcmp(base, "."))
			c2e_buf_addf(&b, "%s/", base);
		c2e_buf_addf(&b, "%s/%s.%s-meta.xml", mdtype->dir, name,
		             mdtype->suffix);
	} else {
		if (strcmp(p->mdapi_root, "."))
			c2e_buf_addf(&b, "%s/", p->mdapi_root);
		c2e_buf_addf(&b, "%s/%s.%s", mdtype->dir, name, mdtype->suffix);
	}
	rc = c2e_buf_take(&b, out, err);
done:
	c2e_buf_release(&b);
	free(dir);
	free(base);
	return rc;
}

const char *c2e_project_manifest_path(const struct c2e_project *p)
{
	if (p->source_format)
		return "manifest/package.xml";
	return strcmp(p->mdapi_root, ".") ? "src/package.xml" : "package.xml";
}
