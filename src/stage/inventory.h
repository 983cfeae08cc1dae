/*
 * inventory.h - what an org holds that a migration touches: its connected
 * apps (with their OAuth settings, certificate, policies and whether they
 * can be migrated), its External Client Apps and its
 * ConversationChannelDefinitions.
 *
 * Few calls: one listMetadata with three queries, then readMetadata in
 * batches of ten per type.
 */
#ifndef C2E_STAGE_INVENTORY_H
#define C2E_STAGE_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/mapping.h"
#include "model/md.h"
#include "remote/org.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/str.h"

/* A certificate expiring within this many days is a warning. */
#define C2E_CERT_WARN_DAYS 30

enum c2e_cert_state {
	C2E_CERT_NONE, /* the app has no certificate: no JWT bearer */
	C2E_CERT_VALID,
	C2E_CERT_EXPIRING, /* within C2E_CERT_WARN_DAYS */
	C2E_CERT_EXPIRED,
	C2E_CERT_UNREADABLE
};

struct c2e_inv_app {
	struct c2e_md_doc *doc; /* the ConnectedApp record */
	bool oauth; /* has an oauthConfig */
	enum c2e_cert_state cert_state;
	struct c2e_cert_info cert; /* when VALID / EXPIRING / EXPIRED */
	char *cert_problem; /* when UNREADABLE */
	struct c2e_strv scopes; /* WSDL tokens, in order */
	bool interaction; /* the Interaction (interaction_api) scope */
	bool admin_approved;
	struct c2e_strv profiles;
	struct c2e_strv permission_sets;
	struct c2e_strv ccds; /* CCDs that belong to it (by prefix) */
	/* CCDs with its prefix that other connected apps share too */
	struct c2e_strv ambiguous_ccds;
	struct c2e_mapping *mapping; /* the offline mapping; NULL if it failed */
	char *map_problem; /* why the mapping failed (a name rule) */
	struct c2e_strv blockers; /* why it cannot be migrated as is */
	bool migratable;
};

struct c2e_inv_eca {
	char *name;
	char *label;
	char *distribution;
};

struct c2e_inv_ccd {
	char *name; /* developer name (full name) */
	char *label;
	char *app_type; /* "Partner", "Customer" or NULL */
	char *oauth_link; /* the link of its type, NULL if none */
	char *owner; /* the app it belongs to, NULL if none */
	bool ambiguous; /* several connected apps share its prefix */
};

struct c2e_inventory {
	char *instance_url;
	char *org_id;
	char *username;
	time_t taken_at;
	struct c2e_inv_app *apps; /* sorted by name */
	size_t n_apps;
	struct c2e_inv_eca *ecas; /* sorted by name */
	size_t n_ecas;
	struct c2e_inv_ccd *ccds; /* sorted by name */
	size_t n_ccds;
	unsigned long requests; /* HTTP requests the inventory took */
};

/*
 * Takes the inventory of the org behind `org`.  `mo` (may be NULL) gives
 * the ECA name template used for the mapping dry run.  `now` decides
 * certificate expiry.
 */
C2E_MUST_CHECK int c2e_inventory_take(struct c2e_org *org,
                                      const struct c2e_map_opts *mo, time_t now,
                                      struct c2e_inventory **out,
                                      struct c2e_err *err);
void c2e_inventory_free(struct c2e_inventory *inv);

const char *c2e_cert_state_name(enum c2e_cert_state s);

#endif
