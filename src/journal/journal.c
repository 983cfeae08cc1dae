/*
 * journal.c - the SQLite journal (journal.h, docs/journal.md).
 *
 * One connection per process, statements prepared lazily and cached in
 * struct c2e_journal, every value bound (never pasted into SQL text).
 * The schema is the ordered list of migration scripts below: script i
 * takes a journal from schema version i to i + 1 (PRAGMA user_version),
 * each in one transaction.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "journal/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/str.h"

#include "util/compat.h"

#define BUSY_TIMEOUT_MS 5000
#define TIME_MAX        32

/*
 * Version 1: the initial schema.  A new version appends a script; a
 * script is never edited once released.  The trigger enforces the step
 * state machine for every writer; the functions below also check the
 * state of each step they move (WHERE state IN (...)) to name it in the
 * error.
 */
static const char schema_v1[] =
        "CREATE TABLE meta (\n"
        "  key TEXT PRIMARY KEY NOT NULL,\n"
        "  value TEXT NOT NULL\n"
        ") STRICT;\n"
        "INSERT INTO meta (key, value) VALUES ('application', 'ca2eca');\n"
        "INSERT INTO meta (key, value) VALUES ('schema_version', '1');\n"
        "CREATE TABLE runs (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  org_id TEXT NOT NULL,\n"
        "  instance_url TEXT NOT NULL,\n"
        "  username TEXT,\n"
        "  plan_hash TEXT NOT NULL,\n"
        "  plan_path TEXT,\n"
        "  plan_json TEXT NOT NULL,\n"
        "  inventory_hash TEXT NOT NULL,\n"
        "  tool_version TEXT NOT NULL,\n"
        "  os_user TEXT NOT NULL,\n"
        "  host TEXT NOT NULL,\n"
        "  started_at TEXT NOT NULL,\n"
        "  finished_at TEXT,\n"
        "  state TEXT NOT NULL DEFAULT 'running'\n"
        "    CHECK (state IN ('running', 'done', 'failed', "
        "'rolled_back'))\n"
        ") STRICT;\n"
        "CREATE INDEX runs_org ON runs (org_id, id);\n"
        "CREATE TABLE steps (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  run_id INTEGER NOT NULL REFERENCES runs (id),\n"
        "  seq INTEGER NOT NULL CHECK (seq >= 1),\n"
        "  app TEXT NOT NULL,\n"
        "  kind TEXT NOT NULL,\n"
        "  component_type TEXT,\n"
        "  component_name TEXT,\n"
        "  state TEXT NOT NULL DEFAULT 'pending'\n"
        "    CHECK (state IN ('pending', 'in_flight', 'done', 'failed', "
        "'undone')),\n"
        "  before_image TEXT,\n"
        "  after_image TEXT,\n"
        "  result TEXT,\n"
        "  error TEXT,\n"
        "  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),\n"
        "  started_at TEXT,\n"
        "  finished_at TEXT,\n"
        "  duration_ms INTEGER,\n"
        "  mark_reason TEXT,\n"
        "  UNIQUE (run_id, seq)\n"
        ") STRICT;\n"
        "CREATE TRIGGER steps_transition BEFORE UPDATE OF state ON steps\n"
        "WHEN NOT (\n"
        "  (OLD.state IN ('pending', 'failed', 'in_flight')\n"
        "   AND NEW.state = 'in_flight')\n"
        "  OR (OLD.state = 'in_flight' AND NEW.state IN ('done', "
        "'failed'))\n"
        "  OR (OLD.state = 'done' AND NEW.state = 'undone')\n"
        "  OR (OLD.state = 'pending' AND NEW.state IN ('done', 'failed'))\n"
        "  OR (OLD.state = 'failed' AND NEW.state = 'done'))\n"
        "BEGIN\n"
        "  SELECT RAISE(ABORT, 'invalid step state transition');\n"
        "END;\n"
        "CREATE TABLE events (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  run_id INTEGER REFERENCES runs (id),\n"
        "  step_id INTEGER REFERENCES steps (id),\n"
        "  at TEXT NOT NULL,\n"
        "  kind TEXT NOT NULL,\n"
        "  detail TEXT NOT NULL\n"
        ") STRICT;\n"
        "CREATE INDEX events_run ON events (run_id, id);\n"
        "CREATE INDEX events_step ON events (step_id);\n"
        "CREATE TABLE inventories (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  org_id TEXT NOT NULL,\n"
        "  hash TEXT NOT NULL UNIQUE,\n"
        "  taken_at TEXT NOT NULL,\n"
        "  snapshot TEXT NOT NULL\n"
        ") STRICT;\n"
        "CREATE INDEX inventories_org ON inventories (org_id, id);\n"
        "PRAGMA application_id = 1664247137;\n" /* "c2ea" */
        "PRAGMA user_version = 1;\n";

/*
 * Version 2: a run's plan (about 50 KB of JSON for three apps) moves to
 * its own table.  In the runs row, every change of state rewrote it, and
 * that was a third of everything a run wrote to the journal.
 * runs.plan_json stays, always '' (dropping the column makes SQLite
 * rewrite and re-check the whole schema, which doubled the cost of
 * creating a journal: every batch org creates one).
 */
static const char schema_v2[] =
        "CREATE TABLE run_plans (\n"
        "  run_id INTEGER PRIMARY KEY REFERENCES runs (id),\n"
        "  plan_json TEXT NOT NULL\n"
        ") STRICT;\n"
        "INSERT INTO run_plans (run_id, plan_json) "
        "SELECT id, plan_json FROM runs;\n"
        "UPDATE runs SET plan_json = '';\n"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';\n"
        "PRAGMA user_version = 2;\n";

static const char *const migrations[] = { schema_v1, schema_v2 };

#define SCHEMA_VERSION ((int)C2E_ARRAY_SIZE(migrations))

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_SYNC_FULL,
	ST_SYNC_NORMAL,
	ST_ROLLBACK,
	ST_META_PUT,
	ST_RUN_INSERT,
	ST_RUN_PLAN_INSERT,
	ST_RUN_GET,
	ST_RUN_STATE,
	ST_RUN_SET_STATE,
	ST_RUN_LATEST,
	ST_RUNS,
	ST_STEP_INSERT,
	ST_STEPS,
	ST_STEP_INFO,
	ST_STEP_BEGIN,
	ST_STEP_DONE,
	ST_STEP_FAILED,
	ST_STEP_UNDONE,
	ST_STEP_MARK_DONE,
	ST_STEP_MARK_FAILED,
	ST_EVENT_INSERT,
	ST_EVENTS_RUN,
	ST_EVENTS_ALL,
	ST_INVENTORY_PUT,
	ST__COUNT
};

#define RUN_COLS                                                     \
	"id, org_id, instance_url, username, plan_hash, plan_path, " \
	"(SELECT plan_json FROM run_plans WHERE run_id = runs.id), " \
	"inventory_hash, tool_version, os_user, host, started_at, "  \
	"finished_at, state"
#define STEP_COLS                                                             \
	"id, run_id, seq, app, kind, component_type, component_name, state, " \
	"before_image, after_image, result, error, attempts, started_at, "    \
	"finished_at, duration_ms, mark_reason"
#define EVENT_COLS "id, run_id, step_id, at, kind, detail"
/* Milliseconds from started_at to the finish time ?2 (never < 0). */
#define DURATION_2                                                     \
	"duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE "   \
	"max(0, CAST(round((julianday(?2) - julianday(started_at)) * " \
	"86400000.0) AS INTEGER)) END"

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_META_PUT] =
	        "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_RUN_INSERT] =
	        "INSERT INTO runs (org_id, instance_url, username, plan_hash, "
	        "plan_path, plan_json, inventory_hash, tool_version, os_user, "
	        "host, started_at, state) VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, "
	        "?7, ?8, ?9, ?10, 'running')",
	[ST_RUN_PLAN_INSERT] =
	        "INSERT INTO run_plans (run_id, plan_json) VALUES (?1, ?2)",
	[ST_RUN_GET] = "SELECT " RUN_COLS " FROM runs WHERE id = ?1",
	[ST_RUN_STATE] = "SELECT state FROM runs WHERE id = ?1",
	[ST_RUN_SET_STATE] =
	        "UPDATE runs SET state = ?2, finished_at = ?3 WHERE id = ?1",
	[ST_RUN_LATEST] = "SELECT id FROM runs WHERE ?1 IS NULL OR org_id = ?1 "
	                  "ORDER BY id DESC LIMIT 1",
	[ST_RUNS] = "SELECT " RUN_COLS " FROM runs ORDER BY id DESC",
	[ST_STEP_INSERT] = "INSERT INTO steps (run_id, seq, app, kind, "
	                   "component_type, component_name) "
	                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_STEPS] = "SELECT " STEP_COLS " FROM steps WHERE run_id = ?1 "
	             "ORDER BY seq",
	[ST_STEP_INFO] = "SELECT run_id, seq, app, kind, component_type, "
	                 "component_name, state FROM steps WHERE id = ?1",
	[ST_STEP_BEGIN] =
	        "UPDATE steps SET state = 'in_flight', started_at = ?2, "
	        "before_image = coalesce(?3, before_image), "
	        "attempts = attempts + 1, finished_at = NULL, "
	        "duration_ms = NULL, error = NULL, mark_reason = NULL "
	        "WHERE id = ?1 AND state IN ('pending', 'failed', 'in_flight')",
	[ST_STEP_DONE] =
	        "UPDATE steps SET state = 'done', finished_at = ?2, " DURATION_2
	        ", after_image = ?3, result = ?4, "
	        "error = NULL WHERE id = ?1 AND state = 'in_flight'",
	[ST_STEP_FAILED] =
	        "UPDATE steps SET state = 'failed', finished_at = ?2, " DURATION_2
	        ", error = ?3 "
	        "WHERE id = ?1 AND state = 'in_flight'",
	[ST_STEP_UNDONE] = "UPDATE steps SET state = 'undone' "
	                   "WHERE id = ?1 AND state = 'done'",
	[ST_STEP_MARK_DONE] =
	        "UPDATE steps SET state = 'done', finished_at = ?2, " DURATION_2
	        ", mark_reason = ?3 "
	        "WHERE id = ?1 AND state IN ('pending', 'in_flight', 'failed')",
	[ST_STEP_MARK_FAILED] =
	        "UPDATE steps SET state = 'failed', finished_at = ?2, " DURATION_2
	        ", mark_reason = ?3 "
	        "WHERE id = ?1 AND state IN ('pending', 'in_flight')",
	[ST_EVENT_INSERT] = "INSERT INTO events (run_id, step_id, at, kind, "
	                    "detail) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_EVENTS_RUN] = "SELECT " EVENT_COLS " FROM events WHERE run_id = ?1 "
	                  "ORDER BY id",
	[ST_EVENTS_ALL] = "SELECT " EVENT_COLS " FROM events ORDER BY id",
	[ST_INVENTORY_PUT] = "INSERT INTO inventories (org_id, hash, taken_at, "
	                     "snapshot) VALUES (?1, ?2, ?3, ?4) "
	                     "ON CONFLICT (hash) DO NOTHING",
};

struct c2e_journal {
	sqlite3 *db;
	char *path;
	int version;
	int sync; /* SYNC_FULL or SYNC_NORMAL: the connection's setting */
	sqlite3_stmt *stmt[ST__COUNT];
};

static const char *const run_state_names[] = {
	[C2E_RUN_RUNNING] = "running",
	[C2E_RUN_DONE] = "done",
	[C2E_RUN_FAILED] = "failed",
	[C2E_RUN_ROLLED_BACK] = "rolled_back",
};

static const char *const step_state_names[] = {
	[C2E_STEP_PENDING] = "pending", [C2E_STEP_IN_FLIGHT] = "in_flight",
	[C2E_STEP_DONE] = "done",       [C2E_STEP_FAILED] = "failed",
	[C2E_STEP_UNDONE] = "undone",
};

const char *c2e_run_state_name(enum c2e_run_state s)
{
	if ((unsigned)s >= C2E_ARRAY_SIZE(run_state_names))
		return "unknown";
	return run_state_names[s];
}

const char *c2e_step_state_name(enum c2e_step_state s)
{
	if ((unsigned)s >= C2E_ARRAY_SIZE(step_state_names))
		return "unknown";
	return step_state_names[s];
}

static int parse_run_state(const char *s, enum c2e_run_state *out)
{
	for (size_t i = 0; i < C2E_ARRAY_SIZE(run_state_names); i++)
		if (s && strcmp(s, run_state_names[i]) == 0) {
			*out = (enum c2e_run_state)i;
			return 0;
		}
	return -1;
}

static int parse_step_state(const char *s, enum c2e_step_state *out)
{
	for (size_t i = 0; i < C2E_ARRAY_SIZE(step_state_names); i++)
		if (s && strcmp(s, step_state_names[i]) == 0) {
			*out = (enum c2e_step_state)i;
			return 0;
		}
	return -1;
}

/* "2026-11-29T01:02:03.456Z" */
static int now_iso(char out[TIME_MAX], struct c2e_err *err)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
	    !gmtime_r(&ts.tv_sec, &tm))
		return c2e_err_set(err, C2E_EIO, "cannot read the clock: %s",
		                   strerror(errno));
	n = strftime(out, TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || snprintf(out + n, TIME_MAX - n, ".%03ldZ",
	                       (long)(ts.tv_nsec / 1000000)) != 5)
		return c2e_err_set(err, C2E_ERROR, "cannot format the time");
	return C2E_OK;
}

/*
 * Sets `err` from the connection's last error: what we were doing, the
 * journal, SQLite's own text, and what to do about it.
 */
static int db_fail(struct c2e_journal *j, const char *what, struct c2e_err *err)
{
	int code = sqlite3_errcode(j->db) & 0xff;
	const char *msg = sqlite3_errmsg(j->db);

	switch (code) {
	case SQLITE_NOMEM:
		return c2e_err_oom(err);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return c2e_err_set(err, C2E_ECONFLICT,
		                   "cannot %s: journal '%s' is busy (%s): "
		                   "another ca2eca is writing it; try again "
		                   "when it has finished",
		                   what, j->path, msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return c2e_err_set(err, C2E_EDATA,
		                   "cannot %s: journal '%s' is damaged (%s); "
		                   "restore it from a backup",
		                   what, j->path, msg);
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return c2e_err_set(err, C2E_EDATA,
		                   "cannot %s in journal '%s': %s; check the "
		                   "values given",
		                   what, j->path, msg);
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_PROTOCOL:
	case SQLITE_NOLFS:
	case SQLITE_AUTH:
		return c2e_err_set(err, C2E_EIO,
		                   "cannot %s in journal '%s': %s; check the "
		                   "disk space and the file's permissions",
		                   what, j->path, msg);
	default:
		return c2e_err_set(err, C2E_ERROR,
		                   "cannot %s in journal '%s': %s (sqlite "
		                   "code %d); please report this",
		                   what, j->path, msg, code);
	}
}

/* The cached statement `id`, prepared on first use; NULL on failure. */
static sqlite3_stmt *stmt(struct c2e_journal *j, enum stmt_id id,
                          struct c2e_err *err)
{
	sqlite3_stmt *st = NULL;

	if (j->stmt[id])
		return j->stmt[id];
	if (sqlite3_prepare_v3(j->db, stmt_sql[id], -1,
	                       SQLITE_PREPARE_PERSISTENT, &st,
	                       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		db_fail(j, "prepare a statement", err);
		return NULL;
	}
	j->stmt[id] = st;
	return st;
}

/* The error code of a failed stmt() (which always sets `err` if given). */
static int stmt_rc(struct c2e_err *err)
{
	return err && err->code ? err->code : C2E_ERROR;
}

/* Makes a cached statement ready for its next use. */
static void finish(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binds a string (NULL binds NULL); the caller keeps it alive. */
static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Binds an id, 0 as NULL. */
static int bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

/* Copies a text column (NULL stays NULL).  -1 when out of memory. */
static int col_text(sqlite3_stmt *st, int i, char **out)
{
	const unsigned char *t;
	size_t n;
	char *s;

	*out = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return 0;
	t = sqlite3_column_text(st, i);
	if (!t)
		return -1;
	n = (size_t)sqlite3_column_bytes(st, i);
	s = malloc(n + 1);
	if (!s)
		return -1;
	memcpy(s, t, n);
	s[n] = '\0';
	*out = s;
	return 0;
}

/* Runs a cached statement that returns no rows. */
static int run_stmt(struct c2e_journal *j, sqlite3_stmt *st, const char *what,
                    struct c2e_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = db_fail(j, what, err);
	else
		rc = C2E_OK;
	finish(st);
	return rc;
}

/*
 * Durability.  A transaction that records intent (a step about to change
 * the org, a run changing state, a hand-made mark, the schema) is
 * DURABLE: its commit syncs the WAL (synchronous = FULL), so it survives
 * a power loss before the remote call it announces is sent.  Records
 * written after a remote change (a step done or failed, events, the
 * inventory) are LAZY (synchronous = NORMAL): WAL keeps them consistent
 * and a process crash loses nothing; a power loss may lose the last of
 * them, which leaves the step in flight, and resume reconciles such a
 * step by reading the org.  The next durable commit (or the checkpoint
 * when the journal closes) syncs every lazy commit before it: the WAL
 * is appended in order.  The setting is connection state, changed only
 * between transactions.
 */
enum { SYNC_NORMAL = 1, SYNC_FULL = 2 };
enum durability { LAZY, DURABLE };

static int sync_mode(struct c2e_journal *j, enum durability d,
                     struct c2e_err *err)
{
	int want = d == DURABLE ? SYNC_FULL : SYNC_NORMAL;
	sqlite3_stmt *st;
	int rc;

	if (j->sync == want)
		return C2E_OK;
	st = stmt(j, want == SYNC_FULL ? ST_SYNC_FULL : ST_SYNC_NORMAL, err);
	if (!st)
		return stmt_rc(err);
	rc = run_stmt(j, st, "set the journal's durability", err);
	if (rc == C2E_OK)
		j->sync = want;
	return rc;
}

static int tx_begin(struct c2e_journal *j, enum durability d, const char *what,
                    struct c2e_err *err)
{
	sqlite3_stmt *st;
	int rc = sync_mode(j, d, err);

	if (rc < 0)
		return rc;
	st = stmt(j, ST_BEGIN, err);
	if (!st)
		return stmt_rc(err);
	return run_stmt(j, st, what, err);
}

static void tx_rollback(struct c2e_journal *j)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(j->db))
		return;
	st = stmt(j, ST_ROLLBACK, NULL);
	if (st) {
		(void)sqlite3_step(st);
		finish(st);
	}
	if (!sqlite3_get_autocommit(j->db))
		(void)sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
}

static int tx_commit(struct c2e_journal *j, const char *what,
                     struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_COMMIT, err);

	if (!st)
		return stmt_rc(err);
	return run_stmt(j, st, what, err);
}

static int event_insert(struct c2e_journal *j, int64_t run_id, int64_t step_id,
                        const char *at, const char *kind, const char *detail,
                        struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_EVENT_INSERT, err);

	if (!st)
		return stmt_rc(err);
	if (bind_id(st, 1, run_id) || bind_id(st, 2, step_id) ||
	    bind_text(st, 3, at) || bind_text(st, 4, kind) ||
	    bind_text(st, 5, detail)) {
		int rc = db_fail(j, "record an event", err);

		finish(st);
		return rc;
	}
	return run_stmt(j, st, "record an event", err);
}

/* --- open, identify, migrate --- */

/* One value of a one-off query (SQL text without values). */
static int query_int(struct c2e_journal *j, const char *sql, const char *what,
                     int *out, struct c2e_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		goto fail;
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return C2E_OK;
fail:
	rc = db_fail(j, what, err);
	sqlite3_finalize(st);
	return rc;
}

static int not_a_journal(struct c2e_journal *j, const char *why,
                         struct c2e_err *err)
{
	return c2e_err_set(err, C2E_EDATA,
	                   "'%s' is not a ca2eca journal: %s; give the path "
	                   "of a ca2eca journal or of a new file",
	                   j->path, why);
}

/*
 * Checks that the file is ours before anything writes to it: empty (a
 * new journal, version 0), or a database with our meta table.
 */
static int identify(struct c2e_journal *j, int *version_out,
                    struct c2e_err *err)
{
	sqlite3_stmt *st = NULL;
	int objects = 0, version = 0, rc;
	bool ours = false;

	rc = sqlite3_prepare_v2(j->db, "SELECT count(*) FROM sqlite_master", -1,
	                        &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int code = sqlite3_errcode(j->db) & 0xff;

		if (code == SQLITE_NOTADB)
			rc = not_a_journal(j, sqlite3_errmsg(j->db), err);
		else
			rc = db_fail(j, "read the schema", err);
		sqlite3_finalize(st);
		return rc;
	}
	objects = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	rc = query_int(j, "PRAGMA user_version", "read the schema version",
	               &version, err);
	if (rc < 0)
		return rc;
	if (objects == 0 && version == 0) {
		*version_out = 0;
		return C2E_OK;
	}
	rc = sqlite3_prepare_v2(j->db,
	                        "SELECT value FROM meta "
	                        "WHERE key = 'application'",
	                        -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		ours = rc == SQLITE_ROW &&
		       c2e_str_eq((const char *)sqlite3_column_text(st, 0),
		                  "ca2eca");
	}
	sqlite3_finalize(st);
	if (!ours)
		return not_a_journal(j,
		                     "it is an SQLite database without the "
		                     "ca2eca meta table",
		                     err);
	*version_out = version;
	return C2E_OK;
}

static int newer(struct c2e_journal *j, int version, struct c2e_err *err)
{
	return c2e_err_set(err, C2E_EDATA,
	                   "'%s' was written by a newer ca2eca (schema %d, "
	                   "this one knows up to %d); upgrade ca2eca",
	                   j->path, version, SCHEMA_VERSION);
}

static int meta_put(struct c2e_journal *j, const char *key, const char *value,
                    struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_META_PUT, err);

	if (!st)
		return stmt_rc(err);
	if (bind_text(st, 1, key) || bind_text(st, 2, value)) {
		int rc = db_fail(j, "write the meta table", err);

		finish(st);
		return rc;
	}
	return run_stmt(j, st, "write the meta table", err);
}

/*
 * Applies the missing migrations, one transaction each.  The version is
 * read again inside each transaction: another process may have migrated
 * the file while we waited for the write lock.
 */
static int migrate(struct c2e_journal *j, bool stamp, struct c2e_err *err)
{
	char now[TIME_MAX];
	int rc = C2E_OK, version = 0;

	/* every step in one transaction: a new journal gets one commit */
	rc = tx_begin(j, LAZY, "upgrade the schema", err);
	if (rc < 0)
		goto done;
	for (;;) {
		rc = query_int(j, "PRAGMA user_version",
		               "read the schema version", &version, err);
		if (rc < 0)
			goto done;
		if (version > SCHEMA_VERSION) {
			rc = newer(j, version, err);
			goto done;
		}
		if (version == SCHEMA_VERSION)
			break;
		if (sqlite3_exec(j->db, migrations[version], NULL, NULL,
		                 NULL) != SQLITE_OK) {
			rc = db_fail(j, "upgrade the schema", err);
			goto done;
		}
		stamp = stamp || version == 0;
	}
	/* a new journal: made now, or copied from the empty journal */
	if (stamp) {
		rc = now_iso(now, err);
		if (rc == C2E_OK)
			rc = meta_put(j, "created_at", now, err);
		if (rc == C2E_OK)
			rc = meta_put(j, "created_by", C2E_VERSION, err);
		if (rc < 0)
			goto done;
	}
	rc = tx_commit(j, "upgrade the schema", err);
	if (rc == C2E_OK)
		j->version = version;
done:
	if (rc < 0)
		tx_rollback(j);
	return rc;
}

/* SQLite creates -wal and -shm with the mode of the database file. */
static void tighten_modes(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct c2e_buf b = C2E_BUF_INIT;
	struct stat st;

	for (size_t i = 0; i < C2E_ARRAY_SIZE(suffix); i++) {
		c2e_buf_truncate(&b, 0);
		if (c2e_buf_addf(&b, "%s%s", path, suffix[i]) < 0)
			break;
		if (stat(b.buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() && (st.st_mode & 077))
			(void)chmod(b.buf, st.st_mode & 0600);
	}
	c2e_buf_release(&b);
}

/*
 * A new journal is a copy of an empty journal made once per process: the
 * migrations run on an in-memory database (the memdb VFS, so that SQLite
 * keeps its header as for a file) and its image is kept.  Writing 56 KB
 * costs a fraction of running the schema's SQL for every new journal
 * (parsing each statement, re-reading the schema after each one), which a
 * batch pays once per org.  The image's header says WAL (file format
 * read and write versions 2, offsets 18 and 19 of the database header),
 * so the journal is in WAL mode from its first byte.  NULL when making
 * it failed: new journals then run the migrations as an old one would.
 */
static struct {
	unsigned char *image;
	size_t len;
} empty_journal;

static void empty_journal_make(void)
{
	sqlite3 *db = NULL;
	sqlite3_int64 n = 0;
	unsigned char *image = NULL;

	if (sqlite3_open_v2("file:empty-journal?vfs=memdb", &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                            SQLITE_OPEN_URI,
	                    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(migrations); i++)
		if (sqlite3_exec(db, migrations[i], NULL, NULL, NULL) !=
		    SQLITE_OK)
			goto done;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	image = sqlite3_serialize(db, "main", &n, 0);
	if (!image || n < 100 || n > (sqlite3_int64)1 << 20)
		goto done;
	image[18] = 2; /* file format write version: WAL */
	image[19] = 2; /* file format read version: WAL */
	empty_journal.image = malloc((size_t)n);
	if (empty_journal.image) {
		memcpy(empty_journal.image, image, (size_t)n);
		empty_journal.len = (size_t)n;
	}
done:
	sqlite3_free(image);
	sqlite3_close(db);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Creates the journal from the empty journal's image where the file
 * system allows it: the image goes into an unnamed file in the journal's
 * directory (O_TMPFILE), which is then linked under the journal's name,
 * so that another process opening the same new journal sees the whole
 * file or none.  1: created; 0: the name exists (*errno_out EEXIST); -1:
 * this way is not available here (no O_TMPFILE, no /proc), the caller
 * creates an empty file instead; -2: error (*errno_out).
 */
static int create_from_image(const char *path, int *errno_out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct c2e_buf dir = C2E_BUF_INIT, proc = C2E_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd = -1, rc = -1;

	(void)pthread_once(&once, empty_journal_make);
	if (!empty_journal.image)
		return -1;
	if (!slash)
		c2e_buf_adds(&dir, ".");
	else
		c2e_buf_addn(&dir, path,
		             slash == path ? 1 : (size_t)(slash - path));
	if (c2e_buf_failed(&dir))
		goto done;
	fd = open(dir.buf, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		goto done; /* not supported here, or the caller's open says why */
	/* a umask cannot widen 0600, but it may narrow it */
	if (fchmod(fd, 0600) < 0 ||
	    write_all(fd, empty_journal.image, empty_journal.len) < 0) {
		*errno_out = errno;
		rc = -2;
		goto done;
	}
	if (c2e_buf_addf(&proc, "/proc/self/fd/%d", fd) < 0)
		goto done;
	if (linkat(AT_FDCWD, proc.buf, AT_FDCWD, path, AT_SYMLINK_FOLLOW) ==
	    0) {
		rc = 1;
	} else if (errno == EEXIST) {
		*errno_out = EEXIST;
		rc = 0;
	}
done:
	if (fd >= 0)
		close(fd);
	c2e_buf_release(&dir);
	c2e_buf_release(&proc);
	return rc;
}

/*
 * Creates the file (mode 0600) so that SQLite never creates it wider.
 * *created tells whether it is new: a copy of the empty journal
 * (*from_image) or an empty file.
 */
static int create_file(const char *path, bool *created, bool *from_image,
                       struct c2e_err *err)
{
	struct stat st;
	int fd, made, e = 0;

	*created = false;
	*from_image = false;
	made = create_from_image(path, &e);
	if (made == 1) {
		*created = true;
		*from_image = true;
		return C2E_OK;
	}
	if (made == -2)
		return c2e_err_set(err, C2E_EIO,
		                   "cannot create journal '%s': %s; check that "
		                   "its file system has room",
		                   path, strerror(e));
	fd = made == 0 ?
	             -1 :
	             open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* a umask cannot widen 0600, but it may narrow it */
		if (fchmod(fd, 0600) < 0) {
			e = errno;
			close(fd);
			return c2e_err_set(err, C2E_EIO,
			                   "cannot create journal '%s': %s",
			                   path, strerror(e));
		}
		close(fd);
		*created = true;
		return C2E_OK;
	}
	if (made != 0 && errno != EEXIST)
		return c2e_err_set(err, C2E_EIO,
		                   "cannot create journal '%s': %s; check that "
		                   "its directory exists and is writable",
		                   path, strerror(errno));
	if (stat(path, &st) < 0)
		return c2e_err_set(err, C2E_EIO, "cannot open journal '%s': %s",
		                   path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s' is not a ca2eca journal: it is not a "
		                   "regular file; give the path of a ca2eca "
		                   "journal or of a new file",
		                   path);
	return C2E_OK;
}

static int setup(struct c2e_journal *j, bool created, bool from_image,
                 struct c2e_err *err)
{
	int persist = 1;
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc, version = 0;

	sqlite3_extended_result_codes(j->db, 0);
	(void)sqlite3_db_config(j->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(j->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (sqlite3_busy_timeout(j->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_fail(j, "set up", err);
	/*
	 * The -wal and -shm files stay when the journal closes (the WAL is
	 * checkpointed into the database first, so the .db file alone is
	 * complete).  Deleting and re-creating them per open costs more
	 * than the files: on ext4 without a journal, every new inode is
	 * searched past the recently deleted ones, which a batch of many
	 * orgs turns into quadratic time (docs/performance.md).
	 */
	(void)sqlite3_file_control(j->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	                           &persist);
	rc = identify(j, &version, err);
	if (rc < 0)
		return rc;
	if (version > SCHEMA_VERSION)
		return newer(j, version, err);
	tighten_modes(j->path);

	/*
	 * A copy of the empty journal is in WAL mode already.  A new, empty
	 * file (where no copy could be made) switches to WAL through an
	 * in-memory rollback
	 * journal: there is nothing to protect yet, and the switch then
	 * creates (and deletes) no -journal file.  (Should another process
	 * have switched it to WAL meanwhile, MEMORY only takes it out of
	 * WAL and back, or fails, which is ignored.)  Two processes opening a
	 * new journal at once may both hold a shared lock and want the
	 * exclusive one; SQLite then answers BUSY at once (a busy handler would
	 * deadlock), so the switch is tried again.
	 */
	for (int waited = 0;; waited += 10) {
		/* best effort: it only spares a -journal file */
		if (created && !from_image && waited == 0)
			(void)sqlite3_exec(j->db,
			                   "PRAGMA synchronous = OFF; "
			                   "PRAGMA journal_mode = MEMORY",
			                   NULL, NULL, NULL);
		rc = sqlite3_prepare_v2(j->db, "PRAGMA journal_mode = WAL", -1,
		                        &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
			break;
		sqlite3_finalize(st);
		st = NULL;
		(void)usleep(10000);
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(j, "switch to WAL mode", err);
		sqlite3_finalize(st);
		return rc;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!c2e_str_ieq(mode, "wal")) {
		rc = c2e_err_set(err, C2E_EIO,
		                 "cannot switch journal '%s' to WAL mode (it "
		                 "stays in '%s' mode); keep the journal on a "
		                 "local file system",
		                 j->path, mode ? mode : "?");
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	/*
	 * A new journal gets its schema without a sync (synchronous = OFF):
	 * SQLite would otherwise sync the new WAL's header at once.  Nothing
	 * in it is worth a sync yet: the first intent syncs the WAL with
	 * everything written before it, and a crash before that leaves an
	 * empty journal or one with the schema (WAL frames are checksummed;
	 * a torn tail is ignored), and no change sent to any org.
	 */
	if (sqlite3_exec(j->db,
	                 created ? "PRAGMA synchronous = OFF; "
	                           "PRAGMA foreign_keys = ON; "
	                           "PRAGMA journal_size_limit = 0" :
	                           "PRAGMA synchronous = NORMAL; "
	                           "PRAGMA foreign_keys = ON; "
	                           "PRAGMA journal_size_limit = 0",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(j, "set up", err);
	j->sync = SYNC_NORMAL; /* so that migrate's lazy commits keep OFF */
	rc = migrate(j, from_image, err);
	if (rc < 0)
		return rc;
	if (created && sqlite3_exec(j->db, "PRAGMA synchronous = NORMAL", NULL,
	                            NULL, NULL) != SQLITE_OK)
		return db_fail(j, "set up", err);
	return C2E_OK;
}

/*
 * Process-wide SQLite settings, before SQLite initializes itself: no
 * memory statistics (they take one global mutex around every allocation
 * of every connection, and a batch has one connection per worker).
 */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int c2e_journal_open(const char *path, struct c2e_journal **out,
                     struct c2e_err *err)
{
	struct c2e_journal *j = NULL;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	bool created = false, from_image = false;
	int rc;

	(void)pthread_once(&once, sqlite_setup);
	j = calloc(1, sizeof(*j));
	if (!j)
		return c2e_err_oom(err);
	j->path = c2e_strdup(path);
	if (!j->path) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = create_file(path, &created, &from_image, err);
	if (rc < 0)
		goto done;
	if (sqlite3_open_v2(path, &j->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                            SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		if (!j->db)
			rc = c2e_err_oom(err);
		else
			rc = c2e_err_set(err, C2E_EIO,
			                 "cannot open journal '%s': %s; check "
			                 "the file's permissions",
			                 path, sqlite3_errmsg(j->db));
		goto done;
	}
	rc = setup(j, created, from_image, err);
	if (rc < 0)
		goto done;
	*out = j;
	j = NULL;
done:
	c2e_journal_close(j);
	return rc;
}

void c2e_journal_close(struct c2e_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(j->stmt); i++)
		sqlite3_finalize(j->stmt[i]);
	sqlite3_close(j->db);
	free(j->path);
	free(j);
}

int c2e_journal_schema_version(const struct c2e_journal *j)
{
	return j->version;
}

const char *c2e_journal_path(const struct c2e_journal *j)
{
	return j->path;
}

/* --- runs --- */

static int run_event(struct c2e_journal *j, int64_t run_id, const char *at,
                     struct c2e_buf *detail, struct c2e_err *err)
{
	if (c2e_buf_failed(detail))
		return c2e_err_oom(err);
	return event_insert(j, run_id, 0, at, "run", detail->buf, err);
}

int c2e_journal_run_begin(struct c2e_journal *j,
                          const struct c2e_run_info *info, int64_t *run_id_out,
                          struct c2e_err *err)
{
	struct c2e_buf detail = C2E_BUF_INIT;
	char now[TIME_MAX];
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc;

	rc = now_iso(now, err);
	if (rc < 0)
		return rc;
	rc = tx_begin(j, LAZY, "start a run", err);
	if (rc < 0)
		return rc;
	st = stmt(j, ST_RUN_INSERT, err);
	if (!st) {
		rc = stmt_rc(err);
		goto done;
	}
	if (bind_text(st, 1, info->org_id) ||
	    bind_text(st, 2, info->instance_url) ||
	    bind_text(st, 3, info->username) ||
	    bind_text(st, 4, info->plan_hash) ||
	    bind_text(st, 5, info->plan_path) ||
	    bind_text(st, 6, info->inventory_hash) ||
	    bind_text(st, 7, info->tool_version) ||
	    bind_text(st, 8, info->os_user) || bind_text(st, 9, info->host) ||
	    bind_text(st, 10, now)) {
		rc = db_fail(j, "start a run", err);
		goto done;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(j, "start a run", err);
		goto done;
	}
	id = sqlite3_last_insert_rowid(j->db);
	finish(st);
	st = stmt(j, ST_RUN_PLAN_INSERT, err);
	if (!st) {
		rc = stmt_rc(err);
		goto done;
	}
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    bind_text(st, 2, info->plan_json) ||
	    sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(j, "start a run", err);
		goto done;
	}
	finish(st);
	st = NULL;
	c2e_buf_addf(&detail, "started for org %s, plan %s: -> running",
	             info->org_id, info->plan_hash);
	rc = run_event(j, id, now, &detail, err);
	if (rc < 0)
		goto done;
	rc = tx_commit(j, "start a run", err);
	if (rc < 0)
		goto done;
	*run_id_out = id;
done:
	finish(st);
	if (rc < 0)
		tx_rollback(j);
	c2e_buf_release(&detail);
	return rc;
}

static int no_run(struct c2e_journal *j, int64_t run_id, struct c2e_err *err)
{
	return c2e_err_set(err, C2E_ENOTFOUND,
	                   "no run %lld in journal '%s': check the run id",
	                   (long long)run_id, j->path);
}

/* The state of a run, or ENOTFOUND. */
static int run_state(struct c2e_journal *j, int64_t run_id,
                     enum c2e_run_state *out, struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_RUN_STATE, err);
	int rc;

	if (!st)
		return stmt_rc(err);
	if (sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK) {
		rc = db_fail(j, "read a run", err);
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = no_run(j, run_id, err);
	} else if (rc != SQLITE_ROW) {
		rc = db_fail(j, "read a run", err);
	} else if (parse_run_state((const char *)sqlite3_column_text(st, 0),
	                           out) < 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "run %lld in journal '%s' has an unknown "
		                 "state; restore the journal from a backup",
		                 (long long)run_id, j->path);
	} else {
		rc = C2E_OK;
	}
done:
	finish(st);
	return rc;
}

int c2e_journal_run_set_state(struct c2e_journal *j, int64_t run_id,
                              enum c2e_run_state state, struct c2e_err *err)
{
	struct c2e_buf detail = C2E_BUF_INIT;
	enum c2e_run_state old = C2E_RUN_RUNNING;
	char now[TIME_MAX];
	sqlite3_stmt *st = NULL;
	int rc;

	if ((unsigned)state >= C2E_ARRAY_SIZE(run_state_names))
		return c2e_err_set(err, C2E_ERROR, "unknown run state %d",
		                   (int)state);
	rc = now_iso(now, err);
	if (rc < 0)
		return rc;
	rc = tx_begin(j, LAZY, "change the state of a run", err);
	if (rc < 0)
		return rc;
	rc = run_state(j, run_id, &old, err);
	if (rc < 0)
		goto done;
	st = stmt(j, ST_RUN_SET_STATE, err);
	if (!st) {
		rc = stmt_rc(err);
		goto done;
	}
	if (sqlite3_bind_int64(st, 1, run_id) ||
	    bind_text(st, 2, c2e_run_state_name(state)) ||
	    bind_text(st, 3, state == C2E_RUN_RUNNING ? NULL : now)) {
		rc = db_fail(j, "change the state of a run", err);
		goto done;
	}
	rc = run_stmt(j, st, "change the state of a run", err);
	st = NULL;
	if (rc < 0)
		goto done;
	c2e_buf_addf(&detail, "%s -> %s", c2e_run_state_name(old),
	             c2e_run_state_name(state));
	rc = run_event(j, run_id, now, &detail, err);
	if (rc < 0)
		goto done;
	rc = tx_commit(j, "change the state of a run", err);
done:
	finish(st);
	if (rc < 0)
		tx_rollback(j);
	c2e_buf_release(&detail);
	return rc;
}

/* Reads the current row of a RUN_COLS statement into `r`. */
static int read_run(struct c2e_journal *j, sqlite3_stmt *st, struct c2e_run *r,
                    struct c2e_err *err)
{
	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	bad |= col_text(st, 1, &r->org_id);
	bad |= col_text(st, 2, &r->instance_url);
	bad |= col_text(st, 3, &r->username);
	bad |= col_text(st, 4, &r->plan_hash);
	bad |= col_text(st, 5, &r->plan_path);
	bad |= col_text(st, 6, &r->plan_json);
	bad |= col_text(st, 7, &r->inventory_hash);
	bad |= col_text(st, 8, &r->tool_version);
	bad |= col_text(st, 9, &r->os_user);
	bad |= col_text(st, 10, &r->host);
	bad |= col_text(st, 11, &r->started_at);
	bad |= col_text(st, 12, &r->finished_at);
	if (bad) {
		c2e_run_release(r);
		return c2e_err_oom(err);
	}
	if (parse_run_state((const char *)sqlite3_column_text(st, 13),
	                    &r->state) < 0) {
		c2e_run_release(r);
		return c2e_err_set(err, C2E_EDATA,
		                   "run %lld in journal '%s' has an unknown "
		                   "state; restore the journal from a backup",
		                   (long long)sqlite3_column_int64(st, 0),
		                   j->path);
	}
	return C2E_OK;
}

int c2e_journal_run_get(struct c2e_journal *j, int64_t run_id,
                        struct c2e_run *out, struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_RUN_GET, err);
	struct c2e_run r;
	int rc;

	if (!st)
		return stmt_rc(err);
	if (sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK) {
		rc = db_fail(j, "read a run", err);
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = no_run(j, run_id, err);
		goto done;
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(j, "read a run", err);
		goto done;
	}
	rc = read_run(j, st, &r, err);
	if (rc < 0)
		goto done;
	*out = r;
done:
	finish(st);
	return rc;
}

int c2e_journal_run_latest(struct c2e_journal *j, const char *org_id,
                           int64_t *run_id_out, struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_RUN_LATEST, err);
	int rc;

	if (!st)
		return stmt_rc(err);
	if (bind_text(st, 1, org_id) != SQLITE_OK) {
		rc = db_fail(j, "find the latest run", err);
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		if (org_id)
			rc = c2e_err_set(err, C2E_ENOTFOUND,
			                 "journal '%s' has no run for org '%s' "
			                 "yet: apply a plan first",
			                 j->path, org_id);
		else
			rc = c2e_err_set(err, C2E_ENOTFOUND,
			                 "journal '%s' has no run yet: apply a "
			                 "plan first",
			                 j->path);
		goto done;
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(j, "find the latest run", err);
		goto done;
	}
	*run_id_out = sqlite3_column_int64(st, 0);
	rc = C2E_OK;
done:
	finish(st);
	return rc;
}

/* Makes room for one more element of size `size` in `*v`. */
static int grow(void **v, size_t *alloc, size_t n, size_t size)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 8;
	if (want > SIZE_MAX / size)
		return -1;
	p = realloc(*v, want * size);
	if (!p)
		return -1;
	*v = p;
	*alloc = want;
	return 0;
}

int c2e_journal_runs(struct c2e_journal *j, struct c2e_run **out, size_t *n_out,
                     struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_RUNS, err);
	struct c2e_run *v = NULL;
	size_t n = 0, alloc = 0;
	int rc = C2E_OK, s;

	if (!st)
		return stmt_rc(err);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&v, &alloc, n, sizeof(*v)) < 0) {
			rc = c2e_err_oom(err);
			goto done;
		}
		rc = read_run(j, st, &v[n], err);
		if (rc < 0)
			goto done;
		n++;
	}
	if (s != SQLITE_DONE) {
		rc = db_fail(j, "list the runs", err);
		goto done;
	}
	*out = v;
	*n_out = n;
	v = NULL;
	n = 0;
done:
	finish(st);
	c2e_runs_free(v, n);
	return rc;
}

void c2e_run_release(struct c2e_run *r)
{
	if (!r)
		return;
	free(r->org_id);
	free(r->instance_url);
	free(r->username);
	free(r->plan_hash);
	free(r->plan_path);
	free(r->plan_json);
	free(r->inventory_hash);
	free(r->tool_version);
	free(r->os_user);
	free(r->host);
	free(r->started_at);
	free(r->finished_at);
	memset(r, 0, sizeof(*r));
}

void c2e_runs_free(struct c2e_run *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		c2e_run_release(&v[i]);
	free(v);
}

/* --- steps --- */

int c2e_journal_steps_add(struct c2e_journal *j, int64_t run_id,
                          const struct c2e_step_def *defs, size_t n,
                          struct c2e_err *err)
{
	struct c2e_buf detail = C2E_BUF_INIT;
	enum c2e_run_state state;
	char now[TIME_MAX], what[64];
	sqlite3_stmt *st = NULL;
	int rc;

	rc = now_iso(now, err);
	if (rc < 0)
		return rc;
	(void)snprintf(what, sizeof(what), "add steps to run %lld",
	               (long long)run_id);
	rc = tx_begin(j, LAZY, what, err);
	if (rc < 0)
		return rc;
	rc = run_state(j, run_id, &state, err);
	if (rc < 0)
		goto done;
	st = stmt(j, ST_STEP_INSERT, err);
	if (!st) {
		rc = stmt_rc(err);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct c2e_step_def *d = &defs[i];

		(void)snprintf(what, sizeof(what), "add step %d to run %lld",
		               d->seq, (long long)run_id);
		if (sqlite3_bind_int64(st, 1, run_id) ||
		    sqlite3_bind_int(st, 2, d->seq) ||
		    bind_text(st, 3, d->app) || bind_text(st, 4, d->kind) ||
		    bind_text(st, 5, d->component_type) ||
		    bind_text(st, 6, d->component_name)) {
			rc = db_fail(j, what, err);
			goto done;
		}
		rc = run_stmt(j, st, what, err);
		if (rc < 0)
			goto done;
	}
	st = NULL;
	(void)snprintf(what, sizeof(what), "add steps to run %lld",
	               (long long)run_id);
	c2e_buf_addf(&detail, "%zu step%s added", n, n == 1 ? "" : "s");
	if (c2e_buf_failed(&detail)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = event_insert(j, run_id, 0, now, "plan", detail.buf, err);
	if (rc < 0)
		goto done;
	rc = tx_commit(j, what, err);
done:
	finish(st);
	if (rc < 0)
		tx_rollback(j);
	c2e_buf_release(&detail);
	return rc;
}

static void step_release(struct c2e_step *s)
{
	free(s->app);
	free(s->kind);
	free(s->component_type);
	free(s->component_name);
	free(s->before_image);
	free(s->after_image);
	free(s->result);
	free(s->error);
	free(s->started_at);
	free(s->finished_at);
	free(s->mark_reason);
	memset(s, 0, sizeof(*s));
}

static int read_step(struct c2e_journal *j, sqlite3_stmt *st,
                     struct c2e_step *s, struct c2e_err *err)
{
	int bad = 0;

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->run_id = sqlite3_column_int64(st, 1);
	s->seq = sqlite3_column_int(st, 2);
	bad |= col_text(st, 3, &s->app);
	bad |= col_text(st, 4, &s->kind);
	bad |= col_text(st, 5, &s->component_type);
	bad |= col_text(st, 6, &s->component_name);
	bad |= col_text(st, 8, &s->before_image);
	bad |= col_text(st, 9, &s->after_image);
	bad |= col_text(st, 10, &s->result);
	bad |= col_text(st, 11, &s->error);
	s->attempts = sqlite3_column_int(st, 12);
	bad |= col_text(st, 13, &s->started_at);
	bad |= col_text(st, 14, &s->finished_at);
	s->duration_ms = (long)sqlite3_column_int64(st, 15);
	bad |= col_text(st, 16, &s->mark_reason);
	if (bad) {
		step_release(s);
		return c2e_err_oom(err);
	}
	if (parse_step_state((const char *)sqlite3_column_text(st, 7),
	                     &s->state) < 0) {
		step_release(s);
		return c2e_err_set(err, C2E_EDATA,
		                   "step %lld in journal '%s' has an unknown "
		                   "state; restore the journal from a backup",
		                   (long long)sqlite3_column_int64(st, 0),
		                   j->path);
	}
	return C2E_OK;
}

int c2e_journal_steps(struct c2e_journal *j, int64_t run_id,
                      struct c2e_step **out, size_t *n_out, struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_STEPS, err);
	struct c2e_step *v = NULL;
	size_t n = 0, alloc = 0;
	int rc = C2E_OK, s;

	if (!st)
		return stmt_rc(err);
	if (sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK) {
		rc = db_fail(j, "list the steps of a run", err);
		goto done;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&v, &alloc, n, sizeof(*v)) < 0) {
			rc = c2e_err_oom(err);
			goto done;
		}
		rc = read_step(j, st, &v[n], err);
		if (rc < 0)
			goto done;
		n++;
	}
	if (s != SQLITE_DONE) {
		rc = db_fail(j, "list the steps of a run", err);
		goto done;
	}
	*out = v;
	*n_out = n;
	v = NULL;
	n = 0;
done:
	finish(st);
	c2e_steps_free(v, n);
	return rc;
}

void c2e_steps_free(struct c2e_step *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		step_release(&v[i]);
	free(v);
}

/* What a state change needs to know about a step, for checks and logs. */
struct step_row {
	int64_t run_id;
	int seq;
	char *app;
	char *kind;
	char *ctype;
	char *cname;
	enum c2e_step_state state;
};

static void step_row_release(struct step_row *r)
{
	free(r->app);
	free(r->kind);
	free(r->ctype);
	free(r->cname);
	memset(r, 0, sizeof(*r));
}

static int step_row_load(struct c2e_journal *j, int64_t step_id,
                         struct step_row *r, struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_STEP_INFO, err);
	int rc, bad = 0;

	memset(r, 0, sizeof(*r));
	if (!st)
		return stmt_rc(err);
	if (sqlite3_bind_int64(st, 1, step_id) != SQLITE_OK) {
		rc = db_fail(j, "read a step", err);
		goto done;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = c2e_err_set(err, C2E_ENOTFOUND,
		                 "no step %lld in journal '%s': check the step "
		                 "id",
		                 (long long)step_id, j->path);
		goto done;
	}
	if (rc != SQLITE_ROW) {
		rc = db_fail(j, "read a step", err);
		goto done;
	}
	r->run_id = sqlite3_column_int64(st, 0);
	r->seq = sqlite3_column_int(st, 1);
	bad |= col_text(st, 2, &r->app);
	bad |= col_text(st, 3, &r->kind);
	bad |= col_text(st, 4, &r->ctype);
	bad |= col_text(st, 5, &r->cname);
	if (bad) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (parse_step_state((const char *)sqlite3_column_text(st, 6),
	                     &r->state) < 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "step %lld in journal '%s' has an unknown "
		                 "state; restore the journal from a backup",
		                 (long long)step_id, j->path);
		goto done;
	}
	rc = C2E_OK;
done:
	finish(st);
	if (rc < 0)
		step_row_release(r);
	return rc;
}

/* "ExternalClientApplication:My_App", or the app when no component. */
static void add_component(struct c2e_buf *b, const struct step_row *r)
{
	if (r->ctype && r->cname)
		c2e_buf_addf(b, "%s:%s", r->ctype, r->cname);
	else if (r->cname)
		c2e_buf_adds(b, r->cname);
	else
		c2e_buf_addf(b, "app %s", r->app ? r->app : "?");
}

enum step_op {
	OP_BEGIN,
	OP_DONE,
	OP_FAILED,
	OP_UNDONE,
	OP_MARK_DONE,
	OP_MARK_FAILED
};

#define BIT(s) (1u << (s))

static const struct {
	enum stmt_id st;
	unsigned from;
	enum c2e_step_state to;
	const char *rule;
} ops[] = {
	[OP_BEGIN] = { ST_STEP_BEGIN,
	               BIT(C2E_STEP_PENDING) | BIT(C2E_STEP_FAILED) |
	                       BIT(C2E_STEP_IN_FLIGHT),
	               C2E_STEP_IN_FLIGHT,
	               "only a pending, failed or in_flight step can start" },
	[OP_DONE] = { ST_STEP_DONE, BIT(C2E_STEP_IN_FLIGHT), C2E_STEP_DONE,
	              "only an in_flight step can be done" },
	[OP_FAILED] = { ST_STEP_FAILED, BIT(C2E_STEP_IN_FLIGHT),
	                C2E_STEP_FAILED, "only an in_flight step can fail" },
	[OP_UNDONE] = { ST_STEP_UNDONE, BIT(C2E_STEP_DONE), C2E_STEP_UNDONE,
	                "only a done step can be undone" },
	[OP_MARK_DONE] = { ST_STEP_MARK_DONE,
	                   BIT(C2E_STEP_PENDING) | BIT(C2E_STEP_IN_FLIGHT) |
	                           BIT(C2E_STEP_FAILED),
	                   C2E_STEP_DONE,
	                   "only a pending, in_flight or failed step can be "
	                   "marked done" },
	[OP_MARK_FAILED] = { ST_STEP_MARK_FAILED,
	                     BIT(C2E_STEP_PENDING) | BIT(C2E_STEP_IN_FLIGHT),
	                     C2E_STEP_FAILED,
	                     "only a pending or in_flight step can be marked "
	                     "failed" },
};

static int conflict(struct c2e_journal *j, const struct step_row *r,
                    enum step_op op, struct c2e_err *err)
{
	struct c2e_buf comp = C2E_BUF_INIT;
	int rc;

	add_component(&comp, r);
	if (c2e_buf_failed(&comp)) {
		c2e_buf_release(&comp);
		return c2e_err_oom(err);
	}
	rc = c2e_err_set(err, C2E_ECONFLICT,
	                 "cannot move step %d (%s %s) of run %lld in journal "
	                 "'%s' from %s to %s: %s; check the steps of run %lld",
	                 r->seq, r->kind, comp.buf, (long long)r->run_id,
	                 j->path, c2e_step_state_name(r->state),
	                 c2e_step_state_name(ops[op].to), ops[op].rule,
	                 (long long)r->run_id);
	c2e_buf_release(&comp);
	return rc;
}

/*
 * Moves one step (inside the caller's transaction) and appends the
 * event.  `a` is the before-image, after-image, error or reason of the
 * operation; `b` the result of OP_DONE.
 */
static int move_step(struct c2e_journal *j, int64_t step_id, enum step_op op,
                     const char *a, const char *b, const char *now,
                     struct c2e_err *err)
{
	struct c2e_buf detail = C2E_BUF_INIT;
	struct step_row r;
	sqlite3_stmt *st = NULL;
	int rc, bad = 0;

	rc = step_row_load(j, step_id, &r, err);
	if (rc < 0)
		return rc;
	if (!(ops[op].from & BIT(r.state))) {
		rc = conflict(j, &r, op, err);
		goto done;
	}
	st = stmt(j, ops[op].st, err);
	if (!st) {
		rc = stmt_rc(err);
		goto done;
	}
	bad |= sqlite3_bind_int64(st, 1, step_id);
	if (op != OP_UNDONE) {
		bad |= bind_text(st, 2, now);
		bad |= bind_text(st, 3, a);
	}
	if (op == OP_DONE)
		bad |= bind_text(st, 4, b);
	if (bad) {
		rc = db_fail(j, "change the state of a step", err);
		goto done;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(j, "change the state of a step", err);
		goto done;
	}
	if (sqlite3_changes(j->db) != 1) {
		rc = conflict(j, &r, op, err);
		goto done;
	}
	finish(st);
	st = NULL;

	c2e_buf_addf(&detail, "seq %d %s ", r.seq, r.kind);
	add_component(&detail, &r);
	c2e_buf_addf(&detail, ": %s -> %s", c2e_step_state_name(r.state),
	             c2e_step_state_name(ops[op].to));
	if (op == OP_FAILED && a)
		c2e_buf_addf(&detail, " (%s)", a);
	else if (op == OP_MARK_DONE || op == OP_MARK_FAILED)
		c2e_buf_addf(&detail, " (marked by hand: %s)", a);
	if (c2e_buf_failed(&detail)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = event_insert(j, r.run_id, step_id, now, "step", detail.buf, err);
done:
	finish(st);
	step_row_release(&r);
	c2e_buf_release(&detail);
	return rc;
}

/* Moves steps in one transaction: all of them, or none. */
/* One operation on several steps, inside the caller's transaction. */
struct step_moves {
	const int64_t *ids;
	const char *const *a;
	const char *const *b;
	size_t n;
	enum step_op op;
};

/* Moves steps in one transaction: every group in order, all or none. */
static int move_groups(struct c2e_journal *j, const struct step_moves *g,
                       size_t n_groups, enum durability d, struct c2e_err *err)
{
	char now[TIME_MAX];
	size_t total = 0;
	int rc;

	for (size_t k = 0; k < n_groups; k++)
		total += g[k].n;
	if (total == 0)
		return C2E_OK;
	rc = now_iso(now, err);
	if (rc < 0)
		return rc;
	rc = tx_begin(j, d, "change the state of a step", err);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n_groups; k++)
		for (size_t i = 0; i < g[k].n; i++) {
			rc = move_step(j, g[k].ids[i], g[k].op,
			               g[k].a ? g[k].a[i] : NULL,
			               g[k].b ? g[k].b[i] : NULL, now, err);
			if (rc < 0)
				goto done;
		}
	rc = tx_commit(j, "change the state of a step", err);
done:
	if (rc < 0)
		tx_rollback(j);
	return rc;
}

static int move_steps(struct c2e_journal *j, const int64_t *ids,
                      const char *const *a, const char *const *b, size_t n,
                      enum step_op op, enum durability d, struct c2e_err *err)
{
	struct step_moves g = { ids, a, b, n, op };

	return move_groups(j, &g, 1, d, err);
}

int c2e_journal_steps_advance(struct c2e_journal *j, const int64_t *done_ids,
                              const char *const *after_images,
                              const char *const *results, size_t n_done,
                              const int64_t *begin_ids,
                              const char *const *before_images, size_t n_begin,
                              bool reads_only, struct c2e_err *err)
{
	struct step_moves g[2] = {
		{ done_ids, after_images, results, n_done, OP_DONE },
		{ begin_ids, before_images, NULL, n_begin, OP_BEGIN },
	};

	return move_groups(j, g, 2, reads_only ? LAZY : DURABLE, err);
}

int c2e_journal_steps_begin(struct c2e_journal *j, const int64_t *step_ids,
                            const char *const *before_images, size_t n,
                            struct c2e_err *err)
{
	return move_steps(j, step_ids, before_images, NULL, n, OP_BEGIN,
	                  DURABLE, err);
}

int c2e_journal_steps_begin_reads(struct c2e_journal *j,
                                  const int64_t *step_ids, size_t n,
                                  struct c2e_err *err)
{
	return move_steps(j, step_ids, NULL, NULL, n, OP_BEGIN, LAZY, err);
}

int c2e_journal_step_done(struct c2e_journal *j, int64_t step_id,
                          const char *after_image, const char *result,
                          struct c2e_err *err)
{
	const char *a[1] = { after_image }, *b[1] = { result };

	return move_steps(j, &step_id, a, b, 1, OP_DONE, LAZY, err);
}

int c2e_journal_steps_done(struct c2e_journal *j, const int64_t *step_ids,
                           const char *const *after_images,
                           const char *const *results, size_t n,
                           struct c2e_err *err)
{
	return move_steps(j, step_ids, after_images, results, n, OP_DONE, LAZY,
	                  err);
}

int c2e_journal_step_failed(struct c2e_journal *j, int64_t step_id,
                            const char *error, struct c2e_err *err)
{
	const char *a[1] = { error };

	return move_steps(j, &step_id, a, NULL, 1, OP_FAILED, LAZY, err);
}

int c2e_journal_step_undone(struct c2e_journal *j, int64_t step_id,
                            struct c2e_err *err)
{
	return move_steps(j, &step_id, NULL, NULL, 1, OP_UNDONE, DURABLE, err);
}

int c2e_journal_step_mark(struct c2e_journal *j, int64_t step_id,
                          enum c2e_step_state state, const char *reason,
                          struct c2e_err *err)
{
	const char *a[1] = { reason };

	if (state != C2E_STEP_DONE && state != C2E_STEP_FAILED)
		return c2e_err_set(err, C2E_EUSAGE,
		                   "a step can only be marked done or failed, "
		                   "not %s",
		                   c2e_step_state_name(state));
	if (!reason || !reason[0])
		return c2e_err_set(
		        err, C2E_EUSAGE,
		        "marking step %lld %s by hand needs a reason; "
		        "say what was done",
		        (long long)step_id, c2e_step_state_name(state));
	return move_steps(j, &step_id, a, NULL, 1,
	                  state == C2E_STEP_DONE ? OP_MARK_DONE :
	                                           OP_MARK_FAILED,
	                  DURABLE, err);
}

/* --- events and inventories --- */

int c2e_journal_event(struct c2e_journal *j, int64_t run_id, int64_t step_id,
                      const char *kind, const char *detail, struct c2e_err *err)
{
	char now[TIME_MAX];
	int rc;

	rc = now_iso(now, err);
	if (rc == 0)
		rc = sync_mode(j, LAZY, err);
	if (rc < 0)
		return rc;
	return event_insert(j, run_id, step_id, now, kind, detail, err);
}

int c2e_journal_events(struct c2e_journal *j, int64_t run_id,
                       struct c2e_event **out, size_t *n_out,
                       struct c2e_err *err)
{
	sqlite3_stmt *st;
	struct c2e_event *v = NULL;
	size_t n = 0, alloc = 0;
	int rc = C2E_OK, s;

	st = stmt(j, run_id ? ST_EVENTS_RUN : ST_EVENTS_ALL, err);
	if (!st)
		return stmt_rc(err);
	if (run_id && sqlite3_bind_int64(st, 1, run_id) != SQLITE_OK) {
		rc = db_fail(j, "list the events", err);
		goto done;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct c2e_event *e;
		int bad = 0;

		if (grow((void **)&v, &alloc, n, sizeof(*v)) < 0) {
			rc = c2e_err_oom(err);
			goto done;
		}
		e = &v[n];
		memset(e, 0, sizeof(*e));
		n++;
		e->id = sqlite3_column_int64(st, 0);
		e->run_id = sqlite3_column_int64(st, 1);
		e->step_id = sqlite3_column_int64(st, 2);
		bad |= col_text(st, 3, &e->at);
		bad |= col_text(st, 4, &e->kind);
		bad |= col_text(st, 5, &e->detail);
		if (bad) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	if (s != SQLITE_DONE) {
		rc = db_fail(j, "list the events", err);
		goto done;
	}
	*out = v;
	*n_out = n;
	v = NULL;
	n = 0;
done:
	finish(st);
	c2e_events_free(v, n);
	return rc;
}

void c2e_events_free(struct c2e_event *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].at);
		free(v[i].kind);
		free(v[i].detail);
	}
	free(v);
}

int c2e_journal_inventory_put(struct c2e_journal *j, const char *org_id,
                              const char *hash, const char *snapshot_json,
                              struct c2e_err *err)
{
	sqlite3_stmt *st = stmt(j, ST_INVENTORY_PUT, err);
	char now[TIME_MAX];
	int rc;

	if (!st)
		return stmt_rc(err);
	rc = now_iso(now, err);
	if (rc == 0)
		rc = sync_mode(j, LAZY, err);
	if (rc < 0)
		return rc;
	if (bind_text(st, 1, org_id) || bind_text(st, 2, hash) ||
	    bind_text(st, 3, now) || bind_text(st, 4, snapshot_json)) {
		rc = db_fail(j, "store an inventory", err);
		finish(st);
		return rc;
	}
	return run_stmt(j, st, "store an inventory", err);
}
