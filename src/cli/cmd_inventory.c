/*
 * cmd_inventory.c - `ca2eca inventory`: what the org holds that a
 * migration touches, and whether each connected app can be migrated.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "cli/orgopts.h"
#include "model/mapping.h"
#include "stage/inventory.h"
#include "util/compat.h"

const char c2e_inventory_help[] =
        "usage: ca2eca inventory (--auth-file FILE | --instance-url URL |\n"
        "       --login-url URL --client-id KEY --username USER --jwt-key FILE)\n"
        "       [--name TEMPLATE] [--ca-bundle FILE] [--api-version N.N]\n"
        "       [--timeout SECONDS] [--json]\n"
        "\n"
        "Reads what an org holds that a migration touches, and changes\n"
        "nothing:\n"
        "  - its connected apps: OAuth on or off, the scopes (Interaction\n"
        "    is interaction_api), the JWT certificate and its expiry,\n"
        "    admin approval, profiles and permission sets, the channel\n"
        "    definitions that belong to each (by the {prefix}_ naming\n"
        "    convention), the ECA it would become, and whether it can be\n"
        "    migrated -- with the blockers of the mapping report (see\n"
        "    'ca2eca convert' and docs/mapping.md);\n"
        "  - its External Client Apps;\n"
        "  - its ConversationChannelDefinitions.\n"
        "It takes one listMetadata call (three queries) and readMetadata\n"
        "calls of up to ten components each.\n"
        "\n"
        "Options:\n"
        "  --name TEMPLATE\n"
        "      The ECA name template of the mapping dry run (as in\n"
        "      'ca2eca convert').  Default: \"{name}\".\n"
        "  --json\n"
        "      Print one JSON document (connectedApps, externalClientApps,\n"
        "      channelDefinitions, requests).\n"
        "  -h, --help\n"
        "      Show this help.\n"
        "\n" C2E_ORG_OPTIONS_HELP "\n"
        "Exit status:\n"
        "  0   the inventory was taken (apps that cannot be migrated are\n"
        "      reported, not an error)\n"
        "  64  the command line is wrong, e.g. no way to log in, or two\n"
        "  65  bad input: an unreadable auth file or key\n"
        "  70  internal or system error\n"
        "  75  the org's daily API requests are used up: try again later\n"
        "  76  the org or the network failed: login refused, session\n"
        "      expired, an unreachable host\n"
        "\n"
        "Examples:\n"
        "  sf org display --target-org prod --json --verbose > prod.json\n"
        "  ca2eca inventory --auth-file prod.json\n"
        "  SF_ACCESS_TOKEN=... ca2eca inventory --instance-url \\\n"
        "      https://acme.my.salesforce.com --json\n";

static void day_of(time_t t, char out[16])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		out[0] = '\0';
}

static void print_list(struct c2e_out *o, const struct c2e_strv *sv,
                       const char *none)
{
	if (!sv->n) {
		c2e_out_printf(o, "%s", none);
		return;
	}
	for (size_t i = 0; i < sv->n; i++)
		c2e_out_printf(o, "%s%s", i ? ", " : "", sv->v[i]);
}

static void print_app(struct c2e_out *o, const struct c2e_inv_app *a)
{
	const char *label = c2e_md_get(a->doc->root, "label");
	char day[16];

	c2e_out_printf(o, "\n  %s", a->doc->full_name);
	if (label)
		c2e_out_printf(o, " \"%s\"", label);
	c2e_out_printf(o, ": %s\n",
	               a->migratable ? "can be migrated" :
	                               "CANNOT be migrated");
	c2e_out_printf(o, "    oauth        %s",
	               a->oauth ? "on; scopes " : "off");
	if (a->oauth) {
		for (size_t i = 0; i < a->scopes.n; i++) {
			const struct c2e_scope_map *s =
			        c2e_scope_lookup(a->scopes.v[i]);

			c2e_out_printf(o, "%s%s", i ? ", " : "",
			               a->scopes.v[i]);
			if (s && s->oauth && !strcmp(s->ca, "Interaction"))
				c2e_out_printf(o, " (%s)", s->oauth);
		}
		if (!a->scopes.n)
			c2e_out_printf(o, "none");
	}
	c2e_out_printf(o, "\n    jwt bearer   ");
	switch (a->cert_state) {
	case C2E_CERT_NONE:
		c2e_out_printf(o, "no certificate\n");
		break;
	case C2E_CERT_UNREADABLE:
		c2e_out_printf(o, "certificate unreadable: %s\n",
		               a->cert_problem);
		break;
	default:
		day_of(a->cert.not_after, day);
		c2e_out_printf(
		        o, "certificate %s, %d-bit, %s %s\n", a->cert.subject,
		        a->cert.key_bits,
		        a->cert_state == C2E_CERT_EXPIRED  ? "EXPIRED on" :
		        a->cert_state == C2E_CERT_EXPIRING ? "expires SOON on" :
		                                             "expires",
		        day);
	}
	c2e_out_printf(o, "    users        %s; profiles: ",
	               a->admin_approved ? "admin-approved (pre-authorized)" :
	                                   "self-authorized");
	print_list(o, &a->profiles, "-");
	c2e_out_printf(o, "; permission sets: ");
	print_list(o, &a->permission_sets, "-");
	c2e_out_printf(o, "\n    channels     ");
	print_list(o, &a->ccds, "-");
	c2e_out_printf(o, "\n");
	for (size_t i = 0; i < a->ambiguous_ccds.n; i++)
		c2e_out_printf(
		        o,
		        "    AMBIGUOUS    %s: other connected apps share "
		        "its prefix; repoint it in Setup\n",
		        a->ambiguous_ccds.v[i]);
	if (a->mapping)
		c2e_out_printf(o, "    becomes      ECA %s\n",
		               a->mapping->eca_name);
	for (size_t i = 0; i < a->blockers.n; i++)
		c2e_out_printf(o, "    BLOCKED      %s\n", a->blockers.v[i]);
}

static void print_text(struct c2e_out *o, const struct c2e_inventory *inv)
{
	size_t ok = 0;

	for (size_t i = 0; i < inv->n_apps; i++)
		ok += inv->apps[i].migratable;
	c2e_out_printf(o, "Org %s at %s%s%s\n",
	               inv->org_id ? inv->org_id : "(id unknown)",
	               inv->instance_url, inv->username ? " as " : "",
	               inv->username ? inv->username : "");
	c2e_out_printf(o, "\nConnected apps: %zu (%zu can be migrated)\n",
	               inv->n_apps, ok);
	for (size_t i = 0; i < inv->n_apps; i++)
		print_app(o, &inv->apps[i]);
	c2e_out_printf(o, "\nExternal client apps: %zu\n", inv->n_ecas);
	for (size_t i = 0; i < inv->n_ecas; i++)
		c2e_out_printf(o, "  %s%s%s%s (%s)\n", inv->ecas[i].name,
		               inv->ecas[i].label ? " \"" : "",
		               inv->ecas[i].label ? inv->ecas[i].label : "",
		               inv->ecas[i].label ? "\"" : "",
		               inv->ecas[i].distribution ?
		                       inv->ecas[i].distribution :
		                       "distribution unknown");
	c2e_out_printf(o, "\nConversation channel definitions: %zu\n",
	               inv->n_ccds);
	for (size_t i = 0; i < inv->n_ccds; i++) {
		const struct c2e_inv_ccd *c = &inv->ccds[i];

		c2e_out_printf(o, "  %s (%s app)%s%s\n", c->name,
		               c->app_type ? c->app_type : "Partner",
		               c->owner     ? ": belongs to " :
		               c->ambiguous ? ": AMBIGUOUS, several connected "
		                              "apps share its prefix" :
		                              "",
		               c->owner ? c->owner : "");
	}
	c2e_out_printf(o, "\n%lu API requests\n", inv->requests);
}

static void json_app(struct c2e_jsonw *w, const struct c2e_inv_app *a)
{
	char day[16];

	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "name", a->doc->full_name);
	c2e_jsonw_kv_string(w, "label", c2e_md_get(a->doc->root, "label"));
	c2e_jsonw_kv_bool(w, "oauth", a->oauth);
	c2e_jsonw_kv_strv(w, "scopes", &a->scopes);
	c2e_jsonw_kv_bool(w, "interaction", a->interaction);
	c2e_jsonw_key(w, "certificate");
	if (a->cert_state == C2E_CERT_NONE) {
		c2e_jsonw_null(w);
	} else {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "state",
		                    c2e_cert_state_name(a->cert_state));
		if (a->cert_state == C2E_CERT_UNREADABLE) {
			c2e_jsonw_kv_string(w, "problem", a->cert_problem);
		} else {
			day_of(a->cert.not_after, day);
			c2e_jsonw_kv_string(w, "subject", a->cert.subject);
			c2e_jsonw_kv_string(w, "expires", day);
			c2e_jsonw_kv_long(w, "keyBits", a->cert.key_bits);
			c2e_jsonw_kv_string(w, "sha256", a->cert.sha256);
		}
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_kv_bool(w, "adminApproved", a->admin_approved);
	c2e_jsonw_kv_strv(w, "profiles", &a->profiles);
	c2e_jsonw_kv_strv(w, "permissionSets", &a->permission_sets);
	c2e_jsonw_kv_strv(w, "channelDefinitions", &a->ccds);
	c2e_jsonw_kv_strv(w, "ambiguousChannelDefinitions", &a->ambiguous_ccds);
	c2e_jsonw_kv_string(w, "eca", a->mapping ? a->mapping->eca_name : NULL);
	c2e_jsonw_kv_bool(w, "migratable", a->migratable);
	c2e_jsonw_kv_strv(w, "blockers", &a->blockers);
	c2e_jsonw_object_end(w);
}

static void print_json(struct c2e_jsonw *w, const struct c2e_inventory *inv)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "instanceUrl", inv->instance_url);
	c2e_jsonw_kv_string(w, "orgId", inv->org_id);
	c2e_jsonw_kv_string(w, "username", inv->username);
	c2e_jsonw_key(w, "connectedApps");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < inv->n_apps; i++)
		json_app(w, &inv->apps[i]);
	c2e_jsonw_array_end(w);
	c2e_jsonw_key(w, "externalClientApps");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < inv->n_ecas; i++) {
		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "name", inv->ecas[i].name);
		c2e_jsonw_kv_string(w, "label", inv->ecas[i].label);
		c2e_jsonw_kv_string(w, "distributionState",
		                    inv->ecas[i].distribution);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_key(w, "channelDefinitions");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < inv->n_ccds; i++) {
		const struct c2e_inv_ccd *c = &inv->ccds[i];

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "name", c->name);
		c2e_jsonw_kv_string(w, "label", c->label);
		c2e_jsonw_kv_string(w, "connectedAppType", c->app_type);
		c2e_jsonw_kv_string(w, "oauthLink", c->oauth_link);
		c2e_jsonw_kv_string(w, "belongsTo", c->owner);
		c2e_jsonw_kv_bool(w, "ambiguous", c->ambiguous);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_kv_long(w, "requests", (long long)inv->requests);
	c2e_jsonw_object_end(w);
}

static void warn_all(struct c2e_out *o, const struct c2e_inventory *inv)
{
	char day[16];

	for (size_t i = 0; i < inv->n_apps; i++) {
		const struct c2e_inv_app *a = &inv->apps[i];

		if (a->cert_state == C2E_CERT_EXPIRING) {
			day_of(a->cert.not_after, day);
			c2e_out_warn(
			        o,
			        "the JWT certificate of '%s' expires on %s "
			        "(within %d days)",
			        a->doc->full_name, day, C2E_CERT_WARN_DAYS);
		}
	}
}

int cmd_inventory(struct c2e_out *out, int argc, char **argv,
                  struct c2e_err *err)
{
	static const struct option longopts[] = { C2E_ORG_LONGOPTS,
		                                  { "name", required_argument,
		                                    NULL, 'n' },
		                                  { NULL, 0, NULL, 0 } };
	struct c2e_org_opts oo;
	struct c2e_map_opts mo = { NULL, NULL };
	struct c2e_org *org = NULL;
	struct c2e_inventory *inv = NULL;
	int c, rc = C2E_OK;

	memset(&oo, 0, sizeof(oo));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		bool handled = false;

		if (c == 'n') {
			mo.name_template = optarg;
			continue;
		}
		if (c == ':') {
			rc = c2e_cmd_usage(err, "inventory",
			                   "option '%s' needs a value",
			                   argv[optind - 1]);
			goto done;
		}
		rc = c2e_orgopts_handle(&oo, c, optarg, &handled, "inventory",
		                        err);
		if (rc < 0)
			goto done;
		if (!handled) {
			rc = c2e_cmd_usage(err, "inventory",
			                   "unknown option '%s'",
			                   argv[optind - 1]);
			goto done;
		}
	}
	if (optind < argc) {
		rc = c2e_cmd_usage(err, "inventory", "unexpected argument '%s'",
		                   argv[optind]);
		goto done;
	}
	rc = c2e_orgopts_finish(&oo, "inventory", err);
	if (rc < 0)
		goto done;
	rc = c2e_org_open(&oo, &org, err);
	if (rc < 0)
		goto done;
	rc = c2e_inventory_take(org, &mo, time(NULL), &inv, err);
	if (rc < 0)
		goto done;
	warn_all(out, inv);
	if (out->json)
		print_json(c2e_out_result(out), inv);
	else
		print_text(out, inv);
done:
	c2e_inventory_free(inv);
	c2e_org_free(org);
	return rc;
}
