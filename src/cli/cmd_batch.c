/*
 * cmd_batch.c - `ca2eca batch plan|apply|resume|rollback|status` across
 * the orgs of a manifest, and `ca2eca report --merge DIR...`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/confirm.h"
#include "cli/runcmd.h"
#include "journal/journal.h"
#include "model/manifest.h"
#include "stage/batch.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/compat.h"

#define BATCH_DIR_DEFAULT "ca2eca-batch"

const char c2e_batch_help[] =
        "usage: ca2eca batch plan|apply|resume|rollback|status --orgs FILE\n"
        "       [--jobs N] [--dir DIR] [--shard I/N] [--max-fail-percent P]\n"
        "       [--report FILE] [--ca-bundle FILE] [--api-version N.N]\n"
        "       [--timeout SECONDS] [--verify-window SECONDS] [--yes]\n"
        "       [--json]\n"
        "\n"
        "Runs one stage across the orgs of a manifest (a CSV file, see\n"
        "fixtures/batch/README.md): plan makes DIR/ALIAS/plan.json; apply\n"
        "and resume bring each org to the end of its plan (an unfinished\n"
        "run is resumed, a finished one left alone, an org without a run\n"
        "gets its plan applied -- planned first when there is none, under\n"
        "the org's lock, and applied without a second inventory);\n"
        "rollback undoes each org's run; status reports from DIR alone (an\n"
        "org that started and has not ended is listed as running, with\n"
        "its journal's progress).  Every org has its own login,\n"
        "connection, journal (DIR/ALIAS/ca2eca.db) and lock: an org's\n"
        "failure, timeout or used-up API allocation never stops or\n"
        "corrupts the others.  The whole manifest is checked before any\n"
        "org is touched (a bad line is reported with its number).\n"
        "Before an org starts, its remaining daily API requests are read;\n"
        "an org where the run would not fit is skipped.  Orgs that failed,\n"
        "were skipped or not started go into MANIFEST.retry.csv next to\n"
        "the manifest, to feed straight back.\n"
        "\n"
        "Options:\n"
        "  --orgs FILE            the manifest (required)\n"
        "  --jobs N               orgs worked on at once (default 8)\n"
        "  --dir DIR              plans, journals and status per org\n"
        "                         (default ./ca2eca-batch)\n"
        "  --shard I/N            only the I-th of N stable shards of the\n"
        "                         manifest (by alias), for N machines\n"
        "  --max-fail-percent P   start no more orgs once more than P%\n"
        "                         of the finished ones failed\n"
        "  --report FILE          a JSONL report: one record per org and\n"
        "                         per step\n"
        "  --verify-window S      how long to retry verifying a new ECA\n"
        "  --yes                  answer the confirmation\n"
        "  --json                 one JSON document with every org\n"
        "\n"
        "On a terminal a progress line shows orgs done / failed / running,\n"
        "the rate and the time left; at the end, a summary table.\n"
        "\n"
        "Exit status:\n"
        "  0   every org succeeded\n"
        "  64  the command line is wrong, or not confirmed\n"
        "  65  the manifest is invalid (nothing was touched)\n"
        "  75  some orgs did not succeed: see the table, rerun with\n"
        "      --orgs MANIFEST.retry.csv\n"
        "  76  no org succeeded\n"
        "\n"
        "Example:\n"
        "  ca2eca batch apply --orgs customers.csv --jobs 32 --yes\n";

const char c2e_report_help[] =
        "usage: ca2eca report --merge DIR... [--json]\n"
        "\n"
        "Combines the batch directories (DIR/ALIAS/status.json and\n"
        "journals) of several runs -- e.g. the N shards of a fleet, run as\n"
        "a Kubernetes Indexed Job -- into one report: one line per org,\n"
        "sorted by alias.\n"
        "\n"
        "Exit status:\n"
        "  0   reported\n"
        "  64  the command line is wrong\n"
        "  65  a directory is missing or unreadable\n";

struct batch_args {
	const char *orgs;
	const char *dir;
	const char *shard;
	const char *report;
	long jobs;
	long max_fail;
	bool merge;
};

static int batch_own(void *ctx, int c, const char *arg, struct c2e_err *err)
{
	struct batch_args *a = ctx;

	switch (c) {
	case 'o':
		a->orgs = arg;
		return 1;
	case 'd':
		a->dir = arg;
		return 1;
	case 's':
		a->shard = arg;
		return 1;
	case 'r':
		a->report = arg;
		return 1;
	case 'm':
		a->merge = true;
		return 1;
	case 'j':
		if (c2e_str_to_long(arg, &a->jobs) < 0 || a->jobs < 1 ||
		    a->jobs > 256)
			return c2e_cmd_usage(err, "batch",
			                     "--jobs takes 1 to 256, not '%s'",
			                     arg);
		return 1;
	case 'f':
		if (c2e_str_to_long(arg, &a->max_fail) < 0 || a->max_fail < 0 ||
		    a->max_fail > 100)
			return c2e_cmd_usage(
			        err, "batch",
			        "--max-fail-percent takes 0 to 100, "
			        "not '%s'",
			        arg);
		return 1;
	default:
		return 0;
	}
}

/* --- reports from batch directories -------------------------------------- */

struct row {
	char *alias;
	char *state;
	char *org_id;
	char *error;
	long run;
	long requests;
	size_t steps_done, steps_total;
	struct c2e_step *steps;
	size_t n_steps;
};

static void rows_free(struct row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].alias);
		free(r[i].state);
		free(r[i].org_id);
		free(r[i].error);
		c2e_steps_free(r[i].steps, r[i].n_steps);
	}
	free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? c2e_strdup(s) : NULL;
}

/*
 * Reads DIR/<alias>/status.json (and the journal) into `r`.  An org
 * directory without status.json is an org that started and has not
 * finished: running, or interrupted (status.json is written when an org
 * ends); its journal's latest run, if any, tells how far it got.  So is
 * one whose status.json cannot be read as JSON: status.json is not synced
 * (the journal is), and a power cut may leave it empty.
 */
static int read_row(const char *dir, const char *alias, struct row *r,
                    struct c2e_err *err)
{
	struct c2e_buf data = C2E_BUF_INIT;
	struct c2e_json *j = NULL;
	struct c2e_journal *jr = NULL;
	char *base = c2e_path_join(dir, alias), *st = NULL, *db = NULL;
	const struct c2e_json *v;
	bool ended;
	int rc = C2E_OK;

	memset(r, 0, sizeof(*r));
	st = base ? c2e_path_join(base, "status.json") : NULL;
	db = base ? c2e_path_join(base, "ca2eca.db") : NULL;
	if (!st || !db) {
		rc = c2e_err_oom(err);
		goto done;
	}
	ended = c2e_fs_is_file(st);
	if (ended) {
		struct c2e_err why = C2E_ERR_INIT;

		rc = c2e_fs_read(st, (size_t)1 << 20, &data, &why);
		if (rc == 0)
			rc = c2e_json_parse(data.buf, data.len, st, &j, &why);
		if (rc == C2E_ENOMEM) {
			rc = c2e_err_set(err, rc, "%s", why.msg);
			goto done;
		}
		ended = rc == 0;
		rc = C2E_OK;
	}
	r->alias = c2e_strdup(alias);
	r->state = dup_or_null(
	        !ended ? "running" :
	        c2e_str_eq(c2e_json_get_str(j, "action"), "rollback") &&
	                        c2e_str_eq(c2e_json_get_str(j, "state"),
	                                   "done") ?
	                 "rolled back" :
	                 c2e_json_get_str(j, "state"));
	r->org_id = dup_or_null(c2e_json_get_str(j, "orgId"));
	r->error = dup_or_null(c2e_json_get_str(j, "error"));
	v = c2e_json_get(j, "run");
	r->run = v && v->type == C2E_JSON_NUMBER ? (long)v->num : 0;
	v = c2e_json_get(j, "requests");
	r->requests = v && v->type == C2E_JSON_NUMBER ? (long)v->num : 0;
	if (!r->alias || !r->state) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if ((r->run > 0 || !ended) && c2e_fs_exists(db)) {
		rc = c2e_journal_open(db, &jr, err);
		if (rc == 0 && !ended) {
			int64_t run = 0;
			struct c2e_run last;

			memset(&last, 0, sizeof(last));
			rc = c2e_journal_run_latest(jr, NULL, &run, err);
			if (rc == C2E_ENOTFOUND)
				goto done; /* nothing sent to the org yet */
			if (rc == 0)
				rc = c2e_journal_run_get(jr, run, &last, err);
			if (rc == 0 && last.org_id) {
				r->org_id = c2e_strdup(last.org_id);
				if (!r->org_id)
					rc = c2e_err_oom(err);
			}
			/* the run ended, but status.json was lost */
			if (rc == 0 && (last.state == C2E_RUN_DONE ||
			                last.state == C2E_RUN_ROLLED_BACK)) {
				free(r->state);
				r->state =
				        c2e_strdup(last.state == C2E_RUN_DONE ?
				                           "done" :
				                           "rolled back");
				if (!r->state)
					rc = c2e_err_oom(err);
			}
			c2e_run_release(&last);
			r->run = (long)run;
		}
		if (rc == 0)
			rc = c2e_journal_steps(jr, r->run, &r->steps,
			                       &r->n_steps, err);
		for (size_t i = 0; rc == 0 && i < r->n_steps; i++) {
			r->steps_total++;
			r->steps_done += r->steps[i].state == C2E_STEP_DONE ||
			                 r->steps[i].state == C2E_STEP_UNDONE;
		}
	}
done:
	if (rc == C2E_ENOTFOUND)
		rc = C2E_OK;
	c2e_journal_close(jr);
	c2e_json_free(j);
	c2e_buf_release(&data);
	free(base);
	free(st);
	free(db);
	return rc;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->alias,
	              ((const struct row *)b)->alias);
}

/* Every org of the given batch directories, sorted by alias. */
static int read_rows(char **dirs, size_t n_dirs, struct row **out,
                     size_t *n_out, struct c2e_err *err)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc = C2E_OK;

	for (size_t d = 0; rc == 0 && d < n_dirs; d++) {
		struct c2e_strv names = C2E_STRV_INIT;

		rc = c2e_fs_list(dirs[d], &names, err);
		for (size_t i = 0; rc == 0 && i < names.n; i++) {
			char *base = c2e_path_join(dirs[d], names.v[i]);
			char *st = base ? c2e_path_join(base, "status.json") :
			                  NULL;
			char *db =
			        base ? c2e_path_join(base, "ca2eca.db") : NULL;
			/* an org's directory: ended, or started (a journal) */
			bool has = (st && c2e_fs_is_file(st)) ||
			           (db && c2e_fs_is_file(db));

			free(base);
			free(st);
			free(db);
			if (!has)
				continue;
			if (n == cap) {
				struct row *v;

				cap = cap ? cap * 2 : 64;
				v = realloc(rows, cap * sizeof(*v));
				if (!v) {
					rc = c2e_err_oom(err);
					break;
				}
				rows = v;
			}
			rc = read_row(dirs[d], names.v[i], &rows[n], err);
			if (rc == 0)
				n++;
		}
		c2e_strv_release(&names);
	}
	if (rc < 0) {
		rows_free(rows, n);
		return rc;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_row);
	*out = rows;
	*n_out = n;
	return C2E_OK;
}

static void rows_json(struct c2e_jsonw *w, const struct row *rows, size_t n)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_key(w, "orgs");
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "alias", r->alias);
		c2e_jsonw_kv_string(w, "state", r->state);
		c2e_jsonw_kv_string(w, "orgId", r->org_id);
		c2e_jsonw_kv_long(w, "run", r->run);
		c2e_jsonw_kv_long(w, "steps", (long long)r->steps_total);
		c2e_jsonw_kv_long(w, "stepsDone", (long long)r->steps_done);
		c2e_jsonw_kv_long(w, "requests", r->requests);
		c2e_jsonw_kv_string(w, "error", r->error);
		c2e_jsonw_object_end(w);
	}
	c2e_jsonw_array_end(w);
	c2e_jsonw_object_end(w);
}

static void rows_text(struct c2e_out *out, const struct row *rows, size_t n)
{
	size_t done = 0;

	c2e_out_printf(out, "%-24s %-11s %-19s %6s %8s  %s\n", "ORG", "STATE",
	               "ORG ID", "STEPS", "REQUESTS", "ERROR");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char steps[32];

		done += r->state && !strcmp(r->state, "done");
		if (snprintf(steps, sizeof(steps), "%zu/%zu", r->steps_done,
		             r->steps_total) < 0)
			steps[0] = '\0';
		c2e_out_printf(out, "%-24s %-11s %-19s %6s %8ld  %s\n",
		               r->alias, r->state ? r->state : "?",
		               r->org_id ? r->org_id : "-", steps, r->requests,
		               r->error ? r->error : "");
	}
	c2e_out_printf(out, "%zu org%s, %zu done\n", n, n == 1 ? "" : "s",
	               done);
}

static int write_jsonl(const char *path, const struct row *rows, size_t n,
                       struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		c2e_jsonw_init(&w, &b, false);
		c2e_jsonw_object_begin(&w);
		c2e_jsonw_kv_string(&w, "record", "org");
		c2e_jsonw_kv_string(&w, "alias", r->alias);
		c2e_jsonw_kv_string(&w, "state", r->state);
		c2e_jsonw_kv_string(&w, "orgId", r->org_id);
		c2e_jsonw_kv_long(&w, "run", r->run);
		c2e_jsonw_kv_long(&w, "requests", r->requests);
		c2e_jsonw_kv_string(&w, "error", r->error);
		c2e_jsonw_object_end(&w);
		c2e_buf_addc(&b, '\n');
		for (size_t k = 0; k < r->n_steps; k++) {
			const struct c2e_step *s = &r->steps[k];

			c2e_jsonw_init(&w, &b, false);
			c2e_jsonw_object_begin(&w);
			c2e_jsonw_kv_string(&w, "record", "step");
			c2e_jsonw_kv_string(&w, "alias", r->alias);
			c2e_jsonw_kv_long(&w, "seq", s->seq);
			c2e_jsonw_kv_string(&w, "app", s->app);
			c2e_jsonw_kv_string(&w, "kind", s->kind);
			c2e_jsonw_kv_string(&w, "type", s->component_type);
			c2e_jsonw_kv_string(&w, "name", s->component_name);
			c2e_jsonw_kv_string(&w, "state",
			                    c2e_step_state_name(s->state));
			c2e_jsonw_kv_string(&w, "error", s->error);
			c2e_jsonw_object_end(&w);
			c2e_buf_addc(&b, '\n');
		}
	}
	rc = c2e_buf_failed(&b) ?
	             c2e_err_oom(err) :
	             c2e_fs_write_atomic(path, b.buf, b.len, 0644, err);
	c2e_buf_release(&b);
	return rc;
}

/* --- the batch
 * ------------------------------------------------------------------ */

static void progress(void *ctx, const struct c2e_batch_progress *p)
{
	struct c2e_out *out = ctx;
	double rate = p->elapsed > 0 ? (double)p->done / p->elapsed : 0;
	double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;

	fprintf(out->errf,
	        "\r%zu/%zu orgs finished (%zu failed, %zu skipped), %zu "
	        "running, %.1f orgs/s, ETA %.0fs   ",
	        p->done, p->total, p->failed, p->skipped, p->running, rate,
	        eta);
	if (p->done == p->total)
		fputc('\n', out->errf);
	fflush(out->errf);
}

/* customers.csv -> customers.retry.csv, in the manifest's directory. */
static int retry_name(const char *manifest, char **out, struct c2e_err *err)
{
	struct c2e_buf b = C2E_BUF_INIT;
	size_t n = strlen(manifest);

	if (n > 4 && !strcmp(manifest + n - 4, ".csv"))
		n -= 4;
	if (n > 6 && !strncmp(manifest + n - 6, ".retry", 6))
		n -= 6;
	c2e_buf_addn(&b, manifest, n);
	c2e_buf_adds(&b, ".retry.csv");
	return c2e_buf_take(&b, out, err);
}

static int run_batch(struct c2e_out *out, enum c2e_batch_action action,
                     const struct batch_args *a, const struct c2e_runopts *r,
                     struct c2e_err *err)
{
	static const char *const names[] = { "plan", "apply", "resume",
		                             "rollback" };
	struct c2e_manifest *m = NULL;
	struct c2e_batch_opts bo;
	struct c2e_batch_org *orgs = NULL;
	struct c2e_buf retry = C2E_BUF_INIT;
	struct row *rows = NULL;
	size_t n = 0, n_rows = 0, ok = 0;
	bool *keep = NULL;
	char question[256], *dirs[1], *retry_path = NULL;
	unsigned si = 0, sc = 0;
	int rc;

	rc = c2e_manifest_read(a->orgs, &m, err);
	if (rc < 0)
		return rc;
	if (a->shard && c2e_shard_parse(a->shard, &si, &sc) < 0) {
		rc = c2e_cmd_usage(
		        err, "batch",
		        "--shard takes I/N with 1 <= I <= N, not '%s'",
		        a->shard);
		goto done;
	}
	if (action != C2E_BATCH_PLAN) {
		if (snprintf(question, sizeof(question),
		             "Run '%s' on the %zu orgs of %s%s%s?",
		             names[action], m->n, a->orgs,
		             a->shard ? ", shard " : "",
		             a->shard ? a->shard : "") < 0)
			question[0] = '\0';
		rc = c2e_confirm(out, r->yes, question, err);
		if (rc < 0)
			goto done;
	}
	memset(&bo, 0, sizeof(bo));
	bo.manifest = m;
	bo.action = action;
	bo.dir = a->dir ? a->dir : BATCH_DIR_DEFAULT;
	bo.jobs = a->jobs ? (int)a->jobs : 8;
	bo.max_fail_percent = a->max_fail >= 0 ? (int)a->max_fail : -1;
	bo.shard_index = si;
	bo.shard_count = sc;
	bo.ca_bundle = r->org.http.ca_bundle;
	bo.api_version = r->org.api_version;
	bo.timeout_ms = r->org.http.timeout_ms;
	bo.verify_window = r->verify_window;
	bo.memory_journal = getenv("CA2ECA_BENCH_MEMORY_JOURNAL") != NULL;
	if (!out->json && isatty(fileno(out->errf))) {
		bo.progress = progress;
		bo.ctx = out;
	}
	rc = c2e_batch_run(&bo, &orgs, &n, err);
	if (rc < 0)
		goto done;

	/* the retry manifest: every org that did not succeed */
	keep = calloc(m->n + 1, sizeof(*keep));
	if (!keep) {
		rc = c2e_err_oom(err);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (orgs[i].state == C2E_BORG_DONE) {
			ok++;
			continue;
		}
		keep[orgs[i].m - m->orgs] = true;
	}
	/* next to the manifest, so its relative paths still hold */
	rc = retry_name(a->orgs, &retry_path, err);
	if (rc == 0 && ok < n)
		rc = c2e_manifest_write_subset(m, keep, &retry, err);
	if (rc == 0 && ok < n)
		rc = c2e_fs_write_atomic(retry_path, retry.buf, retry.len, 0644,
		                         err);
	else if (rc == 0)
		(void)unlink(retry_path); /* nothing to retry any more */
	/* the JSONL report has every step: only it reads the journals */
	dirs[0] = (char *)bo.dir;
	if (rc == 0 && a->report)
		rc = read_rows(dirs, 1, &rows, &n_rows, err);
	if (rc == 0 && a->report)
		rc = write_jsonl(a->report, rows, n_rows, err);
	if (rc < 0)
		goto done;
	if (out->json) {
		struct c2e_jsonw *w = c2e_out_result(out);

		c2e_jsonw_object_begin(w);
		c2e_jsonw_kv_string(w, "action", names[action]);
		c2e_jsonw_kv_long(w, "orgs", (long long)n);
		c2e_jsonw_kv_long(w, "succeeded", (long long)ok);
		c2e_jsonw_kv_string(w, "retryManifest", retry_path);
		c2e_jsonw_key(w, "results");
		c2e_jsonw_array_begin(w);
		for (size_t i = 0; i < n; i++) {
			c2e_jsonw_object_begin(w);
			c2e_jsonw_kv_string(w, "alias", orgs[i].m->alias);
			c2e_jsonw_kv_string(
			        w, "state",
			        c2e_batch_state_name(orgs[i].state));
			c2e_jsonw_kv_string(w, "orgId",
			                    orgs[i].org_id[0] ? orgs[i].org_id :
			                                        NULL);
			c2e_jsonw_kv_long(w, "run", orgs[i].run_id);
			c2e_jsonw_kv_long(w, "requests",
			                  (long long)orgs[i].requests);
			c2e_jsonw_kv_string(w, "error",
			                    orgs[i].error[0] ? orgs[i].error :
			                                       NULL);
			c2e_jsonw_object_end(w);
		}
		c2e_jsonw_array_end(w);
		c2e_jsonw_object_end(w);
	} else {
		c2e_out_printf(out, "\n%-24s %-11s %8s %7s  %s\n", "ORG",
		               "STATE", "REQUESTS", "SECONDS", "ERROR");
		for (size_t i = 0; i < n; i++)
			c2e_out_printf(out, "%-24s %-11s %8lu %7.1f  %s\n",
			               orgs[i].m->alias,
			               c2e_batch_state_name(orgs[i].state),
			               orgs[i].requests, orgs[i].seconds,
			               orgs[i].error);
		c2e_out_printf(out, "\n%zu of %zu orgs succeeded%s%s\n", ok, n,
		               ok < n ? "; retry the others with --orgs " : "",
		               ok < n ? retry_path : "");
	}
	if (ok < n)
		rc = c2e_err_set(err, ok ? C2E_ESTOPPED : C2E_EREMOTE,
		                 "%zu of %zu orgs did not succeed; retry them "
		                 "with --orgs %s",
		                 n - ok, n, retry_path);
done:
	rows_free(rows, n_rows);
	free(keep);
	free(retry_path);
	c2e_buf_release(&retry);
	free(orgs);
	c2e_manifest_free(m);
	return rc;
}

static int status_or_report(struct c2e_out *out, char **dirs, size_t n_dirs,
                            const char *report, struct c2e_err *err)
{
	struct row *rows = NULL;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < n_dirs; i++)
		if (!c2e_fs_is_dir(dirs[i]))
			return c2e_err_set(
			        err, C2E_EDATA,
			        "batch directory '%s' does not exist", dirs[i]);
	rc = read_rows(dirs, n_dirs, &rows, &n, err);
	if (rc == 0 && report)
		rc = write_jsonl(report, rows, n, err);
	if (rc == 0) {
		if (out->json)
			rows_json(c2e_out_result(out), rows, n);
		else
			rows_text(out, rows, n);
	}
	rows_free(rows, n);
	return rc;
}

int cmd_batch(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		C2E_ORG_LONGOPTS,
		C2E_JOURNAL_LONGOPTS,
		C2E_VERIFY_LONGOPTS,
		{ "orgs", required_argument, NULL, 'o' },
		{ "dir", required_argument, NULL, 'd' },
		{ "shard", required_argument, NULL, 's' },
		{ "report", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-fail-percent", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const actions[] = { "plan", "apply", "resume",
		                               "rollback" };
	struct batch_args a;
	struct c2e_runopts r;
	int first, rc;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.max_fail = -1;
	if (argc < 2)
		return c2e_cmd_usage(err, "batch",
		                     "say what to do: plan, apply, resume, "
		                     "rollback or status");
	if (argv[1][0] == '-')
		return c2e_cmd_usage(
		        err, "batch",
		        "'%s' comes too early: say what to do first "
		        "(plan, apply, resume, rollback or status)",
		        argv[1]);
	rc = c2e_cli_getopt("batch", argc - 1, argv + 1, longopts, &r,
	                    batch_own, &a, &first, err);
	if (rc < 0)
		return rc;
	if (first < argc - 1)
		return c2e_cmd_usage(err, "batch", "unexpected argument '%s'",
		                     argv[first + 1]);
	if (!strcmp(argv[1], "status")) {
		char *dirs[1] = { (char *)(a.dir ? a.dir : BATCH_DIR_DEFAULT) };

		return status_or_report(out, dirs, 1, a.report, err);
	}
	if (!a.orgs)
		return c2e_cmd_usage(err, "batch", "--orgs FILE is required");
	for (int i = 0; i < 4; i++)
		if (!strcmp(argv[1], actions[i]))
			return run_batch(out, (enum c2e_batch_action)i, &a, &r,
			                 err);
	return c2e_cmd_usage(err, "batch",
	                     "'%s' is not plan, apply, resume, rollback or "
	                     "status",
	                     argv[1]);
}

int cmd_report(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "merge", no_argument, NULL, 'm' },
		{ "report", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct batch_args a;
	struct c2e_runopts r;
	int first, rc;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	rc = c2e_cli_getopt("report", argc, argv, longopts, &r, batch_own, &a,
	                    &first, err);
	if (rc < 0)
		return rc;
	if (!a.merge || first >= argc)
		return c2e_cmd_usage(err, "report",
		                     "give --merge and one or more batch "
		                     "directories");
	return status_or_report(out, argv + first, (size_t)(argc - first),
	                        a.report, err);
}
