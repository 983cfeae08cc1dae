/*
 * migrate.h - apply, resume, rollback, verify and retire: the stages that
 * change an org, each step journaled before and after its remote call.
 *
 * Apply never changes a connected app.  Steps run in plan order;
 * components of one type for several apps go in one call (at most ten).
 * A step found in_flight by resume is reconciled by reading the org (was
 * the component created?) before it is redone or marked done: no
 * duplicate component, no skipped step.  Rollback undoes done steps in
 * reverse (deletes the created ECA components, restores each changed
 * record and channel definition from its before-image) and never crosses
 * a retire.
 */
#ifndef C2E_STAGE_MIGRATE_H
#define C2E_STAGE_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "journal/journal.h"
#include "journal/lock.h"
#include "model/plan.h"
#include "remote/org.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/str.h"

/* Longest time verify keeps retrying a new ECA (propagation delay). */
#define C2E_VERIFY_WINDOW_DEFAULT 300

struct c2e_progress {
	/* a line about a step or the run, for people; may be NULL */
	void (*say)(void *ctx, const char *line);
	void *ctx;
};

struct c2e_migrate_opts {
	const struct c2e_pkey *jwt_key; /* for verify; NULL: verify fails */
	const char *verify_user; /* the pre-authorized user */
	const char *verify_login_url; /* NULL: the instance URL */
	const char *audience; /* NULL: derived from the login URL */
	bool ccd_manual; /* --ccd manual */
	long verify_window; /* seconds; 0: default */
	struct c2e_progress progress;
	/*
	 * apply only: the caller holds the org's lock (c2e_lock_acquire on
	 * this journal) and made the plan under it, moments ago, in this
	 * process.  Apply then neither takes the lock nor repeats the
	 * inventory as a drift check: the plan's snapshot is the org as it
	 * is.  NULL: apply locks and checks for drift itself.
	 */
	const struct c2e_lock *held_lock;
};

struct c2e_app_outcome {
	char *app;
	char *eca;
	char *consumer_key; /* an identifier, not a secret; NULL if unknown */
	char *oauth_link;
	char *verified; /* "passed", "failed", "not run" */
	struct c2e_strv ccds_done;
	struct c2e_strv manual_steps; /* Setup instructions (--ccd manual) */
};

struct c2e_migrate_result {
	int64_t run_id;
	enum c2e_run_state state;
	size_t steps_total;
	size_t steps_done;
	struct c2e_app_outcome *apps;
	size_t n_apps;
};

/*
 * Checks that the plan is for this org and that the org has not drifted
 * since (a fresh snapshot), then starts a run and executes it.  Nothing
 * changes in the org when a check fails.  A run that stops part way
 * returns C2E_ESTOPPED (the outcome of a call is unknown, or the daily
 * limit was reached) or the step's error, with the run resumable.
 */
C2E_MUST_CHECK int c2e_apply(struct c2e_org *org, struct c2e_journal *j,
                             const struct c2e_plan *plan, const char *plan_path,
                             const char *plan_text,
                             const struct c2e_migrate_opts *opts,
                             struct c2e_migrate_result *res,
                             struct c2e_err *err);

/* Continues run `run_id` (its plan comes from the journal). */
C2E_MUST_CHECK int c2e_resume(struct c2e_org *org, struct c2e_journal *j,
                              int64_t run_id,
                              const struct c2e_migrate_opts *opts,
                              struct c2e_migrate_result *res,
                              struct c2e_err *err);

struct c2e_rollback_opts {
	const char *app; /* only this connected app's steps, or NULL */
	int to_seq; /* undo steps after this one; 0: all */
	bool dry_run; /* only say what would be undone */
	struct c2e_progress progress;
};

/* One line per step rollback would undo, in the order it would. */
C2E_MUST_CHECK int c2e_rollback_preview(struct c2e_journal *j, int64_t run_id,
                                        const struct c2e_rollback_opts *opts,
                                        struct c2e_strv *lines_out,
                                        struct c2e_err *err);
C2E_MUST_CHECK int c2e_rollback(struct c2e_org *org, struct c2e_journal *j,
                                int64_t run_id,
                                const struct c2e_rollback_opts *opts,
                                size_t *undone_out, struct c2e_err *err);

/*
 * Re-runs the JWT verification and the channel-definition check of the
 * run's apps (or one app) and reports, changing nothing.
 */
C2E_MUST_CHECK int c2e_verify(struct c2e_org *org, struct c2e_journal *j,
                              int64_t run_id, const char *app,
                              const struct c2e_migrate_opts *opts,
                              struct c2e_migrate_result *res,
                              struct c2e_err *err);

/*
 * Deletes the old connected app of `app` -- only after its verify passed
 * and its channel definitions were repointed.  Irreversible: connected
 * apps cannot be created again since Spring '26.
 */
C2E_MUST_CHECK int c2e_retire(struct c2e_org *org, struct c2e_journal *j,
                              int64_t run_id, const char *app,
                              struct c2e_err *err);

/* Checks that retiring `app` is allowed (verify passed, CCDs repointed). */
C2E_MUST_CHECK int c2e_retire_check(struct c2e_journal *j, int64_t run_id,
                                    const char *app, struct c2e_err *err);

void c2e_migrate_result_release(struct c2e_migrate_result *res);

#endif
