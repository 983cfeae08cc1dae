/*
 * plan.h - a migration plan: what apply will do to one org, exactly.
 *
 * A plan is reviewable JSON (plans/README.md): the org it is for, the
 * inventory snapshot it was made from (and that snapshot's hash), the
 * apps with the exact components to create or update, their mapping
 * reports and warnings, every step in order, and a hash over all of it
 * (planHash) so that a plan edited after review is refused.
 *
 * Step kinds, in the order apply runs them:
 *   create            createMetadata of one component
 *   update_generated  the OAuth policies record the org generated for the
 *                     ECA: discovered (listMetadata + readMetadata, matched
 *                     on externalClientApplication), then read, merged and
 *                     updated; created when the org generated none
 *   create_or_update  the app policies: updated when the org generated a
 *                     record for the ECA, else created
 *   read_back         the new consumer key and OAuth link
 *   verify            a JWT bearer exchange with the new ECA
 *   repoint           a ConversationChannelDefinition to the new ECA
 */
#ifndef C2E_MODEL_PLAN_H
#define C2E_MODEL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/md.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/str.h"

#define C2E_PLAN_FORMAT 1

struct c2e_plan_component {
	char *action; /* a step kind: create, update_generated, ... */
	struct c2e_md_doc *doc; /* type, full name and the fields to write */
};

struct c2e_plan_app {
	char *connected_app;
	char *eca;
	char *prefix;
	bool interaction; /* the Interaction scope: verify wants it */
	bool jwt; /* has a certificate: verification possible */
	char *cert_subject; /* NULL without a certificate */
	char *cert_expires; /* YYYY-MM-DD */
	char *cert_sha256;
	char *cert_source; /* "connected app" or the --jwt-cert path */
	struct c2e_strv profiles; /* names ... */
	struct c2e_strv profile_ids; /* ... and their org ids */
	struct c2e_strv permission_sets;
	struct c2e_strv permission_set_ids;
	struct c2e_strv ccds;
	struct c2e_plan_component *components;
	size_t n_components;
	struct c2e_json *report; /* the mapping report (array), for people */
	struct c2e_strv warnings;
};

struct c2e_plan_step {
	int seq;
	char *kind;
	char *app; /* the connected app */
	char *type; /* metadata type, or NULL */
	char *name; /* component / CCD name, or NULL */
};

struct c2e_plan {
	int format;
	char *created_at;
	char *tool_version;
	char *org_id;
	char *instance_url;
	char *username;
	char *name_template;
	char *distribution;
	char *inventory_hash;
	struct c2e_json *inventory; /* the snapshot (object) */
	struct c2e_plan_app *apps;
	size_t n_apps;
	struct c2e_plan_step *steps;
	size_t n_steps;
	struct c2e_strv warnings;
	char *plan_hash; /* set by write and parse */
};

/*
 * Writes the plan as pretty JSON and sets plan->plan_hash: the SHA-256 of
 * the compact serialisation of the document without its planHash member.
 */
C2E_MUST_CHECK int c2e_plan_write(struct c2e_plan *plan, struct c2e_buf *out,
                                  struct c2e_err *err);

/*
 * Parses a plan and checks its hash.  An edited plan is C2E_EDATA ("plan
 * 'PATH' was changed after it was made: make a new plan with ca2eca
 * plan"); so is anything malformed, naming the member.
 */
C2E_MUST_CHECK int c2e_plan_parse(const char *data, size_t len,
                                  const char *path, struct c2e_plan **out,
                                  struct c2e_err *err);
C2E_MUST_CHECK int c2e_plan_read_file(const char *path, struct c2e_plan **out,
                                      struct c2e_err *err);
void c2e_plan_free(struct c2e_plan *plan);

/* The app of the plan named `connected_app`, or NULL. */
const struct c2e_plan_app *c2e_plan_app(const struct c2e_plan *plan,
                                        const char *connected_app);
/* The component of `app` with this type, or NULL. */
const struct c2e_plan_component *
c2e_plan_component(const struct c2e_plan_app *app, const char *type);

/* SHA-256 ("sha256:<hex>") of a JSON value's compact serialisation. */
C2E_MUST_CHECK int c2e_json_hash(const struct c2e_json *v, char **out,
                                 struct c2e_err *err);

#endif
