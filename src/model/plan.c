/*
 * plan.c - writing and reading migration plans.
 */
#include "model/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mdjson.h"
#include "util/crypto.h"
#include "util/fs.h"
#include "util/compat.h"

#define PLAN_MAX_BYTES ((size_t)32 << 20)

/* --- hashing ---------------------------------------------------------- */

static int hash_text(const struct c2e_buf *text, char **out,
                     struct c2e_err *err)
{
	char hex[65];
	struct c2e_buf b = C2E_BUF_INIT;
	int rc;

	if (c2e_buf_failed(text))
		return c2e_err_oom(err);
	rc = c2e_sha256_hex(text->buf, text->len, hex, err);
	if (rc < 0)
		return rc;
	c2e_buf_addf(&b, "sha256:%s", hex);
	return c2e_buf_take(&b, out, err);
}

int c2e_json_hash(const struct c2e_json *v, char **out, struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	c2e_jsonw_init(&w, &text, false);
	c2e_jsonw_value(&w, v);
	rc = hash_text(&text, out, err);
	c2e_buf_release(&text);
	return rc;
}

/* The hash of a plan document: every member but planHash, compact. */
static int plan_doc_hash(const struct c2e_json *doc, char **out,
                         struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	c2e_jsonw_init(&w, &text, false);
	c2e_jsonw_object_begin(&w);
	for (const struct c2e_json *m = doc->child; m; m = m->next) {
		if (!strcmp(m->key, "planHash"))
			continue;
		c2e_jsonw_key(&w, m->key);
		c2e_jsonw_value(&w, m);
	}
	c2e_jsonw_object_end(&w);
	rc = hash_text(&text, out, err);
	c2e_buf_release(&text);
	return rc;
}

/* --- writing ----------------------------------------------------------- */

static void named_ids(struct c2e_jsonw *w, const char *key,
                      const struct c2e_strv *names, const struct c2e_strv *ids)
{
	c2e_jsonw_key(w, key);
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < names->n; i++) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "name", names->v[i]);
		c2e_jsonw_kv_string(w, "id", i < ids->n ? ids->v[i] : NULL);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
}

static void write_app(struct c2e_jsonw *w, const struct c2e_plan_app *a)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "connectedApp", a->connected_app);
	c2e_jsonw_kv_string(w, "eca", a->eca);
	c2e_jsonw_kv_string(w, "prefix", a->prefix);
	c2e_jsonw_kv_bool(w, "interaction", a->interaction);
	c2e_jsonw_kv_bool(w, "jwt", a->jwt);
	c2e_jsonw_key(w, "certificate");
	if (!a->cert_subject) {
		c2e_jsonw_null(w);
	} else {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "subject", a->cert_subject);
		c2e_jsonw_kv_string(w, "expires", a->cert_expires);
		c2e_jsonw_kv_string(w, "sha256", a->cert_sha256);
		c2e_jsonw_kv_string(w, "source", a->cert_source);
		c2e_jsonw_object_end(w);
	}
	named_ids(w, "profiles", &a->profiles, &a->profile_ids);
	named_ids(w, "permissionSets", &a->permission_sets,
	          &a->permission_set_ids);
	c2e_jsonw_kv_strv(w, "channelDefinitions", &a->ccds);
	c2e_jsonw_key(w, "components");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < a->n_components; i++) {
		const struct c2e_plan_component *c = &a->components[i];

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "action", c->action);
		c2e_jsonw_kv_string(w, "type", c->doc->type->name);
		c2e_jsonw_kv_string(w, "fullName", c->doc->full_name);
		c2e_jsonw_key(w, "fields");
		c2e_md_to_json(c->doc->root, w);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_kv_strv(w, "warnings", &a->warnings);
	c2e_jsonw_key(w, "report");
	if (a->report)
		c2e_jsonw_value(w, a->report);
	else
		c2e_jsonw_null(w);
	c2e_jsonw_object_end(w);
}

static void write_doc(const struct c2e_plan *p, const char *hash,
                      struct c2e_jsonw *w)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "ca2eca", "migration plan");
	c2e_jsonw_kv_long(w, "format", p->format);
	c2e_jsonw_kv_string(w, "createdAt", p->created_at);
	c2e_jsonw_kv_string(w, "toolVersion", p->tool_version);
	c2e_jsonw_key(w, "org");
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "id", p->org_id);
	c2e_jsonw_kv_string(w, "instanceUrl", p->instance_url);
	c2e_jsonw_kv_string(w, "username", p->username);
	c2e_jsonw_object_end(w);
	c2e_jsonw_key(w, "options");
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "nameTemplate", p->name_template);
	c2e_jsonw_kv_string(w, "distribution", p->distribution);
	c2e_jsonw_object_end(w);
	c2e_jsonw_kv_string(w, "inventoryHash", p->inventory_hash);
	c2e_jsonw_key(w, "apps");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < p->n_apps; i++)
		write_app(w, &p->apps[i]);
	c2e_jsonw_array_end(w);
	c2e_jsonw_key(w, "steps");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct c2e_plan_step *s = &p->steps[i];

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_long(w, "seq", s->seq);
		c2e_jsonw_kv_string(w, "kind", s->kind);
		c2e_jsonw_kv_string(w, "app", s->app);
		c2e_jsonw_kv_string(w, "type", s->type);
		c2e_jsonw_kv_string(w, "name", s->name);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_kv_strv(w, "warnings", &p->warnings);
	c2e_jsonw_key(w, "inventory");
	if (p->inventory)
		c2e_jsonw_value(w, p->inventory);
	else
		c2e_jsonw_null(w);
	if (hash)
		c2e_jsonw_kv_string(w, "planHash", hash);
	c2e_jsonw_object_end(w);
}

int c2e_plan_write(struct c2e_plan *p, struct c2e_buf *out, struct c2e_err *err)
{
	struct c2e_buf draft = C2E_BUF_INIT;
	struct c2e_jsonw w;
	char *hash = NULL;
	int rc;

	/*
	 * The hash covers the document as it parses, without planHash,
	 * written compactly (plan_doc_hash).  The writer is canonical (a
	 * parsed string is quoted as it was, a number keeps its text), so
	 * the compact document without planHash is that text already; every
	 * plan read back checks it (c2e_plan_parse).
	 */
	c2e_jsonw_init(&w, &draft, false);
	write_doc(p, NULL, &w);
	if (c2e_jsonw_failed(&w)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = hash_text(&draft, &hash, err);
	if (rc < 0)
		goto done;
	c2e_jsonw_init(&w, out, true);
	write_doc(p, hash, &w);
	c2e_buf_addc(out, '\n');
	if (c2e_jsonw_failed(&w) || c2e_buf_failed(out)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	free(p->plan_hash);
	p->plan_hash = hash;
	hash = NULL;
done:
	free(hash);
	c2e_buf_release(&draft);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

struct reader {
	const char *path;
	struct c2e_err *err;
};

static int bad(struct reader *r, const char *what)
{
	return c2e_err_set(r->err, C2E_EDATA,
	                   "plan '%s': %s; make a new plan with 'ca2eca plan'",
	                   r->path, what);
}

static int get_str(struct reader *r, const struct c2e_json *obj,
                   const char *key, bool required, char **out)
{
	const struct c2e_json *v = c2e_json_get(obj, key);
	char what[160];

	*out = NULL;
	if (!v || v->type == C2E_JSON_NULL) {
		if (!required)
			return C2E_OK;
		if (snprintf(what, sizeof(what), "'%s' is missing", key) < 0)
			what[0] = '\0';
		return bad(r, what);
	}
	if (v->type != C2E_JSON_STRING || strlen(v->str) != v->str_len) {
		if (snprintf(what, sizeof(what), "'%s' must be a string", key) <
		    0)
			what[0] = '\0';
		return bad(r, what);
	}
	*out = c2e_strdup(v->str);
	return *out ? C2E_OK : c2e_err_oom(r->err);
}

static bool get_bool(const struct c2e_json *obj, const char *key)
{
	const struct c2e_json *v = c2e_json_get(obj, key);

	return v && v->type == C2E_JSON_TRUE;
}

static int get_strv(struct reader *r, const struct c2e_json *obj,
                    const char *key, struct c2e_strv *out)
{
	const struct c2e_json *v = c2e_json_get(obj, key);

	if (!v || v->type == C2E_JSON_NULL)
		return C2E_OK;
	if (v->type != C2E_JSON_ARRAY)
		return bad(r, "a list is not an array");
	for (const struct c2e_json *e = v->child; e; e = e->next) {
		int rc;

		if (e->type != C2E_JSON_STRING)
			return bad(r, "a list holds a non-string");
		rc = c2e_strv_push(out, e->str, r->err);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static int get_named_ids(struct reader *r, const struct c2e_json *obj,
                         const char *key, struct c2e_strv *names,
                         struct c2e_strv *ids)
{
	const struct c2e_json *v = c2e_json_get(obj, key);

	if (!v || v->type != C2E_JSON_ARRAY)
		return v ? bad(r, "profiles/permission sets are not an array") :
		           C2E_OK;
	for (const struct c2e_json *e = v->child; e; e = e->next) {
		const char *n = c2e_json_get_str(e, "name");
		const char *id = c2e_json_get_str(e, "id");
		int rc;

		if (!n)
			return bad(r,
			           "a profile or permission set has no name");
		rc = c2e_strv_push(names, n, r->err);
		if (rc == 0)
			rc = c2e_strv_push(ids, id ? id : "", r->err);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static int dup_json(const struct c2e_json *v, struct c2e_json **out,
                    struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	*out = NULL;
	if (!v || v->type == C2E_JSON_NULL)
		return C2E_OK;
	c2e_jsonw_init(&w, &text, false);
	c2e_jsonw_value(&w, v);
	if (c2e_jsonw_failed(&w))
		rc = c2e_err_oom(err);
	else
		rc = c2e_json_parse(text.buf, text.len, "plan", out, err);
	c2e_buf_release(&text);
	return rc;
}

static int read_app(struct reader *r, const struct c2e_json *o,
                    struct c2e_plan_app *a)
{
	const struct c2e_json *cert = c2e_json_get(o, "certificate");
	const struct c2e_json *comps = c2e_json_get(o, "components");
	size_t n = 0;
	int rc;

	if (o->type != C2E_JSON_OBJECT)
		return bad(r, "an app is not an object");
	rc = get_str(r, o, "connectedApp", true, &a->connected_app);
	if (rc == 0)
		rc = get_str(r, o, "eca", true, &a->eca);
	if (rc == 0)
		rc = get_str(r, o, "prefix", true, &a->prefix);
	if (rc < 0)
		return rc;
	a->interaction = get_bool(o, "interaction");
	a->jwt = get_bool(o, "jwt");
	if (cert && cert->type == C2E_JSON_OBJECT) {
		rc = get_str(r, cert, "subject", true, &a->cert_subject);
		if (rc == 0)
			rc = get_str(r, cert, "expires", true,
			             &a->cert_expires);
		if (rc == 0)
			rc = get_str(r, cert, "sha256", true, &a->cert_sha256);
		if (rc == 0)
			rc = get_str(r, cert, "source", false, &a->cert_source);
		if (rc < 0)
			return rc;
	}
	rc = get_named_ids(r, o, "profiles", &a->profiles, &a->profile_ids);
	if (rc == 0)
		rc = get_named_ids(r, o, "permissionSets", &a->permission_sets,
		                   &a->permission_set_ids);
	if (rc == 0)
		rc = get_strv(r, o, "channelDefinitions", &a->ccds);
	if (rc == 0)
		rc = get_strv(r, o, "warnings", &a->warnings);
	if (rc == 0)
		rc = dup_json(c2e_json_get(o, "report"), &a->report, r->err);
	if (rc < 0)
		return rc;
	if (!comps || comps->type != C2E_JSON_ARRAY)
		return bad(r, "an app has no components");
	a->components = calloc(c2e_json_len(comps) + 1, sizeof(*a->components));
	if (!a->components)
		return c2e_err_oom(r->err);
	for (const struct c2e_json *c = comps->child; c; c = c->next, n++) {
		struct c2e_plan_component *pc = &a->components[n];
		char *type = NULL, *name = NULL, what[200];

		rc = get_str(r, c, "action", true, &pc->action);
		if (rc == 0)
			rc = get_str(r, c, "type", true, &type);
		if (rc == 0)
			rc = get_str(r, c, "fullName", true, &name);
		if (rc == 0) {
			if (snprintf(what, sizeof(what),
			             "plan '%s': component '%s'", r->path,
			             name) < 0)
				what[0] = '\0';
			rc = c2e_md_from_json(c2e_json_get(c, "fields"), type,
			                      name, what, &pc->doc, r->err);
		}
		free(type);
		free(name);
		a->n_components = n + 1;
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static int read_steps(struct reader *r, const struct c2e_json *steps,
                      struct c2e_plan *p)
{
	size_t n = 0;

	if (!steps || steps->type != C2E_JSON_ARRAY)
		return bad(r, "'steps' is missing");
	p->steps = calloc(c2e_json_len(steps) + 1, sizeof(*p->steps));
	if (!p->steps)
		return c2e_err_oom(r->err);
	for (const struct c2e_json *s = steps->child; s; s = s->next, n++) {
		struct c2e_plan_step *ps = &p->steps[n];
		const struct c2e_json *seq = c2e_json_get(s, "seq");
		int rc;

		p->n_steps = n + 1;
		if (!seq || seq->type != C2E_JSON_NUMBER ||
		    seq->num != (double)(n + 1))
			return bad(r, "steps are not numbered 1, 2, 3, ...");
		ps->seq = (int)(n + 1);
		rc = get_str(r, s, "kind", true, &ps->kind);
		if (rc == 0)
			rc = get_str(r, s, "app", true, &ps->app);
		if (rc == 0)
			rc = get_str(r, s, "type", false, &ps->type);
		if (rc == 0)
			rc = get_str(r, s, "name", false, &ps->name);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

int c2e_plan_parse(const char *data, size_t len, const char *path,
                   struct c2e_plan **out, struct c2e_err *err)
{
	struct reader r = { path, err };
	struct c2e_json *doc = NULL;
	struct c2e_plan *p = NULL;
	const struct c2e_json *v, *org, *opts;
	char *hash = NULL, *kind = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = c2e_json_parse(data, len, path, &doc, err);
	if (rc < 0)
		return rc;
	if (doc->type != C2E_JSON_OBJECT) {
		rc = bad(&r, "it is not a JSON object");
		goto done;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = get_str(&r, doc, "ca2eca", true, &kind);
	if (rc < 0)
		goto done;
	if (strcmp(kind, "migration plan") != 0) {
		rc = bad(&r, "it is not a ca2eca migration plan");
		goto done;
	}
	v = c2e_json_get(doc, "format");
	if (!v || v->type != C2E_JSON_NUMBER || v->num != C2E_PLAN_FORMAT) {
		rc = bad(&r, "its format is not one this ca2eca reads");
		goto done;
	}
	p->format = C2E_PLAN_FORMAT;
	rc = get_str(&r, doc, "planHash", true, &p->plan_hash);
	if (rc == 0)
		rc = plan_doc_hash(doc, &hash, err);
	if (rc < 0)
		goto done;
	if (strcmp(hash, p->plan_hash) != 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "plan '%s' was changed after it was made (its "
		                 "hash does not match): review and make a new "
		                 "plan with 'ca2eca plan'",
		                 path);
		goto done;
	}
	org = c2e_json_get(doc, "org");
	opts = c2e_json_get(doc, "options");
	if (!org || !opts) {
		rc = bad(&r, "'org' or 'options' is missing");
		goto done;
	}
	rc = get_str(&r, doc, "createdAt", true, &p->created_at);
	if (rc == 0)
		rc = get_str(&r, doc, "toolVersion", true, &p->tool_version);
	if (rc == 0)
		rc = get_str(&r, org, "id", true, &p->org_id);
	if (rc == 0)
		rc = get_str(&r, org, "instanceUrl", true, &p->instance_url);
	if (rc == 0)
		rc = get_str(&r, org, "username", false, &p->username);
	if (rc == 0)
		rc = get_str(&r, opts, "nameTemplate", false,
		             &p->name_template);
	if (rc == 0)
		rc = get_str(&r, opts, "distribution", false, &p->distribution);
	if (rc == 0)
		rc = get_str(&r, doc, "inventoryHash", true,
		             &p->inventory_hash);
	if (rc == 0)
		rc = get_strv(&r, doc, "warnings", &p->warnings);
	if (rc == 0)
		rc = dup_json(c2e_json_get(doc, "inventory"), &p->inventory,
		              err);
	if (rc < 0)
		goto done;
	v = c2e_json_get(doc, "apps");
	if (!v || v->type != C2E_JSON_ARRAY) {
		rc = bad(&r, "'apps' is missing");
		goto done;
	}
	p->apps = calloc(c2e_json_len(v) + 1, sizeof(*p->apps));
	if (!p->apps) {
		rc = c2e_err_oom(err);
		goto done;
	}
	for (const struct c2e_json *a = v->child; a; a = a->next, n++) {
		p->n_apps = n + 1;
		rc = read_app(&r, a, &p->apps[n]);
		if (rc < 0)
			goto done;
	}
	rc = read_steps(&r, c2e_json_get(doc, "steps"), p);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < p->n_steps; i++)
		if (!c2e_plan_app(p, p->steps[i].app)) {
			rc = bad(&r, "a step names an app the plan does not "
			             "have");
			goto done;
		}
	*out = p;
	p = NULL;
done:
	free(hash);
	free(kind);
	c2e_plan_free(p);
	c2e_json_free(doc);
	return rc;
}

int c2e_plan_read_file(const char *path, struct c2e_plan **out,
                       struct c2e_err *err)
{
	struct c2e_buf data = C2E_BUF_INIT;
	int rc;

	*out = NULL;
	rc = c2e_fs_read(path, PLAN_MAX_BYTES, &data, err);
	if (rc == 0)
		rc = c2e_plan_parse(data.buf, data.len, path, out, err);
	c2e_buf_release(&data);
	return rc;
}

const struct c2e_plan_app *c2e_plan_app(const struct c2e_plan *plan,
                                        const char *connected_app)
{
	for (size_t i = 0; i < plan->n_apps; i++)
		if (c2e_str_eq(plan->apps[i].connected_app, connected_app))
			return &plan->apps[i];
	return NULL;
}

const struct c2e_plan_component *
c2e_plan_component(const struct c2e_plan_app *app, const char *type)
{
	for (size_t i = 0; i < app->n_components; i++)
		if (!strcmp(app->components[i].doc->type->name, type))
			return &app->components[i];
	return NULL;
}

void c2e_plan_free(struct c2e_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_apps; i++) {
		struct c2e_plan_app *a = &p->apps[i];

		free(a->connected_app);
		free(a->eca);
		free(a->prefix);
		free(a->cert_subject);
		free(a->cert_expires);
		free(a->cert_sha256);
		free(a->cert_source);
		c2e_strv_release(&a->profiles);
		c2e_strv_release(&a->profile_ids);
		c2e_strv_release(&a->permission_sets);
		c2e_strv_release(&a->permission_set_ids);
		c2e_strv_release(&a->ccds);
		for (size_t k = 0; k < a->n_components; k++) {
			free(a->components[k].action);
			c2e_md_doc_free(a->components[k].doc);
		}
		free(a->components);
		c2e_json_free(a->report);
		c2e_strv_release(&a->warnings);
	}
	free(p->apps);
	for (size_t i = 0; i < p->n_steps; i++) {
		free(p->steps[i].kind);
		free(p->steps[i].app);
		free(p->steps[i].type);
		free(p->steps[i].name);
	}
	free(p->steps);
	free(p->created_at);
	free(p->tool_version);
	free(p->org_id);
	free(p->instance_url);
	free(p->username);
	free(p->name_template);
	free(p->distribution);
	free(p->inventory_hash);
	c2e_json_free(p->inventory);
	c2e_strv_release(&p->warnings);
	free(p->plan_hash);
	free(p);
}
