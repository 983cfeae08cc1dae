/*
 * mdapi.h - the Metadata SOAP API calls ca2eca uses, typed.
 *
 * Endpoint {instance}/services/Soap/m/{version}, namespace
 * http://soap.sforce.com/2006/04/metadata, the session id in
 * SessionHeader.  The client splits requests to the documented limits:
 * listMetadata takes at most 3 queries per call; readMetadata at most 10
 * names of one type per call; create/update/upsert/deleteMetadata at most
 * 10 components of one type per call, each call with AllOrNoneHeader
 * allOrNone=true.  Results are matched by element name and namespace,
 * whatever the order of elements and the namespace prefixes.
 */
#ifndef C2E_REMOTE_MDAPI_H
#define C2E_REMOTE_MDAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "model/md.h"
#include "remote/org.h"
#include "util/err.h"

#define C2E_MDAPI_MAX_LIST_QUERIES 3
#define C2E_MDAPI_MAX_PER_CALL     10

struct c2e_file_props {
	char *type;
	char *full_name;
	char *file_name;
	char *id;
	char *namespace_prefix; /* NULL when none */
	char *manageable_state; /* NULL when absent */
	char *last_modified_date;
};

struct c2e_file_props_list {
	struct c2e_file_props *v;
	size_t n;
};

/* listMetadata for each type (3 queries per call); results appended. */
C2E_MUST_CHECK int c2e_mdapi_list(struct c2e_org *org, const char *const *types,
                                  size_t n_types,
                                  struct c2e_file_props_list *out,
                                  struct c2e_err *err);
void c2e_file_props_list_release(struct c2e_file_props_list *l);
/* Appends every entry of `from` to `out` and empties `from`. */
C2E_MUST_CHECK int c2e_file_props_list_move(struct c2e_file_props_list *out,
                                            struct c2e_file_props_list *from,
                                            struct c2e_err *err);

/*
 * readMetadata of `n` components of one type, 10 names per call.
 * docs_out[i] is the record of names[i], or NULL when the org answered
 * xsi:nil (not found).  Records are parsed against the schema (unknown
 * elements kept, see md.h).
 */
C2E_MUST_CHECK int c2e_mdapi_read(struct c2e_org *org, const char *type,
                                  const char *const *names, size_t n,
                                  struct c2e_md_doc **docs_out,
                                  struct c2e_err *err);

struct c2e_save_result {
	char *full_name;
	bool success;
	bool created; /* upsert only */
	char *status_code; /* first error's statusCode, NULL on success */
	char *message; /* first error's message */
};

/*
 * create/update/upsertMetadata: every doc must have the same type and a
 * full name.  results[i] describes docs[i].  C2E_OK means every call was
 * answered (look at each result); a call that failed after it may have
 * reached the org sets *outcome_unknown (writes are not retried).
 */
C2E_MUST_CHECK int c2e_mdapi_create(struct c2e_org *org,
                                    struct c2e_md_doc *const *docs, size_t n,
                                    struct c2e_save_result *results,
                                    bool *outcome_unknown, struct c2e_err *err);
C2E_MUST_CHECK int c2e_mdapi_update(struct c2e_org *org,
                                    struct c2e_md_doc *const *docs, size_t n,
                                    struct c2e_save_result *results,
                                    bool *outcome_unknown, struct c2e_err *err);
C2E_MUST_CHECK int c2e_mdapi_upsert(struct c2e_org *org,
                                    struct c2e_md_doc *const *docs, size_t n,
                                    struct c2e_save_result *results,
                                    bool *outcome_unknown, struct c2e_err *err);
C2E_MUST_CHECK int c2e_mdapi_delete(struct c2e_org *org, const char *type,
                                    const char *const *names, size_t n,
                                    struct c2e_save_result *results,
                                    bool *outcome_unknown, struct c2e_err *err);
void c2e_save_results_release(struct c2e_save_result *r, size_t n);

#endif
