/*
 * json.h - a small, strict JSON (RFC 8259) parser and an escaping writer.
 *
 * The parser builds a tree; objects keep member order; strings are
 * decoded UTF-8 (\uXXXX escapes and surrogate pairs included).  Depth and
 * size are capped.  The writer escapes every string it is given and
 * tracks commas itself, so callers cannot produce invalid JSON.
 */
#ifndef C2E_UTIL_JSON_H
#define C2E_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"

enum c2e_json_type {
	C2E_JSON_NULL,
	C2E_JSON_FALSE,
	C2E_JSON_TRUE,
	C2E_JSON_NUMBER,
	C2E_JSON_STRING,
	C2E_JSON_ARRAY,
	C2E_JSON_OBJECT
};

struct c2e_json {
	enum c2e_json_type type;
	char *key; /* member name when the parent is an object */
	char *str; /* STRING: decoded text; NUMBER: its source text */
	size_t str_len; /* STRING may hold NUL bytes */
	double num; /* NUMBER */
	struct c2e_json *child; /* ARRAY / OBJECT members */
	struct c2e_json *next;
};

#define C2E_JSON_MAX_DEPTH 128

/*
 * Parses one JSON document (white space around it allowed, nothing else).
 * Errors are C2E_EDATA naming `what`, the line and the column.
 */
C2E_MUST_CHECK int c2e_json_parse(const char *data, size_t len,
                                  const char *what, struct c2e_json **out,
                                  struct c2e_err *err);
void c2e_json_free(struct c2e_json *j);

/* Member `key` of an object, or NULL. */
const struct c2e_json *c2e_json_get(const struct c2e_json *obj,
                                    const char *key);
/* The string value of member `key`, or NULL if absent / not a string. */
const char *c2e_json_get_str(const struct c2e_json *obj, const char *key);
size_t c2e_json_len(const struct c2e_json *arr);

/*
 * The writer appends to a buffer.  Inside an object, call
 * c2e_jsonw_key() before each value.  With `pretty`, two-space indent.
 */
struct c2e_jsonw {
	struct c2e_buf *out;
	bool pretty;
	int depth;
	bool need_comma[C2E_JSON_MAX_DEPTH];
	bool after_key;
};

void c2e_jsonw_init(struct c2e_jsonw *w, struct c2e_buf *out, bool pretty);
void c2e_jsonw_object_begin(struct c2e_jsonw *w);
void c2e_jsonw_object_end(struct c2e_jsonw *w);
void c2e_jsonw_array_begin(struct c2e_jsonw *w);
void c2e_jsonw_array_end(struct c2e_jsonw *w);
void c2e_jsonw_key(struct c2e_jsonw *w, const char *key);
void c2e_jsonw_string(struct c2e_jsonw *w, const char *s); /* NULL: null */
void c2e_jsonw_long(struct c2e_jsonw *w, long long v);
void c2e_jsonw_bool(struct c2e_jsonw *w, bool v);
void c2e_jsonw_null(struct c2e_jsonw *w);
/* key + value shorthands */
void c2e_jsonw_kv_string(struct c2e_jsonw *w, const char *k, const char *v);
void c2e_jsonw_kv_long(struct c2e_jsonw *w, const char *k, long long v);
void c2e_jsonw_kv_bool(struct c2e_jsonw *w, const char *k, bool v);
/* key + an array of the strings of `sv`. */
void c2e_jsonw_kv_strv(struct c2e_jsonw *w, const char *k,
                       const struct c2e_strv *sv);
/* Writes a parsed tree as one value (numbers keep their source text). */
void c2e_jsonw_value(struct c2e_jsonw *w, const struct c2e_json *v);
/* Appends `s` as a quoted, escaped JSON string. */
void c2e_json_quote(struct c2e_buf *out, const char *s);
/* True when the writer's buffer failed (out of memory or cap). */
bool c2e_jsonw_failed(const struct c2e_jsonw *w);

#endif
