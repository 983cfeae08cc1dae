/*
 * remote_probe.c - drives the REST and Metadata API clients against a
 * running simulated org (tests/e2e/remote.sh starts it).  It logs in with
 * SF_ACCESS_TOKEN + C2E_SIM_URL and checks what the example org holds:
 * SOQL with paging, the Tooling API, the Connect REST credentials of an
 * ECA, /limits, and a Metadata API write/read/delete round trip that
 * needs more than one call per batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "model/md.h"
#include "remote/mdapi.h"
#include "remote/org.h"
#include "remote/rest.h"
#include "util/str.h"
#include "util/xml.h"

static struct c2e_org *org;

static const char *record_str(const struct c2e_json *rec, const char *key)
{
	return c2e_json_get_str(rec, key);
}

static void test_remote__profiles_and_permission_sets_by_name(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *recs = NULL;
	const struct c2e_json *r;
	size_t n = 0;

	/* the org pages by 2 (remote.sh sets queryPageSize): 3 pages */
	ASSERT_OK(c2e_rest_query(org,
	                         "SELECT Id, Name FROM Profile ORDER BY Name",
	                         false, &recs, &err),
	          &err);
	ASSERT_INT_EQ(c2e_json_len(recs), 5);
	for (r = recs->child; r; r = r->next)
		if (c2e_str_eq(record_str(r, "Name"), "System Administrator"))
			ASSERT_STR_EQ(record_str(r, "Id"),
			              "00e000000000001AAA");
	c2e_json_free(recs);
	recs = NULL;
	ASSERT_OK(c2e_rest_query(org,
	                         "SELECT Id, Name FROM PermissionSet WHERE "
	                         "Name IN ('Order_Sync_Integration', 'Nope')",
	                         false, &recs, &err),
	          &err);
	for (r = recs->child; r; r = r->next, n++)
		ASSERT_STR_EQ(record_str(r, "Id"), "0PS000000000001GAA");
	ASSERT_INT_EQ(n, 1);
	c2e_json_free(recs);
}

static void test_remote__eca_credentials_and_ccd(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *recs = NULL;
	struct c2e_oauth_consumer *cons = NULL;
	size_t n = 0;
	char *key = NULL, *eca_id;

	ASSERT_OK(c2e_rest_query(org,
	                         "SELECT Id FROM ExternalClientApplication "
	                         "WHERE DeveloperName = 'Ops_AdminCli'",
	                         false, &recs, &err),
	          &err);
	ASSERT_INT_EQ(c2e_json_len(recs), 1);
	eca_id = c2e_strdup(record_str(recs->child, "Id"));
	c2e_json_free(recs);
	recs = NULL;
	ASSERT_OK(c2e_rest_eca_consumers(org, eca_id, &cons, &n, &err), &err);
	ASSERT_INT_EQ(n, 1);
	ASSERT(c2e_str_starts(cons[0].key, "3MVG9OpsAdminCli"));
	ASSERT_OK(
	        c2e_rest_eca_consumer_key(org, eca_id, cons[0].id, &key, &err),
	        &err);
	ASSERT_STR_EQ(key, cons[0].key);
	free(key);
	c2e_oauth_consumers_free(cons, n);
	free(eca_id);

	ASSERT_OK(c2e_rest_query(org,
	                         "SELECT Id, DeveloperName, ConnectedAppType, "
	                         "CustomerConnectedAppOauthLink FROM "
	                         "ConversationChannelDefinition",
	                         true, &recs, &err),
	          &err);
	ASSERT_INT_EQ(c2e_json_len(recs), 1);
	ASSERT_STR_EQ(record_str(recs->child, "DeveloperName"),
	              "Partner1_ChannelDefinition1");
	ASSERT_STR_EQ(record_str(recs->child, "ConnectedAppType"), "Customer");
	c2e_json_free(recs);
}

static void test_remote__limits_go_down(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	long rem1 = 0, rem2 = 0, max = 0;

	ASSERT_OK(c2e_rest_limits(org, &rem1, &max, &err), &err);
	ASSERT_INT_EQ(max, 15000);
	ASSERT_OK(c2e_rest_limits(org, &rem2, &max, &err), &err);
	ASSERT(rem2 < rem1);
}

/* 12 ECAs: every write and read takes two calls (10 + 2). */
static void test_remote__metadata_round_trip_in_batches(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *docs[12] = { NULL };
	struct c2e_md_doc *back[12] = { NULL };
	struct c2e_save_result res[12];
	const char *names[12];
	char name[12][32];
	bool unknown = false;

	for (int i = 0; i < 12; i++) {
		snprintf(name[i], sizeof(name[i]), "Probe_App%02d", i);
		names[i] = name[i];
		ASSERT_OK(c2e_md_doc_new("ExternalClientApplication", name[i],
		                         &docs[i], &err),
		          &err);
		ASSERT_OK(c2e_md_set(docs[i]->root, "label", name[i], &err),
		          &err);
		ASSERT_OK(c2e_md_set(docs[i]->root, "contactEmail",
		                     "probe@example.com", &err),
		          &err);
		ASSERT_OK(c2e_md_set(docs[i]->root, "distributionState",
		                     "Local", &err),
		          &err);
	}
	memset(res, 0, sizeof(res));
	ASSERT_OK(c2e_mdapi_create(org, docs, 12, res, &unknown, &err), &err);
	for (int i = 0; i < 12; i++)
		ASSERT(res[i].success);
	c2e_save_results_release(res, 12);
	/* a second create is refused per component, not as a call */
	ASSERT_OK(c2e_mdapi_create(org, docs, 1, res, &unknown, &err), &err);
	ASSERT(!res[0].success);
	ASSERT_NOT_NULL(res[0].status_code);
	c2e_save_results_release(res, 1);
	ASSERT_OK(c2e_mdapi_read(org, "ExternalClientApplication", names, 12,
	                         back, &err),
	          &err);
	for (int i = 0; i < 12; i++) {
		ASSERT_NOT_NULL(back[i]);
		ASSERT_STR_EQ(c2e_md_get(back[i]->root, "label"), name[i]);
		c2e_md_doc_free(back[i]);
	}
	ASSERT_OK(c2e_mdapi_delete(org, "ExternalClientApplication", names, 12,
	                           res, &unknown, &err),
	          &err);
	for (int i = 0; i < 12; i++)
		ASSERT(res[i].success);
	c2e_save_results_release(res, 12);
	ASSERT_OK(c2e_mdapi_read(org, "ExternalClientApplication", names, 2,
	                         back, &err),
	          &err);
	ASSERT_NULL(back[0]);
	ASSERT_NULL(back[1]);
	for (int i = 0; i < 12; i++)
		c2e_md_doc_free(docs[i]);
	ASSERT(!unknown);
}

/* Creating a connected app is refused (Spring '26). */
static void test_remote__connected_app_cannot_be_created(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_md_doc *doc = NULL;
	struct c2e_save_result res[1];
	bool unknown = false;

	ASSERT_OK(c2e_md_doc_new("ConnectedApp", "Probe_CA", &doc, &err), &err);
	ASSERT_OK(c2e_md_set(doc->root, "label", "Probe", &err), &err);
	ASSERT_OK(c2e_md_set(doc->root, "contactEmail", "p@example.com", &err),
	          &err);
	memset(res, 0, sizeof(res));
	ASSERT_OK(c2e_mdapi_create(org, &doc, 1, res, &unknown, &err), &err);
	ASSERT(!res[0].success);
	c2e_save_results_release(res, 1);
	c2e_md_doc_free(doc);
}

int main(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_org_opts oo;
	int rc;

	c2e_xml_global_init();
	c2e_http_global_init();
	memset(&oo, 0, sizeof(oo));
	oo.auth.instance_url = getenv("C2E_SIM_URL");
	rc = c2e_org_open(&oo, &org, &err);
	if (rc < 0) {
		fprintf(stderr, "cannot open the simulated org: %s\n", err.msg);
		return 1;
	}
	RUN(test_remote__profiles_and_permission_sets_by_name);
	RUN(test_remote__eca_credentials_and_ccd);
	RUN(test_remote__limits_go_down);
	RUN(test_remote__metadata_round_trip_in_batches);
	RUN(test_remote__connected_app_cannot_be_created);
	c2e_org_free(org);
	c2e_http_global_cleanup();
	c2e_xml_global_cleanup();
	return test_summary();
}
