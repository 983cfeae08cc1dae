#include "test.h"
#include "util/json.h"

#include <math.h>
#include <stdlib.h>

#include "util/compat.h"

/* Parses `s` (strlen) and fails the test on error. */
static struct c2e_json *parse_ok(const char *s)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;

	ASSERT_OK(c2e_json_parse(s, strlen(s), "t.json", &j, &err), &err);
	ASSERT_NOT_NULL(j);
	return j;
}

/*
 * Parses `n` bytes that must fail with C2E_EDATA and exactly the message
 * "'t.json' is not valid JSON: <expect>".
 */
static void expect_fail_n(const char *file, int line, const char *s, size_t n,
                          const char *expect)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = (struct c2e_json *)&err; /* must be reset */
	char want[C2E_ERR_MSG_MAX];
	int rc;

	rc = c2e_json_parse(s, n, "t.json", &j, &err);
	snprintf(want, sizeof(want), "'t.json' is not valid JSON: %s", expect);
	if (rc != C2E_EDATA || j != NULL || strcmp(err.msg, want) != 0) {
		if (rc == C2E_OK)
			c2e_json_free(j);
		test__fail(file, line,
		           "input '%s': rc %d, got \"%s\", want \"%s\"", s, rc,
		           err.msg, want);
	}
}

#define EXPECT_FAIL(s, expect) \
	expect_fail_n(__FILE__, __LINE__, (s), strlen(s), (expect))
#define EXPECT_FAIL_N(s, n, expect) \
	expect_fail_n(__FILE__, __LINE__, (s), (n), (expect))

/* Parses `in` and writes it back compactly; returns a malloc'd string. */
static void write_value(struct c2e_jsonw *w, const struct c2e_json *j)
{
	switch (j->type) {
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
		c2e_jsonw_long(w, (long long)j->num);
		break;
	case C2E_JSON_STRING:
		c2e_jsonw_string(w, j->str);
		break;
	case C2E_JSON_ARRAY:
		c2e_jsonw_array_begin(w);
		for (const struct c2e_json *c = j->child; c; c = c->next)
			write_value(w, c);
		c2e_jsonw_array_end(w);
		break;
	case C2E_JSON_OBJECT:
		c2e_jsonw_object_begin(w);
		for (const struct c2e_json *c = j->child; c; c = c->next) {
			c2e_jsonw_key(w, c->key);
			write_value(w, c);
		}
		c2e_jsonw_object_end(w);
		break;
	}
}

static char *round_trip(const char *in, bool pretty)
{
	struct c2e_json *j = parse_ok(in);
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, pretty);
	write_value(&w, j);
	c2e_json_free(j);
	ASSERT(!c2e_jsonw_failed(&w));
	return c2e_buf_detach(&b, NULL);
}

static void test_json__scalars(void)
{
	struct c2e_json *j;

	j = parse_ok("null");
	ASSERT_INT_EQ(j->type, C2E_JSON_NULL);
	c2e_json_free(j);
	j = parse_ok(" \t\r\ntrue\n");
	ASSERT_INT_EQ(j->type, C2E_JSON_TRUE);
	c2e_json_free(j);
	j = parse_ok("false");
	ASSERT_INT_EQ(j->type, C2E_JSON_FALSE);
	c2e_json_free(j);
	j = parse_ok("\"hi\"");
	ASSERT_INT_EQ(j->type, C2E_JSON_STRING);
	ASSERT_STR_EQ(j->str, "hi");
	ASSERT_INT_EQ(j->str_len, 2);
	ASSERT_NULL(j->key);
	c2e_json_free(j);
	j = parse_ok("\"\"");
	ASSERT_STR_EQ(j->str, "");
	ASSERT_INT_EQ(j->str_len, 0);
	c2e_json_free(j);
}

static void test_json__numbers(void)
{
	static const struct {
		const char *in;
		double want;
	} ok[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "7", 7 },
		{ "-12", -12 },
		{ "1234567890", 1234567890 },
		{ "0.5", 0.5 },
		{ "-0.25", -0.25 },
		{ "1e3", 1000 },
		{ "1E3", 1000 },
		{ "1e+2", 100 },
		{ "25e-2", 0.25 },
		{ "-1.5E-1", -0.15 },
		{ "0e0", 0 },
	};
	struct c2e_json *j;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		j = parse_ok(ok[i].in);
		ASSERT_INT_EQ(j->type, C2E_JSON_NUMBER);
		ASSERT_STR_EQ(j->str, ok[i].in); /* the source text */
		ASSERT_INT_EQ(j->str_len, strlen(ok[i].in));
		ASSERT(j->num - ok[i].want < 1e-12 &&
		       ok[i].want - j->num < 1e-12);
		c2e_json_free(j);
	}
	/* out of range is still valid JSON; the text is kept */
	j = parse_ok("1e999");
	ASSERT(isinf(j->num));
	ASSERT_STR_EQ(j->str, "1e999");
	c2e_json_free(j);
}

static void test_json__bad_numbers(void)
{
	EXPECT_FAIL("01", "line 1, column 1: leading zeros are not allowed");
	EXPECT_FAIL("-01", "line 1, column 1: leading zeros are not allowed");
	EXPECT_FAIL("00", "line 1, column 1: leading zeros are not allowed");
	EXPECT_FAIL("+1", "line 1, column 1: unexpected character '+'");
	EXPECT_FAIL("-", "line 1, column 2: expected a digit after '-'");
	EXPECT_FAIL("-a", "line 1, column 2: expected a digit after '-'");
	EXPECT_FAIL(".5", "line 1, column 1: unexpected character '.'");
	EXPECT_FAIL("1.", "line 1, column 3: expected a digit after '.'");
	EXPECT_FAIL("1.e5", "line 1, column 3: expected a digit after '.'");
	EXPECT_FAIL("1e", "line 1, column 3: expected a digit in the exponent");
	EXPECT_FAIL("1e+",
	            "line 1, column 4: expected a digit in the exponent");
	EXPECT_FAIL("[1E-x]",
	            "line 1, column 5: expected a digit in the exponent");
	EXPECT_FAIL("NaN", "line 1, column 1: invalid literal 'NaN'");
	EXPECT_FAIL("Infinity", "line 1, column 1: invalid literal 'Infinity'");
	EXPECT_FAIL("-Infinity",
	            "line 1, column 2: expected a digit after '-'");
	EXPECT_FAIL("0x10", "line 1, column 2: unexpected character 'x' "
	                    "after the end of the document");
	EXPECT_FAIL("[1 2]", "line 1, column 4: unexpected character '2', "
	                     "expected ',' or ']'");
}

static void test_json__literals(void)
{
	EXPECT_FAIL("tru", "line 1, column 1: invalid literal 'tru'");
	EXPECT_FAIL("True", "line 1, column 1: invalid literal 'True'");
	EXPECT_FAIL("nul", "line 1, column 1: invalid literal 'nul'");
	EXPECT_FAIL("nullx", "line 1, column 1: invalid literal 'nullx'");
	EXPECT_FAIL("[undefined]",
	            "line 1, column 2: invalid literal 'undefined'");
	EXPECT_FAIL("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	            "line 1, column 1: invalid literal "
	            "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	EXPECT_FAIL("null null", "line 1, column 6: unexpected character "
	                         "'n' after the end of the document");
}

static void test_json__every_escape(void)
{
	struct c2e_json *j;

	j = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
	ASSERT_STR_EQ(j->str, "q\" b\\ s/ \b\f\n\r\t");
	c2e_json_free(j);
	j = parse_ok("\"\\u0041\\u00e9\\u00E9\\u20AC\\uffff\"");
	ASSERT_STR_EQ(j->str, "A\xC3\xA9\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF");
	c2e_json_free(j);
	/* U+0000 is allowed in values; str_len covers it */
	j = parse_ok("\"a\\u0000b\"");
	ASSERT_INT_EQ(j->str_len, 3);
	ASSERT(memcmp(j->str, "a\0b", 4) == 0);
	c2e_json_free(j);
	/* U+007F and U+0080: the 1/2 byte boundary */
	j = parse_ok("\"\\u007F\\u0080\\u07FF\\u0800\"");
	ASSERT_STR_EQ(j->str, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80");
	c2e_json_free(j);
}

static void test_json__surrogate_pairs(void)
{
	struct c2e_json *j;

	j = parse_ok("\"\\uD83D\\uDE00\"");
	ASSERT_STR_EQ(j->str, "\xF0\x9F\x98\x80"); /* U+1F600 */
	c2e_json_free(j);
	j = parse_ok("\"\\ud800\\udc00|\\uDBFF\\uDFFF\"");
	ASSERT_STR_EQ(j->str, "\xF0\x90\x80\x80|\xF4\x8F\xBF\xBF");
	c2e_json_free(j);

	EXPECT_FAIL("\"\\uD800\"",
	            "line 1, column 2: unpaired surrogate '\\uD800'");
	EXPECT_FAIL("\"\\uD800x\"",
	            "line 1, column 2: unpaired surrogate '\\uD800'");
	EXPECT_FAIL("\"ab\\uD800\\n\"",
	            "line 1, column 4: unpaired surrogate '\\uD800'");
	EXPECT_FAIL("\"\\uD800\\uD800\"",
	            "line 1, column 2: unpaired surrogate '\\uD800'");
	EXPECT_FAIL("\"\\uD800\\u0041\"",
	            "line 1, column 2: unpaired surrogate '\\uD800'");
	EXPECT_FAIL("\"\\uDC00\"",
	            "line 1, column 2: unpaired surrogate '\\uDC00'");
	EXPECT_FAIL("\"\\uDFFF\\uD800\"",
	            "line 1, column 2: unpaired surrogate '\\uDFFF'");
}

static void test_json__bad_strings(void)
{
	EXPECT_FAIL("\"abc", "line 1, column 1: unterminated string");
	EXPECT_FAIL("[\"abc\\", "line 1, column 2: unterminated string");
	EXPECT_FAIL("\"a\\x\"", "line 1, column 3: invalid escape '\\x'");
	EXPECT_FAIL("\"\\'\"", "line 1, column 2: invalid escape '\\''");
	EXPECT_FAIL("\"\\u12\"", "line 1, column 2: invalid \\u escape");
	EXPECT_FAIL("\"\\u12g4\"", "line 1, column 2: invalid \\u escape");
	EXPECT_FAIL("\"\\u", "line 1, column 2: invalid \\u escape");
	EXPECT_FAIL("\"a\tb\"", "line 1, column 3: control character 0x09 "
	                        "in string must be escaped");
	EXPECT_FAIL("\"a\nb\"", "line 1, column 3: control character 0x0A "
	                        "in string must be escaped");
	EXPECT_FAIL_N("\"a\0b\"", 5,
	              "line 1, column 3: control character "
	              "0x00 in string must be escaped");
	EXPECT_FAIL("'single'", "line 1, column 1: unexpected character '''");
}

static void test_json__utf8(void)
{
	struct c2e_json *j;

	/* valid UTF-8 passes through, 2, 3 and 4 byte forms */
	j = parse_ok("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
	ASSERT_STR_EQ(j->str, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	c2e_json_free(j);
	/* a leading byte order mark is ignored */
	j = parse_ok("\xEF\xBB\xBF{}");
	ASSERT_INT_EQ(j->type, C2E_JSON_OBJECT);
	c2e_json_free(j);

	EXPECT_FAIL("\"\xFF\"", "line 1, column 2: invalid UTF-8 byte 0xFF");
	EXPECT_FAIL("\"a\x80\"", "line 1, column 3: invalid UTF-8 byte 0x80");
	EXPECT_FAIL("\"\xC3\"", "line 1, column 2: invalid UTF-8 byte 0xC3");
	EXPECT_FAIL("\"\xC3(\"", "line 1, column 2: invalid UTF-8 byte 0xC3");
	/* overlong '/' and overlong NUL */
	EXPECT_FAIL("\"\xC0\xAF\"",
	            "line 1, column 2: invalid UTF-8 byte 0xC0");
	EXPECT_FAIL("\"\xE0\x80\xAF\"",
	            "line 1, column 2: invalid UTF-8 byte 0xE0");
	EXPECT_FAIL("\"\xF0\x80\x80\xAF\"",
	            "line 1, column 2: invalid UTF-8 byte 0xF0");
	/* an encoded surrogate, and a code point past U+10FFFF */
	EXPECT_FAIL("\"\xED\xA0\x80\"",
	            "line 1, column 2: invalid UTF-8 byte 0xED");
	EXPECT_FAIL("\"\xF4\x90\x80\x80\"",
	            "line 1, column 2: invalid UTF-8 byte 0xF4");
	EXPECT_FAIL("\"\xF5\x80\x80\x80\"",
	            "line 1, column 2: invalid UTF-8 byte 0xF5");
	/* truncated 4-byte sequence at the end of input */
	EXPECT_FAIL("\"\xF0\x9F\x98", "line 1, column 2: invalid UTF-8 "
	                              "byte 0xF0");
	/* outside strings */
	EXPECT_FAIL("\xFF", "line 1, column 1: invalid UTF-8 byte 0xFF");
	EXPECT_FAIL("[\xC3\xA9]",
	            "line 1, column 2: unexpected character '\xC3\xA9'");
	/* columns count characters, not bytes */
	EXPECT_FAIL("[\"\xC3\xA9\xE2\x82\xAC\", x]",
	            "line 1, column 8: invalid literal 'x'");
}

static void test_json__structure_errors(void)
{
	EXPECT_FAIL("", "line 1, column 1: unexpected end of input");
	EXPECT_FAIL("   \n  ", "line 2, column 3: unexpected end of input");
	EXPECT_FAIL("[", "line 1, column 2: unexpected end of input");
	EXPECT_FAIL("[1,", "line 1, column 4: unexpected end of input");
	EXPECT_FAIL("[1", "line 1, column 3: unexpected end of input");
	EXPECT_FAIL("{", "line 1, column 2: unexpected end of input");
	EXPECT_FAIL("{\"a\"", "line 1, column 5: unexpected end of input");
	EXPECT_FAIL("{\"a\":", "line 1, column 6: unexpected end of input");
	EXPECT_FAIL("{\"a\":1", "line 1, column 7: unexpected end of input");
	EXPECT_FAIL("[1,]", "line 1, column 4: trailing comma before ']'");
	EXPECT_FAIL("{\"a\":1,}",
	            "line 1, column 8: trailing comma before '}'");
	EXPECT_FAIL("[,1]", "line 1, column 2: unexpected character ','");
	EXPECT_FAIL("{,}", "line 1, column 2: unexpected character ',', "
	                   "expected a member name in double quotes");
	EXPECT_FAIL("{a:1}", "line 1, column 2: unexpected character 'a', "
	                     "expected a member name in double quotes");
	EXPECT_FAIL("{\"a\" 1}", "line 1, column 6: unexpected character "
	                         "'1', expected ':' after the member name");
	EXPECT_FAIL("{\"a\":1 \"b\":2}",
	            "line 1, column 8: unexpected character '\"', "
	            "expected ',' or '}'");
	EXPECT_FAIL("{\"a\":1]", "line 1, column 7: unexpected character "
	                         "']', expected ',' or '}'");
	EXPECT_FAIL("[1}", "line 1, column 3: unexpected character '}', "
	                   "expected ',' or ']'");
	EXPECT_FAIL("{} x", "line 1, column 4: unexpected character 'x' "
	                    "after the end of the document");
	EXPECT_FAIL("{}{}", "line 1, column 3: unexpected character '{' "
	                    "after the end of the document");
	EXPECT_FAIL("1\n2", "line 2, column 1: unexpected character '2' "
	                    "after the end of the document");
	EXPECT_FAIL("[1]\x01", "line 1, column 4: unexpected byte 0x01 "
	                       "after the end of the document");
	/* only space, tab, LF and CR are white space */
	EXPECT_FAIL("\f1", "line 1, column 1: unexpected byte 0x0C");
	EXPECT_FAIL("[1,\v2]", "line 1, column 4: unexpected byte 0x0B");
	EXPECT_FAIL("/* c */ 1", "line 1, column 1: unexpected character '/'");
	/* NUL after the document */
	EXPECT_FAIL_N("{}\0", 3,
	              "line 1, column 3: unexpected byte 0x00 "
	              "after the end of the document");
	/* a NUL key is refused (it would confuse lookups) */
	EXPECT_FAIL("{\"a\":1,\n \"a\\u0000b\":2}",
	            "line 2, column 2: member name contains '\\u0000'");
}

static void test_json__error_position_multiline(void)
{
	const char *doc =
	        "{\n"
	        "  \"packageDirectories\": [\n"
	        "    { \"path\": \"force-app\", \"default\": true },\n"
	        "    { \"path\": \"other\" \"default\": false }\n"
	        "  ]\n"
	        "}\n";

	EXPECT_FAIL(doc, "line 4, column 23: unexpected character '\"', "
	                 "expected ',' or '}'");
	EXPECT_FAIL("{\r\n\"a\": tru }",
	            "line 2, column 6: invalid literal 'tru'");
}

static void test_json__error_names_the_document(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;

	ASSERT_INT_EQ(c2e_json_parse("[", 1, "sfdx-project.json", &j, &err),
	              C2E_EDATA);
	ASSERT_NULL(j);
	ASSERT_INT_EQ(err.code, C2E_EDATA);
	ASSERT_STR_EQ(err.msg, "'sfdx-project.json' is not valid JSON: "
	                       "line 1, column 2: unexpected end of input");
	/* `len` is honoured: the bytes past it are not read */
	ASSERT_OK(c2e_json_parse("[1]garbage", 3, "x", &j, &err), &err);
	ASSERT_INT_EQ(c2e_json_len(j), 1);
	c2e_json_free(j);
	/* NULL data with len 0 is an empty document */
	ASSERT_INT_EQ(c2e_json_parse(NULL, 0, "x", &j, &err), C2E_EDATA);
	ASSERT_NULL(j);
}

static char *nested(int depth, char open, char close)
{
	char *s = malloc((size_t)depth * 2 + 1);

	ASSERT_NOT_NULL(s);
	for (int i = 0; i < depth; i++) {
		s[i] = open;
		s[depth * 2 - 1 - i] = close;
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_json__depth_cap(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;
	char want[200];
	char *s;
	int rc;

	s = nested(C2E_JSON_MAX_DEPTH, '[', ']');
	rc = c2e_json_parse(s, strlen(s), "deep", &j, &err);
	free(s);
	ASSERT_OK(rc, &err);
	c2e_json_free(j);
	j = NULL;

	s = nested(C2E_JSON_MAX_DEPTH + 1, '[', ']');
	rc = c2e_json_parse(s, strlen(s), "deep", &j, &err);
	free(s);
	ASSERT_INT_EQ(rc, C2E_EDATA);
	ASSERT_NULL(j);
	snprintf(want, sizeof(want),
	         "'deep' is not valid JSON: line 1, column %d: nesting is "
	         "deeper than %d levels",
	         C2E_JSON_MAX_DEPTH + 1, C2E_JSON_MAX_DEPTH);
	ASSERT_STR_EQ(err.msg, want);

	/* objects count too, and a very deep document fails fast */
	s = malloc(100000 * 6 + 1);
	ASSERT_NOT_NULL(s);
	for (int i = 0; i < 100000; i++)
		memcpy(s + i * 6, "{\"a\":[", 6);
	s[100000 * 6] = '\0';
	rc = c2e_json_parse(s, strlen(s), "deep", &j, &err);
	free(s);
	ASSERT_INT_EQ(rc, C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "nesting is deeper than");
}

static void test_json__objects_keep_order_and_duplicates(void)
{
	struct c2e_json *j = parse_ok(
	        "{\"b\":1,\"a\":\"x\",\"b\":\"second\",\"c\":[true,null]}");
	const struct c2e_json *m;

	ASSERT_INT_EQ(j->type, C2E_JSON_OBJECT);
	ASSERT_INT_EQ(c2e_json_len(j), 4);
	m = j->child;
	ASSERT_STR_EQ(m->key, "b");
	ASSERT_STR_EQ(m->str, "1");
	m = m->next;
	ASSERT_STR_EQ(m->key, "a");
	m = m->next;
	ASSERT_STR_EQ(m->key, "b");
	ASSERT_STR_EQ(m->str, "second");
	m = m->next;
	ASSERT_STR_EQ(m->key, "c");
	ASSERT_NULL(m->next);

	/* lookups: the last duplicate wins, as in JSON.parse */
	ASSERT_STR_EQ(c2e_json_get_str(j, "b"), "second");
	ASSERT_STR_EQ(c2e_json_get_str(j, "a"), "x");
	ASSERT_NULL(c2e_json_get_str(j, "c")); /* not a string */
	ASSERT_NULL(c2e_json_get_str(j, "zz"));
	ASSERT_NULL(c2e_json_get(j, "zz"));
	m = c2e_json_get(j, "c");
	ASSERT_NOT_NULL(m);
	ASSERT_INT_EQ(m->type, C2E_JSON_ARRAY);
	ASSERT_INT_EQ(c2e_json_len(m), 2);
	ASSERT_INT_EQ(m->child->type, C2E_JSON_TRUE);
	ASSERT_NULL(m->child->key);
	ASSERT_INT_EQ(m->child->next->type, C2E_JSON_NULL);
	/* getters on the wrong type or NULL */
	ASSERT_NULL(c2e_json_get(m, "x"));
	ASSERT_NULL(c2e_json_get(NULL, "x"));
	ASSERT_NULL(c2e_json_get_str(NULL, "x"));
	ASSERT_INT_EQ(c2e_json_len(NULL), 0);
	ASSERT_INT_EQ(c2e_json_len(m->child), 0);
	c2e_json_free(j);
	c2e_json_free(NULL);
}

static void test_json__empty_containers(void)
{
	struct c2e_json *j = parse_ok(" { \"a\" : [ ] , \"b\" : { } } ");

	ASSERT_INT_EQ(c2e_json_len(j), 2);
	ASSERT_INT_EQ(c2e_json_get(j, "a")->type, C2E_JSON_ARRAY);
	ASSERT_NULL(c2e_json_get(j, "a")->child);
	ASSERT_INT_EQ(c2e_json_get(j, "b")->type, C2E_JSON_OBJECT);
	ASSERT_NULL(c2e_json_get(j, "b")->child);
	c2e_json_free(j);
}

static void test_json__keys_are_decoded(void)
{
	struct c2e_json *j = parse_ok("{\"\\u0061\\n\":1,\"\":2}");

	ASSERT_STR_EQ(j->child->key, "a\n");
	ASSERT_STR_EQ(j->child->next->key, "");
	ASSERT_NOT_NULL(c2e_json_get(j, ""));
	c2e_json_free(j);
}

static void test_json__round_trip_compact(void)
{
	static const char *docs[] = {
		"null",
		"[]",
		"{}",
		"[1,-2,true,false,null,\"s\"]",
		"{\"a\":{\"b\":[[],{}]},\"c\":\"\\\"\\\\\\n\\t\\r\\b\\f\"}",
		"\"\\u0001\\u001f\\u007f\"",
		"[\"\xC3\xA9\xF0\x9F\x98\x80/\"]",
		"{\"dup\":1,\"dup\":2}",
	};
	static const char *want[] = {
		"null",
		"[]",
		"{}",
		"[1,-2,true,false,null,\"s\"]",
		"{\"a\":{\"b\":[[],{}]},\"c\":\"\\\"\\\\\\n\\t\\r\\b\\f\"}",
		"\"\\u0001\\u001f\x7f\"",
		"[\"\xC3\xA9\xF0\x9F\x98\x80/\"]",
		"{\"dup\":1,\"dup\":2}",
	};
	char *out, *again;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		out = round_trip(docs[i], false);
		ASSERT_STR_EQ(out, want[i]);
		/* and what we write parses back to the same text */
		again = round_trip(out, false);
		ASSERT_STR_EQ(again, out);
		free(again);
		free(out);
	}
	/* escaped surrogate pairs come back as raw UTF-8 */
	out = round_trip("\"\\uD83D\\uDE00\"", false);
	ASSERT_STR_EQ(out, "\"\xF0\x9F\x98\x80\"");
	free(out);
}

static void test_json__round_trip_pretty(void)
{
	char *out = round_trip(
	        "{\"a\":1,\"b\":[true,{\"c\":null},[]],\"d\":{}}", true);

	ASSERT_STR_EQ(out, "{\n"
	                   "  \"a\": 1,\n"
	                   "  \"b\": [\n"
	                   "    true,\n"
	                   "    {\n"
	                   "      \"c\": null\n"
	                   "    },\n"
	                   "    []\n"
	                   "  ],\n"
	                   "  \"d\": {}\n"
	                   "}");
	free(out);
	out = round_trip("[]", true);
	ASSERT_STR_EQ(out, "[]");
	free(out);
	out = round_trip("[\"x\"]", true);
	ASSERT_STR_EQ(out, "[\n  \"x\"\n]");
	free(out);
}

static void test_json__writer_compact(void)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "name", "Partner1_App");
	c2e_jsonw_kv_string(&w, "none", NULL);
	c2e_jsonw_kv_long(&w, "n", -9223372036854775807LL - 1);
	c2e_jsonw_kv_long(&w, "zero", 0);
	c2e_jsonw_kv_bool(&w, "t", true);
	c2e_jsonw_kv_bool(&w, "f", false);
	c2e_jsonw_key(&w, "list");
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_string(&w, "a");
	c2e_jsonw_null(&w);
	c2e_jsonw_long(&w, 42);
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_object_end(&w);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_key(&w, "we\"ird\nkey");
	c2e_jsonw_string(&w, "");
	c2e_jsonw_object_end(&w);
	ASSERT(!c2e_jsonw_failed(&w));
	ASSERT_STR_EQ(b.buf, "{\"name\":\"Partner1_App\",\"none\":null,"
	                     "\"n\":-9223372036854775808,\"zero\":0,"
	                     "\"t\":true,\"f\":false,"
	                     "\"list\":[\"a\",null,42,[],{}],"
	                     "\"we\\\"ird\\nkey\":\"\"}");
	c2e_buf_release(&b);
}

static void test_json__writer_pretty(void)
{
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, true);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_long(&w, "status", 0);
	c2e_jsonw_key(&w, "result");
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_key(&w, "commands");
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_string(&w, "name", "help");
	c2e_jsonw_kv_string(&w, "summary", "show help");
	c2e_jsonw_object_end(&w);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_object_end(&w);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_object_end(&w);
	c2e_jsonw_key(&w, "warnings");
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_object_end(&w);
	ASSERT(!c2e_jsonw_failed(&w));
	ASSERT_STR_EQ(b.buf, "{\n"
	                     "  \"status\": 0,\n"
	                     "  \"result\": {\n"
	                     "    \"commands\": [\n"
	                     "      {\n"
	                     "        \"name\": \"help\",\n"
	                     "        \"summary\": \"show help\"\n"
	                     "      },\n"
	                     "      {}\n"
	                     "    ]\n"
	                     "  },\n"
	                     "  \"warnings\": []\n"
	                     "}");
	c2e_buf_release(&b);

	/* a scalar document */
	c2e_jsonw_init(&w, &b, true);
	c2e_jsonw_string(&w, NULL);
	ASSERT_STR_EQ(b.buf, "null");
	c2e_buf_release(&b);
}

static void test_json__quote_escapes(void)
{
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_json_quote(&b, "\"\\/\n\t\r\b\f\x01\x1f\x7f end");
	ASSERT_STR_EQ(b.buf, "\"\\\"\\\\/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f"
	                     " end\"");
	c2e_buf_truncate(&b, 0);
	/* valid UTF-8 is kept as is */
	c2e_json_quote(&b, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
	ASSERT_STR_EQ(b.buf, "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
	c2e_buf_truncate(&b, 0);
	/* invalid UTF-8 becomes U+FFFD so the output stays valid JSON */
	c2e_json_quote(&b, "a\xFF"
	                   "b\xC3"
	                   "c\xED\xA0\x80");
	ASSERT_STR_EQ(b.buf, "\"a\xEF\xBF\xBD"
	                     "b\xEF\xBF\xBD"
	                     "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	c2e_buf_truncate(&b, 0);
	c2e_json_quote(&b, "");
	ASSERT_STR_EQ(b.buf, "\"\"");
	c2e_buf_truncate(&b, 0);
	c2e_json_quote(&b, NULL);
	ASSERT_STR_EQ(b.buf, "null");
	c2e_buf_release(&b);
}

static void test_json__writer_output_parses(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_json *j = NULL;
	struct c2e_jsonw w;
	char all[32];

	/* every control character and some bytes we must not pass raw */
	for (int i = 0; i < 31; i++)
		all[i] = (char)(i + 1);
	all[31] = '\0';
	c2e_jsonw_init(&w, &b, true);
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_string(&w, all);
	c2e_jsonw_string(&w, "\xC0\xAF \xF8");
	c2e_jsonw_array_end(&w);
	ASSERT_OK(c2e_json_parse(b.buf, b.len, "w", &j, &err), &err);
	ASSERT_STR_EQ(j->child->str, all);
	ASSERT_STR_EQ(j->child->next->str,
	              "\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
	c2e_json_free(j);
	c2e_buf_release(&b);
}

static void test_json__writer_failure_is_reported(void)
{
	struct c2e_buf b;
	struct c2e_jsonw w;

	c2e_buf_init(&b, 8);
	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_string(&w, "far too long for the cap");
	c2e_jsonw_array_end(&w);
	ASSERT(c2e_jsonw_failed(&w));
	c2e_buf_release(&b);

	/* unbalanced end and too deep nesting mark the writer failed */
	c2e_buf_init(&b, 0);
	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_array_end(&w);
	ASSERT(c2e_jsonw_failed(&w));
	c2e_buf_release(&b);
	c2e_buf_init(&b, 0);
	c2e_jsonw_init(&w, &b, false);
	for (int i = 0; i <= C2E_JSON_MAX_DEPTH; i++)
		c2e_jsonw_array_begin(&w);
	ASSERT(c2e_jsonw_failed(&w));
	c2e_buf_release(&b);
}

/* Writes a parsed `in` back with c2e_jsonw_value(); caller frees. */
static char *value_text(const char *in, bool pretty)
{
	struct c2e_json *j = parse_ok(in);
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, pretty);
	c2e_jsonw_value(&w, j);
	c2e_json_free(j);
	ASSERT(!c2e_jsonw_failed(&w));
	ASSERT_INT_EQ(w.depth, 0);
	return c2e_buf_detach(&b, NULL);
}

static void test_json__value_writes_documents_back(void)
{
	/* compact documents come back byte for byte */
	static const char *docs[] = {
		"null",
		"true",
		"false",
		"0",
		"\"\"",
		"[]",
		"{}",
		"{\"a\":[1,-0.5,2e10,1E-7,0,-0,1.0e+2,"
		"123456789012345678901234567890],"
		"\"b\":{\"c\":null,\"d\":true,\"e\":false},"
		"\"s\":\"x\\\"y\\\\z\\n\\t\\r\\b\\f\\u0001\\u001f\","
		"\"u\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\","
		"\"empty\":{},\"arr\":[],\"nested\":[[[{\"k\":[{}]}]]],"
		"\"dup\":1,\"dup\":2,\"\":\"\",\"we\\\"ird\\nkey\":[null]}",
		"[\"a\\u0000b\",\"\\u0000\",\"\\u0000\\u0000x\\u0000\"]",
	};
	char *out;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		out = value_text(docs[i], false);
		ASSERT_STR_EQ(out, docs[i]);
		free(out);
	}
	/* white space goes; members keep their order */
	out = value_text(" { \"z\" : [ 1 , 2 ] ,\n\"a\" : { } } ", false);
	ASSERT_STR_EQ(out, "{\"z\":[1,2],\"a\":{}}");
	free(out);
	/* pretty output is the writer's own */
	out = value_text("{\"a\":1,\"b\":[true,{\"c\":null},[]],\"d\":{}}",
	                 true);
	ASSERT_STR_EQ(out, "{\n"
	                   "  \"a\": 1,\n"
	                   "  \"b\": [\n"
	                   "    true,\n"
	                   "    {\n"
	                   "      \"c\": null\n"
	                   "    },\n"
	                   "    []\n"
	                   "  ],\n"
	                   "  \"d\": {}\n"
	                   "}");
	free(out);
}

static void test_json__value_escapes_and_unicode(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_json *j = NULL;
	char *out, *again;

	/* escapes are decoded, then written in the writer's one form */
	out = value_text("\"\\/\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\\u007f"
	                 "\\u0000\\u000A\\\"\"",
	                 false);
	ASSERT_STR_EQ(out, "\"/A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7f"
	                   "\\u0000\\n\\\"\"");
	again = value_text(out, false);
	ASSERT_STR_EQ(again, out);
	free(again);
	free(out);
	/* a NUL in a string survives parse -> write -> parse */
	out = value_text("{\"k\":\"a\\u0000b\"}", false);
	ASSERT_OK(c2e_json_parse(out, strlen(out), "w", &j, &err), &err);
	ASSERT_INT_EQ(j->child->str_len, 3);
	ASSERT(memcmp(j->child->str, "a\0b", 3) == 0);
	c2e_json_free(j);
	free(out);
}

static void test_json__value_inside_a_document(void)
{
	struct c2e_json *j = parse_ok("{\"x\":[1,{\"y\":\"z\"}]}");
	struct c2e_json num, inf;
	struct c2e_buf b = C2E_BUF_INIT;
	struct c2e_jsonw w;

	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_object_begin(&w);
	c2e_jsonw_kv_long(&w, "before", 1);
	c2e_jsonw_key(&w, "copy");
	c2e_jsonw_value(&w, j);
	c2e_jsonw_key(&w, "member");
	c2e_jsonw_value(&w, j->child);
	c2e_jsonw_key(&w, "none");
	c2e_jsonw_value(&w, NULL);
	c2e_jsonw_key(&w, "list");
	c2e_jsonw_array_begin(&w);
	c2e_jsonw_value(&w, j->child->child);
	c2e_jsonw_value(&w, j->child->child->next);
	c2e_jsonw_array_end(&w);
	c2e_jsonw_kv_bool(&w, "after", true);
	c2e_jsonw_object_end(&w);
	ASSERT(!c2e_jsonw_failed(&w));
	ASSERT_STR_EQ(b.buf, "{\"before\":1,\"copy\":{\"x\":[1,{\"y\":\"z\"}]},"
	                     "\"member\":[1,{\"y\":\"z\"}],\"none\":null,"
	                     "\"list\":[1,{\"y\":\"z\"}],\"after\":true}");
	c2e_buf_release(&b);
	c2e_json_free(j);

	/* a number built in memory has no source text: %.17g, no inf */
	memset(&num, 0, sizeof(num));
	num.type = C2E_JSON_NUMBER;
	num.num = 1.5;
	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_value(&w, &num);
	ASSERT_STR_EQ(b.buf, "1.5");
	c2e_buf_release(&b);
	inf = num;
	inf.num = HUGE_VAL;
	c2e_jsonw_init(&w, &b, false);
	c2e_jsonw_value(&w, &inf);
	ASSERT(c2e_jsonw_failed(&w));
	c2e_buf_release(&b);
}

int main(void)
{
	RUN(test_json__scalars);
	RUN(test_json__numbers);
	RUN(test_json__bad_numbers);
	RUN(test_json__literals);
	RUN(test_json__every_escape);
	RUN(test_json__surrogate_pairs);
	RUN(test_json__bad_strings);
	RUN(test_json__utf8);
	RUN(test_json__structure_errors);
	RUN(test_json__error_position_multiline);
	RUN(test_json__error_names_the_document);
	RUN(test_json__depth_cap);
	RUN(test_json__objects_keep_order_and_duplicates);
	RUN(test_json__empty_containers);
	RUN(test_json__keys_are_decoded);
	RUN(test_json__round_trip_compact);
	RUN(test_json__round_trip_pretty);
	RUN(test_json__writer_compact);
	RUN(test_json__writer_pretty);
	RUN(test_json__quote_escapes);
	RUN(test_json__writer_output_parses);
	RUN(test_json__writer_failure_is_reported);
	RUN(test_json__value_writes_documents_back);
	RUN(test_json__value_escapes_and_unicode);
	RUN(test_json__value_inside_a_document);
	return test_summary();
}
