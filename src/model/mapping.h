/*
 * mapping.h - a ConnectedApp mapped onto the External Client App family.
 *
 * This file and mapping.c are the single source of the mapping;
 * docs/mapping.md explains it.  The mapping is pure: it reads one parsed
 * ConnectedApp and builds the ECA components in memory plus a report
 * that accounts for every element of the source app.
 */
#ifndef C2E_MODEL_MAPPING_H
#define C2E_MODEL_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "model/md.h"
#include "model/report.h"
#include "util/err.h"

enum c2e_eca_part {
	C2E_PART_HEADER, /* ExternalClientApplication */
	C2E_PART_OAUTH, /* ExtlClntAppOauthSettings */
	C2E_PART_GLOBAL, /* ExtlClntAppGlobalOauthSettings */
	C2E_PART_OAUTH_POLICY, /* ExtlClntAppOauthConfigurablePolicies */
	C2E_PART_POLICY, /* ExtlClntAppConfigurablePolicies */
	C2E_PART_CANVAS, /* ExtlClntAppCanvasSettings */
	C2E_PART_SAML, /* ExtlClntAppSamlConfigurablePolicies */
	C2E_PART_MAX
};

/* Metadata type and name suffix of each part ("_oauth", ...). */
const char *c2e_part_type(enum c2e_eca_part p);
const char *c2e_part_suffix(enum c2e_eca_part p);

/* Most trusted IP ranges / custom attributes an ECA accepts (MDDOC). */
#define C2E_ECA_MAX_IP_RANGES  128
#define C2E_ECA_MAX_ATTRIBUTES 128
/* API-name length limits (see docs/mapping.md, "Names"). */
#define C2E_ECA_NAME_MAX       40
#define C2E_COMPONENT_NAME_MAX 80

struct c2e_map_opts {
	const char *name_template; /* NULL: "{name}" */
	const char *distribution; /* NULL: "Local"; or "Packaged" */
};

struct c2e_mapping {
	char *ca_name; /* the connected app's API name */
	char *eca_name; /* the ExternalClientApplication API name */
	char *prefix; /* "Partner1" for Partner1_ConnectedApp1; "" if none */
	struct c2e_md_doc *parts[C2E_PART_MAX]; /* NULL when not needed */
	struct c2e_report report;
	bool blocked; /* report.n_blocking > 0 */
};

/*
 * Maps one ConnectedApp.  Errors (C2E_EDATA / C2E_EUSAGE) are names that
 * break the API-name rules or a bad template; everything about the app
 * itself, blockers included, goes into the report.  `*out` is owned by
 * the caller (c2e_mapping_free).
 */
C2E_MUST_CHECK int c2e_map_connected_app(const struct c2e_md_doc *ca,
                                         const struct c2e_map_opts *opts,
                                         struct c2e_mapping **out,
                                         struct c2e_err *err);
void c2e_mapping_free(struct c2e_mapping *m);

/* --- the individual rules, exposed for unit tests --- */

/* "ENFORCE" -> "Enforce", ... (case-insensitive); NULL if unknown. */
const char *c2e_map_ip_relaxation(const char *ca_value);

struct c2e_refresh_policy {
	const char *type; /* "Zero", "Infinite", "SpecificLifetime", ... */
	long period; /* 0 unless Specific* */
	const char *unit; /* "Hours", "Days", "Months"; NULL unless Specific* */
};
/* "specific_lifetime:90:DAYS" -> SpecificLifetime/90/Days.  -1 if bad. */
int c2e_map_refresh_policy(const char *ca_value,
                           struct c2e_refresh_policy *out);

/* "HIGH_ASSURANCE", "High Assurance", ... -> SessionSecurityLevel. */
const char *c2e_map_session_level(const char *ca_value);

struct c2e_scope_map {
	const char *ca; /* ConnectedAppOauthAccessScope value */
	const char *eca; /* token in commaSeparatedOauthScopes */
	const char *oauth; /* OAuth scope name, for people; may be NULL */
};
/* NULL when `ca_scope` has no entry. */
const struct c2e_scope_map *c2e_scope_lookup(const char *ca_scope);
extern const struct c2e_scope_map c2e_scope_table[];
extern const size_t c2e_scope_table_len;

/*
 * Renders a --name template: {name} is the whole connected app API name,
 * {prefix} the part before its first underscore, {rest} the part after.
 */
C2E_MUST_CHECK int c2e_name_render(const char *template_, const char *ca_name,
                                   char **out, struct c2e_err *err);
/*
 * Checks an API name: at most `max` characters, starts with a letter,
 * letters, digits and underscores only, no two consecutive underscores,
 * no trailing underscore.  The error names `what`, the name and the rule.
 */
C2E_MUST_CHECK int c2e_name_check(const char *name, size_t max,
                                  const char *what, struct c2e_err *err);
/* The {prefix} of an API name ("" when it has no underscore). */
C2E_MUST_CHECK int c2e_name_prefix(const char *name, char **out,
                                   struct c2e_err *err);

#endif
