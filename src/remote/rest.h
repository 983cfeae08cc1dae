/*
 * rest.h - the REST calls ca2eca uses: SOQL (data and Tooling) with
 * nextRecordsUrl paging, the Connect REST OAuth credentials of an ECA,
 * and /limits.  JSON is parsed with util/json.
 *
 * Errors: REST answers [{"errorCode": "...", "message": "..."}]; the
 * message becomes err->msg.  INVALID_SESSION_ID (HTTP 401) asks the org
 * client to log in again; REQUEST_LIMIT_EXCEEDED is classified as in
 * org.h ("TotalRequests" in the message = the daily allocation).
 */
#ifndef C2E_REMOTE_REST_H
#define C2E_REMOTE_REST_H

#include <stdbool.h>
#include <stddef.h>

#include "remote/org.h"
#include "util/json.h"

/* GET {instance}{path} -> JSON.  `op` names the call (stats, messages). */
C2E_MUST_CHECK int c2e_rest_get(struct c2e_org *org, const char *op,
                                const char *path, struct c2e_json **out,
                                struct c2e_err *err);

/*
 * Runs a SOQL query (tooling: the Tooling API) and follows
 * nextRecordsUrl until done.  *records_out is a JSON array of every
 * record (caller frees).
 */
C2E_MUST_CHECK int c2e_rest_query(struct c2e_org *org, const char *soql,
                                  bool tooling, struct c2e_json **records_out,
                                  struct c2e_err *err);

/* Appends `s` as a SOQL string literal: quoted, with \ and ' escaped. */
C2E_MUST_CHECK int c2e_soql_quote(const char *s, struct c2e_buf *out,
                                  struct c2e_err *err);

/* DailyApiRequests from /limits. */
C2E_MUST_CHECK int c2e_rest_limits(struct c2e_org *org, long *remaining_out,
                                   long *max_out, struct c2e_err *err);

struct c2e_oauth_consumer {
	char *id;
	char *key; /* the consumer key: an identifier, not a secret */
	char *name;
};

/*
 * Connect REST GET /apps/oauth/credentials/{ecaId}: the OAuth consumers
 * of an ECA (id, key, name).  *out is an array of *n_out (caller frees
 * with c2e_oauth_consumers_free).
 */
C2E_MUST_CHECK int c2e_rest_eca_consumers(struct c2e_org *org,
                                          const char *eca_id,
                                          struct c2e_oauth_consumer **out,
                                          size_t *n_out, struct c2e_err *err);
/* GET .../credentials/{ecaId}/{consumerId}?part=key: the consumer key. */
C2E_MUST_CHECK int c2e_rest_eca_consumer_key(struct c2e_org *org,
                                             const char *eca_id,
                                             const char *consumer_id,
                                             char **key_out,
                                             struct c2e_err *err);
void c2e_oauth_consumers_free(struct c2e_oauth_consumer *v, size_t n);

/* --- the pure parts of the calls above, exposed for tests --- */

/*
 * Classifies a REST answer for c2e_org_call: 2xx OK; 401 or
 * INVALID_SESSION_ID REAUTH; REQUEST_LIMIT_EXCEEDED LIMIT_TOTAL when the
 * message mentions TotalRequests, else LIMIT_CONCURRENT; 5xx and 429
 * RETRY; 404 FAIL C2E_ENOTFOUND; anything else FAIL C2E_EREMOTE
 * "OP to 'HOST' failed: CODE: message".
 */
enum c2e_verdict c2e_rest_classify(const char *host, const char *op,
                                   const struct c2e_http_response *resp,
                                   struct c2e_err *err);

/*
 * Moves the records of one query answer `page` to the end of the array
 * `records` and sets *next_out to its nextRecordsUrl (a path; caller
 * frees), or NULL when the query is done.
 */
C2E_MUST_CHECK int c2e_rest_query_page(const char *host, struct c2e_json *page,
                                       struct c2e_json *records,
                                       char **next_out, struct c2e_err *err);

/* True when `id` looks like a record id: 15 or 18 letters and digits. */
bool c2e_rest_id_ok(const char *id);

#endif
