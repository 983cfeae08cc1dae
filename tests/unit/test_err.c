#include "test.h"
#include "util/err.h"

static void test_err__set_returns_code_and_formats(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	int rc = c2e_err_set(&err, C2E_EDATA, "bad '%s'", "x");

	ASSERT_INT_EQ(rc, C2E_EDATA);
	ASSERT_INT_EQ(err.code, C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "bad 'x'");
}

static void test_err__newlines_become_spaces(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	c2e_err_set(&err, C2E_EREMOTE, "line1\nline2\r");
	ASSERT_STR_EQ(err.msg, "line1 line2 ");
}

static void test_err__prefix_keeps_code(void)
{
	struct c2e_err err = C2E_ERR_INIT;

	c2e_err_set(&err, C2E_EDATA, "inner");
	c2e_err_prefix(&err, "outer '%s'", "f");
	ASSERT_STR_EQ(err.msg, "outer 'f': inner");
	ASSERT_INT_EQ(err.code, C2E_EDATA);
}

static void test_err__null_err_is_allowed(void)
{
	ASSERT_INT_EQ(c2e_err_set(NULL, C2E_EIO, "x"), C2E_EIO);
}

static void test_err__long_message_is_truncated(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c2e_err_set(&err, C2E_EDATA, "%s", big);
	ASSERT_INT_EQ(strlen(err.msg), C2E_ERR_MSG_MAX - 1);
	ASSERT_STR_EQ(c2e_err_name(C2E_EDATA), "DataError");
}

int main(void)
{
	RUN(test_err__set_returns_code_and_formats);
	RUN(test_err__newlines_become_spaces);
	RUN(test_err__prefix_keeps_code);
	RUN(test_err__null_err_is_allowed);
	RUN(test_err__long_message_is_truncated);
	return test_summary();
}
