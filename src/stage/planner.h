/*
 * planner.h - making a plan from a live org, and the inventory snapshot
 * that apply compares against to refuse a drifted org.
 */
#ifndef C2E_STAGE_PLANNER_H
#define C2E_STAGE_PLANNER_H

#include <stdbool.h>
#include <time.h>

#include "model/plan.h"
#include "remote/org.h"
#include "stage/inventory.h"
#include "util/err.h"
#include "util/json.h"
#include "util/str.h"

struct c2e_plan_opts {
	const struct c2e_strv *apps; /* --app; NULL/empty: every migratable */
	const char *name_template; /* --name */
	const char *distribution; /* --distribution */
	const char *jwt_cert; /* --jwt-cert FILE (PEM) or NULL */
	time_t now;
};

/*
 * Takes a fresh inventory and makes the plan: selected apps mapped,
 * profiles and permission sets resolved against the org (an unknown name
 * is C2E_EDATA naming it), certificates checked (expired: C2E_EDATA;
 * within 30 days: a warning), target ECA names free, every step in order.
 */
C2E_MUST_CHECK int c2e_plan_make(struct c2e_org *org,
                                 const struct c2e_plan_opts *opts,
                                 struct c2e_plan **out, struct c2e_err *err);

/*
 * The snapshot of what a plan depends on, taken now: the selected
 * connected apps' records, whether the target ECA names exist, the
 * channel definitions' records, and the ids of the profiles and
 * permission sets.  *out is a JSON object (caller frees).  With `org`
 * NULL the ids come from the plan itself (the planner, right after it
 * resolved them); otherwise they are resolved again in the org.
 */
C2E_MUST_CHECK int c2e_snapshot_take(struct c2e_org *org,
                                     const struct c2e_plan *plan,
                                     const struct c2e_inventory *inv,
                                     struct c2e_json **out,
                                     struct c2e_err *err);

/*
 * Compares the plan's snapshot with a fresh one.  Returns C2E_OK when
 * equal, else C2E_ECONFLICT with a message naming the first differences
 * ("the org changed since the plan was made: ...; make a new plan").
 */
C2E_MUST_CHECK int c2e_snapshot_compare(const struct c2e_json *planned,
                                        const struct c2e_json *now,
                                        struct c2e_err *err);

/* Deep equality of two JSON values (object member order ignored). */
bool c2e_json_equal(const struct c2e_json *a, const struct c2e_json *b);

#endif
