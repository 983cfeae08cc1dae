#include "stage/convert.h"

#include <stdlib.h>
#include <string.h>

#include "model/md.h"
#include "model/package.h"
#include "model/project.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/compat.h"

#define MANIFEST_MAX ((size_t)16 << 20)

/* A file to write, fully rendered before anything touches the disk. */
struct pending {
	char *rel; /* relative to the out dir */
	char *abs;
	struct c2e_buf data;
};

struct pending_list {
	struct pending *v;
	size_t n, alloc;
};

static int pending_add(struct pending_list *l, const char *out_dir,
                       const char *rel, struct c2e_buf *data,
                       struct c2e_err *err)
{
	struct pending *p;

	if (l->n == l->alloc) {
		size_t n = l->alloc ? l->alloc * 2 : 16;
		struct pending *v = realloc(l->v, n * sizeof(*v));

		if (!v)
			return c2e_err_oom(err);
		l->v = v;
		l->alloc = n;
	}
	p = &l->v[l->n];
	p->rel = c2e_strdup(rel);
	p->abs = c2e_path_join(out_dir, rel);
	if (!p->rel || !p->abs) {
		free(p->rel);
		free(p->abs);
		return c2e_err_oom(err);
	}
	p->data = *data; /* takes the buffer */
	c2e_buf_init(data, 0);
	l->n++;
	return C2E_OK;
}

static void pending_release(struct pending_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].rel);
		free(l->v[i].abs);
		c2e_buf_release(&l->v[i].data);
	}
	free(l->v);
}

static int write_pending(const struct pending *p, struct c2e_err *err)
{
	char *dir = c2e_path_dir(p->abs);
	int rc;

	if (!dir)
		return c2e_err_oom(err);
	rc = c2e_fs_mkdirs(dir, err);
	free(dir);
	if (rc < 0)
		return rc;
	return c2e_fs_write_atomic(p->abs, p->data.buf, p->data.len, 0644, err);
}

static const struct c2e_project_file *find_app(const struct c2e_project *p,
                                               const char *name)
{
	const struct c2e_project_file *f;
	size_t i = 0;

	while ((f = c2e_project_next(p, "ConnectedApp", &i)) != NULL)
		if (!strcmp(f->full_name, name))
			return f;
	return NULL;
}

static int unknown_app_error(const struct c2e_project *p, const char *name,
                             struct c2e_err *err)
{
	struct c2e_buf have = C2E_BUF_INIT;
	const struct c2e_project_file *f;
	size_t i = 0;
	int rc;

	while ((f = c2e_project_next(p, "ConnectedApp", &i)) != NULL)
		c2e_buf_addf(&have, "%s%s", have.len ? ", " : "", f->full_name);
	if (c2e_buf_failed(&have))
		rc = c2e_err_oom(err);
	else
		rc = c2e_err_set(err, C2E_ENOTFOUND,
		                 "no connected app named '%s' in '%s' (it has: "
		                 "%s)",
		                 name, p->root, have.len ? have.buf : "none");
	c2e_buf_release(&have);
	return rc;
}

/* The CCDs of the project: developer names (file name when absent). */
static int read_ccds(const struct c2e_project *p, struct c2e_strv *names,
                     struct c2e_err *err)
{
	const struct c2e_project_file *f;
	size_t i = 0;
	int rc = C2E_OK;

	while (rc == 0 &&
	       (f = c2e_project_next(p, "ConversationChannelDefinition", &i))) {
		struct c2e_md_doc *doc = NULL;
		char *abs = c2e_path_join(p->root, f->rel_path);
		const char *dev;

		if (!abs)
			return c2e_err_oom(err);
		rc = c2e_md_parse_file(abs, "ConversationChannelDefinition",
		                       &doc, err);
		free(abs);
		if (rc < 0)
			break;
		dev = c2e_md_get(doc->root, "developerName");
		rc = c2e_strv_push(names, dev ? dev : doc->full_name, err);
		c2e_md_doc_free(doc);
	}
	return rc;
}

static bool has_prefix(const char *name, const char *pre)
{
	size_t pl = strlen(pre);

	return pl && !strncmp(name, pre, pl) && name[pl] == '_';
}

/*
 * How many connected apps of the project (all of them, not only those
 * being converted) have the API-name prefix `pre`: a CCD with that prefix
 * is only known to belong to an app when the app is the only one.
 */
static int count_prefix_apps(const struct c2e_project *proj, const char *pre,
                             size_t *n, struct c2e_err *err)
{
	struct c2e_strv seen = C2E_STRV_INIT;
	const struct c2e_project_file *f;
	size_t i = 0;
	int rc = 0;

	while (rc == 0 &&
	       (f = c2e_project_next(proj, "ConnectedApp", &i)) != NULL)
		if (has_prefix(f->full_name, pre) &&
		    !c2e_strv_contains(&seen, f->full_name))
			rc = c2e_strv_push(&seen, f->full_name, err);
	*n = seen.n;
	c2e_strv_release(&seen);
	return rc;
}

static int convert_app(struct c2e_convert_result *r,
                       const struct c2e_convert_opts *opts,
                       const struct c2e_project *proj,
                       const struct c2e_project_file *f,
                       const struct c2e_strv *ccds, struct c2e_convert_app *app,
                       struct c2e_err *err)
{
	struct c2e_map_opts mo = { opts->name_template, opts->distribution };
	struct c2e_md_doc *ca = NULL;
	char *abs = NULL;
	size_t sharing = 0;
	int rc;

	(void)r;
	app->source_path = c2e_strdup(f->rel_path);
	abs = c2e_path_join(proj->root, f->rel_path);
	if (!app->source_path || !abs) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_md_parse_file(abs, "ConnectedApp", &ca, err);
	if (rc < 0)
		goto done;
	rc = c2e_map_connected_app(ca, &mo, &app->mapping, err);
	if (rc < 0)
		goto done;
	rc = count_prefix_apps(proj, app->mapping->prefix, &sharing, err);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < ccds->n; i++) {
		if (has_prefix(ccds->v[i], app->mapping->prefix)) {
			rc = c2e_strv_push(sharing > 1 ? &app->ambiguous_ccds :
			                                 &app->ccds,
			                   ccds->v[i], err);
			if (rc < 0)
				goto done;
		}
	}
	for (int p = 0; p < C2E_PART_MAX; p++) {
		const struct c2e_md_doc *d = app->mapping->parts[p];
		char *rel = NULL;

		if (!d)
			continue;
		rc = c2e_project_path_for(proj, f, d->mdtype, d->full_name,
		                          &rel, err);
		if (rc == 0)
			rc = c2e_strv_push_owned(&app->files, rel, err);
		if (rc < 0)
			goto done;
	}
done:
	c2e_md_doc_free(ca);
	free(abs);
	return rc;
}

static int check_unique_names(const struct c2e_convert_result *r,
                              struct c2e_err *err)
{
	for (size_t i = 0; i < r->n_apps; i++)
		for (size_t j = i + 1; j < r->n_apps; j++)
			if (!strcmp(r->apps[i].mapping->eca_name,
			            r->apps[j].mapping->eca_name))
				return c2e_err_set(
				        err, C2E_EDATA,
				        "connected apps '%s' and '%s' would "
				        "both become ECA '%s'; choose a --name "
				        "template that keeps names apart",
				        r->apps[i].mapping->ca_name,
				        r->apps[j].mapping->ca_name,
				        r->apps[i].mapping->eca_name);
	return C2E_OK;
}

/* Renders every file of the converted apps, refusing to overwrite. */
static int render(struct c2e_convert_result *r,
                  const struct c2e_convert_opts *opts,
                  const struct c2e_project *proj, struct pending_list *todo,
                  struct c2e_err *err)
{
	struct c2e_package *pkg = NULL;
	struct c2e_buf data = C2E_BUF_INIT;
	char *manifest_abs = NULL;
	size_t conflicts = 0;
	const char *first_conflict = NULL;
	int rc = C2E_OK;

	for (size_t i = 0; i < r->n_apps; i++) {
		struct c2e_convert_app *a = &r->apps[i];
		size_t k = 0;

		if (a->mapping->blocked)
			continue;
		for (int p = 0; p < C2E_PART_MAX; p++) {
			const struct c2e_md_doc *d = a->mapping->parts[p];

			if (!d)
				continue;
			rc = c2e_md_write(d, &data, err);
			if (rc == 0)
				rc = pending_add(todo, r->out, a->files.v[k++],
				                 &data, err);
			if (rc < 0)
				goto done;
			if (c2e_fs_exists(todo->v[todo->n - 1].abs)) {
				if (!first_conflict)
					first_conflict =
					        todo->v[todo->n - 1].abs;
				conflicts++;
			}
		}
		a->written = true;
		r->n_converted++;
	}
	if (conflicts && !opts->force) {
		rc = c2e_err_set(err, C2E_ECONFLICT,
		                 "'%s' already exists (%zu existing file%s); "
		                 "nothing was written: use --force to "
		                 "overwrite, or --out to write elsewhere",
		                 first_conflict, conflicts,
		                 conflicts == 1 ? "" : "s");
		goto done;
	}
	if (r->n_converted == 0)
		goto done;

	/* the manifest: a new package.xml, or the existing one extended */
	r->manifest = c2e_strdup(c2e_project_manifest_path(proj));
	manifest_abs = r->manifest ? c2e_path_join(r->out, r->manifest) : NULL;
	if (!manifest_abs) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (c2e_fs_exists(manifest_abs)) {
		rc = c2e_fs_read(manifest_abs, MANIFEST_MAX, &data, err);
		if (rc == 0)
			rc = c2e_package_parse(data.buf, data.len, manifest_abs,
			                       &pkg, err);
		c2e_buf_release(&data);
		r->manifest_merged = true;
	} else {
		rc = c2e_package_new(C2E_DEFAULT_API_VERSION, &pkg, err);
	}
	for (size_t i = 0; rc == 0 && i < r->n_apps; i++) {
		const struct c2e_mapping *m = r->apps[i].mapping;

		if (!r->apps[i].written)
			continue;
		for (int p = 0; rc == 0 && p < C2E_PART_MAX; p++)
			if (m->parts[p])
				rc = c2e_package_add(
				        pkg,
				        c2e_part_type((enum c2e_eca_part)p),
				        m->parts[p]->full_name, err);
	}
	if (rc == 0)
		rc = c2e_package_write(pkg, &data, err);
	if (rc == 0)
		rc = pending_add(todo, r->out, r->manifest, &data, err);
	if (rc < 0)
		goto done;

	/* a separate --out directory becomes a deployable project too */
	if (proj->source_format && strcmp(r->out, r->project) != 0) {
		char *dst = c2e_path_join(r->out, "sfdx-project.json");
		char *src = c2e_path_join(r->project, "sfdx-project.json");

		if (!dst || !src)
			rc = c2e_err_oom(err);
		else if (!c2e_fs_exists(dst))
			rc = c2e_fs_read(src, MANIFEST_MAX, &data, err);
		if (rc == 0 && data.len) {
			rc = pending_add(todo, r->out, "sfdx-project.json",
			                 &data, err);
			if (rc == 0)
				rc = c2e_strv_push(&r->extra_files,
				                   "sfdx-project.json", err);
		}
		free(dst);
		free(src);
	}
done:
	c2e_package_free(pkg);
	c2e_buf_release(&data);
	free(manifest_abs);
	return rc;
}

int c2e_convert(const struct c2e_convert_opts *opts,
                struct c2e_convert_result **out, struct c2e_err *err)
{
	struct c2e_convert_result *r = NULL;
	struct c2e_project *proj = NULL;
	struct c2e_strv ccds = C2E_STRV_INIT;
	struct pending_list todo = { NULL, 0, 0 };
	const struct c2e_project_file *f;
	size_t n_sel = 0, i = 0;
	int rc;

	*out = NULL;
	if (opts->distribution && strcmp(opts->distribution, "Local") &&
	    strcmp(opts->distribution, "Packaged"))
		return c2e_err_set(err, C2E_EUSAGE,
		                   "--distribution must be Local or Packaged, "
		                   "not '%s'",
		                   opts->distribution);
	rc = c2e_project_open(opts->project, &proj, err);
	if (rc < 0)
		goto done;
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = c2e_err_oom(err);
		goto done;
	}
	r->project = c2e_strdup(opts->project);
	r->out = c2e_strdup(opts->out ? opts->out : opts->project);
	if (!r->project || !r->out) {
		rc = c2e_err_oom(err);
		goto done;
	}
	r->source_format = proj->source_format;
	r->dry_run = opts->dry_run;

	/* select the apps */
	if (opts->apps && opts->apps->n) {
		for (size_t k = 0; k < opts->apps->n; k++)
			if (!find_app(proj, opts->apps->v[k])) {
				rc = unknown_app_error(proj, opts->apps->v[k],
				                       err);
				goto done;
			}
		n_sel = opts->apps->n;
	} else {
		while (c2e_project_next(proj, "ConnectedApp", &i))
			n_sel++;
	}
	if (n_sel == 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "no connected apps in '%s': retrieve them "
		                 "first (sf project retrieve start --metadata "
		                 "ConnectedApp)",
		                 proj->root);
		goto done;
	}
	r->apps = calloc(n_sel, sizeof(*r->apps));
	if (!r->apps) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = read_ccds(proj, &ccds, err);
	if (rc < 0)
		goto done;

	/* read, parse and map everything before writing anything */
	i = 0;
	while ((f = c2e_project_next(proj, "ConnectedApp", &i)) != NULL) {
		if (opts->apps && opts->apps->n &&
		    !c2e_strv_contains(opts->apps, f->full_name))
			continue;
		if (r->n_apps > 0 &&
		    !strcmp(r->apps[r->n_apps - 1].mapping->ca_name,
		            f->full_name))
			continue; /* the same app twice (two package dirs) */
		rc = convert_app(r, opts, proj, f, &ccds, &r->apps[r->n_apps++],
		                 err);
		if (rc < 0)
			goto done;
		if (r->apps[r->n_apps - 1].mapping->blocked)
			r->n_blocked++;
	}
	rc = check_unique_names(r, err);
	if (rc < 0)
		goto done;
	rc = render(r, opts, proj, &todo, err);
	if (rc < 0 || opts->dry_run)
		goto done;
	for (size_t k = 0; k < todo.n; k++) {
		rc = write_pending(&todo.v[k], err);
		if (rc < 0)
			goto done;
	}
done:
	pending_release(&todo);
	c2e_strv_release(&ccds);
	c2e_project_free(proj);
	if (rc == 0) {
		*out = r;
		r = NULL;
	}
	c2e_convert_result_free(r);
	return rc;
}

void c2e_convert_result_free(struct c2e_convert_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_apps; i++) {
		free(r->apps[i].source_path);
		c2e_mapping_free(r->apps[i].mapping);
		c2e_strv_release(&r->apps[i].ccds);
		c2e_strv_release(&r->apps[i].ambiguous_ccds);
		c2e_strv_release(&r->apps[i].files);
	}
	free(r->apps);
	free(r->project);
	free(r->out);
	free(r->manifest);
	c2e_strv_release(&r->extra_files);
	free(r);
}
