"""Who may call the APIs: sessions, session expiry, the daily request allocation."""

OK = None
INVALID_SESSION = "invalid_session"     # unknown, expired (sessionExpiresAfter) or inactive user
JWT_ON_SOAP = "jwt_on_soap"             # JWT-format token used with SOAP
NOT_API = "not_api"                     # token without the api/full scope
LIMIT_TOTAL = "limit_total"             # DailyApiRequests exhausted
NO_MODIFY_ALL = "no_modify_all"         # Metadata API needs Modify All Data / Modify Metadata


def authenticate(org, token, soap):
    """Returns (session dict, problem).  A successful call consumes one API request."""
    sess = org.find_session(token)
    if sess is None:
        return None, INVALID_SESSION
    user = org.user_by_name(sess.get("username"))
    if user is None or not user.get("active", True):
        return None, INVALID_SESSION
    if org.faults is not None and not org.faults.session_ok(token):
        return None, INVALID_SESSION
    if soap and sess.get("format") == "jwt":
        return None, JWT_ON_SOAP
    scopes = set((sess.get("scope") or "").split())
    if not scopes & {"api", "full"}:
        return None, NOT_API
    remaining = org.api_remaining()
    if remaining is not None and remaining <= 0:
        return None, LIMIT_TOTAL
    org.consume_api_call()
    sess["user"] = user
    if soap:
        prof = org.profile(user.get("profile")) or {}
        if not (prof.get("modifyAllData") or prof.get("modifyMetadata")):
            return sess, NO_MODIFY_ALL
    return sess, OK
