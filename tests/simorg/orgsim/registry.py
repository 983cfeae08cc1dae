"""Metadata types the simulated org knows, and OAuth scope names.

Directory names and suffixes are copied from the Salesforce CLI's
source-deploy-retrieve registry (src/registry/metadataRegistry.json); they give
listMetadata's FileProperties.fileName ("<directory>/<fullName>.<suffix>").
Key prefixes are the simulator's choice (realistic where known: 0H4 connected
app, 00D org, 005 user, 00e profile, 0PS permission set); clients must not rely
on them.
"""

MD_NS = "http://soap.sforce.com/2006/04/metadata"

# type -> (directoryName, suffix, id key prefix)
TYPES = {
    "ConnectedApp": ("connectedApps", "connectedApp", "0H4"),
    "ConversationChannelDefinition": ("conversationChannelDefinitions", "ConversationChannelDefinition", "0Nd"),
    "ExternalClientApplication": ("externalClientApps", "eca", "0xI"),
    "ExtlClntAppConfigurablePolicies": ("extlClntAppPolicies", "ecaPlcy", "0yP"),
    "ExtlClntAppGlobalOauthSettings": ("extlClntAppGlobalOauthSets", "ecaGlblOauth", "0yG"),
    "ExtlClntAppMobileConfigurablePolicies": ("extlClntAppMobilePolicies", "ecaMobilePlcy", "0yM"),
    "ExtlClntAppMobileSettings": ("extlClntAppMobileSettings", "ecaMobile", "0yN"),
    "ExtlClntAppNotificationSettings": ("extlClntAppNotifSettings", "ecaNotifications", "0yT"),
    "ExtlClntAppOauthConfigurablePolicies": ("extlClntAppOauthPolicies", "ecaOauthPlcy", "0yQ"),
    "ExtlClntAppOauthSettings": ("extlClntAppOauthSettings", "ecaOauth", "0yO"),
    "ExtlClntAppOauthSecuritySettings": ("extlClntAppOauthSecuritySettings", "ecaOauthSecurity", "0yS"),
    "ExtlClntAppSamlConfigurablePolicies": ("extlClntAppSamlConfigurablePolicies", "ecaSamlPlcy", "0yL"),
    "ExtlClntAppSampleConfigurablePolicies": ("extlClntAppSamplePolicies", "ecaSmplPlcy", "0yX"),
    "ExtlClntAppSampleSettings": ("extlClntAppSampleSettings", "ecaSmpl", "0yY"),
    "OauthCustomScope": ("oauthcustomscopes", "oauthcustomscope", "0Ow"),
    "ExtlClntAppPushSettings": ("extlClntAppPushSettings", "ecaPush", "0yU"),
    "ExtlClntAppPushConfigurablePolicies": ("extlClntAppPushPolicies", "ecaPushPlcy", "0yV"),
    "ExtlClntAppCanvasSettings": ("extlClntAppCanvasSettings", "ecaCanvas", "0yC"),
}

# Real metadata types the simulator does not store: listMetadata answers
# nothing, readMetadata answers nil records.  Anything else is INVALID_TYPE.
OTHER_KNOWN_TYPES = {
    "ApexClass", "ApexTrigger", "AuthProvider", "Certificate", "CustomObject", "CustomField",
    "CustomMetadata", "CustomApplication", "Flow", "Layout", "NamedCredential", "ExternalCredential",
    "PermissionSet", "PermissionSetGroup", "PlatformEventChannel", "Profile", "RemoteSiteSetting",
    "Settings", "StaticResource", "ConversationVendorInfo", "OauthTokenExchangeHandler",
    "ExtlClntAppAttestSettings", "ExtlClntAppAttestConfigurablePolicies",
}

# The ECA family: every type here (except the header) has externalClientApplication.
ECA_HEADER = "ExternalClientApplication"
ECA_OAUTH = "ExtlClntAppOauthSettings"
ECA_GLOBAL = "ExtlClntAppGlobalOauthSettings"
ECA_OAUTH_POLICIES = "ExtlClntAppOauthConfigurablePolicies"
ECA_POLICIES = "ExtlClntAppConfigurablePolicies"
ECA_CHILD_TYPES = [t for t in TYPES if t.startswith("ExtlClntApp")]

# Key prefixes of records that are not metadata components.
PREFIX_ORG = "00D"
PREFIX_USER = "005"
PREFIX_PROFILE = "00e"
PREFIX_PERMSET = "0PS"
PREFIX_OAUTH_CONSUMER = "888"   # as in retrieved oauthLink values "<org>:888..."
PREFIX_QUERY_LOCATOR = "01g"


def file_name(md_type, full_name):
    d, suffix, _ = TYPES[md_type]
    return "%s/%s.%s" % (d, full_name, suffix)


# ConnectedAppOauthAccessScope / ECA scope token -> OAuth scope names in a token
# response.  Documented pairs: Interaction -> interaction_api,
# RefreshToken -> "refresh_token offline_access", Api -> api, Full -> full,
# Web -> web, OpenID -> openid.  The rest are the scope parameter names shown
# in Salesforce's OAuth scope list; those marked [I] are the simulator's guess.
SCOPE_NAMES = {
    "Basic": ["id"],
    "Api": ["api"],
    "Web": ["web"],
    "Full": ["full"],
    "Chatter": ["chatter_api"],
    "CustomApplications": ["visualforce"],
    "RefreshToken": ["refresh_token", "offline_access"],
    "OpenID": ["openid"],
    "Profile": ["profile"],
    "Email": ["email"],
    "Address": ["address"],
    "Phone": ["phone"],
    "OfflineAccess": ["offline_access"],
    "CustomPermissions": ["custom_permissions"],
    "Wave": ["wave_api"],
    "Eclair": ["eclair_api"],
    "Pardot": ["pardot_api"],
    "Lightning": ["lightning"],
    "Content": ["content"],
    "CDPIngest": ["cdp_ingest_api"],
    "CDPProfile": ["cdp_profile_api"],
    "CDPQuery": ["cdp_query_api"],
    "Chatbot": ["chatbot_api"],
    "CDPSegment": ["cdp_segment_api"],
    "CDPIdentityResolution": ["cdp_identityresolution_api"],
    "CDPCalculatedInsight": ["cdp_calculated_insight_api"],
    "ForgotPassword": ["forgot_password"],
    "UserRegistration": ["user_registration_api"],
    "SFAP": ["sfap_api"],               # [I]
    "SFApiPlatform": ["sfap_api"],      # [I]
    "Interaction": ["interaction_api"],
    "CDP": ["cdp_api"],                 # [I]
    "EinsteinGPT": ["einstein_gpt_api"],
    "PwdlessLogin": ["pwdless_login_api"],
    "MCP": ["mcp_api"],                 # [I]
    "SCRT": ["scrt_api"],               # [I]
}

# Tokens accepted in ExtlClntAppOauthSettings.commaSeparatedOauthScopes
# (MDDOC ExtlClntAppOauthSettings v67 list; note SFApiPlatform, not the
# ConnectedApp enum's SFAP, and no CDP).
ECA_SCOPE_TOKENS = [
    "Basic", "Api", "Web", "Full", "Chatter", "CustomApplications", "RefreshToken", "OpenID",
    "Profile", "Email", "Address", "Phone", "OfflineAccess", "CustomPermissions", "Wave", "Eclair",
    "Pardot", "Lightning", "Content", "CDPIngest", "CDPProfile", "CDPQuery", "Chatbot", "CDPSegment",
    "CDPIdentityResolution", "CDPCalculatedInsight", "SFApiPlatform", "Interaction", "EinsteinGPT",
    "PwdlessLogin", "ForgotPassword", "UserRegistration", "MCP", "SCRT",
]

# ipRelaxationPolicyType (a string in the WSDL): MDDOC values, plus the
# spelling real orgs return on retrieve ("Enforce_relaxrefresh").
ECA_IP_RELAXATION = ["Enforce", "Bypass", "Bypass_2factor", "Enforce_RelaxRefresh", "Enforce_relaxrefresh"]
ECA_REFRESH_UNITS = ["Days", "Hours", "Months"]
CA_IP_RELAXATION = ["ENFORCE", "BYPASS_2FACTOR", "BYPASS", "ENFORCE_RELAXREFRESH"]


def scope_names(tokens):
    out = []
    for t in tokens:
        for n in SCOPE_NAMES.get(t, [t.lower()]):
            if n not in out:
                out.append(n)
    return out
