#include "test.h"

#include <stdlib.h>

#include "model/mapping.h"
#include "model/md.h"
#include "model/schema.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/xml.h"

/* ---------------------------------------------------------------------
 * helpers
 */

static struct c2e_md_doc *parse_ca(const char *name, const char *body)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf xml = C2E_BUF_INIT;
	struct c2e_md_doc *doc = NULL;

	c2e_buf_adds(&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                   "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/"
	                   "04/metadata\">\n");
	c2e_buf_adds(&xml, body);
	c2e_buf_adds(&xml, "</ConnectedApp>\n");
	ASSERT_OK(c2e_md_parse(xml.buf, xml.len, "test.connectedApp-meta.xml",
	                       name, "ConnectedApp", &doc, &err),
	          &err);
	c2e_buf_release(&xml);
	return doc;
}

static struct c2e_mapping *map(struct c2e_md_doc *ca, const char *tmpl)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_map_opts opts = { tmpl, NULL };
	struct c2e_mapping *m = NULL;

	ASSERT_OK(c2e_map_connected_app(ca, &opts, &m, &err), &err);
	return m;
}

static const char *field(const struct c2e_mapping *m, enum c2e_eca_part p,
                         const char *name)
{
	ASSERT_NOT_NULL(m->parts[p]);
	return c2e_md_get(m->parts[p]->root, name);
}

static const struct c2e_report_entry *
find_entry(const struct c2e_mapping *m, const char *source, const char *target)
{
	for (size_t i = 0; i < m->report.n; i++) {
		const struct c2e_report_entry *e = &m->report.entries[i];

		if (c2e_str_eq(e->source, source) &&
		    (!target || c2e_str_eq(e->target, target)))
			return e;
	}
	return NULL;
}

static char *render_all(const struct c2e_mapping *m)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf all = C2E_BUF_INIT;

	for (int p = 0; p < C2E_PART_MAX; p++)
		if (m->parts[p])
			ASSERT_OK(c2e_md_write(m->parts[p], &all, &err), &err);
	return c2e_buf_detach(&all, NULL);
}

static const char *interaction_app =
        "    <contactEmail>ops@partner1.example.com</contactEmail>\n"
        "    <label>Partner1 ConnectedApp1</label>\n"
        "    <oauthConfig>\n"
        "        <callbackUrl>https://salesforce.com</callbackUrl>\n"
        "        <certificate>MIIBfakeCERT</certificate>\n"
        "        <consumerKey>3MVG9oldkey</consumerKey>\n"
        "        <consumerSecret>TOPSECRET123456</consumerSecret>\n"
        "        <isAdminApproved>true</isAdminApproved>\n"
        "        <isNamedUserJwtEnabled>true</isNamedUserJwtEnabled>\n"
        "        <scopes>Interaction</scopes>\n"
        "        <scopes>RefreshToken</scopes>\n"
        "    </oauthConfig>\n"
        "    <oauthPolicy>\n"
        "        <ipRelaxation>ENFORCE</ipRelaxation>\n"
        "        <refreshTokenPolicy>infinite</refreshTokenPolicy>\n"
        "    </oauthPolicy>\n"
        "    <profileName>System Administrator</profileName>\n";

/* ---------------------------------------------------------------------
 * value rules
 */

static void test_mapping__ip_relaxation_values(void)
{
	ASSERT_STR_EQ(c2e_map_ip_relaxation("ENFORCE"), "Enforce");
	ASSERT_STR_EQ(c2e_map_ip_relaxation("BYPASS"), "Bypass");
	ASSERT_STR_EQ(c2e_map_ip_relaxation("BYPASS_2FACTOR"),
	              "Bypass_2factor");
	ASSERT_STR_EQ(c2e_map_ip_relaxation("ENFORCE_RELAXREFRESH"),
	              "Enforce_RelaxRefresh");
	/* the ECA spelling seen in a retrieved file reads back too */
	ASSERT_STR_EQ(c2e_map_ip_relaxation("Enforce_relaxrefresh"),
	              "Enforce_RelaxRefresh");
	ASSERT_NULL(c2e_map_ip_relaxation("RELAX"));
	ASSERT_NULL(c2e_map_ip_relaxation(NULL));
}

static void test_mapping__refresh_policy_strings(void)
{
	struct c2e_refresh_policy rp;

	ASSERT_INT_EQ(c2e_map_refresh_policy("zero", &rp), 0);
	ASSERT_STR_EQ(rp.type, "Zero");
	ASSERT_NULL(rp.unit);
	ASSERT_INT_EQ(c2e_map_refresh_policy("infinite", &rp), 0);
	ASSERT_STR_EQ(rp.type, "Infinite");
	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime:90:DAYS", &rp),
	              0);
	ASSERT_STR_EQ(rp.type, "SpecificLifetime");
	ASSERT_INT_EQ(rp.period, 90);
	ASSERT_STR_EQ(rp.unit, "Days");
	ASSERT_INT_EQ(
	        c2e_map_refresh_policy("specific_inactivity:7:HOURS", &rp), 0);
	ASSERT_STR_EQ(rp.type, "SpecificInactivity");
	ASSERT_INT_EQ(rp.period, 7);
	ASSERT_STR_EQ(rp.unit, "Hours");
	ASSERT_INT_EQ(
	        c2e_map_refresh_policy("specific_lifetime:12:MONTHS", &rp), 0);
	ASSERT_STR_EQ(rp.unit, "Months");

	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime:0:DAYS", &rp),
	              -1);
	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime:-1:DAYS", &rp),
	              -1);
	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime:9:WEEKS", &rp),
	              -1);
	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime:DAYS", &rp),
	              -1);
	ASSERT_INT_EQ(c2e_map_refresh_policy("specific_lifetime::DAYS", &rp),
	              -1);
	ASSERT_INT_EQ(c2e_map_refresh_policy("sometimes", &rp), -1);
	ASSERT_NULL(rp.type);
}

static void test_mapping__session_levels(void)
{
	ASSERT_STR_EQ(c2e_map_session_level("HIGH_ASSURANCE"),
	              "HIGH_ASSURANCE");
	ASSERT_STR_EQ(c2e_map_session_level("High Assurance"),
	              "HIGH_ASSURANCE");
	ASSERT_STR_EQ(c2e_map_session_level("STANDARD"), "STANDARD");
	ASSERT_STR_EQ(c2e_map_session_level("low"), "LOW");
	ASSERT_NULL(c2e_map_session_level("MEDIUM"));
}

static void test_mapping__every_scope_of_the_schema_has_an_entry(void)
{
	const struct c2e_schema_type *t =
	        c2e_schema_find("ConnectedAppOauthAccessScope");

	ASSERT_NOT_NULL(t);
	ASSERT(t->is_enum);
	for (size_t i = 0; i < t->n_values; i++) {
		if (!c2e_scope_lookup(t->values[i]))
			test__fail(__FILE__, __LINE__,
			           "scope '%s' has no ECA mapping",
			           t->values[i]);
	}
	ASSERT_INT_EQ(c2e_scope_table_len, t->n_values);
	ASSERT_STR_EQ(c2e_scope_lookup("Interaction")->eca, "Interaction");
	ASSERT_STR_EQ(c2e_scope_lookup("Interaction")->oauth,
	              "interaction_api");
	ASSERT_STR_EQ(c2e_scope_lookup("SFAP")->eca, "SFApiPlatform");
	ASSERT_NULL(c2e_scope_lookup("SfapApi"));
}

static void test_mapping__name_templates(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *s = NULL;

	ASSERT_OK(c2e_name_render("{name}", "Partner1_ConnectedApp1", &s, &err),
	          &err);
	ASSERT_STR_EQ(s, "Partner1_ConnectedApp1");
	free(s);
	ASSERT_OK(c2e_name_render("{prefix}_{rest}_ECA",
	                          "Partner1_ConnectedApp1", &s, &err),
	          &err);
	ASSERT_STR_EQ(s, "Partner1_ConnectedApp1_ECA");
	free(s);
	ASSERT_OK(c2e_name_render("{prefix}_ExternalClientApp1",
	                          "Partner1_ConnectedApp1", &s, &err),
	          &err);
	ASSERT_STR_EQ(s, "Partner1_ExternalClientApp1");
	free(s);
	ASSERT_INT_EQ(c2e_name_render("{nme}", "A_B", &s, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "unknown placeholder '{nme}'");
	ASSERT_INT_EQ(c2e_name_render("{name", "A_B", &s, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "unclosed");
	ASSERT_OK(c2e_name_prefix("Partner1_ConnectedApp1", &s, &err), &err);
	ASSERT_STR_EQ(s, "Partner1");
	free(s);
	ASSERT_OK(c2e_name_prefix("Postman", &s, &err), &err);
	ASSERT_STR_EQ(s, "");
	free(s);
}

static void test_mapping__name_rules_name_the_rule(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_OK(
	        c2e_name_check("Partner1_ConnectedApp1", 40, "ECA name", &err),
	        &err);
	ASSERT_INT_EQ(c2e_name_check("1abc", 40, "ECA name", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "must start with a letter");
	ASSERT_STR_CONTAINS(err.msg, "ECA name '1abc'");
	ASSERT_INT_EQ(c2e_name_check("a-b", 40, "ECA name", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "letters, digits and underscores");
	ASSERT_INT_EQ(c2e_name_check("a__b", 40, "ECA name", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "two consecutive underscores");
	ASSERT_INT_EQ(c2e_name_check("ab_", 40, "ECA name", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "end with an underscore");
	ASSERT_INT_EQ(
	        c2e_name_check("a234567890123456789012345678901234567890x", 40,
	                       "ECA name", &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "41 characters, at most 40");
	ASSERT_INT_EQ(c2e_name_check("", 40, "ECA name", &err), C2E_EDATA);
	ASSERT_INT_EQ(c2e_name_check("a b", 40, "ECA name", &err), C2E_EDATA);
}

/* ---------------------------------------------------------------------
 * whole apps
 */

static void test_mapping__interaction_app(void)
{
	struct c2e_md_doc *ca =
	        parse_ca("Partner1_ConnectedApp1", interaction_app);
	struct c2e_mapping *m = map(ca, NULL);
	const struct c2e_report_entry *e;
	char *all;

	ASSERT_STR_EQ(m->eca_name, "Partner1_ConnectedApp1");
	ASSERT_STR_EQ(m->prefix, "Partner1");
	ASSERT(!m->blocked);
	ASSERT_STR_EQ(m->parts[C2E_PART_OAUTH]->full_name,
	              "Partner1_ConnectedApp1_oauth");
	ASSERT_STR_EQ(m->parts[C2E_PART_GLOBAL]->full_name,
	              "Partner1_ConnectedApp1_glbloauth");
	ASSERT_STR_EQ(m->parts[C2E_PART_OAUTH_POLICY]->full_name,
	              "Partner1_ConnectedApp1_oauthPlcy");
	ASSERT_STR_EQ(m->parts[C2E_PART_POLICY]->full_name,
	              "Partner1_ConnectedApp1_plcy");
	ASSERT_NULL(m->parts[C2E_PART_CANVAS]);
	ASSERT_NULL(m->parts[C2E_PART_SAML]);

	ASSERT_STR_EQ(field(m, C2E_PART_HEADER, "label"),
	              "Partner1 ConnectedApp1");
	ASSERT_STR_EQ(field(m, C2E_PART_HEADER, "distributionState"), "Local");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH, "commaSeparatedOauthScopes"),
	              "Interaction, RefreshToken");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH, "externalClientApplication"),
	              "Partner1_ConnectedApp1");
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "callbackUrl"),
	              "https://salesforce.com");
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "certificate"), "MIIBfakeCERT");
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "isNamedUserJwtEnabled"),
	              "true");
	/* behaviour kept: the ECA default would be true */
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "isPkceRequired"), "false");
	ASSERT_NULL(field(m, C2E_PART_GLOBAL, "consumerKey"));
	ASSERT_NULL(field(m, C2E_PART_GLOBAL, "consumerSecret"));
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "permittedUsersPolicyType"),
	        "AdminApprovedPreAuthorized");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "commaSeparatedProfile"),
	              "System Administrator");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "ipRelaxationPolicyType"),
	              "Enforce");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "refreshTokenPolicyType"),
	              "Infinite");
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "isEnabled"), "true");
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "isOauthPluginEnabled"),
	              "true");

	e = find_entry(m, "oauthConfig/isPkceRequired", NULL);
	ASSERT_NULL(e); /* absent in the source ... */
	e = find_entry(m, NULL,
	               "ExtlClntAppGlobalOauthSettings.isPkceRequired");
	ASSERT_NOT_NULL(e); /* ... so it is reported as defaulted */
	ASSERT_INT_EQ(e->disp, C2E_DISP_DEFAULTED);
	ASSERT_STR_CONTAINS(e->note, "ECA default is true");
	e = find_entry(m, "oauthConfig/consumerSecret", NULL);
	ASSERT_NOT_NULL(e);
	ASSERT_INT_EQ(e->disp, C2E_DISP_DROPPED);
	ASSERT_STR_EQ(e->source_value, "(redacted)");
	e = find_entry(m, "oauthConfig/consumerKey", NULL);
	ASSERT_INT_EQ(e->disp, C2E_DISP_DROPPED);
	e = find_entry(m, "oauthConfig/scopes",
	               "ExtlClntAppOauthSettings.commaSeparatedOauthScopes");
	ASSERT_NOT_NULL(e);
	ASSERT_STR_EQ(e->source_value, "Interaction");
	ASSERT_STR_EQ(e->note, "interaction_api");
	e = find_entry(m, "oauthConfig/certificate", NULL);
	ASSERT_STR_CONTAINS(e->note, "JWT bearer");
	ASSERT_STR_EQ(e->source_value, "(12 characters)");
	e = find_entry(m, "oauthConfig/isAdminApproved", NULL);
	ASSERT_INT_EQ(e->disp, C2E_DISP_CONVERTED);
	ASSERT_STR_EQ(e->target_value, "AdminApprovedPreAuthorized");
	ASSERT_INT_EQ(m->report.warnings.n, 0);

	/* secrets and org-generated values never reach the files */
	all = render_all(m);
	ASSERT(!strstr(all, "TOPSECRET"));
	ASSERT(!strstr(all, "3MVG9oldkey"));
	ASSERT(!strstr(all, "consumerKey"));
	ASSERT(!strstr(all, "oauthLink"));
	for (size_t i = 0; i < m->report.n; i++) {
		const struct c2e_report_entry *x = &m->report.entries[i];

		ASSERT(!x->source_value ||
		       !strstr(x->source_value, "TOPSECRET"));
		ASSERT(!x->target_value ||
		       !strstr(x->target_value, "TOPSECRET"));
	}
	free(all);
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__every_element_is_accounted_for(void)
{
	const char *src =
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <contactPhone>123</contactPhone>\n"
	        "    <description>d</description>\n"
	        "    <iconUrl>https://i</iconUrl>\n"
	        "    <infoUrl>https://in</infoUrl>\n"
	        "    <ipRanges><description>x</description><end>10.0.0.9</end>"
	        "<start>10.0.0.1</start></ipRanges>\n"
	        "    <label>L</label>\n"
	        "    <logoUrl>https://l</logoUrl>\n"
	        "    <mobileStartUrl>https://m</mobileStartUrl>\n"
	        "    <oauthConfig>\n"
	        "        <callbackUrl>https://a\nhttps://b</callbackUrl>\n"
	        "        <idTokenConfig><idTokenIncludeCustomPerms>true"
	        "</idTokenIncludeCustomPerms><idTokenValidity>5"
	        "</idTokenValidity></idTokenConfig>\n"
	        "        <isClientCredentialEnabled>true"
	        "</isClientCredentialEnabled>\n"
	        "        <isCodeCredentialEnabled>false"
	        "</isCodeCredentialEnabled>\n"
	        "        <oauthClientCredentialUser>u@example.com"
	        "</oauthClientCredentialUser>\n"
	        "        <scopes>Api</scopes><scopes>SFAP</scopes>"
	        "<scopes>Api</scopes>\n"
	        "    </oauthConfig>\n"
	        "    <oauthPolicy><ipRelaxation>BYPASS</ipRelaxation>"
	        "<refreshTokenPolicy>specific_lifetime:90:DAYS"
	        "</refreshTokenPolicy></oauthPolicy>\n"
	        "    <permissionSetName>PS_One</permissionSetName>\n"
	        "    <permissionSetName>PS_Two</permissionSetName>\n"
	        "    <sessionPolicy><policyAction>RaiseSessionLevel"
	        "</policyAction><sessionLevel>HIGH_ASSURANCE</sessionLevel>"
	        "<sessionTimeout>15</sessionTimeout></sessionPolicy>\n"
	        "    <startUrl>https://start</startUrl>\n";
	struct c2e_md_doc *ca = parse_ca("Acme_Sync", src);
	struct c2e_mapping *m = map(ca, NULL);
	const char *sources[] = {
		"contactEmail",
		"contactPhone",
		"description",
		"iconUrl",
		"infoUrl",
		"ipRanges",
		"label",
		"logoUrl",
		"mobileStartUrl",
		"oauthConfig/callbackUrl",
		"oauthConfig/idTokenConfig/idTokenIncludeCustomPerms",
		"oauthConfig/idTokenConfig/idTokenValidity",
		"oauthConfig/isClientCredentialEnabled",
		"oauthConfig/isCodeCredentialEnabled",
		"oauthConfig/oauthClientCredentialUser",
		"oauthConfig/scopes",
		"oauthPolicy/ipRelaxation",
		"oauthPolicy/refreshTokenPolicy",
		"permissionSetName",
		"sessionPolicy/policyAction",
		"sessionPolicy/sessionLevel",
		"sessionPolicy/sessionTimeout",
		"startUrl",
	};
	const struct c2e_md_node *id;

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!find_entry(m, sources[i], NULL))
			test__fail(__FILE__, __LINE__,
			           "'%s' is not in the report", sources[i]);
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "callbackUrl"),
	              "https://a\nhttps://b");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH, "commaSeparatedOauthScopes"),
	              "Api, SFApiPlatform");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_GLOBAL, "isClientCredentialsFlowEnabled"),
	        "true");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY,
	                    "isClientCredentialsFlowEnabled"),
	              "true");
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "isCodeCredFlowEnabled"),
	              "false");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "clientCredentialsFlowUser"),
	        "u@example.com");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "ipRelaxationPolicyType"),
	              "Bypass");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "refreshTokenPolicyType"),
	              "SpecificLifetime");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "refreshTokenValidityPeriod"),
	        "90");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "refreshTokenValidityUnit"),
	        "Days");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "commaSeparatedPermissionSet"),
	        "PS_One,PS_Two");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "permittedUsersPolicyType"),
	        "AllSelfAuthorized");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "policyAction"),
	              "RaiseSessionLevel");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "requiredSessionLevel"),
	              "HIGH_ASSURANCE");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "sessionTimeoutInMinutes"),
	        "15");
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "startUrl"), "https://start");
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "startPage"), "Custom");
	id = c2e_md_child(m->parts[C2E_PART_GLOBAL]->root, "idTokenConfig");
	ASSERT_NOT_NULL(id);
	ASSERT_STR_EQ(c2e_md_get(id, "idTokenIncludeCustomPermissions"),
	              "true");
	ASSERT_STR_EQ(c2e_md_get(id, "idTokenValidityInMinutes"), "5");
	id = c2e_md_child(m->parts[C2E_PART_OAUTH]->root, "trustedIpRanges");
	ASSERT_NOT_NULL(id);
	ASSERT_STR_EQ(c2e_md_get(id, "startIpAddress"), "10.0.0.1");
	ASSERT_STR_EQ(c2e_md_get(id, "endIpAddress"), "10.0.0.9");
	ASSERT_STR_EQ(c2e_md_get(id, "description"), "x");
	ASSERT_INT_EQ(find_entry(m, "mobileStartUrl", NULL)->disp,
	              C2E_DISP_DROPPED);
	ASSERT(!m->blocked);
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__no_oauth_policy_writes_connected_app_defaults(void)
{
	struct c2e_md_doc *ca =
	        parse_ca("Postman",
	                 "    <contactEmail>a@example.com</contactEmail>\n"
	                 "    <label>Postman</label>\n"
	                 "    <oauthConfig><callbackUrl>https://cb"
	                 "</callbackUrl><scopes>Api</scopes></oauthConfig>\n");
	struct c2e_mapping *m = map(ca, NULL);

	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "ipRelaxationPolicyType"),
	              "Enforce");
	ASSERT_STR_EQ(field(m, C2E_PART_OAUTH_POLICY, "refreshTokenPolicyType"),
	              "Infinite");
	ASSERT_STR_EQ(
	        field(m, C2E_PART_OAUTH_POLICY, "permittedUsersPolicyType"),
	        "AllSelfAuthorized");
	ASSERT_STR_EQ(field(m, C2E_PART_GLOBAL, "isPkceRequired"), "false");
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__app_without_oauth_has_no_oauth_parts(void)
{
	struct c2e_md_doc *ca = parse_ca(
	        "DevOps_Center",
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>DevOps Center</label>\n"
	        "    <startUrl>https://devops.example.com</startUrl>\n");
	struct c2e_mapping *m = map(ca, NULL);

	ASSERT_NULL(m->parts[C2E_PART_OAUTH]);
	ASSERT_NULL(m->parts[C2E_PART_GLOBAL]);
	ASSERT_NULL(m->parts[C2E_PART_OAUTH_POLICY]);
	ASSERT_NOT_NULL(m->parts[C2E_PART_HEADER]);
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "startPage"), "Custom");
	ASSERT_NULL(field(m, C2E_PART_POLICY, "isOauthPluginEnabled"));
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__apex_plugin_blocks(void)
{
	struct c2e_md_doc *ca = parse_ca(
	        "Legacy_Login",
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>L</label>\n"
	        "    <oauthConfig><callbackUrl>https://cb</callbackUrl>"
	        "</oauthConfig>\n"
	        "    <plugin>MyPlugin</plugin>\n"
	        "    <pluginExecutionUser>u@example.com</pluginExecutionUser>\n");
	struct c2e_mapping *m = map(ca, NULL);
	const struct c2e_report_entry *e = find_entry(m, "plugin", NULL);

	ASSERT(m->blocked);
	ASSERT_INT_EQ(m->report.n_blocking, 1);
	ASSERT_INT_EQ(e->disp, C2E_DISP_BLOCKING);
	ASSERT_STR_CONTAINS(e->note, "Auth.ConnectedAppPlugin");
	ASSERT_INT_EQ(find_entry(m, "pluginExecutionUser", NULL)->disp,
	              C2E_DISP_DROPPED);
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__saml_and_canvas_parts(void)
{
	struct c2e_md_doc *ca = parse_ca(
	        "Quip_Connection",
	        "    <attributes><formula>$User.Email</formula><key>mail</key>"
	        "</attributes>\n"
	        "    <canvasConfig><accessMethod>Post</accessMethod>"
	        "<canvasUrl>https://c</canvasUrl><locations>Visualforce"
	        "</locations><locations>Aura</locations></canvasConfig>\n"
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>Q</label>\n"
	        "    <profileName>System Administrator</profileName>\n"
	        "    <samlConfig><acsUrl>https://acs</acsUrl>"
	        "<encryptionType>AES_128</encryptionType>"
	        "<entityUrl>https://e</entityUrl><issuer>i</issuer>"
	        "<samlSigningAlgoType>SHA1</samlSigningAlgoType>"
	        "<samlSubjectType>Username</samlSubjectType></samlConfig>\n");
	struct c2e_mapping *m = map(ca, NULL);
	const struct c2e_md_node *attr;

	ASSERT(!m->blocked);
	ASSERT_STR_EQ(field(m, C2E_PART_SAML, "acsUrl"), "https://acs");
	ASSERT_STR_EQ(field(m, C2E_PART_SAML, "signingAlgorithmType"), "SHA1");
	ASSERT_STR_EQ(field(m, C2E_PART_SAML, "subjectType"), "Username");
	ASSERT_STR_EQ(field(m, C2E_PART_SAML, "commaSeparatedProfile"),
	              "System Administrator");
	attr = c2e_md_child(m->parts[C2E_PART_SAML]->root, "customAttributes");
	ASSERT_NOT_NULL(attr);
	ASSERT_STR_EQ(c2e_md_get(attr, "key"), "mail");
	ASSERT_STR_EQ(field(m, C2E_PART_CANVAS, "canvasUrl"), "https://c");
	ASSERT_INT_EQ(c2e_md_count(m->parts[C2E_PART_CANVAS]->root,
	                           "canvasLocationOptions"),
	              2);
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "isSamlPluginEnabled"), "true");
	ASSERT_STR_EQ(field(m, C2E_PART_POLICY, "isCanvasPluginEnabled"),
	              "true");
	ASSERT_STR_EQ(m->parts[C2E_PART_SAML]->full_name,
	              "Quip_Connection_samlPlcy");
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__triple_des_and_packaged_saml_block(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *ca = parse_ca(
	        "Old_Saml",
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>Q</label>\n"
	        "    <samlConfig><acsUrl>https://acs</acsUrl>"
	        "<encryptionType>Triple_Des</encryptionType>"
	        "<entityUrl>https://e</entityUrl>"
	        "<samlSubjectType>Username</samlSubjectType></samlConfig>\n");
	struct c2e_map_opts opts = { NULL, "Packaged" };
	struct c2e_mapping *m = NULL;

	ASSERT_OK(c2e_map_connected_app(ca, &opts, &m, &err), &err);
	ASSERT(m->blocked);
	ASSERT_INT_EQ(m->report.n_blocking, 2);
	ASSERT_INT_EQ(find_entry(m, "samlConfig/encryptionType", NULL)->disp,
	              C2E_DISP_BLOCKING);
	ASSERT_STR_EQ(field(m, C2E_PART_HEADER, "distributionState"),
	              "Packaged");
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__unknown_element_dropped_with_warning(void)
{
	struct c2e_md_doc *ca = parse_ca(
	        "Newer_App",
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>N</label>\n"
	        "    <oauthConfig><callbackUrl>https://cb</callbackUrl>"
	        "<isConsumerKeyOptional>false</isConsumerKeyOptional>"
	        "</oauthConfig>\n"
	        "    <futureThing><a>1</a><b>2</b></futureThing>\n");
	struct c2e_mapping *m = map(ca, NULL);
	const struct c2e_report_entry *e =
	        find_entry(m, "oauthConfig/isConsumerKeyOptional", NULL);

	ASSERT_NOT_NULL(e);
	ASSERT_INT_EQ(e->disp, C2E_DISP_DROPPED);
	ASSERT_STR_CONTAINS(e->note, "not in the Metadata API v66 schema");
	ASSERT_INT_EQ(find_entry(m, "futureThing", NULL)->disp,
	              C2E_DISP_DROPPED);
	/* one warning per unknown subtree */
	ASSERT_INT_EQ(m->report.warnings.n, 2);
	ASSERT_STR_CONTAINS(m->report.warnings.v[0], "isConsumerKeyOptional");
	ASSERT_STR_CONTAINS(m->report.warnings.v[1], "futureThing");
	ASSERT(!m->blocked);
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__interaction_warnings(void)
{
	struct c2e_md_doc *ca = parse_ca(
	        "Partner2_App",
	        "    <contactEmail>a@example.com</contactEmail>\n"
	        "    <label>P</label>\n"
	        "    <oauthConfig><callbackUrl>https://cb</callbackUrl>"
	        "<scopes>Interaction</scopes></oauthConfig>\n");
	struct c2e_mapping *m = map(ca, NULL);

	ASSERT_INT_EQ(m->report.warnings.n, 3);
	ASSERT_STR_CONTAINS(m->report.warnings.v[0], "no certificate");
	ASSERT_STR_CONTAINS(m->report.warnings.v[1], "not admin-approved");
	ASSERT_STR_CONTAINS(m->report.warnings.v[2], "JWT-based");
	c2e_mapping_free(m);
	c2e_md_doc_free(ca);
}

static void test_mapping__template_must_keep_prefix(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *ca =
	        parse_ca("Partner1_ConnectedApp1", interaction_app);
	struct c2e_map_opts opts = { "ExternalClientApp1", NULL };
	struct c2e_mapping *m = NULL;

	ASSERT_INT_EQ(c2e_map_connected_app(ca, &opts, &m, &err), C2E_EDATA);
	ASSERT_NULL(m);
	ASSERT_STR_CONTAINS(err.msg, "drops the prefix 'Partner1_'");
	opts.name_template = "{prefix}_ExternalClientApp1";
	ASSERT_OK(c2e_map_connected_app(ca, &opts, &m, &err), &err);
	ASSERT_STR_EQ(m->eca_name, "Partner1_ExternalClientApp1");
	ASSERT_STR_EQ(m->parts[C2E_PART_GLOBAL]->full_name,
	              "Partner1_ExternalClientApp1_glbloauth");
	c2e_mapping_free(m);
	opts.name_template = "{prefix}_{rest}_with_a_name_that_is_far_too_long";
	ASSERT_INT_EQ(c2e_map_connected_app(ca, &opts, &m, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "at most 40");
	c2e_md_doc_free(ca);
}

/*
 * Maps every connected app of a fixture directory and validates each
 * generated component against the v66 schema.  Returns how many mapped.
 */
static size_t map_and_validate_dir(const char *rel_dir)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_strv names = C2E_STRV_INIT;
	char *dir = c2e_path_join(test_source_dir(), rel_dir);
	char *xsd_path = c2e_path_join(test_source_dir(),
	                               "fixtures/xsd/validate-v66.xsd");
	size_t xsd_len, mapped = 0;
	char *xsd = test_slurp(xsd_path, &xsd_len);

	ASSERT_OK(c2e_fs_list(dir, &names, &err), &err);
	for (size_t i = 0; i < names.n; i++) {
		char *path = c2e_path_join(dir, names.v[i]);
		struct c2e_md_doc *ca = NULL;
		struct c2e_mapping *m = NULL;
		int rc = c2e_md_parse_file(path, "ConnectedApp", &ca, &err);
		const char *app, *s;

		free(path);
		if (strstr(names.v[i], "Thespis")) {
			ASSERT_INT_EQ(rc, C2E_EDATA);
			continue;
		}
		ASSERT_OK(rc, &err);
		/* corpus names are owner__repo__App: map by the app name */
		app = ca->full_name;
		while ((s = strstr(app, "__")) != NULL)
			app = s + 2;
		s = c2e_strdup(app);
		free(ca->full_name);
		ca->full_name = (char *)s;
		ASSERT_OK(c2e_map_connected_app(ca, NULL, &m, &err), &err);
		ASSERT(m->report.n > 0);
		for (int p = 0; p < C2E_PART_MAX; p++) {
			struct c2e_buf xml = C2E_BUF_INIT;

			if (!m->parts[p])
				continue;
			ASSERT_OK(c2e_md_write(m->parts[p], &xml, &err), &err);
			if (c2e_xml_validate(xsd, xsd_len, xsd_path, xml.buf,
			                     xml.len, m->parts[p]->full_name,
			                     &err) != 0)
				test__fail(__FILE__, __LINE__, "%s: %s\n%s",
				           names.v[i], err.msg, xml.buf);
			c2e_buf_release(&xml);
		}
		mapped++;
		c2e_mapping_free(m);
		c2e_md_doc_free(ca);
	}
	c2e_strv_release(&names);
	free(xsd);
	free(xsd_path);
	free(dir);
	return mapped;
}

static void test_mapping__corpus_apps_map_to_schema_valid_files(void)
{
	ASSERT(map_and_validate_dir("fixtures/corpus/connectedApps") >= 33);
}

static void test_mapping__example_apps_map_to_schema_valid_files(void)
{
	ASSERT_INT_EQ(map_and_validate_dir("fixtures/example-project/force-app/"
	                                   "main/default/connectedApps"),
	              3);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_mapping__ip_relaxation_values);
	RUN(test_mapping__refresh_policy_strings);
	RUN(test_mapping__session_levels);
	RUN(test_mapping__every_scope_of_the_schema_has_an_entry);
	RUN(test_mapping__name_templates);
	RUN(test_mapping__name_rules_name_the_rule);
	RUN(test_mapping__interaction_app);
	RUN(test_mapping__every_element_is_accounted_for);
	RUN(test_mapping__no_oauth_policy_writes_connected_app_defaults);
	RUN(test_mapping__app_without_oauth_has_no_oauth_parts);
	RUN(test_mapping__apex_plugin_blocks);
	RUN(test_mapping__saml_and_canvas_parts);
	RUN(test_mapping__triple_des_and_packaged_saml_block);
	RUN(test_mapping__unknown_element_dropped_with_warning);
	RUN(test_mapping__interaction_warnings);
	RUN(test_mapping__template_must_keep_prefix);
	RUN(test_mapping__corpus_apps_map_to_schema_valid_files);
	RUN(test_mapping__example_apps_map_to_schema_valid_files);
	c2e_xml_global_cleanup();
	return test_summary();
}
