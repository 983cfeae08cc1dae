/*
 * migrate.c - the stages that change an org: apply, resume, rollback,
 * verify, retire.
 *
 * Every remote change follows the same pattern:
 *
 *     journal: steps in_flight (with before-images)   -- committed
 *     remote call
 *     journal: each step done (after-image) or failed -- committed
 *
 * so a crash at any instant leaves in_flight steps that resume reconciles
 * by reading the org.  CA2ECA_TEST_CRASH_AT=N (a test-only hook) kills
 * the process with SIGKILL at the N-th of these boundaries: after an
 * intent is committed (before the call) and after a call returned (before
 * its completion is committed).
 */
#include "stage/migrate.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal/lock.h"
#include "model/mdjson.h"
#include "remote/auth.h"
#include "remote/mdapi.h"
#include "remote/rest.h"
#include "stage/inventory.h"
#include "stage/planner.h"
#include "util/fs.h"
#include "util/compat.h"

#define BATCH C2E_MDAPI_MAX_PER_CALL

/*
 * Completions of one batch: recorded together, in the transaction of the
 * next batch's intent (one commit where there were two per batch), or
 * when the run ends (see dones_defer).
 */
struct dones {
	int64_t ids[BATCH];
	char *images[BATCH];
	char *results[BATCH];
	size_t idx[BATCH]; /* index in run.steps */
	size_t n;
};

struct run {
	struct c2e_org *org;
	struct c2e_journal *j;
	const struct c2e_plan *plan;
	const struct c2e_migrate_opts *o;
	int64_t run_id;
	struct c2e_step *steps;
	size_t n;
	struct c2e_err *err;
	long crash_at;
	long crash_points;
	/*
	 * Per step index: a create (or create_or_update) that was in flight
	 * when the run was interrupted and that the org did not show on
	 * resume.  The lost request can still land after that check, so a
	 * DUPLICATE_VALUE for such a step means it did happen (execute()
	 * owns the array).
	 */
	bool *late_create;
	/*
	 * The listing of every type a step discovers (update_generated,
	 * create_or_update), taken by one listMetadata call at the first
	 * discovery of an execute pass: the org generates those records
	 * when the ECA and its OAuth settings are created, which comes
	 * before (finish() releases it).
	 */
	struct c2e_file_props_list listed;
	bool have_listed;
	/* completions not yet in the journal (dones_defer) */
	struct dones pending;
};

/* --- small helpers ------------------------------------------------------- */

static void say(const struct c2e_progress *p, const char *fmt, ...)
        C2E_PRINTF(2, 3);

static void say(const struct c2e_progress *p, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!p || !p->say)
		return;
	va_start(ap, fmt);
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	va_end(ap);
	p->say(p->ctx, line);
}

static long env_long(const char *name)
{
	const char *v = getenv(name);
	long n = 0;

	if (!v || c2e_str_to_long(v, &n) < 0)
		return 0;
	return n;
}

/* The test-only crash hook: see the top of this file. */
static void crash_point(struct run *r)
{
	if (r->crash_at > 0 && ++r->crash_points == r->crash_at)
		raise(SIGKILL);
}

static int flush(struct run *r, struct c2e_err *err);
static void dones_clear(struct dones *d);
static int done_in_memory(struct run *r, struct c2e_step *s, const char *image,
                          const char *result);

static int reload(struct run *r)
{
	int rc = flush(r, r->err);

	if (rc < 0)
		return rc;
	c2e_steps_free(r->steps, r->n);
	r->steps = NULL;
	r->n = 0;
	return c2e_journal_steps(r->j, r->run_id, &r->steps, &r->n, r->err);
}

static const char *step_label(const struct c2e_step *s, char *buf, size_t n)
{
	if (snprintf(buf, n, "step %d (%s %s%s%s)", s->seq, s->kind,
	             s->component_type ? s->component_type : "",
	             s->component_type ? " " : "",
	             s->component_name ? s->component_name : s->app) < 0)
		buf[0] = '\0';
	return buf;
}

/* {"fullName": ..., "fields": {...}} of a component. */
static int doc_json(const struct c2e_md_doc *d, char **out, struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "type", d->type ? d->type->name : NULL);
	c2e_jsonw_kv_string(&w, "fullName", d->full_name);
	c2e_jsonw_key(&w, "fields");
	c2e_md_to_json(d->root, &w);
	c2e_jsonw_object_end(&w);
	if (c2e_jsonw_failed(&w)) {
		c2e_buf_release(&b);
		return c2e_err_oom(err);
	}
	return c2e_buf_take(&b, out, err);
}

/* The component a doc_json() text describes. */
static int doc_from_json_text(const char *text, const char *what,
                              struct c2e_md_doc **out, struct c2e_err *err)
{
	struct c2e_json *j = NULL;
	int rc;

	*out = NULL;
	rc = c2e_json_parse(text, strlen(text), what, &j, err);
	if (rc < 0)
		return rc;
	if (!c2e_json_get_str(j, "type") || !c2e_json_get_str(j, "fullName"))
		rc = c2e_err_set(err, C2E_EDATA,
		                 "%s: the journal image has no type or name",
		                 what);
	else
		rc = c2e_md_from_json(
		        c2e_json_get(j, "fields"), c2e_json_get_str(j, "type"),
		        c2e_json_get_str(j, "fullName"), what, out, err);
	c2e_json_free(j);
	return rc;
}

/* A member of a small JSON object stored as a step result. */
static char *result_field(const char *result, const char *key)
{
	struct c2e_json *j = NULL;
	const char *v;
	char *out = NULL;

	if (!result ||
	    c2e_json_parse(result, strlen(result), "result", &j, NULL) < 0)
		return NULL;
	v = c2e_json_get_str(j, key);
	if (v)
		out = c2e_strdup(v);
	c2e_json_free(j);
	return out;
}

static const struct c2e_plan_component *plan_doc(const struct run *r,
                                                 const struct c2e_step *s)
{
	const struct c2e_plan_app *a = c2e_plan_app(r->plan, s->app);

	return a && s->component_type ?
	               c2e_plan_component(a, s->component_type) :
	               NULL;
}

static const struct c2e_step *find_step(const struct run *r, const char *kind,
                                        const char *app)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->steps[i].kind, kind) &&
		    !strcmp(r->steps[i].app, app))
			return &r->steps[i];
	return NULL;
}

static bool batchable(const char *kind)
{
	return !strcmp(kind, "create") || !strcmp(kind, "update_generated") ||
	       !strcmp(kind, "create_or_update") || !strcmp(kind, "read_back");
}

/* How many steps from `i` go in one call. */
static size_t batch_len(const struct run *r, size_t i)
{
	const struct c2e_step *s = &r->steps[i];
	size_t n = 1;

	/* repoints go together unless each waits for a Setup step */
	if (!batchable(s->kind) &&
	    !(!strcmp(s->kind, "repoint") && !r->o->ccd_manual))
		return 1;
	while (i + n < r->n && n < BATCH) {
		const struct c2e_step *t = &r->steps[i + n];

		if (t->state == C2E_STEP_DONE || strcmp(t->kind, s->kind) ||
		    !c2e_str_eq(t->component_type, s->component_type))
			break;
		n++;
	}
	return n;
}

static int fail_steps(struct run *r, size_t i, size_t n, const char *why)
{
	for (size_t k = 0; k < n; k++) {
		struct c2e_err e2 = C2E_ERR_INIT;

		if (r->steps[i + k].state == C2E_STEP_DONE)
			continue;
		if (c2e_journal_step_failed(r->j, r->steps[i + k].id, why,
		                            &e2) < 0 &&
		    e2.code != C2E_ECONFLICT)
			return c2e_err_set(r->err, e2.code, "%s", e2.msg);
	}
	return C2E_OK;
}

/*
 * After a remote call failed: an unknown outcome (or the daily limit)
 * leaves the steps in_flight for resume; a definite refusal fails them.
 */
static int call_failed(struct run *r, size_t i, size_t n, bool unknown, int rc)
{
	char label[256], msg[C2E_ERR_MSG_MAX];

	memcpy(msg, r->err->msg, sizeof(msg));
	step_label(&r->steps[i], label, sizeof(label));
	if (unknown || rc == C2E_ELIMIT || rc == C2E_EREMOTE)
		return c2e_err_set(r->err,
		                   rc == C2E_ELIMIT ? C2E_ELIMIT :
		                   unknown          ? C2E_ESTOPPED :
		                                      rc,
		                   "%s: %s; run %lld stopped: 'ca2eca resume' "
		                   "checks the org and continues",
		                   label, msg, (long long)r->run_id);
	if (fail_steps(r, i, n, msg) < 0)
		return r->err->code;
	return c2e_err_set(r->err, rc, "%s: %s", label, msg);
}

static int step_refused(struct run *r, const struct c2e_step *s,
                        const struct c2e_save_result *res)
{
	char label[256], why[C2E_ERR_MSG_MAX];
	int rc;

	if (snprintf(why, sizeof(why), "%s: %s",
	             res->status_code ? res->status_code : "ERROR",
	             res->message ? res->message : "refused") < 0)
		why[0] = '\0';
	rc = c2e_journal_step_failed(r->j, s->id, why, r->err);
	if (rc < 0)
		return rc;
	return c2e_err_set(r->err, C2E_EREMOTE,
	                   "%s was refused by the org: %s; run %lld stopped: "
	                   "fix the cause, then 'ca2eca resume', or 'ca2eca "
	                   "rollback'",
	                   step_label(s, label, sizeof(label)), why,
	                   (long long)r->run_id);
}

/* --- discovery of generated records ----------------------------------------- */

/*
 * The records of `type` whose externalClientApplication is one of the
 * ECAs of steps [i, i+n): found[k] for step i+k, NULL when none.
 */
static bool discovered(const char *kind)
{
	return c2e_str_eq(kind, "update_generated") ||
	       c2e_str_eq(kind, "create_or_update");
}

static void listing_drop(struct run *r)
{
	c2e_file_props_list_release(&r->listed);
	r->have_listed = false;
}

/* One listMetadata of every type the run's steps discover (at most 3). */
static int listing_take(struct run *r)
{
	const char *types[3];
	size_t nt = 0;
	int rc;

	if (r->have_listed)
		return C2E_OK;
	for (size_t k = 0; k < r->n; k++) {
		const char *t = r->steps[k].component_type;
		bool seen = false;

		if (!t || !discovered(r->steps[k].kind))
			continue;
		for (size_t q = 0; q < nt; q++)
			seen |= c2e_str_eq(types[q], t);
		if (!seen && nt < C2E_ARRAY_SIZE(types))
			types[nt++] = t;
	}
	if (!nt)
		return c2e_err_set(r->err, C2E_ERROR,
		                   "discovery without a step that discovers");
	rc = c2e_mdapi_list(r->org, types, nt, &r->listed, r->err);
	r->have_listed = rc == 0;
	return rc;
}

/*
 * The records of `type` the org generated for the apps of steps i..i+n,
 * found[k] for step i+k (NULL when none).  With `fresh`, the type is
 * listed again (resume's reconcile); else the run's listing is used.
 */
static int discover(struct run *r, const char *type, size_t i, size_t n,
                    bool fresh, struct c2e_md_doc **found)
{
	struct c2e_md_doc **docs = NULL;
	const char **names = NULL;
	size_t m = 0;
	int rc;

	for (size_t k = 0; k < n; k++)
		found[k] = NULL;
	if (fresh)
		listing_drop(r);
	rc = listing_take(r);
	if (rc < 0 || !r->listed.n)
		goto done;
	docs = calloc(r->listed.n, sizeof(*docs));
	names = calloc(r->listed.n, sizeof(*names));
	if (!docs || !names) {
		rc = c2e_err_oom(r->err);
		goto done;
	}
	/*
	 * The generated names start with the ECA's name (the one invariant
	 * tools rely on): read only those candidates, not every ECA of the
	 * org.
	 */
	for (size_t k = 0; k < r->listed.n; k++) {
		const struct c2e_file_props *f = &r->listed.v[k];

		if (!c2e_str_eq(f->type, type))
			continue;
		for (size_t s = 0; s < n; s++) {
			const struct c2e_plan_app *a =
			        c2e_plan_app(r->plan, r->steps[i + s].app);

			if (a && c2e_str_starts(f->full_name, a->eca)) {
				names[m++] = f->full_name;
				break;
			}
		}
	}
	if (m)
		rc = c2e_mdapi_read(r->org, type, names, m, docs, r->err);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct c2e_plan_app *a =
		        c2e_plan_app(r->plan, r->steps[i + k].app);

		for (size_t d = 0; a && d < m; d++) {
			if (!docs[d] ||
			    !c2e_str_eq(c2e_md_get(docs[d]->root,
			                           "externalClientApplication"),
			                a->eca))
				continue;
			found[k] = docs[d];
			docs[d] = NULL;
			break;
		}
	}
done:
	for (size_t k = 0; docs && k < m; k++)
		c2e_md_doc_free(docs[k]);
	free(docs);
	free(names);
	if (fresh)
		listing_drop(r);
	return rc;
}

/* The org's record with the plan's fields laid over it (read, merge). */
static int merge(const struct c2e_md_doc *org_doc,
                 const struct c2e_md_doc *plan_doc, struct c2e_md_doc **out,
                 struct c2e_err *err)
{
	struct c2e_buf a = C2E_BUF_INIT, b = C2E_BUF_INIT, m = C2E_BUF_INIT;
	struct c2e_json *ja = NULL, *jb = NULL, *jm = NULL;
	struct c2e_jsonw w;
	int rc;

	*out = NULL;
	c2e_jsonw_init(&w, &a, false);
	c2e_md_to_json(org_doc->root, &w);
	c2e_jsonw_init(&w, &b, false);
	c2e_md_to_json(plan_doc->root, &w);
	rc = c2e_json_parse(a.buf, a.len, "org record", &ja, err);
	if (rc == 0)
		rc = c2e_json_parse(b.buf, b.len, "plan record", &jb, err);
	if (rc < 0)
		goto done;
	c2e_jsonw_init(&w, &m, false);
	c2e_jsonw_object_begin(&w);
	for (const struct c2e_json *x = ja->child; x; x = x->next) {
		const struct c2e_json *y = c2e_json_get(jb, x->key);

		c2e_jsonw_key(&w, x->key);
		c2e_jsonw_value(&w, y ? y : x);
	}
	for (const struct c2e_json *y = jb->child; y; y = y->next) {
		if (c2e_json_get(ja, y->key))
			continue;
		c2e_jsonw_key(&w, y->key);
		c2e_jsonw_value(&w, y);
	}
	c2e_jsonw_object_end(&w);
	if (c2e_jsonw_failed(&w)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_json_parse(m.buf, m.len, "merged record", &jm, err);
	if (rc == 0)
		rc = c2e_md_from_json(jm, org_doc->type->name,
		                      org_doc->full_name, "merged record", out,
		                      err);
done:
	c2e_json_free(ja);
	c2e_json_free(jb);
	c2e_json_free(jm);
	c2e_buf_release(&a);
	c2e_buf_release(&b);
	c2e_buf_release(&m);
	return rc;
}

/* True when every field of `want` has the same value in `have`. */
static bool has_fields(const struct c2e_md_doc *have,
                       const struct c2e_md_doc *want)
{
	struct c2e_buf a = C2E_BUF_INIT, b = C2E_BUF_INIT;
	struct c2e_json *ja = NULL, *jb = NULL;
	struct c2e_jsonw w;
	bool ok = false;

	c2e_jsonw_init(&w, &a, false);
	c2e_md_to_json(have->root, &w);
	c2e_jsonw_init(&w, &b, false);
	c2e_md_to_json(want->root, &w);
	if (c2e_json_parse(a.buf, a.len, "have", &ja, NULL) == 0 &&
	    c2e_json_parse(b.buf, b.len, "want", &jb, NULL) == 0) {
		ok = true;
		for (const struct c2e_json *y = jb->child; ok && y; y = y->next)
			ok = c2e_json_equal(y, c2e_json_get(ja, y->key));
	}
	c2e_json_free(ja);
	c2e_json_free(jb);
	c2e_buf_release(&a);
	c2e_buf_release(&b);
	return ok;
}

/* --- executing steps
 * ----------------------------------------------------------- */

/* Steps that only read the org: their intent need not reach the disk
 * before the request does. */
static bool reads_only(const char *kind)
{
	return c2e_str_eq(kind, "read_back") || c2e_str_eq(kind, "verify");
}

static int begin(struct run *r, size_t i, size_t n, char **befores)
{
	int64_t ids[BATCH];
	int rc;

	for (size_t k = 0; k < n; k++)
		ids[k] = r->steps[i + k].id;
	if (r->pending.n) {
		struct dones *d = &r->pending;

		rc = c2e_journal_steps_advance(
		        r->j, d->ids, (const char *const *)d->images,
		        (const char *const *)d->results, d->n, ids,
		        (const char *const *)befores, n,
		        !befores && reads_only(r->steps[i].kind), r->err);
		if (rc == 0)
			dones_clear(d);
	} else if (!befores && reads_only(r->steps[i].kind)) {
		rc = c2e_journal_steps_begin_reads(r->j, ids, n, r->err);
	} else {
		rc = c2e_journal_steps_begin(
		        r->j, ids, (const char *const *)befores, n, r->err);
	}
	if (rc == 0)
		crash_point(r);
	return rc;
}

static int done_step(struct run *r, const struct c2e_step *s,
                     const struct c2e_md_doc *after, const char *result)
{
	char *img = NULL;
	int rc = C2E_OK;

	if (after)
		rc = doc_json(after, &img, r->err);
	if (rc == 0)
		rc = flush(r, r->err);
	if (rc == 0)
		rc = c2e_journal_step_done(r->j, s->id, img, result, r->err);
	if (rc == 0 && s >= r->steps && s < r->steps + r->n)
		rc = done_in_memory(r, &r->steps[s - r->steps], img, result);
	free(img);
	return rc;
}

static void dones_clear(struct dones *d)
{
	for (size_t k = 0; k < d->n; k++) {
		free(d->images[k]);
		free(d->results[k]);
	}
	d->n = 0;
}

/* The run's copy of step `s` says what the journal will say. */
static int done_in_memory(struct run *r, struct c2e_step *s, const char *image,
                          const char *result)
{
	char *img = image ? c2e_strdup(image) : NULL;
	char *res = result ? c2e_strdup(result) : NULL;

	if ((image && !img) || (result && !res)) {
		free(img);
		free(res);
		return c2e_err_oom(r->err);
	}
	free(s->after_image);
	free(s->result);
	s->after_image = img;
	s->result = res;
	s->state = C2E_STEP_DONE;
	return C2E_OK;
}

static int dones_add(struct run *r, struct dones *d, const struct c2e_step *s,
                     const struct c2e_md_doc *after, const char *result)
{
	char *img = NULL, *res = NULL;
	int rc = after ? doc_json(after, &img, r->err) : C2E_OK;

	if (rc == 0 && result && !(res = c2e_strdup(result)))
		rc = c2e_err_oom(r->err);
	if (rc < 0) {
		free(img);
		return rc;
	}
	d->ids[d->n] = s->id;
	d->images[d->n] = img;
	d->results[d->n] = res;
	d->idx[d->n] = (size_t)(s - r->steps);
	d->n++;
	return C2E_OK;
}

/* Commits the run's deferred completions now (lazily). */
static int flush(struct run *r, struct c2e_err *err)
{
	struct dones *d = &r->pending;
	int rc;

	if (!d->n)
		return C2E_OK;
	rc = c2e_journal_steps_done(r->j, d->ids,
	                            (const char *const *)d->images,
	                            (const char *const *)d->results, d->n, err);
	dones_clear(d);
	return rc;
}

/*
 * The batch's completions.  When the batch went well they wait for the
 * next batch's intent and are committed in its transaction (the run's
 * copy of the steps is updated now): a crash before that loses them, and
 * resume finds those steps in flight and reconciles them with the org,
 * as after a crash before any completion.  When the batch failed
 * (`rc` < 0) they are committed at once.  Returns the first error.
 */
static int dones_defer(struct run *r, struct dones *d, int rc)
{
	struct c2e_err scratch = C2E_ERR_INIT;
	int rc2 = C2E_OK;

	for (size_t k = 0; rc == 0 && k < d->n; k++)
		rc = done_in_memory(r, &r->steps[d->idx[k]], d->images[k],
		                    d->results[k]);
	if (rc == 0 && r->pending.n == 0) {
		r->pending = *d;
		d->n = 0;
		return C2E_OK;
	}
	rc2 = flush(r, rc < 0 ? &scratch : r->err);
	if (rc2 == 0 && d->n)
		rc2 = c2e_journal_steps_done(r->j, d->ids,
		                             (const char *const *)d->images,
		                             (const char *const *)d->results,
		                             d->n, rc < 0 ? &scratch : r->err);
	dones_clear(d);
	return rc < 0 ? rc : rc2;
}

/*
 * The org refused a create as a duplicate, and the step's earlier request
 * was lost in flight: that request may have landed after resume looked.
 */
static bool late_landed(const struct run *r, size_t i,
                        const struct c2e_save_result *res)
{
	return r->late_create && r->late_create[i] &&
	       c2e_str_eq(res->status_code, "DUPLICATE_VALUE");
}

/*
 * Takes the record the lost request created as the step's result when the
 * org has it with the planned fields; otherwise the refusal stands.
 */
static int adopt_late(struct run *r, size_t i, const struct c2e_md_doc *doc,
                      const struct c2e_save_result *res, const char *result)
{
	const struct c2e_step *s = &r->steps[i];
	const char *names[1] = { doc->full_name };
	struct c2e_md_doc *have = NULL;
	int rc;

	rc = c2e_mdapi_read(r->org, doc->type->name, names, 1, &have, r->err);
	if (rc < 0)
		return rc;
	if (have && has_fields(have, doc)) {
		say(&r->o->progress,
		    "step %d: the interrupted request for %s %s reached the org "
		    "late: done",
		    s->seq, s->component_type, s->component_name);
		rc = done_step(r, s, have, result);
	} else {
		rc = step_refused(r, s, res);
	}
	c2e_md_doc_free(have);
	return rc;
}

static int exec_create(struct run *r, size_t i, size_t n)
{
	struct c2e_md_doc *docs[BATCH];
	struct c2e_save_result res[BATCH];
	struct dones d = { .n = 0 };
	bool unknown = false;
	int rc;

	for (size_t k = 0; k < n; k++) {
		const struct c2e_plan_component *c =
		        plan_doc(r, &r->steps[i + k]);

		if (!c)
			return c2e_err_set(
			        r->err, C2E_EDATA,
			        "step %d has no component in the plan",
			        r->steps[i + k].seq);
		docs[k] = c->doc;
	}
	say(&r->o->progress, "create %zu %s: %s%s", n,
	    r->steps[i].component_type, r->steps[i].component_name,
	    n > 1 ? ", ..." : "");
	rc = begin(r, i, n, NULL);
	if (rc < 0)
		return rc;
	memset(res, 0, sizeof(res));
	rc = c2e_mdapi_create(r->org, docs, n, res, &unknown, r->err);
	crash_point(r);
	if (rc < 0)
		return call_failed(r, i, n, unknown, rc);
	for (size_t k = 0; rc == 0 && k < n; k++)
		rc = res[k].success ?
		             dones_add(r, &d, &r->steps[i + k], docs[k], NULL) :
		     late_landed(r, i + k, &res[k]) ?
		             adopt_late(r, i + k, docs[k], &res[k], NULL) :
		             step_refused(r, &r->steps[i + k], &res[k]);
	c2e_save_results_release(res, n);
	return dones_defer(r, &d, rc);
}

/*
 * One update (or create) call for some steps of the batch [i, i+n):
 * docs[k] belongs to step i + idx[k].  Each step's result names the
 * record ("updated"/"created" and its full name) for rollback.
 */
static int write_group(struct run *r, size_t i, size_t n,
                       struct c2e_md_doc **docs, const size_t *idx,
                       size_t count, bool update, bool last)
{
	struct c2e_save_result res[BATCH];
	struct dones d = { .n = 0 };
	bool unknown = false;
	int rc;

	memset(res, 0, sizeof(res));
	rc = update ? c2e_mdapi_update(r->org, docs, count, res, &unknown,
	                               r->err) :
	              c2e_mdapi_create(r->org, docs, count, res, &unknown,
	                               r->err);
	if (last)
		crash_point(r);
	if (rc < 0)
		return call_failed(r, i, n, unknown, rc);
	for (size_t k = 0; rc == 0 && k < count; k++) {
		struct c2e_step *s = &r->steps[i + idx[k]];
		char result[320];

		if (snprintf(result, sizeof(result),
		             "{\"action\":\"%s\",\"fullName\":\"%s\"}",
		             update ? "updated" : "created",
		             docs[k]->full_name) < 0)
			result[0] = '\0';
		rc = res[k].success ? dones_add(r, &d, s, docs[k], result) :
		     !update && late_landed(r, i + idx[k], &res[k]) ?
		                      adopt_late(r, i + idx[k], docs[k],
		                                 &res[k], result) :
		                      step_refused(r, s, &res[k]);
	}
	c2e_save_results_release(res, count);
	return dones_defer(r, &d, rc);
}

/* update_generated and create_or_update. */
static int exec_generated(struct run *r, size_t i, size_t n)
{
	const char *type = r->steps[i].component_type;
	struct c2e_md_doc *found[BATCH] = { NULL };
	struct c2e_md_doc *upd[BATCH], *crt[BATCH];
	size_t upd_k[BATCH], crt_k[BATCH], nu = 0, nc = 0;
	char *before[BATCH] = { NULL };
	int rc;

	memset(upd, 0, sizeof(upd));
	rc = discover(r, type, i, n, false, found);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct c2e_plan_component *c =
		        plan_doc(r, &r->steps[i + k]);

		if (!c) {
			rc = c2e_err_set(r->err, C2E_EDATA,
			                 "step %d has no component in the plan",
			                 r->steps[i + k].seq);
			break;
		}
		if (found[k]) {
			rc = doc_json(found[k], &before[k], r->err);
			if (rc == 0)
				rc = merge(found[k], c->doc, &upd[nu], r->err);
			upd_k[nu++] = k;
		} else {
			/* the org generated none: ca2eca creates it */
			crt[nc] = c->doc;
			crt_k[nc++] = k;
		}
	}
	if (rc < 0)
		goto done;
	say(&r->o->progress, "%s %zu %s%s", nu ? "update" : "create", n, type,
	    nu && nc ? " (some created: the org generated none)" :
	    nu       ? " (the records the org generated)" :
	               "");
	rc = begin(r, i, n, before);
	if (rc < 0)
		goto done;
	if (nu) {
		rc = write_group(r, i, n, upd, upd_k, nu, true, nc == 0);
		if (rc < 0)
			goto done;
	}
	if (nc)
		rc = write_group(r, i, n, crt, crt_k, nc, false, true);
done:
	for (size_t k = 0; k < n; k++) {
		c2e_md_doc_free(found[k]);
		c2e_md_doc_free(upd[k]);
		free(before[k]);
	}
	return rc;
}

/* Looks the consumer key up through Connect REST (ECA id by name). */
static int key_from_connect(struct run *r, const char *eca, char **key_out)
{
	struct c2e_buf q = C2E_BUF_INIT;
	struct c2e_json *recs = NULL;
	struct c2e_oauth_consumer *cons = NULL;
	size_t n = 0;
	int rc;

	*key_out = NULL;
	c2e_buf_adds(&q, "SELECT Id FROM ExternalClientApplication WHERE "
	                 "DeveloperName = ");
	rc = c2e_soql_quote(eca, &q, r->err);
	if (rc == 0)
		rc = c2e_rest_query(r->org, q.buf, false, &recs, r->err);
	if (rc == 0 && (!recs->child || !c2e_json_get_str(recs->child, "Id")))
		rc = c2e_err_set(r->err, C2E_EREMOTE,
		                 "the org does not show ECA '%s'", eca);
	if (rc == 0)
		rc = c2e_rest_eca_consumers(r->org,
		                            c2e_json_get_str(recs->child, "Id"),
		                            &cons, &n, r->err);
	if (rc == 0 && n && cons[0].key) {
		*key_out = c2e_strdup(cons[0].key);
		if (!*key_out)
			rc = c2e_err_oom(r->err);
	}
	c2e_oauth_consumers_free(cons, n);
	c2e_json_free(recs);
	c2e_buf_release(&q);
	return rc;
}

/* read_back: the new consumer keys and OAuth links, a batch of apps. */
static int exec_read_back(struct run *r, size_t i, size_t n)
{
	const char *gnames[BATCH], *onames[BATCH];
	struct c2e_md_doc *g[BATCH] = { NULL }, *o[BATCH] = { NULL };
	struct dones d = { .n = 0 };
	int rc;

	for (size_t k = 0; k < n; k++) {
		const struct c2e_plan_app *a =
		        c2e_plan_app(r->plan, r->steps[i + k].app);
		const struct c2e_plan_component *gc =
		        c2e_plan_component(a, "ExtlClntAppGlobalOauthSettings");
		const struct c2e_plan_component *oc =
		        c2e_plan_component(a, "ExtlClntAppOauthSettings");

		if (!gc || !oc)
			return c2e_err_set(r->err, C2E_EDATA,
			                   "app '%s' has no OAuth settings in "
			                   "the plan",
			                   a->connected_app);
		gnames[k] = gc->doc->full_name;
		onames[k] = oc->doc->full_name;
	}
	rc = begin(r, i, n, NULL);
	if (rc == 0)
		rc = c2e_mdapi_read(r->org, "ExtlClntAppGlobalOauthSettings",
		                    gnames, n, g, r->err);
	if (rc == 0)
		rc = c2e_mdapi_read(r->org, "ExtlClntAppOauthSettings", onames,
		                    n, o, r->err);
	if (rc < 0) {
		rc = call_failed(r, i, n, false, rc);
		goto done;
	}
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct c2e_step *s = &r->steps[i + k];
		const char *key =
		        g[k] ? c2e_md_get(g[k]->root, "consumerKey") : NULL;
		const char *link =
		        o[k] ? c2e_md_get(o[k]->root, "oauthLink") : NULL;
		char *rest_key = NULL;
		struct c2e_buf res = C2E_BUF_INIT;
		struct c2e_jsonw w;

		if (!key) {
			const struct c2e_plan_app *a =
			        c2e_plan_app(r->plan, s->app);

			rc = key_from_connect(r, a->eca, &rest_key);
			if (rc < 0)
				break;
			key = rest_key;
		}
		if (!key || !link) {
			free(rest_key);
			rc = c2e_journal_step_failed(
			        r->j, s->id,
			        "the org returned no consumer key or OAuth link",
			        r->err);
			if (rc == 0)
				rc = c2e_err_set(
				        r->err, C2E_EREMOTE,
				        "ECA of '%s': the org returned no "
				        "consumer key or OAuth link; run %lld "
				        "stopped: 'ca2eca resume' asks again",
				        s->app, (long long)r->run_id);
			break;
		}
		c2e_jsonw_init(&w, &res, false);
		c2e_jsonw_object_begin(&w);
		c2e_jsonw_kv_string(&w, "consumerKey", key);
		c2e_jsonw_kv_string(&w, "oauthLink", link);
		c2e_jsonw_object_end(&w);
		free(rest_key);
		if (c2e_jsonw_failed(&w))
			rc = c2e_err_oom(r->err);
		else
			rc = dones_add(r, &d, s, NULL, res.buf);
		c2e_buf_release(&res);
		say(&r->o->progress, "ECA of %s: consumer key read back",
		    s->app);
	}
	rc = dones_defer(r, &d, rc);
done:
	for (size_t k = 0; k < n; k++) {
		c2e_md_doc_free(g[k]);
		c2e_md_doc_free(o[k]);
	}
	return rc;
}

static bool has_scope(const char *scopes, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = scopes; p && *p;) {
		size_t len = strcspn(p, " ");

		if (len == wl && !strncmp(p, want, wl))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

/*
 * One JWT bearer exchange with the new ECA, retried with backoff over the
 * verify window (a new ECA can take minutes to become usable).  On success
 * *scope_out holds the granted scope.
 */
static int jwt_check(struct c2e_org *org, const struct c2e_migrate_opts *o,
                     const char *consumer_key, bool want_interaction,
                     char **scope_out, struct c2e_err *err)
{
	const struct c2e_session *s = c2e_org_session(org);
	long window = o->verify_window > 0 ? o->verify_window :
	                                     C2E_VERIFY_WINDOW_DEFAULT;
	long base = env_long("CA2ECA_RETRY_BASE_MS");
	time_t start = time(NULL);
	struct c2e_jwt_grant g;
	int attempt = 0, rc;

	*scope_out = NULL;
	if (!o->jwt_key || !o->verify_user)
		return c2e_err_set(err, C2E_EUSAGE,
		                   "verification needs --jwt-key and "
		                   "--verify-user");
	memset(&g, 0, sizeof(g));
	g.login_url =
	        o->verify_login_url ? o->verify_login_url : s->instance_url;
	g.client_id = consumer_key;
	g.username = o->verify_user;
	g.audience = o->audience;
	g.key = o->jwt_key;
	if (base <= 0)
		base = 2000;
	for (;;) {
		struct c2e_token tok = C2E_TOKEN_INIT;
		long delay;

		attempt++;
		rc = c2e_jwt_bearer(c2e_org_http(org), &g, &tok, err);
		if (rc == 0) {
			if (want_interaction &&
			    !has_scope(tok.scope, "interaction_api")) {
				rc = c2e_err_set(
				        err, C2E_EAUTH,
				        "the new ECA issued a token without "
				        "the interaction_api scope (scope: "
				        "'%s')",
				        tok.scope ? tok.scope : "");
			} else {
				*scope_out =
				        c2e_strdup(tok.scope ? tok.scope : "");
				if (!*scope_out)
					rc = c2e_err_oom(err);
			}
			c2e_token_release(&tok);
			return rc;
		}
		if (rc == C2E_EAUTH && tok.error[0]) {
			bool not_yet = strstr(tok.error_description,
			                      "not installed") != NULL;

			rc = c2e_err_set(
			        err, C2E_EAUTH,
			        not_yet ?
			                "the new ECA is not usable yet (%s: %s): "
			                "it can take minutes after creation; "
			                "resume later or give a longer "
			                "--verify-window" :
			                "the new ECA refused the JWT bearer "
			                "exchange for '%s' (%s: %s)",
			        not_yet ? tok.error : o->verify_user,
			        not_yet ? tok.error_description : tok.error,
			        not_yet ? "" : tok.error_description);
		}
		c2e_token_release(&tok);
		if (rc == C2E_EUSAGE || rc == C2E_ENOMEM)
			return rc;
		delay = base << (attempt < 5 ? attempt - 1 : 4);
		if (delay > 30000)
			delay = 30000;
		if (time(NULL) - start + delay / 1000 >= window)
			return rc;
		{
			struct timespec ts = { delay / 1000,
				               (delay % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

static int exec_verify(struct run *r, size_t i)
{
	const struct c2e_step *s = &r->steps[i];
	const struct c2e_step *rb = find_step(r, "read_back", s->app);
	const struct c2e_plan_app *a = c2e_plan_app(r->plan, s->app);
	char *key = rb ? result_field(rb->result, "consumerKey") : NULL;
	char *scope = NULL, label[256];
	struct c2e_buf res = C2E_BUF_INIT;
	int rc;

	if (!key)
		return c2e_err_set(r->err, C2E_ERROR,
		                   "verify of '%s' before its read-back",
		                   s->app);
	say(&r->o->progress, "verify %s: JWT bearer exchange as %s", a->eca,
	    r->o->verify_user ? r->o->verify_user : "?");
	rc = begin(r, i, 1, NULL);
	if (rc == 0)
		rc = jwt_check(r->org, r->o, key, a->interaction, &scope,
		               r->err);
	if (rc < 0) {
		char msg[C2E_ERR_MSG_MAX];

		memcpy(msg, r->err->msg, sizeof(msg));
		if (rc != C2E_EUSAGE &&
		    c2e_journal_step_failed(r->j, s->id, msg, r->err) < 0)
			goto done;
		rc = c2e_err_set(r->err, rc == C2E_EUSAGE ? rc : C2E_EAUTH,
		                 "%s: the new ECA did not pass verification: "
		                 "%s; run %lld stopped: fix it, then 'ca2eca "
		                 "resume'",
		                 step_label(s, label, sizeof(label)), msg,
		                 (long long)r->run_id);
		goto done;
	}
	c2e_buf_addf(&res, "{\"scope\":");
	c2e_json_quote(&res, scope);
	c2e_buf_addc(&res, '}');
	if (c2e_buf_failed(&res)) {
		rc = c2e_err_oom(r->err);
	} else {
		struct dones d = { .n = 0 };

		rc = dones_add(r, &d, s, NULL, res.buf);
		rc = dones_defer(r, &d, rc);
	}
	say(&r->o->progress, "verify %s: passed (scope %s)", a->eca, scope);
done:
	c2e_buf_release(&res);
	free(scope);
	free(key);
	return rc;
}

static int manual_line(struct c2e_strv *sv, const char *ccd, const char *eca,
                       const char *link, struct c2e_err *err)
{
	char line[768];

	if (snprintf(line, sizeof(line),
	             "In Setup, open Messaging Settings, select the Bring Your "
	             "Own Channel channel of '%s', choose Modify Conversation "
	             "Channel Definition, and select the external client app "
	             "'%s' (OAuth link %s); then run 'ca2eca resume'",
	             ccd, eca, link) < 0)
		line[0] = '\0';
	return c2e_strv_push(sv, line, err);
}

static int read_ccd(struct run *r, const char *name, struct c2e_md_doc **out)
{
	const char *names[1] = { name };
	int rc;

	*out = NULL;
	rc = c2e_mdapi_read(r->org, "ConversationChannelDefinition", names, 1,
	                    out, r->err);
	if (rc == 0 && !*out)
		rc = c2e_err_set(r->err, C2E_EREMOTE,
		                 "channel definition '%s' is gone from the org",
		                 name);
	return rc;
}

/*
 * --ccd manual: the channel definition is changed in Setup.  The first
 * time the step waits (failed, with the Setup steps); once the CCD points
 * at the ECA, resume records it done.
 */
static int exec_repoint_manual(struct run *r, size_t i)
{
	const struct c2e_step *s = &r->steps[i];
	const struct c2e_step *rb = find_step(r, "read_back", s->app);
	const struct c2e_plan_app *a = c2e_plan_app(r->plan, s->app);
	char *link = rb ? result_field(rb->result, "oauthLink") : NULL;
	struct c2e_md_doc *ccd = NULL;
	char *before = NULL;
	const char *now;
	int rc;

	if (!link)
		return c2e_err_set(r->err, C2E_ERROR,
		                   "repoint of '%s' before its read-back",
		                   s->component_name);
	rc = read_ccd(r, s->component_name, &ccd);
	if (rc < 0)
		goto done;
	now = c2e_md_get(ccd->root, "customerConnectedAppOauthLink");
	if (c2e_str_eq(now, link)) {
		/* the Setup step was done; the before-image was kept when the
		 * step first waited for it */
		rc = begin(r, i, 1, NULL);
		if (rc == 0)
			rc = done_step(r, s, ccd, NULL);
		say(&r->o->progress, "channel %s points at %s",
		    s->component_name, a->eca);
		goto done;
	}
	/* what rollback restores once the Setup step is done */
	rc = doc_json(ccd, &before, r->err);
	if (rc == 0)
		rc = begin(r, i, 1, &before);
	if (rc < 0)
		goto done;
	rc = c2e_journal_step_failed(
	        r->j, s->id, "waiting for the Setup step (--ccd manual)",
	        r->err);
	if (rc == 0)
		rc = c2e_err_set(
		        r->err, C2E_ESTOPPED,
		        "channel definition '%s' does not point at ECA "
		        "'%s' yet (--ccd manual): in Setup, Messaging "
		        "Settings, Bring Your Own Channel, Modify "
		        "Conversation Channel Definition, select '%s'; "
		        "then run 'ca2eca resume'",
		        s->component_name, a->eca, a->eca);
done:
	c2e_md_doc_free(ccd);
	free(before);
	free(link);
	return rc;
}

/*
 * Repoints the channel definitions of steps i..i+n-1 (--ccd auto): one
 * read of all of them right before the update (the before-images; a
 * change made in Setup since the inventory is kept), one update, one
 * confirming read -- three calls per 10 channel definitions.
 */
static int exec_repoint(struct run *r, size_t i, size_t n)
{
	const char *names[BATCH] = { NULL };
	char *links[BATCH] = { NULL }, *before[BATCH] = { NULL };
	struct c2e_md_doc *ccd[BATCH] = { NULL }, *check[BATCH] = { NULL };
	struct c2e_save_result res[BATCH];
	struct dones d = { .n = 0 };
	bool unknown = false;
	int rc = C2E_OK;

	if (r->o->ccd_manual)
		return exec_repoint_manual(r, i);
	memset(res, 0, sizeof(res));
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct c2e_step *s = &r->steps[i + k];
		const struct c2e_step *rb = find_step(r, "read_back", s->app);

		names[k] = s->component_name;
		links[k] = rb ? result_field(rb->result, "oauthLink") : NULL;
		if (!links[k])
			rc = c2e_err_set(r->err, C2E_ERROR,
			                 "repoint of '%s' before its read-back",
			                 s->component_name);
	}
	if (rc == 0)
		rc = c2e_mdapi_read(r->org, "ConversationChannelDefinition",
		                    names, n, ccd, r->err);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		if (!ccd[k]) {
			rc = c2e_err_set(r->err, C2E_EREMOTE,
			                 "channel definition '%s' is gone from "
			                 "the org",
			                 names[k]);
			break;
		}
		rc = doc_json(ccd[k], &before[k], r->err);
		/* the partner link stays as it is; the customer link moves */
		c2e_md_remove(ccd[k]->root, "connectedAppOauthLink");
		if (rc == 0)
			rc = c2e_md_set(ccd[k]->root, "connectedAppType",
			                "Customer", r->err);
		if (rc == 0)
			rc = c2e_md_set(ccd[k]->root,
			                "customerConnectedAppOauthLink",
			                links[k], r->err);
	}
	if (rc < 0)
		goto done;
	if (n == 1)
		say(&r->o->progress, "repoint channel %s to %s", names[0],
		    c2e_plan_app(r->plan, r->steps[i].app) ?
		            c2e_plan_app(r->plan, r->steps[i].app)->eca :
		            "?");
	else
		say(&r->o->progress, "repoint %zu channel definitions: %s, ...",
		    n, names[0]);
	rc = begin(r, i, n, before);
	if (rc < 0)
		goto done;
	rc = c2e_mdapi_update(r->org, ccd, n, res, &unknown, r->err);
	crash_point(r);
	if (rc < 0) {
		rc = call_failed(r, i, n, unknown, rc);
		goto done;
	}
	for (size_t k = 0; rc == 0 && k < n; k++)
		if (!res[k].success)
			rc = step_refused(r, &r->steps[i + k], &res[k]);
	if (rc < 0)
		goto done;
	/* read back to confirm */
	rc = c2e_mdapi_read(r->org, "ConversationChannelDefinition", names, n,
	                    check, r->err);
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const struct c2e_step *s = &r->steps[i + k];
		const struct c2e_plan_app *a = c2e_plan_app(r->plan, s->app);

		if (check[k] &&
		    c2e_str_eq(c2e_md_get(check[k]->root,
		                          "customerConnectedAppOauthLink"),
		               links[k])) {
			rc = dones_add(r, &d, s, check[k], NULL);
			continue;
		}
		rc = c2e_journal_step_failed(
		        r->j, s->id, "the org did not keep the new link",
		        r->err);
		if (rc == 0)
			rc = c2e_err_set(
			        r->err, C2E_EREMOTE,
			        "channel definition '%s' did not keep the link to "
			        "ECA '%s': repoint it in Setup (rerun with --ccd "
			        "manual for the steps)",
			        s->component_name, a ? a->eca : "?");
	}
	rc = dones_defer(r, &d, rc);
done:
	c2e_save_results_release(res, n);
	for (size_t k = 0; k < n; k++) {
		c2e_md_doc_free(ccd[k]);
		c2e_md_doc_free(check[k]);
		free(before[k]);
		free(links[k]);
	}
	return rc;
}

/* --- reconciling in_flight steps (resume) ------------------------------------
 */

/*
 * Was the in_flight step `i` carried out?  Marks it done when the org
 * shows its effect; otherwise leaves it for redoing.
 */
static int reconcile(struct run *r, size_t i)
{
	const struct c2e_step *s = &r->steps[i];
	const struct c2e_plan_component *c = plan_doc(r, s);
	struct c2e_md_doc *have = NULL;
	int rc = C2E_OK;

	if (!strcmp(s->kind, "create") && c) {
		const char *names[1] = { c->doc->full_name };

		rc = c2e_mdapi_read(r->org, c->doc->type->name, names, 1, &have,
		                    r->err);
		if (rc == 0 && have) {
			say(&r->o->progress,
			    "step %d: the org has %s %s: done before the "
			    "interruption",
			    s->seq, s->component_type, s->component_name);
			rc = done_step(r, s, have, NULL);
		}
	} else if ((!strcmp(s->kind, "update_generated") ||
	            !strcmp(s->kind, "create_or_update")) &&
	           c) {
		struct c2e_md_doc *found[1] = { NULL };

		rc = discover(r, s->component_type, i, 1, true, found);
		if (rc == 0 && found[0] && has_fields(found[0], c->doc)) {
			char result[320];

			if (snprintf(result, sizeof(result),
			             "{\"action\":\"%s\",\"fullName\":\"%s\"}",
			             s->before_image ? "updated" : "created",
			             found[0]->full_name) < 0)
				result[0] = '\0';
			say(&r->o->progress,
			    "step %d: the org has the %s of %s: done before "
			    "the interruption",
			    s->seq, s->component_type, s->app);
			rc = done_step(r, s, found[0], result);
		}
		c2e_md_doc_free(found[0]);
	} else if (!strcmp(s->kind, "repoint")) {
		const struct c2e_step *rb = find_step(r, "read_back", s->app);
		char *link = rb ? result_field(rb->result, "oauthLink") : NULL;

		rc = read_ccd(r, s->component_name, &have);
		if (rc == 0 && link &&
		    c2e_str_eq(c2e_md_get(have->root,
		                          "customerConnectedAppOauthLink"),
		               link)) {
			say(&r->o->progress,
			    "step %d: channel %s already points at the ECA",
			    s->seq, s->component_name);
			rc = done_step(r, s, have, NULL);
		}
		free(link);
	}
	/* read_back and verify are simply done again */
	c2e_md_doc_free(have);
	return rc;
}

/* --- the run
 * --------------------------------------------------------------------- */

static int execute(struct run *r)
{
	int rc = reload(r);

	for (size_t i = 0; rc == 0 && i < r->n; i++)
		if (r->steps[i].state == C2E_STEP_UNDONE)
			return c2e_err_set(r->err, C2E_ECONFLICT,
			                   "run %lld was rolled back (step %d "
			                   "is undone): make and apply a new "
			                   "plan",
			                   (long long)r->run_id,
			                   r->steps[i].seq);
	if (rc == 0 && r->n) {
		r->late_create = calloc(r->n, sizeof(*r->late_create));
		if (!r->late_create)
			rc = c2e_err_oom(r->err);
	}
	for (size_t i = 0; rc == 0 && i < r->n; i++)
		if (r->steps[i].state == C2E_STEP_IN_FLIGHT)
			rc = reconcile(r, i);
	if (rc == 0)
		rc = reload(r);
	for (size_t i = 0; rc == 0 && i < r->n; i++)
		r->late_create[i] =
		        r->steps[i].state == C2E_STEP_IN_FLIGHT &&
		        (!strcmp(r->steps[i].kind, "create") ||
		         !strcmp(r->steps[i].kind, "create_or_update"));
	for (size_t i = 0; rc == 0 && i < r->n;) {
		const struct c2e_step *s = &r->steps[i];
		size_t n;

		if (s->state == C2E_STEP_DONE) {
			i++;
			continue;
		}
		n = batch_len(r, i);
		if (!strcmp(s->kind, "create"))
			rc = exec_create(r, i, n);
		else if (!strcmp(s->kind, "update_generated") ||
		         !strcmp(s->kind, "create_or_update"))
			rc = exec_generated(r, i, n);
		else if (!strcmp(s->kind, "read_back"))
			rc = exec_read_back(r, i, n);
		else if (!strcmp(s->kind, "verify"))
			rc = exec_verify(r, i);
		else if (!strcmp(s->kind, "repoint"))
			rc = exec_repoint(r, i, n);
		else if (!strcmp(s->kind, "retire"))
			n = 1; /* done by `ca2eca retire` only */
		else
			rc = c2e_err_set(r->err, C2E_EDATA,
			                 "step %d has an unknown kind '%s'",
			                 s->seq, s->kind);
		/* r->steps follows what was recorded (done_in_memory) */
		i += n;
	}
	if (rc == 0)
		rc = flush(r, r->err);
	free(r->late_create);
	r->late_create = NULL;
	return rc;
}

static int outcomes(struct run *r, struct c2e_migrate_result *res)
{
	int rc = reload(r);

	if (rc < 0)
		return rc;
	res->run_id = r->run_id;
	res->steps_total = r->n;
	res->steps_done = 0;
	for (size_t i = 0; i < r->n; i++)
		res->steps_done += r->steps[i].state == C2E_STEP_DONE;
	res->apps = calloc(r->plan->n_apps + 1, sizeof(*res->apps));
	if (!res->apps)
		return c2e_err_oom(r->err);
	for (size_t k = 0; k < r->plan->n_apps; k++) {
		const struct c2e_plan_app *a = &r->plan->apps[k];
		struct c2e_app_outcome *o = &res->apps[k];
		const struct c2e_step *rb =
		        find_step(r, "read_back", a->connected_app);
		const struct c2e_step *vf =
		        find_step(r, "verify", a->connected_app);

		res->n_apps = k + 1;
		o->app = c2e_strdup(a->connected_app);
		o->eca = c2e_strdup(a->eca);
		if (!o->app || !o->eca)
			return c2e_err_oom(r->err);
		if (rb && rb->state == C2E_STEP_DONE) {
			o->consumer_key =
			        result_field(rb->result, "consumerKey");
			o->oauth_link = result_field(rb->result, "oauthLink");
		}
		o->verified =
		        c2e_strdup(!vf ? "not applicable" :
		                   vf->state == C2E_STEP_DONE   ? "passed" :
		                   vf->state == C2E_STEP_FAILED ? "failed" :
		                                                  "not run");
		if (!o->verified)
			return c2e_err_oom(r->err);
		for (size_t i = 0; i < r->n; i++) {
			const struct c2e_step *s = &r->steps[i];

			if (strcmp(s->kind, "repoint") ||
			    strcmp(s->app, a->connected_app))
				continue;
			if (s->state == C2E_STEP_DONE)
				rc = c2e_strv_push(&o->ccds_done,
				                   s->component_name, r->err);
			else if (r->o->ccd_manual && o->oauth_link)
				rc = manual_line(&o->manual_steps,
				                 s->component_name, a->eca,
				                 o->oauth_link, r->err);
			if (rc < 0)
				return rc;
		}
	}
	return C2E_OK;
}

static int finish(struct run *r, int rc, struct c2e_migrate_result *res)
{
	struct c2e_err e2 = C2E_ERR_INIT;
	enum c2e_run_state st;

	/* completions still waiting for an intent (dones_defer) */
	if (flush(r, rc < 0 ? &e2 : r->err) < 0 && rc == 0)
		rc = r->err->code;
	st = rc == 0 ? C2E_RUN_DONE : C2E_RUN_FAILED;
	if (c2e_journal_run_set_state(r->j, r->run_id, st, &e2) < 0 && rc == 0)
		rc = c2e_err_set(r->err, e2.code, "%s", e2.msg);
	res->state = st;
	if (res && outcomes(r, res) < 0 && rc == 0)
		rc = r->err->code;
	c2e_steps_free(r->steps, r->n);
	r->steps = NULL;
	r->n = 0;
	listing_drop(r);
	return rc;
}

/* The plan must be for the org we are logged in to. */
static int same_org(struct c2e_org *org, const struct c2e_plan *plan,
                    const char *what, struct c2e_err *err)
{
	const struct c2e_session *s = c2e_org_session(org);

	if (s->org_id && !c2e_str_eq(s->org_id, plan->org_id) &&
	    strncmp(s->org_id, plan->org_id, 15) != 0)
		return c2e_err_set(err, C2E_EDATA,
		                   "%s is for org %s (%s), but this session is "
		                   "for org %s (%s): nothing was changed",
		                   what, plan->org_id, plan->instance_url,
		                   s->org_id, s->instance_url);
	return C2E_OK;
}

static int check_keys(const struct c2e_plan *plan,
                      const struct c2e_migrate_opts *o, struct c2e_err *err)
{
	for (size_t i = 0; i < plan->n_apps; i++) {
		const struct c2e_plan_app *a = &plan->apps[i];
		const struct c2e_plan_component *g;
		const char *cert;
		bool match = false;
		int rc;

		if (!a->jwt)
			continue;
		if (!o->jwt_key || !o->verify_user)
			return c2e_err_set(
			        err, C2E_EUSAGE,
			        "'%s' is verified with a JWT bearer exchange "
			        "once its ECA exists: give --jwt-key (the "
			        "private key of its certificate) and "
			        "--verify-user (a pre-authorized user)",
			        a->connected_app);
		g = c2e_plan_component(a, "ExtlClntAppGlobalOauthSettings");
		cert = g ? c2e_md_get(g->doc->root, "certificate") : NULL;
		if (!cert)
			continue;
		rc = c2e_pkey_matches_cert(o->jwt_key, cert, strlen(cert),
		                           &match, err);
		if (rc < 0)
			return rc;
		if (!match)
			return c2e_err_set(
			        err, C2E_EDATA,
			        "--jwt-key does not match the certificate of "
			        "'%s' (%s): nothing was changed",
			        a->connected_app,
			        a->cert_subject ? a->cert_subject : "");
	}
	return C2E_OK;
}

static int lock_org(struct c2e_journal *j, const char *org_id, const char *cmd,
                    struct c2e_lock **out, struct c2e_err *err)
{
	return c2e_lock_acquire(c2e_journal_path(j), org_id, cmd, out, NULL,
	                        err);
}

static int new_run(struct run *r, const char *plan_path, const char *plan_text,
                   const struct c2e_json *snap)
{
	const struct c2e_plan *p = r->plan;
	struct c2e_run_info info;
	struct c2e_step_def *defs = NULL;
	char host[256] = "";
	const char *user = getenv("USER")    ? getenv("USER") :
	                   getenv("LOGNAME") ? getenv("LOGNAME") :
	                                       "unknown";
	char *snap_text = NULL;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		memcpy(host, "unknown", 8);
	memset(&info, 0, sizeof(info));
	info.org_id = p->org_id;
	info.instance_url = c2e_org_session(r->org)->instance_url;
	info.username = c2e_org_session(r->org)->username;
	info.plan_hash = p->plan_hash;
	info.plan_path = plan_path;
	info.plan_json = plan_text;
	info.inventory_hash = p->inventory_hash;
	info.tool_version = C2E_VERSION;
	info.os_user = user;
	info.host = host;
	rc = c2e_journal_run_begin(r->j, &info, &r->run_id, r->err);
	if (rc < 0)
		return rc;
	defs = calloc(p->n_steps + 1, sizeof(*defs));
	if (!defs)
		return c2e_err_oom(r->err);
	for (size_t i = 0; i < p->n_steps; i++) {
		defs[i].seq = p->steps[i].seq;
		defs[i].app = p->steps[i].app;
		defs[i].kind = p->steps[i].kind;
		defs[i].component_type = p->steps[i].type;
		defs[i].component_name = p->steps[i].name;
	}
	rc = c2e_journal_steps_add(r->j, r->run_id, defs, p->n_steps, r->err);
	free(defs);
	if (rc < 0)
		return rc;
	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_value(&w, snap);
	rc = c2e_buf_take(&b, &snap_text, r->err);
	if (rc == 0)
		rc = c2e_journal_inventory_put(
		        r->j, p->org_id, p->inventory_hash, snap_text, r->err);
	free(snap_text);
	return rc;
}

/* A plan is applied once: a run of it is resumed, not applied again. */
static int applied_before(struct c2e_journal *j, const struct c2e_plan *plan,
                          struct c2e_err *err)
{
	struct c2e_run *runs = NULL;
	size_t n = 0;
	int rc = c2e_journal_runs(j, &runs, &n, err);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct c2e_run *r = &runs[i];

		if (!c2e_str_eq(r->plan_hash, plan->plan_hash) ||
		    r->state == C2E_RUN_ROLLED_BACK)
			continue;
		rc = c2e_err_set(
		        err, C2E_ECONFLICT,
		        r->state == C2E_RUN_DONE ?
		                "this plan was applied already (run "
		                "%lld, done): nothing was changed" :
		                "this plan is being applied in run "
		                "%lld, which is not finished: continue "
		                "it with 'ca2eca resume %lld'",
		        (long long)r->id, (long long)r->id);
	}
	c2e_runs_free(runs, n);
	return rc;
}

int c2e_apply(struct c2e_org *org, struct c2e_journal *j,
              const struct c2e_plan *plan, const char *plan_path,
              const char *plan_text, const struct c2e_migrate_opts *opts,
              struct c2e_migrate_result *res, struct c2e_err *err)
{
	struct run r;
	struct c2e_lock *lock = NULL;
	struct c2e_inventory *inv = NULL;
	struct c2e_json *snap = NULL;
	struct c2e_map_opts mo = { plan->name_template, plan->distribution };
	char what[300];
	int rc;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.org = org;
	r.j = j;
	r.plan = plan;
	r.o = opts;
	r.err = err;
	r.crash_at = env_long("CA2ECA_TEST_CRASH_AT");
	if (snprintf(what, sizeof(what), "plan '%s'",
	             plan_path ? plan_path : "-") < 0)
		what[0] = '\0';
	rc = same_org(org, plan, what, err);
	if (rc == 0)
		rc = check_keys(plan, opts, err);
	if (rc == 0 && !opts->held_lock)
		rc = lock_org(j, plan->org_id, "apply", &lock, err);
	if (rc == 0)
		rc = applied_before(j, plan, err);
	if (rc < 0)
		goto done;
	if (opts->held_lock) {
		/* made under this lock just now: its snapshot is the org */
		rc = new_run(&r, plan_path, plan_text, plan->inventory);
	} else {
		/* refresh: the org must still be as the plan saw it */
		say(&opts->progress,
		    "checking that org %s is as the plan saw it", plan->org_id);
		rc = c2e_inventory_take(org, &mo, time(NULL), &inv, err);
		if (rc == 0)
			rc = c2e_snapshot_take(org, plan, inv, &snap, err);
		if (rc == 0)
			rc = c2e_snapshot_compare(plan->inventory, snap, err);
		if (rc == 0)
			rc = new_run(&r, plan_path, plan_text, snap);
	}
	if (rc < 0)
		goto done;
	say(&opts->progress, "run %lld: %zu steps", (long long)r.run_id,
	    plan->n_steps);
	rc = execute(&r);
	rc = finish(&r, rc, res);
done:
	c2e_json_free(snap);
	c2e_inventory_free(inv);
	c2e_lock_release(lock);
	return rc;
}

int c2e_resume(struct c2e_org *org, struct c2e_journal *j, int64_t run_id,
               const struct c2e_migrate_opts *opts,
               struct c2e_migrate_result *res, struct c2e_err *err)
{
	struct run r;
	struct c2e_run run;
	struct c2e_plan *plan = NULL;
	struct c2e_lock *lock = NULL;
	char what[64];
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&run, 0, sizeof(run));
	memset(res, 0, sizeof(*res));
	rc = c2e_journal_run_get(j, run_id, &run, err);
	if (rc < 0)
		return rc;
	if (run.state == C2E_RUN_ROLLED_BACK) {
		rc = c2e_err_set(err, C2E_ECONFLICT,
		                 "run %lld was rolled back: make and apply a "
		                 "new plan",
		                 (long long)run_id);
		goto done;
	}
	if (snprintf(what, sizeof(what), "the plan of run %lld",
	             (long long)run_id) < 0)
		what[0] = '\0';
	rc = c2e_plan_parse(run.plan_json, strlen(run.plan_json), what, &plan,
	                    err);
	if (rc == 0)
		rc = same_org(org, plan, what, err);
	if (rc == 0)
		rc = check_keys(plan, opts, err);
	if (rc == 0)
		rc = lock_org(j, plan->org_id, "resume", &lock, err);
	if (rc == 0)
		rc = c2e_journal_run_set_state(j, run_id, C2E_RUN_RUNNING, err);
	if (rc < 0)
		goto done;
	r.org = org;
	r.j = j;
	r.plan = plan;
	r.o = opts;
	r.err = err;
	r.run_id = run_id;
	r.crash_at = env_long("CA2ECA_TEST_CRASH_AT");
	say(&opts->progress, "resuming run %lld", (long long)run_id);
	rc = execute(&r);
	rc = finish(&r, rc, res);
done:
	c2e_lock_release(lock);
	c2e_plan_free(plan);
	c2e_run_release(&run);
	return rc;
}

/* --- rollback
 * ----------------------------------------------------------------------- */

static bool undoable(const struct c2e_step *s,
                     const struct c2e_rollback_opts *o)
{
	if (s->state != C2E_STEP_DONE && s->state != C2E_STEP_IN_FLIGHT)
		return false;
	if (o->app && strcmp(o->app, s->app) != 0)
		return false;
	return s->seq > o->to_seq;
}

static int retired_check(const struct run *r, const struct c2e_rollback_opts *o)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct c2e_step *s = &r->steps[i];

		if (strcmp(s->kind, "retire") || s->state != C2E_STEP_DONE)
			continue;
		if (o->app && strcmp(o->app, s->app))
			continue;
		return c2e_err_set(r->err, C2E_ECONFLICT,
		                   "run %lld retired connected app '%s' (step "
		                   "%d): rollback cannot cross that, because a "
		                   "connected app cannot be created again",
		                   (long long)r->run_id, s->app, s->seq);
	}
	return C2E_OK;
}

/* Undoing this step deletes what it made (vs. restoring a record). */
static bool deletes_on_undo(const struct c2e_step *s)
{
	if (!strcmp(s->kind, "create"))
		return true;
	return (!strcmp(s->kind, "update_generated") ||
	        !strcmp(s->kind, "create_or_update")) &&
	       !s->before_image;
}

static const char *undo_what(const struct c2e_step *s)
{
	if (!strcmp(s->kind, "create"))
		return "delete";
	if (!strcmp(s->kind, "repoint"))
		return "restore the channel definition";
	if (!strcmp(s->kind, "update_generated") ||
	    !strcmp(s->kind, "create_or_update"))
		return s->before_image ? "restore" : "delete";
	return "nothing to undo for";
}

int c2e_rollback_preview(struct c2e_journal *j, int64_t run_id,
                         const struct c2e_rollback_opts *o,
                         struct c2e_strv *lines, struct c2e_err *err)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.j = j;
	r.run_id = run_id;
	r.err = err;
	rc = reload(&r);
	if (rc == 0)
		rc = retired_check(&r, o);
	for (size_t k = r.n; rc == 0 && k-- > 0;) {
		const struct c2e_step *s = &r.steps[k];
		char line[512];

		if (!undoable(s, o))
			continue;
		if (snprintf(line, sizeof(line), "step %d: %s %s%s%s%s", s->seq,
		             undo_what(s),
		             s->component_type ? s->component_type : s->kind,
		             s->component_name ? " " : "",
		             s->component_name ? s->component_name : "",
		             s->state == C2E_STEP_IN_FLIGHT ?
		                     " (in flight: checked first)" :
		                     "") < 0)
			line[0] = '\0';
		rc = c2e_strv_push(lines, line, err);
	}
	c2e_steps_free(r.steps, r.n);
	return rc;
}

/* The name the org gave a component a step wrote (generated records). */
static char *written_name(const struct c2e_step *s)
{
	char *n = result_field(s->result, "fullName");

	return n ? n : c2e_strdup(s->component_name);
}

static int undo_delete(struct run *r, const char *type, char **names,
                       struct c2e_step **steps, size_t n)
{
	struct c2e_save_result res[BATCH];
	bool unknown = false;
	int rc;

	memset(res, 0, sizeof(res));
	rc = c2e_mdapi_delete(r->org, type, (const char *const *)names, n, res,
	                      &unknown, r->err);
	if (rc < 0)
		return rc;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		/* a component that is already gone is undone too */
		if (!res[k].success &&
		    !c2e_str_eq(res[k].status_code,
		                "INVALID_CROSS_REFERENCE_KEY") &&
		    !c2e_str_eq(res[k].status_code, "NOT_FOUND")) {
			rc = c2e_err_set(
			        r->err, C2E_EREMOTE,
			        "rollback: deleting %s '%s' was refused: "
			        "%s: %s",
			        type, names[k],
			        res[k].status_code ? res[k].status_code :
			                             "ERROR",
			        res[k].message ? res[k].message : "");
			break;
		}
		rc = c2e_journal_step_undone(r->j, steps[k]->id, r->err);
	}
	c2e_save_results_release(res, n);
	return rc;
}

static int undo_restore(struct run *r, struct c2e_step *s)
{
	struct c2e_md_doc *doc = NULL;
	struct c2e_save_result res[1];
	bool unknown = false;
	char what[128];
	int rc;

	memset(res, 0, sizeof(res));
	if (snprintf(what, sizeof(what), "before-image of step %d", s->seq) < 0)
		what[0] = '\0';
	rc = doc_from_json_text(s->before_image, what, &doc, r->err);
	if (rc < 0)
		return rc;
	if (!strcmp(doc->type->name, "ConversationChannelDefinition"))
		c2e_md_remove(doc->root, "connectedAppOauthLink");
	rc = c2e_mdapi_update(r->org, &doc, 1, res, &unknown, r->err);
	if (rc == 0 && !res[0].success)
		rc = c2e_err_set(r->err, C2E_EREMOTE,
		                 "rollback: restoring %s '%s' was refused: %s: "
		                 "%s",
		                 doc->type->name, doc->full_name,
		                 res[0].status_code ? res[0].status_code :
		                                      "ERROR",
		                 res[0].message ? res[0].message : "");
	if (rc == 0)
		rc = c2e_journal_step_undone(r->j, s->id, r->err);
	c2e_save_results_release(res, 1);
	c2e_md_doc_free(doc);
	return rc;
}

int c2e_rollback(struct c2e_org *org, struct c2e_journal *j, int64_t run_id,
                 const struct c2e_rollback_opts *o, size_t *undone_out,
                 struct c2e_err *err)
{
	struct run r;
	struct c2e_run run;
	struct c2e_plan *plan = NULL;
	struct c2e_lock *lock = NULL;
	struct c2e_migrate_opts mo;
	size_t undone = 0;
	bool all = true;
	int rc;

	*undone_out = 0;
	memset(&r, 0, sizeof(r));
	memset(&run, 0, sizeof(run));
	memset(&mo, 0, sizeof(mo));
	mo.progress = o->progress;
	rc = c2e_journal_run_get(j, run_id, &run, err);
	if (rc == 0)
		rc = c2e_plan_parse(run.plan_json, strlen(run.plan_json),
		                    "the run's plan", &plan, err);
	if (rc == 0)
		rc = same_org(org, plan, "the run", err);
	if (rc == 0)
		rc = lock_org(j, plan->org_id, "rollback", &lock, err);
	if (rc < 0)
		goto done;
	r.org = org;
	r.j = j;
	r.plan = plan;
	r.o = &mo;
	r.err = err;
	r.run_id = run_id;
	rc = reload(&r);
	if (rc == 0)
		rc = retired_check(&r, o);
	/* steps left in flight: find out first whether they happened */
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (r.steps[i].state == C2E_STEP_IN_FLIGHT &&
		    undoable(&r.steps[i], o)) {
			rc = reconcile(&r, i);
			if (rc == 0)
				rc = reload(&r);
			if (rc == 0 && r.steps[i].state == C2E_STEP_IN_FLIGHT)
				rc = c2e_journal_step_failed(
				        j, r.steps[i].id,
				        "never completed: nothing to undo",
				        err);
		}
	if (rc == 0)
		rc = reload(&r);
	for (size_t k = r.n; rc == 0 && k-- > 0;) {
		struct c2e_step *s = &r.steps[k];

		if (!undoable(s, o))
			continue;
		if (deletes_on_undo(s)) {
			/* deletes of one type go together, up to ten */
			char *names[BATCH];
			struct c2e_step *st[BATCH];
			size_t n = 0;
			const char *type = s->component_type;

			while (n < BATCH) {
				struct c2e_step *t = &r.steps[k];

				names[n] = written_name(t);
				st[n] = t;
				if (!names[n]) {
					rc = c2e_err_oom(err);
					break;
				}
				n++;
				if (k == 0)
					break;
				t = &r.steps[k - 1];
				if (!undoable(t, o) || !deletes_on_undo(t) ||
				    !c2e_str_eq(t->component_type, type))
					break;
				k--;
			}
			say(&o->progress, "delete %zu %s: %s%s", n, type,
			    names[0], n > 1 ? ", ..." : "");
			/* the intent, for the log: undo is idempotent, so a
			 * crash here only means deleting again */
			for (size_t x = 0; rc == 0 && x < n; x++)
				rc = c2e_journal_event(j, run_id, st[x]->id,
				                       "undo", "delete started",
				                       err);
			if (rc == 0)
				rc = undo_delete(&r, type, names, st, n);
			for (size_t x = 0; x < n; x++)
				free(names[x]);
			undone += rc == 0 ? n : 0;
		} else if (s->before_image) {
			say(&o->progress, "restore %s %s", s->component_type,
			    s->component_name);
			rc = c2e_journal_event(j, run_id, s->id, "undo",
			                       "restore started", err);
			if (rc == 0)
				rc = undo_restore(&r, s);
			undone += rc == 0;
		} else {
			rc = c2e_journal_step_undone(j, s->id, err);
			undone += rc == 0;
		}
	}
	if (rc == 0)
		rc = reload(&r);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (r.steps[i].state == C2E_STEP_DONE ||
		    r.steps[i].state == C2E_STEP_IN_FLIGHT)
			all = false;
	if (rc == 0 && all)
		rc = c2e_journal_run_set_state(j, run_id, C2E_RUN_ROLLED_BACK,
		                               err);
	*undone_out = undone;
done:
	c2e_steps_free(r.steps, r.n);
	c2e_lock_release(lock);
	c2e_plan_free(plan);
	c2e_run_release(&run);
	return rc;
}

/* --- verify and retire
 * ---------------------------------------------------------- */

int c2e_verify(struct c2e_org *org, struct c2e_journal *j, int64_t run_id,
               const char *app, const struct c2e_migrate_opts *opts,
               struct c2e_migrate_result *res, struct c2e_err *err)
{
	struct run r;
	struct c2e_run run;
	struct c2e_plan *plan = NULL;
	int failures = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&run, 0, sizeof(run));
	memset(res, 0, sizeof(*res));
	rc = c2e_journal_run_get(j, run_id, &run, err);
	if (rc == 0)
		rc = c2e_plan_parse(run.plan_json, strlen(run.plan_json),
		                    "the run's plan", &plan, err);
	if (rc == 0)
		rc = same_org(org, plan, "the run", err);
	if (rc == 0 && app && !c2e_plan_app(plan, app))
		rc = c2e_err_set(err, C2E_ENOTFOUND,
		                 "run %lld has no connected app '%s'",
		                 (long long)run_id, app);
	if (rc < 0)
		goto done;
	r.org = org;
	r.j = j;
	r.plan = plan;
	r.o = opts;
	r.err = err;
	r.run_id = run_id;
	rc = reload(&r);
	for (size_t k = 0; rc == 0 && k < plan->n_apps; k++) {
		const struct c2e_plan_app *a = &plan->apps[k];
		const struct c2e_step *rb =
		        find_step(&r, "read_back", a->connected_app);
		char *key = NULL, *link = NULL, *scope = NULL;
		struct c2e_err verr = C2E_ERR_INIT;

		if (app && strcmp(app, a->connected_app))
			continue;
		if (!rb || rb->state != C2E_STEP_DONE) {
			say(&opts->progress,
			    "%s: not migrated yet (no consumer "
			    "key in the journal)",
			    a->connected_app);
			failures++;
			continue;
		}
		key = result_field(rb->result, "consumerKey");
		link = result_field(rb->result, "oauthLink");
		if (a->jwt) {
			if (jwt_check(org, opts, key, a->interaction, &scope,
			              &verr) == 0)
				say(&opts->progress,
				    "%s: JWT bearer exchange passed (scope %s)",
				    a->eca, scope);
			else {
				say(&opts->progress,
				    "%s: JWT bearer exchange "
				    "FAILED: %s",
				    a->eca, verr.msg);
				failures++;
			}
		}
		for (size_t c = 0; c < a->ccds.n; c++) {
			struct c2e_md_doc *ccd = NULL;

			if (read_ccd(&r, a->ccds.v[c], &ccd) < 0) {
				say(&opts->progress, "%s: %s", a->ccds.v[c],
				    err->msg);
				failures++;
				continue;
			}
			if (c2e_str_eq(
			            c2e_md_get(ccd->root,
			                       "customerConnectedAppOauthLink"),
			            link))
				say(&opts->progress, "channel %s points at %s",
				    a->ccds.v[c], a->eca);
			else {
				say(&opts->progress,
				    "channel %s does NOT point at %s",
				    a->ccds.v[c], a->eca);
				failures++;
			}
			c2e_md_doc_free(ccd);
		}
		free(key);
		free(link);
		free(scope);
	}
	if (rc == 0)
		rc = outcomes(&r, res);
	res->state = run.state;
	if (rc == 0 && failures)
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "verification found %d problem%s (see above)",
		                 failures, failures == 1 ? "" : "s");
done:
	c2e_steps_free(r.steps, r.n);
	c2e_plan_free(plan);
	c2e_run_release(&run);
	return rc;
}

int c2e_retire_check(struct c2e_journal *j, int64_t run_id, const char *app,
                     struct c2e_err *err)
{
	struct run r;
	bool seen = false;
	int rc;

	memset(&r, 0, sizeof(r));
	r.j = j;
	r.run_id = run_id;
	r.err = err;
	rc = reload(&r);
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		const struct c2e_step *s = &r.steps[i];

		if (strcmp(s->app, app))
			continue;
		seen = true;
		if (!strcmp(s->kind, "retire") && s->state == C2E_STEP_DONE)
			rc = c2e_err_set(
			        err, C2E_ECONFLICT,
			        "connected app '%s' was already retired "
			        "(run %lld, step %d)",
			        app, (long long)run_id, s->seq);
		else if ((!strcmp(s->kind, "verify") ||
		          !strcmp(s->kind, "repoint") ||
		          !strcmp(s->kind, "read_back")) &&
		         s->state != C2E_STEP_DONE)
			rc = c2e_err_set(err, C2E_ECONFLICT,
			                 "connected app '%s' cannot be retired "
			                 "yet: step %d (%s) of run %lld is %s; "
			                 "its ECA must pass verification and "
			                 "its channel definitions must point "
			                 "at it first",
			                 app, s->seq, s->kind,
			                 (long long)run_id,
			                 c2e_step_state_name(s->state));
	}
	if (rc == 0 && !seen)
		rc = c2e_err_set(err, C2E_ENOTFOUND,
		                 "run %lld did not migrate connected app '%s'",
		                 (long long)run_id, app);
	c2e_steps_free(r.steps, r.n);
	return rc;
}

int c2e_retire(struct c2e_org *org, struct c2e_journal *j, int64_t run_id,
               const char *app, struct c2e_err *err)
{
	struct run r;
	struct c2e_run run;
	struct c2e_lock *lock = NULL;
	struct c2e_md_doc *ca = NULL;
	struct c2e_save_result res[1];
	struct c2e_step_def def;
	const char *names[1] = { app };
	char *before = NULL;
	bool unknown = false;
	int seq = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&run, 0, sizeof(run));
	memset(res, 0, sizeof(res));
	rc = c2e_retire_check(j, run_id, app, err);
	if (rc == 0)
		rc = c2e_journal_run_get(j, run_id, &run, err);
	if (rc == 0)
		rc = lock_org(j, run.org_id, "retire", &lock, err);
	if (rc < 0)
		goto done;
	r.org = org;
	r.j = j;
	r.err = err;
	r.run_id = run_id;
	rc = reload(&r);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (r.steps[i].seq > seq)
			seq = r.steps[i].seq;
	if (rc == 0)
		rc = c2e_mdapi_read(org, "ConnectedApp", names, 1, &ca, err);
	if (rc == 0 && !ca)
		rc = c2e_err_set(err, C2E_ENOTFOUND,
		                 "the org has no connected app '%s' any more",
		                 app);
	if (rc == 0)
		rc = doc_json(ca, &before, err);
	if (rc < 0)
		goto done;
	memset(&def, 0, sizeof(def));
	def.seq = seq + 1;
	def.app = app;
	def.kind = "retire";
	def.component_type = "ConnectedApp";
	def.component_name = app;
	rc = c2e_journal_steps_add(j, run_id, &def, 1, err);
	if (rc == 0)
		rc = reload(&r);
	if (rc < 0)
		goto done;
	rc = begin(&r, r.n - 1, 1, &before);
	if (rc < 0)
		goto done;
	rc = c2e_mdapi_delete(org, "ConnectedApp", names, 1, res, &unknown,
	                      err);
	if (rc < 0) {
		rc = call_failed(&r, r.n - 1, 1, unknown, rc);
		goto done;
	}
	if (!res[0].success) {
		rc = step_refused(&r, &r.steps[r.n - 1], &res[0]);
		goto done;
	}
	rc = c2e_journal_step_done(j, r.steps[r.n - 1].id, NULL, NULL, err);
done:
	c2e_save_results_release(res, 1);
	free(before);
	c2e_md_doc_free(ca);
	c2e_steps_free(r.steps, r.n);
	c2e_lock_release(lock);
	c2e_run_release(&run);
	return rc;
}

void c2e_migrate_result_release(struct c2e_migrate_result *res)
{
	for (size_t i = 0; i < res->n_apps; i++) {
		struct c2e_app_outcome *o = &res->apps[i];

		free(o->app);
		free(o->eca);
		free(o->consumer_key);
		free(o->oauth_link);
		free(o->verified);
		c2e_strv_release(&o->ccds_done);
		c2e_strv_release(&o->manual_steps);
	}
	free(res->apps);
	memset(res, 0, sizeof(*res));
}
