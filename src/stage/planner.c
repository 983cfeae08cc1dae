/*
 * planner.c - from a live org to a plan.
 */
#include "stage/planner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mapping.h"
#include "model/mdjson.h"
#include "remote/rest.h"
#include "util/crypto.h"
#include "util/fs.h"
#include "util/compat.h"

#define CERT_MAX_BYTES ((size_t)1 << 20)

static void day_of(time_t t, char out[16])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		out[0] = '\0';
}

static int iso_now(time_t t, char **out, struct c2e_err *err)
{
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return c2e_err_set(err, C2E_ERROR, "cannot format the time");
	*out = c2e_strdup(buf);
	return *out ? C2E_OK : c2e_err_oom(err);
}

/*
 * Resolves names of `object` (Profile, PermissionSet) to ids with one
 * SOQL query.  ids->v[i] is the id of names->v[i], "" when unknown.
 */
static int resolve(struct c2e_org *org, const char *object,
                   const struct c2e_strv *names, struct c2e_strv *ids,
                   struct c2e_err *err)
{
	struct c2e_buf q = C2E_BUF_INIT;
	struct c2e_json *recs = NULL;
	int rc = C2E_OK;

	if (!names->n)
		return C2E_OK;
	c2e_buf_addf(&q, "SELECT Id, Name FROM %s WHERE Name IN (", object);
	for (size_t i = 0; rc == 0 && i < names->n; i++) {
		if (i)
			c2e_buf_adds(&q, ", ");
		rc = c2e_soql_quote(names->v[i], &q, err);
	}
	c2e_buf_addc(&q, ')');
	if (rc == 0 && c2e_buf_failed(&q))
		rc = c2e_err_oom(err);
	if (rc == 0)
		rc = c2e_rest_query(org, q.buf, false, &recs, err);
	for (size_t i = 0; rc == 0 && i < names->n; i++) {
		const char *id = "";

		for (const struct c2e_json *r = recs->child; r; r = r->next)
			if (c2e_str_eq(c2e_json_get_str(r, "Name"),
			               names->v[i]) &&
			    c2e_json_get_str(r, "Id"))
				id = c2e_json_get_str(r, "Id");
		rc = c2e_strv_push(ids, id, err);
	}
	c2e_json_free(recs);
	c2e_buf_release(&q);
	return rc;
}

/* --- snapshot ------------------------------------------------------------ */

static const struct c2e_inv_app *inv_app(const struct c2e_inventory *inv,
                                         const char *name)
{
	for (size_t i = 0; i < inv->n_apps; i++)
		if (!strcmp(inv->apps[i].doc->full_name, name))
			return &inv->apps[i];
	return NULL;
}

static bool inv_has_eca(const struct c2e_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_ecas; i++)
		if (!strcmp(inv->ecas[i].name, name))
			return true;
	return false;
}

static const struct c2e_inv_ccd *inv_ccd(const struct c2e_inventory *inv,
                                         const char *name)
{
	for (size_t i = 0; i < inv->n_ccds; i++)
		if (!strcmp(inv->ccds[i].name, name))
			return &inv->ccds[i];
	return NULL;
}

static int collect_names(const struct c2e_plan *plan, bool permsets,
                         struct c2e_strv *out, struct c2e_err *err)
{
	for (size_t i = 0; i < plan->n_apps; i++) {
		const struct c2e_strv *sv =
		        permsets ? &plan->apps[i].permission_sets :
		                   &plan->apps[i].profiles;

		for (size_t k = 0; k < sv->n; k++) {
			int rc;

			if (c2e_strv_contains(out, sv->v[k]))
				continue;
			rc = c2e_strv_push(out, sv->v[k], err);
			if (rc < 0)
				return rc;
		}
	}
	c2e_strv_sort(out);
	return C2E_OK;
}

static void names_ids_json(struct c2e_jsonw *w, const char *key,
                           const struct c2e_strv *names,
                           const struct c2e_strv *ids)
{
	c2e_jsonw_key(w, key);
	c2e_jsonw_object_begin(w);
	for (size_t i = 0; i < names->n; i++)
		c2e_jsonw_kv_string(w, names->v[i],
		                    i < ids->n && *ids->v[i] ? ids->v[i] :
		                                               NULL);
	c2e_jsonw_object_end(w);
}

/*
 * A connected app's record for the snapshot, without its consumer secret
 * (the Metadata API should never return it; if an org does, it still does
 * not reach plans or journals).
 */
static int snapshot_app(const struct c2e_md_doc *doc, struct c2e_jsonw *w,
                        struct c2e_err *err)
{
	struct c2e_md_doc *copy = NULL;
	struct c2e_md_node *oauth;
	int rc = c2e_md_doc_dup(doc, &copy, err);

	if (rc < 0)
		return rc;
	oauth = c2e_md_child(copy->root, "oauthConfig");
	if (oauth)
		c2e_md_remove(oauth, "consumerSecret");
	c2e_md_to_json(copy->root, w);
	c2e_md_doc_free(copy);
	return C2E_OK;
}

/* The ids the plan already resolved, in the order of `names`. */
static int known_ids(const struct c2e_plan *plan, bool permsets,
                     const struct c2e_strv *names, struct c2e_strv *ids,
                     struct c2e_err *err)
{
	int rc = C2E_OK;

	for (size_t k = 0; rc == 0 && k < names->n; k++) {
		const char *id = "";

		for (size_t i = 0; i < plan->n_apps; i++) {
			const struct c2e_plan_app *a = &plan->apps[i];
			const struct c2e_strv *n =
			        permsets ? &a->permission_sets : &a->profiles;
			const struct c2e_strv *v =
			        permsets ? &a->permission_set_ids :
			                   &a->profile_ids;

			for (size_t x = 0; x < n->n && x < v->n; x++)
				if (!strcmp(n->v[x], names->v[k]))
					id = v->v[x];
		}
		rc = c2e_strv_push(ids, id, err);
	}
	return rc;
}

int c2e_snapshot_take(struct c2e_org *org, const struct c2e_plan *plan,
                      const struct c2e_inventory *inv, struct c2e_json **out,
                      struct c2e_err *err)
{
	struct c2e_strv profiles = C2E_STRV_INIT, pids = C2E_STRV_INIT;
	struct c2e_strv permsets = C2E_STRV_INIT, psids = C2E_STRV_INIT;
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	*out = NULL;
	rc = collect_names(plan, false, &profiles, err);
	if (rc == 0)
		rc = collect_names(plan, true, &permsets, err);
	if (rc == 0)
		rc = org ? resolve(org, "Profile", &profiles, &pids, err) :
		           known_ids(plan, false, &profiles, &pids, err);
	if (rc == 0)
		rc = org ? resolve(org, "PermissionSet", &permsets, &psids,
		                   err) :
		           known_ids(plan, true, &permsets, &psids, err);
	if (rc < 0)
		goto done;
	c2e_jsonw_init(&w, &text, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "orgId", inv->org_id);
	c2e_jsonw_key(&w, "connectedApps");
	c2e_jsonw_object_begin(&w);
	for (size_t i = 0; i < plan->n_apps; i++) {
		const struct c2e_inv_app *a =
		        inv_app(inv, plan->apps[i].connected_app);

		c2e_jsonw_key(&w, plan->apps[i].connected_app);
		if (a)
			rc = snapshot_app(a->doc, &w, err);
		else
			c2e_jsonw_null(&w);
		if (rc < 0)
			goto done;
	}
	c2e_jsonw_object_end(&w);
	c2e_jsonw_key(&w, "ecaNamesTaken");
	c2e_jsonw_object_begin(&w);
	for (size_t i = 0; i < plan->n_apps; i++)
		c2e_jsonw_kv_bool(&w, plan->apps[i].eca,
		                  inv_has_eca(inv, plan->apps[i].eca));
	c2e_jsonw_object_end(&w);
	c2e_jsonw_key(&w, "channelDefinitions");
	c2e_jsonw_object_begin(&w);
	for (size_t i = 0; i < plan->n_apps; i++) {
		const struct c2e_strv *cc = &plan->apps[i].ccds;

		for (size_t k = 0; k < cc->n; k++) {
			const struct c2e_inv_ccd *c = inv_ccd(inv, cc->v[k]);

			c2e_jsonw_key(&w, cc->v[k]);
			c2e_jsonw_object_begin(&w);
			c2e_jsonw_kv_string(&w, "connectedAppType",
			                    c ? c->app_type : NULL);
			c2e_jsonw_kv_string(&w, "oauthLink",
			                    c ? c->oauth_link : NULL);
			c2e_jsonw_kv_bool(&w, "exists", c != NULL);
			c2e_jsonw_object_end(&w);
		}
	}
	c2e_jsonw_object_end(&w);
	names_ids_json(&w, "profiles", &profiles, &pids);
	names_ids_json(&w, "permissionSets", &permsets, &psids);
	c2e_jsonw_object_end(&w);
	if (c2e_jsonw_failed(&w)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_json_parse(text.buf, text.len, "inventory snapshot", out, err);
done:
	c2e_buf_release(&text);
	c2e_strv_release(&profiles);
	c2e_strv_release(&pids);
	c2e_strv_release(&permsets);
	c2e_strv_release(&psids);
	return rc;
}

bool c2e_json_equal(const struct c2e_json *a, const struct c2e_json *b)
{
	const struct c2e_json *x, *y;

	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case C2E_JSON_NULL:
	case C2E_JSON_TRUE:
	case C2E_JSON_FALSE:
		return true;
	case C2E_JSON_NUMBER:
		return a->num == b->num;
	case C2E_JSON_STRING:
		return a->str_len == b->str_len &&
		       memcmp(a->str, b->str, a->str_len) == 0;
	case C2E_JSON_ARRAY:
		for (x = a->child, y = b->child; x && y;
		     x = x->next, y = y->next)
			if (!c2e_json_equal(x, y))
				return false;
		return !x && !y;
	case C2E_JSON_OBJECT:
		if (c2e_json_len(a) != c2e_json_len(b))
			return false;
		for (x = a->child; x; x = x->next)
			if (!c2e_json_equal(x, c2e_json_get(b, x->key)))
				return false;
		return true;
	}
	return false;
}

/* Names the first member of object `a` that differs in `b`. */
static const char *first_diff(const struct c2e_json *a,
                              const struct c2e_json *b)
{
	if (!a || a->type != C2E_JSON_OBJECT || !b ||
	    b->type != C2E_JSON_OBJECT)
		return NULL;
	for (const struct c2e_json *x = a->child; x; x = x->next)
		if (!c2e_json_equal(x, c2e_json_get(b, x->key)))
			return x->key;
	for (const struct c2e_json *y = b->child; y; y = y->next)
		if (!c2e_json_get(a, y->key))
			return y->key;
	return NULL;
}

static void add_diff(struct c2e_buf *b, size_t *n, const char *text)
{
	if (*n == 3) {
		c2e_buf_adds(b, "; ...");
	} else if (*n < 3) {
		if (*n)
			c2e_buf_adds(b, "; ");
		c2e_buf_adds(b, text);
	}
	(*n)++;
}

int c2e_snapshot_compare(const struct c2e_json *planned,
                         const struct c2e_json *now, struct c2e_err *err)
{
	static const char *const sections[] = {
		"connectedApps", "ecaNamesTaken",  "channelDefinitions",
		"profiles",      "permissionSets",
	};
	struct c2e_buf msg = C2E_BUF_INIT;
	char line[512];
	size_t n = 0;
	int rc = C2E_OK, w;

	if (!c2e_str_eq(c2e_json_get_str(planned, "orgId"),
	                c2e_json_get_str(now, "orgId"))) {
		w = snprintf(line, sizeof(line), "the org id is %s now",
		             c2e_json_get_str(now, "orgId"));
		add_diff(&msg, &n, w < 0 ? "" : line);
	}
	for (size_t s = 0; s < C2E_ARRAY_SIZE(sections); s++) {
		const struct c2e_json *a = c2e_json_get(planned, sections[s]);
		const struct c2e_json *b = c2e_json_get(now, sections[s]);

		for (const struct c2e_json *x = a ? a->child : NULL; x;
		     x = x->next) {
			const struct c2e_json *y = c2e_json_get(b, x->key);
			const char *f = first_diff(x, y);

			if (c2e_json_equal(x, y))
				continue;
			if (s == 0 && (!y || y->type == C2E_JSON_NULL))
				w = snprintf(line, sizeof(line),
				             "connected app '%s' is gone",
				             x->key);
			else if (s == 0)
				w = snprintf(line, sizeof(line),
				             "connected app '%s' changed (%s)",
				             x->key, f ? f : "a field");
			else if (s == 1)
				w = snprintf(line, sizeof(line),
				             "ECA '%s' exists in the org now",
				             x->key);
			else if (s == 2)
				w = snprintf(line, sizeof(line),
				             "channel definition '%s' changed "
				             "(%s)",
				             x->key, f ? f : "a field");
			else
				w = snprintf(
				        line, sizeof(line), "%s '%s' changed",
				        s == 3 ? "profile" : "permission set",
				        x->key);
			add_diff(&msg, &n, w < 0 ? "" : line);
		}
	}
	if (c2e_buf_failed(&msg)) {
		rc = c2e_err_oom(err);
	} else if (n) {
		rc = c2e_err_set(err, C2E_ECONFLICT,
		                 "the org changed since the plan was made: %s; "
		                 "nothing was changed: make a new plan",
		                 msg.buf);
	}
	c2e_buf_release(&msg);
	return rc;
}

/* --- certificates -------------------------------------------------------- */

/* The base64 body of a PEM certificate, as the org stores it. */
static int pem_body(const char *pem, char **out, struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	const char *p = pem;

	while (*p) {
		size_t len = strcspn(p, "\r\n");

		if (len && strncmp(p, "-----", 5) != 0) {
			if (b.len)
				c2e_buf_addc(&b, '\n');
			c2e_buf_addn(&b, p, len);
		}
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return c2e_buf_take(&b, out, err);
}

static int check_cert(struct c2e_plan_app *pa, const char *text,
                      const char *source, time_t now, struct c2e_err *err)
{
	struct c2e_cert_info ci;
	char day[16];
	int rc;

	memset(&ci, 0, sizeof(ci));
	rc = c2e_cert_parse(text, strlen(text), source, &ci, err);
	if (rc < 0)
		return rc;
	day_of(ci.not_after, day);
	if (ci.not_after <= now) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "the JWT certificate of '%s' (%s) expired on "
		                 "%s: make a new key pair with 'ca2eca keygen' "
		                 "and plan with --jwt-cert",
		                 pa->connected_app, source, day);
		goto done;
	}
	pa->jwt = true;
	pa->cert_subject = c2e_strdup(ci.subject);
	pa->cert_expires = c2e_strdup(day);
	pa->cert_sha256 = c2e_strdup(ci.sha256);
	pa->cert_source = c2e_strdup(source);
	if (!pa->cert_subject || !pa->cert_expires || !pa->cert_sha256 ||
	    !pa->cert_source) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (ci.not_after - now < (time_t)C2E_CERT_WARN_DAYS * 86400) {
		char w[256];

		if (snprintf(w, sizeof(w),
		             "the JWT certificate of '%s' expires on %s, "
		             "within %d days",
		             pa->connected_app, day, C2E_CERT_WARN_DAYS) < 0)
			w[0] = '\0';
		rc = c2e_strv_push(&pa->warnings, w, err);
	}
done:
	c2e_cert_info_release(&ci);
	return rc;
}

/* --- building the plan ----------------------------------------------------- */

static int add_step(struct c2e_plan *p, const char *kind, const char *app,
                    const char *type, const char *name, struct c2e_err *err)
{
	struct c2e_plan_step *s;

	s = realloc(p->steps, (p->n_steps + 1) * sizeof(*s));
	if (!s)
		return c2e_err_oom(err);
	p->steps = s;
	s = &p->steps[p->n_steps];
	memset(s, 0, sizeof(*s));
	p->n_steps++;
	s->seq = (int)p->n_steps;
	s->kind = c2e_strdup(kind);
	s->app = c2e_strdup(app);
	s->type = type ? c2e_strdup(type) : NULL;
	s->name = name ? c2e_strdup(name) : NULL;
	if (!s->kind || !s->app || (type && !s->type) || (name && !s->name))
		return c2e_err_oom(err);
	return C2E_OK;
}

/* The order apply runs the components in, with each one's step kind. */
static const struct {
	enum c2e_eca_part part;
	const char *action;
} part_order[] = {
	{ C2E_PART_HEADER, "create" },
	{ C2E_PART_OAUTH, "create" },
	{ C2E_PART_GLOBAL, "create" },
	{ C2E_PART_CANVAS, "create" },
	{ C2E_PART_SAML, "create" },
	{ C2E_PART_OAUTH_POLICY, "update_generated" },
	{ C2E_PART_POLICY, "create_or_update" },
};

static int plan_steps(struct c2e_plan *p, struct c2e_err *err)
{
	int rc = C2E_OK;

	/* one type after the other, so apply can batch each across apps */
	for (size_t k = 0; rc == 0 && k < C2E_ARRAY_SIZE(part_order); k++) {
		const char *type = c2e_part_type(part_order[k].part);

		for (size_t i = 0; rc == 0 && i < p->n_apps; i++) {
			const struct c2e_plan_component *c =
			        c2e_plan_component(&p->apps[i], type);

			if (c)
				rc = add_step(p, c->action,
				              p->apps[i].connected_app, type,
				              c->doc->full_name, err);
		}
	}
	for (size_t i = 0; rc == 0 && i < p->n_apps; i++)
		if (c2e_plan_component(&p->apps[i],
		                       "ExtlClntAppGlobalOauthSettings"))
			rc = add_step(p, "read_back", p->apps[i].connected_app,
			              NULL, p->apps[i].eca, err);
	for (size_t i = 0; rc == 0 && i < p->n_apps; i++)
		if (p->apps[i].jwt)
			rc = add_step(p, "verify", p->apps[i].connected_app,
			              NULL, p->apps[i].eca, err);
	for (size_t i = 0; rc == 0 && i < p->n_apps; i++)
		for (size_t k = 0; rc == 0 && k < p->apps[i].ccds.n; k++)
			rc = add_step(p, "repoint", p->apps[i].connected_app,
			              "ConversationChannelDefinition",
			              p->apps[i].ccds.v[k], err);
	return rc;
}

static int report_json(const struct c2e_report *r, struct c2e_json **out,
                       struct c2e_err *err)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	c2e_jsonw_init(&w, &text, false);
	c2e_report_write_json(r, &w);
	if (c2e_jsonw_failed(&w))
		rc = c2e_err_oom(err);
	else
		rc = c2e_json_parse(text.buf, text.len, "report", out, err);
	c2e_buf_release(&text);
	return rc;
}

static int plan_app(struct c2e_plan *p, struct c2e_plan_app *pa,
                    struct c2e_inv_app *a, const struct c2e_inventory *inv,
                    const struct c2e_plan_opts *opts, const char *jwt_cert,
                    struct c2e_err *err)
{
	struct c2e_mapping *m = a->mapping;
	const char *cert;
	size_t n = 0;
	int rc;

	pa->connected_app = c2e_strdup(a->doc->full_name);
	pa->eca = c2e_strdup(m->eca_name);
	pa->prefix = c2e_strdup(m->prefix);
	if (!pa->connected_app || !pa->eca || !pa->prefix)
		return c2e_err_oom(err);
	pa->interaction = a->interaction;
	if (inv_has_eca(inv, m->eca_name))
		return c2e_err_set(
		        err, C2E_EDATA,
		        "ECA '%s' already exists in org '%s': choose "
		        "another name with --name, or retire it first",
		        m->eca_name, inv->org_id);
	for (size_t i = 0; i < a->ccds.n; i++) {
		rc = c2e_strv_push(&pa->ccds, a->ccds.v[i], err);
		if (rc < 0)
			return rc;
	}
	rc = 0;
	for (size_t i = 0; rc == 0 && i < a->profiles.n; i++)
		rc = c2e_strv_push(&pa->profiles, a->profiles.v[i], err);
	for (size_t i = 0; rc == 0 && i < a->permission_sets.n; i++)
		rc = c2e_strv_push(&pa->permission_sets,
		                   a->permission_sets.v[i], err);
	for (size_t i = 0; rc == 0 && i < m->report.warnings.n; i++)
		rc = c2e_strv_push(&pa->warnings, m->report.warnings.v[i], err);
	for (size_t i = 0; rc == 0 && i < a->ambiguous_ccds.n; i++) {
		struct c2e_buf b;
		char *msg = NULL;

		c2e_buf_init(&b, 0);
		c2e_buf_addf(
		        &b,
		        "channel definition %s is not repointed: other "
		        "connected apps share the prefix '%s', so which one "
		        "it uses cannot be read from metadata; if it belongs "
		        "to %s, choose ECA %s for it in Setup (Messaging "
		        "Settings, Modify Conversation Channel Definition) "
		        "after apply",
		        a->ambiguous_ccds.v[i], m->prefix, a->doc->full_name,
		        m->eca_name);
		rc = c2e_buf_take(&b, &msg, err);
		if (rc == 0)
			rc = c2e_strv_push_owned(&pa->warnings, msg, err);
	}
	if (rc == 0)
		rc = report_json(&m->report, &pa->report, err);
	if (rc < 0)
		return rc;

	/* the certificate that enables the JWT bearer flow */
	if (m->parts[C2E_PART_GLOBAL]) {
		if (jwt_cert) {
			char *body = NULL;

			rc = check_cert(pa, jwt_cert, opts->jwt_cert, opts->now,
			                err);
			if (rc == 0)
				rc = pem_body(jwt_cert, &body, err);
			if (rc == 0)
				rc = c2e_md_set(m->parts[C2E_PART_GLOBAL]->root,
				                "certificate", body, err);
			free(body);
		} else {
			cert = c2e_md_get(m->parts[C2E_PART_GLOBAL]->root,
			                  "certificate");
			if (cert && *cert)
				rc = check_cert(pa, cert, "connected app",
				                opts->now, err);
		}
		if (rc < 0)
			return rc;
	}

	/* the components, moved out of the mapping */
	pa->components = calloc(C2E_PART_MAX, sizeof(*pa->components));
	if (!pa->components)
		return c2e_err_oom(err);
	for (size_t k = 0; k < C2E_ARRAY_SIZE(part_order); k++) {
		enum c2e_eca_part part = part_order[k].part;

		if (!m->parts[part])
			continue;
		pa->components[n].action = c2e_strdup(part_order[k].action);
		if (!pa->components[n].action)
			return c2e_err_oom(err);
		pa->components[n].doc = m->parts[part];
		m->parts[part] = NULL;
		pa->n_components = ++n;
	}
	(void)p;
	return C2E_OK;
}

/* Resolves the profiles and permission sets of every app at once. */
static int plan_resolve(struct c2e_org *org, struct c2e_plan *p,
                        struct c2e_err *err)
{
	struct c2e_strv names = C2E_STRV_INIT, ids = C2E_STRV_INIT;
	int rc = C2E_OK;

	for (int ps = 0; rc == 0 && ps < 2; ps++) {
		const char *object = ps ? "PermissionSet" : "Profile";

		c2e_strv_release(&names);
		c2e_strv_release(&ids);
		rc = collect_names(p, ps == 1, &names, err);
		if (rc == 0)
			rc = resolve(org, object, &names, &ids, err);
		for (size_t i = 0; rc == 0 && i < p->n_apps; i++) {
			struct c2e_plan_app *a = &p->apps[i];
			struct c2e_strv *want =
			        ps ? &a->permission_sets : &a->profiles;
			struct c2e_strv *got =
			        ps ? &a->permission_set_ids : &a->profile_ids;

			for (size_t k = 0; rc == 0 && k < want->n; k++) {
				const char *id = "";

				for (size_t j = 0; j < names.n; j++)
					if (!strcmp(names.v[j], want->v[k]))
						id = ids.v[j];
				if (!*id)
					rc = c2e_err_set(
					        err, C2E_EDATA,
					        "%s '%s' of connected app '%s' "
					        "does not exist in the org: "
					        "create it, or fix the app's "
					        "%s list",
					        ps ? "permission set" :
					             "profile",
					        want->v[k], a->connected_app,
					        ps ? "permission set" :
					             "profile");
				else
					rc = c2e_strv_push(got, id, err);
			}
		}
	}
	c2e_strv_release(&names);
	c2e_strv_release(&ids);
	return rc;
}

int c2e_plan_make(struct c2e_org *org, const struct c2e_plan_opts *opts,
                  struct c2e_plan **out, struct c2e_err *err)
{
	const struct c2e_session *s = c2e_org_session(org);
	struct c2e_map_opts mo = { opts->name_template, opts->distribution };
	struct c2e_inventory *inv = NULL;
	struct c2e_plan *p = NULL;
	struct c2e_buf cert = C2E_BUF_INIT;
	size_t n_sel = 0;
	int rc;

	*out = NULL;
	if (opts->jwt_cert) {
		rc = c2e_fs_read(opts->jwt_cert, CERT_MAX_BYTES, &cert, err);
		if (rc < 0)
			return rc;
	}
	rc = c2e_inventory_take(org, &mo, opts->now, &inv, err);
	if (rc < 0)
		goto done;
	if (!inv->org_id) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the org's id is unknown (the session did not "
		                 "say): log in with --auth-file or JWT");
		goto done;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = c2e_err_oom(err);
		goto done;
	}
	p->format = C2E_PLAN_FORMAT;
	p->tool_version = c2e_strdup(C2E_VERSION);
	p->org_id = c2e_strdup(inv->org_id);
	p->instance_url = c2e_strdup(s->instance_url);
	p->username = s->username ? c2e_strdup(s->username) : NULL;
	p->name_template = c2e_strdup(
	        opts->name_template ? opts->name_template : "{name}");
	p->distribution =
	        c2e_strdup(opts->distribution ? opts->distribution : "Local");
	p->apps = calloc(inv->n_apps + 1, sizeof(*p->apps));
	if (!p->tool_version || !p->org_id || !p->instance_url ||
	    (s->username && !p->username) || !p->name_template ||
	    !p->distribution || !p->apps) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = iso_now(opts->now, &p->created_at, err);
	if (rc < 0)
		goto done;

	/* --app names must exist and be migratable */
	for (size_t k = 0; opts->apps && k < opts->apps->n; k++) {
		const struct c2e_inv_app *a = inv_app(inv, opts->apps->v[k]);

		if (!a) {
			rc = c2e_err_set(err, C2E_ENOTFOUND,
			                 "org '%s' has no connected app named "
			                 "'%s' (see ca2eca inventory)",
			                 inv->org_id, opts->apps->v[k]);
			goto done;
		}
		if (!a->migratable) {
			rc = c2e_err_set(
			        err, C2E_EDATA,
			        "connected app '%s' cannot be migrated "
			        "as it is: %s",
			        opts->apps->v[k],
			        a->blockers.n ? a->blockers.v[0] :
			                        "see the report");
			goto done;
		}
	}
	for (size_t i = 0; i < inv->n_apps; i++) {
		struct c2e_inv_app *a = &inv->apps[i];
		bool wanted = !opts->apps || !opts->apps->n ||
		              c2e_strv_contains(opts->apps, a->doc->full_name);

		if (!wanted)
			continue;
		if (!a->migratable) {
			char w[512];

			if (snprintf(
			            w, sizeof(w),
			            "connected app '%s' is not in the plan: %s",
			            a->doc->full_name,
			            a->blockers.n ?
			                    a->blockers.v[0] :
			                    "it cannot be migrated") < 0)
				w[0] = '\0';
			rc = c2e_strv_push(&p->warnings, w, err);
			if (rc < 0)
				goto done;
			continue;
		}
		p->n_apps = ++n_sel;
		rc = plan_app(p, &p->apps[n_sel - 1], a, inv, opts,
		              opts->jwt_cert ? cert.buf : NULL, err);
		if (rc < 0)
			goto done;
	}
	if (!n_sel) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "org '%s' has no connected app that can be "
		                 "migrated: nothing to plan (see ca2eca "
		                 "inventory)",
		                 inv->org_id);
		goto done;
	}
	rc = plan_resolve(org, p, err);
	if (rc == 0)
		rc = plan_steps(p, err);
	/* the snapshot reuses the ids just resolved (org NULL): the same
	 * answer, one query less per type */
	if (rc == 0)
		rc = c2e_snapshot_take(NULL, p, inv, &p->inventory, err);
	if (rc == 0)
		rc = c2e_json_hash(p->inventory, &p->inventory_hash, err);
	if (rc < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	c2e_buf_release(&cert);
	c2e_plan_free(p);
	c2e_inventory_free(inv);
	return rc;
}
