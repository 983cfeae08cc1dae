#include "stage/inventory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/mdapi.h"
#include "util/buf.h"
#include "util/compat.h"

static const char *const listed_types[] = {
	"ConnectedApp",
	"ExternalClientApplication",
	"ConversationChannelDefinition",
};

const char *c2e_cert_state_name(enum c2e_cert_state s)
{
	switch (s) {
	case C2E_CERT_NONE:
		return "none";
	case C2E_CERT_VALID:
		return "valid";
	case C2E_CERT_EXPIRING:
		return "expiring";
	case C2E_CERT_EXPIRED:
		return "expired";
	case C2E_CERT_UNREADABLE:
		return "unreadable";
	}
	return "unknown";
}

/* The full names listed for one type, sorted. */
static int names_of(const struct c2e_file_props_list *l, const char *type,
                    struct c2e_strv *out, struct c2e_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		int rc;

		if (strcmp(l->v[i].type, type) != 0)
			continue;
		if (c2e_strv_contains(out, l->v[i].full_name))
			continue;
		rc = c2e_strv_push(out, l->v[i].full_name, err);
		if (rc < 0)
			return rc;
	}
	c2e_strv_sort(out);
	return C2E_OK;
}

static int read_all(struct c2e_org *org, const char *type,
                    const struct c2e_strv *names, struct c2e_md_doc ***out,
                    struct c2e_err *err)
{
	struct c2e_md_doc **docs;
	int rc;

	*out = NULL;
	docs = calloc(names->n ? names->n : 1, sizeof(*docs));
	if (!docs)
		return c2e_err_oom(err);
	if (names->n) {
		rc = c2e_mdapi_read(org, type, (const char *const *)names->v,
		                    names->n, docs, err);
		if (rc < 0) {
			free(docs);
			return rc;
		}
	}
	*out = docs;
	return C2E_OK;
}

static void free_docs(struct c2e_md_doc **docs, size_t n)
{
	if (!docs)
		return;
	for (size_t i = 0; i < n; i++)
		c2e_md_doc_free(docs[i]);
	free(docs);
}

static int push_all(struct c2e_strv *sv, const struct c2e_md_node *parent,
                    const char *name, struct c2e_err *err)
{
	for (const struct c2e_md_node *n = c2e_md_child(parent, name); n;
	     n = c2e_md_next_same(n)) {
		int rc;

		if (!n->text || !*n->text)
			continue;
		rc = c2e_strv_push(sv, n->text, err);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static int blocker(struct c2e_inv_app *a, struct c2e_err *err, const char *fmt,
                   ...) C2E_PRINTF(3, 4);

static int blocker(struct c2e_inv_app *a, struct c2e_err *err, const char *fmt,
                   ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	va_end(ap);
	return c2e_strv_push(&a->blockers, line, err);
}

static void day_of(time_t t, char out[16])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		out[0] = '\0';
}

static int inspect_cert(struct c2e_inv_app *a, const char *cert, time_t now,
                        struct c2e_err *err)
{
	struct c2e_err cerr = C2E_ERR_INIT;
	char day[16];
	int rc;

	rc = c2e_cert_parse(cert, strlen(cert), a->doc->full_name, &a->cert,
	                    &cerr);
	if (rc == C2E_ENOMEM)
		return c2e_err_oom(err);
	if (rc < 0) {
		a->cert_state = C2E_CERT_UNREADABLE;
		a->cert_problem = c2e_strdup(cerr.msg);
		if (!a->cert_problem)
			return c2e_err_oom(err);
		return blocker(
		        a, err,
		        "oauthConfig/certificate: the certificate cannot "
		        "be read (%s)",
		        cerr.msg);
	}
	day_of(a->cert.not_after, day);
	if (a->cert.not_after <= now) {
		a->cert_state = C2E_CERT_EXPIRED;
		return blocker(a, err,
		               "oauthConfig/certificate: the JWT certificate "
		               "expired on %s; make a new key pair (ca2eca "
		               "keygen) before migrating",
		               day);
	}
	a->cert_state =
	        a->cert.not_after - now < (time_t)C2E_CERT_WARN_DAYS * 86400 ?
	                C2E_CERT_EXPIRING :
	                C2E_CERT_VALID;
	return C2E_OK;
}

static int inspect_app(struct c2e_inv_app *a, const struct c2e_map_opts *mo,
                       time_t now, struct c2e_err *err)
{
	const struct c2e_md_node *oauth =
	        c2e_md_child(a->doc->root, "oauthConfig");
	struct c2e_err merr = C2E_ERR_INIT;
	const char *cert;
	int rc;

	a->oauth = oauth != NULL;
	if (oauth) {
		a->admin_approved =
		        c2e_md_get_bool(oauth, "isAdminApproved") == 1;
		rc = push_all(&a->scopes, oauth, "scopes", err);
		if (rc < 0)
			return rc;
		a->interaction = c2e_strv_contains(&a->scopes, "Interaction");
		cert = c2e_md_get(oauth, "certificate");
		if (cert && *cert) {
			rc = inspect_cert(a, cert, now, err);
			if (rc < 0)
				return rc;
		}
	}
	rc = push_all(&a->profiles, a->doc->root, "profileName", err);
	if (rc == 0)
		rc = push_all(&a->permission_sets, a->doc->root,
		              "permissionSetName", err);
	if (rc < 0)
		return rc;

	/* the offline mapping says what blocks a migration */
	rc = c2e_map_connected_app(a->doc, mo, &a->mapping, &merr);
	if (rc == C2E_ENOMEM)
		return c2e_err_oom(err);
	if (rc < 0) {
		a->map_problem = c2e_strdup(merr.msg);
		if (!a->map_problem)
			return c2e_err_oom(err);
		rc = blocker(a, err, "%s", merr.msg);
		if (rc < 0)
			return rc;
	} else {
		for (size_t i = 0; i < a->mapping->report.n; i++) {
			const struct c2e_report_entry *e =
			        &a->mapping->report.entries[i];

			if (e->disp != C2E_DISP_BLOCKING)
				continue;
			rc = blocker(a, err, "%s: %s",
			             e->source ? e->source : "app",
			             e->note ? e->note : "blocking");
			if (rc < 0)
				return rc;
		}
	}
	a->migratable = a->blockers.n == 0;
	return C2E_OK;
}

static char *prefix_of(const char *name)
{
	const char *u = strchr(name, '_');

	return u ? c2e_strndup(name, (size_t)(u - name)) : NULL;
}

static bool has_prefix(const char *name, const char *pre, size_t pl)
{
	return strncmp(name, pre, pl) == 0 && name[pl] == '_';
}

/*
 * A CCD belongs to the app whose API name shares its "{prefix}_".  The
 * runtime binding is the CCD's OAuth link, which metadata cannot map back
 * to a connected app, so when several connected apps share the prefix the
 * CCD is linked to none of them: each gets it in `ambiguous_ccds` and the
 * plan tells the admin to repoint it in Setup.
 */
static int link_ccds(struct c2e_inventory *inv, struct c2e_err *err)
{
	for (size_t i = 0; i < inv->n_ccds; i++) {
		struct c2e_inv_ccd *c = &inv->ccds[i];
		char *pre = prefix_of(c->name);
		size_t pl = pre ? strlen(pre) : 0;
		size_t matches = 0;
		int rc = C2E_OK;

		for (size_t k = 0; pre && k < inv->n_apps; k++)
			if (has_prefix(inv->apps[k].doc->full_name, pre, pl))
				matches++;
		for (size_t k = 0; pre && rc == 0 && k < inv->n_apps; k++) {
			struct c2e_inv_app *a = &inv->apps[k];
			const char *an = a->doc->full_name;

			if (!has_prefix(an, pre, pl))
				continue;
			if (matches > 1) {
				rc = c2e_strv_push(&a->ambiguous_ccds, c->name,
				                   err);
				c->ambiguous = true;
				continue;
			}
			rc = c2e_strv_push(&a->ccds, c->name, err);
			if (rc == 0) {
				c->owner = c2e_strdup(an);
				if (!c->owner)
					rc = c2e_err_oom(err);
			}
		}
		for (size_t k = 0; pre && rc == 0 && matches == 0 &&
		                   !c->owner && k < inv->n_ecas;
		     k++) {
			const char *en = inv->ecas[k].name;

			if (has_prefix(en, pre, pl)) {
				c->owner = c2e_strdup(en);
				if (!c->owner)
					rc = c2e_err_oom(err);
			}
		}
		free(pre);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static char *dup_field(const struct c2e_md_doc *d, const char *name)
{
	const char *v = c2e_md_get(d->root, name);

	return v ? c2e_strdup(v) : NULL;
}

int c2e_inventory_take(struct c2e_org *org, const struct c2e_map_opts *mo,
                       time_t now, struct c2e_inventory **out,
                       struct c2e_err *err)
{
	const struct c2e_session *s = c2e_org_session(org);
	unsigned long before = c2e_org_stats(org)->requests;
	struct c2e_file_props_list listed = { NULL, 0 };
	struct c2e_strv ca_names = C2E_STRV_INIT, eca_names = C2E_STRV_INIT,
	                ccd_names = C2E_STRV_INIT;
	struct c2e_md_doc **cas = NULL, **ecas = NULL, **ccds = NULL;
	struct c2e_inventory *inv = NULL;
	int rc;

	*out = NULL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return c2e_err_oom(err);
	inv->taken_at = now;
	inv->instance_url = c2e_strdup(s->instance_url);
	inv->org_id = s->org_id ? c2e_strdup(s->org_id) : NULL;
	inv->username = s->username ? c2e_strdup(s->username) : NULL;
	if (!inv->instance_url || (s->org_id && !inv->org_id) ||
	    (s->username && !inv->username)) {
		rc = c2e_err_oom(err);
		goto done;
	}

	rc = c2e_mdapi_list(org, listed_types, C2E_ARRAY_SIZE(listed_types),
	                    &listed, err);
	if (rc == 0)
		rc = names_of(&listed, "ConnectedApp", &ca_names, err);
	if (rc == 0)
		rc = names_of(&listed, "ExternalClientApplication", &eca_names,
		              err);
	if (rc == 0)
		rc = names_of(&listed, "ConversationChannelDefinition",
		              &ccd_names, err);
	if (rc == 0)
		rc = read_all(org, "ConnectedApp", &ca_names, &cas, err);
	if (rc == 0)
		rc = read_all(org, "ExternalClientApplication", &eca_names,
		              &ecas, err);
	if (rc == 0)
		rc = read_all(org, "ConversationChannelDefinition", &ccd_names,
		              &ccds, err);
	if (rc < 0)
		goto done;

	inv->apps = calloc(ca_names.n ? ca_names.n : 1, sizeof(*inv->apps));
	inv->ecas = calloc(eca_names.n ? eca_names.n : 1, sizeof(*inv->ecas));
	inv->ccds = calloc(ccd_names.n ? ccd_names.n : 1, sizeof(*inv->ccds));
	if (!inv->apps || !inv->ecas || !inv->ccds) {
		rc = c2e_err_oom(err);
		goto done;
	}
	/* a component listed but gone by the time it is read is skipped */
	for (size_t i = 0; i < ca_names.n; i++) {
		struct c2e_inv_app *a = &inv->apps[inv->n_apps];

		if (!cas[i])
			continue;
		a->doc = cas[i];
		cas[i] = NULL;
		inv->n_apps++;
		rc = inspect_app(a, mo, now, err);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < eca_names.n; i++) {
		struct c2e_inv_eca *e = &inv->ecas[inv->n_ecas];

		if (!ecas[i])
			continue;
		inv->n_ecas++;
		e->name = c2e_strdup(eca_names.v[i]);
		e->label = dup_field(ecas[i], "label");
		e->distribution = dup_field(ecas[i], "distributionState");
		if (!e->name) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	for (size_t i = 0; i < ccd_names.n; i++) {
		struct c2e_inv_ccd *c = &inv->ccds[inv->n_ccds];
		const struct c2e_md_doc *d = ccds[i];

		if (!d)
			continue;
		inv->n_ccds++;
		c->name = c2e_strdup(ccd_names.v[i]);
		c->label = dup_field(d, "masterLabel");
		c->app_type = dup_field(d, "connectedAppType");
		c->oauth_link =
		        dup_field(d, c2e_str_eq(c->app_type, "Customer") ?
		                             "customerConnectedAppOauthLink" :
		                             "connectedAppOauthLink");
		if (!c->name) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	rc = link_ccds(inv, err);
	if (rc < 0)
		goto done;
	inv->requests = c2e_org_stats(org)->requests - before;
	*out = inv;
	inv = NULL;
done:
	free_docs(cas, ca_names.n);
	free_docs(ecas, eca_names.n);
	free_docs(ccds, ccd_names.n);
	c2e_strv_release(&ca_names);
	c2e_strv_release(&eca_names);
	c2e_strv_release(&ccd_names);
	c2e_file_props_list_release(&listed);
	c2e_inventory_free(inv);
	return rc;
}

void c2e_inventory_free(struct c2e_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_apps; i++) {
		struct c2e_inv_app *a = &inv->apps[i];

		c2e_md_doc_free(a->doc);
		c2e_cert_info_release(&a->cert);
		free(a->cert_problem);
		c2e_strv_release(&a->scopes);
		c2e_strv_release(&a->profiles);
		c2e_strv_release(&a->permission_sets);
		c2e_strv_release(&a->ccds);
		c2e_strv_release(&a->ambiguous_ccds);
		c2e_mapping_free(a->mapping);
		free(a->map_problem);
		c2e_strv_release(&a->blockers);
	}
	for (size_t i = 0; i < inv->n_ecas; i++) {
		free(inv->ecas[i].name);
		free(inv->ecas[i].label);
		free(inv->ecas[i].distribution);
	}
	for (size_t i = 0; i < inv->n_ccds; i++) {
		free(inv->ccds[i].name);
		free(inv->ccds[i].label);
		free(inv->ccds[i].app_type);
		free(inv->ccds[i].oauth_link);
		free(inv->ccds[i].owner);
	}
	free(inv->apps);
	free(inv->ecas);
	free(inv->ccds);
	free(inv->instance_url);
	free(inv->org_id);
	free(inv->username);
	free(inv);
}
