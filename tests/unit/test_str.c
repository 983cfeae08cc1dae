#include "test.h"
#include "util/str.h"

static void test_str__predicates(void)
{
	ASSERT(c2e_str_starts("Partner1_App", "Partner1_"));
	ASSERT(!c2e_str_starts("Par", "Partner1_"));
	ASSERT(c2e_str_ends("a.eca-meta.xml", "-meta.xml"));
	ASSERT(!c2e_str_ends("xml", "-meta.xml"));
	ASSERT(c2e_str_ieq("ENFORCE", "Enforce"));
	ASSERT(!c2e_str_ieq("ENFORCE", "Enforc"));
	ASSERT(c2e_str_eq(NULL, NULL));
	ASSERT(!c2e_str_eq("a", NULL));
}

static void test_str__to_long(void)
{
	long v = 0;

	ASSERT_INT_EQ(c2e_str_to_long(" 90 ", &v), 0);
	ASSERT_INT_EQ(v, 90);
	ASSERT_INT_EQ(c2e_str_to_long("9x", &v), -1);
	ASSERT_INT_EQ(c2e_str_to_long("", &v), -1);
	ASSERT_INT_EQ(c2e_str_to_long("99999999999999999999999", &v), -1);
}

static void test_str__strv_push_sort_contains(void)
{
	struct c2e_strv sv = C2E_STRV_INIT;
	struct c2e_err err = C2E_ERR_INIT;

	ASSERT_OK(c2e_strv_push(&sv, "b", &err), &err);
	ASSERT_OK(c2e_strv_push(&sv, "a", &err), &err);
	c2e_strv_sort(&sv);
	ASSERT_STR_EQ(sv.v[0], "a");
	ASSERT_STR_EQ(sv.v[1], "b");
	ASSERT_NULL(sv.v[2]);
	ASSERT(c2e_strv_contains(&sv, "b"));
	ASSERT(!c2e_strv_contains(&sv, "c"));
	c2e_strv_release(&sv);
}

int main(void)
{
	RUN(test_str__predicates);
	RUN(test_str__to_long);
	RUN(test_str__strv_push_sort_contains);
	return test_summary();
}
