#include "model/manifest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/compat.h"

/* Largest manifest c2e_manifest_read accepts. */
#define MANIFEST_MAX ((size_t)64 << 20)
#define ALIAS_MAX    64
#define SHARD_MAX    100000u
/* Most header fields kept (more than this is a wrong file). */
#define HEADER_MAX 64
/* Longest user text quoted in a message, and a list of them. */
#define SHOW_MAX 48
#define LIST_MAX 256

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME  UINT64_C(1099511628211)

enum col {
	COL_ALIAS,
	COL_AUTH_FILE,
	COL_LOGIN_URL,
	COL_CLIENT_ID,
	COL_USERNAME,
	COL_JWT_KEY,
	COL_APPS,
	COL_VERIFY_USER,
	COL_VERIFY_KEY,
	COL_CCD,
	COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
	"alias",   "auth_file", "login_url",   "client_id",  "username",
	"jwt_key", "apps",      "verify_user", "verify_key", "ccd"
};

static const enum col jwt_cols[] = { COL_LOGIN_URL, COL_CLIENT_ID, COL_USERNAME,
	                             COL_JWT_KEY };

#define COL_LIST                                                            \
	"alias, auth_file, login_url, client_id, username, jwt_key, apps, " \
	"verify_user, verify_key, ccd"
#define JWT_LIST "login_url, client_id, username and jwt_key"

/* A CSV record reader over the whole manifest in memory. */
struct reader {
	const char *data;
	size_t len;
	size_t pos;
	long line; /* line number of `pos` */
	const char *path;
	/* the record just read */
	long rec_line; /* where it starts */
	size_t raw_start, raw_end; /* its text, without the line end */
	size_t nfields; /* how many it has */
	size_t keep; /* most fields stored in `fields` */
	struct c2e_strv fields; /* trimmed */
	struct c2e_buf cur; /* the field being read */
	const char *const *names; /* column name of each field, or NULL */
	size_t nnames;
};

struct parse {
	struct reader r;
	struct c2e_manifest *m;
	size_t alloc; /* of m->orgs */
	char *dir; /* the manifest's directory */
	int col_field[COL_COUNT]; /* field index of each column, or -1 */
	const char *field_names[HEADER_MAX]; /* column of each field */
	size_t *slots; /* aliases (ignoring case): org index + 1, 0 free */
	size_t nslots; /* a power of two */
};

static int fail(struct c2e_err *err, const char *path, long line,
                const char *col, const char *fmt, ...) C2E_PRINTF(5, 6);

/* "manifest 'PATH': line N: [column 'X': ]what" as C2E_EDATA. */
static int fail(struct c2e_err *err, const char *path, long line,
                const char *col, const char *fmt, ...)
{
	char what[C2E_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
		what[0] = '\0';
	va_end(ap);
	if (col)
		return c2e_err_set(err, C2E_EDATA,
		                   "manifest '%s': line %ld: column '%s': %s",
		                   path, line, col, what);
	return c2e_err_set(err, C2E_EDATA, "manifest '%s': line %ld: %s", path,
	                   line, what);
}

/* A printable copy of `s`, cut short, for a message. */
static const char *show(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (*s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* Appends `s` to the string in `buf`, cutting it short when full. */
static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf), m = strlen(s);

	if (n + 1 >= size)
		return;
	if (m > size - n - 1)
		m = size - n - 1;
	memcpy(buf + n, s, m);
	buf[n + m] = '\0';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Skips blank lines (white space and commas only, as spreadsheets write
 * empty rows) and comment lines ('#' first).  False at the end.
 */
static bool skip_ignored(struct reader *r)
{
	while (r->pos < r->len) {
		const char *p = r->data + r->pos;
		const char *nl = memchr(p, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;

		if (p[0] != '#') {
			size_t i = 0;

			while (i < n &&
			       (is_blank(p[i]) || p[i] == ',' || p[i] == '\r'))
				i++;
			if (i < n)
				return true;
		}
		r->pos += nl ? n + 1 : n;
		if (nl)
			r->line++;
	}
	return false;
}

static const char *field_name(const struct reader *r)
{
	return r->names && r->nfields < r->nnames ? r->names[r->nfields] : NULL;
}

static int end_field(struct reader *r, struct c2e_err *err)
{
	const char *s;
	size_t n;
	int rc = C2E_OK;

	if (c2e_buf_failed(&r->cur))
		return c2e_buf_err(&r->cur, "a field of the manifest", err);
	if (r->nfields < r->keep) {
		c2e_str_trim(r->cur.buf, &s, &n);
		rc = c2e_strv_push_owned(&r->fields, c2e_strndup(s, n), err);
	}
	r->nfields++;
	c2e_buf_truncate(&r->cur, 0);
	return rc;
}

enum state {
	ST_START, /* at the start of a field (maybe after blanks) */
	ST_PLAIN, /* in an unquoted field */
	ST_QUOTED, /* between quotes */
	ST_AFTER /* after the closing quote */
};

/*
 * Reads the next record (RFC 4180, CRLF or LF) into r->fields.  Returns 1
 * when one was read, 0 at the end of the data, or an error.
 */
static int read_record(struct reader *r, struct c2e_err *err)
{
	enum state st = ST_START;
	int rc;

	c2e_strv_release(&r->fields);
	c2e_buf_truncate(&r->cur, 0);
	r->nfields = 0;
	if (!skip_ignored(r))
		return 0;
	r->rec_line = r->line;
	r->raw_start = r->pos;
	for (;;) {
		char c;

		if (r->pos == r->len) {
			if (st == ST_QUOTED)
				return fail(err, r->path, r->rec_line,
				            field_name(r),
				            "a quoted field is not closed "
				            "before the end of the file; add "
				            "the closing '\"'");
			r->raw_end = r->pos;
			rc = end_field(r, err);
			return rc < 0 ? rc : 1;
		}
		c = r->data[r->pos];
		if (c == '\0')
			return fail(err, r->path, r->rec_line, field_name(r),
			            "a NUL byte; save the manifest as UTF-8 "
			            "text");
		if (st == ST_QUOTED) {
			if (c == '"' && r->pos + 1 < r->len &&
			    r->data[r->pos + 1] == '"') {
				c2e_buf_addc(&r->cur, '"');
				r->pos += 2;
				continue;
			}
			if (c == '"')
				st = ST_AFTER;
			else
				c2e_buf_addc(&r->cur, c);
			if (c == '\n')
				r->line++;
			r->pos++;
			continue;
		}
		if (c == '\r' &&
		    (r->pos + 1 == r->len || r->data[r->pos + 1] != '\n'))
			return fail(err, r->path, r->rec_line, field_name(r),
			            "a carriage return that does not end the "
			            "line; quote the field or save the "
			            "manifest with LF or CRLF line ends");
		if (c == '\r' || c == '\n') {
			r->raw_end = r->pos;
			r->pos += c == '\r' ? 2 : 1;
			r->line++;
			rc = end_field(r, err);
			return rc < 0 ? rc : 1;
		}
		if (c == ',') {
			rc = end_field(r, err);
			if (rc < 0)
				return rc;
			st = ST_START;
			r->pos++;
			continue;
		}
		if (st == ST_START && c == '"') {
			c2e_buf_truncate(&r->cur, 0);
			st = ST_QUOTED;
		} else if (st == ST_START || st == ST_PLAIN) {
			if (c == '"')
				return fail(err, r->path, r->rec_line,
				            field_name(r),
				            "a '\"' inside an unquoted field; "
				            "put the whole field in quotes "
				            "and write the quote as \"\"");
			c2e_buf_addc(&r->cur, c);
			if (!is_blank(c))
				st = ST_PLAIN;
		} else if (!is_blank(c)) {
			return fail(err, r->path, r->rec_line, field_name(r),
			            "text after the closing '\"' of a quoted "
			            "field; quote the whole field and write "
			            "a quote inside it as \"\"");
		}
		r->pos++;
	}
}

static int column_of(const char *name)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (c2e_str_ieq(name, col_names[i]))
			return i;
	return -1;
}

static int parse_header(struct parse *p, struct c2e_err *err)
{
	struct reader *r = &p->r;
	char unknown[LIST_MAX] = "", dups[LIST_MAX] = "", tmp[SHOW_MAX];
	size_t nunknown = 0, ndups = 0, unnamed = 0;
	bool jwt = true;

	if (r->nfields > HEADER_MAX)
		return fail(
		        err, r->path, r->rec_line, NULL,
		        "the header has %zu columns; the columns are " COL_LIST,
		        r->nfields);
	for (size_t i = 0; i < r->nfields; i++) {
		const char *name = r->fields.v[i];
		int c = column_of(name);
		char *list = c < 0 ? unknown : dups;

		if (!*name) {
			if (!unnamed)
				unnamed = i + 1;
			continue;
		}
		if (c >= 0 && p->col_field[c] < 0) {
			p->col_field[c] = (int)i;
			p->field_names[i] = col_names[c];
			continue;
		}
		if (c < 0 ? nunknown : ndups)
			append(list, LIST_MAX, ", ");
		append(list, LIST_MAX, "'");
		append(list, LIST_MAX,
		       show(c < 0 ? name : col_names[c], tmp, sizeof(tmp)));
		append(list, LIST_MAX, "'");
		if (c < 0)
			nunknown++;
		else
			ndups++;
	}
	if (unnamed)
		return fail(err, r->path, r->rec_line, NULL,
		            "header column %zu has no name; name it or "
		            "remove the extra comma (the columns are " COL_LIST
		            ")",
		            unnamed);
	if (nunknown)
		return fail(err, r->path, r->rec_line, NULL,
		            "unknown column%s %s; the columns are " COL_LIST,
		            nunknown > 1 ? "s" : "", unknown);
	if (ndups)
		return fail(err, r->path, r->rec_line, NULL,
		            "duplicate column%s %s; name each column once "
		            "(the columns are " COL_LIST ")",
		            ndups > 1 ? "s" : "", dups);
	if (p->col_field[COL_ALIAS] < 0)
		return fail(err, r->path, r->rec_line, NULL,
		            "no column 'alias'; add it to the header (the "
		            "columns are " COL_LIST ")");
	for (size_t i = 0; i < C2E_ARRAY_SIZE(jwt_cols); i++)
		jwt = jwt && p->col_field[jwt_cols[i]] >= 0;
	if (p->col_field[COL_AUTH_FILE] < 0 && !jwt)
		return fail(err, r->path, r->rec_line, NULL,
		            "no columns to log in with; add auth_file, "
		            "or " JWT_LIST);
	p->m->header =
	        c2e_strndup(r->data + r->raw_start, r->raw_end - r->raw_start);
	if (!p->m->header)
		return c2e_err_oom(err);
	r->names = p->field_names;
	r->nnames = r->nfields;
	r->keep = r->nfields;
	return C2E_OK;
}

/* The trimmed value of a column on this line, NULL when empty. */
static const char *value(const struct parse *p, enum col c)
{
	int i = p->col_field[c];

	if (i < 0 || !p->r.fields.v[i][0])
		return NULL;
	return p->r.fields.v[i];
}

static uint64_t fnv1a(const char *s, bool fold)
{
	uint64_t h = FNV_OFFSET;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= FNV_PRIME;
	}
	return h;
}

static size_t slot_of(const struct parse *p, const char *alias)
{
	size_t mask = p->nslots - 1;
	size_t i = (size_t)(fnv1a(alias, true) & mask);

	while (p->slots[i] &&
	       !c2e_str_ieq(p->m->orgs[p->slots[i] - 1].alias, alias))
		i = (i + 1) & mask;
	return i;
}

/* Room for one more alias and one more org. */
static int make_room(struct parse *p, struct c2e_err *err)
{
	struct c2e_manifest *m = p->m;

	if (m->n == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 16;
		struct c2e_manifest_org *v;

		if (n > SIZE_MAX / sizeof(*v))
			return c2e_err_oom(err);
		v = realloc(m->orgs, n * sizeof(*v));
		if (!v)
			return c2e_err_oom(err);
		m->orgs = v;
		p->alloc = n;
	}
	if ((m->n + 1) * 2 > p->nslots) {
		size_t n = p->nslots ? p->nslots * 2 : 64;
		size_t *old = p->slots;

		if (n > SIZE_MAX / sizeof(*old))
			return c2e_err_oom(err);
		p->slots = calloc(n, sizeof(*old));
		if (!p->slots) {
			p->slots = old;
			return c2e_err_oom(err);
		}
		free(old);
		p->nslots = n;
		for (size_t i = 0; i < m->n; i++)
			p->slots[slot_of(p, m->orgs[i].alias)] = i + 1;
	}
	return C2E_OK;
}

static int check_alias(const struct parse *p, const char *alias,
                       struct c2e_err *err)
{
	const struct reader *r = &p->r;
	char tmp[SHOW_MAX];
	size_t n;

	if (!alias)
		return fail(err, r->path, r->rec_line, "alias",
		            "empty; give every org an alias (letters, "
		            "digits, '-', '_', '.')");
	n = strspn(alias, "abcdefghijklmnopqrstuvwxyz"
	                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	if (alias[n])
		return fail(err, r->path, r->rec_line, "alias",
		            "'%s' holds a character other than letters, "
		            "digits, '-', '_' and '.'; rename the org",
		            show(alias, tmp, sizeof(tmp)));
	if (n > ALIAS_MAX)
		return fail(err, r->path, r->rec_line, "alias",
		            "'%s' is longer than %d characters; shorten it",
		            show(alias, tmp, sizeof(tmp)), ALIAS_MAX);
	if (!strcmp(alias, ".") || !strcmp(alias, ".."))
		return fail(err, r->path, r->rec_line, "alias",
		            "'%s' cannot name an org (it names a directory); "
		            "rename the org",
		            alias);
	return C2E_OK;
}

/* Exactly one way to log in: auth_file, or all four JWT columns. */
static int check_login(const struct parse *p, struct c2e_err *err)
{
	const struct reader *r = &p->r;
	char given[96] = "", missing[96] = "";
	const char *first_missing = NULL;
	size_t ngiven = 0, nmissing = 0;

	for (size_t i = 0; i < C2E_ARRAY_SIZE(jwt_cols); i++) {
		const char *name = col_names[jwt_cols[i]];

		if (value(p, jwt_cols[i])) {
			if (ngiven++)
				append(given, sizeof(given), ", ");
			append(given, sizeof(given), name);
		} else {
			if (nmissing++)
				append(missing, sizeof(missing), ", ");
			append(missing, sizeof(missing), name);
			if (!first_missing)
				first_missing = name;
		}
	}
	if (value(p, COL_AUTH_FILE)) {
		if (ngiven)
			return fail(err, r->path, r->rec_line, "auth_file",
			            "given together with %s; log in with "
			            "auth_file or with " JWT_LIST ", not both",
			            given);
		return C2E_OK;
	}
	if (!ngiven)
		return fail(err, r->path, r->rec_line, NULL,
		            "no way to log in; fill in auth_file, or all "
		            "of " JWT_LIST);
	if (nmissing)
		return fail(err, r->path, r->rec_line, first_missing,
		            "empty, but the JWT login needs it (missing: "
		            "%s); fill in all of " JWT_LIST
		            ", or use auth_file",
		            missing);
	return C2E_OK;
}

static int check_options(const struct parse *p, bool *manual_out,
                         struct c2e_err *err)
{
	const struct reader *r = &p->r;
	const char *user = value(p, COL_VERIFY_USER);
	const char *key = value(p, COL_VERIFY_KEY);
	const char *ccd = value(p, COL_CCD);
	char tmp[SHOW_MAX];

	if (user && !key)
		return fail(err, r->path, r->rec_line, "verify_key",
		            "empty, but verify_user is given; give both "
		            "verify_user and verify_key, or neither");
	if (key && !user)
		return fail(err, r->path, r->rec_line, "verify_user",
		            "empty, but verify_key is given; give both "
		            "verify_user and verify_key, or neither");
	if (ccd && !c2e_str_ieq(ccd, "auto") && !c2e_str_ieq(ccd, "manual"))
		return fail(err, r->path, r->rec_line, "ccd",
		            "'%s' is not auto or manual; write one of them, "
		            "or leave it empty for auto",
		            show(ccd, tmp, sizeof(tmp)));
	*manual_out = ccd && c2e_str_ieq(ccd, "manual");
	return C2E_OK;
}

/* A path of the manifest as a path from the cwd (or absolute). */
static char *resolve(const char *dir, const char *path)
{
	if (path[0] == '/')
		return c2e_strdup(path);
	while (path[0] == '.' && path[1] == '/') {
		path += 2;
		while (*path == '/')
			path++;
	}
	if (!*path)
		path = ".";
	if (!strcmp(dir, "."))
		return c2e_strdup(path);
	return c2e_path_join(dir, path);
}

static int copy(const struct parse *p, enum col c, bool path, char **dst,
                struct c2e_err *err)
{
	const char *v = value(p, c);
	char *s;

	if (!v)
		return C2E_OK;
	s = path ? resolve(p->dir, v) : c2e_strdup(v);
	if (!s)
		return c2e_err_oom(err);
	*dst = s;
	return C2E_OK;
}

/* "a; b;;c" -> a, b, c */
static int split_apps(const char *v, struct c2e_strv *out, struct c2e_err *err)
{
	while (v && *v) {
		const char *semi = strchr(v, ';');
		size_t n = semi ? (size_t)(semi - v) : strlen(v);
		int rc;

		while (n && isspace((unsigned char)*v))
			v++, n--;
		while (n && isspace((unsigned char)v[n - 1]))
			n--;
		if (n) {
			rc = c2e_strv_push_owned(out, c2e_strndup(v, n), err);
			if (rc < 0)
				return rc;
		}
		v = semi ? semi + 1 : NULL;
	}
	return C2E_OK;
}

static void org_release(struct c2e_manifest_org *o)
{
	free(o->alias);
	free(o->auth_file);
	free(o->login_url);
	free(o->client_id);
	free(o->username);
	free(o->jwt_key);
	c2e_strv_release(&o->apps);
	free(o->verify_user);
	free(o->verify_key);
	free(o->raw);
}

static int add_org(struct parse *p, struct c2e_err *err)
{
	const struct reader *r = &p->r;
	struct c2e_manifest_org o;
	const char *alias = value(p, COL_ALIAS);
	bool manual = false;
	size_t slot;
	int rc;

	memset(&o, 0, sizeof(o));
	if (r->nfields != r->nnames)
		return fail(err, r->path, r->rec_line, NULL,
		            "%zu field%s, but the header has %zu column%s; "
		            "give every line one field per column and quote "
		            "fields that hold commas",
		            r->nfields, r->nfields == 1 ? "" : "s", r->nnames,
		            r->nnames == 1 ? "" : "s");
	rc = check_alias(p, alias, err);
	if (rc < 0)
		goto done;
	rc = make_room(p, err);
	if (rc < 0)
		goto done;
	slot = slot_of(p, alias);
	if (p->slots[slot]) {
		rc = fail(err, r->path, r->rec_line, "alias",
		          "'%s' is also the alias on line %ld; give each org "
		          "its own alias (case does not count)",
		          alias, p->m->orgs[p->slots[slot] - 1].line);
		goto done;
	}
	rc = check_login(p, err);
	if (rc == 0)
		rc = check_options(p, &manual, err);
	if (rc < 0)
		goto done;
	o.line = r->rec_line;
	o.ccd_manual = manual;
	o.alias = c2e_strdup(alias);
	o.raw = c2e_strndup(r->data + r->raw_start, r->raw_end - r->raw_start);
	if (!o.alias || !o.raw) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = copy(p, COL_AUTH_FILE, true, &o.auth_file, err);
	if (rc == 0)
		rc = copy(p, COL_LOGIN_URL, false, &o.login_url, err);
	if (rc == 0)
		rc = copy(p, COL_CLIENT_ID, false, &o.client_id, err);
	if (rc == 0)
		rc = copy(p, COL_USERNAME, false, &o.username, err);
	if (rc == 0)
		rc = copy(p, COL_JWT_KEY, true, &o.jwt_key, err);
	if (rc == 0)
		rc = copy(p, COL_VERIFY_USER, false, &o.verify_user, err);
	if (rc == 0)
		rc = copy(p, COL_VERIFY_KEY, true, &o.verify_key, err);
	if (rc == 0)
		rc = split_apps(value(p, COL_APPS), &o.apps, err);
	if (rc < 0)
		goto done;
	p->m->orgs[p->m->n++] = o;
	p->slots[slot] = p->m->n;
	memset(&o, 0, sizeof(o));
done:
	org_release(&o);
	return rc;
}

void c2e_manifest_free(struct c2e_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		org_release(&m->orgs[i]);
	free(m->orgs);
	free(m->header);
	free(m->path);
	free(m);
}

int c2e_manifest_parse(const char *data, size_t len, const char *path,
                       struct c2e_manifest **out, struct c2e_err *err)
{
	struct parse p;
	int rc;

	if (!path)
		path = "-";
	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < COL_COUNT; i++)
		p.col_field[i] = -1;
	c2e_buf_init(&p.r.cur, 0);
	p.r.data = data;
	p.r.len = len;
	p.r.line = 1;
	p.r.path = path;
	p.r.keep = HEADER_MAX;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		p.r.pos = 3;
	p.m = calloc(1, sizeof(*p.m));
	p.dir = c2e_path_dir(path);
	if (!p.m || !p.dir) {
		rc = c2e_err_oom(err);
		goto done;
	}
	p.m->path = c2e_strdup(path);
	if (!p.m->path) {
		rc = c2e_err_oom(err);
		goto done;
	}
	rc = read_record(&p.r, err);
	if (rc == 0)
		rc = c2e_err_set(err, C2E_EDATA,
		                 "manifest '%s': no header line; start the "
		                 "file with the column names, e.g. "
		                 "alias,auth_file",
		                 path);
	if (rc < 0)
		goto done;
	rc = parse_header(&p, err);
	if (rc < 0)
		goto done;
	for (;;) {
		rc = read_record(&p.r, err);
		if (rc <= 0)
			break;
		rc = add_org(&p, err);
		if (rc < 0)
			break;
	}
	if (rc < 0)
		goto done;
	if (!p.m->n) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "manifest '%s': no orgs; add a line for each "
		                 "org below the header",
		                 path);
		goto done;
	}
	*out = p.m;
	p.m = NULL;
done:
	c2e_manifest_free(p.m);
	c2e_strv_release(&p.r.fields);
	c2e_buf_release(&p.r.cur);
	free(p.slots);
	free(p.dir);
	return rc;
}

int c2e_manifest_read(const char *path, struct c2e_manifest **out,
                      struct c2e_err *err)
{
	struct c2e_buf data;
	int rc;

	c2e_buf_init(&data, MANIFEST_MAX);
	rc = c2e_fs_read(path, MANIFEST_MAX, &data, err);
	if (rc < 0) {
		c2e_err_prefix(err, "manifest");
		goto done;
	}
	rc = c2e_manifest_parse(data.buf, data.len, path, out, err);
done:
	c2e_buf_release(&data);
	return rc;
}

bool c2e_manifest_in_shard(const char *alias, unsigned index, unsigned count)
{
	if (!alias || count == 0 || index == 0 || index > count)
		return false;
	return fnv1a(alias, false) % count == index - 1;
}

static int parse_count(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > SHARD_MAX)
			return -1;
	}
	*out = v;
	return 0;
}

int c2e_shard_parse(const char *s, unsigned *index_out, unsigned *count_out)
{
	const char *slash;
	unsigned i, n;

	if (!s)
		return -1;
	slash = strchr(s, '/');
	if (!slash || parse_count(s, (size_t)(slash - s), &i) < 0 ||
	    parse_count(slash + 1, strlen(slash + 1), &n) < 0)
		return -1;
	if (i < 1 || i > n)
		return -1;
	*index_out = i;
	*count_out = n;
	return 0;
}

int c2e_manifest_write_subset(const struct c2e_manifest *m, const bool *keep,
                              struct c2e_buf *out, struct c2e_err *err)
{
	size_t start = out->len;
	int rc = C2E_OK;

	c2e_buf_adds(out, m->header);
	c2e_buf_addc(out, '\n');
	for (size_t i = 0; i < m->n; i++) {
		if (keep && !keep[i])
			continue;
		c2e_buf_adds(out, m->orgs[i].raw);
		c2e_buf_addc(out, '\n');
	}
	if (c2e_buf_failed(out)) {
		rc = c2e_buf_err(out, "the retry manifest", err);
		c2e_buf_truncate(out, start);
	}
	return rc;
}
