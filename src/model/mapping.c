/*
 * mapping.c - ConnectedApp -> External Client App family.
 *
 * The walk is driven by the source: every element of the connected app
 * is looked up in a rule table of its parent element and produces at
 * least one report entry, so nothing is lost silently.  An element with
 * no rule (one newer than the v66 schema) is reported as dropped.
 */
#include "model/mapping.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/compat.h"

static const char *const part_types[C2E_PART_MAX] = {
	"ExternalClientApplication",
	"ExtlClntAppOauthSettings",
	"ExtlClntAppGlobalOauthSettings",
	"ExtlClntAppOauthConfigurablePolicies",
	"ExtlClntAppConfigurablePolicies",
	"ExtlClntAppCanvasSettings",
	"ExtlClntAppSamlConfigurablePolicies",
};

static const char *const part_suffixes[C2E_PART_MAX] = {
	"",      "_oauth",  "_glbloauth", "_oauthPlcy",
	"_plcy", "_canvas", "_samlPlcy",
};

const char *c2e_part_type(enum c2e_eca_part p)
{
	return part_types[p];
}

const char *c2e_part_suffix(enum c2e_eca_part p)
{
	return part_suffixes[p];
}

/* ---------------------------------------------------------------------
 * Value rules
 */

const struct c2e_scope_map c2e_scope_table[] = {
	{ "Basic", "Basic", "id" },
	{ "Api", "Api", "api" },
	{ "Web", "Web", "web" },
	{ "Full", "Full", "full" },
	{ "Chatter", "Chatter", "chatter_api" },
	{ "CustomApplications", "CustomApplications", "visualforce" },
	{ "RefreshToken", "RefreshToken", "refresh_token, offline_access" },
	{ "OpenID", "OpenID", "openid" },
	{ "Profile", "Profile", "profile" },
	{ "Email", "Email", "email" },
	{ "Address", "Address", "address" },
	{ "Phone", "Phone", "phone" },
	{ "OfflineAccess", "OfflineAccess", "offline_access" },
	{ "CustomPermissions", "CustomPermissions", "custom_permissions" },
	{ "Wave", "Wave", "wave_api" },
	{ "Eclair", "Eclair", "eclair_api" },
	{ "Pardot", "Pardot", "pardot_api" },
	{ "Lightning", "Lightning", "lightning" },
	{ "Content", "Content", "content" },
	{ "CDPIngest", "CDPIngest", "cdp_ingest_api" },
	{ "CDPProfile", "CDPProfile", "cdp_profile_api" },
	{ "CDPQuery", "CDPQuery", "cdp_query_api" },
	{ "Chatbot", "Chatbot", "chatbot_api" },
	{ "CDPSegment", "CDPSegment", "cdp_segment_api" },
	{ "CDPIdentityResolution", "CDPIdentityResolution",
	  "cdp_identityresolution_api" },
	{ "CDPCalculatedInsight", "CDPCalculatedInsight",
	  "cdp_calculated_insight_api" },
	{ "ForgotPassword", "ForgotPassword", "forgot_password" },
	{ "UserRegistration", "UserRegistration", "user_registration_api" },
	/* the one token that is spelled differently on ECAs (MDDOC v67) */
	{ "SFAP", "SFApiPlatform", "sfap_api" },
	{ "Interaction", "Interaction", "interaction_api" },
	/* absent from MDDOC's ECA list, but in Salesforce's own ECA files */
	{ "CDP", "CDP", "cdp_api" },
	{ "EinsteinGPT", "EinsteinGPT", "einstein_gpt_api" },
	{ "PwdlessLogin", "PwdlessLogin", "pwdless_login_api" },
	{ "MCP", "MCP", "mcp_api" },
	{ "SCRT", "SCRT", NULL },
};
const size_t c2e_scope_table_len = C2E_ARRAY_SIZE(c2e_scope_table);

const struct c2e_scope_map *c2e_scope_lookup(const char *ca_scope)
{
	for (size_t i = 0; i < c2e_scope_table_len; i++)
		if (strcmp(c2e_scope_table[i].ca, ca_scope) == 0)
			return &c2e_scope_table[i];
	return NULL;
}

const char *c2e_map_ip_relaxation(const char *v)
{
	static const char *const map[][2] = {
		{ "ENFORCE", "Enforce" },
		{ "BYPASS", "Bypass" },
		{ "BYPASS_2FACTOR", "Bypass_2factor" },
		{ "ENFORCE_RELAXREFRESH", "Enforce_RelaxRefresh" },
	};

	if (!v)
		return NULL;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(map); i++)
		if (c2e_str_ieq(v, map[i][0]))
			return map[i][1];
	return NULL;
}

int c2e_map_refresh_policy(const char *v, struct c2e_refresh_policy *out)
{
	static const char *const units[][2] = { { "HOURS", "Hours" },
		                                { "DAYS", "Days" },
		                                { "MONTHS", "Months" } };
	const char *rest, *colon;
	char num[16];
	size_t n;
	long period;

	out->type = NULL;
	out->period = 0;
	out->unit = NULL;
	if (!v)
		return -1;
	if (c2e_str_ieq(v, "zero")) {
		out->type = "Zero";
		return 0;
	}
	if (c2e_str_ieq(v, "infinite")) {
		out->type = "Infinite";
		return 0;
	}
	if (strncmp(v, "specific_lifetime:", 18) == 0) {
		out->type = "SpecificLifetime";
		rest = v + 18;
	} else if (strncmp(v, "specific_inactivity:", 20) == 0) {
		out->type = "SpecificInactivity";
		rest = v + 20;
	} else {
		return -1;
	}
	colon = strchr(rest, ':');
	if (!colon)
		goto bad;
	n = (size_t)(colon - rest);
	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, rest, n);
	num[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)num[i]))
			goto bad;
	if (c2e_str_to_long(num, &period) < 0 || period <= 0)
		goto bad;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(units); i++) {
		if (c2e_str_ieq(colon + 1, units[i][0])) {
			out->period = period;
			out->unit = units[i][1];
			return 0;
		}
	}
bad:
	out->type = NULL;
	return -1;
}

const char *c2e_map_session_level(const char *v)
{
	char norm[32];
	size_t n = 0;

	if (!v)
		return NULL;
	/* "High Assurance", "HIGH_ASSURANCE", "HighAssurance" -> HIGHASSURANCE */
	for (const char *p = v; *p && n + 1 < sizeof(norm); p++)
		if (isalpha((unsigned char)*p))
			norm[n++] = (char)toupper((unsigned char)*p);
	norm[n] = '\0';
	if (!strcmp(norm, "HIGHASSURANCE"))
		return "HIGH_ASSURANCE";
	if (!strcmp(norm, "STANDARD"))
		return "STANDARD";
	if (!strcmp(norm, "LOW"))
		return "LOW";
	return NULL;
}

/* ---------------------------------------------------------------------
 * Names
 */

int c2e_name_prefix(const char *name, char **out, struct c2e_err *err)
{
	const char *u = strchr(name, '_');

	*out = u ? c2e_strndup(name, (size_t)(u - name)) : c2e_strdup("");
	return *out ? C2E_OK : c2e_err_oom(err);
}

int c2e_name_render(const char *tmpl, const char *ca_name, char **out,
                    struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	const char *u = strchr(ca_name, '_');
	const char *p = tmpl;
	int rc = C2E_OK;

	*out = NULL;
	while (*p) {
		const char *close;
		size_t n;

		if (*p != '{') {
			c2e_buf_addc(&b, *p++);
			continue;
		}
		close = strchr(p, '}');
		if (!close) {
			rc = c2e_err_set(err, C2E_EUSAGE,
			                 "--name template '%s' has an unclosed "
			                 "'{'",
			                 tmpl);
			goto done;
		}
		n = (size_t)(close - p - 1);
		if (n == 4 && !strncmp(p + 1, "name", 4)) {
			c2e_buf_adds(&b, ca_name);
		} else if (n == 6 && !strncmp(p + 1, "prefix", 6)) {
			c2e_buf_addn(&b, ca_name,
			             u ? (size_t)(u - ca_name) : 0);
		} else if (n == 4 && !strncmp(p + 1, "rest", 4)) {
			c2e_buf_adds(&b, u ? u + 1 : ca_name);
		} else {
			rc = c2e_err_set(err, C2E_EUSAGE,
			                 "--name template '%s' has an unknown "
			                 "placeholder '%.*s'; use {name}, "
			                 "{prefix} or {rest}",
			                 tmpl, (int)(n + 2), p);
			goto done;
		}
		p = close + 1;
	}
	return c2e_buf_take(&b, out, err);
done:
	c2e_buf_release(&b);
	return rc;
}

int c2e_name_check(const char *name, size_t max, const char *what,
                   struct c2e_err *err)
{
	size_t len = strlen(name);
	const char *rule = NULL;

	if (len == 0)
		return c2e_err_set(err, C2E_EDATA, "%s is empty", what);
	if (len > max)
		return c2e_err_set(err, C2E_EDATA,
		                   "%s '%s' breaks the API-name rules: it has "
		                   "%zu characters, at most %zu are allowed",
		                   what, name, len, max);
	if (!isalpha((unsigned char)name[0]))
		rule = "it must start with a letter";
	for (size_t i = 0; !rule && i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '_')
			rule = "it may contain only letters, digits and "
			       "underscores";
		else if (c == '_' && name[i + 1] == '_')
			rule = "it must not contain two consecutive "
			       "underscores";
	}
	if (!rule && name[len - 1] == '_')
		rule = "it must not end with an underscore";
	if (rule)
		return c2e_err_set(err, C2E_EDATA,
		                   "%s '%s' breaks the API-name rules: %s",
		                   what, name, rule);
	return C2E_OK;
}

/* ---------------------------------------------------------------------
 * The walk
 */

struct mapctx {
	const struct c2e_md_doc *ca;
	const struct c2e_map_opts *opts;
	struct c2e_mapping *m;
	struct c2e_err *err;
	/* facts gathered on the way, for cross-field checks */
	bool has_certificate;
	bool admin_approved;
	bool has_interaction;
	bool named_user_jwt;
	bool high_assurance;
	char *warned; /* last unknown element warned about */
};

struct rule {
	const char *src; /* source element name */
	enum c2e_eca_part part; /* target component */
	const char *dst; /* target field; NULL when fn or dropped */
	int (*fn)(struct mapctx *x, const struct c2e_md_node *n,
	          const char *path);
	enum c2e_disp disp; /* for dst-less, fn-less rules */
	const char *note;
};

static int walk(struct mapctx *x, const struct c2e_md_node *parent,
                const char *base, const struct rule *rules, size_t n_rules);

/* Fields whose values never appear in reports. */
static bool is_secret(const char *name)
{
	return !strcmp(name, "consumerSecret");
}

/* Long opaque values are summarised for people. */
static bool is_bulky(const char *name)
{
	return !strcmp(name, "certificate") ||
	       !strcmp(name, "encryptionCertificate") ||
	       !strcmp(name, "applicationBinaryFile") ||
	       !strcmp(name, "applicationIconFile");
}

static char *display(const struct c2e_md_node *n)
{
	char tmp[96];

	if (n->nil)
		return c2e_strdup("(nil)");
	if (!n->text)
		return NULL;
	if (is_secret(n->name))
		return c2e_strdup("(redacted)");
	if (is_bulky(n->name)) {
		if (snprintf(tmp, sizeof(tmp), "(%zu characters)",
		             strlen(n->text)) < 0)
			return NULL;
		return c2e_strdup(tmp);
	}
	return c2e_strdup(n->text);
}

/* "a<sep>b", or just the non-empty one; NULL when out of memory. */
static char *join2(const char *a, char sep, const char *b)
{
	struct c2e_buf buf = C2E_BUF_INIT;
	char *out = NULL;

	if (a && *a)
		c2e_buf_adds(&buf, a);
	if (a && *a && b && *b)
		c2e_buf_addc(&buf, sep);
	if (b && *b)
		c2e_buf_adds(&buf, b);
	if (c2e_buf_take(&buf, &out, NULL) < 0)
		return NULL;
	return out;
}

static char *target_name(enum c2e_eca_part p, const char *field)
{
	return join2(part_types[p], '.', field);
}

/* One report entry with an optional target part/field. */
static int rep(struct mapctx *x, enum c2e_disp d, const char *path,
               const struct c2e_md_node *src, int part, const char *field,
               const char *tval, const char *note)
{
	char *sval = NULL, *target = NULL;
	int rc;

	if (src) {
		sval = display(src);
		if (!sval && (src->text || src->nil))
			return c2e_err_oom(x->err);
	}
	if (part >= 0) {
		target = target_name((enum c2e_eca_part)part, field);
		if (!target) {
			free(sval);
			return c2e_err_oom(x->err);
		}
	}
	rc = c2e_report_add(&x->m->report, d, path, sval, target, tval, note,
	                    x->err);
	free(sval);
	free(target);
	return rc;
}

static struct c2e_md_node *part_root(struct mapctx *x, enum c2e_eca_part p)
{
	return x->m->parts[p] ? x->m->parts[p]->root : NULL;
}

/* Sets a simple field on a part and reports it. */
static int put(struct mapctx *x, const char *path,
               const struct c2e_md_node *src, enum c2e_eca_part p,
               const char *field, const char *value, enum c2e_disp d,
               const char *note)
{
	struct c2e_md_node *root = part_root(x, p);
	int rc;

	if (!root)
		return rep(x, C2E_DISP_DROPPED, path, src, -1, NULL, NULL,
		           "the ECA has no component to carry it");
	rc = c2e_md_set(root, field, value, x->err);
	if (rc < 0)
		return rc;
	return rep(x, d, path, src, (int)p, field,
	           src && is_secret(src->name) ? "(redacted)" :
	           src && is_bulky(src->name)  ? "(same value)" :
	                                         value,
	           note);
}

static char *child_path(const char *base, const char *name)
{
	return join2(base, '/', name);
}

/* A rule with `dst`: copy the value under the target name. */
static int apply_simple(struct mapctx *x, const struct rule *r,
                        const struct c2e_md_node *n, const char *path)
{
	enum c2e_disp d = strcmp(r->src, r->dst) == 0 ? C2E_DISP_CARRIED :
	                                                C2E_DISP_CONVERTED;

	if (n->nil || !n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "empty (nil) in the source");
	return put(x, path, n, r->part, r->dst, n->text, d, r->note);
}

/* --- custom rules --------------------------------------------------- */

static int rule_full_name(struct mapctx *x, const struct c2e_md_node *n,
                          const char *path)
{
	return rep(x, C2E_DISP_CONVERTED, path, n, C2E_PART_HEADER, NULL,
	           x->m->eca_name, "the ECA's API name (see --name)");
}

static int rule_bool_flag(struct mapctx *x, const struct c2e_md_node *n,
                          const char *path, enum c2e_eca_part p,
                          const char *field, const char *note)
{
	if (n->nil || !n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "empty (nil) in the source");
	return put(x, path, n, p, field, n->text,
	           strcmp(n->name, field) ? C2E_DISP_CONVERTED :
	                                    C2E_DISP_CARRIED,
	           note);
}

static int rule_client_credentials(struct mapctx *x,
                                   const struct c2e_md_node *n,
                                   const char *path)
{
	int rc = rule_bool_flag(x, n, path, C2E_PART_GLOBAL,
	                        "isClientCredentialsFlowEnabled", NULL);

	if (rc < 0)
		return rc;
	return rule_bool_flag(x, n, path, C2E_PART_OAUTH_POLICY,
	                      "isClientCredentialsFlowEnabled",
	                      "ECAs enable the flow in the global settings "
	                      "and allow it in the policies");
}

static int rule_pkce(struct mapctx *x, const struct c2e_md_node *n,
                     const char *path)
{
	return rule_bool_flag(x, n, path, C2E_PART_GLOBAL, "isPkceRequired",
	                      "written explicitly: the ECA default is true, "
	                      "the connected-app default false");
}

static int rule_named_user_jwt(struct mapctx *x, const struct c2e_md_node *n,
                               const char *path)
{
	if (n->text && !strcmp(n->text, "true"))
		x->named_user_jwt = true;
	return rule_bool_flag(x, n, path, C2E_PART_GLOBAL,
	                      "isNamedUserJwtEnabled", NULL);
}

static int rule_admin_approved(struct mapctx *x, const struct c2e_md_node *n,
                               const char *path)
{
	bool yes = n->text && !strcmp(n->text, "true");
	const char *v =
	        yes ? "AdminApprovedPreAuthorized" : "AllSelfAuthorized";

	x->admin_approved = yes;
	return put(x, path, n, C2E_PART_OAUTH_POLICY,
	           "permittedUsersPolicyType", v, C2E_DISP_CONVERTED,
	           yes ? "admin-approved users are pre-authorized" :
	                 "all users may self-authorize");
}

static int rule_certificate(struct mapctx *x, const struct c2e_md_node *n,
                            const char *path)
{
	if (n->nil || !n->text || !*n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "empty (nil) in the source");
	x->has_certificate = true;
	return put(x, path, n, C2E_PART_GLOBAL, "certificate", n->text,
	           C2E_DISP_CARRIED, "enables the JWT bearer flow");
}

static int rule_consumer_key(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
	           "the org generates a new consumer key for the ECA; the "
	           "integration must be given the new key");
}

static int rule_consumer_secret(struct mapctx *x, const struct c2e_md_node *n,
                                const char *path)
{
	return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
	           "secrets are never copied; the org generates a new "
	           "consumer secret");
}

static int rule_scopes(struct mapctx *x, const struct c2e_md_node *n,
                       const char *path)
{
	struct c2e_md_node *root = part_root(x, C2E_PART_OAUTH);
	const struct c2e_scope_map *s;
	const char *cur;
	struct c2e_buf b = C2E_BUF_INIT;
	int rc = C2E_OK;

	if (n->nil || !n->text || !*n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "empty (nil) in the source");
	s = c2e_scope_lookup(n->text);
	if (!s)
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "no ECA scope is known for this value");
	if (!strcmp(s->ca, "Interaction"))
		x->has_interaction = true;
	/* append to the comma-separated list, once per token */
	cur = c2e_md_get(root, "commaSeparatedOauthScopes");
	if (cur) {
		const char *p = cur;
		size_t tl = strlen(s->eca);

		while (*p) {
			size_t len = strcspn(p, ",");
			const char *t = p;

			while (*t == ' ')
				t++, len--;
			if (len == tl && !strncmp(t, s->eca, tl))
				return rep(x, C2E_DISP_CARRIED, path, n,
				           C2E_PART_OAUTH,
				           "commaSeparatedOauthScopes", s->eca,
				           "listed once");
			p = t + len;
			if (*p == ',')
				p++;
		}
		c2e_buf_adds(&b, cur);
		c2e_buf_adds(&b, ", ");
	}
	c2e_buf_adds(&b, s->eca);
	if (c2e_buf_failed(&b)) {
		rc = c2e_err_oom(x->err);
		goto done;
	}
	rc = c2e_md_set(root, "commaSeparatedOauthScopes", b.buf, x->err);
	if (rc < 0)
		goto done;
	rc = rep(x,
	         strcmp(s->ca, s->eca) ? C2E_DISP_CONVERTED : C2E_DISP_CARRIED,
	         path, n, C2E_PART_OAUTH, "commaSeparatedOauthScopes", s->eca,
	         s->oauth);
done:
	c2e_buf_release(&b);
	return rc;
}

/* profileName / permissionSetName: joined into a comma-separated list */
static int rule_access_list(struct mapctx *x, const struct c2e_md_node *n,
                            const char *path, const char *field)
{
	enum c2e_eca_part targets[] = { C2E_PART_OAUTH_POLICY, C2E_PART_SAML };
	bool any = false;
	int rc;

	if (n->nil || !n->text || !*n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "an empty element only clears the list");
	if (strchr(n->text, ','))
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "the name contains a comma and cannot go into a "
		           "comma-separated list");
	for (size_t i = 0; i < C2E_ARRAY_SIZE(targets); i++) {
		struct c2e_md_node *root = part_root(x, targets[i]);
		struct c2e_buf b = C2E_BUF_INIT;
		const char *cur;

		if (!root)
			continue;
		any = true;
		cur = c2e_md_get(root, field);
		if (cur) {
			c2e_buf_adds(&b, cur);
			c2e_buf_addc(&b, ',');
		}
		c2e_buf_adds(&b, n->text);
		if (c2e_buf_failed(&b)) {
			c2e_buf_release(&b);
			return c2e_err_oom(x->err);
		}
		rc = c2e_md_set(root, field, b.buf, x->err);
		c2e_buf_release(&b);
		if (rc < 0)
			return rc;
		rc = rep(x, C2E_DISP_CONVERTED, path, n, (int)targets[i], field,
		         n->text,
		         x->admin_approved || targets[i] == C2E_PART_SAML ?
		                 NULL :
		                 "the app is not admin-approved: the list "
		                 "applies only once users are pre-authorized");
		if (rc < 0)
			return rc;
	}
	if (!any)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "the app has neither OAuth nor SAML to restrict");
	return C2E_OK;
}

static int rule_profile(struct mapctx *x, const struct c2e_md_node *n,
                        const char *path)
{
	return rule_access_list(x, n, path, "commaSeparatedProfile");
}

static int rule_permission_set(struct mapctx *x, const struct c2e_md_node *n,
                               const char *path)
{
	return rule_access_list(x, n, path, "commaSeparatedPermissionSet");
}

static int rule_ip_relaxation(struct mapctx *x, const struct c2e_md_node *n,
                              const char *path)
{
	const char *v = c2e_map_ip_relaxation(n->text);

	if (!v)
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "unknown IP relaxation; expected ENFORCE, BYPASS, "
		           "BYPASS_2FACTOR or ENFORCE_RELAXREFRESH");
	return put(x, path, n, C2E_PART_OAUTH_POLICY, "ipRelaxationPolicyType",
	           v, C2E_DISP_CONVERTED, NULL);
}

static int rule_refresh_policy(struct mapctx *x, const struct c2e_md_node *n,
                               const char *path)
{
	struct c2e_md_node *root = part_root(x, C2E_PART_OAUTH_POLICY);
	struct c2e_refresh_policy rp;
	char val[64];
	int rc;

	if (c2e_map_refresh_policy(n->text, &rp) < 0)
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "unknown refresh-token policy; expected zero, "
		           "infinite, specific_lifetime:N:UNIT or "
		           "specific_inactivity:N:UNIT");
	rc = put(x, path, n, C2E_PART_OAUTH_POLICY, "refreshTokenPolicyType",
	         rp.type, C2E_DISP_CONVERTED, NULL);
	if (rc < 0 || !rp.unit)
		return rc;
	rc = c2e_md_set_long(root, "refreshTokenValidityPeriod", rp.period,
	                     x->err);
	if (rc < 0)
		return rc;
	rc = c2e_md_set(root, "refreshTokenValidityUnit", rp.unit, x->err);
	if (rc < 0)
		return rc;
	if (snprintf(val, sizeof(val), "%ld", rp.period) < 0)
		val[0] = '\0';
	rc = rep(x, C2E_DISP_CONVERTED, path, n, C2E_PART_OAUTH_POLICY,
	         "refreshTokenValidityPeriod", val, NULL);
	if (rc < 0)
		return rc;
	return rep(x, C2E_DISP_CONVERTED, path, n, C2E_PART_OAUTH_POLICY,
	           "refreshTokenValidityUnit", rp.unit, NULL);
}

static int rule_policy_action(struct mapctx *x, const struct c2e_md_node *n,
                              const char *path)
{
	const struct c2e_schema_type *t = c2e_schema_find("PolicyAction");

	if (!n->text || !t || !c2e_schema_enum_has(t, n->text))
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "unknown session policy action; expected Block or "
		           "RaiseSessionLevel");
	return put(x, path, n, C2E_PART_OAUTH_POLICY, "policyAction", n->text,
	           C2E_DISP_CARRIED, NULL);
}

static int rule_session_level(struct mapctx *x, const struct c2e_md_node *n,
                              const char *path)
{
	const char *v = c2e_map_session_level(n->text);

	if (!v)
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "unknown session level; expected LOW, STANDARD or "
		           "HIGH_ASSURANCE");
	if (!strcmp(v, "HIGH_ASSURANCE"))
		x->high_assurance = true;
	return put(x, path, n, C2E_PART_OAUTH_POLICY, "requiredSessionLevel", v,
	           C2E_DISP_CONVERTED, NULL);
}

static int rule_session_timeout(struct mapctx *x, const struct c2e_md_node *n,
                                const char *path)
{
	return put(x, path, n, C2E_PART_OAUTH_POLICY, "sessionTimeoutInMinutes",
	           n->text, C2E_DISP_CONVERTED,
	           "applies to opaque access tokens only");
}

static int rule_start_url(struct mapctx *x, const struct c2e_md_node *n,
                          const char *path)
{
	struct c2e_md_node *root = part_root(x, C2E_PART_POLICY);
	int rc;

	if (n->nil || !n->text || !*n->text)
		return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
		           "empty (nil) in the source");
	rc = put(x, path, n, C2E_PART_POLICY, "startUrl", n->text,
	         C2E_DISP_CARRIED, NULL);
	if (rc < 0)
		return rc;
	rc = c2e_md_set(root, "startPage", "Custom", x->err);
	if (rc < 0)
		return rc;
	return rep(x, C2E_DISP_CONVERTED, path, NULL, C2E_PART_POLICY,
	           "startPage", "Custom", "a custom start URL");
}

static int rule_ip_range(struct mapctx *x, const struct c2e_md_node *n,
                         const char *path)
{
	struct c2e_md_node *root = part_root(x, C2E_PART_OAUTH), *r = NULL;
	const char *start = c2e_md_get(n, "start");
	const char *end = c2e_md_get(n, "end");
	const char *desc = c2e_md_get(n, "description");
	struct c2e_buf val = C2E_BUF_INIT;
	int rc;

	if (!root)
		return rep(x, C2E_DISP_DROPPED, path, NULL, -1, NULL, NULL,
		           "the app has no OAuth settings to restrict");
	if (c2e_md_count(root, "trustedIpRanges") >= C2E_ECA_MAX_IP_RANGES)
		return rep(x, C2E_DISP_BLOCKING, path, NULL, -1, NULL, NULL,
		           "an ECA accepts at most 128 trusted IP ranges");
	rc = c2e_md_add_complex(root, "trustedIpRanges", &r, x->err);
	if (rc < 0)
		return rc;
	if (desc)
		rc = c2e_md_set(r, "description", desc, x->err);
	if (rc == 0)
		rc = c2e_md_set(r, "endIpAddress", end ? end : "", x->err);
	if (rc == 0)
		rc = c2e_md_set(r, "startIpAddress", start ? start : "",
		                x->err);
	if (rc < 0)
		goto done;
	c2e_buf_addf(&val, "%s-%s", start ? start : "", end ? end : "");
	if (c2e_buf_failed(&val)) {
		rc = c2e_err_oom(x->err);
		goto done;
	}
	rc = c2e_report_add(&x->m->report, C2E_DISP_CONVERTED, path, val.buf,
	                    "ExtlClntAppOauthSettings.trustedIpRanges", val.buf,
	                    "start/end become startIpAddress/endIpAddress",
	                    x->err);
done:
	c2e_buf_release(&val);
	return rc;
}

/* attributes: custom attributes on every plugin that carries them */
static int rule_attribute(struct mapctx *x, const struct c2e_md_node *n,
                          const char *path)
{
	enum c2e_eca_part targets[] = { C2E_PART_OAUTH, C2E_PART_SAML };
	const char *key = c2e_md_get(n, "key");
	const char *formula = c2e_md_get(n, "formula");
	bool any = false;
	int rc;

	for (size_t i = 0; i < C2E_ARRAY_SIZE(targets); i++) {
		struct c2e_md_node *root = part_root(x, targets[i]), *a = NULL;

		if (!root)
			continue;
		any = true;
		if (c2e_md_count(root, "customAttributes") >=
		    C2E_ECA_MAX_ATTRIBUTES)
			return rep(x, C2E_DISP_BLOCKING, path, NULL, -1, NULL,
			           NULL,
			           "an ECA accepts at most 128 custom "
			           "attributes");
		rc = c2e_md_add_complex(root, "customAttributes", &a, x->err);
		if (rc == 0)
			rc = c2e_md_set(a, "formula", formula ? formula : "",
			                x->err);
		if (rc == 0)
			rc = c2e_md_set(a, "key", key ? key : "", x->err);
		if (rc == 0)
			rc = c2e_report_add(
			        &x->m->report, C2E_DISP_CONVERTED, path, key,
			        targets[i] == C2E_PART_OAUTH ?
			                "ExtlClntAppOauthSettings."
			                "customAttributes" :
			                "ExtlClntAppSamlConfigurable"
			                "Policies.customAttributes",
			        key, NULL, x->err);
		if (rc < 0)
			return rc;
	}
	if (!any)
		return rep(x, C2E_DISP_DROPPED, path, NULL, -1, NULL, NULL,
		           "the app has neither OAuth nor SAML to carry custom "
		           "attributes");
	return C2E_OK;
}

static int rule_plugin(struct mapctx *x, const struct c2e_md_node *n,
                       const char *path)
{
	return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
	           "an Apex Auth.ConnectedAppPlugin has no ECA equivalent "
	           "(ECA handlers use a different interface); rewrite it "
	           "first");
}

static int rule_plugin_user(struct mapctx *x, const struct c2e_md_node *n,
                            const char *path)
{
	return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
	           "belongs to the Apex plugin, which does not carry over");
}

static int rule_mobile(struct mapctx *x, const struct c2e_md_node *n,
                       const char *path)
{
	(void)n;
	return rep(x, C2E_DISP_BLOCKING, path, NULL, -1, NULL, NULL,
	           "mobile app distribution (mobileAppConfig) has no ECA "
	           "equivalent");
}

static int rule_legacy_canvas(struct mapctx *x, const struct c2e_md_node *n,
                              const char *path)
{
	(void)n;
	return rep(x, C2E_DISP_BLOCKING, path, NULL, -1, NULL, NULL,
	           "the legacy canvas element is not supported; retrieve "
	           "the app with a current API version (canvasConfig)");
}

static int rule_drop_mobile_start(struct mapctx *x, const struct c2e_md_node *n,
                                  const char *path)
{
	return rep(x, C2E_DISP_DROPPED, path, n, -1, NULL, NULL,
	           "ECAs have no mobile start URL");
}

static int rule_enum_to(struct mapctx *x, const struct c2e_md_node *n,
                        const char *path, enum c2e_eca_part p,
                        const char *field, const char *enum_type)
{
	const struct c2e_schema_type *t = c2e_schema_find(enum_type);

	if (!n->text || !t || !c2e_schema_enum_has(t, n->text))
		return rep(x, C2E_DISP_BLOCKING, path, n, -1, NULL, NULL,
		           "the ECA has no equivalent for this value");
	return put(x, path, n, p, field, n->text,
	           strcmp(n->name, field) ? C2E_DISP_CONVERTED :
	                                    C2E_DISP_CARRIED,
	           NULL);
}

static int rule_saml_encryption(struct mapctx *x, const struct c2e_md_node *n,
                                const char *path)
{
	return rule_enum_to(x, n, path, C2E_PART_SAML, "encryptionType",
	                    "ExtlClntAppSamlEncryptType");
}

static int rule_saml_binding(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return rule_enum_to(x, n, path, C2E_PART_SAML,
	                    "singleLogoutBindingType",
	                    "ExtlClntAppSamlBindingType");
}

static int rule_saml_name_id(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return rule_enum_to(x, n, path, C2E_PART_SAML, "nameIdFormat",
	                    "ExtlClntAppNameIdFormatType");
}

static int rule_saml_sign(struct mapctx *x, const struct c2e_md_node *n,
                          const char *path)
{
	return rule_enum_to(x, n, path, C2E_PART_SAML, "signingAlgorithmType",
	                    "ExtlClntAppSamlSignAlgoType");
}

static int rule_saml_subject(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return rule_enum_to(x, n, path, C2E_PART_SAML, "subjectType",
	                    "ExtlClntAppSamlSubjectType");
}

static int rule_canvas_location(struct mapctx *x, const struct c2e_md_node *n,
                                const char *path)
{
	int rc = c2e_md_add(part_root(x, C2E_PART_CANVAS),
	                    "canvasLocationOptions", n->text, x->err);

	if (rc < 0)
		return rc;
	return rep(x, C2E_DISP_CONVERTED, path, n, C2E_PART_CANVAS,
	           "canvasLocationOptions", n->text, NULL);
}

static int rule_canvas_option(struct mapctx *x, const struct c2e_md_node *n,
                              const char *path)
{
	int rc = c2e_md_add(part_root(x, C2E_PART_CANVAS), "canvasOptions",
	                    n->text, x->err);

	if (rc < 0)
		return rc;
	return rep(x, C2E_DISP_CONVERTED, path, n, C2E_PART_CANVAS,
	           "canvasOptions", n->text, NULL);
}

/* --- nested groups -------------------------------------------------- */

/* idTokenConfig -> ExtlClntAppGlobalOauthSettings.idTokenConfig */
static int rule_id_token(struct mapctx *x, const struct c2e_md_node *n,
                         const char *path)
{
	static const char *const ren[][2] = {
		{ "idTokenAudience", "idTokenAudience" },
		{ "idTokenIncludeAttributes", "idTokenIncludeAttributes" },
		{ "idTokenIncludeCustomPerms",
		  "idTokenIncludeCustomPermissions" },
		{ "idTokenIncludeStandardClaims",
		  "idTokenIncludeStandardClaims" },
		{ "idTokenValidity", "idTokenValidityInMinutes" },
	};
	struct c2e_md_node *cfg = NULL;
	int rc;

	rc = c2e_md_add_complex(part_root(x, C2E_PART_GLOBAL), "idTokenConfig",
	                        &cfg, x->err);
	if (rc < 0)
		return rc;
	for (struct c2e_md_node *c = n->children; c; c = c->next) {
		char *cp = child_path(path, c->name);
		const char *dst = NULL;
		char *target;

		if (!cp)
			return c2e_err_oom(x->err);
		for (size_t i = 0; i < C2E_ARRAY_SIZE(ren); i++)
			if (!strcmp(c->name, ren[i][0]))
				dst = ren[i][1];
		if (!dst || !c->text) {
			rc = rep(x, C2E_DISP_DROPPED, cp, c, -1, NULL, NULL,
			         dst ? "empty (nil) in the source" :
			               "not in the Metadata API v66 schema; "
			               "review by hand");
			free(cp);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = c2e_md_set(cfg, dst, c->text, x->err);
		target = child_path("ExtlClntAppGlobalOauthSettings."
		                    "idTokenConfig",
		                    dst);
		if (rc == 0 && !target)
			rc = c2e_err_oom(x->err);
		if (rc == 0)
			rc = c2e_report_add(
			        &x->m->report,
			        strcmp(c->name, dst) ? C2E_DISP_CONVERTED :
			                               C2E_DISP_CARRIED,
			        cp, c->text, target, c->text, NULL, x->err);
		free(target);
		free(cp);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

static const struct rule asset_token_rules[] = {
	{ "assetAudiences", C2E_PART_OAUTH, "assetTokenAudiences", NULL, 0,
	  NULL },
	{ "assetIncludeAttributes", C2E_PART_OAUTH,
	  "areAttributesIncludedInAssetToken", NULL, 0, NULL },
	{ "assetIncludeCustomPerms", C2E_PART_OAUTH,
	  "areCustomPermsIncludedInAssetToken", NULL, 0, NULL },
	{ "assetSigningCertId", C2E_PART_OAUTH, "assetTokenSigningCertificate",
	  NULL, 0, "check that the certificate exists under this name" },
	{ "assetValidityPeriod", C2E_PART_OAUTH, "assetTokenValidity", NULL, 0,
	  NULL },
};

static int rule_asset_token(struct mapctx *x, const struct c2e_md_node *n,
                            const char *path)
{
	return walk(x, n, path, asset_token_rules,
	            C2E_ARRAY_SIZE(asset_token_rules));
}

static int rule_oauth_single_logout(struct mapctx *x,
                                    const struct c2e_md_node *n,
                                    const char *path)
{
	return put(x, path, n, C2E_PART_OAUTH, "singleLogoutUrl", n->text,
	           C2E_DISP_CARRIED, NULL);
}

static int rule_is_admin_approved(struct mapctx *x, const struct c2e_md_node *n,
                                  const char *path)
{
	return rule_admin_approved(x, n, path);
}

static int rule_token_exchange_policy(struct mapctx *x,
                                      const struct c2e_md_node *n,
                                      const char *path)
{
	return rule_bool_flag(x, n, path, C2E_PART_OAUTH_POLICY,
	                      "isTokenExchangeFlowEnabled", NULL);
}

static const struct rule oauth_config_rules[] = {
	{ "assetTokenConfig", C2E_PART_OAUTH, NULL, rule_asset_token, 0, NULL },
	{ "callbackUrl", C2E_PART_GLOBAL, "callbackUrl", NULL, 0, NULL },
	{ "certificate", C2E_PART_GLOBAL, NULL, rule_certificate, 0, NULL },
	{ "consumerKey", C2E_PART_GLOBAL, NULL, rule_consumer_key, 0, NULL },
	{ "consumerSecret", C2E_PART_GLOBAL, NULL, rule_consumer_secret, 0,
	  NULL },
	{ "idTokenConfig", C2E_PART_GLOBAL, NULL, rule_id_token, 0, NULL },
	{ "isAdminApproved", C2E_PART_OAUTH_POLICY, NULL,
	  rule_is_admin_approved, 0, NULL },
	{ "isClientCredentialEnabled", C2E_PART_GLOBAL, NULL,
	  rule_client_credentials, 0, NULL },
	{ "isCodeCredentialEnabled", C2E_PART_GLOBAL, "isCodeCredFlowEnabled",
	  NULL, 0, NULL },
	{ "isCodeCredentialPostOnly", C2E_PART_GLOBAL, "isCodeCredPostOnly",
	  NULL, 0, NULL },
	{ "isConsumerSecretOptional", C2E_PART_GLOBAL,
	  "isConsumerSecretOptional", NULL, 0, NULL },
	{ "isIntrospectAllTokens", C2E_PART_GLOBAL, "isIntrospectAllTokens",
	  NULL, 0, NULL },
	{ "isNamedUserJwtEnabled", C2E_PART_GLOBAL, NULL, rule_named_user_jwt,
	  0, NULL },
	{ "isPkceRequired", C2E_PART_GLOBAL, NULL, rule_pkce, 0, NULL },
	{ "isRefreshTokenRotationEnabled", C2E_PART_GLOBAL,
	  "isRefreshTokenRotationEnabled", NULL, 0, NULL },
	{ "isSecretRequiredForRefreshToken", C2E_PART_GLOBAL,
	  "isSecretRequiredForRefreshToken", NULL, 0, NULL },
	{ "isSecretRequiredForTokenExchange", C2E_PART_GLOBAL,
	  "isSecretRequiredForTokenExchange", NULL, 0, NULL },
	{ "isTokenExchangeEnabled", C2E_PART_GLOBAL, "isTokenExchangeEnabled",
	  NULL, 0, NULL },
	{ "oauthClientCredentialUser", C2E_PART_OAUTH_POLICY,
	  "clientCredentialsFlowUser", NULL, 0,
	  "the run-as user of the client-credentials flow" },
	{ "scopes", C2E_PART_OAUTH, NULL, rule_scopes, 0, NULL },
	{ "singleLogoutUrl", C2E_PART_OAUTH, NULL, rule_oauth_single_logout, 0,
	  NULL },
};

static const struct rule oauth_policy_rules[] = {
	{ "ipRelaxation", C2E_PART_OAUTH_POLICY, NULL, rule_ip_relaxation, 0,
	  NULL },
	{ "isTokenExchangeFlowEnabled", C2E_PART_OAUTH_POLICY, NULL,
	  rule_token_exchange_policy, 0, NULL },
	{ "refreshTokenPolicy", C2E_PART_OAUTH_POLICY, NULL,
	  rule_refresh_policy, 0, NULL },
	{ "singleLogoutUrl", C2E_PART_OAUTH_POLICY, "singleLogoutUrl", NULL, 0,
	  NULL },
};

static const struct rule session_policy_rules[] = {
	{ "policyAction", C2E_PART_OAUTH_POLICY, NULL, rule_policy_action, 0,
	  NULL },
	{ "sessionLevel", C2E_PART_OAUTH_POLICY, NULL, rule_session_level, 0,
	  NULL },
	{ "sessionTimeout", C2E_PART_OAUTH_POLICY, NULL, rule_session_timeout,
	  0, NULL },
};

static const struct rule saml_rules[] = {
	{ "acsUrl", C2E_PART_SAML, "acsUrl", NULL, 0, NULL },
	{ "certificate", C2E_PART_SAML, "certificate", NULL, 0, NULL },
	{ "encryptionCertificate", C2E_PART_SAML, "encryptionCertificate", NULL,
	  0, NULL },
	{ "encryptionType", C2E_PART_SAML, NULL, rule_saml_encryption, 0,
	  NULL },
	{ "entityUrl", C2E_PART_SAML, "entityUrl", NULL, 0, NULL },
	{ "issuer", C2E_PART_SAML, "issuer", NULL, 0, NULL },
	{ "samlIdpSLOBindingEnum", C2E_PART_SAML, NULL, rule_saml_binding, 0,
	  NULL },
	{ "samlNameIdFormat", C2E_PART_SAML, NULL, rule_saml_name_id, 0, NULL },
	{ "samlSigningAlgoType", C2E_PART_SAML, NULL, rule_saml_sign, 0, NULL },
	{ "samlSloUrl", C2E_PART_SAML, "singleLogoutUrl", NULL, 0, NULL },
	{ "samlSubjectCustomAttr", C2E_PART_SAML, "subjectCustomAttribute",
	  NULL, 0, NULL },
	{ "samlSubjectType", C2E_PART_SAML, NULL, rule_saml_subject, 0, NULL },
};

static const struct rule canvas_rules[] = {
	{ "accessMethod", C2E_PART_CANVAS, "accessMethod", NULL, 0, NULL },
	{ "canvasUrl", C2E_PART_CANVAS, "canvasUrl", NULL, 0, NULL },
	{ "lifecycleClass", C2E_PART_CANVAS, "lifeCycleHandler", NULL, 0,
	  "the Apex Canvas.CanvasLifecycleHandler class, by name" },
	{ "locations", C2E_PART_CANVAS, NULL, rule_canvas_location, 0, NULL },
	{ "options", C2E_PART_CANVAS, NULL, rule_canvas_option, 0, NULL },
	{ "samlInitiationMethod", C2E_PART_CANVAS, "samlInitiationMethod", NULL,
	  0, NULL },
};

static int rule_oauth_config(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return walk(x, n, path, oauth_config_rules,
	            C2E_ARRAY_SIZE(oauth_config_rules));
}

static int rule_oauth_policy(struct mapctx *x, const struct c2e_md_node *n,
                             const char *path)
{
	return walk(x, n, path, oauth_policy_rules,
	            C2E_ARRAY_SIZE(oauth_policy_rules));
}

static int rule_session_policy(struct mapctx *x, const struct c2e_md_node *n,
                               const char *path)
{
	return walk(x, n, path, session_policy_rules,
	            C2E_ARRAY_SIZE(session_policy_rules));
}

static int rule_saml(struct mapctx *x, const struct c2e_md_node *n,
                     const char *path)
{
	if (x->opts && c2e_str_eq(x->opts->distribution, "Packaged")) {
		int rc = rep(x, C2E_DISP_BLOCKING, path, NULL, -1, NULL, NULL,
		             "SAML external client apps cannot be packaged; "
		             "use --distribution Local");

		if (rc < 0)
			return rc;
	}
	return walk(x, n, path, saml_rules, C2E_ARRAY_SIZE(saml_rules));
}

static int rule_canvas(struct mapctx *x, const struct c2e_md_node *n,
                       const char *path)
{
	return walk(x, n, path, canvas_rules, C2E_ARRAY_SIZE(canvas_rules));
}

static const struct rule top_rules[] = {
	{ "fullName", C2E_PART_HEADER, NULL, rule_full_name, 0, NULL },
	{ "module", C2E_PART_HEADER, NULL, NULL, C2E_DISP_DROPPED,
	  "packaging module; not used by local ECAs" },
	{ "attributes", C2E_PART_OAUTH, NULL, rule_attribute, 0, NULL },
	{ "canvas", C2E_PART_CANVAS, NULL, rule_legacy_canvas, 0, NULL },
	{ "canvasConfig", C2E_PART_CANVAS, NULL, rule_canvas, 0, NULL },
	{ "contactEmail", C2E_PART_HEADER, "contactEmail", NULL, 0, NULL },
	{ "contactPhone", C2E_PART_HEADER, "contactPhone", NULL, 0, NULL },
	{ "description", C2E_PART_HEADER, "description", NULL, 0, NULL },
	{ "iconUrl", C2E_PART_HEADER, "iconUrl", NULL, 0, NULL },
	{ "infoUrl", C2E_PART_HEADER, "infoUrl", NULL, 0, NULL },
	{ "ipRanges", C2E_PART_OAUTH, NULL, rule_ip_range, 0, NULL },
	{ "label", C2E_PART_HEADER, "label", NULL, 0, NULL },
	{ "logoUrl", C2E_PART_HEADER, "logoUrl", NULL, 0, NULL },
	{ "mobileAppConfig", C2E_PART_HEADER, NULL, rule_mobile, 0, NULL },
	{ "mobileStartUrl", C2E_PART_HEADER, NULL, rule_drop_mobile_start, 0,
	  NULL },
	{ "oauthConfig", C2E_PART_GLOBAL, NULL, rule_oauth_config, 0, NULL },
	{ "oauthPolicy", C2E_PART_OAUTH_POLICY, NULL, rule_oauth_policy, 0,
	  NULL },
	{ "permissionSetName", C2E_PART_OAUTH_POLICY, NULL, rule_permission_set,
	  0, NULL },
	{ "plugin", C2E_PART_OAUTH_POLICY, NULL, rule_plugin, 0, NULL },
	{ "pluginExecutionUser", C2E_PART_OAUTH_POLICY, NULL, rule_plugin_user,
	  0, NULL },
	{ "profileName", C2E_PART_OAUTH_POLICY, NULL, rule_profile, 0, NULL },
	{ "samlConfig", C2E_PART_SAML, NULL, rule_saml, 0, NULL },
	{ "sessionPolicy", C2E_PART_OAUTH_POLICY, NULL, rule_session_policy, 0,
	  NULL },
	{ "startUrl", C2E_PART_POLICY, NULL, rule_start_url, 0, NULL },
};

static int walk_one(struct mapctx *x, const struct c2e_md_node *c,
                    const char *path, const struct rule *rules, size_t n_rules)
{
	for (size_t i = 0; i < n_rules; i++) {
		const struct rule *r = &rules[i];

		if (strcmp(r->src, c->name) != 0)
			continue;
		if (!c->decl)
			break; /* same name, but not what the schema says */
		if (r->fn)
			return r->fn(x, c, path);
		if (r->dst)
			return apply_simple(x, r, c, path);
		return rep(x, r->disp, path, c, -1, NULL, NULL, r->note);
	}
	return rep(x, C2E_DISP_DROPPED, path, c->children ? NULL : c, -1, NULL,
	           NULL,
	           "not in the Metadata API v66 schema (a newer API "
	           "version?); review by hand");
}

static int walk(struct mapctx *x, const struct c2e_md_node *parent,
                const char *base, const struct rule *rules, size_t n_rules)
{
	/*
	 * Rules that read facts gathered elsewhere (admin approval decides
	 * the note on profiles) need those facts first: isAdminApproved is
	 * looked up before the walk.
	 */
	for (struct c2e_md_node *c = parent->children; c; c = c->next) {
		char *path = child_path(base, c->name);
		int rc;

		if (!path)
			return c2e_err_oom(x->err);
		rc = walk_one(x, c, path, rules, n_rules);
		free(path);
		if (rc < 0)
			return rc;
	}
	return C2E_OK;
}

/* --- set-up, defaults and cross-field checks ------------------------- */

static int new_part(struct mapctx *x, enum c2e_eca_part p)
{
	struct c2e_buf name = C2E_BUF_INIT;
	char what[64];
	int rc;

	c2e_buf_adds(&name, x->m->eca_name);
	c2e_buf_adds(&name, part_suffixes[p]);
	if (c2e_buf_failed(&name)) {
		rc = c2e_err_oom(x->err);
		goto done;
	}
	if (snprintf(what, sizeof(what), "%s name", part_types[p]) < 0)
		what[0] = '\0';
	rc = c2e_name_check(name.buf,
	                    p == C2E_PART_HEADER ? C2E_ECA_NAME_MAX :
	                                           C2E_COMPONENT_NAME_MAX,
	                    what, x->err);
	if (rc < 0)
		goto done;
	rc = c2e_md_doc_new(part_types[p], name.buf, &x->m->parts[p], x->err);
	if (rc < 0)
		goto done;
	if (p != C2E_PART_HEADER) {
		rc = c2e_md_set(x->m->parts[p]->root,
		                "externalClientApplication", x->m->eca_name,
		                x->err);
		if (rc == 0)
			rc = c2e_md_set(x->m->parts[p]->root, "label", name.buf,
			                x->err);
	}
done:
	c2e_buf_release(&name);
	return rc;
}

static int defaulted(struct mapctx *x, enum c2e_eca_part p, const char *field,
                     const char *value, const char *note)
{
	struct c2e_md_node *root = part_root(x, p);
	int rc;

	if (!root || c2e_md_get(root, field))
		return C2E_OK;
	rc = c2e_md_set(root, field, value, x->err);
	if (rc < 0)
		return rc;
	return rep(x, C2E_DISP_DEFAULTED, NULL, NULL, (int)p, field, value,
	           note);
}

static int add_defaults(struct mapctx *x, bool oauth)
{
	const char *dist = x->opts && x->opts->distribution ?
	                           x->opts->distribution :
	                           "Local";
	int rc;

	rc = defaulted(x, C2E_PART_HEADER, "distributionState", dist,
	               "see --distribution");
	if (rc == 0)
		rc = defaulted(x, C2E_PART_POLICY, "isEnabled", "true",
		               "the app is enabled, as the connected app was");
	if (rc == 0 && oauth)
		rc = defaulted(x, C2E_PART_POLICY, "isOauthPluginEnabled",
		               "true", "OAuth is enabled");
	if (rc == 0 && x->m->parts[C2E_PART_SAML])
		rc = defaulted(x, C2E_PART_POLICY, "isSamlPluginEnabled",
		               "true", "SAML is enabled");
	if (rc == 0 && x->m->parts[C2E_PART_CANVAS])
		rc = defaulted(x, C2E_PART_POLICY, "isCanvasPluginEnabled",
		               "true", "canvas is enabled");
	if (rc == 0)
		rc = defaulted(x, C2E_PART_POLICY, "startPage",
		               oauth ? "OAuth" : "None", NULL);
	if (rc < 0 || !oauth)
		return rc;
	rc = defaulted(x, C2E_PART_GLOBAL, "isPkceRequired", "false",
	               "the connected-app default, written explicitly: the "
	               "ECA default is true");
	if (rc == 0)
		rc = defaulted(
		        x, C2E_PART_OAUTH_POLICY, "permittedUsersPolicyType",
		        "AllSelfAuthorized",
		        "the connected-app default (not admin-approved)");
	if (rc == 0)
		rc = defaulted(x, C2E_PART_OAUTH_POLICY,
		               "ipRelaxationPolicyType", "Enforce",
		               "the connected-app default (ENFORCE)");
	if (rc == 0)
		rc = defaulted(x, C2E_PART_OAUTH_POLICY,
		               "refreshTokenPolicyType", "Infinite",
		               "the connected-app default (infinite)");
	if (rc == 0)
		rc = defaulted(x, C2E_PART_OAUTH_POLICY,
		               "isClientCredentialsFlowEnabled", "false",
		               "the connected-app default");
	return rc;
}

static int cross_checks(struct mapctx *x)
{
	struct c2e_report *r = &x->m->report;
	int rc = C2E_OK;

	if (x->has_interaction && !x->has_certificate)
		rc = c2e_report_warn(r, x->err,
		                     "'%s' has the Interaction scope but no "
		                     "certificate: the Interaction Service "
		                     "authenticates with the JWT bearer flow, "
		                     "which needs one (see ca2eca keygen)",
		                     x->m->ca_name);
	if (rc == 0 && x->has_interaction && !x->admin_approved)
		rc = c2e_report_warn(
		        r, x->err,
		        "'%s' has the Interaction scope but is not "
		        "admin-approved: the JWT bearer flow needs "
		        "pre-authorized users",
		        x->m->ca_name);
	if (rc == 0 && x->has_interaction && !x->named_user_jwt)
		rc = c2e_report_warn(r, x->err,
		                     "'%s' has the Interaction scope but does "
		                     "not issue JWT-based access tokens "
		                     "(isNamedUserJwtEnabled), as the "
		                     "Interaction Service setup guide does",
		                     x->m->ca_name);
	if (rc == 0 && x->high_assurance && x->has_certificate)
		rc = c2e_report_warn(r, x->err,
		                     "'%s' requires a high-assurance session: "
		                     "JWT bearer logins are blocked at that "
		                     "level",
		                     x->m->ca_name);
	if (rc == 0 && x->m->parts[C2E_PART_CANVAS])
		rc = c2e_report_warn(
		        r, x->err,
		        "'%s' uses canvas: ExtlClntAppCanvasSettings "
		        "needs Metadata API 66.0 or later",
		        x->m->ca_name);
	return rc;
}

static int unknown_warning(void *ctx, const char *path,
                           const struct c2e_md_node *node, struct c2e_err *err)
{
	struct mapctx *x = ctx;
	size_t wl = x->warned ? strlen(x->warned) : 0;

	(void)node;
	/* one warning per unknown subtree */
	if (x->warned && !strncmp(path, x->warned, wl) && path[wl] == '/')
		return C2E_OK;
	free(x->warned);
	x->warned = c2e_strdup(path);
	if (!x->warned)
		return c2e_err_oom(err);
	return c2e_report_warn(&x->m->report, err,
	                       "'%s': element '%s' is not in the Metadata API "
	                       "v66 schema and was not carried over; review it "
	                       "by hand",
	                       x->m->ca_name, path);
}

int c2e_map_connected_app(const struct c2e_md_doc *ca,
                          const struct c2e_map_opts *opts,
                          struct c2e_mapping **out, struct c2e_err *err)
{
	struct c2e_mapping *m = NULL;
	struct mapctx x;
	const struct c2e_md_node *oauth;
	const char *tmpl =
	        opts && opts->name_template ? opts->name_template : "{name}";
	int rc;

	*out = NULL;
	if (!ca->type || strcmp(ca->type->name, "ConnectedApp") != 0)
		return c2e_err_set(err, C2E_ERROR,
		                   "mapping needs a ConnectedApp");
	m = calloc(1, sizeof(*m));
	if (!m)
		return c2e_err_oom(err);
	memset(&x, 0, sizeof(x));
	x.ca = ca;
	x.opts = opts;
	x.m = m;
	x.err = err;

	m->ca_name = c2e_strdup(ca->full_name);
	if (!m->ca_name) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_name_prefix(ca->full_name, &m->prefix, err);
	if (rc < 0)
		goto done;
	rc = c2e_name_render(tmpl, ca->full_name, &m->eca_name, err);
	if (rc < 0)
		goto done;
	if (*m->prefix && !(c2e_str_starts(m->eca_name, m->prefix) &&
	                    m->eca_name[strlen(m->prefix)] == '_')) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "ECA name '%s' drops the prefix '%s_' of "
		                 "connected app '%s'; ConversationChannel"
		                 "Definition names ({prefix}_{name}) depend on "
		                 "it: start the --name template with {prefix}_",
		                 m->eca_name, m->prefix, m->ca_name);
		goto done;
	}

	/* which components the app needs */
	oauth = c2e_md_child(ca->root, "oauthConfig");
	rc = new_part(&x, C2E_PART_HEADER);
	if (rc == 0)
		rc = new_part(&x, C2E_PART_POLICY);
	if (rc == 0 && oauth) {
		rc = new_part(&x, C2E_PART_OAUTH);
		if (rc == 0)
			rc = new_part(&x, C2E_PART_GLOBAL);
		if (rc == 0)
			rc = new_part(&x, C2E_PART_OAUTH_POLICY);
	}
	if (rc == 0 && c2e_md_child(ca->root, "canvasConfig"))
		rc = new_part(&x, C2E_PART_CANVAS);
	if (rc == 0 && c2e_md_child(ca->root, "samlConfig"))
		rc = new_part(&x, C2E_PART_SAML);
	if (rc < 0)
		goto done;
	/* facts the walk's notes depend on */
	if (oauth && c2e_md_get_bool(oauth, "isAdminApproved") == 1)
		x.admin_approved = true;

	rc = walk(&x, ca->root, "", top_rules, C2E_ARRAY_SIZE(top_rules));
	if (rc == 0)
		rc = add_defaults(&x, oauth != NULL);
	if (rc == 0)
		rc = cross_checks(&x);
	if (rc == 0)
		rc = c2e_md_unknown(ca, unknown_warning, &x, err);
	if (rc < 0)
		goto done;
	m->blocked = m->report.n_blocking > 0;
	*out = m;
	m = NULL;
done:
	free(x.warned);
	c2e_mapping_free(m);
	return rc;
}

void c2e_mapping_free(struct c2e_mapping *m)
{
	if (!m)
		return;
	for (int p = 0; p < C2E_PART_MAX; p++)
		c2e_md_doc_free(m->parts[p]);
	c2e_report_release(&m->report);
	free(m->ca_name);
	free(m->eca_name);
	free(m->prefix);
	free(m);
}
