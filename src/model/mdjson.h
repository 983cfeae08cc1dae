/*
 * mdjson.h - a metadata component's fields as JSON, and back.
 *
 * Plans carry the exact components apply will write, as reviewable JSON:
 * a simple field is a string, a repeated field an array, a complex field
 * an object (an array of objects when repeated), a nil field null.  Keys
 * come in xsd:sequence order; fullName is not among them (it is the
 * component's name).  Reading back checks every value against the schema
 * as parsing a file does.
 */
#ifndef C2E_MODEL_MDJSON_H
#define C2E_MODEL_MDJSON_H

#include "model/md.h"
#include "util/json.h"

/* Writes the fields of `node` as one JSON object. */
void c2e_md_to_json(const struct c2e_md_node *node, struct c2e_jsonw *w);

/*
 * Builds a component of `type_name` named `full_name` from such an object.
 * `what` names the source in messages ("plan 'x.json': apps[0]...").
 * Unknown fields, wrong shapes and bad values are C2E_EDATA.
 */
C2E_MUST_CHECK int c2e_md_from_json(const struct c2e_json *obj,
                                    const char *type_name,
                                    const char *full_name, const char *what,
                                    struct c2e_md_doc **out,
                                    struct c2e_err *err);

#endif
