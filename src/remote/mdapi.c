/*
 * mdapi.c - the Metadata SOAP API calls of mdapi.h on top of org.h and
 * soap.h: requests are split to the documented limits, reads may be
 * repeated, writes are never repeated once they may have reached the org.
 */
#include "remote/mdapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/soap.h"
#include "util/str.h"

#include "util/compat.h"

#define SOAP_CONTENT_TYPE "text/xml; charset=UTF-8"
#define SOAP_ACTION       "\"\""

enum req_kind { REQ_LIST, REQ_READ, REQ_SAVE, REQ_DELETE };

/* One Metadata API call: what the build and classify callbacks need. */
struct mdapi_req {
	struct c2e_org *org;
	enum req_kind kind;
	const char *op;
	const char *host;
	const char *type;
	const char *const *names; /* list: the types; read/delete: names */
	size_t n;
	struct c2e_md_doc *const *docs; /* save */
	enum c2e_soap_save_op save_op;
	struct c2e_xml_node *tree; /* the answer, parsed by the classifier */
};

static const char *host_of(const char *url)
{
	const char *p;

	if (!url)
		return "(no instance URL)";
	p = strstr(url, "://");
	return p ? p + 3 : url;
}

static int req_build(void *ctx, const char *token, struct c2e_buf *body,
                     struct c2e_err *err)
{
	const struct mdapi_req *r = ctx;

	switch (r->kind) {
	case REQ_LIST:
		return c2e_soap_list_body(token, r->names, r->n, body, err);
	case REQ_READ:
		return c2e_soap_read_body(token, r->type, r->names, r->n, body,
		                          err);
	case REQ_SAVE:
		return c2e_soap_save_body(token, r->save_op, r->docs, r->n,
		                          body, err);
	case REQ_DELETE:
		return c2e_soap_delete_body(token, r->type, r->names, r->n,
		                            body, err);
	}
	return c2e_err_set(err, C2E_ERROR, "'%s': unknown request kind", r->op);
}

static enum c2e_verdict req_classify(void *ctx,
                                     const struct c2e_http_response *resp,
                                     struct c2e_err *err)
{
	struct mdapi_req *r = ctx;

	/* an earlier attempt's answer */
	c2e_xml_free(r->tree);
	r->tree = NULL;
	/* the session (and its URL) may be new since the call began */
	return c2e_soap_classify_keep(
	        host_of(c2e_org_session(r->org)->instance_url), r->op, resp,
	        &r->tree, err);
}

/* Runs one call; on C2E_OK `resp` holds the answer to parse. */
static int run(struct c2e_org *org, struct mdapi_req *r,
               struct c2e_http_response *resp, bool *outcome_unknown,
               struct c2e_err *err)
{
	struct c2e_buf path = C2E_BUF_INIT;
	struct c2e_org_call call;
	int rc;

	r->org = org;
	c2e_buf_addf(&path, "/services/Soap/m/%s", c2e_org_api_version(org));
	if (c2e_buf_failed(&path))
		return c2e_err_oom(err);
	memset(&call, 0, sizeof(call));
	call.op = r->op;
	call.method = "POST";
	call.path = path.buf;
	call.content_type = SOAP_CONTENT_TYPE;
	call.soap_action = SOAP_ACTION;
	call.bearer = false;
	call.idempotent = r->kind == REQ_LIST || r->kind == REQ_READ;
	call.build = req_build;
	call.classify = req_classify;
	call.ctx = r;
	rc = c2e_org_call(org, &call, resp, outcome_unknown, err);
	/* a new login may have moved the org: name the host it answered */
	r->host = host_of(c2e_org_session(org)->instance_url);
	c2e_buf_release(&path);
	if (rc == C2E_OK && !r->tree)
		rc = c2e_err_set(err, C2E_ERROR, "'%s': no parsed answer",
		                 r->op);
	if (rc != C2E_OK) {
		c2e_xml_free(r->tree);
		r->tree = NULL;
	}
	return rc;
}

int c2e_mdapi_list(struct c2e_org *org, const char *const *types,
                   size_t n_types, struct c2e_file_props_list *out,
                   struct c2e_err *err)
{
	struct c2e_file_props_list got = { NULL, 0 };
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	int rc = C2E_OK;

	for (size_t at = 0; at < n_types; at += C2E_MDAPI_MAX_LIST_QUERIES) {
		struct mdapi_req r;

		memset(&r, 0, sizeof(r));
		r.kind = REQ_LIST;
		r.op = "listMetadata";
		r.names = types + at;
		r.n = n_types - at < C2E_MDAPI_MAX_LIST_QUERIES ?
		              n_types - at :
		              C2E_MDAPI_MAX_LIST_QUERIES;
		rc = run(org, &r, &resp, NULL, err);
		if (rc == C2E_OK)
			rc = c2e_soap_parse_list_tree(r.host, r.tree, &got,
			                              err);
		c2e_http_response_release(&resp);
		if (rc != C2E_OK)
			goto done;
	}
	rc = c2e_file_props_list_move(out, &got, err);
done:
	c2e_file_props_list_release(&got);
	return rc;
}

int c2e_mdapi_read(struct c2e_org *org, const char *type,
                   const char *const *names, size_t n,
                   struct c2e_md_doc **docs_out, struct c2e_err *err)
{
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_md_doc **docs = NULL;
	int rc = C2E_OK;

	if (n == 0)
		return C2E_OK;
	docs = calloc(n, sizeof(*docs));
	if (!docs)
		return c2e_err_oom(err);
	for (size_t at = 0; at < n; at += C2E_MDAPI_MAX_PER_CALL) {
		struct mdapi_req r;

		memset(&r, 0, sizeof(r));
		r.kind = REQ_READ;
		r.op = "readMetadata";
		r.type = type;
		r.names = names + at;
		r.n = n - at < C2E_MDAPI_MAX_PER_CALL ? n - at :
		                                        C2E_MDAPI_MAX_PER_CALL;
		rc = run(org, &r, &resp, NULL, err);
		if (rc == C2E_OK)
			rc = c2e_soap_parse_read_tree(r.host, type, r.names,
			                              r.n, r.tree, docs + at,
			                              err);
		c2e_http_response_release(&resp);
		if (rc != C2E_OK)
			goto done;
	}
	memcpy(docs_out, docs, n * sizeof(*docs));
	memset(docs, 0, n * sizeof(*docs));
done:
	for (size_t i = 0; i < n; i++)
		c2e_md_doc_free(docs[i]);
	free(docs);
	return rc;
}

/*
 * Runs the write calls, 10 components per call, and fills `results`.
 * When a later call fails after earlier ones were answered, the earlier
 * changes are in the org but their results are released with the rest:
 * *outcome_unknown is set so that the caller reads the org first.
 */
static int write_all(struct c2e_org *org, struct mdapi_req *proto,
                     const char *const *names, size_t n,
                     struct c2e_save_result *results, bool *outcome_unknown,
                     struct c2e_err *err)
{
	struct c2e_http_response resp = C2E_HTTP_RESPONSE_INIT;
	struct c2e_save_result *got = NULL;
	bool unknown = false;
	size_t done_n = 0;
	int rc = C2E_OK;

	if (outcome_unknown)
		*outcome_unknown = false;
	if (n == 0)
		return C2E_OK;
	got = calloc(n, sizeof(*got));
	if (!got)
		return c2e_err_oom(err);
	for (size_t at = 0; at < n; at += C2E_MDAPI_MAX_PER_CALL) {
		struct mdapi_req r = *proto;

		r.names = proto->names ? proto->names + at : NULL;
		r.docs = proto->docs ? proto->docs + at : NULL;
		r.n = n - at < C2E_MDAPI_MAX_PER_CALL ? n - at :
		                                        C2E_MDAPI_MAX_PER_CALL;
		rc = run(org, &r, &resp, &unknown, err);
		if (rc == C2E_OK) {
			rc = c2e_soap_parse_save_tree(r.host, r.op, names + at,
			                              r.n, r.tree, got + at,
			                              err);
			/* applied, but the answer cannot be read */
			if (rc != C2E_OK)
				unknown = true;
		}
		c2e_http_response_release(&resp);
		if (rc != C2E_OK)
			goto done;
		done_n = at + r.n;
	}
	memcpy(results, got, n * sizeof(*got));
	memset(got, 0, n * sizeof(*got));
done:
	if (rc != C2E_OK && outcome_unknown && (unknown || done_n > 0))
		*outcome_unknown = true;
	c2e_save_results_release(got, n);
	free(got);
	return rc;
}

/* Checks that the docs share one type and have full names. */
static int check_docs(const char *op, struct c2e_md_doc *const *docs, size_t n,
                      const char ***names_out, struct c2e_err *err)
{
	const char **names;

	if (n == 0) {
		*names_out = NULL;
		return C2E_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (!docs[i] || !docs[i]->root || !docs[i]->full_name)
			return c2e_err_set(err, C2E_ERROR,
			                   "'%s': component %zu has no full "
			                   "name",
			                   op, i);
		if (strcmp(docs[i]->root->name, docs[0]->root->name) != 0)
			return c2e_err_set(err, C2E_ERROR,
			                   "'%s' takes one type per call, not "
			                   "%s and %s",
			                   op, docs[0]->root->name,
			                   docs[i]->root->name);
	}
	names = calloc(n, sizeof(*names));
	if (!names)
		return c2e_err_oom(err);
	for (size_t i = 0; i < n; i++)
		names[i] = docs[i]->full_name;
	*names_out = names;
	return C2E_OK;
}

static int save(struct c2e_org *org, enum c2e_soap_save_op op,
                struct c2e_md_doc *const *docs, size_t n,
                struct c2e_save_result *results, bool *outcome_unknown,
                struct c2e_err *err)
{
	struct mdapi_req r;
	const char **names = NULL;
	int rc;

	if (outcome_unknown)
		*outcome_unknown = false;
	rc = check_docs(c2e_soap_save_op_name(op), docs, n, &names, err);
	if (rc != C2E_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	r.kind = REQ_SAVE;
	r.op = c2e_soap_save_op_name(op);
	r.save_op = op;
	r.docs = docs;
	r.type = n ? docs[0]->root->name : NULL;
	rc = write_all(org, &r, names, n, results, outcome_unknown, err);
	free(names);
	return rc;
}

int c2e_mdapi_create(struct c2e_org *org, struct c2e_md_doc *const *docs,
                     size_t n, struct c2e_save_result *results,
                     bool *outcome_unknown, struct c2e_err *err)
{
	return save(org, C2E_SOAP_CREATE, docs, n, results, outcome_unknown,
	            err);
}

int c2e_mdapi_update(struct c2e_org *org, struct c2e_md_doc *const *docs,
                     size_t n, struct c2e_save_result *results,
                     bool *outcome_unknown, struct c2e_err *err)
{
	return save(org, C2E_SOAP_UPDATE, docs, n, results, outcome_unknown,
	            err);
}

int c2e_mdapi_upsert(struct c2e_org *org, struct c2e_md_doc *const *docs,
                     size_t n, struct c2e_save_result *results,
                     bool *outcome_unknown, struct c2e_err *err)
{
	return save(org, C2E_SOAP_UPSERT, docs, n, results, outcome_unknown,
	            err);
}

int c2e_mdapi_delete(struct c2e_org *org, const char *type,
                     const char *const *names, size_t n,
                     struct c2e_save_result *results, bool *outcome_unknown,
                     struct c2e_err *err)
{
	struct mdapi_req r;

	memset(&r, 0, sizeof(r));
	r.kind = REQ_DELETE;
	r.op = "deleteMetadata";
	r.type = type;
	r.names = names;
	return write_all(org, &r, names, n, results, outcome_unknown, err);
}
