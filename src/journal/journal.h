/*
 * journal.h - the SQLite journal: the source of truth of every run.
 *
 * One file (default ./ca2eca.db), created with mode 0600, WAL mode,
 * synchronous=FULL, a schema version with forward migrations
 * (docs/journal.md).  It records runs (who, when, tool version, org, plan
 * hash), the inventory snapshot each plan was made from, and every step
 * with its state:
 *
 *     pending -> in_flight -> done | failed;  done -> undone
 *     (an operator may also mark a step done or failed by hand)
 *
 * with the before-image needed to undo it, the after-image it produced,
 * timings and error text.  Every function runs in its own transaction.
 *
 * Durability: c2e_journal_steps_begin commits the steps as in_flight
 * before the remote call, and that commit is synced to disk (the intent
 * survives a power loss).  What is recorded after a remote call (a step
 * done or failed, events, inventories, a new run and its steps) is
 * committed without a sync: a crash of the process loses none of it, a
 * power loss may lose the last of it, leaving a step in flight, which
 * resume reconciles by reading the org.  The next synced commit, and the
 * journal's close, make everything before it durable.  Undone steps and
 * hand-made marks are synced; run states are not.
 *
 * No secret is ever stored: callers never pass access
 * tokens, private keys or consumer secrets (consumer keys are
 * identifiers, not secrets).
 */
#ifndef C2E_JOURNAL_JOURNAL_H
#define C2E_JOURNAL_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define C2E_JOURNAL_DEFAULT "ca2eca.db"

struct c2e_journal;

/*
 * Opens (creating with mode 0600 when missing) and migrates the journal.
 * A file that is not a ca2eca journal, or one from a newer schema
 * version, is C2E_EDATA naming the path.
 */
C2E_MUST_CHECK int c2e_journal_open(const char *path, struct c2e_journal **out,
                                    struct c2e_err *err);
void c2e_journal_close(struct c2e_journal *j);
int c2e_journal_schema_version(const struct c2e_journal *j);
const char *c2e_journal_path(const struct c2e_journal *j);

/* --- runs --- */

enum c2e_run_state {
	C2E_RUN_RUNNING, /* apply/resume is (or was, if it died) working */
	C2E_RUN_DONE, /* every step done */
	C2E_RUN_FAILED, /* stopped on an error; resume can continue */
	C2E_RUN_ROLLED_BACK /* every done step undone */
};

struct c2e_run_info {
	const char *org_id;
	const char *instance_url;
	const char *username; /* the admin; may be NULL */
	const char *plan_hash;
	const char *plan_path; /* may be NULL */
	const char *plan_json; /* the plan document itself (no secrets) */
	const char *inventory_hash;
	const char *tool_version;
	const char *os_user; /* who ran it */
	const char *host;
};

struct c2e_run {
	int64_t id;
	char *org_id;
	char *instance_url;
	char *username;
	char *plan_hash;
	char *plan_path;
	char *plan_json;
	char *inventory_hash;
	char *tool_version;
	char *os_user;
	char *host;
	char *started_at; /* ISO 8601 UTC */
	char *finished_at; /* NULL while not finished */
	enum c2e_run_state state;
};

C2E_MUST_CHECK int c2e_journal_run_begin(struct c2e_journal *j,
                                         const struct c2e_run_info *info,
                                         int64_t *run_id_out,
                                         struct c2e_err *err);
C2E_MUST_CHECK int c2e_journal_run_set_state(struct c2e_journal *j,
                                             int64_t run_id,
                                             enum c2e_run_state state,
                                             struct c2e_err *err);
/* C2E_ENOTFOUND when there is no such run. */
C2E_MUST_CHECK int c2e_journal_run_get(struct c2e_journal *j, int64_t run_id,
                                       struct c2e_run *out,
                                       struct c2e_err *err);
/* The newest run (of `org_id`, or of any org when NULL); ENOTFOUND if none. */
C2E_MUST_CHECK int c2e_journal_run_latest(struct c2e_journal *j,
                                          const char *org_id,
                                          int64_t *run_id_out,
                                          struct c2e_err *err);
/* Every run, newest first. */
C2E_MUST_CHECK int c2e_journal_runs(struct c2e_journal *j, struct c2e_run **out,
                                    size_t *n_out, struct c2e_err *err);
void c2e_run_release(struct c2e_run *r);
void c2e_runs_free(struct c2e_run *v, size_t n);
const char *c2e_run_state_name(enum c2e_run_state s);

/* --- steps --- */

enum c2e_step_state {
	C2E_STEP_PENDING,
	C2E_STEP_IN_FLIGHT,
	C2E_STEP_DONE,
	C2E_STEP_FAILED,
	C2E_STEP_UNDONE
};

struct c2e_step_def {
	int seq; /* order within the run, from 1 */
	const char *app; /* the connected app it belongs to */
	const char *kind; /* "create", "update", "read_back", ... */
	const char *component_type; /* metadata type, or NULL */
	const char *component_name; /* full name, or NULL */
};

struct c2e_step {
	int64_t id;
	int64_t run_id;
	int seq;
	char *app;
	char *kind;
	char *component_type;
	char *component_name;
	enum c2e_step_state state;
	char *before_image; /* what undo restores, or NULL */
	char *after_image; /* what the step produced, or NULL */
	char *result; /* e.g. a consumer key; never a secret */
	char *error;
	int attempts;
	char *started_at;
	char *finished_at;
	long duration_ms;
	char *mark_reason; /* set by c2e_journal_step_mark */
};

/* Adds the steps of a run as pending, in one transaction. */
C2E_MUST_CHECK int c2e_journal_steps_add(struct c2e_journal *j, int64_t run_id,
                                         const struct c2e_step_def *defs,
                                         size_t n, struct c2e_err *err);
/* Every step of a run, in seq order (caller frees with c2e_steps_free). */
C2E_MUST_CHECK int c2e_journal_steps(struct c2e_journal *j, int64_t run_id,
                                     struct c2e_step **out, size_t *n_out,
                                     struct c2e_err *err);
void c2e_steps_free(struct c2e_step *v, size_t n);

/*
 * Intent: the steps go in_flight (from pending, failed or in_flight), each
 * with its before-image (may be NULL), attempts + 1, started_at now -- in
 * one durable transaction, committed before the remote call.
 */
C2E_MUST_CHECK int c2e_journal_steps_begin(struct c2e_journal *j,
                                           const int64_t *step_ids,
                                           const char *const *before_images,
                                           size_t n, struct c2e_err *err);
/*
 * The same for steps that only read the org (a read-back, a verification
 * exchange): nothing in the org depends on the record, so it is written
 * lazily (see "Durability" below).
 */
C2E_MUST_CHECK int c2e_journal_steps_begin_reads(struct c2e_journal *j,
                                                 const int64_t *step_ids,
                                                 size_t n, struct c2e_err *err);
/* Completion: in_flight -> done, with the after-image and result. */
C2E_MUST_CHECK int c2e_journal_step_done(struct c2e_journal *j, int64_t step_id,
                                         const char *after_image,
                                         const char *result,
                                         struct c2e_err *err);
/*
 * The same for several steps in one transaction (all or none);
 * after_images and results may be NULL, or hold NULL entries.
 */
C2E_MUST_CHECK int c2e_journal_steps_done(struct c2e_journal *j,
                                          const int64_t *step_ids,
                                          const char *const *after_images,
                                          const char *const *results, size_t n,
                                          struct c2e_err *err);
/*
 * The completions of one batch and the intent of the next, in one
 * transaction: n_done steps in_flight -> done (as c2e_journal_steps_done),
 * then n_begin steps -> in_flight (as c2e_journal_steps_begin, or
 * c2e_journal_steps_begin_reads when `reads_only`: then not synced).
 * All or none.
 */
C2E_MUST_CHECK int
c2e_journal_steps_advance(struct c2e_journal *j, const int64_t *done_ids,
                          const char *const *after_images,
                          const char *const *results, size_t n_done,
                          const int64_t *begin_ids,
                          const char *const *before_images, size_t n_begin,
                          bool reads_only, struct c2e_err *err);
/* in_flight -> failed with the error text. */
C2E_MUST_CHECK int c2e_journal_step_failed(struct c2e_journal *j,
                                           int64_t step_id, const char *error,
                                           struct c2e_err *err);
/* done -> undone (rollback restored or deleted what it did). */
C2E_MUST_CHECK int c2e_journal_step_undone(struct c2e_journal *j,
                                           int64_t step_id,
                                           struct c2e_err *err);
/*
 * An operator finished or abandoned a step by hand: -> done or failed,
 * with the reason, recorded as an event.  `state` is C2E_STEP_DONE or
 * C2E_STEP_FAILED.
 */
C2E_MUST_CHECK int c2e_journal_step_mark(struct c2e_journal *j, int64_t step_id,
                                         enum c2e_step_state state,
                                         const char *reason,
                                         struct c2e_err *err);
const char *c2e_step_state_name(enum c2e_step_state s);

/* --- events (the log) and inventory snapshots --- */

C2E_MUST_CHECK int c2e_journal_event(struct c2e_journal *j, int64_t run_id,
                                     int64_t step_id, const char *kind,
                                     const char *detail, struct c2e_err *err);

struct c2e_event {
	int64_t id;
	int64_t run_id;
	int64_t step_id; /* 0 when not about a step */
	char *at;
	char *kind;
	char *detail;
};

C2E_MUST_CHECK int c2e_journal_events(struct c2e_journal *j, int64_t run_id,
                                      struct c2e_event **out, size_t *n_out,
                                      struct c2e_err *err);
void c2e_events_free(struct c2e_event *v, size_t n);

/* Stores an inventory snapshot (JSON) once per hash. */
C2E_MUST_CHECK int c2e_journal_inventory_put(struct c2e_journal *j,
                                             const char *org_id,
                                             const char *hash,
                                             const char *snapshot_json,
                                             struct c2e_err *err);

#endif
