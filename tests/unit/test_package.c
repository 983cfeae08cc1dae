#include "test.h"

#include <stdlib.h>

#include "model/package.h"
#include "util/xml.h"

static void test_package__new_manifest_is_sorted(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_package *pkg = NULL;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_package_new("66.0", &pkg, &err), &err);
	ASSERT_OK(c2e_package_add(pkg, "ExtlClntAppOauthSettings", "B_oauth",
	                          &err),
	          &err);
	ASSERT_OK(c2e_package_add(pkg, "ExternalClientApplication", "B", &err),
	          &err);
	ASSERT_OK(c2e_package_add(pkg, "ExternalClientApplication", "A", &err),
	          &err);
	ASSERT_OK(c2e_package_add(pkg, "ExternalClientApplication", "A", &err),
	          &err);
	ASSERT_OK(c2e_package_write(pkg, &out, &err), &err);
	ASSERT_STR_EQ(
	        out.buf,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
	        "    <types>\n"
	        "        <members>A</members>\n"
	        "        <members>B</members>\n"
	        "        <name>ExternalClientApplication</name>\n"
	        "    </types>\n"
	        "    <types>\n"
	        "        <members>B_oauth</members>\n"
	        "        <name>ExtlClntAppOauthSettings</name>\n"
	        "    </types>\n"
	        "    <version>66.0</version>\n"
	        "</Package>\n");
	c2e_buf_release(&out);
	c2e_package_free(pkg);
}

static void test_package__existing_manifest_is_extended(void)
{
	static const char src[] =
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n"
	        "  <types><members>Partner1_ConnectedApp1</members>"
	        "<name>ConnectedApp</name></types>\n"
	        "  <version>62.0</version>\n"
	        "</Package>\n";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_package *pkg = NULL;
	struct c2e_buf out = C2E_BUF_INIT;

	ASSERT_OK(c2e_package_parse(src, sizeof(src) - 1, "package.xml", &pkg,
	                            &err),
	          &err);
	ASSERT_OK(c2e_package_add(pkg, "ExternalClientApplication",
	                          "Partner1_ConnectedApp1", &err),
	          &err);
	ASSERT_OK(c2e_package_write(pkg, &out, &err), &err);
	ASSERT_STR_CONTAINS(out.buf,
	                    "<members>Partner1_ConnectedApp1</members>\n"
	                    "        <name>ConnectedApp</name>");
	ASSERT_STR_CONTAINS(out.buf, "<name>ExternalClientApplication</name>");
	ASSERT_STR_CONTAINS(out.buf, "<version>62.0</version>");
	c2e_buf_release(&out);
	c2e_package_free(pkg);
}

static void test_package__not_a_manifest(void)
{
	static const char src[] =
	        "<Other xmlns=\"http://soap.sforce.com/2006/04/metadata\"/>";
	static const char bad[] = "<Package><types>";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_package *pkg = NULL;

	ASSERT_INT_EQ(
	        c2e_package_parse(src, sizeof(src) - 1, "p.xml", &pkg, &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'p.xml' is not a package.xml");
	ASSERT_INT_EQ(
	        c2e_package_parse(bad, sizeof(bad) - 1, "q.xml", &pkg, &err),
	        C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "q.xml");
	ASSERT_NULL(pkg);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_package__new_manifest_is_sorted);
	RUN(test_package__existing_manifest_is_extended);
	RUN(test_package__not_a_manifest);
	c2e_xml_global_cleanup();
	return test_summary();
}
