#include "test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int test__failures;
int test__run;
jmp_buf test__jmp;
const char *test__name;

void test__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s (%s:%d): ", test__name, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	test__failures++;
	longjmp(test__jmp, 1);
}

int test_summary(void)
{
	fprintf(stderr, "%d tests, %d failed\n", test__run, test__failures);
	return test__failures ? 1 : 0;
}

const char *test_source_dir(void)
{
	const char *d = getenv("C2E_SOURCE_DIR");

	return d ? d : ".";
}

const char *test_tmp_dir(void)
{
	static char dir[4096];

	if (!dir[0]) {
		const char *base = getenv("C2E_TEST_TMP");
		int n;

		n = snprintf(dir, sizeof(dir), "%s/tmp-%ld",
		             base ? base : "/tmp", (long)getpid());
		if (n < 0 || (size_t)n >= sizeof(dir))
			abort();
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			abort();
	}
	return dir;
}

char *test_slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;
	int c;

	if (!f)
		test__fail(__FILE__, __LINE__, "cannot open %s", path);
	while ((c = fgetc(f)) != EOF) {
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			p = realloc(p, cap);
			if (!p)
				abort();
		}
		p[n++] = (char)c;
	}
	fclose(f);
	if (!p) {
		p = malloc(1);
		if (!p)
			abort();
	}
	p[n] = '\0';
	if (len_out)
		*len_out = n;
	return p;
}
