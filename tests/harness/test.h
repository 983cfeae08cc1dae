/*
 * test.h - the tiny in-tree unit-test harness.
 *
 *   static void test_buf__grows(void) { ... ASSERT_INT_EQ(a, b); ... }
 *   int main(void) { RUN(test_buf__grows); return test_summary(); }
 *
 * A failed assertion reports file:line and ends the current test; the
 * binary exits non-zero when any test failed.
 */
#ifndef C2E_TEST_H
#define C2E_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

extern int test__failures;
extern int test__run;
extern jmp_buf test__jmp;
extern const char *test__name;

void test__fail(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int test_summary(void);

/* The directory holding fixtures/ (set by CTest through C2E_SOURCE_DIR). */
const char *test_source_dir(void);
/* A fresh scratch directory for this test binary (under the build tree). */
const char *test_tmp_dir(void);
/* Reads a file into a malloc'd NUL-terminated string, or fails the test. */
char *test_slurp(const char *path, size_t *len_out);

#define RUN(fn)                             \
	do {                                \
		test__name = #fn;           \
		test__run++;                \
		if (setjmp(test__jmp) == 0) \
			fn();               \
	} while (0)

#define ASSERT(c)                                                 \
	do {                                                      \
		if (!(c))                                         \
			test__fail(__FILE__, __LINE__, "%s", #c); \
	} while (0)

#define ASSERT_INT_EQ(a, b)                                                   \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		if (a_ != b_)                                                 \
			test__fail(__FILE__, __LINE__,                        \
			           "%s == %s: %lld != %lld", #a, #b, a_, b_); \
	} while (0)

#define ASSERT_STR_EQ(a, b)                                                 \
	do {                                                                \
		const char *a_ = (a), *b_ = (b);                            \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                      \
			test__fail(__FILE__, __LINE__,                      \
			           "%s == %s: \"%s\" != \"%s\"", #a, #b,    \
			           a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                             \
	do {                                                         \
		const char *h_ = (hay), *n_ = (needle);              \
		if (!h_ || !strstr(h_, n_))                          \
			test__fail(__FILE__, __LINE__,               \
			           "\"%s\" does not contain \"%s\"", \
			           h_ ? h_ : "(null)", n_);          \
	} while (0)

#define ASSERT_NULL(p)     ASSERT((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT((p) != NULL)

/* Asserts that an int-returning call succeeded, printing err.msg if not. */
#define ASSERT_OK(call, errp)                                                  \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != 0)                                                  \
			test__fail(__FILE__, __LINE__, "%s: rc %d: %s", #call, \
			           rc_, (errp)->msg);                          \
	} while (0)

#endif
