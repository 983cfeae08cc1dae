#include "test.h"

#include <stdlib.h>

#include "model/project.h"
#include "util/fs.h"
#include "util/xml.h"

static char *fixture(const char *rel)
{
	return c2e_path_join(test_source_dir(), rel);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	struct c2e_err err = C2E_ERR_INIT;
	char *path = c2e_path_join(dir, rel);
	char *parent = c2e_path_dir(path);

	ASSERT_OK(c2e_fs_mkdirs(parent, &err), &err);
	ASSERT_OK(c2e_fs_write_atomic(path, text, strlen(text), 0644, &err),
	          &err);
	free(parent);
	free(path);
}

static void test_project__example_is_source_format(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_project *p = NULL;
	char *dir = fixture("fixtures/example-project");
	const struct c2e_project_file *f;
	size_t i = 0, n = 0;
	char *path = NULL;

	ASSERT_OK(c2e_project_open(dir, &p, &err), &err);
	ASSERT(p->source_format);
	ASSERT_INT_EQ(p->package_dirs.n, 1);
	ASSERT_STR_EQ(p->package_dirs.v[0], "force-app");
	while ((f = c2e_project_next(p, "ConnectedApp", &i)) != NULL)
		n++;
	ASSERT_INT_EQ(n, 3);
	i = 0;
	f = c2e_project_next(p, "ConnectedApp", &i);
	ASSERT_STR_EQ(f->full_name, "Acme_OrderSync");
	ASSERT_STR_EQ(f->rel_path, "force-app/main/default/connectedApps/"
	                           "Acme_OrderSync.connectedApp-meta.xml");
	ASSERT_OK(c2e_project_path_for(
	                  p, f,
	                  c2e_mdtype_find("ExtlClntAppGlobalOauthSettings"),
	                  "Acme_OrderSync_glbloauth", &path, &err),
	          &err);
	ASSERT_STR_EQ(path, "force-app/main/default/extlClntAppGlobalOauthSets/"
	                    "Acme_OrderSync_glbloauth.ecaGlblOauth-meta.xml");
	ASSERT_STR_EQ(c2e_project_manifest_path(p), "manifest/package.xml");
	i = 0;
	ASSERT_NOT_NULL(
	        c2e_project_next(p, "ConversationChannelDefinition", &i));
	free(path);
	c2e_project_free(p);
	free(dir);
}

static void test_project__metadata_format_src_tree(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_project *p = NULL;
	char *dir = c2e_path_join(test_tmp_dir(), "mdapi");
	const struct c2e_project_file *f;
	char *path = NULL;
	size_t i = 0;

	write_file(dir, "src/package.xml",
	           "<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">"
	           "<version>66.0</version></Package>");
	write_file(dir, "src/connectedApps/Postman.connectedApp", "<x/>");
	/* source-format files do not belong to a metadata-format tree */
	write_file(dir, "src/connectedApps/Other.connectedApp-meta.xml",
	           "<x/>");
	ASSERT_OK(c2e_project_open(dir, &p, &err), &err);
	ASSERT(!p->source_format);
	ASSERT_STR_EQ(p->mdapi_root, "src");
	f = c2e_project_next(p, "ConnectedApp", &i);
	ASSERT_NOT_NULL(f);
	ASSERT_STR_EQ(f->full_name, "Postman");
	ASSERT_NULL(c2e_project_next(p, "ConnectedApp", &i));
	ASSERT_OK(c2e_project_path_for(
	                  p, f, c2e_mdtype_find("ExternalClientApplication"),
	                  "Postman", &path, &err),
	          &err);
	ASSERT_STR_EQ(path, "src/externalClientApps/Postman.eca");
	ASSERT_STR_EQ(c2e_project_manifest_path(p), "src/package.xml");
	free(path);
	c2e_project_free(p);
	free(dir);
}

static void test_project__errors_name_the_directory(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_project *p = NULL;
	char *dir = c2e_path_join(test_tmp_dir(), "notaproject");
	char *bad = c2e_path_join(test_tmp_dir(), "badjson");
	char *nodirs = c2e_path_join(test_tmp_dir(), "nodirs");

	write_file(dir, "README", "hello");
	ASSERT_INT_EQ(c2e_project_open(dir, &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "is not a Salesforce project");
	ASSERT_STR_CONTAINS(err.msg, dir);
	ASSERT_INT_EQ(c2e_project_open("/nonexistent/p", &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'/nonexistent/p' does not exist");
	write_file(bad, "sfdx-project.json", "{\"packageDirectories\": [");
	ASSERT_INT_EQ(c2e_project_open(bad, &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "sfdx-project.json");
	ASSERT_STR_CONTAINS(err.msg, "not valid JSON");
	write_file(nodirs, "sfdx-project.json", "{\"packageDirectories\": []}");
	ASSERT_INT_EQ(c2e_project_open(nodirs, &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "packageDirectories is missing or empty");
	write_file(nodirs, "sfdx-project.json",
	           "{\"packageDirectories\": [{\"path\": \"../elsewhere\"}]}");
	ASSERT_INT_EQ(c2e_project_open(nodirs, &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "outside the project");
	write_file(nodirs, "sfdx-project.json",
	           "{\"packageDirectories\": [{\"path\": \"missing\"}]}");
	ASSERT_INT_EQ(c2e_project_open(nodirs, &p, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "does not exist");
	ASSERT_NULL(p);
	free(dir);
	free(bad);
	free(nodirs);
}

int main(void)
{
	c2e_xml_global_init();
	RUN(test_project__example_is_source_format);
	RUN(test_project__metadata_format_src_tree);
	RUN(test_project__errors_name_the_directory);
	c2e_xml_global_cleanup();
	return test_summary();
}
