/*
 * lock.c - one writer per org: flock(2) on <journal>.<orgId>.lock plus a
 * holder record for diagnosis (lock.h, docs/journal.md).
 *
 * The record is key=value text, one per line:
 *
 *     pid=1234
 *     host=build-01
 *     started_at=2026-11-29T01:02:03.456Z
 *     nonce=0123456789abcdef0123456789abcdef
 *     command=apply
 *
 * Release empties the record and keeps the file.  `unlock --force`
 * removes a file; a process that opened it just before may then lock
 * that unlinked inode, so acquire checks after flock that the path still
 * names the inode it locked, and starts again when it does not.
 */
#include "journal/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/fs.h"
#include "util/str.h"

#include "util/compat.h"

#define ORG_MAX      64
#define RECORD_MAX   4096
#define OPEN_RETRIES 100 /* the file was replaced under us this often */
#define READ_RETRIES 50 /* x 10 ms: the holder has not written yet */

struct c2e_lock {
	int fd;
	char *path;
	struct c2e_lock_holder holder;
};

static int now_iso(char out[32], struct c2e_err *err)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
	    !gmtime_r(&ts.tv_sec, &tm))
		return c2e_err_set(err, C2E_EIO, "cannot read the clock: %s",
		                   strerror(errno));
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || snprintf(out + n, 32 - n, ".%03ldZ",
	                       (long)(ts.tv_nsec / 1000000)) != 5)
		return c2e_err_set(err, C2E_ERROR, "cannot format the time");
	return C2E_OK;
}

/* Our host name (truncated to fit, never unterminated). */
static void host_name(char out[256])
{
	if (gethostname(out, 256) < 0)
		snprintf(out, 256, "unknown");
	out[255] = '\0';
}

/* Copies `n` bytes of `s` into `dst` (size `size`), truncating. */
static void copy_field(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	/* the record is one field a line: never let a value break that */
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '=')
			*p = '?';
}

/* Parses a holder record; -1 when it has no pid or nonce (not written). */
static int parse_record(const char *text, struct c2e_lock_holder *h)
{
	const char *p = text;

	memset(h, 0, sizeof(*h));
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *eq;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char num[32];

		eq = memchr(p, '=', len);
		if (eq) {
			size_t klen = (size_t)(eq - p);
			const char *v = eq + 1;
			size_t vlen = len - klen - 1;

			if (klen == 3 && memcmp(p, "pid", 3) == 0) {
				copy_field(num, sizeof(num), v, vlen);
				if (c2e_str_to_long(num, &h->pid) < 0)
					h->pid = 0;
			} else if (klen == 4 && memcmp(p, "host", 4) == 0) {
				copy_field(h->host, sizeof(h->host), v, vlen);
			} else if (klen == 10 &&
			           memcmp(p, "started_at", 10) == 0) {
				copy_field(h->started_at, sizeof(h->started_at),
				           v, vlen);
			} else if (klen == 5 && memcmp(p, "nonce", 5) == 0) {
				copy_field(h->nonce, sizeof(h->nonce), v, vlen);
			} else if (klen == 7 && memcmp(p, "command", 7) == 0) {
				copy_field(h->command, sizeof(h->command), v,
				           vlen);
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return h->pid > 0 && h->nonce[0] ? 0 : -1;
}

/* Reads the record from `fd` (from offset 0); -1 when it is not there. */
static int read_record(int fd, struct c2e_lock_holder *h)
{
	char text[RECORD_MAX + 1];
	size_t len = 0;

	while (len < RECORD_MAX) {
		ssize_t n = pread(fd, text + len, RECORD_MAX - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	return parse_record(text, h);
}

static int write_record(int fd, const struct c2e_lock_holder *h,
                        const char *path, struct c2e_err *err)
{
	char text[RECORD_MAX];
	int n;
	size_t done = 0;

	n = snprintf(text, sizeof(text),
	             "pid=%ld\nhost=%s\nstarted_at=%s\nnonce=%s\ncommand=%s\n",
	             h->pid, h->host, h->started_at, h->nonce, h->command);
	if (n < 0 || (size_t)n >= sizeof(text))
		return c2e_err_set(err, C2E_ERROR,
		                   "cannot format the holder record of '%s'",
		                   path);
	if (ftruncate(fd, 0) < 0)
		goto fail;
	while (done < (size_t)n) {
		ssize_t w =
		        pwrite(fd, text + done, (size_t)n - done, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	/*
	 * No fsync: the flock is the lock, and a power loss drops it with
	 * the record; the record only tells a living holder's name.
	 */
	return C2E_OK;
fail:
	return c2e_err_set(err, C2E_EIO,
	                   "cannot write the lock file '%s': %s; check the "
	                   "disk space and the directory's permissions",
	                   path, strerror(errno));
}

static int check_org(const char *org_id, struct c2e_err *err)
{
	size_t n = strlen(org_id);

	if (n == 0 || n > ORG_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = org_id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			goto bad;
	}
	return C2E_OK;
bad:
	return c2e_err_set(err, C2E_EDATA,
	                   "'%s' is not an org id: it must be 1 to %d letters "
	                   "and digits, like 00D000000000001AAA",
	                   org_id, ORG_MAX);
}

static int held_error(const char *org_id, const char *path,
                      const struct c2e_lock_holder *h, bool have,
                      struct c2e_err *err)
{
	if (!have)
		return c2e_err_set(
		        err, C2E_ECONFLICT,
		        "org '%s' is locked by another process "
		        "(lock file '%s' has no holder record): wait "
		        "for it to finish and try again",
		        org_id, path);
	return c2e_err_set(err, C2E_ECONFLICT,
	                   "org '%s' is locked by pid %ld on %s since %s "
	                   "(ca2eca %s, lock %s): wait for it to finish; if "
	                   "that process is gone for good, run 'ca2eca unlock "
	                   "--force %s'",
	                   org_id, h->pid, h->host, h->started_at, h->command,
	                   h->nonce, h->nonce);
}

/* The holder of a lock we could not take (it may not have written yet). */
static bool wait_record(int fd, struct c2e_lock_holder *h)
{
	struct timespec ten_ms = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < READ_RETRIES; i++) {
		if (read_record(fd, h) == 0)
			return true;
		nanosleep(&ten_ms, NULL);
	}
	return false;
}

/* Whether `fd` still is the file at `path`. */
static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int c2e_lock_acquire(const char *journal_path, const char *org_id,
                     const char *command, struct c2e_lock **out,
                     struct c2e_lock_holder *holder_out, struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_lock *l = NULL;
	int fd = -1, rc;

	rc = check_org(org_id, err);
	if (rc < 0)
		return rc;
	if (c2e_buf_addf(&path, "%s.%s.lock", journal_path, org_id) < 0) {
		rc = c2e_buf_err(&path, "the lock file name", err);
		goto done;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		rc = c2e_err_oom(err);
		goto done;
	}
	l->fd = -1;
	for (int tries = 0;; tries++) {
		if (tries == OPEN_RETRIES) {
			rc = c2e_err_set(err, C2E_ECONFLICT,
			                 "cannot lock org '%s': '%s' keeps "
			                 "being replaced; try again",
			                 org_id, path.buf);
			goto done;
		}
		fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		          0600);
		if (fd < 0) {
			rc = c2e_err_set(
			        err, C2E_EIO,
			        "cannot open the lock file '%s': %s; "
			        "check that the journal's directory is "
			        "writable",
			        path.buf, strerror(errno));
			goto done;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			struct c2e_lock_holder h;
			bool have;

			if (errno == EINTR) {
				close(fd);
				fd = -1;
				continue;
			}
			if (errno != EWOULDBLOCK) {
				rc = c2e_err_set(
				        err, C2E_EIO,
				        "cannot lock '%s': %s; keep the "
				        "journal on a local file system",
				        path.buf, strerror(errno));
				goto done;
			}
			have = wait_record(fd, &h);
			rc = held_error(org_id, path.buf, &h, have, err);
			if (holder_out)
				*holder_out = h;
			goto done;
		}
		if (same_file(fd, path.buf))
			break;
		/* released (unlinked) between our open and our flock */
		close(fd);
		fd = -1;
	}

	l->holder.pid = (long)getpid();
	host_name(l->holder.host);
	rc = now_iso(l->holder.started_at, err);
	if (rc < 0)
		goto done;
	rc = c2e_random_hex(l->holder.nonce, 16, err);
	if (rc < 0)
		goto done;
	copy_field(l->holder.command, sizeof(l->holder.command),
	           command ? command : "?", command ? strlen(command) : 1);
	rc = write_record(fd, &l->holder, path.buf, err);
	if (rc < 0)
		goto done;
	l->fd = fd;
	fd = -1;
	l->path = c2e_buf_detach(&path, NULL);
	*out = l;
	l = NULL;
done:
	if (fd >= 0)
		close(fd); /* also drops the flock, if we took it */
	free(l);
	c2e_buf_release(&path);
	return rc;
}

const struct c2e_lock_holder *c2e_lock_holder(const struct c2e_lock *l)
{
	return &l->holder;
}

void c2e_lock_release(struct c2e_lock *l)
{
	int rc;

	if (!l)
		return;
	/*
	 * Still holding the flock, nobody else reads or writes the record:
	 * empty it and keep the file.  Removing it would cost every later
	 * file creation in the directory: on ext4 without a journal a new
	 * inode is searched past the recently deleted ones.
	 */
	rc = ftruncate(l->fd, 0);
	(void)rc; /* an unemptied record names a holder whose flock is gone */
	close(l->fd);
	free(l->path);
	free(l);
}

static bool is_hex_nonce(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* The org of a lock file name "<base>.<org>.lock", or NULL. */
static const char *lock_org(const char *name, const char *base, size_t *len)
{
	size_t nb = strlen(base), nn = strlen(name);
	const char *org;

	if (nn <= nb + 1 + 5 || strncmp(name, base, nb) != 0 ||
	    name[nb] != '.' || !c2e_str_ends(name, ".lock"))
		return NULL;
	org = name + nb + 1;
	*len = nn - nb - 1 - 5;
	for (size_t i = 0; i < *len; i++) {
		char c = org[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return NULL;
	}
	return org;
}

/* Whether the process `pid` exists on this host. */
static bool alive(long pid)
{
	if (pid <= 1 || pid != (long)(pid_t)pid)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * Looks at one lock file.  1 when its record has `nonce` (then it is
 * removed, or refused when the holder lives), 0 when it has another.
 */
static int try_file(const char *path, const char *org, size_t olen,
                    const char *nonce, struct c2e_lock_holder *h,
                    struct c2e_err *err)
{
	char me[256];
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0; /* gone meanwhile, or not ours to read */
	if (read_record(fd, h) < 0 || !c2e_str_ieq(h->nonce, nonce)) {
		close(fd);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		struct c2e_lock_holder again;

		/* the holder is gone; make sure it is still that record */
		if (!same_file(fd, path) || read_record(fd, &again) < 0 ||
		    !c2e_str_ieq(again.nonce, nonce)) {
			close(fd);
			return 0;
		}
		rc = unlink(path) < 0 && errno != ENOENT ? -1 : 1;
	} else if (errno != EWOULDBLOCK) {
		rc = -1;
	} else {
		host_name(me);
		if (strcmp(h->host, me) == 0 && alive(h->pid)) {
			close(fd);
			return c2e_err_set(
			        err, C2E_ECONFLICT,
			        "the holder of lock %s on org '%.*s' "
			        "(pid %ld, host %s, ca2eca %s since "
			        "%s) is alive; stop it first",
			        h->nonce, (int)olen, org, h->pid, h->host,
			        h->command, h->started_at);
		}
		/*
		 * Held, but by a process that is dead (an inheritor still has
		 * the file open) or on another host (a network file system
		 * that keeps locks): the operator named this nonce.
		 */
		rc = unlink(path) < 0 && errno != ENOENT ? -1 : 1;
	}
	if (rc < 0)
		rc = c2e_err_set(err, C2E_EIO,
		                 "cannot remove the lock file '%s': %s; check "
		                 "the directory's permissions",
		                 path, strerror(errno));
	close(fd);
	return rc;
}

int c2e_lock_force_unlock(const char *journal_path, const char *nonce,
                          struct c2e_lock_holder *was_out, struct c2e_err *err)
{
	struct c2e_strv names = C2E_STRV_INIT;
	struct c2e_lock_holder h;
	char *dir = NULL, *path = NULL;
	const char *base = c2e_path_base(journal_path);
	int rc;

	if (!is_hex_nonce(nonce))
		return c2e_err_set(
		        err, C2E_EUSAGE,
		        "'%s' is not a lock nonce: give the 32 hex "
		        "characters after 'lock' in the lock message",
		        nonce);
	dir = c2e_path_dir(journal_path);
	if (!dir)
		return c2e_err_oom(err);
	rc = c2e_fs_list(dir, &names, err);
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < names.n; i++) {
		const char *org;
		size_t olen;

		org = lock_org(names.v[i], base, &olen);
		if (!org)
			continue;
		free(path);
		path = c2e_path_join(dir, names.v[i]);
		if (!path) {
			rc = c2e_err_oom(err);
			goto done;
		}
		rc = try_file(path, org, olen, nonce, &h, err);
		if (rc < 0)
			goto done;
		if (rc == 1) {
			if (was_out)
				*was_out = h;
			rc = C2E_OK;
			goto done;
		}
	}
	rc = c2e_err_set(err, C2E_ENOTFOUND,
	                 "no lock has nonce '%s' next to journal '%s': copy "
	                 "the nonce from the 'is locked by' message",
	                 nonce, journal_path);
done:
	free(path);
	free(dir);
	c2e_strv_release(&names);
	return rc;
}
