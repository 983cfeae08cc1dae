/*
 * batch.c - a stage across many orgs, with a pool of worker threads.
 *
 * Each worker takes the next org, does the whole stage for it with its own
 * org connection and journal, and records the outcome in the org's
 * directory (status.json) and in the shared result array (under the
 * mutex).  Nothing an org does reaches another org's state.
 */
#include "stage/batch.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal/journal.h"
#include "model/plan.h"
#include "remote/auth.h"
#include "remote/org.h"
#include "remote/rest.h"
#include "stage/migrate.h"
#include "stage/planner.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/compat.h"

#define PLAN_MAX ((size_t)32 << 20)

/*
 * Verification keys, each file loaded once for the whole batch: a
 * partner's orgs usually share one key, and parsing a PEM key costs about
 * as much CPU as a whole org's journal.  An EVP_PKEY is only read while
 * signing, so the workers share it.
 */
struct key_entry {
	char *path;
	struct c2e_pkey *key; /* NULL: loading failed with `msg` */
	int rc;
	char msg[C2E_ERR_MSG_MAX];
};

struct key_cache {
	pthread_mutex_t mu;
	struct key_entry *v;
	size_t n, cap;
};

static int key_get(struct key_cache *c, const char *path,
                   const struct c2e_pkey **out, struct c2e_err *err)
{
	struct key_entry *e = NULL;
	int rc = C2E_OK;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n && !e; i++)
		if (c2e_str_eq(c->v[i].path, path))
			e = &c->v[i];
	if (!e) {
		struct c2e_err kerr = C2E_ERR_INIT;

		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 4;
			struct key_entry *v = realloc(c->v, cap * sizeof(*v));

			if (!v) {
				rc = c2e_err_oom(err);
				goto done;
			}
			c->v = v;
			c->cap = cap;
		}
		e = &c->v[c->n];
		memset(e, 0, sizeof(*e));
		e->path = c2e_strdup(path);
		if (!e->path) {
			rc = c2e_err_oom(err);
			goto done;
		}
		c->n++;
		e->rc = c2e_auth_load_key(path, NULL, &e->key, &kerr);
		snprintf(e->msg, sizeof(e->msg), "%s", kerr.msg);
	}
	*out = e->key;
	if (e->rc < 0)
		rc = c2e_err_set(err, e->rc, "%s", e->msg);
done:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static void key_cache_release(struct key_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		c2e_pkey_free(c->v[i].key);
	}
	free(c->v);
	pthread_mutex_destroy(&c->mu);
}

struct pool {
	const struct c2e_batch_opts *o;
	struct key_cache keys;
	struct c2e_batch_org *orgs;
	size_t n;
	size_t next; /* the next org to start */
	bool stop; /* --max-fail-percent reached */
	struct c2e_batch_progress p;
	struct timespec start;
	pthread_mutex_t mu;
};

const char *c2e_batch_state_name(enum c2e_batch_state s)
{
	switch (s) {
	case C2E_BORG_PENDING:
		return "not started";
	case C2E_BORG_RUNNING:
		return "running";
	case C2E_BORG_DONE:
		return "done";
	case C2E_BORG_FAILED:
		return "failed";
	case C2E_BORG_SKIPPED:
		return "skipped";
	case C2E_BORG_LIMIT:
		return "limit";
	}
	return "unknown";
}

long c2e_batch_estimate(size_t apps)
{
	/* login, inventory and plan; the drift check; per app about
	 * eight calls (creates, discovery, read-back, verify, repoint) */
	return 24 + 8 * (long)(apps ? apps : 5);
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static char *org_path(const struct c2e_batch_opts *o, const char *alias,
                      const char *file)
{
	struct c2e_buf b = C2E_BUF_INIT;
	char *out = NULL;

	c2e_buf_addf(&b, "%s/%s%s%s", o->dir, alias, file ? "/" : "",
	             file ? file : "");
	if (c2e_buf_take(&b, &out, NULL) < 0)
		return NULL;
	return out;
}

/*
 * DIR/<alias>/status.json: the org's outcome, for status and reports.  Not
 * synced: the journal holds the outcome durably; after a power cut an
 * empty status.json reads as an org that did not end (batch status and
 * resume look into its journal).
 */
static void write_status(const struct c2e_batch_opts *o,
                         const struct c2e_batch_org *bo)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;
	char *path = org_path(o, bo->m->alias, "status.json");
	static const char *const actions[] = { "plan", "apply", "resume",
		                               "rollback" };

	char *dir = org_path(o, bo->m->alias, NULL);

	if (!path || !dir || c2e_fs_mkdirs(dir, NULL) < 0) {
		free(path);
		free(dir);
		return;
	}
	free(dir);
	c2e_jsonw_init(&w, &b, true);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "alias", bo->m->alias);
	c2e_jsonw_kv_string(&w, "action", actions[o->action]);
	c2e_jsonw_kv_string(&w, "state", c2e_batch_state_name(bo->state));
	c2e_jsonw_kv_string(&w, "orgId", bo->org_id[0] ? bo->org_id : NULL);
	c2e_jsonw_kv_long(&w, "run", bo->run_id);
	c2e_jsonw_kv_string(&w, "error", bo->error[0] ? bo->error : NULL);
	c2e_jsonw_kv_long(&w, "requests", (long long)bo->requests);
	c2e_jsonw_object_end(&w);
	c2e_buf_addc(&b, '\n');
	if (!c2e_buf_failed(&b))
		(void)!c2e_fs_write_atomic_lazy(path, b.buf, b.len, 0644, NULL);
	c2e_buf_release(&b);
	free(path);
}

static int load_or_make_plan(struct c2e_org *org,
                             const struct c2e_batch_opts *o,
                             const struct c2e_manifest_org *m,
                             struct c2e_plan **plan, struct c2e_buf *text,
                             char **path_out, struct c2e_err *err)
{
	char *path = org_path(o, m->alias, "plan.json");
	struct c2e_plan_opts po;
	int rc;

	*path_out = path;
	if (!path)
		return c2e_err_oom(err);
	if (o->action != C2E_BATCH_PLAN && c2e_fs_exists(path)) {
		rc = c2e_fs_read(path, PLAN_MAX, text, err);
		if (rc == 0)
			rc = c2e_plan_parse(text->buf, text->len, path, plan,
			                    err);
		return rc;
	}
	memset(&po, 0, sizeof(po));
	po.apps = &m->apps;
	po.now = time(NULL);
	rc = c2e_plan_make(org, &po, plan, err);
	if (rc == 0)
		rc = c2e_plan_write(*plan, text, err);
	if (rc == 0)
		rc = c2e_fs_write_atomic(path, text->buf, text->len, 0644, err);
	return rc;
}

static int journal_open(const struct c2e_batch_opts *o, const char *alias,
                        struct c2e_journal **j, struct c2e_err *err)
{
	char *path;
	int rc;

	if (o->memory_journal) {
		/* benchmarks: the same journal on a RAM file system */
		struct c2e_buf b = C2E_BUF_INIT;

		c2e_buf_addf(&b, "/dev/shm/ca2eca-bench-%ld-%s.db",
		             (long)getpid(), alias);
		if (c2e_buf_take(&b, &path, err) < 0)
			return C2E_ENOMEM;
	} else {
		path = org_path(o, alias, "ca2eca.db");
		if (!path)
			return c2e_err_oom(err);
	}
	rc = c2e_journal_open(path, j, err);
	free(path);
	return rc;
}

/*
 * Whether `batch apply` makes this org's plan now and applies it at once:
 * no plan.json yet, the org's id known (the lock's name), and no run of
 * the org waiting to be resumed (resume takes the lock itself).  The plan
 * is then made under the lock, and apply skips its drift check: its
 * inventory would be the one the plan was made from, seconds earlier.
 */
static bool fresh_plan(const struct c2e_batch_opts *o,
                       const struct c2e_manifest_org *m, struct c2e_journal *j,
                       const char *org_id)
{
	char *path = org_path(o, m->alias, "plan.json");
	struct c2e_run last;
	int64_t run = 0;
	bool fresh = path && !c2e_fs_exists(path) && org_id[0];

	free(path);
	if (!fresh ||
	    c2e_journal_run_latest(j, org_id, &run, NULL) == C2E_ENOTFOUND)
		return fresh;
	memset(&last, 0, sizeof(last));
	if (c2e_journal_run_get(j, run, &last, NULL) < 0)
		return false;
	fresh = last.state != C2E_RUN_RUNNING && last.state != C2E_RUN_FAILED;
	c2e_run_release(&last);
	return fresh;
}

static size_t count_done(struct c2e_journal *j, int64_t run, size_t *total)
{
	struct c2e_step *steps = NULL;
	size_t n = 0, done = 0;

	*total = 0;
	if (c2e_journal_steps(j, run, &steps, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		done += steps[i].state == C2E_STEP_DONE;
	*total = n;
	c2e_steps_free(steps, n);
	return done;
}

static int continue_or_apply(struct c2e_org *org, struct c2e_journal *j,
                             const struct c2e_plan *plan, const char *plan_path,
                             const char *text,
                             const struct c2e_migrate_opts *mo,
                             struct c2e_batch_org *bo,
                             struct c2e_migrate_result *res,
                             struct c2e_err *err)
{
	struct c2e_run last;
	int64_t run = 0;
	int rc;

	memset(&last, 0, sizeof(last));
	rc = c2e_journal_run_latest(j, plan->org_id, &run, err);
	if (rc == C2E_ENOTFOUND)
		return c2e_apply(org, j, plan, plan_path, text, mo, res, err);
	if (rc == 0)
		rc = c2e_journal_run_get(j, run, &last, err);
	if (rc < 0)
		return rc;
	if (last.state == C2E_RUN_RUNNING || last.state == C2E_RUN_FAILED) {
		rc = c2e_resume(org, j, run, mo, res, err);
	} else if (last.state == C2E_RUN_DONE &&
	           c2e_str_eq(last.plan_hash, plan->plan_hash)) {
		bo->run_id = run; /* done before: nothing to do */
		bo->steps_done = count_done(j, run, &bo->steps_total);
	} else {
		rc = c2e_apply(org, j, plan, plan_path, text, mo, res, err);
	}
	c2e_run_release(&last);
	return rc;
}

/* The whole stage for one org. */
static int org_work(const struct c2e_batch_opts *o, struct key_cache *keys,
                    struct c2e_batch_org *bo, struct c2e_err *err)
{
	const struct c2e_manifest_org *m = bo->m;
	struct c2e_org_opts oo;
	struct c2e_org *org = NULL;
	struct c2e_journal *j = NULL;
	struct c2e_lock *lock = NULL;
	struct c2e_plan *plan = NULL;
	const struct c2e_pkey *key = NULL;
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_migrate_opts mo;
	struct c2e_migrate_result res;
	char *dir = org_path(o, m->alias, NULL), *plan_path = NULL;
	long remaining = 0, max = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&oo, 0, sizeof(oo));
	if (!dir)
		return c2e_err_oom(err);
	rc = c2e_fs_mkdirs(dir, err);
	if (rc < 0)
		goto done;
	oo.auth.auth_file = m->auth_file;
	oo.auth.login_url = m->login_url;
	oo.auth.client_id = m->client_id;
	oo.auth.username = m->username;
	oo.auth.jwt_key = m->jwt_key;
	oo.http.ca_bundle = o->ca_bundle;
	oo.http.timeout_ms = o->timeout_ms;
	oo.api_version = o->api_version;
	rc = c2e_org_open(&oo, &org, err);
	if (rc < 0)
		goto done;
	if (c2e_org_session(org)->org_id)
		snprintf(bo->org_id, sizeof(bo->org_id), "%s",
		         c2e_org_session(org)->org_id);

	/* a run that would not fit in the day's allocation does not start */
	if (o->action != C2E_BATCH_ROLLBACK) {
		long need = c2e_batch_estimate(m->apps.n);

		rc = c2e_rest_limits(org, &remaining, &max, err);
		if (rc < 0)
			goto done;
		if (remaining < need) {
			rc = c2e_err_set(
			        err, C2E_ELIMIT,
			        "skipped: %ld daily API requests left of "
			        "%ld, the run needs about %ld",
			        remaining, max, need);
			bo->state = C2E_BORG_SKIPPED;
			goto done;
		}
	}
	if (o->action == C2E_BATCH_APPLY) {
		/* apply: a new plan is made under the lock (fresh_plan) */
		rc = journal_open(o, m->alias, &j, err);
		if (rc == 0 && fresh_plan(o, m, j, bo->org_id))
			rc = c2e_lock_acquire(c2e_journal_path(j), bo->org_id,
			                      "batch apply", &lock, NULL, err);
		if (rc < 0)
			goto done;
	}
	if (o->action != C2E_BATCH_ROLLBACK) {
		rc = load_or_make_plan(org, o, m, &plan, &text, &plan_path,
		                       err);
		if (rc < 0 || o->action == C2E_BATCH_PLAN)
			goto done;
	}
	if (!j)
		rc = journal_open(o, m->alias, &j, err);
	if (rc == 0 && m->verify_key)
		rc = key_get(keys, m->verify_key, &key, err);
	if (rc < 0)
		goto done;
	memset(&mo, 0, sizeof(mo));
	mo.jwt_key = key;
	mo.verify_user = m->verify_user;
	mo.ccd_manual = m->ccd_manual;
	mo.verify_window = o->verify_window;
	mo.held_lock = lock;
	if (o->action == C2E_BATCH_ROLLBACK) {
		struct c2e_rollback_opts ro;
		size_t undone = 0;
		int64_t run = 0;

		rc = c2e_journal_run_latest(
		        j, bo->org_id[0] ? bo->org_id : NULL, &run, err);
		if (rc == C2E_ENOTFOUND)
			rc = c2e_err_set(err, C2E_ENOTFOUND,
			                 "no run of this org in its journal: "
			                 "nothing to roll back");
		if (rc < 0)
			goto done;
		bo->run_id = run;
		memset(&ro, 0, sizeof(ro));
		rc = c2e_rollback(org, j, run, &ro, &undone, err);
		goto done;
	}
	/*
	 * apply and resume both bring the org to the end of its plan, so a
	 * retry manifest can be fed to either: an unfinished run is
	 * resumed, a finished run of this plan is left alone, and an org
	 * without one gets the plan applied.
	 */
	rc = continue_or_apply(org, j, plan, plan_path, text.buf, &mo, bo, &res,
	                       err);
	if (res.run_id) {
		bo->run_id = res.run_id;
		bo->steps_done = res.steps_done;
		bo->steps_total = res.steps_total;
	}
done:
	if (org)
		bo->requests = c2e_org_stats(org)->requests;
	c2e_migrate_result_release(&res);
	c2e_buf_release(&text);
	c2e_plan_free(plan);
	c2e_lock_release(lock);
	c2e_journal_close(j);
	c2e_org_free(org);
	free(plan_path);
	free(dir);
	return rc;
}

static void report_progress(struct pool *p)
{
	p->p.elapsed = since(&p->start);
	if (p->o->progress)
		p->o->progress(p->o->ctx, &p->p);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct c2e_batch_org *bo;
		struct c2e_err err = C2E_ERR_INIT;
		struct timespec t0;
		int rc;

		pthread_mutex_lock(&p->mu);
		if (p->stop || p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		bo = &p->orgs[p->next++];
		bo->state = C2E_BORG_RUNNING;
		p->p.running++;
		report_progress(p);
		pthread_mutex_unlock(&p->mu);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = org_work(p->o, &p->keys, bo, &err);

		pthread_mutex_lock(&p->mu);
		bo->rc = rc;
		bo->seconds = since(&t0);
		if (rc == 0) {
			bo->state = C2E_BORG_DONE;
		} else {
			if (bo->state != C2E_BORG_SKIPPED)
				bo->state = rc == C2E_ELIMIT ? C2E_BORG_LIMIT :
				                               C2E_BORG_FAILED;
			snprintf(bo->error, sizeof(bo->error), "%s", err.msg);
		}
		p->p.running--;
		p->p.done++;
		if (bo->state == C2E_BORG_FAILED || bo->state == C2E_BORG_LIMIT)
			p->p.failed++;
		if (bo->state == C2E_BORG_SKIPPED)
			p->p.skipped++;
		if (p->o->max_fail_percent >= 0 &&
		    p->p.failed * 100 >
		            (size_t)p->o->max_fail_percent * p->p.done)
			p->stop = true;
		report_progress(p);
		pthread_mutex_unlock(&p->mu);
		/*
		 * Written once, when the org ends: until then its directory
		 * (with its journal) says it is running or was interrupted.
		 * Outside the mutex: the write syncs, and `bo` is this
		 * worker's alone.
		 */
		write_status(p->o, bo);
	}
}

int c2e_batch_run(const struct c2e_batch_opts *o, struct c2e_batch_org **out,
                  size_t *n_out, struct c2e_err *err)
{
	struct pool p;
	pthread_t *th = NULL;
	int jobs = o->jobs < 1 ? 1 : o->jobs > 256 ? 256 : o->jobs;
	int started = 0, rc;

	*out = NULL;
	*n_out = 0;
	memset(&p, 0, sizeof(p));
	p.o = o;
	rc = c2e_fs_mkdirs(o->dir, err);
	if (rc < 0)
		return rc;
	p.orgs = calloc(o->manifest->n + 1, sizeof(*p.orgs));
	th = calloc((size_t)jobs, sizeof(*th));
	if (!p.orgs || !th) {
		free(p.orgs);
		free(th);
		return c2e_err_oom(err);
	}
	for (size_t i = 0; i < o->manifest->n; i++) {
		const struct c2e_manifest_org *m = &o->manifest->orgs[i];

		if (o->shard_count &&
		    !c2e_manifest_in_shard(m->alias, o->shard_index,
		                           o->shard_count))
			continue;
		p.orgs[p.n++].m = m;
	}
	p.p.total = p.n;
#ifdef M_ARENA_MAX
	/*
	 * glibc gives threads 8 malloc arenas per core; 64 workers on two
	 * cores then queue on 16 arena locks (about a tenth of the batch's
	 * user CPU).  One arena per worker, up to 64 (~0.2 MB more each).
	 */
	if (jobs > 16)
		(void)mallopt(M_ARENA_MAX, jobs < 64 ? jobs + 1 : 64);
#endif
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	/*
	 * Keep freed memory in the arenas instead of handing it back to
	 * the kernel after every org (madvise, then a page fault per page
	 * on the next org, and TLB shootdowns across the workers): about
	 * 170 page faults less per org for a few MB of RSS.  Blocks of up
	 * to 4 MiB (large answers) come from the arenas too.
	 */
	if (jobs > 1) {
		(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
		(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
	}
#endif
	clock_gettime(CLOCK_MONOTONIC, &p.start);
	pthread_mutex_init(&p.mu, NULL);
	pthread_mutex_init(&p.keys.mu, NULL);
	for (int t = 0; t < jobs && (size_t)t < p.n; t++) {
		if (pthread_create(&th[t], NULL, worker, &p) != 0)
			break;
		started++;
	}
	if (!started && p.n)
		worker(&p); /* no thread could start: do the work here */
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	/* orgs --max-fail-percent kept from starting are in reports too */
	for (size_t i = 0; i < p.n; i++)
		if (p.orgs[i].state == C2E_BORG_PENDING)
			write_status(o, &p.orgs[i]);
	pthread_mutex_destroy(&p.mu);
	key_cache_release(&p.keys);
	free(th);
	*out = p.orgs;
	*n_out = p.n;
	return C2E_OK;
}
