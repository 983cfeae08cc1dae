/*
 * soap.h - Metadata API SOAP envelopes and answers (internal to remote/).
 *
 * Building: one envelope builder on the util/xml writer, one body per
 * operation.  The envelope declares soapenv and xsi; the Header carries
 * SessionHeader{sessionId}, CallOptions{client "ca2eca"} and, for writes,
 * AllOrNoneHeader{allOrNone true}; the Body holds the operation element
 * in the metadata namespace (default namespace), e.g.
 *
 *   <soapenv:Envelope xmlns:soapenv="..." xmlns:xsi="...">
 *    <soapenv:Header xmlns="http://soap.sforce.com/2006/04/metadata">
 *     <SessionHeader><sessionId>TOKEN</sessionId></SessionHeader>
 *     <CallOptions><client>ca2eca</client></CallOptions>
 *    </soapenv:Header>
 *    <soapenv:Body xmlns="http://soap.sforce.com/2006/04/metadata">
 *     <readMetadata><type>T</type><fullNames>N</fullNames></readMetadata>
 *    </soapenv:Body>
 *   </soapenv:Envelope>
 *
 * The session id is a secret: envelopes go to the caller's buffer (make
 * it a secret one) and never into a message.
 *
 * Reading: answers are parsed into the util/xml tree and matched by
 * namespace URI and local name, never by prefix or element order.  Every
 * function here is pure (no network), so it can be tested on canned
 * bodies.  `host` names the org in messages; `op` is the operation name
 * ("readMetadata").  Malformed or truncated XML, an envelope without a
 * Body or without the <opResponse>, and a fault are C2E_EREMOTE.
 */
#ifndef C2E_REMOTE_SOAP_H
#define C2E_REMOTE_SOAP_H

#include <stdbool.h>
#include <stddef.h>

#include "model/md.h"
#include "remote/http.h"
#include "remote/mdapi.h"
#include "remote/org.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xml.h"

#define C2E_NS_SOAPENV "http://schemas.xmlsoap.org/soap/envelope/"

/* The write operations that take <metadata xsi:type="T"> elements. */
enum c2e_soap_save_op {
	C2E_SOAP_CREATE, /* createMetadata -> SaveResult */
	C2E_SOAP_UPDATE, /* updateMetadata -> SaveResult */
	C2E_SOAP_UPSERT /* upsertMetadata -> UpsertResult */
};

/* "createMetadata", "updateMetadata" or "upsertMetadata". */
const char *c2e_soap_save_op_name(enum c2e_soap_save_op op);

/* --- envelopes (appended to `out`) --- */

/* listMetadata with one <queries><type>T</type></queries> per type. */
C2E_MUST_CHECK int c2e_soap_list_body(const char *session_id,
                                      const char *const *types, size_t n,
                                      struct c2e_buf *out, struct c2e_err *err);
/* readMetadata <type> and <fullNames> (n >= 1). */
C2E_MUST_CHECK int c2e_soap_read_body(const char *session_id, const char *type,
                                      const char *const *names, size_t n,
                                      struct c2e_buf *out, struct c2e_err *err);
/*
 * create/update/upsertMetadata, AllOrNoneHeader allOrNone=true: one
 * <metadata xsi:type="T"> per doc (T = the doc's root type), its
 * <fullName> first, then the fields in schema order (c2e_md_write_fields).
 */
C2E_MUST_CHECK int c2e_soap_save_body(const char *session_id,
                                      enum c2e_soap_save_op op,
                                      struct c2e_md_doc *const *docs, size_t n,
                                      struct c2e_buf *out, struct c2e_err *err);
/* deleteMetadata <type> and <fullNames>, allOrNone=true. */
C2E_MUST_CHECK int c2e_soap_delete_body(const char *session_id,
                                        const char *type,
                                        const char *const *names, size_t n,
                                        struct c2e_buf *out,
                                        struct c2e_err *err);

/* --- answers --- */

/* A SOAP fault as found in an answer. */
struct c2e_soap_fault {
	char code[64]; /* faultcode's local part ("sf:X" -> "X"); the
	                  detail's exceptionCode when faultcode is a bare
	                  SOAP one (Client, Server) */
	char string[320]; /* faultstring, without a leading "CODE: " */
	char detail[320]; /* the detail's exceptionMessage, or "" */
};

/*
 * Looks for a SOAP fault in `len` bytes.  Returns 1 and fills *out when
 * the body is a well-formed envelope whose Body holds a Fault, 0 when it
 * does not (or is not XML), or C2E_ENOMEM.
 */
C2E_MUST_CHECK int c2e_soap_fault_of(const char *data, size_t len,
                                     struct c2e_soap_fault *out,
                                     struct c2e_err *err);

/*
 * The classifier org.h asks for, for Metadata API answers:
 *   fault INVALID_SESSION_ID (or HTTP 401)            -> REAUTH
 *   fault REQUEST_LIMIT_EXCEEDED, "TotalRequests" in
 *     the faultstring or exceptionMessage             -> LIMIT_TOTAL
 *   fault REQUEST_LIMIT_EXCEEDED otherwise            -> LIMIT_CONCURRENT
 *   HTTP 5xx without a fault, 429                     -> RETRY
 *   any other fault: "OP to 'HOST' failed: CODE: ..." -> FAIL, C2E_EREMOTE
 *   2xx that is not a SOAP answer to `op`             -> FAIL, C2E_EREMOTE
 *   any other status                                  -> FAIL, C2E_EREMOTE
 *   2xx with an <opResponse>                          -> OK
 * `err` receives a one-line description for every verdict but OK.
 */
enum c2e_verdict c2e_soap_classify(const char *host, const char *op,
                                   const struct c2e_http_response *resp,
                                   struct c2e_err *err);
/*
 * The same, and on OK *tree_out (may be NULL) receives the parsed answer
 * (caller frees with c2e_xml_free, or hands it to a c2e_soap_parse_*_tree
 * function): an answer is then parsed once.
 */
enum c2e_verdict c2e_soap_classify_keep(const char *host, const char *op,
                                        const struct c2e_http_response *resp,
                                        struct c2e_xml_node **tree_out,
                                        struct c2e_err *err);

/* listMetadata: every FileProperties, in any order, appended to `out`. */
C2E_MUST_CHECK int c2e_soap_parse_list(const char *host, const char *data,
                                       size_t len,
                                       struct c2e_file_props_list *out,
                                       struct c2e_err *err);

/*
 * readMetadata of `names` (n of them) of `type`: docs_out[i] is the
 * record of names[i] or NULL (xsi:nil, or not answered).  Records are
 * matched to names by <fullName> (exact, then ignoring ASCII case), a
 * record without one by position.  More records than names, a record for
 * a name not asked for or an xsi:type other than `type` is C2E_EREMOTE.
 */
C2E_MUST_CHECK int c2e_soap_parse_read(const char *host, const char *type,
                                       const char *const *names, size_t n,
                                       const char *data, size_t len,
                                       struct c2e_md_doc **docs_out,
                                       struct c2e_err *err);

/*
 * create/update/upsert/deleteMetadata (`op` names it): results[i] for
 * names[i], matched like records above.  The number of <result>s must
 * be n (else C2E_EREMOTE).  A failed result carries its first error's
 * statusCode and message.  Release with c2e_save_results_release.
 */
C2E_MUST_CHECK int c2e_soap_parse_save(const char *host, const char *op,
                                       const char *const *names, size_t n,
                                       const char *data, size_t len,
                                       struct c2e_save_result *results,
                                       struct c2e_err *err);

/*
 * The parsers above, given the tree c2e_soap_classify_keep kept instead
 * of the answer's text; they take the tree over (and free it).
 */
C2E_MUST_CHECK int c2e_soap_parse_list_tree(const char *host,
                                            struct c2e_xml_node *tree,
                                            struct c2e_file_props_list *out,
                                            struct c2e_err *err);
C2E_MUST_CHECK int c2e_soap_parse_read_tree(const char *host, const char *type,
                                            const char *const *names, size_t n,
                                            struct c2e_xml_node *tree,
                                            struct c2e_md_doc **docs_out,
                                            struct c2e_err *err);
C2E_MUST_CHECK int c2e_soap_parse_save_tree(const char *host, const char *op,
                                            const char *const *names, size_t n,
                                            struct c2e_xml_node *tree,
                                            struct c2e_save_result *results,
                                            struct c2e_err *err);

#endif
