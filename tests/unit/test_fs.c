#define _GNU_SOURCE 1 /* RTLD_NEXT */
#include "test.h"
#include "util/fs.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsyncs of this process (the executable's definition interposes) */
static unsigned long n_fsyncs;

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	n_fsyncs++;
	return real ? real(fd) : -1;
}

static void test_fs__write_then_read(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	char *dir = c2e_path_join(test_tmp_dir(), "w/x/y");
	char *file = c2e_path_join(dir, "f.txt");
	struct stat st;

	ASSERT_OK(c2e_fs_mkdirs(dir, &err), &err);
	ASSERT_OK(c2e_fs_write_atomic(file, "hello", 5, 0600, &err), &err);
	ASSERT_OK(c2e_fs_read(file, 100, &b, &err), &err);
	ASSERT_STR_EQ(b.buf, "hello");
	ASSERT_INT_EQ(stat(file, &st), 0);
	ASSERT_INT_EQ(st.st_mode & 0777, 0600);
	ASSERT(c2e_fs_is_file(file));
	ASSERT(c2e_fs_is_dir(dir));
	c2e_buf_release(&b);
	free(file);
	free(dir);
}

/* Existing, one level missing, several missing, a file in the way. */
static void test_fs__mkdirs(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *top = c2e_path_join(test_tmp_dir(), "mk");
	char *deep = c2e_path_join(top, "a/b/c");
	char *one = c2e_path_join(top, "a/b/d");
	char *file = c2e_path_join(top, "f");
	char *under = c2e_path_join(top, "f/g");

	ASSERT_OK(c2e_fs_mkdirs(deep, &err), &err);
	ASSERT(c2e_fs_is_dir(deep));
	ASSERT_OK(c2e_fs_mkdirs(deep, &err), &err);
	ASSERT_OK(c2e_fs_mkdirs(one, &err), &err);
	ASSERT(c2e_fs_is_dir(one));
	ASSERT_OK(c2e_fs_write_atomic(file, "x", 1, 0600, &err), &err);
	ASSERT_INT_EQ(c2e_fs_mkdirs(file, &err), C2E_EIO);
	ASSERT(strstr(err.msg, "a file is in the way") != NULL);
	c2e_err_clear(&err);
	ASSERT_INT_EQ(c2e_fs_mkdirs(under, &err), C2E_EIO);
	ASSERT(strstr(err.msg, "cannot create directory") != NULL);
	free(top);
	free(deep);
	free(one);
	free(file);
	free(under);
}

/* Both replace the file whole; only the lazy one skips the fsync. */
static void test_fs__write_lazy_replaces_without_sync(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	char *file = c2e_path_join(test_tmp_dir(), "lazy.json");
	unsigned long before = n_fsyncs;

	ASSERT_OK(c2e_fs_write_atomic(file, "{\"a\": 1}", 8, 0644, &err), &err);
	ASSERT_INT_EQ(n_fsyncs, before + 1);
	ASSERT_OK(c2e_fs_write_atomic_lazy(file, "{}", 2, 0644, &err), &err);
	ASSERT_INT_EQ(n_fsyncs, before + 1);
	ASSERT_OK(c2e_fs_read(file, 100, &b, &err), &err);
	ASSERT_STR_EQ(b.buf, "{}");
	c2e_buf_release(&b);
	free(file);
}

static void test_fs__read_errors_name_the_path(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_INT_EQ(c2e_fs_read("/nonexistent/zz", 100, &b, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'/nonexistent/zz'");
	ASSERT_INT_EQ(c2e_fs_read(test_tmp_dir(), 100, &b, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "directory");
	c2e_buf_release(&b);
}

static void test_fs__read_cap(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	char *file = c2e_path_join(test_tmp_dir(), "big.txt");

	ASSERT_OK(c2e_fs_write_atomic(file, "0123456789", 10, 0644, &err),
	          &err);
	ASSERT_INT_EQ(c2e_fs_read(file, 5, &b, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "larger than 5 bytes");
	c2e_buf_release(&b);
	free(file);
}

static void test_fs__list_is_sorted(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_strv names = C2E_STRV_INIT;
	char *dir = c2e_path_join(test_tmp_dir(), "list");
	char *a = c2e_path_join(dir, "b"), *b = c2e_path_join(dir, "a");

	ASSERT_OK(c2e_fs_mkdirs(dir, &err), &err);
	ASSERT_OK(c2e_fs_write_atomic(a, "", 0, 0644, &err), &err);
	ASSERT_OK(c2e_fs_write_atomic(b, "", 0, 0644, &err), &err);
	ASSERT_OK(c2e_fs_list(dir, &names, &err), &err);
	ASSERT_INT_EQ(names.n, 2);
	ASSERT_STR_EQ(names.v[0], "a");
	ASSERT_STR_EQ(names.v[1], "b");
	c2e_strv_release(&names);
	free(a);
	free(b);
	free(dir);
}

static void test_fs__paths(void)
{
	char *j = c2e_path_join("a/", "b");
	char *d = c2e_path_dir("x/y/z.xml");

	ASSERT_STR_EQ(j, "a/b");
	ASSERT_STR_EQ(d, "x/y");
	ASSERT_STR_EQ(c2e_path_base("x/y/z.xml"), "z.xml");
	free(j);
	free(d);
}

int main(void)
{
	RUN(test_fs__write_then_read);
	RUN(test_fs__mkdirs);
	RUN(test_fs__write_lazy_replaces_without_sync);
	RUN(test_fs__read_errors_name_the_path);
	RUN(test_fs__read_cap);
	RUN(test_fs__list_is_sorted);
	RUN(test_fs__paths);
	return test_summary();
}
