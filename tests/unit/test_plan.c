#include "test.h"

#include <stdlib.h>

#include "model/plan.h"
#include "stage/planner.h"
#include "util/fs.h"
#include "util/xml.h"

static char *example(size_t *len)
{
	char *path =
	        c2e_path_join(test_source_dir(), "plans/example-plan.json");
	char *text = test_slurp(path, len);

	free(path);
	return text;
}

static void test_plan__example_parses_and_rewrites_identically(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_plan *p = NULL;
	struct c2e_buf out = C2E_BUF_INIT;
	size_t len;
	char *text = example(&len);
	char *hash;

	ASSERT_OK(c2e_plan_parse(text, len, "example-plan.json", &p, &err),
	          &err);
	ASSERT_INT_EQ(p->n_apps, 2);
	ASSERT_INT_EQ(p->n_steps, 14);
	ASSERT_STR_EQ(p->apps[1].connected_app, "Partner1_ConnectedApp1");
	ASSERT(p->apps[1].jwt && p->apps[1].interaction);
	ASSERT_STR_EQ(p->steps[12].kind, "verify");
	ASSERT_STR_EQ(p->steps[13].name, "Partner1_ChannelDefinition1");
	ASSERT_NOT_NULL(c2e_plan_component(&p->apps[1],
	                                   "ExtlClntAppGlobalOauthSettings"));
	/* writing the parsed plan gives the same bytes and hash */
	hash = c2e_strdup(p->plan_hash);
	ASSERT_OK(c2e_plan_write(p, &out, &err), &err);
	ASSERT_STR_EQ(p->plan_hash, hash);
	ASSERT_STR_EQ(out.buf, text);
	free(hash);
	c2e_buf_release(&out);
	c2e_plan_free(p);
	free(text);
}

static void test_plan__an_edited_plan_is_refused(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_plan *p = NULL;
	size_t len;
	char *text = example(&len);
	char *at = strstr(text, "\"System Administrator\"");

	ASSERT_NOT_NULL(at);
	at[20] = 'x'; /* "System Administratox": still valid JSON */
	ASSERT_INT_EQ(c2e_plan_parse(text, len, "edited.json", &p, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'edited.json' was changed after it was "
	                             "made");
	ASSERT_NULL(p);
	free(text);
}

static void test_plan__not_a_plan(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_plan *p = NULL;
	static const char other[] = "{\"ca2eca\": \"something else\"}";
	static const char broken[] = "{\"ca2eca\": ";

	ASSERT_INT_EQ(
	        c2e_plan_parse(other, sizeof(other) - 1, "o.json", &p, &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "not a ca2eca migration plan");
	ASSERT_INT_EQ(
	        c2e_plan_parse(broken, sizeof(broken) - 1, "b.json", &p, &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "b.json");
}

static struct c2e_json *parse(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;

	ASSERT_OK(c2e_json_parse(s, strlen(s), "t", &j, &err), &err);
	return j;
}

static void test_plan__snapshot_compare_names_the_difference(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *a = parse(
	        "{\"orgId\":\"00D1\",\"connectedApps\":{\"A_X\":{\"label\":"
	        "\"x\"}},\"ecaNamesTaken\":{\"A_X\":false},"
	        "\"channelDefinitions\":{\"A_C\":{\"oauthLink\":\"1\"}},"
	        "\"profiles\":{\"P\":\"00e1\"},\"permissionSets\":{}}");
	struct c2e_json *same = parse(
	        "{\"permissionSets\":{},\"profiles\":{\"P\":\"00e1\"},"
	        "\"orgId\":\"00D1\",\"connectedApps\":{\"A_X\":{\"label\":"
	        "\"x\"}},\"ecaNamesTaken\":{\"A_X\":false},"
	        "\"channelDefinitions\":{\"A_C\":{\"oauthLink\":\"1\"}}}");
	struct c2e_json *b = parse(
	        "{\"orgId\":\"00D1\",\"connectedApps\":{\"A_X\":{\"label\":"
	        "\"y\"}},\"ecaNamesTaken\":{\"A_X\":true},"
	        "\"channelDefinitions\":{\"A_C\":{\"oauthLink\":\"2\"}},"
	        "\"profiles\":{\"P\":null},\"permissionSets\":{}}");

	ASSERT_OK(c2e_snapshot_compare(a, same, &err), &err);
	ASSERT_INT_EQ(c2e_snapshot_compare(a, b, &err), C2E_ECONFLICT);
	ASSERT_STR_CONTAINS(err.msg, "connected app 'A_X' changed (label)");
	ASSERT_STR_CONTAINS(err.msg, "ECA 'A_X' exists in the org now");
	ASSERT_STR_CONTAINS(err.msg, "channel definition 'A_C' changed");
	ASSERT_STR_CONTAINS(err.msg, "nothing was changed");
	c2e_json_free(a);
	c2e_json_free(same);
	c2e_json_free(b);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_plan__example_parses_and_rewrites_identically);
	RUN(test_plan__an_edited_plan_is_refused);
	RUN(test_plan__not_a_plan);
	RUN(test_plan__snapshot_compare_names_the_difference);
	c2e_xml_global_cleanup();
	return test_summary();
}
