#define _GNU_SOURCE 1 /* RTLD_NEXT */
#include "test.h"
#include "journal/journal.h"

#include <dlfcn.h>
#include <errno.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include "util/compat.h"

/*
 * Every fsync and fdatasync of this process (SQLite's included: the
 * executable's definitions interpose on libc's), to check which journal
 * writes reach the disk before they return.
 */
static unsigned long n_syncs;

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	n_syncs++;
	return real ? real(fd) : -1;
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	n_syncs++;
	return real ? real(fd) : -1;
}

/* linkat fails as it does where /proc is not mounted, while set */
static bool no_linkat;
static unsigned long n_linkats;

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
           int flags)
{
	static int (*real)(int, const char *, int, const char *, int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "linkat");
	n_linkats++;
	if (no_linkat || !real) {
		errno = ENOENT;
		return -1;
	}
	return real(olddirfd, oldpath, newdirfd, newpath, flags);
}

/* A fresh journal path in the scratch directory (malloc'd). */
static char *jpath(const char *name)
{
	char *p = c2e_path_join(test_tmp_dir(), name);
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_NOT_NULL(p);
	unlink(p);
	c2e_buf_addf(&b, "%s-wal", p);
	unlink(b.buf);
	c2e_buf_truncate(&b, 0);
	c2e_buf_addf(&b, "%s-shm", p);
	unlink(b.buf);
	c2e_buf_release(&b);
	return p;
}

static unsigned int file_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 07777;
	return (unsigned int)(st.st_mode & 0777);
}

static unsigned int suffix_mode(const char *path, const char *suffix)
{
	struct c2e_buf b = C2E_BUF_INIT;
	unsigned int m;

	c2e_buf_addf(&b, "%s%s", path, suffix);
	m = file_mode(b.buf);
	c2e_buf_release(&b);
	return m;
}

static void write_file(const char *path, const void *data, size_t len)
{
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_OK(c2e_fs_write_atomic(path, data, len, 0600, &err), &err);
}

static void patch_file(const char *path, long off, const void *data, size_t len)
{
	int fd = open(path, O_RDWR);

	ASSERT(fd >= 0);
	ASSERT_INT_EQ(pwrite(fd, data, len, (off_t)off), (long)len);
	close(fd);
}

static struct c2e_run_info sample_info(const char *org)
{
	struct c2e_run_info info = {
		.org_id = org,
		.instance_url = "https://example.my.salesforce.com",
		.username = "admin@example.com",
		.plan_hash = "planhash1",
		.plan_path = "plan.json",
		.plan_json = "{\"apps\":[]}",
		.inventory_hash = "invhash1",
		.tool_version = "0.1.0",
		.os_user = "ops",
		.host = "build-01",
	};

	return info;
}

static struct c2e_journal *open_ok(const char *path)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_journal *j = NULL;

	ASSERT_OK(c2e_journal_open(path, &j, &err), &err);
	ASSERT_NOT_NULL(j);
	return j;
}

static int64_t begin_run(struct c2e_journal *j, const char *org)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_run_info info = sample_info(org);
	int64_t id = 0;

	ASSERT_OK(c2e_journal_run_begin(j, &info, &id, &err), &err);
	ASSERT(id > 0);
	return id;
}

static const struct c2e_step_def three_steps[] = {
	{ 1, "My_App", "create", "ExternalClientApplication", "My_App" },
	{ 2, "My_App", "update", "ExtlClntAppOauthSettings", "My_App_oauth" },
	{ 3, "My_App", "read_back", NULL, NULL },
};

/* Adds the three steps above; their ids in seq order. */
static void add_steps(struct c2e_journal *j, int64_t run, int64_t ids[3])
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_step *v = NULL;
	size_t n = 0;

	ASSERT_OK(c2e_journal_steps_add(j, run, three_steps, 3, &err), &err);
	ASSERT_OK(c2e_journal_steps(j, run, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 3);
	for (size_t i = 0; i < 3; i++)
		ids[i] = v[i].id;
	c2e_steps_free(v, n);
}

/* The step `id` of `run` (a copy the caller releases with free_step). */
static struct c2e_step *get_step(struct c2e_journal *j, int64_t run, int64_t id)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_step *v = NULL, *one;
	size_t n = 0;

	ASSERT_OK(c2e_journal_steps(j, run, &v, &n, &err), &err);
	for (size_t i = 0; i < n; i++) {
		if (v[i].id != id)
			continue;
		one = calloc(1, sizeof(*one));
		ASSERT_NOT_NULL(one);
		*one = v[i];
		memset(&v[i], 0, sizeof(v[i]));
		c2e_steps_free(v, n);
		return one;
	}
	c2e_steps_free(v, n);
	test__fail(__FILE__, __LINE__, "no step %lld", (long long)id);
	return NULL;
}

static void free_step(struct c2e_step *s)
{
	c2e_steps_free(s, 1);
}

static enum c2e_step_state state_of(struct c2e_journal *j, int64_t run,
                                    int64_t id)
{
	struct c2e_step *s = get_step(j, run, id);
	enum c2e_step_state st = s->state;

	free_step(s);
	return st;
}

static size_t n_events(struct c2e_journal *j, int64_t run)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_event *v = NULL;
	size_t n = 0;

	ASSERT_OK(c2e_journal_events(j, run, &v, &n, &err), &err);
	c2e_events_free(v, n);
	return n;
}

/* "2026-11-29T01:02:03.456Z" */
static void assert_iso_time(const char *s)
{
	ASSERT_NOT_NULL(s);
	ASSERT_INT_EQ(strlen(s), 24);
	ASSERT(s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	       s[16] == ':' && s[19] == '.' && s[23] == 'Z');
}

static void test_journal__create_and_reopen(void)
{
	char *path = jpath("create.db");
	struct c2e_journal *j = open_ok(path);

	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	ASSERT_STR_EQ(c2e_journal_path(j), path);
	ASSERT_INT_EQ(file_mode(path), 0600);
	c2e_journal_close(j);

	j = open_ok(path);
	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	c2e_journal_close(j);
	c2e_journal_close(NULL);
	free(path);
}

static void test_journal__modes_wal_and_version(void)
{
	char *path = jpath("modes.db");
	struct c2e_journal *j;
	unsigned char *bytes;
	size_t len;
	mode_t old = umask(0);

	j = open_ok(path);
	umask(old);
	(void)begin_run(j, "00D000000000001AAA");
	/* while open, in WAL mode: the -wal and -shm files exist */
	ASSERT_INT_EQ(file_mode(path), 0600);
	ASSERT_INT_EQ(suffix_mode(path, "-wal"), 0600);
	ASSERT_INT_EQ(suffix_mode(path, "-shm"), 0600);
	c2e_journal_close(j);

	bytes = (unsigned char *)test_slurp(path, &len);
	ASSERT(len >= 100);
	ASSERT_STR_EQ((const char *)bytes, "SQLite format 3");
	/* file format write/read versions 2 = WAL */
	ASSERT_INT_EQ(bytes[18], 2);
	ASSERT_INT_EQ(bytes[19], 2);
	/* PRAGMA user_version, big-endian at offset 60 */
	ASSERT_INT_EQ(bytes[60] | bytes[61] | bytes[62], 0);
	ASSERT_INT_EQ(bytes[63], 2);
	free(bytes);

	/* a journal copied with a wide mode is narrowed when opened */
	ASSERT_INT_EQ(chmod(path, 0644), 0);
	j = open_ok(path);
	ASSERT_INT_EQ(file_mode(path), 0600);
	(void)begin_run(j, "00D000000000001AAA");
	ASSERT_INT_EQ(suffix_mode(path, "-wal"), 0600);
	ASSERT_INT_EQ(suffix_mode(path, "-shm"), 0600);
	c2e_journal_close(j);
	free(path);
}

static void test_journal__empty_existing_file(void)
{
	char *path = jpath("empty.db");
	struct c2e_journal *j;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ASSERT(fd >= 0);
	close(fd);
	j = open_ok(path);
	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	(void)begin_run(j, "00D1");
	c2e_journal_close(j);
	free(path);
}

/* The schema, settings and meta keys of a closed journal, as text. */
static void describe(const char *path, struct c2e_buf *out)
{
	static const char *const sql[] = {
		"SELECT type || ' ' || name || ' ' || tbl_name || ': ' || "
		"coalesce(sql, '') FROM sqlite_master ORDER BY name",
		"PRAGMA user_version",
		"PRAGMA application_id",
		"PRAGMA journal_mode",
		"PRAGMA page_size",
		"PRAGMA integrity_check",
		"SELECT key || '=' || CASE key WHEN 'created_at' THEN "
		"length(value) ELSE value END FROM meta ORDER BY key",
	};
	sqlite3 *db = NULL;

	ASSERT_INT_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	              SQLITE_OK);
	for (size_t i = 0; i < C2E_ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st = NULL;

		ASSERT_INT_EQ(sqlite3_prepare_v2(db, sql[i], -1, &st, NULL),
		              SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW)
			c2e_buf_addf(out, "%s\n",
			             (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

/* Byte `off` of a file's first 100 (the database header). */
static unsigned int header_byte(const char *path, size_t off)
{
	unsigned char head[100];
	int fd = open(path, O_RDONLY);

	ASSERT(fd >= 0 && off < sizeof(head));
	ASSERT_INT_EQ(read(fd, head, sizeof(head)), sizeof(head));
	close(fd);
	return head[off];
}

/*
 * A new journal is a copy of an empty journal made once per process
 * (O_TMPFILE, then linked); an existing empty file gets the schema from
 * the migrations.  Both must end up the same journal.
 */
static void test_journal__new_equals_migrated(void)
{
	char *made = jpath("made.db"), *migrated = jpath("migrated.db");
	struct c2e_buf a = C2E_BUF_INIT, b = C2E_BUF_INIT;
	struct c2e_journal *j;
	int fd = open(migrated, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ASSERT(fd >= 0);
	close(fd);
	j = open_ok(made);
	/* the copy is in WAL mode from its first byte: offsets 18 and 19 */
	ASSERT_INT_EQ(header_byte(made, 18), 2);
	ASSERT_INT_EQ(header_byte(made, 19), 2);
	ASSERT_INT_EQ(file_mode(made), 0600);
	c2e_journal_close(j);
	j = open_ok(migrated);
	c2e_journal_close(j);
	describe(made, &a);
	describe(migrated, &b);
	ASSERT(strstr(a.buf, "table steps steps: CREATE TABLE steps") != NULL);
	ASSERT(strstr(a.buf, "trigger steps_transition") != NULL);
	ASSERT(strstr(a.buf, "\nok\n") != NULL);
	ASSERT(strstr(a.buf, "created_at=24\ncreated_by=") != NULL);
	ASSERT_STR_EQ(a.buf, b.buf);
	/* reopened, the copy is an existing journal: its stamp stays */
	j = open_ok(made);
	c2e_journal_close(j);
	c2e_buf_truncate(&b, 0);
	describe(made, &b);
	ASSERT_STR_EQ(a.buf, b.buf);
	c2e_buf_release(&a);
	c2e_buf_release(&b);
	free(made);
	free(migrated);
}

/*
 * Where the copy cannot be linked (no /proc), a new journal is an empty
 * file that gets its schema from the migrations: the same journal.
 */
static void test_journal__new_without_link(void)
{
	char *linked = jpath("linked.db"), *plain = jpath("plain.db");
	struct c2e_buf a = C2E_BUF_INIT, b = C2E_BUF_INIT;
	struct c2e_journal *j;
	unsigned long before = n_linkats;

	j = open_ok(linked);
	c2e_journal_close(j);
	ASSERT_INT_EQ(n_linkats, before + 1);
	no_linkat = true;
	j = open_ok(plain);
	no_linkat = false;
	ASSERT_INT_EQ(n_linkats, before + 2);
	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	(void)begin_run(j, "00D1");
	c2e_journal_close(j);
	ASSERT_INT_EQ(file_mode(plain), 0600);
	describe(linked, &a);
	describe(plain, &b);
	ASSERT_STR_EQ(a.buf, b.buf);
	c2e_buf_release(&a);
	c2e_buf_release(&b);
	free(linked);
	free(plain);
}

/* A journal named without a directory is made in the current one. */
static void test_journal__relative_path(void)
{
	char cwd[4096];
	struct c2e_journal *j;
	char *path = jpath("rel.db");

	ASSERT_NOT_NULL(getcwd(cwd, sizeof(cwd)));
	ASSERT_INT_EQ(chdir(test_tmp_dir()), 0);
	j = open_ok("rel.db");
	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	c2e_journal_close(j);
	ASSERT_INT_EQ(header_byte("rel.db", 18), 2);
	ASSERT_INT_EQ(chdir(cwd), 0);
	ASSERT(access(path, F_OK) == 0);
	free(path);
}

static void test_journal__newer_version_refused(void)
{
	static const unsigned char v7[4] = { 0, 0, 0, 7 };
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_journal *j = NULL;
	char *path = jpath("newer.db");

	j = open_ok(path);
	c2e_journal_close(j);
	j = NULL;
	patch_file(path, 60, v7, sizeof(v7));
	ASSERT_INT_EQ(c2e_journal_open(path, &j, &err), C2E_EDATA);
	ASSERT_NULL(j);
	ASSERT_STR_CONTAINS(err.msg, path);
	ASSERT_STR_CONTAINS(err.msg, "was written by a newer ca2eca (schema 7");
	ASSERT_STR_CONTAINS(err.msg, "upgrade ca2eca");
	free(path);
}

static void test_journal__not_sqlite_refused(void)
{
	static const char text[] = "hello, this is not a database at all\n"
	                           "but it is long enough to have a header "
	                           "of one hundred bytes and then some more\n";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_journal *j = NULL;
	char *path = jpath("text.db");
	char *back;
	size_t len;

	write_file(path, text, sizeof(text) - 1);
	ASSERT_INT_EQ(c2e_journal_open(path, &j, &err), C2E_EDATA);
	ASSERT_NULL(j);
	ASSERT_STR_CONTAINS(err.msg, "is not a ca2eca journal");
	ASSERT_STR_CONTAINS(err.msg, "file is not a database");
	ASSERT_STR_CONTAINS(err.msg, path);
	/* and it was left alone */
	back = test_slurp(path, &len);
	ASSERT_INT_EQ(len, sizeof(text) - 1);
	ASSERT(memcmp(back, text, len) == 0);
	free(back);

	/* a short file too */
	write_file(path, "junk", 4);
	ASSERT_INT_EQ(c2e_journal_open(path, &j, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "is not a ca2eca journal");
	free(path);
}

/* Renames every "meta" in the file: an SQLite database, but not ours. */
static void test_journal__foreign_sqlite_refused(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_journal *j = NULL;
	char *path = jpath("foreign.db");
	char *bytes, *back;
	size_t len, len2, hits = 0;

	j = open_ok(path);
	c2e_journal_close(j);
	j = NULL;
	bytes = test_slurp(path, &len);
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(bytes + i, "meta", 4) == 0) {
			bytes[i + 2] = 'x';
			hits++;
		}
	ASSERT(hits >= 3);
	write_file(path, bytes, len);
	ASSERT_INT_EQ(c2e_journal_open(path, &j, &err), C2E_EDATA);
	ASSERT_NULL(j);
	ASSERT_STR_CONTAINS(err.msg, "is not a ca2eca journal");
	ASSERT_STR_CONTAINS(err.msg, "without the ca2eca meta table");
	ASSERT_STR_CONTAINS(err.msg, path);
	back = test_slurp(path, &len2);
	ASSERT_INT_EQ(len2, len);
	ASSERT(memcmp(back, bytes, len) == 0);
	free(back);
	free(bytes);
	free(path);
}

static void test_journal__bad_paths(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_journal *j = NULL;

	ASSERT_INT_EQ(c2e_journal_open(test_tmp_dir(), &j, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "not a regular file");
	ASSERT_INT_EQ(c2e_journal_open("/nonexistent-dir/x.db", &j, &err),
	              C2E_EIO);
	ASSERT_STR_CONTAINS(err.msg, "'/nonexistent-dir/x.db'");
	ASSERT_NULL(j);
}

static void test_journal__runs_crud_and_latest(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("runs.db");
	struct c2e_journal *j = open_ok(path);
	struct c2e_run_info info = sample_info("00DA");
	struct c2e_run r;
	struct c2e_run *v = NULL;
	size_t n = 0;
	int64_t a1, b1, a2, id = 0;

	info.username = NULL;
	info.plan_path = NULL;
	ASSERT_OK(c2e_journal_run_begin(j, &info, &a1, &err), &err);
	b1 = begin_run(j, "00DB");
	a2 = begin_run(j, "00DA");
	ASSERT(a1 < b1 && b1 < a2);

	ASSERT_OK(c2e_journal_run_get(j, a1, &r, &err), &err);
	ASSERT_INT_EQ(r.id, a1);
	ASSERT_STR_EQ(r.org_id, "00DA");
	ASSERT_STR_EQ(r.instance_url, "https://example.my.salesforce.com");
	ASSERT_NULL(r.username);
	ASSERT_NULL(r.plan_path);
	ASSERT_STR_EQ(r.plan_hash, "planhash1");
	ASSERT_STR_EQ(r.plan_json, "{\"apps\":[]}");
	ASSERT_STR_EQ(r.inventory_hash, "invhash1");
	ASSERT_STR_EQ(r.tool_version, "0.1.0");
	ASSERT_STR_EQ(r.os_user, "ops");
	ASSERT_STR_EQ(r.host, "build-01");
	assert_iso_time(r.started_at);
	ASSERT_NULL(r.finished_at);
	ASSERT_INT_EQ(r.state, C2E_RUN_RUNNING);
	c2e_run_release(&r);

	ASSERT_OK(c2e_journal_run_latest(j, "00DA", &id, &err), &err);
	ASSERT_INT_EQ(id, a2);
	ASSERT_OK(c2e_journal_run_latest(j, "00DB", &id, &err), &err);
	ASSERT_INT_EQ(id, b1);
	ASSERT_OK(c2e_journal_run_latest(j, NULL, &id, &err), &err);
	ASSERT_INT_EQ(id, a2);
	id = 42;
	ASSERT_INT_EQ(c2e_journal_run_latest(j, "00DZ", &id, &err),
	              C2E_ENOTFOUND);
	ASSERT_INT_EQ(id, 42);
	ASSERT_STR_CONTAINS(err.msg, "00DZ");

	ASSERT_INT_EQ(c2e_journal_run_get(j, 999, &r, &err), C2E_ENOTFOUND);
	ASSERT_STR_CONTAINS(err.msg, "no run 999");
	ASSERT_STR_CONTAINS(err.msg, path);

	ASSERT_OK(c2e_journal_runs(j, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 3);
	ASSERT_INT_EQ(v[0].id, a2);
	ASSERT_INT_EQ(v[1].id, b1);
	ASSERT_INT_EQ(v[2].id, a1);
	c2e_runs_free(v, n);

	ASSERT_OK(c2e_journal_run_set_state(j, b1, C2E_RUN_FAILED, &err), &err);
	ASSERT_OK(c2e_journal_run_get(j, b1, &r, &err), &err);
	ASSERT_INT_EQ(r.state, C2E_RUN_FAILED);
	assert_iso_time(r.finished_at);
	c2e_run_release(&r);
	ASSERT_OK(c2e_journal_run_set_state(j, b1, C2E_RUN_RUNNING, &err),
	          &err);
	ASSERT_OK(c2e_journal_run_get(j, b1, &r, &err), &err);
	ASSERT_INT_EQ(r.state, C2E_RUN_RUNNING);
	ASSERT_NULL(r.finished_at);
	c2e_run_release(&r);
	ASSERT_OK(c2e_journal_run_set_state(j, b1, C2E_RUN_DONE, &err), &err);
	ASSERT_OK(c2e_journal_run_set_state(j, b1, C2E_RUN_ROLLED_BACK, &err),
	          &err);
	ASSERT_OK(c2e_journal_run_get(j, b1, &r, &err), &err);
	ASSERT_INT_EQ(r.state, C2E_RUN_ROLLED_BACK);
	c2e_run_release(&r);
	ASSERT_INT_EQ(c2e_journal_run_set_state(j, 999, C2E_RUN_DONE, &err),
	              C2E_ENOTFOUND);

	/* a required field missing is refused, naming the column */
	info.plan_json = NULL;
	ASSERT_INT_EQ(c2e_journal_run_begin(j, &info, &id, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "run_plans.plan_json");
	ASSERT_OK(c2e_journal_runs(j, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 3);
	c2e_runs_free(v, n);

	ASSERT_STR_EQ(c2e_run_state_name(C2E_RUN_ROLLED_BACK), "rolled_back");
	ASSERT_STR_EQ(c2e_step_state_name(C2E_STEP_IN_FLIGHT), "in_flight");
	c2e_journal_close(j);
	free(path);
}

static void test_journal__steps_add_and_list(void)
{
	static const struct c2e_step_def shuffled[] = {
		{ 3, "A", "read_back", NULL, NULL },
		{ 1, "A", "create", "ExternalClientApplication", "A" },
		{ 2, "A", "update", NULL, "A_oauth" },
	};
	static const struct c2e_step_def dup[] = {
		{ 4, "A", "create", NULL, NULL },
		{ 1, "A", "create", NULL, NULL },
	};
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("steps.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), other = begin_run(j, "00DB");
	struct c2e_step *v = NULL;
	size_t n = 0;

	ASSERT_OK(c2e_journal_steps_add(j, run, shuffled, 3, &err), &err);
	ASSERT_OK(c2e_journal_steps_add(j, other, shuffled, 1, &err), &err);
	ASSERT_OK(c2e_journal_steps(j, run, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 3);
	for (size_t i = 0; i < n; i++) {
		ASSERT_INT_EQ(v[i].seq, (int)i + 1);
		ASSERT_INT_EQ(v[i].run_id, run);
		ASSERT_INT_EQ(v[i].state, C2E_STEP_PENDING);
		ASSERT_INT_EQ(v[i].attempts, 0);
		ASSERT_NULL(v[i].before_image);
		ASSERT_NULL(v[i].started_at);
	}
	ASSERT_STR_EQ(v[0].kind, "create");
	ASSERT_STR_EQ(v[0].component_type, "ExternalClientApplication");
	ASSERT_STR_EQ(v[0].component_name, "A");
	ASSERT_NULL(v[1].component_type);
	ASSERT_STR_EQ(v[1].component_name, "A_oauth");
	ASSERT_NULL(v[2].component_name);
	c2e_steps_free(v, n);

	/* a duplicate seq: nothing of the batch is added */
	ASSERT_INT_EQ(c2e_journal_steps_add(j, run, dup, 2, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "UNIQUE");
	ASSERT_STR_CONTAINS(err.msg, path);
	ASSERT_OK(c2e_journal_steps(j, run, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 3);
	c2e_steps_free(v, n);

	ASSERT_INT_EQ(c2e_journal_steps_add(j, 999, dup, 1, &err),
	              C2E_ENOTFOUND);
	ASSERT_STR_CONTAINS(err.msg, "no run 999");

	/* no steps: an empty list */
	v = (struct c2e_step *)&n;
	ASSERT_OK(c2e_journal_steps(j, 999, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 0);
	ASSERT_NULL(v);
	c2e_steps_free(v, n);
	c2e_journal_close(j);
	free(path);
}

static void test_journal__valid_transitions(void)
{
	const char *before[3] = { NULL, "<before>old</before>", NULL };
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("valid.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), id[3];
	struct c2e_step *s;

	add_steps(j, run, id);

	/* pending -> in_flight -> done -> undone */
	ASSERT_OK(c2e_journal_steps_begin(j, id, before, 3, &err), &err);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(s->state, C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(s->attempts, 1);
	ASSERT_NULL(s->before_image);
	assert_iso_time(s->started_at);
	ASSERT_NULL(s->finished_at);
	free_step(s);
	ASSERT_OK(c2e_journal_step_done(j, id[0], "<after/>", "3MVG9key", &err),
	          &err);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_STR_EQ(s->after_image, "<after/>");
	ASSERT_STR_EQ(s->result, "3MVG9key");
	assert_iso_time(s->finished_at);
	ASSERT(s->duration_ms >= 0 && s->duration_ms < 60000);
	ASSERT(strcmp(s->finished_at, s->started_at) >= 0);
	free_step(s);
	ASSERT_OK(c2e_journal_step_undone(j, id[0], &err), &err);
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_UNDONE);

	/* in_flight -> in_flight (resumed): attempts grow, image kept */
	ASSERT_OK(c2e_journal_steps_begin(j, &id[1], NULL, 1, &err), &err);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(s->attempts, 2);
	ASSERT_STR_EQ(s->before_image, "<before>old</before>");
	free_step(s);

	/* in_flight -> failed -> in_flight -> failed -> done (marked) */
	ASSERT_OK(c2e_journal_step_failed(j, id[1], "INVALID_FIELD: x", &err),
	          &err);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_FAILED);
	ASSERT_STR_EQ(s->error, "INVALID_FIELD: x");
	assert_iso_time(s->finished_at);
	free_step(s);
	ASSERT_OK(c2e_journal_steps_begin(j, &id[1], before + 2, 1, &err),
	          &err);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(s->attempts, 3);
	ASSERT_NULL(s->error);
	ASSERT_NULL(s->finished_at);
	free_step(s);
	ASSERT_OK(c2e_journal_step_failed(j, id[1], NULL, &err), &err);
	ASSERT_OK(c2e_journal_step_mark(j, id[1], C2E_STEP_DONE,
	                                "fixed by hand in Setup", &err),
	          &err);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_STR_EQ(s->mark_reason, "fixed by hand in Setup");
	free_step(s);

	/* in_flight -> done (marked) */
	ASSERT_OK(c2e_journal_step_mark(j, id[2], C2E_STEP_DONE,
	                                "checked in the org", &err),
	          &err);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_DONE);
	c2e_journal_close(j);
	free(path);
}

static void test_journal__mark_transitions(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("mark.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), id[3];
	struct c2e_step *s;

	add_steps(j, run, id);
	/* pending -> done */
	ASSERT_OK(
	        c2e_journal_step_mark(j, id[0], C2E_STEP_DONE, "by hand", &err),
	        &err);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_INT_EQ(s->attempts, 0);
	ASSERT_INT_EQ(s->duration_ms, 0);
	assert_iso_time(s->finished_at);
	free_step(s);
	/* pending -> failed */
	ASSERT_OK(c2e_journal_step_mark(j, id[1], C2E_STEP_FAILED, "abandoned",
	                                &err),
	          &err);
	ASSERT_INT_EQ(state_of(j, run, id[1]), C2E_STEP_FAILED);
	/* in_flight -> failed */
	ASSERT_OK(c2e_journal_steps_begin(j, &id[2], NULL, 1, &err), &err);
	ASSERT_OK(c2e_journal_step_mark(j, id[2], C2E_STEP_FAILED,
	                                "not created, checked in Setup", &err),
	          &err);
	s = get_step(j, run, id[2]);
	ASSERT_INT_EQ(s->state, C2E_STEP_FAILED);
	ASSERT_STR_EQ(s->mark_reason, "not created, checked in Setup");
	free_step(s);

	/* the reason and the target state are required */
	ASSERT_INT_EQ(c2e_journal_step_mark(j, id[2], C2E_STEP_DONE, "", &err),
	              C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "needs a reason");
	ASSERT_INT_EQ(
	        c2e_journal_step_mark(j, id[2], C2E_STEP_DONE, NULL, &err),
	        C2E_EUSAGE);
	ASSERT_INT_EQ(
	        c2e_journal_step_mark(j, id[2], C2E_STEP_UNDONE, "x", &err),
	        C2E_EUSAGE);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_FAILED);
	c2e_journal_close(j);
	free(path);
}

enum op {
	DO_BEGIN,
	DO_DONE,
	DO_FAILED,
	DO_UNDONE,
	DO_MARK_DONE,
	DO_MARK_FAILED
};

static int apply_op(struct c2e_journal *j, int64_t id, enum op op,
                    struct c2e_err *err)
{
	switch (op) {
	case DO_BEGIN:
		return c2e_journal_steps_begin(j, &id, NULL, 1, err);
	case DO_DONE:
		return c2e_journal_step_done(j, id, "a", "r", err);
	case DO_FAILED:
		return c2e_journal_step_failed(j, id, "e", err);
	case DO_UNDONE:
		return c2e_journal_step_undone(j, id, err);
	case DO_MARK_DONE:
		return c2e_journal_step_mark(j, id, C2E_STEP_DONE, "why", err);
	case DO_MARK_FAILED:
		return c2e_journal_step_mark(j, id, C2E_STEP_FAILED, "why",
		                             err);
	}
	return -1;
}

/* Puts step `id` (pending) into `state` through the API. */
static void put_in(struct c2e_journal *j, int64_t id, enum c2e_step_state state)
{
	struct c2e_err err = C2E_ERR_INIT;

	if (state == C2E_STEP_PENDING)
		return;
	ASSERT_OK(apply_op(j, id, DO_BEGIN, &err), &err);
	if (state == C2E_STEP_DONE || state == C2E_STEP_UNDONE)
		ASSERT_OK(apply_op(j, id, DO_DONE, &err), &err);
	if (state == C2E_STEP_FAILED)
		ASSERT_OK(apply_op(j, id, DO_FAILED, &err), &err);
	if (state == C2E_STEP_UNDONE)
		ASSERT_OK(apply_op(j, id, DO_UNDONE, &err), &err);
}

static void test_journal__invalid_transitions(void)
{
	static const struct {
		enum c2e_step_state from;
		enum op op;
		const char *to;
		const char *rule;
	} bad[] = {
		{ C2E_STEP_DONE, DO_BEGIN, "in_flight", "can start" },
		{ C2E_STEP_UNDONE, DO_BEGIN, "in_flight", "can start" },
		{ C2E_STEP_PENDING, DO_DONE, "done", "only an in_flight" },
		{ C2E_STEP_FAILED, DO_DONE, "done", "only an in_flight" },
		{ C2E_STEP_DONE, DO_DONE, "done", "only an in_flight" },
		{ C2E_STEP_UNDONE, DO_DONE, "done", "only an in_flight" },
		{ C2E_STEP_PENDING, DO_FAILED, "failed", "can fail" },
		{ C2E_STEP_FAILED, DO_FAILED, "failed", "can fail" },
		{ C2E_STEP_DONE, DO_FAILED, "failed", "can fail" },
		{ C2E_STEP_UNDONE, DO_FAILED, "failed", "can fail" },
		{ C2E_STEP_PENDING, DO_UNDONE, "undone", "only a done" },
		{ C2E_STEP_IN_FLIGHT, DO_UNDONE, "undone", "only a done" },
		{ C2E_STEP_FAILED, DO_UNDONE, "undone", "only a done" },
		{ C2E_STEP_UNDONE, DO_UNDONE, "undone", "only a done" },
		{ C2E_STEP_DONE, DO_MARK_DONE, "done", "marked done" },
		{ C2E_STEP_UNDONE, DO_MARK_DONE, "done", "marked done" },
		{ C2E_STEP_FAILED, DO_MARK_FAILED, "failed", "marked failed" },
		{ C2E_STEP_DONE, DO_MARK_FAILED, "failed", "marked failed" },
		{ C2E_STEP_UNDONE, DO_MARK_FAILED, "failed", "marked failed" },
	};
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("invalid.db");
	struct c2e_journal *j = open_ok(path);
	struct c2e_buf want = C2E_BUF_INIT;

	for (size_t i = 0; i < C2E_ARRAY_SIZE(bad); i++) {
		int64_t run = begin_run(j, "00DA"), id[3];
		struct c2e_step *before, *after;
		size_t events;

		add_steps(j, run, id);
		put_in(j, id[0], bad[i].from);
		before = get_step(j, run, id[0]);
		ASSERT_INT_EQ(before->state, bad[i].from);
		events = n_events(j, run);

		ASSERT_INT_EQ(apply_op(j, id[0], bad[i].op, &err),
		              C2E_ECONFLICT);
		c2e_buf_truncate(&want, 0);
		c2e_buf_addf(&want,
		             "step 1 (create ExternalClientApplication:My_App)"
		             " of run %lld in journal '%s' from %s to %s: ",
		             (long long)run, path,
		             c2e_step_state_name(bad[i].from), bad[i].to);
		ASSERT_STR_CONTAINS(err.msg, want.buf);
		ASSERT_STR_CONTAINS(err.msg, bad[i].rule);

		/* nothing changed, nothing logged */
		after = get_step(j, run, id[0]);
		ASSERT_INT_EQ(after->state, before->state);
		ASSERT_INT_EQ(after->attempts, before->attempts);
		ASSERT(c2e_str_eq(after->finished_at, before->finished_at));
		ASSERT_INT_EQ(n_events(j, run), events);
		free_step(before);
		free_step(after);
	}

	/* the component falls back to the app for a step without one */
	{
		int64_t run = begin_run(j, "00DA"), id[3];

		add_steps(j, run, id);
		ASSERT_INT_EQ(c2e_journal_step_undone(j, id[2], &err),
		              C2E_ECONFLICT);
		ASSERT_STR_CONTAINS(err.msg, "step 3 (read_back app My_App)");
	}
	ASSERT_INT_EQ(c2e_journal_step_done(j, 99999, NULL, NULL, &err),
	              C2E_ENOTFOUND);
	ASSERT_STR_CONTAINS(err.msg, "no step 99999");
	c2e_buf_release(&want);
	c2e_journal_close(j);
	free(path);
}

static void test_journal__steps_begin_all_or_nothing(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("atomic.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), id[3], batch[3];
	const char *images[3] = { "b1", "b2", "b3" };
	size_t events;

	add_steps(j, run, id);
	events = n_events(j, run);

	/* an unknown id last */
	batch[0] = id[0];
	batch[1] = id[1];
	batch[2] = 987654;
	ASSERT_INT_EQ(c2e_journal_steps_begin(j, batch, images, 3, &err),
	              C2E_ENOTFOUND);
	for (size_t i = 0; i < 3; i++) {
		struct c2e_step *s = get_step(j, run, id[i]);

		ASSERT_INT_EQ(s->state, C2E_STEP_PENDING);
		ASSERT_INT_EQ(s->attempts, 0);
		ASSERT_NULL(s->before_image);
		free_step(s);
	}
	ASSERT_INT_EQ(n_events(j, run), events);

	/* a step in the wrong state in the middle */
	put_in(j, id[1], C2E_STEP_DONE);
	events = n_events(j, run);
	ASSERT_INT_EQ(c2e_journal_steps_begin(j, id, images, 3, &err),
	              C2E_ECONFLICT);
	ASSERT_STR_CONTAINS(err.msg, "step 2 (update "
	                             "ExtlClntAppOauthSettings:My_App_oauth)");
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_PENDING);
	ASSERT_INT_EQ(state_of(j, run, id[1]), C2E_STEP_DONE);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_PENDING);
	ASSERT_INT_EQ(n_events(j, run), events);

	/* and a good batch goes through whole */
	batch[0] = id[0];
	batch[1] = id[2];
	ASSERT_OK(c2e_journal_steps_begin(j, batch, images, 2, &err), &err);
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(n_events(j, run), events + 2);
	ASSERT_OK(c2e_journal_steps_begin(j, NULL, NULL, 0, &err), &err);
	c2e_journal_close(j);
	free(path);
}

/*
 * Intent is synced before the call returns; what is recorded after a
 * remote call is not, and the next synced commit or the close makes it
 * durable (journal.h, "Durability").
 */
static void test_journal__durability_classes(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("durability.db");
	unsigned long before = n_syncs;
	struct c2e_journal *j = open_ok(path);
	int64_t run, id[3];

	/* a new journal: its schema is not synced (the first intent is) */
	ASSERT_INT_EQ(n_syncs, before);
	run = begin_run(j, "00DA");
	add_steps(j, run, id);
	ASSERT_INT_EQ(n_syncs, before);

	before = n_syncs;
	ASSERT_OK(c2e_journal_steps_begin(j, &id[0], NULL, 1, &err), &err);
	ASSERT(n_syncs > before); /* intent: synced */

	before = n_syncs;
	ASSERT_OK(c2e_journal_step_done(j, id[0], "{}", NULL, &err), &err);
	ASSERT_OK(c2e_journal_event(j, run, id[0], "note", "x", &err), &err);
	ASSERT_OK(c2e_journal_inventory_put(j, "00DA", "h1", "{}", &err), &err);
	ASSERT_OK(c2e_journal_steps_begin_reads(j, &id[2], 1, &err), &err);
	ASSERT_OK(c2e_journal_step_failed(j, id[2], "boom", &err), &err);
	ASSERT_INT_EQ(n_syncs, before); /* completion and reads: lazy */

	before = n_syncs;
	ASSERT_OK(c2e_journal_steps_begin(j, &id[1], NULL, 1, &err), &err);
	ASSERT(n_syncs > before); /* back to synced after lazy commits */

	before = n_syncs;
	ASSERT_OK(c2e_journal_step_done(j, id[1], NULL, NULL, &err), &err);
	ASSERT_OK(c2e_journal_run_set_state(j, run, C2E_RUN_FAILED, &err),
	          &err);
	ASSERT_INT_EQ(n_syncs, before);
	c2e_journal_close(j); /* the checkpoint syncs the rest */
	ASSERT(n_syncs > before);

	/* and all of it is there */
	j = open_ok(path);
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_DONE);
	ASSERT_INT_EQ(state_of(j, run, id[1]), C2E_STEP_DONE);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_FAILED);
	c2e_journal_close(j);
	free(path);
}

/* Completions of several steps in one transaction: all or none. */
static void test_journal__steps_done_batch(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("dones.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), id[3];
	const char *imgs[3] = { "<a/>", NULL, "<c/>" };
	const char *res[3] = { "{\"n\":1}", "{\"n\":2}", NULL };
	struct c2e_step *s;

	add_steps(j, run, id);
	ASSERT_OK(c2e_journal_steps_begin(j, id, NULL, 2, &err), &err);
	/* the third is still pending: the whole batch is refused */
	ASSERT_INT_EQ(c2e_journal_steps_done(j, id, imgs, res, 3, &err),
	              C2E_ECONFLICT);
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_IN_FLIGHT);
	ASSERT_INT_EQ(state_of(j, run, id[1]), C2E_STEP_IN_FLIGHT);

	ASSERT_OK(c2e_journal_steps_done(j, id, imgs, res, 2, &err), &err);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_STR_EQ(s->after_image, "<a/>");
	ASSERT_STR_EQ(s->result, "{\"n\":1}");
	free_step(s);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_NULL(s->after_image);
	ASSERT_STR_EQ(s->result, "{\"n\":2}");
	free_step(s);
	ASSERT_OK(c2e_journal_steps_done(j, NULL, NULL, NULL, 0, &err), &err);
	c2e_journal_close(j);
	free(path);
}

/* The completions of one batch and the next intent: one synced commit. */
static void test_journal__steps_advance(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("advance.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), id[3];
	const char *res[1] = { "r1" }, *before[1] = { "<b/>" };
	unsigned long syncs;
	struct c2e_step *s;

	add_steps(j, run, id);
	ASSERT_OK(c2e_journal_steps_begin(j, &id[0], NULL, 1, &err), &err);
	/* a step done in the same call cannot begin: all or nothing */
	ASSERT_INT_EQ(c2e_journal_steps_advance(j, &id[0], NULL, res, 1, &id[0],
	                                        before, 1, false, &err),
	              C2E_ECONFLICT);
	ASSERT_INT_EQ(state_of(j, run, id[0]), C2E_STEP_IN_FLIGHT);

	syncs = n_syncs;
	ASSERT_OK(c2e_journal_steps_advance(j, &id[0], NULL, res, 1, &id[1],
	                                    before, 1, false, &err),
	          &err);
	ASSERT(n_syncs > syncs);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(s->state, C2E_STEP_DONE);
	ASSERT_STR_EQ(s->result, "r1");
	free_step(s);
	s = get_step(j, run, id[1]);
	ASSERT_INT_EQ(s->state, C2E_STEP_IN_FLIGHT);
	ASSERT_STR_EQ(s->before_image, "<b/>");
	free_step(s);

	/* into a step that only reads: not synced */
	syncs = n_syncs;
	ASSERT_OK(c2e_journal_steps_advance(j, &id[1], NULL, NULL, 1, &id[2],
	                                    NULL, 1, true, &err),
	          &err);
	ASSERT_INT_EQ(n_syncs, syncs);
	ASSERT_INT_EQ(state_of(j, run, id[1]), C2E_STEP_DONE);
	ASSERT_INT_EQ(state_of(j, run, id[2]), C2E_STEP_IN_FLIGHT);
	c2e_journal_close(j);
	free(path);
}

/*
 * A journal as ca2eca wrote it with schema version 1 (the SQL of that
 * version, frozen here: journal.c may only append scripts).
 */
static const char frozen_v1[] =
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

static void test_journal__migrates_v1(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("v1.db");
	struct c2e_journal *j;
	struct c2e_run run;
	struct c2e_step *v = NULL;
	sqlite3 *db = NULL;
	size_t n = 0;

	ASSERT_INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
	ASSERT_INT_EQ(sqlite3_exec(db, frozen_v1, NULL, NULL, NULL), SQLITE_OK);
	ASSERT_INT_EQ(
	        sqlite3_exec(
	                db,
	                "PRAGMA journal_mode = WAL;"
	                "INSERT INTO runs (org_id, instance_url, plan_hash, "
	                "plan_json, inventory_hash, tool_version, os_user, "
	                "host, started_at, state) VALUES ('00DA', "
	                "'https://x.example.com', 'sha256:1', '{\"plan\":1}', "
	                "'sha256:2', '0.1', 'u', 'h', "
	                "'2026-11-29T01:00:00.000Z', 'failed');"
	                "INSERT INTO steps (run_id, seq, app, kind, state) "
	                "VALUES (1, 1, 'A', 'read_back', 'pending');",
	                NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);

	j = open_ok(path);
	ASSERT_INT_EQ(c2e_journal_schema_version(j), 2);
	memset(&run, 0, sizeof(run));
	ASSERT_OK(c2e_journal_run_get(j, 1, &run, &err), &err);
	ASSERT_STR_EQ(run.plan_json, "{\"plan\":1}");
	ASSERT_STR_EQ(run.org_id, "00DA");
	ASSERT_INT_EQ(run.state, C2E_RUN_FAILED);
	c2e_run_release(&run);
	ASSERT_OK(c2e_journal_steps(j, 1, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 1);
	ASSERT_STR_EQ(v[0].app, "A");
	c2e_steps_free(v, n);
	/* and it goes on: a new run has its plan too */
	{
		int64_t id = begin_run(j, "00DA");

		memset(&run, 0, sizeof(run));
		ASSERT_OK(c2e_journal_run_get(j, id, &run, &err), &err);
		ASSERT_NOT_NULL(run.plan_json);
		c2e_run_release(&run);
	}
	c2e_journal_close(j);
	free(path);
}

/* `n` bytes of printable, NUL-free text that is not all one byte. */
static char *big_text(size_t n, char seed)
{
	char *s = malloc(n + 1);

	ASSERT_NOT_NULL(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(' ' + (int)((i * 7 + (size_t)seed) % 95));
	s[n] = '\0';
	return s;
}

static void test_journal__large_images_round_trip(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("large.db");
	struct c2e_journal *j = open_ok(path);
	struct c2e_run_info info = sample_info("00DA");
	char *plan = big_text((size_t)4 << 20, 1);
	char *before = big_text((size_t)5 << 20, 2);
	char *after = big_text((size_t)3 << 20, 3);
	const char *images[1];
	struct c2e_step *s;
	struct c2e_run r;
	int64_t run = 0, id[3];

	info.plan_json = plan;
	ASSERT_OK(c2e_journal_run_begin(j, &info, &run, &err), &err);
	add_steps(j, run, id);
	images[0] = before;
	ASSERT_OK(c2e_journal_steps_begin(j, id, images, 1, &err), &err);
	ASSERT_OK(c2e_journal_step_done(j, id[0], after, "k", &err), &err);
	c2e_journal_close(j);

	j = open_ok(path);
	ASSERT_OK(c2e_journal_run_get(j, run, &r, &err), &err);
	ASSERT_INT_EQ(strlen(r.plan_json), strlen(plan));
	ASSERT(strcmp(r.plan_json, plan) == 0);
	c2e_run_release(&r);
	s = get_step(j, run, id[0]);
	ASSERT_INT_EQ(strlen(s->before_image), strlen(before));
	ASSERT(strcmp(s->before_image, before) == 0);
	ASSERT(strcmp(s->after_image, after) == 0);
	free_step(s);
	ASSERT_OK(c2e_journal_inventory_put(j, "00DA", "bighash", before, &err),
	          &err);
	c2e_journal_close(j);
	free(plan);
	free(before);
	free(after);
	free(path);
}

static void test_journal__events_recorded(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("events.db");
	struct c2e_journal *j = open_ok(path);
	int64_t run = begin_run(j, "00DA"), other, id[3];
	struct c2e_event *v = NULL;
	size_t n = 0;
	static const char *const want[] = {
		"run",
		"started for org 00DA, plan planhash1: -> running",
		"plan",
		"3 steps added",
		"step",
		"seq 1 create ExternalClientApplication:My_App: pending -> "
		"in_flight",
		"step",
		"seq 2 update ExtlClntAppOauthSettings:My_App_oauth: pending "
		"-> in_flight",
		"step",
		"seq 1 create ExternalClientApplication:My_App: in_flight -> "
		"done",
		"step",
		"seq 2 update ExtlClntAppOauthSettings:My_App_oauth: "
		"in_flight -> failed (REQUIRED_FIELD_MISSING: callbackUrl)",
		"step",
		"seq 2 update ExtlClntAppOauthSettings:My_App_oauth: failed "
		"-> done (marked by hand: set in Setup by J. Doe)",
		"step",
		"seq 1 create ExternalClientApplication:My_App: done -> "
		"undone",
		"verify",
		"login ok after 2 tries",
		"run",
		"running -> rolled_back",
	};

	add_steps(j, run, id);
	ASSERT_OK(c2e_journal_steps_begin(j, id, NULL, 2, &err), &err);
	ASSERT_OK(c2e_journal_step_done(j, id[0], "x", NULL, &err), &err);
	ASSERT_OK(c2e_journal_step_failed(j, id[1],
	                                  "REQUIRED_FIELD_MISSING: callbackUrl",
	                                  &err),
	          &err);
	ASSERT_OK(c2e_journal_step_mark(j, id[1], C2E_STEP_DONE,
	                                "set in Setup by J. Doe", &err),
	          &err);
	ASSERT_OK(c2e_journal_step_undone(j, id[0], &err), &err);
	ASSERT_OK(c2e_journal_event(j, run, 0, "verify",
	                            "login ok after 2 tries", &err),
	          &err);
	ASSERT_OK(c2e_journal_run_set_state(j, run, C2E_RUN_ROLLED_BACK, &err),
	          &err);

	ASSERT_OK(c2e_journal_events(j, run, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, C2E_ARRAY_SIZE(want) / 2);
	for (size_t i = 0; i < n && i < C2E_ARRAY_SIZE(want) / 2; i++) {
		ASSERT_INT_EQ(v[i].run_id, run);
		ASSERT_STR_EQ(v[i].kind, want[2 * i]);
		ASSERT_STR_EQ(v[i].detail, want[2 * i + 1]);
		assert_iso_time(v[i].at);
		if (i > 0)
			ASSERT(v[i].id > v[i - 1].id);
	}
	ASSERT_INT_EQ(v[0].step_id, 0);
	ASSERT_INT_EQ(v[1].step_id, 0);
	ASSERT_INT_EQ(v[2].step_id, id[0]);
	ASSERT_INT_EQ(v[3].step_id, id[1]);
	ASSERT_INT_EQ(v[8].step_id, 0);
	c2e_events_free(v, n);

	/* 0: every event of every run */
	other = begin_run(j, "00DB");
	ASSERT_OK(c2e_journal_event(j, other, id[2], "note", "x", &err), &err);
	ASSERT_OK(c2e_journal_events(j, 0, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, C2E_ARRAY_SIZE(want) / 2 + 2);
	ASSERT_INT_EQ(v[n - 1].run_id, other);
	ASSERT_INT_EQ(v[n - 1].step_id, id[2]);
	c2e_events_free(v, n);

	/* an event of a run that does not exist is refused */
	ASSERT_INT_EQ(c2e_journal_event(j, 4242, 0, "x", "y", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "FOREIGN KEY");
	c2e_journal_close(j);
	free(path);
}

static void test_journal__inventory_put_idempotent(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("inv.db");
	struct c2e_journal *j = open_ok(path);

	ASSERT_OK(c2e_journal_inventory_put(j, "00DA", "h1", "{\"a\":1}", &err),
	          &err);
	ASSERT_OK(c2e_journal_inventory_put(j, "00DA", "h1", "{\"a\":1}", &err),
	          &err);
	ASSERT_OK(c2e_journal_inventory_put(j, "00DA", "h2", "{\"a\":2}", &err),
	          &err);
	ASSERT_INT_EQ(c2e_journal_inventory_put(j, "00DA", "h3", NULL, &err),
	              C2E_EDATA);
	c2e_journal_close(j);
	free(path);
}

static void test_journal__hostile_strings_verbatim(void)
{
	static const char org[] = "00D'); DROP TABLE runs; --";
	static const char app[] = "App \"quoted\" 'single' `back` \\ %s%n %%";
	static const char kind[] = "create'--";
	static const char ctl[] = "tab\there\x01\x02\x1f nl\nline ;; "
	                          "\xc3\xa9\xe2\x82\xac \xff\xfe";
	struct c2e_step_def def[1] = { { 1, app, kind, ctl, org } };
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("hostile.db");
	struct c2e_journal *j = open_ok(path);
	struct c2e_run_info info = sample_info(org);
	struct c2e_step *v = NULL;
	struct c2e_event *e = NULL;
	struct c2e_run r;
	size_t n = 0, ne = 0;
	int64_t run = 0, latest = 0;
	const char *images[1] = { ctl };

	info.plan_json = ctl;
	info.username = app;
	ASSERT_OK(c2e_journal_run_begin(j, &info, &run, &err), &err);
	ASSERT_OK(c2e_journal_steps_add(j, run, def, 1, &err), &err);
	ASSERT_OK(c2e_journal_steps(j, run, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, 1);
	ASSERT_STR_EQ(v[0].app, app);
	ASSERT_STR_EQ(v[0].kind, kind);
	ASSERT_STR_EQ(v[0].component_type, ctl);
	ASSERT_STR_EQ(v[0].component_name, org);
	ASSERT_OK(c2e_journal_steps_begin(j, &v[0].id, images, 1, &err), &err);
	ASSERT_OK(c2e_journal_step_failed(j, v[0].id, app, &err), &err);
	c2e_steps_free(v, n);

	ASSERT_OK(c2e_journal_run_get(j, run, &r, &err), &err);
	ASSERT_STR_EQ(r.org_id, org);
	ASSERT_STR_EQ(r.username, app);
	ASSERT_STR_EQ(r.plan_json, ctl);
	c2e_run_release(&r);
	ASSERT_OK(c2e_journal_run_latest(j, org, &latest, &err), &err);
	ASSERT_INT_EQ(latest, run);
	ASSERT_INT_EQ(
	        c2e_journal_run_latest(j, "00D' OR '1'='1", &latest, &err),
	        C2E_ENOTFOUND);

	ASSERT_OK(c2e_journal_events(j, run, &e, &ne, &err), &err);
	ASSERT_INT_EQ(ne, 4);
	ASSERT_STR_CONTAINS(e[2].detail, ctl);
	ASSERT_STR_CONTAINS(e[3].detail, app);
	c2e_events_free(e, ne);
	c2e_journal_close(j);

	/* the tables are all still there */
	j = open_ok(path);
	ASSERT_OK(c2e_journal_run_get(j, run, &r, &err), &err);
	c2e_run_release(&r);
	c2e_journal_close(j);
	free(path);
}

/*
 * A child process opens the journal, records the intent of step 1 and
 * dies without closing (SIGKILL, or _exit after step 2 is done).
 */
static void crash_child(const char *path, bool kill_it)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_run_info info = sample_info("00DA");
	const char *images[1] = { "<before/>" };
	struct c2e_journal *j = NULL;
	int64_t run = 0, id;

	if (c2e_journal_open(path, &j, &err) < 0 ||
	    c2e_journal_run_begin(j, &info, &run, &err) < 0 ||
	    c2e_journal_steps_add(j, run, three_steps, 3, &err) < 0)
		_exit(10);
	id = 1; /* the first step of the first run */
	if (c2e_journal_steps_begin(j, &id, images, 1, &err) < 0)
		_exit(11);
	if (kill_it)
		raise(SIGKILL);
	id = 2;
	if (c2e_journal_steps_begin(j, &id, NULL, 1, &err) < 0 ||
	    c2e_journal_step_done(j, id, "<after/>", "key", &err) < 0)
		_exit(12);
	_exit(0);
}

static void test_journal__crash_durability(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_step *v = NULL;
	struct c2e_journal *j;
	size_t n = 0;
	int status = 0;
	char *path;

	for (int variant = 0; variant < 2; variant++) {
		pid_t pid;

		path = jpath(variant ? "crash-exit.db" : "crash-kill.db");
		pid = fork();
		ASSERT(pid >= 0);
		if (pid == 0)
			crash_child(path, variant == 0);
		ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
		if (variant == 0) {
			ASSERT(WIFSIGNALED(status));
			ASSERT_INT_EQ(WTERMSIG(status), SIGKILL);
		} else {
			ASSERT(WIFEXITED(status));
			ASSERT_INT_EQ(WEXITSTATUS(status), 0);
		}

		j = open_ok(path);
		ASSERT_OK(c2e_journal_steps(j, 1, &v, &n, &err), &err);
		ASSERT_INT_EQ(n, 3);
		ASSERT_INT_EQ(v[0].state, C2E_STEP_IN_FLIGHT);
		ASSERT_INT_EQ(v[0].attempts, 1);
		ASSERT_STR_EQ(v[0].before_image, "<before/>");
		ASSERT_INT_EQ(v[1].state,
		              variant ? C2E_STEP_DONE : C2E_STEP_PENDING);
		if (variant)
			ASSERT_STR_EQ(v[1].after_image, "<after/>");
		ASSERT_INT_EQ(v[2].state, C2E_STEP_PENDING);
		c2e_steps_free(v, n);
		v = NULL;
		c2e_journal_close(j);
		free(path);
	}
}

/* Several processes create the same new journal at once. */
static void test_journal__concurrent_first_open(void)
{
	enum { KIDS = 4 };
	struct c2e_err err = C2E_ERR_INIT;
	char *path = jpath("race.db");
	struct c2e_journal *j;
	struct c2e_run *v = NULL;
	size_t n = 0;
	pid_t kids[KIDS];

	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork();
		ASSERT(kids[i] >= 0);
		if (kids[i] == 0) {
			struct c2e_run_info info = sample_info("00DA");
			struct c2e_journal *cj = NULL;
			int64_t id;

			if (c2e_journal_open(path, &cj, &err) < 0) {
				fprintf(stderr, "child: %s\n", err.msg);
				_exit(10);
			}
			if (c2e_journal_run_begin(cj, &info, &id, &err) < 0)
				_exit(11);
			c2e_journal_close(cj);
			_exit(0);
		}
	}
	for (int i = 0; i < KIDS; i++) {
		int status = 0;

		ASSERT_INT_EQ(waitpid(kids[i], &status, 0), kids[i]);
		ASSERT(WIFEXITED(status));
		ASSERT_INT_EQ(WEXITSTATUS(status), 0);
	}
	j = open_ok(path);
	ASSERT_OK(c2e_journal_runs(j, &v, &n, &err), &err);
	ASSERT_INT_EQ(n, KIDS);
	c2e_runs_free(v, n);
	c2e_journal_close(j);
	free(path);
}

int main(void)
{
	RUN(test_journal__create_and_reopen);
	RUN(test_journal__modes_wal_and_version);
	RUN(test_journal__empty_existing_file);
	RUN(test_journal__new_equals_migrated);
	RUN(test_journal__relative_path);
	RUN(test_journal__new_without_link);
	RUN(test_journal__newer_version_refused);
	RUN(test_journal__not_sqlite_refused);
	RUN(test_journal__foreign_sqlite_refused);
	RUN(test_journal__bad_paths);
	RUN(test_journal__runs_crud_and_latest);
	RUN(test_journal__steps_add_and_list);
	RUN(test_journal__valid_transitions);
	RUN(test_journal__mark_transitions);
	RUN(test_journal__invalid_transitions);
	RUN(test_journal__steps_begin_all_or_nothing);
	RUN(test_journal__durability_classes);
	RUN(test_journal__steps_done_batch);
	RUN(test_journal__steps_advance);
	RUN(test_journal__migrates_v1);
	RUN(test_journal__large_images_round_trip);
	RUN(test_journal__events_recorded);
	RUN(test_journal__inventory_put_idempotent);
	RUN(test_journal__hostile_strings_verbatim);
	RUN(test_journal__crash_durability);
	RUN(test_journal__concurrent_first_open);
	return test_summary();
}
