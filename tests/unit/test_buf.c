#include "test.h"
#include "util/buf.h"

#include <stdlib.h>

static void test_buf__init_is_empty_string(void)
{
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_STR_EQ(b.buf, "");
	ASSERT_INT_EQ(b.len, 0);
	c2e_buf_release(&b);
	ASSERT_STR_EQ(b.buf, "");
}

static void test_buf__appends_and_formats(void)
{
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_INT_EQ(c2e_buf_adds(&b, "abc"), 0);
	ASSERT_INT_EQ(c2e_buf_addc(&b, '-'), 0);
	ASSERT_INT_EQ(c2e_buf_addf(&b, "%d/%s", 42, "x"), 0);
	ASSERT_STR_EQ(b.buf, "abc-42/x");
	ASSERT_INT_EQ(b.len, 8);
	c2e_buf_truncate(&b, 3);
	ASSERT_STR_EQ(b.buf, "abc");
	c2e_buf_release(&b);
}

static void test_buf__grows_past_many_reallocations(void)
{
	struct c2e_buf b = C2E_BUF_INIT;

	for (int i = 0; i < 10000; i++)
		ASSERT_INT_EQ(c2e_buf_adds(&b, "0123456789"), 0);
	ASSERT_INT_EQ(b.len, 100000);
	ASSERT_INT_EQ(b.buf[b.len], '\0');
	c2e_buf_release(&b);
}

static void test_buf__cap_is_sticky(void)
{
	struct c2e_buf b;
	struct c2e_err err = C2E_ERR_INIT;

	c2e_buf_init(&b, 8);
	ASSERT_INT_EQ(c2e_buf_adds(&b, "12345678"), 0);
	ASSERT_INT_EQ(c2e_buf_adds(&b, "9"), -1);
	ASSERT(c2e_buf_failed(&b));
	ASSERT_INT_EQ(c2e_buf_adds(&b, ""), -1);
	ASSERT_STR_EQ(b.buf, "12345678");
	ASSERT_INT_EQ(c2e_buf_err(&b, "reply", &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "reply is larger than 8 bytes");
	c2e_buf_release(&b);
}

static void test_buf__reserve_makes_room_once(void)
{
	struct c2e_buf b;
	char *before;

	c2e_buf_init(&b, 100);
	ASSERT_INT_EQ(c2e_buf_reserve(&b, 80), 0);
	ASSERT(b.alloc >= 81);
	ASSERT_INT_EQ(b.len, 0);
	ASSERT_STR_EQ(b.buf, "");
	before = b.buf;
	for (int i = 0; i < 80; i++)
		ASSERT_INT_EQ(c2e_buf_addc(&b, 'x'), 0);
	ASSERT(b.buf == before); /* no regrowth */
	ASSERT_INT_EQ(b.len, 80);
	/* past the cap: fails, and stays failed */
	ASSERT_INT_EQ(c2e_buf_reserve(&b, 21), -1);
	ASSERT(c2e_buf_failed(&b));
	ASSERT_INT_EQ(c2e_buf_addc(&b, 'y'), -1);
	c2e_buf_release(&b);
}

static void test_buf__detach_hands_over_memory(void)
{
	struct c2e_buf b = C2E_BUF_INIT;
	size_t n;
	char *p;

	c2e_buf_adds(&b, "hello");
	p = c2e_buf_detach(&b, &n);
	ASSERT_STR_EQ(p, "hello");
	ASSERT_INT_EQ(n, 5);
	ASSERT_STR_EQ(b.buf, "");
	free(p);
	p = c2e_buf_detach(&b, NULL);
	ASSERT_STR_EQ(p, "");
	free(p);
}

static void test_buf__take_hands_over_or_reports_failure(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b;
	char *s = NULL;

	c2e_buf_init(&b, 4);
	c2e_buf_adds(&b, "abc");
	ASSERT_OK(c2e_buf_take(&b, &s, &err), &err);
	ASSERT_STR_EQ(s, "abc");
	free(s);
	c2e_buf_adds(&b, "abcdef");
	ASSERT_INT_EQ(c2e_buf_take(&b, &s, &err), C2E_ENOMEM);
	ASSERT_NULL(s);
	ASSERT_STR_EQ(b.buf, "");
}

int main(void)
{
	RUN(test_buf__init_is_empty_string);
	RUN(test_buf__appends_and_formats);
	RUN(test_buf__grows_past_many_reallocations);
	RUN(test_buf__cap_is_sticky);
	RUN(test_buf__reserve_makes_room_once);
	RUN(test_buf__detach_hands_over_memory);
	RUN(test_buf__take_hands_over_or_reports_failure);
	return test_summary();
}
