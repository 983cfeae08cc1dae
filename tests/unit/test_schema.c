#include "test.h"
#include "model/mdtype.h"
#include "model/schema.h"

#include <stdbool.h>

static const struct c2e_schema_elem *elem(const char *type, const char *name,
                                          size_t *index)
{
	const struct c2e_schema_type *t = c2e_schema_find(type);
	const struct c2e_schema_elem *e;

	ASSERT_NOT_NULL(t);
	e = c2e_schema_elem(t, name, index);
	ASSERT_NOT_NULL(e);
	return e;
}

static void test_schema__types_are_sorted_and_findable(void)
{
	ASSERT(c2e_schema_n_types > 70);
	for (size_t i = 0; i < c2e_schema_n_types; i++) {
		const struct c2e_schema_type *t = c2e_schema_types[i];

		ASSERT(c2e_schema_find(t->name) == t);
		if (i > 0)
			ASSERT(strcmp(c2e_schema_types[i - 1]->name, t->name) <
			       0);
		ASSERT(t->is_enum ? t->n_values > 0 && !t->elems :
		                    t->n_values == 0 && !t->values);
	}
	ASSERT_NULL(c2e_schema_find("NoSuchType"));
	ASSERT_NULL(c2e_schema_find(""));
	ASSERT_NULL(c2e_schema_find(NULL));
	ASSERT_NULL(c2e_schema_find("connectedapp"));
}

static void test_schema__oauth_config(void)
{
	const struct c2e_schema_elem *e;
	const struct c2e_schema_type *t;
	size_t i = 99;

	e = elem("ConnectedAppOauthConfig", "callbackUrl", &i);
	ASSERT_INT_EQ(i, 1);
	ASSERT_INT_EQ(e->kind, C2E_XK_STRING);
	ASSERT(e->required);
	ASSERT(!e->repeated);
	ASSERT_NULL(e->type);

	e = elem("ConnectedAppOauthConfig", "scopes", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_ENUM);
	ASSERT(e->repeated);
	ASSERT(!e->required);
	t = e->type;
	ASSERT_NOT_NULL(t);
	ASSERT_STR_EQ(t->name, "ConnectedAppOauthAccessScope");
	ASSERT(t->is_enum);
	ASSERT_INT_EQ(t->n_values, 35);
	ASSERT_STR_EQ(t->values[0], "Basic");
	ASSERT_STR_EQ(t->values[1], "Api");
	ASSERT_STR_EQ(t->values[34], "SCRT");
	ASSERT(c2e_schema_enum_has(t, "Interaction"));
	ASSERT(c2e_schema_enum_has(t, "SFAP"));
	ASSERT(c2e_schema_enum_has(t, "RefreshToken"));
	ASSERT(!c2e_schema_enum_has(t, "ID"));
	ASSERT(!c2e_schema_enum_has(t, "interaction"));
	ASSERT(!c2e_schema_enum_has(t, "SFApiPlatform"));
	ASSERT(!c2e_schema_enum_has(t, ""));
	ASSERT(!c2e_schema_enum_has(NULL, "Api"));

	e = elem("ConnectedAppOauthConfig", "isAdminApproved", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_BOOLEAN);
	e = elem("ConnectedAppOauthConfig", "idTokenConfig", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_COMPLEX);
	ASSERT_STR_EQ(e->type->name, "ConnectedAppOauthIdToken");
	e = elem("ConnectedAppOauthIdToken", "idTokenValidity", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_INT);
	ASSERT_NULL(c2e_schema_elem(c2e_schema_find("ConnectedAppOauthConfig"),
	                            "isConsumerKeyOptional", NULL));
	ASSERT_NULL(c2e_schema_elem(NULL, "x", NULL));
}

static void test_schema__metadata_types_extend_metadata(void)
{
	const struct c2e_schema_type *t =
	        c2e_schema_find("ExternalClientApplication");
	static const char *const seq[] = { "fullName",
		                           "module",
		                           "contactEmail",
		                           "contactPhone",
		                           "description",
		                           "distributionState",
		                           "iconUrl",
		                           "infoUrl",
		                           "isProtected",
		                           "label",
		                           "logoUrl",
		                           "managedType",
		                           "orgScopedExternalApp" };

	ASSERT_NOT_NULL(t);
	ASSERT(!t->is_enum);
	ASSERT_INT_EQ(t->n_elems, sizeof(seq) / sizeof(seq[0]));
	for (size_t i = 0; i < t->n_elems; i++)
		ASSERT_STR_EQ(t->elems[i].name, seq[i]);
	ASSERT_INT_EQ(t->elems[5].kind, C2E_XK_ENUM);
	ASSERT_STR_EQ(t->elems[5].type->name, "ExtlClntAppDistState");

	/* every type of the registry that the schema knows extends Metadata */
	for (size_t i = 0; i < c2e_n_mdtypes; i++) {
		t = c2e_schema_find(c2e_mdtypes[i].name);
		if (strcmp(c2e_mdtypes[i].name,
		           "ExtlClntAppOauthSecuritySettings") == 0) {
			ASSERT_NULL(t);
			continue;
		}
		ASSERT_NOT_NULL(t);
		ASSERT_STR_EQ(t->elems[0].name, "fullName");
		ASSERT_STR_EQ(t->elems[1].name, "module");
	}
}

static void test_schema__eca_policies(void)
{
	const struct c2e_schema_elem *e;

	e = elem("ExtlClntAppOauthConfigurablePolicies",
	         "permittedUsersPolicyType", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_ENUM);
	ASSERT_STR_EQ(e->type->name, "PermittedUsersPolicyType");
	ASSERT(c2e_schema_enum_has(e->type, "AdminApprovedPreAuthorized"));
	ASSERT(c2e_schema_enum_has(e->type, "AllSelfAuthorized"));
	/* a string in the WSDL, not an enumeration */
	e = elem("ExtlClntAppOauthConfigurablePolicies",
	         "ipRelaxationPolicyType", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_STRING);
	e = elem("ExtlClntAppOauthConfigurablePolicies",
	         "externalClientApplication", NULL);
	ASSERT(e->required);
	e = elem("ExtlClntAppOauthConfigurablePolicies", "customAttributes",
	         NULL);
	ASSERT(e->repeated);
	ASSERT_INT_EQ(e->kind, C2E_XK_COMPLEX);
	ASSERT_INT_EQ(e->type->n_elems, 2);
	e = elem("ConnectedAppMobileDetailConfig", "applicationBinaryFile",
	         NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_BASE64);
	e = elem("ConversationChannelDefinition", "connectedAppType", NULL);
	ASSERT_INT_EQ(e->kind, C2E_XK_ENUM);
	ASSERT(c2e_schema_enum_has(e->type, "Customer"));
}

static void test_schema__mdtypes(void)
{
	const struct c2e_mdtype *t;
	size_t n = 0;
	bool src = false;

	t = c2e_mdtype_find("ExtlClntAppGlobalOauthSettings");
	ASSERT_NOT_NULL(t);
	ASSERT_STR_EQ(t->dir, "extlClntAppGlobalOauthSets");
	ASSERT_STR_EQ(t->suffix, "ecaGlblOauth");
	ASSERT_STR_EQ(c2e_mdtype_find("ConversationChannelDefinition")->suffix,
	              "ConversationChannelDefinition");
	ASSERT_STR_EQ(c2e_mdtype_find("ExtlClntAppNotificationSettings")->dir,
	              "extlClntAppNotifSettings");
	ASSERT_NULL(c2e_mdtype_find("ExtlClntAppSampleSettings"));
	ASSERT_NULL(c2e_mdtype_find(NULL));

	t = c2e_mdtype_from_filename("My_App_oauthPlcy.ecaOauthPlcy-meta.xml",
	                             &n, &src);
	ASSERT_STR_EQ(t->name, "ExtlClntAppOauthConfigurablePolicies");
	ASSERT_INT_EQ(n, strlen("My_App_oauthPlcy"));
	ASSERT(src);
	t = c2e_mdtype_from_filename("X.ecaOauth-meta.xml", &n, &src);
	ASSERT_STR_EQ(t->name, "ExtlClntAppOauthSettings");
	t = c2e_mdtype_from_filename("X.ecaOauthSecurity-meta.xml", &n, &src);
	ASSERT_STR_EQ(t->name, "ExtlClntAppOauthSecuritySettings");
	t = c2e_mdtype_from_filename("a.b.eca-meta.xml", &n, &src);
	ASSERT_STR_EQ(t->name, "ExternalClientApplication");
	ASSERT_INT_EQ(n, 3);
	t = c2e_mdtype_from_filename("Postman.connectedApp", &n, &src);
	ASSERT_STR_EQ(t->name, "ConnectedApp");
	ASSERT_INT_EQ(n, 7);
	ASSERT(!src);
	t = c2e_mdtype_from_filename("C.ConversationChannelDefinition-meta.xml",
	                             &n, &src);
	ASSERT_STR_EQ(t->name, "ConversationChannelDefinition");
	ASSERT_NULL(c2e_mdtype_from_filename(".eca-meta.xml", &n, &src));
	ASSERT_NULL(c2e_mdtype_from_filename("X.eca.xml", &n, &src));
	ASSERT_NULL(
	        c2e_mdtype_from_filename("X.connectedapp-meta.xml", &n, &src));
	ASSERT_NULL(c2e_mdtype_from_filename("Xeca-meta.xml", &n, &src));
	ASSERT_NULL(c2e_mdtype_from_filename("X.txt", NULL, NULL));
}

int main(void)
{
	RUN(test_schema__types_are_sorted_and_findable);
	RUN(test_schema__oauth_config);
	RUN(test_schema__metadata_types_extend_metadata);
	RUN(test_schema__eca_policies);
	RUN(test_schema__mdtypes);
	return test_summary();
}
