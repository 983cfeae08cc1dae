/*
 * mdtype.c - the metadata types ca2eca reads or writes, as files.
 *
 * Values are copied from the source-deploy-retrieve registry
 * (forcedotcom/source-deploy-retrieve src/registry/metadataRegistry.json
 * @ ac2a8fe8d7911d3c3ec4c54bee26a82a1668cc38): type name, directoryName,
 * suffix.  Note the capital C of the ConversationChannelDefinition suffix.
 */
#include "model/mdtype.h"

#include <string.h>

#include "util/compat.h"

const struct c2e_mdtype c2e_mdtypes[] = {
	{ "ConnectedApp", "connectedApps", "connectedApp" },
	{ "ExternalClientApplication", "externalClientApps", "eca" },
	{ "ExtlClntAppOauthSettings", "extlClntAppOauthSettings", "ecaOauth" },
	{ "ExtlClntAppGlobalOauthSettings", "extlClntAppGlobalOauthSets",
	  "ecaGlblOauth" },
	{ "ExtlClntAppOauthConfigurablePolicies", "extlClntAppOauthPolicies",
	  "ecaOauthPlcy" },
	{ "ExtlClntAppConfigurablePolicies", "extlClntAppPolicies", "ecaPlcy" },
	{ "ExtlClntAppMobileSettings", "extlClntAppMobileSettings",
	  "ecaMobile" },
	{ "ExtlClntAppMobileConfigurablePolicies", "extlClntAppMobilePolicies",
	  "ecaMobilePlcy" },
	{ "ExtlClntAppNotificationSettings", "extlClntAppNotifSettings",
	  "ecaNotifications" },
	{ "ExtlClntAppPushSettings", "extlClntAppPushSettings", "ecaPush" },
	{ "ExtlClntAppPushConfigurablePolicies", "extlClntAppPushPolicies",
	  "ecaPushPlcy" },
	{ "ExtlClntAppCanvasSettings", "extlClntAppCanvasSettings",
	  "ecaCanvas" },
	{ "ExtlClntAppSamlConfigurablePolicies",
	  "extlClntAppSamlConfigurablePolicies", "ecaSamlPlcy" },
	/* in the registry since 2026-03, not in the v66 schema */
	{ "ExtlClntAppOauthSecuritySettings",
	  "extlClntAppOauthSecuritySettings", "ecaOauthSecurity" },
	{ "ConversationChannelDefinition", "conversationChannelDefinitions",
	  "ConversationChannelDefinition" },
};

const size_t c2e_n_mdtypes = C2E_ARRAY_SIZE(c2e_mdtypes);

const struct c2e_mdtype *c2e_mdtype_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(c2e_mdtypes); i++)
		if (strcmp(c2e_mdtypes[i].name, name) == 0)
			return &c2e_mdtypes[i];
	return NULL;
}

/*
 * Length of the `X` part when `filename` is `X.<suffix><tail>` with a
 * non-empty X, else 0.
 */
static size_t mdtype_match(const char *filename, size_t len, const char *suffix,
                           const char *tail)
{
	size_t slen = strlen(suffix), tlen = strlen(tail);

	if (len < slen + tlen + 2)
		return 0;
	if (strcmp(filename + len - tlen, tail) != 0)
		return 0;
	if (memcmp(filename + len - tlen - slen, suffix, slen) != 0)
		return 0;
	if (filename[len - tlen - slen - 1] != '.')
		return 0;
	return len - tlen - slen - 1;
}

const struct c2e_mdtype *c2e_mdtype_from_filename(const char *filename,
                                                  size_t *name_len_out,
                                                  bool *source_format_out)
{
	const struct c2e_mdtype *best = NULL;
	size_t len, best_suffix = 0, best_name = 0;
	bool best_source = false;

	if (!filename)
		return NULL;
	len = strlen(filename);
	for (size_t i = 0; i < C2E_ARRAY_SIZE(c2e_mdtypes); i++) {
		const struct c2e_mdtype *t = &c2e_mdtypes[i];
		size_t slen = strlen(t->suffix);
		size_t n_src =
		        mdtype_match(filename, len, t->suffix, "-meta.xml");
		size_t n_md = mdtype_match(filename, len, t->suffix, "");

		if (!n_src && !n_md)
			continue;
		/* the longest suffix wins: ecaOauthPlcy over ecaOauth */
		if (best && slen <= best_suffix)
			continue;
		best = t;
		best_suffix = slen;
		best_source = n_src != 0;
		best_name = n_src ? n_src : n_md;
	}
	if (!best)
		return NULL;
	if (name_len_out)
		*name_len_out = best_name;
	if (source_format_out)
		*source_format_out = best_source;
	return best;
}
