#include "test.h"
#include "journal/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/str.h"

#include "util/compat.h"

#define ORG "00D000000000001AAA"

/* The journal path these tests lock next to (malloc'd). */
static char *jpath(void)
{
	char *p = c2e_path_join(test_tmp_dir(), "lk.db");

	ASSERT_NOT_NULL(p);
	return p;
}

/* "<journal>.<org>.lock" (malloc'd). */
static char *lock_path(const char *journal, const char *org)
{
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_buf_addf(&b, "%s.%s.lock", journal, org);
	ASSERT(!c2e_buf_failed(&b));
	return c2e_buf_detach(&b, NULL);
}

static void my_host(char out[256])
{
	ASSERT_INT_EQ(gethostname(out, 256), 0);
	out[255] = '\0';
}

static bool is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* A pid that existed and is gone. */
static long dead_pid(void)
{
	pid_t pid = fork();
	int status;

	ASSERT(pid >= 0);
	if (pid == 0)
		_exit(0);
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	return (long)pid;
}

/* Writes a holder record by hand, as a holder that is gone would. */
static void write_record(const char *path, long pid, const char *host,
                         const char *nonce)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_buf_addf(&b,
	             "pid=%ld\nhost=%s\nstarted_at=2026-11-29T01:02:03.456Z\n"
	             "nonce=%s\ncommand=apply\n",
	             pid, host, nonce);
	ASSERT_OK(c2e_fs_write_atomic(path, b.buf, b.len, 0600, &err), &err);
	c2e_buf_release(&b);
}

static void test_lock__acquire_and_release(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock *l = NULL, *l2 = NULL;
	const struct c2e_lock_holder *h;
	char *journal = jpath(), *path = lock_path(journal, ORG);
	char host[256], *text;
	struct stat st;
	size_t len;

	my_host(host);
	ASSERT_OK(c2e_lock_acquire(journal, ORG, "apply", &l, NULL, &err),
	          &err);
	ASSERT_NOT_NULL(l);
	h = c2e_lock_holder(l);
	ASSERT_INT_EQ(h->pid, getpid());
	ASSERT_STR_EQ(h->host, host);
	ASSERT_STR_EQ(h->command, "apply");
	ASSERT(is_hex32(h->nonce));
	ASSERT_INT_EQ(strlen(h->started_at), 24);
	ASSERT(h->started_at[10] == 'T' && h->started_at[23] == 'Z');

	ASSERT_INT_EQ(stat(path, &st), 0);
	ASSERT_INT_EQ(st.st_mode & 0777, 0600);
	text = test_slurp(path, &len);
	ASSERT_STR_CONTAINS(text, h->nonce);
	ASSERT_STR_CONTAINS(text, "command=apply\n");
	free(text);

	/* another org is another lock */
	ASSERT_OK(
	        c2e_lock_acquire(journal, "00DB", "rollback", &l2, NULL, &err),
	        &err);
	c2e_lock_release(l2);

	c2e_lock_release(l);
	/* released: the file stays, without a record */
	ASSERT_INT_EQ(stat(path, &st), 0);
	ASSERT_INT_EQ(st.st_size, 0);
	ASSERT_OK(c2e_lock_acquire(journal, ORG, "resume", &l, NULL, &err),
	          &err);
	c2e_lock_release(l);
	c2e_lock_release(NULL);
	free(path);
	free(journal);
}

/* In a child: the lock is held by `holder`; exits 0 when refused well. */
static void child_expects_conflict(const char *journal,
                                   const struct c2e_lock_holder *holder)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder seen;
	struct c2e_lock *l = NULL;
	struct c2e_buf want = C2E_BUF_INIT;
	int rc;

	memset(&seen, 0, sizeof(seen));
	rc = c2e_lock_acquire(journal, ORG, "apply", &l, &seen, &err);
	if (rc != C2E_ECONFLICT || l)
		_exit(10);
	c2e_buf_addf(&want,
	             "org '%s' is locked by pid %ld on %s since %s (ca2eca "
	             "apply, lock %s): wait for it to finish; if that process "
	             "is gone for good, run 'ca2eca unlock --force %s'",
	             ORG, holder->pid, holder->host, holder->started_at,
	             holder->nonce, holder->nonce);
	if (strcmp(err.msg, want.buf) != 0)
		_exit(11);
	if (seen.pid != holder->pid || strcmp(seen.nonce, holder->nonce) ||
	    strcmp(seen.host, holder->host) || strcmp(seen.command, "apply"))
		_exit(12);
	c2e_buf_release(&want);
	_exit(0);
}

static void test_lock__second_acquire_conflicts(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder seen;
	struct c2e_lock *l = NULL, *l2 = NULL;
	char *journal = jpath();
	int status = 0;
	pid_t pid;

	ASSERT_OK(c2e_lock_acquire(journal, ORG, "apply", &l, NULL, &err),
	          &err);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0)
		child_expects_conflict(journal, c2e_lock_holder(l));
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_INT_EQ(WEXITSTATUS(status), 0);

	/* flock is per open file: the same process is refused as well */
	ASSERT_INT_EQ(c2e_lock_acquire(journal, ORG, "x", &l2, &seen, &err),
	              C2E_ECONFLICT);
	ASSERT_NULL(l2);
	ASSERT_STR_EQ(seen.nonce, c2e_lock_holder(l)->nonce);
	ASSERT_STR_CONTAINS(err.msg, "ca2eca unlock --force");
	c2e_lock_release(l);
	free(journal);
}

/* A child that takes the lock, reports its nonce and waits to be killed. */
static pid_t spawn_holder(const char *journal, char nonce[33])
{
	int fds[2];
	pid_t pid;
	ssize_t n;

	ASSERT_INT_EQ(pipe(fds), 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		struct c2e_err err = C2E_ERR_INIT;
		struct c2e_lock *l = NULL;

		close(fds[0]);
		if (c2e_lock_acquire(journal, ORG, "apply", &l, NULL, &err) < 0)
			_exit(10);
		if (write(fds[1], c2e_lock_holder(l)->nonce, 32) != 32)
			_exit(11);
		close(fds[1]);
		for (;;)
			pause();
	}
	close(fds[1]);
	n = read(fds[0], nonce, 32);
	close(fds[0]);
	ASSERT_INT_EQ(n, 32);
	nonce[32] = '\0';
	return pid;
}

static void test_lock__dies_with_its_holder(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder seen;
	struct c2e_lock *l = NULL;
	char *journal = jpath();
	char nonce[33];
	int status;
	pid_t pid = spawn_holder(journal, nonce);

	ASSERT_INT_EQ(c2e_lock_acquire(journal, ORG, "apply", &l, &seen, &err),
	              C2E_ECONFLICT);
	ASSERT_INT_EQ(seen.pid, pid);
	ASSERT_STR_EQ(seen.nonce, nonce);

	ASSERT_INT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFSIGNALED(status));

	/* the record stayed, the lock did not */
	ASSERT_OK(c2e_lock_acquire(journal, ORG, "resume", &l, NULL, &err),
	          &err);
	ASSERT(strcmp(c2e_lock_holder(l)->nonce, nonce) != 0);
	ASSERT_INT_EQ(c2e_lock_holder(l)->pid, getpid());
	c2e_lock_release(l);
	free(journal);
}

static void test_lock__force_unlock_refuses_live_holder(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder was;
	struct c2e_lock *l = NULL, *l2 = NULL;
	char *journal = jpath(), *path = lock_path(journal, ORG);
	char nonce[33];
	int status;
	pid_t pid;

	/* held by this process */
	ASSERT_OK(c2e_lock_acquire(journal, ORG, "apply", &l, NULL, &err),
	          &err);
	ASSERT_INT_EQ(c2e_lock_force_unlock(journal, c2e_lock_holder(l)->nonce,
	                                    &was, &err),
	              C2E_ECONFLICT);
	ASSERT_STR_CONTAINS(err.msg, "is alive; stop it first");
	ASSERT_STR_CONTAINS(err.msg, c2e_lock_holder(l)->nonce);
	ASSERT(c2e_fs_exists(path));
	ASSERT_INT_EQ(c2e_lock_acquire(journal, ORG, "x", &l2, NULL, &err),
	              C2E_ECONFLICT);
	c2e_lock_release(l);

	/* held by another process */
	pid = spawn_holder(journal, nonce);
	ASSERT_INT_EQ(c2e_lock_force_unlock(journal, nonce, &was, &err),
	              C2E_ECONFLICT);
	ASSERT_STR_CONTAINS(err.msg, "is alive; stop it first");
	ASSERT(c2e_fs_exists(path));
	ASSERT_INT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_INT_EQ(waitpid(pid, &status, 0), pid);

	/* once it is gone, the same nonce is removable */
	ASSERT_OK(c2e_lock_force_unlock(journal, nonce, &was, &err), &err);
	ASSERT_INT_EQ(was.pid, pid);
	ASSERT(!c2e_fs_exists(path));
	free(path);
	free(journal);
}

static void test_lock__force_unlock_stale_record(void)
{
	static const char nonce[] = "0123456789abcdef0123456789abcdef";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder was;
	struct c2e_lock *l = NULL;
	char *journal = jpath(), *path = lock_path(journal, "00DS");
	char host[256];
	long dead = dead_pid();

	my_host(host);
	write_record(path, dead, host, nonce);
	memset(&was, 0, sizeof(was));
	ASSERT_OK(c2e_lock_force_unlock(journal, nonce, &was, &err), &err);
	ASSERT_INT_EQ(was.pid, dead);
	ASSERT_STR_EQ(was.host, host);
	ASSERT_STR_EQ(was.nonce, nonce);
	ASSERT_STR_EQ(was.command, "apply");
	ASSERT_STR_EQ(was.started_at, "2026-11-29T01:02:03.456Z");
	ASSERT(!c2e_fs_exists(path));

	/* a stale record does not stop the next acquire either */
	write_record(path, dead, host, nonce);
	ASSERT_OK(c2e_lock_acquire(journal, "00DS", "apply", &l, NULL, &err),
	          &err);
	c2e_lock_release(l);
	free(path);
	free(journal);
}

/* Held by an open file of this process, recorded as someone else's. */
static void test_lock__force_unlock_stuck(void)
{
	static const char n1[] = "11111111111111111111111111111111";
	static const char n2[] = "22222222222222222222222222222222";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock_holder was;
	char *journal = jpath(), *path = lock_path(journal, "00DK");
	char host[256];
	int fd;

	my_host(host);
	/* the recorded pid is dead, yet the flock is held */
	write_record(path, dead_pid(), host, n1);
	fd = open(path, O_RDONLY);
	ASSERT(fd >= 0);
	ASSERT_INT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
	ASSERT_OK(c2e_lock_force_unlock(journal, n1, &was, &err), &err);
	ASSERT_STR_EQ(was.nonce, n1);
	ASSERT(!c2e_fs_exists(path));
	close(fd);

	/* the holder is on another host: we cannot tell, the nonce decides */
	write_record(path, (long)getpid(), "elsewhere.example.com", n2);
	fd = open(path, O_RDONLY);
	ASSERT(fd >= 0);
	ASSERT_INT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
	ASSERT_OK(c2e_lock_force_unlock(journal, n2, NULL, &err), &err);
	ASSERT(!c2e_fs_exists(path));
	close(fd);
	free(path);
	free(journal);
}

static void test_lock__force_unlock_unknown_nonce(void)
{
	static const char nonce[] = "abababababababababababababababab";
	struct c2e_err err = C2E_ERR_INIT;
	char *journal = jpath();
	char *other = c2e_path_join(test_tmp_dir(), "other.db");
	char *path = lock_path(other, ORG);
	char host[256];

	my_host(host);
	ASSERT_INT_EQ(c2e_lock_force_unlock(journal, nonce, NULL, &err),
	              C2E_ENOTFOUND);
	ASSERT_STR_CONTAINS(err.msg, "no lock has nonce '"
	                             "abababab");
	ASSERT_STR_CONTAINS(err.msg, journal);

	/* the lock of another journal in the same directory is not ours */
	write_record(path, dead_pid(), host, nonce);
	ASSERT_INT_EQ(c2e_lock_force_unlock(journal, nonce, NULL, &err),
	              C2E_ENOTFOUND);
	ASSERT(c2e_fs_exists(path));
	ASSERT_OK(c2e_lock_force_unlock(other, nonce, NULL, &err), &err);

	ASSERT_INT_EQ(
	        c2e_lock_force_unlock(journal, "not-a-nonce!", NULL, &err),
	        C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, "'not-a-nonce!' is not a lock nonce");
	ASSERT_INT_EQ(c2e_lock_force_unlock(journal, "", NULL, &err),
	              C2E_EUSAGE);
	free(path);
	free(other);
	free(journal);
}

static void test_lock__org_id_validated(void)
{
	static const char *const bad[] = {
		"", "00D/../x", "a.b", "a b", "00D-1", "00D\n", "00D'",
	};
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_lock *l = NULL;
	char *journal = jpath();
	char long_id[66];

	for (size_t i = 0; i < C2E_ARRAY_SIZE(bad); i++) {
		ASSERT_INT_EQ(c2e_lock_acquire(journal, bad[i], "apply", &l,
		                               NULL, &err),
		              C2E_EDATA);
		ASSERT_STR_CONTAINS(err.msg, "is not an org id");
		ASSERT_NULL(l);
	}
	memset(long_id, 'A', 65);
	long_id[65] = '\0';
	ASSERT_INT_EQ(
	        c2e_lock_acquire(journal, long_id, "apply", &l, NULL, &err),
	        C2E_EDATA);
	long_id[64] = '\0';
	ASSERT_OK(c2e_lock_acquire(journal, long_id, "apply", &l, NULL, &err),
	          &err);
	c2e_lock_release(l);
	ASSERT_OK(c2e_lock_acquire(journal, "00D5f000000AbCd", "apply", &l,
	                           NULL, &err),
	          &err);
	c2e_lock_release(l);
	free(journal);
}

/*
 * Processes take and release the lock in a loop; inside it each creates
 * a marker file that must not exist.  This fails when release's unlink
 * lets two processes hold locks on different inodes at once.
 */
static void test_lock__mutual_exclusion(void)
{
	enum { KIDS = 6, ROUNDS = 100 };
	char *journal = jpath();
	char *marker = c2e_path_join(test_tmp_dir(), "lk.marker");
	pid_t kids[KIDS];

	unlink(marker);
	for (int i = 0; i < KIDS; i++) {
		kids[i] = fork();
		ASSERT(kids[i] >= 0);
		if (kids[i] != 0)
			continue;
		for (int r = 0; r < ROUNDS;) {
			struct timespec pause_ = { 0, 100 * 1000 };
			struct c2e_err err = C2E_ERR_INIT;
			struct c2e_lock *l = NULL;
			int rc, fd;

			rc = c2e_lock_acquire(journal, ORG, "apply", &l, NULL,
			                      &err);
			if (rc == C2E_ECONFLICT)
				continue; /* spin: the race needs contention */
			if (rc < 0)
				_exit(10);
			fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0600);
			if (fd < 0)
				_exit(11);
			close(fd);
			nanosleep(&pause_, NULL);
			if (unlink(marker) < 0)
				_exit(12);
			c2e_lock_release(l);
			r++;
		}
		_exit(0);
	}
	for (int i = 0; i < KIDS; i++) {
		int status = 0;

		ASSERT_INT_EQ(waitpid(kids[i], &status, 0), kids[i]);
		ASSERT(WIFEXITED(status));
		ASSERT_INT_EQ(WEXITSTATUS(status), 0);
	}
	free(marker);
	free(journal);
}

int main(void)
{
	RUN(test_lock__acquire_and_release);
	RUN(test_lock__second_acquire_conflicts);
	RUN(test_lock__dies_with_its_holder);
	RUN(test_lock__force_unlock_refuses_live_holder);
	RUN(test_lock__force_unlock_stale_record);
	RUN(test_lock__force_unlock_stuck);
	RUN(test_lock__force_unlock_unknown_nonce);
	RUN(test_lock__org_id_validated);
	RUN(test_lock__mutual_exclusion);
	return test_summary();
}
