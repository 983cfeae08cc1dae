/*
 * soap.c - Metadata API envelopes and answers (see soap.h).
 *
 * c2e_file_props_list_release and c2e_save_results_release (mdapi.h) live
 * here too, next to the parsers that fill those structs, so that the
 * parsers can be linked and tested without the network code.
 */
#include "remote/soap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xml.h"

#include "util/compat.h"

#define CLIENT_NAME "ca2eca"

const char *c2e_soap_save_op_name(enum c2e_soap_save_op op)
{
	switch (op) {
	case C2E_SOAP_CREATE:
		return "createMetadata";
	case C2E_SOAP_UPDATE:
		return "updateMetadata";
	case C2E_SOAP_UPSERT:
		return "upsertMetadata";
	}
	return "createMetadata";
}

/* --- building --- */

/*
 * Opens Envelope, writes the Header and opens Body and the operation
 * element `op`.  The caller writes the operation's children, then calls
 * env_finish().
 */
static int env_begin(struct c2e_xml_writer *w, const char *session_id,
                     bool all_or_none, const char *op, struct c2e_err *err)
{
	int rc;

	if (!session_id)
		return c2e_err_set(err, C2E_ERROR,
		                   "cannot build the '%s' request: no session",
		                   op);
	rc = c2e_xmlw_start(w, "soapenv", "Envelope", C2E_NS_SOAPENV, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_attr(w, "xmlns", "xsi", NULL, C2E_NS_XSI, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_start(w, "soapenv", "Header", NULL, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_attr(w, NULL, "xmlns", NULL, C2E_NS_METADATA,
		                   err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_start(w, NULL, "SessionHeader", NULL, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_element(w, NULL, "sessionId", session_id, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_end(w, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_start(w, NULL, "CallOptions", NULL, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_element(w, NULL, "client", CLIENT_NAME, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_end(w, err);
	if (rc == C2E_OK && all_or_none) {
		rc = c2e_xmlw_start(w, NULL, "AllOrNoneHeader", NULL, err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_element(w, NULL, "allOrNone", "true",
			                      err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_end(w, err);
	}
	if (rc == C2E_OK)
		rc = c2e_xmlw_end(w, err); /* Header */
	if (rc == C2E_OK)
		rc = c2e_xmlw_start(w, "soapenv", "Body", NULL, err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_attr(w, NULL, "xmlns", NULL, C2E_NS_METADATA,
		                   err);
	if (rc == C2E_OK)
		rc = c2e_xmlw_start(w, NULL, op, NULL, err);
	return rc;
}

/* Closes everything, appends to `out` and frees `w` (also on failure). */
static int env_finish(struct c2e_xml_writer *w, int rc, struct c2e_buf *out,
                      struct c2e_err *err)
{
	if (rc != C2E_OK) {
		c2e_xmlw_free(w);
		return rc;
	}
	return c2e_xmlw_finish(w, out, err);
}

/* <type>T</type><fullNames>N</fullNames>... */
static int write_names(struct c2e_xml_writer *w, const char *type,
                       const char *const *names, size_t n, struct c2e_err *err)
{
	int rc = c2e_xmlw_element(w, NULL, "type", type, err);

	for (size_t i = 0; rc == C2E_OK && i < n; i++)
		rc = c2e_xmlw_element(w, NULL, "fullNames", names[i], err);
	return rc;
}

int c2e_soap_list_body(const char *session_id, const char *const *types,
                       size_t n, struct c2e_buf *out, struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	int rc;

	rc = c2e_xmlw_new(&w, false, err);
	if (rc != C2E_OK)
		return rc;
	rc = env_begin(w, session_id, false, "listMetadata", err);
	for (size_t i = 0; rc == C2E_OK && i < n; i++) {
		rc = c2e_xmlw_start(w, NULL, "queries", NULL, err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_element(w, NULL, "type", types[i], err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_end(w, err);
	}
	return env_finish(w, rc, out, err);
}

int c2e_soap_read_body(const char *session_id, const char *type,
                       const char *const *names, size_t n, struct c2e_buf *out,
                       struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	int rc;

	rc = c2e_xmlw_new(&w, false, err);
	if (rc != C2E_OK)
		return rc;
	rc = env_begin(w, session_id, false, "readMetadata", err);
	if (rc == C2E_OK)
		rc = write_names(w, type, names, n, err);
	return env_finish(w, rc, out, err);
}

int c2e_soap_save_body(const char *session_id, enum c2e_soap_save_op op,
                       struct c2e_md_doc *const *docs, size_t n,
                       struct c2e_buf *out, struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	int rc;

	rc = c2e_xmlw_new(&w, false, err);
	if (rc != C2E_OK)
		return rc;
	rc = env_begin(w, session_id, true, c2e_soap_save_op_name(op), err);
	for (size_t i = 0; rc == C2E_OK && i < n; i++) {
		rc = c2e_xmlw_start(w, NULL, "metadata", NULL, err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_attr(w, "xsi", "type", NULL,
			                   docs[i]->root->name, err);
		if (rc == C2E_OK)
			rc = c2e_md_write_fields(docs[i], w, true, err);
		if (rc == C2E_OK)
			rc = c2e_xmlw_end(w, err);
	}
	return env_finish(w, rc, out, err);
}

int c2e_soap_delete_body(const char *session_id, const char *type,
                         const char *const *names, size_t n,
                         struct c2e_buf *out, struct c2e_err *err)
{
	struct c2e_xml_writer *w = NULL;
	int rc;

	rc = c2e_xmlw_new(&w, false, err);
	if (rc != C2E_OK)
		return rc;
	rc = env_begin(w, session_id, true, "deleteMetadata", err);
	if (rc == C2E_OK)
		rc = write_names(w, type, names, n, err);
	return env_finish(w, rc, out, err);
}

/* --- reading --- */

static bool is_elem(const struct c2e_xml_node *x, const char *ns,
                    const char *name)
{
	return strcmp(x->name, name) == 0 && c2e_str_eq(x->ns, ns);
}

/* A child in the metadata namespace. */
static struct c2e_xml_node *md_child(const struct c2e_xml_node *x,
                                     const char *name)
{
	return c2e_xml_child(x, C2E_NS_METADATA, name);
}

/*
 * A child of a SOAP 1.1 Fault: faultcode, faultstring and detail are
 * unqualified, but some servers qualify them with the envelope namespace.
 */
static struct c2e_xml_node *fault_child(const struct c2e_xml_node *x,
                                        const char *name)
{
	for (struct c2e_xml_node *c = x->children; c; c = c->next)
		if (strcmp(c->name, name) == 0 &&
		    (!c->ns || strcmp(c->ns, C2E_NS_SOAPENV) == 0))
			return c;
	return NULL;
}

/* Copies the trimmed text of `x` (may be NULL) into `dst`. */
static void copy_text(char *dst, size_t size, const struct c2e_xml_node *x)
{
	const char *s;
	size_t n;

	dst[0] = '\0';
	if (!x)
		return;
	c2e_str_trim(x->text, &s, &n);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/* The trimmed text of `x` as a new string; *out is NULL when x is. */
static int dup_text(const struct c2e_xml_node *x, char **out,
                    struct c2e_err *err)
{
	const char *s;
	size_t n;

	*out = NULL;
	if (!x)
		return C2E_OK;
	c2e_str_trim(x->text, &s, &n);
	*out = c2e_strndup(s, n);
	return *out ? C2E_OK : c2e_err_oom(err);
}

/* The part after the last ':' ("sf:INVALID_SESSION_ID"). */
static const char *local_part(const char *qname)
{
	const char *colon = strrchr(qname, ':');

	return colon ? colon + 1 : qname;
}

/* SOAP 1.1's own fault codes, which say nothing about the cause. */
static bool generic_code(const char *code)
{
	return !*code || strcmp(code, "Client") == 0 ||
	       strcmp(code, "Server") == 0 ||
	       strcmp(code, "VersionMismatch") == 0 ||
	       strcmp(code, "MustUnderstand") == 0;
}

static void fault_from(const struct c2e_xml_node *fault,
                       struct c2e_soap_fault *out)
{
	const struct c2e_xml_node *detail = fault_child(fault, "detail");
	char exc_code[sizeof(out->code)] = "";
	char raw[sizeof(out->code) + 32];
	size_t clen;

	copy_text(raw, sizeof(raw), fault_child(fault, "faultcode"));
	if (snprintf(out->code, sizeof(out->code), "%s", local_part(raw)) < 0)
		out->code[0] = '\0';
	copy_text(out->string, sizeof(out->string),
	          fault_child(fault, "faultstring"));
	/* detail: any child that carries exceptionCode / exceptionMessage */
	for (const struct c2e_xml_node *d = detail ? detail->children : NULL;
	     d && !exc_code[0] && !out->detail[0]; d = d->next) {
		copy_text(exc_code, sizeof(exc_code),
		          c2e_xml_child(d, NULL, "exceptionCode"));
		copy_text(out->detail, sizeof(out->detail),
		          c2e_xml_child(d, NULL, "exceptionMessage"));
	}
	if (generic_code(out->code) && exc_code[0])
		memcpy(out->code, exc_code, sizeof(out->code));
	/* "CODE: text" says the code twice in messages: keep the text */
	clen = strlen(out->code);
	if (clen && strncmp(out->string, out->code, clen) == 0 &&
	    out->string[clen] == ':') {
		const char *rest = out->string + clen + 1;

		while (*rest == ' ')
			rest++;
		memmove(out->string, rest, strlen(rest) + 1);
	}
}

/* What a fault says, for messages. */
static const char *fault_text(const struct c2e_soap_fault *f)
{
	if (f->string[0])
		return f->string;
	return f->detail[0] ? f->detail : "no fault string";
}

/* The Fault element of a parsed envelope, or NULL. */
static const struct c2e_xml_node *fault_elem(const struct c2e_xml_node *root)
{
	const struct c2e_xml_node *body;

	if (!is_elem(root, C2E_NS_SOAPENV, "Envelope"))
		return NULL;
	body = c2e_xml_child(root, C2E_NS_SOAPENV, "Body");
	return body ? c2e_xml_child(body, C2E_NS_SOAPENV, "Fault") : NULL;
}

int c2e_soap_fault_of(const char *data, size_t len, struct c2e_soap_fault *out,
                      struct c2e_err *err)
{
	struct c2e_err local = C2E_ERR_INIT;
	struct c2e_xml_node *root = NULL;
	const struct c2e_xml_node *f;
	int rc;

	rc = c2e_xml_parse(data, len, "SOAP answer", &root, &local);
	if (rc == C2E_ENOMEM)
		return c2e_err_oom(err);
	if (rc != C2E_OK)
		return 0;
	f = fault_elem(root);
	if (f) {
		memset(out, 0, sizeof(*out));
		fault_from(f, out);
	}
	c2e_xml_free(root);
	return f ? 1 : 0;
}

/*
 * Parses an answer (unless `given` is its tree, which it then owns) and
 * finds Envelope/Body/<op>Response.  A fault, bad XML or a missing
 * element is C2E_EREMOTE.  *root_out owns the tree.
 */
static int soap_open(const char *host, const char *op, const char *data,
                     size_t len, struct c2e_xml_node *given,
                     struct c2e_xml_node **root_out,
                     const struct c2e_xml_node **resp_out, struct c2e_err *err)
{
	struct c2e_err local = C2E_ERR_INIT;
	struct c2e_xml_node *root = given;
	const struct c2e_xml_node *body, *f, *r;
	char want[96];
	const char *why;
	int rc = C2E_OK;

	if (!root)
		rc = c2e_xml_parse(data, len, "answer", &root, &local);
	if (rc == C2E_ENOMEM)
		return c2e_err_oom(err);
	if (rc != C2E_OK) {
		why = strstr(local.msg, "XML: ");
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the Metadata API answer from '%s' to '%s' "
		                   "is not valid XML: %s",
		                   host, op, why ? why + 5 : local.msg);
	}
	if (!is_elem(root, C2E_NS_SOAPENV, "Envelope")) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to '%s' is not a SOAP "
		                 "envelope (the root element is '%s'); check "
		                 "the instance URL",
		                 host, op, root->name);
		goto done;
	}
	body = c2e_xml_child(root, C2E_NS_SOAPENV, "Body");
	if (!body) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to '%s' has no SOAP "
		                 "Body",
		                 host, op);
		goto done;
	}
	f = c2e_xml_child(body, C2E_NS_SOAPENV, "Fault");
	if (f) {
		struct c2e_soap_fault sf;

		memset(&sf, 0, sizeof(sf));
		fault_from(f, &sf);
		rc = c2e_err_set(err, C2E_EREMOTE, "%s to '%s' failed: %s: %s",
		                 op, host, sf.code[0] ? sf.code : "fault",
		                 fault_text(&sf));
		goto done;
	}
	rc = snprintf(want, sizeof(want), "%sResponse", op);
	if (rc < 0 || (size_t)rc >= sizeof(want)) {
		rc = c2e_err_set(err, C2E_ERROR,
		                 "operation name '%s' is too long", op);
		goto done;
	}
	rc = C2E_OK;
	r = md_child(body, want);
	if (!r) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to '%s' has no '%s' "
		                 "element in the metadata namespace",
		                 host, op, want);
		goto done;
	}
	*resp_out = r;
	*root_out = root;
	root = NULL;
done:
	c2e_xml_free(root);
	return rc;
}

static bool has(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

enum c2e_verdict c2e_soap_classify(const char *host, const char *op,
                                   const struct c2e_http_response *resp,
                                   struct c2e_err *err)
{
	return c2e_soap_classify_keep(host, op, resp, NULL, err);
}

enum c2e_verdict c2e_soap_classify_keep(const char *host, const char *op,
                                        const struct c2e_http_response *resp,
                                        struct c2e_xml_node **tree_out,
                                        struct c2e_err *err)
{
	struct c2e_err local = C2E_ERR_INIT;
	struct c2e_soap_fault f;
	struct c2e_xml_node *root = NULL, *kept = NULL;
	const struct c2e_xml_node *r, *fe = NULL;
	long st = resp->status;
	enum c2e_verdict v;
	int rc;

	if (tree_out)
		*tree_out = NULL;
	memset(&f, 0, sizeof(f));
	/* parsed once: for a fault, for the answer, and for the caller */
	rc = c2e_xml_parse(resp->body.buf, resp->body.len, "SOAP answer", &root,
	                   &local);
	if (rc == C2E_ENOMEM) {
		c2e_err_oom(err);
		return C2E_VERDICT_FAIL;
	}
	if (rc == C2E_OK)
		fe = fault_elem(root);
	if (fe) {
		fault_from(fe, &f);
		c2e_xml_free(root);
		if (strcmp(f.code, "INVALID_SESSION_ID") == 0) {
			c2e_err_set(err, C2E_EAUTH,
			            "'%s' refused the session for '%s': "
			            "INVALID_SESSION_ID: %s",
			            host, op, fault_text(&f));
			return C2E_VERDICT_REAUTH;
		}
		if (strcmp(f.code, "REQUEST_LIMIT_EXCEEDED") == 0) {
			c2e_err_set(
			        err, C2E_ELIMIT,
			        "'%s' refused '%s': REQUEST_LIMIT_EXCEEDED: "
			        "%s",
			        host, op, fault_text(&f));
			return has(f.string, "TotalRequests") ||
			                       has(f.detail, "TotalRequests") ?
			               C2E_VERDICT_LIMIT_TOTAL :
			               C2E_VERDICT_LIMIT_CONCURRENT;
		}
		c2e_err_set(err, C2E_EREMOTE, "%s to '%s' failed: %s: %s", op,
		            host, f.code[0] ? f.code : "fault", fault_text(&f));
		/*
		 * Salesforce's own "try again" faults: an internal error or an
		 * unavailable server says nothing about the request itself.
		 */
		if (strcmp(f.code, "UNKNOWN_EXCEPTION") == 0 ||
		    strcmp(f.code, "SERVER_UNAVAILABLE") == 0)
			return C2E_VERDICT_RETRY;
		return C2E_VERDICT_FAIL;
	}
	if (st == 401) {
		c2e_err_set(err, C2E_EAUTH,
		            "'%s' answered '%s' with HTTP 401 (session not "
		            "accepted)",
		            host, op);
		v = C2E_VERDICT_REAUTH;
	} else if (st == 429 || st >= 500) {
		c2e_err_set(err, C2E_EREMOTE,
		            "'%s' answered '%s' with HTTP %ld", host, op, st);
		v = C2E_VERDICT_RETRY;
	} else if (st < 200 || st > 299) {
		c2e_err_set(err, C2E_EREMOTE,
		            "'%s' answered '%s' with HTTP %ld and no SOAP "
		            "fault; check the instance URL and the API version",
		            host, op, st);
		v = C2E_VERDICT_FAIL;
	} else {
		/* soap_open takes the tree (or parses again to say why not) */
		rc = soap_open(host, op, resp->body.buf, resp->body.len, root,
		               &kept, &r, err);
		root = NULL;
		v = rc == C2E_OK ? C2E_VERDICT_OK : C2E_VERDICT_FAIL;
		if (v == C2E_VERDICT_OK && tree_out) {
			*tree_out = kept;
			kept = NULL;
		}
	}
	c2e_xml_free(root);
	c2e_xml_free(kept);
	return v;
}

/* --- listMetadata --- */

static void file_props_release(struct c2e_file_props *p)
{
	free(p->type);
	free(p->full_name);
	free(p->file_name);
	free(p->id);
	free(p->namespace_prefix);
	free(p->manageable_state);
	free(p->last_modified_date);
	memset(p, 0, sizeof(*p));
}

void c2e_file_props_list_release(struct c2e_file_props_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		file_props_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int c2e_file_props_list_move(struct c2e_file_props_list *out,
                             struct c2e_file_props_list *from,
                             struct c2e_err *err)
{
	struct c2e_file_props *v;

	if (from->n == 0)
		return C2E_OK;
	if (out->n > ((size_t)-1) / sizeof(*v) - from->n)
		return c2e_err_oom(err);
	v = realloc(out->v, (out->n + from->n) * sizeof(*v));
	if (!v)
		return c2e_err_oom(err);
	memcpy(v + out->n, from->v, from->n * sizeof(*v));
	out->v = v;
	out->n += from->n;
	free(from->v);
	from->v = NULL;
	from->n = 0;
	return C2E_OK;
}

/* A field that may be missing: "" becomes NULL too. */
static int dup_optional(const struct c2e_xml_node *x, const char *name,
                        char **out, struct c2e_err *err)
{
	int rc = dup_text(md_child(x, name), out, err);

	if (rc == C2E_OK && *out && !**out) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* A field that is always there in practice: missing becomes "". */
static int dup_always(const struct c2e_xml_node *x, const char *name,
                      char **out, struct c2e_err *err)
{
	const struct c2e_xml_node *c = md_child(x, name);

	if (c)
		return dup_text(c, out, err);
	*out = c2e_strdup("");
	return *out ? C2E_OK : c2e_err_oom(err);
}

static int file_props_from(const char *host, const struct c2e_xml_node *x,
                           struct c2e_file_props *p, struct c2e_err *err)
{
	int rc;

	rc = dup_optional(x, "type", &p->type, err);
	if (rc == C2E_OK)
		rc = dup_optional(x, "fullName", &p->full_name, err);
	if (rc != C2E_OK)
		return rc;
	if (!p->type || !p->full_name)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer from '%s' to 'listMetadata' has "
		                   "a result without a type or fullName",
		                   host);
	rc = dup_always(x, "fileName", &p->file_name, err);
	if (rc == C2E_OK)
		rc = dup_always(x, "id", &p->id, err);
	if (rc == C2E_OK)
		rc = dup_optional(x, "namespacePrefix", &p->namespace_prefix,
		                  err);
	if (rc == C2E_OK)
		rc = dup_optional(x, "manageableState", &p->manageable_state,
		                  err);
	if (rc == C2E_OK)
		rc = dup_always(x, "lastModifiedDate", &p->last_modified_date,
		                err);
	return rc;
}

static int parse_list(const char *host, const char *data, size_t len,
                      struct c2e_xml_node *tree,
                      struct c2e_file_props_list *out, struct c2e_err *err)
{
	struct c2e_file_props_list got = { NULL, 0 };
	struct c2e_xml_node *root = NULL;
	const struct c2e_xml_node *r;
	size_t n = 0;
	int rc;

	rc = soap_open(host, "listMetadata", data, len, tree, &root, &r, err);
	if (rc != C2E_OK)
		return rc;
	for (const struct c2e_xml_node *c = r->children; c; c = c->next)
		if (is_elem(c, C2E_NS_METADATA, "result") && !c2e_xml_is_nil(c))
			n++;
	if (n) {
		got.v = calloc(n, sizeof(*got.v));
		if (!got.v) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	for (const struct c2e_xml_node *c = r->children; c; c = c->next) {
		if (!is_elem(c, C2E_NS_METADATA, "result") || c2e_xml_is_nil(c))
			continue;
		rc = file_props_from(host, c, &got.v[got.n++], err);
		if (rc != C2E_OK)
			goto done;
	}
	rc = c2e_file_props_list_move(out, &got, err);
done:
	c2e_file_props_list_release(&got);
	c2e_xml_free(root);
	return rc;
}

/* --- matching answers to requests --- */

/*
 * The index of the name `fn` among the names not yet taken: exact match
 * first, then ignoring ASCII case.  Returns n when there is none.
 */
static size_t match_name(const char *fn, const char *const *names, size_t n,
                         const bool *taken)
{
	for (size_t i = 0; i < n; i++)
		if (!taken[i] && strcmp(names[i], fn) == 0)
			return i;
	for (size_t i = 0; i < n; i++)
		if (!taken[i] && c2e_str_ieq(names[i], fn))
			return i;
	return n;
}

/* Position `pos` when free, else the first free slot, else n. */
static size_t match_position(size_t pos, size_t n, const bool *taken)
{
	if (pos < n && !taken[pos])
		return pos;
	for (size_t i = 0; i < n; i++)
		if (!taken[i])
			return i;
	return n;
}

/* --- readMetadata --- */

static size_t count_md(const struct c2e_xml_node *x, const char *name)
{
	size_t n = 0;

	for (const struct c2e_xml_node *c = x ? x->children : NULL; c;
	     c = c->next)
		if (is_elem(c, C2E_NS_METADATA, name))
			n++;
	return n;
}

static int read_record(const char *host, const char *type,
                       const struct c2e_xml_node *rec, size_t slot,
                       const char *name, struct c2e_md_doc **docs,
                       struct c2e_err *err)
{
	const char *xt = c2e_xml_attr(rec, C2E_NS_XSI, "type");
	struct c2e_md_doc *doc = NULL;
	struct c2e_buf what = C2E_BUF_INIT;
	int rc;

	if (xt && strcmp(local_part(xt), type) != 0)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer from '%s' to 'readMetadata' of "
		                   "%s has a record of type '%s'",
		                   host, type, xt);
	c2e_buf_addf(&what, "%s %s read from %s", type, name, host);
	if (c2e_buf_failed(&what))
		return c2e_err_oom(err);
	rc = c2e_md_from_xml(rec, type, what.buf, &doc, err);
	if (rc != C2E_OK)
		goto done;
	if (!doc->full_name) {
		doc->full_name = c2e_strdup(name);
		if (!doc->full_name) {
			rc = c2e_err_oom(err);
			goto done;
		}
	}
	docs[slot] = doc;
	doc = NULL;
done:
	c2e_md_doc_free(doc);
	c2e_buf_release(&what);
	return rc;
}

static int parse_read(const char *host, const char *type,
                      const char *const *names, size_t n, const char *data,
                      size_t len, struct c2e_xml_node *tree,
                      struct c2e_md_doc **docs_out, struct c2e_err *err)
{
	struct c2e_xml_node *root = NULL;
	const struct c2e_xml_node *r, *result;
	struct c2e_md_doc **docs = NULL;
	bool *taken = NULL;
	size_t nrec, pos;
	int rc;

	rc = soap_open(host, "readMetadata", data, len, tree, &root, &r, err);
	if (rc != C2E_OK)
		return rc;
	result = md_child(r, "result");
	if (!result) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to 'readMetadata' of %s "
		                 "has no result",
		                 host, type);
		goto done;
	}
	nrec = count_md(result, "records");
	if (nrec > n) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to 'readMetadata' of %s "
		                 "has %zu records for %zu names",
		                 host, type, nrec, n);
		goto done;
	}
	docs = calloc(n ? n : 1, sizeof(*docs));
	taken = calloc(n ? n : 1, sizeof(*taken));
	if (!docs || !taken) {
		rc = c2e_err_oom(err);
		goto done;
	}
	/* named records first, then the ones without a fullName by position */
	for (int pass = 0; pass < 2; pass++) {
		pos = 0;
		for (const struct c2e_xml_node *c = result->children; c;
		     c = c->next) {
			char *fn = NULL;
			size_t slot;

			if (!is_elem(c, C2E_NS_METADATA, "records"))
				continue;
			pos++;
			if (c2e_xml_is_nil(c))
				continue;
			rc = dup_optional(c, "fullName", &fn, err);
			if (rc != C2E_OK)
				goto done;
			if ((pass == 0) != (fn != NULL)) {
				free(fn);
				continue;
			}
			slot = fn ? match_name(fn, names, n, taken) :
			            match_position(pos - 1, n, taken);
			if (slot == n) {
				rc = c2e_err_set(err, C2E_EREMOTE,
				                 "the answer from '%s' to "
				                 "'readMetadata' has a %s "
				                 "record '%s' that was not "
				                 "asked for",
				                 host, type, fn ? fn : "");
				free(fn);
				goto done;
			}
			free(fn);
			taken[slot] = true;
			rc = read_record(host, type, c, slot, names[slot], docs,
			                 err);
			if (rc != C2E_OK)
				goto done;
		}
	}
	for (size_t i = 0; i < n; i++) {
		docs_out[i] = docs[i];
		docs[i] = NULL;
	}
done:
	if (docs)
		for (size_t i = 0; i < n; i++)
			c2e_md_doc_free(docs[i]);
	free(docs);
	free(taken);
	c2e_xml_free(root);
	return rc;
}

/* --- create / update / upsert / delete --- */

void c2e_save_results_release(struct c2e_save_result *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].full_name);
		free(r[i].status_code);
		free(r[i].message);
		memset(&r[i], 0, sizeof(r[i]));
	}
}

/* "true"/"1" -> 1, "false"/"0" -> 0, anything else -> -1. */
static int parse_bool(const struct c2e_xml_node *x)
{
	const char *s;
	size_t n;

	if (!x)
		return -1;
	c2e_str_trim(x->text, &s, &n);
	if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 1 && *s == '1'))
		return 1;
	if ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 1 && *s == '0'))
		return 0;
	return -1;
}

static int save_result_from(const char *host, const char *op,
                            const struct c2e_xml_node *x, const char *name,
                            struct c2e_save_result *out, struct c2e_err *err)
{
	const struct c2e_xml_node *e = md_child(x, "errors");
	struct c2e_save_result r;
	int ok = parse_bool(md_child(x, "success"));
	int rc;

	memset(&r, 0, sizeof(r));
	if (ok < 0)
		return c2e_err_set(err, C2E_EREMOTE,
		                   "the answer from '%s' to '%s' for '%s' has "
		                   "no valid <success>",
		                   host, op, name);
	r.success = ok == 1;
	r.created = parse_bool(md_child(x, "created")) == 1;
	rc = dup_optional(x, "fullName", &r.full_name, err);
	if (rc == C2E_OK && !r.full_name) {
		r.full_name = c2e_strdup(name);
		if (!r.full_name)
			rc = c2e_err_oom(err);
	}
	if (rc == C2E_OK && e)
		rc = dup_optional(e, "statusCode", &r.status_code, err);
	if (rc == C2E_OK && e)
		rc = dup_optional(e, "message", &r.message, err);
	if (rc != C2E_OK) {
		c2e_save_results_release(&r, 1);
		return rc;
	}
	*out = r;
	return C2E_OK;
}

static int parse_save(const char *host, const char *op,
                      const char *const *names, size_t n, const char *data,
                      size_t len, struct c2e_xml_node *tree,
                      struct c2e_save_result *results, struct c2e_err *err)
{
	struct c2e_xml_node *root = NULL;
	const struct c2e_xml_node *r;
	struct c2e_save_result *got = NULL;
	bool *taken = NULL;
	size_t nres, pos;
	int rc;

	rc = soap_open(host, op, data, len, tree, &root, &r, err);
	if (rc != C2E_OK)
		return rc;
	nres = count_md(r, "result");
	if (nres != n) {
		rc = c2e_err_set(err, C2E_EREMOTE,
		                 "the answer from '%s' to '%s' has %zu results "
		                 "for %zu components; ca2eca reads the org "
		                 "before it repeats a change",
		                 host, op, nres, n);
		goto done;
	}
	got = calloc(n ? n : 1, sizeof(*got));
	taken = calloc(n ? n : 1, sizeof(*taken));
	if (!got || !taken) {
		rc = c2e_err_oom(err);
		goto done;
	}
	for (int pass = 0; pass < 2; pass++) {
		pos = 0;
		for (const struct c2e_xml_node *c = r->children; c;
		     c = c->next) {
			char *fn = NULL;
			size_t slot;

			if (!is_elem(c, C2E_NS_METADATA, "result"))
				continue;
			pos++;
			rc = dup_optional(c, "fullName", &fn, err);
			if (rc != C2E_OK)
				goto done;
			if ((pass == 0) != (fn != NULL)) {
				free(fn);
				continue;
			}
			slot = fn ? match_name(fn, names, n, taken) :
			            match_position(pos - 1, n, taken);
			if (slot == n) {
				rc = c2e_err_set(err, C2E_EREMOTE,
				                 "the answer from '%s' to '%s' "
				                 "has a result for '%s', which "
				                 "was not sent",
				                 host, op, fn ? fn : "");
				free(fn);
				goto done;
			}
			free(fn);
			taken[slot] = true;
			rc = save_result_from(host, op, c, names[slot],
			                      &got[slot], err);
			if (rc != C2E_OK)
				goto done;
		}
	}
	memcpy(results, got, n * sizeof(*got));
	memset(got, 0, n * sizeof(*got));
done:
	if (got)
		c2e_save_results_release(got, n);
	free(got);
	free(taken);
	c2e_xml_free(root);
	return rc;
}

int c2e_soap_parse_list(const char *host, const char *data, size_t len,
                        struct c2e_file_props_list *out, struct c2e_err *err)
{
	return parse_list(host, data, len, NULL, out, err);
}

int c2e_soap_parse_list_tree(const char *host, struct c2e_xml_node *tree,
                             struct c2e_file_props_list *out,
                             struct c2e_err *err)
{
	return parse_list(host, NULL, 0, tree, out, err);
}

int c2e_soap_parse_read(const char *host, const char *type,
                        const char *const *names, size_t n, const char *data,
                        size_t len, struct c2e_md_doc **docs_out,
                        struct c2e_err *err)
{
	return parse_read(host, type, names, n, data, len, NULL, docs_out, err);
}

int c2e_soap_parse_read_tree(const char *host, const char *type,
                             const char *const *names, size_t n,
                             struct c2e_xml_node *tree,
                             struct c2e_md_doc **docs_out, struct c2e_err *err)
{
	return parse_read(host, type, names, n, NULL, 0, tree, docs_out, err);
}

int c2e_soap_parse_save(const char *host, const char *op,
                        const char *const *names, size_t n, const char *data,
                        size_t len, struct c2e_save_result *results,
                        struct c2e_err *err)
{
	return parse_save(host, op, names, n, data, len, NULL, results, err);
}

int c2e_soap_parse_save_tree(const char *host, const char *op,
                             const char *const *names, size_t n,
                             struct c2e_xml_node *tree,
                             struct c2e_save_result *results,
                             struct c2e_err *err)
{
	return parse_save(host, op, names, n, NULL, 0, tree, results, err);
}
