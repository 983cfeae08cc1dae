/*
 * json.c - a strict RFC 8259 parser (recursive descent) and a writer.
 *
 * Parser notes:
 * - The input must be valid UTF-8; a leading UTF-8 byte order mark is
 *   skipped (RFC 8259 section 8.1 allows ignoring it).
 * - Error positions are 1-based; the column counts characters (UTF-8
 *   sequences), not bytes.
 * - Duplicate member names are kept in document order; c2e_json_get()
 *   returns the last one, as JavaScript's JSON.parse (and so the
 *   Salesforce CLI) does.
 * - Member names may not contain U+0000, because c2e_json_get() compares
 *   NUL-terminated names and "a\u0000b" would otherwise match "a".
 */
#include "util/json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/compat.h"

/* Largest document we parse (bytes). */
#define JSON_MAX_BYTES C2E_BUF_DEFAULT_MAX

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	const char *what;
	struct c2e_err *err;
};

static int parse_value(struct parser *p, int depth, struct c2e_json **out);

/* Sets the error for the byte at `at`, computing its line and column. */
static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
        C2E_PRINTF(3, 4);

static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
	char reason[256];
	size_t line = 1, col = 1;
	va_list ap;

	for (size_t i = 0; i < at && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if ((p->s[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
		reason[0] = '\0';
	va_end(ap);
	return c2e_err_set(p->err, C2E_EDATA,
	                   "'%s' is not valid JSON: line %zu, column %zu: %s",
	                   p->what, line, col, reason);
}

/*
 * Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

/* Reports the byte at the current position as unexpected. */
static int fail_unexpected(struct parser *p, const char *where)
{
	unsigned char c;
	size_t n;

	if (p->pos >= p->len)
		return fail_at(p, p->pos, "unexpected end of input");
	c = p->s[p->pos];
	if (c >= 0x80) {
		n = utf8_len(p->s + p->pos, p->len - p->pos);
		if (n == 0)
			return fail_at(p, p->pos, "invalid UTF-8 byte 0x%02X",
			               c);
		return fail_at(p, p->pos, "unexpected character '%.*s'%s",
		               (int)n, (const char *)p->s + p->pos, where);
	}
	if (c > 0x20 && c < 0x7F)
		return fail_at(p, p->pos, "unexpected character '%c'%s", c,
		               where);
	return fail_at(p, p->pos, "unexpected byte 0x%02X%s", c, where);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int new_node(struct parser *p, enum c2e_json_type type,
                    struct c2e_json **out)
{
	struct c2e_json *j = calloc(1, sizeof(*j));

	if (!j)
		return c2e_err_oom(p->err);
	j->type = type;
	*out = j;
	return C2E_OK;
}

static int hex4(struct parser *p, size_t at, unsigned int *out)
{
	unsigned int v = 0;

	if (p->len - at < 4)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		unsigned char c = p->s[at + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct c2e_buf *b, unsigned int cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	c2e_buf_addn(b, u, n);
}

/* Parses a \uXXXX escape (and its low half) at p->pos, just past '\'. */
static int parse_u_escape(struct parser *p, struct c2e_buf *b)
{
	size_t start = p->pos - 1;
	unsigned int cp, lo;

	if (hex4(p, p->pos + 1, &cp) < 0)
		return fail_at(p, start, "invalid \\u escape");
	p->pos += 5;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail_at(p, start, "unpaired surrogate '\\u%04X'", cp);
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u' || hex4(p, p->pos + 2, &lo) < 0 ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return fail_at(p, start, "unpaired surrogate '\\u%04X'",
			               cp);
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	put_utf8(b, cp);
	return C2E_OK;
}

/* Parses a string at p->pos (on the opening quote) into a new buffer. */
static int parse_string(struct parser *p, struct c2e_buf *b)
{
	size_t start = p->pos;
	int rc;

	p->pos++;
	for (;;) {
		unsigned char c;
		size_t n;

		if (p->pos >= p->len)
			return fail_at(p, start, "unterminated string");
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return fail_at(p, p->pos,
			               "control character 0x%02X in string "
			               "must be escaped",
			               c);
		if (c >= 0x80) {
			n = utf8_len(p->s + p->pos, p->len - p->pos);
			if (n == 0)
				return fail_at(p, p->pos,
				               "invalid UTF-8 byte 0x%02X", c);
			c2e_buf_addn(b, p->s + p->pos, n);
			p->pos += n;
			continue;
		}
		if (c != '\\') {
			/* a run of plain characters in one append */
			size_t run = 1;

			while (p->pos + run < p->len) {
				unsigned char d =
				        (unsigned char)p->s[p->pos + run];

				if (d < 0x20 || d >= 0x80 || d == '"' ||
				    d == '\\')
					break;
				run++;
			}
			c2e_buf_addn(b, p->s + p->pos, run);
			p->pos += run;
			continue;
		}
		p->pos++;
		if (p->pos >= p->len)
			return fail_at(p, start, "unterminated string");
		c = p->s[p->pos];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			c2e_buf_addc(b, (char)c);
			break;
		case 'b':
			c2e_buf_addc(b, '\b');
			break;
		case 'f':
			c2e_buf_addc(b, '\f');
			break;
		case 'n':
			c2e_buf_addc(b, '\n');
			break;
		case 'r':
			c2e_buf_addc(b, '\r');
			break;
		case 't':
			c2e_buf_addc(b, '\t');
			break;
		case 'u':
			rc = parse_u_escape(p, b);
			if (rc < 0)
				return rc;
			continue;
		default:
			if (c > 0x20 && c < 0x7F)
				return fail_at(p, p->pos - 1,
				               "invalid escape '\\%c'", c);
			return fail_at(p, p->pos - 1, "invalid escape");
		}
		p->pos++;
	}
	if (c2e_buf_failed(b))
		return c2e_buf_err(b, p->what, p->err);
	return C2E_OK;
}

static int parse_string_value(struct parser *p, struct c2e_json **out)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_json *j = NULL;
	int rc;

	b.secret = true; /* strings may be tokens: regrowth wipes old copies */
	rc = parse_string(p, &b);
	if (rc < 0)
		goto done;
	rc = new_node(p, C2E_JSON_STRING, &j);
	if (rc < 0)
		goto done;
	j->str = c2e_buf_detach(&b, &j->str_len);
	if (!j->str) {
		rc = c2e_err_oom(p->err);
		goto done;
	}
	*out = j;
	j = NULL;
done:
	c2e_json_free(j);
	c2e_buf_release(&b);
	return rc;
}

static bool is_digit(const struct parser *p, size_t at)
{
	return at < p->len && p->s[at] >= '0' && p->s[at] <= '9';
}

static int parse_number(struct parser *p, struct c2e_json **out)
{
	size_t start = p->pos, i = p->pos;
	struct c2e_json *j = NULL;
	int rc;

	if (p->s[i] == '-')
		i++;
	if (!is_digit(p, i))
		return fail_at(p, i, "expected a digit after '-'");
	if (p->s[i] == '0') {
		i++;
		if (is_digit(p, i))
			return fail_at(p, start,
			               "leading zeros are not allowed");
	} else {
		while (is_digit(p, i))
			i++;
	}
	if (i < p->len && p->s[i] == '.') {
		i++;
		if (!is_digit(p, i))
			return fail_at(p, i, "expected a digit after '.'");
		while (is_digit(p, i))
			i++;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (!is_digit(p, i))
			return fail_at(p, i,
			               "expected a digit in the exponent");
		while (is_digit(p, i))
			i++;
	}
	rc = new_node(p, C2E_JSON_NUMBER, &j);
	if (rc < 0)
		goto done;
	j->str = malloc(i - start + 1);
	if (!j->str) {
		rc = c2e_err_oom(p->err);
		goto done;
	}
	memcpy(j->str, p->s + start, i - start);
	j->str[i - start] = '\0';
	j->str_len = i - start;
	/* the grammar above is a subset of strtod's; out of range is inf/0 */
	j->num = strtod(j->str, NULL);
	p->pos = i;
	*out = j;
	j = NULL;
done:
	c2e_json_free(j);
	return rc;
}

static bool is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int parse_literal(struct parser *p, struct c2e_json **out)
{
	static const struct {
		const char *word;
		enum c2e_json_type type;
	} lits[] = {
		{ "true", C2E_JSON_TRUE },
		{ "false", C2E_JSON_FALSE },
		{ "null", C2E_JSON_NULL },
	};
	size_t n = 0;

	while (p->pos + n < p->len && is_word_char(p->s[p->pos + n]))
		n++;
	for (size_t i = 0; i < C2E_ARRAY_SIZE(lits); i++) {
		if (strlen(lits[i].word) == n &&
		    memcmp(lits[i].word, p->s + p->pos, n) == 0) {
			int rc = new_node(p, lits[i].type, out);

			if (rc == C2E_OK)
				p->pos += n;
			return rc;
		}
	}
	if (n > 32)
		return fail_at(p, p->pos, "invalid literal '%.32s...'",
		               (const char *)p->s + p->pos);
	return fail_at(p, p->pos, "invalid literal '%.*s'", (int)n,
	               (const char *)p->s + p->pos);
}

/* Appends `j` to the list ending at `*tail`. */
static void append(struct c2e_json **head, struct c2e_json **tail,
                   struct c2e_json *j)
{
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static int parse_array(struct parser *p, int depth, struct c2e_json **out)
{
	struct c2e_json *arr = NULL, *tail = NULL, *item = NULL;
	bool first = true;
	int rc;

	rc = new_node(p, C2E_JSON_ARRAY, &arr);
	if (rc < 0)
		goto done;
	p->pos++; /* '[' */
	for (;;) {
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ']') {
			if (!first) {
				rc = fail_at(p, p->pos,
				             "trailing comma before ']'");
				goto done;
			}
			p->pos++;
			break;
		}
		first = false;
		rc = parse_value(p, depth, &item);
		if (rc < 0)
			goto done;
		append(&arr->child, &tail, item);
		item = NULL;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			break;
		}
		rc = fail_unexpected(p, ", expected ',' or ']'");
		goto done;
	}
	*out = arr;
	arr = NULL;
done:
	c2e_json_free(arr);
	return rc;
}

static int parse_object(struct parser *p, int depth, struct c2e_json **out)
{
	struct c2e_json *obj = NULL, *tail = NULL, *item = NULL;
	struct c2e_buf key = C2E_BUF_INIT;
	bool first = true;
	size_t key_at;
	char *k = NULL;
	int rc;

	rc = new_node(p, C2E_JSON_OBJECT, &obj);
	if (rc < 0)
		goto done;
	p->pos++; /* '{' */
	for (;;) {
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == '}') {
			if (!first) {
				rc = fail_at(p, p->pos,
				             "trailing comma before '}'");
				goto done;
			}
			p->pos++;
			break;
		}
		first = false;
		if (p->pos >= p->len || p->s[p->pos] != '"') {
			rc = fail_unexpected(p, ", expected a member name "
			                        "in double quotes");
			goto done;
		}
		key_at = p->pos;
		rc = parse_string(p, &key);
		if (rc < 0)
			goto done;
		if (memchr(key.buf, '\0', key.len)) {
			rc = fail_at(p, key_at,
			             "member name contains '\\u0000'");
			goto done;
		}
		k = c2e_buf_detach(&key, NULL);
		if (!k) {
			rc = c2e_err_oom(p->err);
			goto done;
		}
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			rc = fail_unexpected(p, ", expected ':' after the "
			                        "member name");
			goto done;
		}
		p->pos++;
		skip_ws(p);
		rc = parse_value(p, depth, &item);
		if (rc < 0)
			goto done;
		item->key = k;
		k = NULL;
		append(&obj->child, &tail, item);
		item = NULL;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			break;
		}
		rc = fail_unexpected(p, ", expected ',' or '}'");
		goto done;
	}
	*out = obj;
	obj = NULL;
done:
	free(k);
	c2e_buf_release(&key);
	c2e_json_free(obj);
	return rc;
}

/* Parses the value at p->pos (white space already skipped). */
static int parse_value(struct parser *p, int depth, struct c2e_json **out)
{
	unsigned char c;

	*out = NULL;
	if (p->pos >= p->len)
		return fail_at(p, p->pos, "unexpected end of input");
	c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if (depth >= C2E_JSON_MAX_DEPTH)
			return fail_at(p, p->pos,
			               "nesting is deeper than %d levels",
			               C2E_JSON_MAX_DEPTH);
		if (c == '{')
			return parse_object(p, depth + 1, out);
		return parse_array(p, depth + 1, out);
	case '"':
		return parse_string_value(p, out);
	case '-':
		return parse_number(p, out);
	default:
		break;
	}
	if (c >= '0' && c <= '9')
		return parse_number(p, out);
	if (is_word_char(c))
		return parse_literal(p, out);
	return fail_unexpected(p, "");
}

int c2e_json_parse(const char *data, size_t len, const char *what,
                   struct c2e_json **out, struct c2e_err *err)
{
	struct parser p;
	struct c2e_json *j = NULL;
	int rc;

	*out = NULL;
	if (len > JSON_MAX_BYTES)
		return c2e_err_set(err, C2E_EDATA,
		                   "'%s' is larger than %zu bytes", what,
		                   (size_t)JSON_MAX_BYTES);
	p.s = (const unsigned char *)(data ? data : "");
	p.len = data ? len : 0;
	p.pos = 0;
	p.what = what ? what : "input";
	p.err = err;
	if (p.len >= 3 && memcmp(p.s, "\xEF\xBB\xBF", 3) == 0)
		p.pos = 3;
	skip_ws(&p);
	rc = parse_value(&p, 0, &j);
	if (rc < 0)
		goto done;
	skip_ws(&p);
	if (p.pos < p.len) {
		rc = fail_unexpected(&p, " after the end of the document");
		goto done;
	}
	*out = j;
	j = NULL;
done:
	c2e_json_free(j);
	return rc;
}

void c2e_json_free(struct c2e_json *j)
{
	while (j) {
		struct c2e_json *next = j->next;

		c2e_json_free(j->child);
		free(j->key);
		/* string values may be access tokens: wipe before freeing */
		if (j->str)
			c2e_wipe(j->str, j->str_len);
		free(j->str);
		free(j);
		j = next;
	}
}

const struct c2e_json *c2e_json_get(const struct c2e_json *obj, const char *key)
{
	const struct c2e_json *found = NULL;

	if (!obj || obj->type != C2E_JSON_OBJECT || !key)
		return NULL;
	for (const struct c2e_json *m = obj->child; m; m = m->next)
		if (m->key && strcmp(m->key, key) == 0)
			found = m; /* the last duplicate wins */
	return found;
}

const char *c2e_json_get_str(const struct c2e_json *obj, const char *key)
{
	const struct c2e_json *m = c2e_json_get(obj, key);

	return m && m->type == C2E_JSON_STRING ? m->str : NULL;
}

size_t c2e_json_len(const struct c2e_json *arr)
{
	size_t n = 0;

	if (!arr ||
	    (arr->type != C2E_JSON_ARRAY && arr->type != C2E_JSON_OBJECT))
		return 0;
	for (const struct c2e_json *m = arr->child; m; m = m->next)
		n++;
	return n;
}

/* Writer */

/* Appends s[0..n) as a quoted JSON string (NUL bytes become \u0000). */
static void quote_n(struct c2e_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	c2e_buf_addc(out, '"');
	while (i < n) {
		unsigned char c = u[i];
		char esc[6];

		run = 0;
		while (i + run < n && u[i + run] >= 0x20 && u[i + run] < 0x80 &&
		       u[i + run] != '"' && u[i + run] != '\\')
			run++;
		if (run) {
			c2e_buf_addn(out, u + i, run);
			i += run;
			continue;
		}
		if (c >= 0x80) {
			run = utf8_len(u + i, n - i);
			if (run) {
				c2e_buf_addn(out, u + i, run);
				i += run;
			} else {
				c2e_buf_adds(out, "\xEF\xBF\xBD");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"':
			c2e_buf_adds(out, "\\\"");
			break;
		case '\\':
			c2e_buf_adds(out, "\\\\");
			break;
		case '\n':
			c2e_buf_adds(out, "\\n");
			break;
		case '\t':
			c2e_buf_adds(out, "\\t");
			break;
		case '\r':
			c2e_buf_adds(out, "\\r");
			break;
		case '\b':
			c2e_buf_adds(out, "\\b");
			break;
		case '\f':
			c2e_buf_adds(out, "\\f");
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xF];
			c2e_buf_addn(out, esc, sizeof(esc));
			break;
		}
		i++;
	}
	c2e_buf_addc(out, '"');
}

void c2e_json_quote(struct c2e_buf *out, const char *s)
{
	if (!s) {
		c2e_buf_adds(out, "null");
		return;
	}
	quote_n(out, s, strlen(s));
}

void c2e_jsonw_init(struct c2e_jsonw *w, struct c2e_buf *out, bool pretty)
{
	w->out = out;
	w->pretty = pretty;
	w->depth = 0;
	memset(w->need_comma, 0, sizeof(w->need_comma));
	w->after_key = false;
}

static void newline_indent(struct c2e_jsonw *w)
{
	c2e_buf_addc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		c2e_buf_adds(w->out, "  ");
}

/* Writes what comes before a value or a key: a comma and an indent. */
static void separate(struct c2e_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth <= 0)
		return;
	if (w->need_comma[w->depth - 1])
		c2e_buf_addc(w->out, ',');
	w->need_comma[w->depth - 1] = true;
	if (w->pretty)
		newline_indent(w);
}

static void open_container(struct c2e_jsonw *w, char c)
{
	separate(w);
	if (w->depth >= C2E_JSON_MAX_DEPTH) {
		w->out->failed = true; /* a bug in the caller; fail the run */
		return;
	}
	c2e_buf_addc(w->out, c);
	w->need_comma[w->depth] = false;
	w->depth++;
}

static void close_container(struct c2e_jsonw *w, char c)
{
	if (w->depth <= 0) {
		w->out->failed = true;
		return;
	}
	w->depth--;
	if (w->pretty && w->need_comma[w->depth])
		newline_indent(w);
	c2e_buf_addc(w->out, c);
}

void c2e_jsonw_object_begin(struct c2e_jsonw *w)
{
	open_container(w, '{');
}

void c2e_jsonw_object_end(struct c2e_jsonw *w)
{
	close_container(w, '}');
}

void c2e_jsonw_array_begin(struct c2e_jsonw *w)
{
	open_container(w, '[');
}

void c2e_jsonw_array_end(struct c2e_jsonw *w)
{
	close_container(w, ']');
}

void c2e_jsonw_key(struct c2e_jsonw *w, const char *key)
{
	w->after_key = false;
	separate(w);
	c2e_json_quote(w->out, key);
	c2e_buf_adds(w->out, w->pretty ? ": " : ":");
	w->after_key = true;
}

void c2e_jsonw_string(struct c2e_jsonw *w, const char *s)
{
	if (!s) {
		c2e_jsonw_null(w);
		return;
	}
	separate(w);
	c2e_json_quote(w->out, s);
}

void c2e_jsonw_long(struct c2e_jsonw *w, long long v)
{
	separate(w);
	c2e_buf_addf(w->out, "%lld", v);
}

void c2e_jsonw_bool(struct c2e_jsonw *w, bool v)
{
	separate(w);
	c2e_buf_adds(w->out, v ? "true" : "false");
}

void c2e_jsonw_null(struct c2e_jsonw *w)
{
	separate(w);
	c2e_buf_adds(w->out, "null");
}

void c2e_jsonw_kv_string(struct c2e_jsonw *w, const char *k, const char *v)
{
	c2e_jsonw_key(w, k);
	c2e_jsonw_string(w, v);
}

void c2e_jsonw_kv_long(struct c2e_jsonw *w, const char *k, long long v)
{
	c2e_jsonw_key(w, k);
	c2e_jsonw_long(w, v);
}

void c2e_jsonw_kv_bool(struct c2e_jsonw *w, const char *k, bool v)
{
	c2e_jsonw_key(w, k);
	c2e_jsonw_bool(w, v);
}

bool c2e_jsonw_failed(const struct c2e_jsonw *w)
{
	return c2e_buf_failed(w->out);
}

/*
 * Appends the `n` bytes at `s` as a quoted JSON string, escaped as
 * c2e_json_quote() does; NUL bytes (which a parsed string may hold)
 * become \u0000.
 */
void c2e_jsonw_kv_strv(struct c2e_jsonw *w, const char *k,
                       const struct c2e_strv *sv)
{
	c2e_jsonw_key(w, k);
	c2e_jsonw_array_begin(w);
	for (size_t i = 0; i < sv->n; i++)
		c2e_jsonw_string(w, sv->v[i]);
	c2e_jsonw_array_end(w);
}

void c2e_jsonw_value(struct c2e_jsonw *w, const struct c2e_json *v)
{
	if (!v) {
		c2e_jsonw_null(w);
		return;
	}
	switch (v->type) {
	case C2E_JSON_NULL:
		c2e_jsonw_null(w);
		break;
	case C2E_JSON_FALSE:
		c2e_jsonw_bool(w, false);
		break;
	case C2E_JSON_TRUE:
		c2e_jsonw_bool(w, true);
		break;
	case C2E_JSON_NUMBER:
		separate(w);
		if (v->str && v->str_len)
			c2e_buf_addn(w->out, v->str, v->str_len);
		else if (v->num - v->num == 0.0) /* finite */
			c2e_buf_addf(w->out, "%.17g", v->num);
		else
			w->out->failed = true; /* JSON has no inf or NaN */
		break;
	case C2E_JSON_STRING:
		separate(w);
		quote_n(w->out, v->str ? v->str : "", v->str ? v->str_len : 0);
		break;
	case C2E_JSON_ARRAY:
		c2e_jsonw_array_begin(w);
		for (const struct c2e_json *c = v->child; c; c = c->next)
			c2e_jsonw_value(w, c);
		c2e_jsonw_array_end(w);
		break;
	case C2E_JSON_OBJECT:
		c2e_jsonw_object_begin(w);
		for (const struct c2e_json *c = v->child; c; c = c->next) {
			c2e_jsonw_key(w, c->key ? c->key : "");
			c2e_jsonw_value(w, c);
		}
		c2e_jsonw_object_end(w);
		break;
	}
}
