#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/compat.h"

int c2e_fs_read(const char *path, size_t max, struct c2e_buf *out,
                struct c2e_err *err)
{
	char chunk[65536];
	struct stat st;
	int fd, rc = C2E_OK;
	size_t total = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c2e_err_set(err, C2E_EDATA, "cannot read '%s': %s", path,
		                   strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "cannot read '%s': it is a directory", path);
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = c2e_err_set(err, C2E_EDATA, "cannot read '%s': %s",
			                 path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "'%s' is larger than %zu bytes", path,
			                 max);
			goto done;
		}
		if (c2e_buf_addn(out, chunk, (size_t)n) < 0) {
			rc = c2e_buf_err(out, path, err);
			goto done;
		}
	}
done:
	close(fd);
	return rc;
}

static int write_replace(const char *path, const void *data, size_t len,
                         unsigned int mode, bool sync, struct c2e_err *err)
{
	struct c2e_buf tmp = C2E_BUF_INIT;
	const char *p = data;
	int fd = -1, rc = C2E_OK;

	if (c2e_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		rc = c2e_err_oom(err);
		goto done;
	}
	/* a fresh file: a stale temporary (with other modes) is replaced */
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          (mode_t)mode);
	if (fd < 0 && errno == EEXIST && unlink(tmp.buf) == 0)
		fd = open(tmp.buf,
		          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		          (mode_t)mode);
	if (fd < 0) {
		rc = c2e_err_set(err, C2E_EIO, "cannot write '%s': %s", path,
		                 strerror(errno));
		goto done;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = c2e_err_set(err, C2E_EIO, "cannot write '%s': %s",
			                 path, strerror(errno));
			goto done;
		}
		p += n;
		len -= (size_t)n;
	}
	if ((sync && fsync(fd) < 0) || close(fd) < 0) {
		fd = -1;
		rc = c2e_err_set(err, C2E_EIO, "cannot write '%s': %s", path,
		                 strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0) {
		rc = c2e_err_set(err, C2E_EIO, "cannot write '%s': %s", path,
		                 strerror(errno));
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc != C2E_OK && tmp.len)
		unlink(tmp.buf);
	c2e_buf_release(&tmp);
	return rc;
}

int c2e_fs_write_atomic(const char *path, const void *data, size_t len,
                        unsigned int mode, struct c2e_err *err)
{
	return write_replace(path, data, len, mode, true, err);
}

int c2e_fs_write_atomic_lazy(const char *path, const void *data, size_t len,
                             unsigned int mode, struct c2e_err *err)
{
	return write_replace(path, data, len, mode, false, err);
}

int c2e_fs_mkdirs(const char *path, struct c2e_err *err)
{
	char *copy;
	int rc = C2E_OK;

	/* the usual cases first: it exists, or only its last part is missing */
	if (c2e_fs_is_dir(path) || mkdir(path, 0777) == 0)
		return C2E_OK;
	copy = c2e_strdup(path);
	if (!copy)
		return c2e_err_oom(err);
	for (char *p = copy + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			rc = c2e_err_set(err, C2E_EIO,
			                 "cannot create directory '%s': %s",
			                 copy, strerror(errno));
			goto done;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (!c2e_fs_is_dir(path))
		rc = c2e_err_set(err, C2E_EIO,
		                 "cannot create directory '%s': a file is in "
		                 "the way",
		                 path);
done:
	free(copy);
	return rc;
}

bool c2e_fs_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool c2e_fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool c2e_fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int c2e_fs_list(const char *dir, struct c2e_strv *out, struct c2e_err *err)
{
	struct dirent *de;
	DIR *d;
	int rc = C2E_OK;

	d = opendir(dir);
	if (!d)
		return c2e_err_set(err, C2E_EDATA,
		                   "cannot read directory '%s': %s", dir,
		                   strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = c2e_strv_push(out, de->d_name, err);
		if (rc < 0)
			break;
	}
	closedir(d);
	c2e_strv_sort(out);
	return rc;
}

char *c2e_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	bool slash = la > 0 && a[la - 1] != '/';
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	if (slash)
		p[la++] = '/';
	memcpy(p + la, b, lb + 1);
	return p;
}

const char *c2e_path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *c2e_path_dir(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return c2e_strdup(".");
	if (s == path)
		return c2e_strdup("/");
	return c2e_strndup(path, (size_t)(s - path));
}
