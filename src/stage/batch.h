/*
 * batch.h - one stage (plan, apply, resume, rollback) across many orgs.
 *
 * Workers (threads, --jobs of them) take orgs from the manifest in order;
 * each org has its own login, HTTP connection, journal and lock, under
 * DIR/<alias>/ (plan.json, ca2eca.db, status.json), so an org's failure,
 * timeout or exhausted API allocation never stops or corrupts the others.
 * Within an org the stages run as for a single org: at most one mutation
 * in flight.  Before an org starts, its remaining daily API requests
 * (/limits) must cover the run's estimate, else it is skipped.
 */
#ifndef C2E_STAGE_BATCH_H
#define C2E_STAGE_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "model/manifest.h"
#include "util/err.h"

enum c2e_batch_action {
	C2E_BATCH_PLAN,
	C2E_BATCH_APPLY,
	C2E_BATCH_RESUME,
	C2E_BATCH_ROLLBACK
};

enum c2e_batch_state {
	C2E_BORG_PENDING, /* not started (yet, or after --max-fail-percent) */
	C2E_BORG_RUNNING,
	C2E_BORG_DONE,
	C2E_BORG_FAILED,
	C2E_BORG_SKIPPED, /* not enough daily API requests left */
	C2E_BORG_LIMIT /* stopped: TotalRequests used up mid-run */
};

struct c2e_batch_org {
	const struct c2e_manifest_org *m;
	enum c2e_batch_state state;
	int rc; /* enum c2e_rc of the stage */
	char error[512]; /* one line when FAILED / SKIPPED / LIMIT */
	char org_id[32];
	int64_t run_id;
	size_t steps_done;
	size_t steps_total;
	unsigned long requests; /* HTTP requests this org took */
	double seconds;
};

struct c2e_batch_progress {
	size_t total, done, failed, running, skipped;
	double elapsed; /* seconds since the start */
};

struct c2e_batch_opts {
	const struct c2e_manifest *manifest;
	enum c2e_batch_action action;
	const char *dir; /* per-org plans, journals, status */
	int jobs; /* workers, 1..256 */
	int max_fail_percent; /* stop starting orgs above it; < 0: never */
	unsigned shard_index; /* 1-based; 0: no sharding */
	unsigned shard_count;
	const char *ca_bundle;
	const char *api_version;
	long timeout_ms;
	long verify_window;
	bool memory_journal; /* benchmarks only: no durable journal */
	/* called (serialized) whenever an org starts or ends */
	void (*progress)(void *ctx, const struct c2e_batch_progress *p);
	void *ctx;
};

/*
 * Runs the stage for every org of the manifest (of the shard).  Returns
 * C2E_OK when the batch ran -- look at each org's state -- and fills
 * *out with one entry per manifest org in manifest order (orgs outside
 * the shard are left out).  Errors are only about the batch itself (an
 * unusable DIR, no memory).
 */
C2E_MUST_CHECK int c2e_batch_run(const struct c2e_batch_opts *o,
                                 struct c2e_batch_org **out, size_t *n_out,
                                 struct c2e_err *err);

/* Requests a run of `apps` connected apps is expected to need. */
long c2e_batch_estimate(size_t apps);

const char *c2e_batch_state_name(enum c2e_batch_state s);

#endif
