/*
 * rest.c - the REST calls of rest.h: GET with a bearer token through the
 * org client (always idempotent), SOQL with paging, /limits and the
 * Connect REST OAuth credentials of an ECA.
 */
#include "remote/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

#include "util/compat.h"

/* Most pages one query may have (2 000 records a page at least). */
#define QUERY_MAX_PAGES 10000

static const char *host_of(const char *url)
{
	const char *p;

	if (!url)
		return "(no instance URL)";
	p = strstr(url, "://");
	return p ? p + 3 : url;
}

bool c2e_rest_id_ok(const char *id)
{
	size_t n = 0;

	if (!id)
		return false;
	for (; id[n]; n++) {
		char c = id[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return n == 15 || n == 18;
}

static int check_id(const char *what, const char *id, struct c2e_err *err)
{
	if (c2e_rest_id_ok(id))
		return C2E_OK;
	return c2e_err_set(err, C2E_EDATA,
	                   "the %s '%s' is not a Salesforce id (15 or 18 "
	                   "letters and digits)",
	                   what, id ? id : "");
}

/* --- errors --- */

/*
 * The error code and message of a REST error body:
 * [{"errorCode": "...", "message": "..."}], {"errorCode", "message"} or
 * the OAuth shape {"error": "...", "error_description": "..."}.
 */
static void rest_error_of(const struct c2e_http_response *resp, char *code,
                          size_t code_size, char *msg, size_t msg_size)
{
	struct c2e_err ignored = C2E_ERR_INIT;
	struct c2e_json *j = NULL;
	const struct c2e_json *e;
	const char *c, *m;

	code[0] = '\0';
	msg[0] = '\0';
	if (resp->body.len == 0 ||
	    c2e_json_parse(resp->body.buf, resp->body.len, "REST error", &j,
	                   &ignored) != C2E_OK)
		return;
	e = j->type == C2E_JSON_ARRAY ? j->child : j;
	if (e && e->type == C2E_JSON_OBJECT) {
		c = c2e_json_get_str(e, "errorCode");
		if (!c)
			c = c2e_json_get_str(e, "error");
		m = c2e_json_get_str(e, "message");
		if (!m)
			m = c2e_json_get_str(e, "error_description");
		if (c && snprintf(code, code_size, "%s", c) < 0)
			code[0] = '\0';
		if (m && snprintf(msg, msg_size, "%s", m) < 0)
			msg[0] = '\0';
	}
	c2e_json_free(j);
}

enum c2e_verdict c2e_rest_classify(const char *host, const char *op,
                                   const struct c2e_http_response *resp,
                                   struct c2e_err *err)
{
	char code[64], msg[384];
	long st = resp->status;

	if (st >= 200 && st <= 299)
		return C2E_VERDICT_OK;
	rest_error_of(resp, code, sizeof(code), msg, sizeof(msg));
	if (!code[0] && snprintf(code, sizeof(code), "HTTP %ld", st) < 0)
		code[0] = '\0';
	if (st == 401 || strcmp(code, "INVALID_SESSION_ID") == 0) {
		c2e_err_set(err, C2E_EAUTH,
		            "'%s' refused the session for "
		            "'%s': %s",
		            host, op, code);
		return C2E_VERDICT_REAUTH;
	}
	if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0) {
		c2e_err_set(err, C2E_ELIMIT, "'%s' refused '%s': %s: %s", host,
		            op, code, msg);
		return strstr(msg, "TotalRequests") ?
		               C2E_VERDICT_LIMIT_TOTAL :
		               C2E_VERDICT_LIMIT_CONCURRENT;
	}
	if (st == 429 || st >= 500) {
		c2e_err_set(err, C2E_EREMOTE,
		            "'%s' answered '%s' with HTTP %ld%s%s", host, op,
		            st, msg[0] ? ": " : "", msg);
		return C2E_VERDICT_RETRY;
	}
	c2e_err_set(err, st == 404 ? C2E_ENOTFOUND : C2E_EREMOTE,
	            "%s to '%s' failed: %s: %s", op, host, code,
	            msg[0]    ? msg :
	            st == 404 ? "not found" :
	                        "no message");
	return C2E_VERDICT_FAIL;
}

/* --- GET --- */

struct rest_ctx {
	struct c2e_org *org;
	const char *op;
};

static enum c2e_verdict rest_classify_cb(void *ctx,
                                         const struct c2e_http_response *resp,
                                         struct c2e_err *err)
{
	const struct rest_ctx *c = ctx;

	/* the session (and its URL) may be new since the call began */
	return c2e_rest_classify(host_of(c2e_org_session(c->org)->instance_url),
	                         c->op, resp, err);
}

int c2e_rest_get(struct c2e_org *org, const char *op, const char *path,
                 struct c2e_json **out, struct c2e_err *err)
{
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_err local = C2E_ERR_INIT;
	struct c2e_org_call call;
	struct rest_ctx ctx;
	struct c2e_json *j = NULL;
	const char *why;
	int rc;

	if (!path || path[0] != '/' || path[1] == '/')
		return c2e_err_set(err, C2E_ERROR,
		                   "'%s': the REST path '%s' is not a path", op,
		                   path ? path : "");
	ctx.org = org;
	ctx.op = op;
	memset(&call, 0, sizeof(call));
	call.op = op;
	call.method = "GET";
	call.path = path;
	call.bearer = true;
	call.idempotent = true;
	call.classify = rest_classify_cb;
	call.ctx = &ctx;
	rc = c2e_org_call(org, &call, &resp, NULL, err);
	if (rc != C2E_OK)
		goto done;
	rc = c2e_json_parse(resp.body.buf, resp.body.len, "answer", &j, &local);
	if (rc == C2E_ENOMEM) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (rc != C2E_OK) {
		why = strstr(local.msg, "JSON: ");
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to '%s' is not valid "
		                 "JSON: %s",
		                 host_of(c2e_org_session(org)->instance_url),
		                 op, why ? why + 6 : local.msg);
		goto done;
	}
	*out = j;
	j = NULL;
done:
	c2e_json_free(j);
	c2e_http_response_release(&resp);
	return rc;
}

/* --- SOQL --- */

int c2e_soql_quote(const char *s, struct c2e_buf *out, struct c2e_err *err)
{
	/* refuse first, so that `out` is untouched on failure */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')
			return c2e_err_set(err, C2E_EDATA,
			                   "a SOQL value contains control "
			                   "character 0x%02x",
			                   (unsigned int)*p);
	c2e_buf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '\\':
			c2e_buf_adds(out, "\\\\");
			break;
		case '\'':
			c2e_buf_adds(out, "\\'");
			break;
		case '"':
			c2e_buf_adds(out, "\\\"");
			break;
		case '\n':
			c2e_buf_adds(out, "\\n");
			break;
		case '\r':
			c2e_buf_adds(out, "\\r");
			break;
		case '\t':
			c2e_buf_adds(out, "\\t");
			break;
		default:
			c2e_buf_addc(out, *p);
		}
	}
	c2e_buf_addc(out, '\'');
	if (c2e_buf_failed(out))
		return c2e_buf_err(out, "SOQL query", err);
	return C2E_OK;
}

/* The member `key` of an object, writable. */
static struct c2e_json *member(struct c2e_json *obj, const char *key)
{
	struct c2e_json *found = NULL;

	if (!obj || obj->type != C2E_JSON_OBJECT)
		return NULL;
	for (struct c2e_json *m = obj->child; m; m = m->next)
		if (m->key && strcmp(m->key, key) == 0)
			found = m; /* the last duplicate wins, as c2e_json_get */
	return found;
}

int c2e_rest_query_page(const char *host, struct c2e_json *page,
                        struct c2e_json *records, char **next_out,
                        struct c2e_err *err)
{
	struct c2e_json *recs = member(page, "records");
	const struct c2e_json *done = c2e_json_get(page, "done");
	const char *next = c2e_json_get_str(page, "nextRecordsUrl");
	struct c2e_json **tail;
	char *next_copy = NULL;

	if (!recs || recs->type != C2E_JSON_ARRAY)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the query answer from '%s' has no records "
		                   "array",
		                   host);
	if (records->type != C2E_JSON_ARRAY)
		return c2e_err_set(err, C2E_ERROR,
		                   "query records must go to an array");
	if (done && done->type != C2E_JSON_TRUE && done->type != C2E_JSON_FALSE)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the query answer from '%s' has a 'done' "
		                   "that is not true or false",
		                   host);
	if (done && done->type == C2E_JSON_TRUE)
		next = NULL;
	if (done && done->type == C2E_JSON_FALSE && !next)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the query answer from '%s' is not done and "
		                   "has no nextRecordsUrl",
		                   host);
	if (next) {
		if (next[0] != '/' || next[1] == '/' ||
		    !c2e_str_starts(next, "/services/data/") ||
		    strpbrk(next, " \t\r\n\\"))
			return c2e_err_set(err, C2E_EREMOTE,
			                   "the query answer from '%s' has a "
			                   "nextRecordsUrl that is not a "
			                   "/services/data/ path",
			                   host);
		next_copy = c2e_strdup(next);
		if (!next_copy)
			return c2e_err_oom(err);
	}
	tail = &records->child;
	while (*tail)
		tail = &(*tail)->next;
	*tail = recs->child;
	recs->child = NULL;
	*next_out = next_copy;
	return C2E_OK;
}

int c2e_rest_query(struct c2e_org *org, const char *soql, bool tooling,
                   struct c2e_json **records_out, struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_json *records = NULL, *page = NULL;
	char *next = NULL;
	int rc;

	records = calloc(1, sizeof(*records));
	if (!records)
		return c2e_err_oom(err);
	records->type = C2E_JSON_ARRAY;
	c2e_buf_addf(&path,
	             "/services/data/v%s/%squery?q=", c2e_org_api_version(org),
	             tooling ? "tooling/" : "");
	if (c2e_buf_failed(&path)) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = c2e_url_escape(soql, &path, err);
	if (rc != C2E_OK)
		goto done;
	for (int pages = 0;; pages++) {
		if (pages >= QUERY_MAX_PAGES) {
			rc = c2e_err_set(
			        err, C2E_EREMOTE,
			        "the query to '%s' did not end after %d "
			        "pages",
			        host_of(c2e_org_session(org)->instance_url),
			        pages);
			goto done;
		}
		rc = c2e_rest_get(org, tooling ? "tooling query" : "query",
		                  next ? next : path.buf, &page, err);
		if (rc != C2E_OK)
			goto done;
		free(next);
		next = NULL;
		rc = c2e_rest_query_page(
		        host_of(c2e_org_session(org)->instance_url), page,
		        records, &next, err);
		c2e_json_free(page);
		page = NULL;
		if (rc != C2E_OK)
			goto done;
		if (!next)
			break;
	}
	*records_out = records;
	records = NULL;
done:
	free(next);
	c2e_json_free(page);
	c2e_json_free(records);
	c2e_buf_release(&path);
	return rc;
}

/* --- /limits --- */

static int get_long(const struct c2e_json *obj, const char *key, long *out)
{
	const struct c2e_json *v = c2e_json_get(obj, key);

	if (!v || v->type != C2E_JSON_NUMBER || !(v->num >= 0) ||
	    v->num > 9.0e15 || (double)(long long)v->num != v->num)
		return -1;
	*out = (long)v->num;
	return 0;
}

int c2e_rest_limits(struct c2e_org *org, long *remaining_out, long *max_out,
                    struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_json *j = NULL;
	const struct c2e_json *d;
	long rem = 0, max = 0;
	int rc;

	c2e_buf_addf(&path, "/services/data/v%s/limits",
	             c2e_org_api_version(org));
	if (c2e_buf_failed(&path))
		return c2e_err_oom(err);
	rc = c2e_rest_get(org, "limits", path.buf, &j, err);
	if (rc != C2E_OK)
		goto done;
	d = c2e_json_get(j, "DailyApiRequests");
	if (get_long(d, "Remaining", &rem) < 0 ||
	    get_long(d, "Max", &max) < 0) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the /limits answer from '%s' has no "
		                 "DailyApiRequests Remaining and Max",
		                 host_of(c2e_org_session(org)->instance_url));
		goto done;
	}
	*remaining_out = rem;
	*max_out = max;
done:
	c2e_json_free(j);
	c2e_buf_release(&path);
	return rc;
}

/* --- Connect REST: OAuth credentials of an ECA --- */

void c2e_oauth_consumers_free(struct c2e_oauth_consumer *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].key);
		free(v[i].name);
	}
	free(v);
}

/* A copy of a string member, NULL when absent; -1 when out of memory. */
static int dup_member(const struct c2e_json *obj, const char *key, char **out)
{
	const char *s = c2e_json_get_str(obj, key);

	*out = NULL;
	if (!s)
		return 0;
	*out = c2e_strdup(s);
	return *out ? 0 : -1;
}

int c2e_rest_eca_consumers(struct c2e_org *org, const char *eca_id,
                           struct c2e_oauth_consumer **out, size_t *n_out,
                           struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_oauth_consumer *v = NULL;
	const char *host;
	struct c2e_json *j = NULL;
	const struct c2e_json *arr;
	size_t n = 0;
	int rc;

	rc = check_id("External Client App id", eca_id, err);
	if (rc != C2E_OK)
		return rc;
	c2e_buf_addf(&path, "/services/data/v%s/apps/oauth/credentials/%s",
	             c2e_org_api_version(org), eca_id);
	if (c2e_buf_failed(&path))
		return c2e_err_oom(err);
	rc = c2e_rest_get(org, "OAuth credentials", path.buf, &j, err);
	if (rc != C2E_OK)
		goto done;
	host = host_of(c2e_org_session(org)->instance_url);
	arr = c2e_json_get(j, "consumers");
	if (!arr || arr->type != C2E_JSON_ARRAY) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the OAuth credentials answer from '%s' for "
		                 "'%s' has no consumers array",
		                 host, eca_id);
		goto done;
	}
	v = calloc(c2e_json_len(arr) ? c2e_json_len(arr) : 1, sizeof(*v));
	if (!v) {
		rc = c2e_err_oom(err);
		goto done;
	}
	for (const struct c2e_json *c = arr->child; c; c = c->next) {
		struct c2e_oauth_consumer *k = &v[n++];

		if (c->type != C2E_JSON_OBJECT || !c2e_json_get_str(c, "id")) {
			rc = c2e_err_set(
			        err, C2E_EREMOTE,
			        "the OAuth credentials answer from '%s' "
			        "for '%s' has a consumer without an id",
			        host, eca_id);
			goto done;
		}
		if (dup_member(c, "id", &k->id) < 0 ||
		    dup_member(c, "key", &k->key) < 0 ||
		    dup_member(c, "name", &k->name) < 0) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	*out = v;
	*n_out = n;
	v = NULL;
done:
	c2e_oauth_consumers_free(v, n);
	c2e_json_free(j);
	c2e_buf_release(&path);
	return rc;
}

int c2e_rest_eca_consumer_key(struct c2e_org *org, const char *eca_id,
                              const char *consumer_id, char **key_out,
                              struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_json *j = NULL;
	const char *key;
	char *copy;
	int rc;

	rc = check_id("External Client App id", eca_id, err);
	if (rc == C2E_OK)
		rc = check_id("OAuth consumer id", consumer_id, err);
	if (rc != C2E_OK)
		return rc;
	c2e_buf_addf(&path,
	             "/services/data/v%s/apps/oauth/credentials/%s/%s"
	             "?part=key",
	             c2e_org_api_version(org), eca_id, consumer_id);
	if (c2e_buf_failed(&path))
		return c2e_err_oom(err);
	rc = c2e_rest_get(org, "OAuth consumer key", path.buf, &j, err);
	if (rc != C2E_OK)
		goto done;
	key = c2e_json_get_str(j, "key");
	if (!key || !*key) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' for the OAuth consumer "
		                 "'%s' has no key",
		                 host_of(c2e_org_session(org)->instance_url),
		                 consumer_id);
		goto done;
	}
	copy = c2e_strdup(key);
	if (!copy) {
		rc = c2e_err_oom(err);
		goto done;
	}
	*key_out = copy;
done:
	c2e_json_free(j);
	c2e_buf_release(&path);
	return rc;
}
