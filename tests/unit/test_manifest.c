#include "test.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "model/manifest.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/compat.h"

#define PATH "/srv/batch/orgs.csv"

static struct c2e_manifest *parse(const char *text)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *m = NULL;

	ASSERT_OK(c2e_manifest_parse(text, strlen(text), PATH, &m, &err), &err);
	ASSERT_NOT_NULL(m);
	return m;
}

/* Parses `text`, expecting C2E_EDATA with `want` in the message. */
static void parse_fails(const char *text, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *sentinel = (struct c2e_manifest *)&err;
	struct c2e_manifest *m = sentinel;
	int rc = c2e_manifest_parse(text, strlen(text), PATH, &m, &err);

	if (rc == 0)
		c2e_manifest_free(m);
	ASSERT_INT_EQ(rc, C2E_EDATA);
	ASSERT(m == sentinel);
	ASSERT_STR_CONTAINS(err.msg, "manifest '" PATH "': ");
	ASSERT_STR_CONTAINS(err.msg, want);
	ASSERT(!strchr(err.msg, '\n'));
}

static void test_manifest__auth_file_row(void)
{
	struct c2e_manifest *m = parse("alias,auth_file\n"
	                               "prod,./auth/prod.json\n");
	const struct c2e_manifest_org *o = &m->orgs[0];

	ASSERT_STR_EQ(m->path, PATH);
	ASSERT_STR_EQ(m->header, "alias,auth_file");
	ASSERT_INT_EQ(m->n, 1);
	ASSERT_INT_EQ(o->line, 2);
	ASSERT_STR_EQ(o->alias, "prod");
	ASSERT_STR_EQ(o->auth_file, "/srv/batch/auth/prod.json");
	ASSERT_NULL(o->login_url);
	ASSERT_NULL(o->client_id);
	ASSERT_NULL(o->username);
	ASSERT_NULL(o->jwt_key);
	ASSERT_INT_EQ(o->apps.n, 0);
	ASSERT_NULL(o->verify_user);
	ASSERT_NULL(o->verify_key);
	ASSERT(!o->ccd_manual);
	ASSERT_STR_EQ(o->raw, "prod,./auth/prod.json");
	c2e_manifest_free(m);
}

static void test_manifest__jwt_row_and_every_column(void)
{
	struct c2e_manifest *m = parse(
	        "alias,auth_file,login_url,client_id,username,jwt_key,apps,"
	        "verify_user,verify_key,ccd\n"
	        "uat,,https://test.salesforce.com,3MVG9abc,admin@x.example,"
	        "keys/admin.key,A_App;B_App,check@x.example,"
	        "/etc/keys/app.key,manual\n");
	const struct c2e_manifest_org *o = &m->orgs[0];

	ASSERT_STR_EQ(o->alias, "uat");
	ASSERT_NULL(o->auth_file);
	ASSERT_STR_EQ(o->login_url, "https://test.salesforce.com");
	ASSERT_STR_EQ(o->client_id, "3MVG9abc");
	ASSERT_STR_EQ(o->username, "admin@x.example");
	ASSERT_STR_EQ(o->jwt_key, "/srv/batch/keys/admin.key");
	ASSERT_INT_EQ(o->apps.n, 2);
	ASSERT_STR_EQ(o->apps.v[0], "A_App");
	ASSERT_STR_EQ(o->apps.v[1], "B_App");
	ASSERT_STR_EQ(o->verify_user, "check@x.example");
	ASSERT_STR_EQ(o->verify_key, "/etc/keys/app.key");
	ASSERT(o->ccd_manual);
	c2e_manifest_free(m);
}

static void test_manifest__columns_any_order_any_case(void)
{
	struct c2e_manifest *m = parse(" CCD ,Apps,  Auth_File,ALIAS \n"
	                               "Manual,x,a.json,one\n"
	                               ",,b.json,two\n");

	ASSERT_INT_EQ(m->n, 2);
	ASSERT_STR_EQ(m->header, " CCD ,Apps,  Auth_File,ALIAS ");
	ASSERT_STR_EQ(m->orgs[0].alias, "one");
	ASSERT_STR_EQ(m->orgs[0].auth_file, "/srv/batch/a.json");
	ASSERT(m->orgs[0].ccd_manual);
	ASSERT_INT_EQ(m->orgs[0].apps.n, 1);
	ASSERT_STR_EQ(m->orgs[1].alias, "two");
	ASSERT(!m->orgs[1].ccd_manual);
	ASSERT_INT_EQ(m->orgs[1].apps.n, 0);
	ASSERT_INT_EQ(m->orgs[1].line, 3);
	c2e_manifest_free(m);
}

static void test_manifest__quoted_fields(void)
{
	struct c2e_manifest *m =
	        parse("alias,auth_file,username,login_url,client_id,jwt_key\n"
	              "\"a\",\"dir, with comma/a.json\",,,,\n"
	              "b,,\"say \"\"hi\"\"\",u,c,\"\"\"k\"\".pem\"\n"
	              "c,\"\",  \"padded\"  ,u,c,k\n");

	ASSERT_INT_EQ(m->n, 3);
	ASSERT_STR_EQ(m->orgs[0].alias, "a");
	ASSERT_STR_EQ(m->orgs[0].auth_file,
	              "/srv/batch/dir, with comma/a.json");
	ASSERT_STR_EQ(m->orgs[0].raw, "\"a\",\"dir, with comma/a.json\",,,,");
	ASSERT_STR_EQ(m->orgs[1].username, "say \"hi\"");
	ASSERT_STR_EQ(m->orgs[1].jwt_key, "/srv/batch/\"k\".pem");
	ASSERT_STR_EQ(m->orgs[1].raw,
	              "b,,\"say \"\"hi\"\"\",u,c,\"\"\"k\"\".pem\"");
	/* blanks around a quoted field are allowed and dropped */
	ASSERT_NULL(m->orgs[2].auth_file);
	ASSERT_STR_EQ(m->orgs[2].username, "padded");
	c2e_manifest_free(m);
}

static void test_manifest__embedded_line_breaks(void)
{
	struct c2e_manifest *m = parse("alias,auth_file,apps\n"
	                               "one,a.json,\"App_A;\nApp_B\n;App_C\"\n"
	                               "two,\"b\nc.json\",\n"
	                               "three,d.json,\n");

	ASSERT_INT_EQ(m->n, 3);
	ASSERT_INT_EQ(m->orgs[0].line, 2);
	ASSERT_INT_EQ(m->orgs[0].apps.n, 3);
	ASSERT_STR_EQ(m->orgs[0].apps.v[0], "App_A");
	ASSERT_STR_EQ(m->orgs[0].apps.v[1], "App_B");
	ASSERT_STR_EQ(m->orgs[0].apps.v[2], "App_C");
	ASSERT_STR_EQ(m->orgs[0].raw, "one,a.json,\"App_A;\nApp_B\n;App_C\"");
	ASSERT_INT_EQ(m->orgs[1].line, 5);
	ASSERT_STR_EQ(m->orgs[1].auth_file, "/srv/batch/b\nc.json");
	ASSERT_STR_EQ(m->orgs[1].raw, "two,\"b\nc.json\",");
	ASSERT_INT_EQ(m->orgs[2].line, 7);
	c2e_manifest_free(m);
}

static void test_manifest__crlf(void)
{
	struct c2e_manifest *m = parse("alias,auth_file,apps\r\n"
	                               "one,a.json,\"x\r\ny\"\r\n"
	                               "\r\n"
	                               "two,b.json,\r\n");

	ASSERT_STR_EQ(m->header, "alias,auth_file,apps");
	ASSERT_INT_EQ(m->n, 2);
	ASSERT_STR_EQ(m->orgs[0].auth_file, "/srv/batch/a.json");
	ASSERT_INT_EQ(m->orgs[0].apps.n, 1);
	ASSERT_STR_EQ(m->orgs[0].apps.v[0], "x\r\ny");
	ASSERT_STR_EQ(m->orgs[0].raw, "one,a.json,\"x\r\ny\"");
	ASSERT_STR_EQ(m->orgs[1].raw, "two,b.json,");
	ASSERT_INT_EQ(m->orgs[1].line, 5);
	ASSERT_INT_EQ(m->orgs[1].apps.n, 0);
	c2e_manifest_free(m);
}

static void test_manifest__bom_is_skipped(void)
{
	struct c2e_manifest *m = parse("\xef\xbb\xbf"
	                               "alias,auth_file\n"
	                               "one,a.json\n");

	ASSERT_STR_EQ(m->header, "alias,auth_file");
	ASSERT_STR_EQ(m->orgs[0].alias, "one");
	ASSERT_INT_EQ(m->orgs[0].line, 2);
	c2e_manifest_free(m);
	/* before a comment too */
	m = parse("\xef\xbb\xbf# orgs\nalias,auth_file\none,a.json");
	ASSERT_INT_EQ(m->orgs[0].line, 3);
	c2e_manifest_free(m);
}

static void test_manifest__comments_and_blank_lines(void)
{
	struct c2e_manifest *m = parse("# the orgs of the batch\n"
	                               "\n"
	                               "#alias,auth_file\n"
	                               "alias,auth_file\n"
	                               "   \n"
	                               "# prod first\n"
	                               "prod,p.json\n"
	                               ",\n"
	                               " , \t\n"
	                               "#\"unbalanced\n"
	                               "uat,u.json\n"
	                               "\n"
	                               "\n");

	ASSERT_STR_EQ(m->header, "alias,auth_file");
	ASSERT_INT_EQ(m->n, 2);
	ASSERT_STR_EQ(m->orgs[0].alias, "prod");
	ASSERT_INT_EQ(m->orgs[0].line, 7);
	ASSERT_STR_EQ(m->orgs[1].alias, "uat");
	ASSERT_INT_EQ(m->orgs[1].line, 11);
	c2e_manifest_free(m);
}

static void test_manifest__last_line_without_newline(void)
{
	struct c2e_manifest *m = parse("alias,auth_file\na,a.json\nb,b.json");

	ASSERT_INT_EQ(m->n, 2);
	ASSERT_STR_EQ(m->orgs[1].raw, "b,b.json");
	ASSERT_STR_EQ(m->orgs[1].auth_file, "/srv/batch/b.json");
	c2e_manifest_free(m);
}

static void test_manifest__csv_syntax_errors(void)
{
	parse_fails("alias,auth_file\na,a.json\nb,b\"c.json\n",
	            "line 3: column 'auth_file': a '\"' inside an unquoted "
	            "field");
	parse_fails("alias,auth_file\n\"a\"x,a.json\n",
	            "line 2: column 'alias': text after the closing '\"'");
	/* the line where the row starts, not where the file ends */
	parse_fails("alias,auth_file\na,a.json\n\n\"b,b.json\nc,c.json\n",
	            "line 4: column 'alias': a quoted field is not closed");
	parse_fails("alias,auth_file\na,\"a\n.json", "line 2: column "
	                                             "'auth_file': a quoted "
	                                             "field is not closed");
	parse_fails("alias,auth_file\na,a.json\nb,b.json,extra\n",
	            "line 3: 3 fields, but the header has 2 columns");
	parse_fails("alias,auth_file,apps\n\nb,b.json\n",
	            "line 3: 2 fields, but the header has 3 columns");
	parse_fails("alias,auth_file\na,\"x\ny\",z\n",
	            "line 2: 3 fields, but the header has 2 columns");
	parse_fails("alias,auth_file\na,a\r.json\n",
	            "line 2: column 'auth_file': a carriage return");
	parse_fails("alias,\"auth\"_file\na,a.json\n",
	            "line 1: text after the closing '\"'");
}

static void test_manifest__nul_byte(void)
{
	static const char text[] = "alias,auth_file\na,a\0.json\n";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *m = NULL;

	ASSERT_INT_EQ(
	        c2e_manifest_parse(text, sizeof(text) - 1, PATH, &m, &err),
	        C2E_EDATA);
	ASSERT_NULL(m);
	ASSERT_STR_CONTAINS(err.msg, "line 2: column 'auth_file': a NUL byte");
}

static void test_manifest__header_errors(void)
{
	parse_fails("", "no header line");
	parse_fails("# only a comment\n\n", "no header line");
	parse_fails("alias,auth_file\n# no orgs\n", "no orgs");
	parse_fails("\n# x\nalias,auth_file,color,Size\na,a.json,red,1\n",
	            "line 3: unknown columns 'color', 'Size'; the columns "
	            "are alias, auth_file, login_url, client_id, username, "
	            "jwt_key, apps, verify_user, verify_key, ccd");
	parse_fails("alias,auth_file,colour\na,a.json,red\n",
	            "line 1: unknown column 'colour'; the columns are alias,");
	parse_fails("alias,auth_file,ALIAS\na,a.json,b\n",
	            "line 1: duplicate column 'alias'; name each column "
	            "once (the columns are alias, auth_file,");
	parse_fails("auth_file,apps\na.json,x\n", "line 1: no column 'alias'");
	parse_fails("alias,apps\na,x\n", "line 1: no columns to log in with");
	parse_fails("alias,login_url,client_id,username,apps\na,u,c,n,x\n",
	            "line 1: no columns to log in with");
	parse_fails("alias,auth_file,\na,a.json,\n",
	            "line 1: header column 3 has no name");
}

static void test_manifest__header_with_many_columns(void)
{
	struct c2e_buf text = C2E_BUF_INIT;

	c2e_buf_adds(&text, "alias,auth_file");
	for (int i = 0; i < 70; i++)
		c2e_buf_addf(&text, ",c%d", i);
	c2e_buf_adds(&text, "\na,a.json\n");
	ASSERT(!c2e_buf_failed(&text));
	parse_fails(text.buf, "line 1: the header has 72 columns; the columns "
	                      "are alias,");
	c2e_buf_truncate(&text, 0);
	c2e_buf_adds(&text, "alias,auth_file");
	for (int i = 0; i < 20; i++)
		c2e_buf_addf(&text, ",c%d", i);
	c2e_buf_adds(&text, "\na,a.json\n");
	parse_fails(text.buf, "line 1: unknown columns 'c0', 'c1', 'c2'");
	c2e_buf_release(&text);
}

static void test_manifest__alias_rules(void)
{
	char text[512];
	struct c2e_manifest *m;

	parse_fails("alias,auth_file\n,a.json\n",
	            "line 2: column 'alias': empty");
	parse_fails("alias,auth_file\na b,a.json\n",
	            "line 2: column 'alias': 'a b' holds a character");
	parse_fails("alias,auth_file\nok,a.json\nprod/eu,a.json\n",
	            "line 3: column 'alias': 'prod/eu' holds a character");
	parse_fails("alias,auth_file\n\"a\nb\",a.json\n",
	            "line 2: column 'alias': 'a?b' holds a character");
	parse_fails("alias,auth_file\n..,a.json\n",
	            "line 2: column 'alias': '..' cannot name an org");
	/* 64 characters are fine, 65 are not */
	snprintf(text, sizeof(text), "alias,auth_file\n%s,a.json\n",
	         "a123456789b123456789c123456789d123456789e123456789"
	         "f123456789.-_x");
	m = parse(text);
	ASSERT_INT_EQ(strlen(m->orgs[0].alias), 64);
	c2e_manifest_free(m);
	snprintf(text, sizeof(text), "alias,auth_file\n%s,a.json\n",
	         "a123456789b123456789c123456789d123456789e123456789"
	         "f123456789.-_xy");
	parse_fails(text, "line 2: column 'alias': 'a123456789b123456789c1");
	parse_fails(text, "is longer than 64 characters");
	/* duplicates name both lines, ignoring case */
	parse_fails("alias,auth_file\nprod,a.json\n# x\nuat,b.json\n"
	            "Prod,c.json\n",
	            "line 5: column 'alias': 'Prod' is also the alias on "
	            "line 2");
}

static void test_manifest__login_rules(void)
{
	static const char head[] =
	        "alias,auth_file,login_url,client_id,username,jwt_key\n";
	char text[512];

	snprintf(text, sizeof(text), "%s%s", head, "a,,,,,\n");
	parse_fails(text, "line 2: no way to log in; fill in auth_file, or "
	                  "all of login_url, client_id, username and jwt_key");
	snprintf(text, sizeof(text), "%s%s", head,
	         "a,a.json,,,,\nb,b.json,https://login.salesforce.com,,,k\n");
	parse_fails(text, "line 3: column 'auth_file': given together with "
	                  "login_url, jwt_key; log in with auth_file or with");
	snprintf(text, sizeof(text), "%s%s", head,
	         "a,,https://login.salesforce.com,,u@x,\n");
	parse_fails(text, "line 2: column 'client_id': empty, but the JWT "
	                  "login needs it (missing: client_id, jwt_key)");
	snprintf(text, sizeof(text), "%s%s", head, "a,,u,c,n,\n");
	parse_fails(text, "line 2: column 'jwt_key': empty, but the JWT login "
	                  "needs it (missing: jwt_key)");
	/* a JWT column the header lacks is missing on every line */
	parse_fails("alias,auth_file,login_url\na,,https://l\n",
	            "line 2: column 'client_id': empty, but the JWT login "
	            "needs it (missing: client_id, username, jwt_key)");
}

static void test_manifest__apps_split(void)
{
	struct c2e_manifest *m = parse("alias,auth_file,apps\n"
	                               "a,a.json, App_1 ; App_2;;  ;App_3; \n"
	                               "b,b.json,\" ; \"\n"
	                               "c,c.json,Only\n");

	ASSERT_INT_EQ(m->orgs[0].apps.n, 3);
	ASSERT_STR_EQ(m->orgs[0].apps.v[0], "App_1");
	ASSERT_STR_EQ(m->orgs[0].apps.v[1], "App_2");
	ASSERT_STR_EQ(m->orgs[0].apps.v[2], "App_3");
	ASSERT_INT_EQ(m->orgs[1].apps.n, 0);
	ASSERT_INT_EQ(m->orgs[2].apps.n, 1);
	ASSERT_STR_EQ(m->orgs[2].apps.v[0], "Only");
	c2e_manifest_free(m);
}

static void test_manifest__ccd(void)
{
	struct c2e_manifest *m = parse("alias,auth_file,ccd\n"
	                               "a,a.json,\n"
	                               "b,b.json,auto\n"
	                               "c,c.json,AUTO\n"
	                               "d,d.json,manual\n"
	                               "e,e.json, Manual \n");

	ASSERT(!m->orgs[0].ccd_manual);
	ASSERT(!m->orgs[1].ccd_manual);
	ASSERT(!m->orgs[2].ccd_manual);
	ASSERT(m->orgs[3].ccd_manual);
	ASSERT(m->orgs[4].ccd_manual);
	c2e_manifest_free(m);
	parse_fails("alias,auth_file,ccd\na,a.json,auto\nb,b.json,yes\n",
	            "line 3: column 'ccd': 'yes' is not auto or manual");
}

static void test_manifest__verify_pair(void)
{
	struct c2e_manifest *m =
	        parse("alias,auth_file,verify_user,verify_key\n"
	              "a,a.json,,\n"
	              "b,b.json,v@x,./keys/../keys/v.key\n");

	ASSERT_NULL(m->orgs[0].verify_user);
	ASSERT_NULL(m->orgs[0].verify_key);
	ASSERT_STR_EQ(m->orgs[1].verify_user, "v@x");
	ASSERT_STR_EQ(m->orgs[1].verify_key, "/srv/batch/keys/../keys/v.key");
	c2e_manifest_free(m);
	parse_fails("alias,auth_file,verify_user,verify_key\na,a.json,v@x,\n",
	            "line 2: column 'verify_key': empty, but verify_user is "
	            "given");
	parse_fails("alias,auth_file,verify_user,verify_key\n"
	            "a,a.json,,\nb,b.json,,k.pem\n",
	            "line 3: column 'verify_user': empty, but verify_key is "
	            "given");
	parse_fails("alias,auth_file,verify_key\na,a.json,k.pem\n",
	            "line 2: column 'verify_user': empty");
}

static void test_manifest__paths_relative_to_the_manifest(void)
{
	static const char text[] = "alias,auth_file,jwt_key,login_url,"
	                           "client_id,username\n"
	                           "a,./auth/a.json,,,,\n"
	                           "b,/abs/b.json,,,,\n"
	                           "c,.//x/../c.json,,,,\n"
	                           "d,,./keys/d.key,l,c,u\n";
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *m = parse(text);

	ASSERT_STR_EQ(m->orgs[0].auth_file, "/srv/batch/auth/a.json");
	ASSERT_STR_EQ(m->orgs[1].auth_file, "/abs/b.json");
	ASSERT_STR_EQ(m->orgs[2].auth_file, "/srv/batch/x/../c.json");
	ASSERT_STR_EQ(m->orgs[3].jwt_key, "/srv/batch/keys/d.key");
	/* relative paths stay relative (to the cwd) */
	ASSERT_STR_EQ(m->orgs[0].raw, "a,./auth/a.json,,,,");
	c2e_manifest_free(m);
	m = NULL;
	ASSERT_OK(c2e_manifest_parse(text, strlen(text), "orgs.csv", &m, &err),
	          &err);
	ASSERT_STR_EQ(m->orgs[0].auth_file, "auth/a.json");
	ASSERT_STR_EQ(m->orgs[3].jwt_key, "keys/d.key");
	c2e_manifest_free(m);
	m = NULL;
	ASSERT_OK(c2e_manifest_parse(text, strlen(text), "batch/orgs.csv", &m,
	                             &err),
	          &err);
	ASSERT_STR_EQ(m->orgs[0].auth_file, "batch/auth/a.json");
	ASSERT_STR_EQ(m->orgs[1].auth_file, "/abs/b.json");
	c2e_manifest_free(m);
}

static void test_manifest__whole_file_is_validated(void)
{
	struct c2e_buf text = C2E_BUF_INIT;

	c2e_buf_adds(&text, "alias,auth_file,ccd\n");
	for (int i = 0; i < 500; i++)
		c2e_buf_addf(&text, "org%d,o%d.json,auto\n", i, i);
	c2e_buf_adds(&text, "last,l.json,sometimes\n");
	ASSERT(!c2e_buf_failed(&text));
	parse_fails(text.buf, "line 502: column 'ccd': 'sometimes'");
	c2e_buf_release(&text);
}

static void test_manifest__read_file(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *m = NULL;
	char *path = c2e_path_join(test_tmp_dir(), "orgs.csv");
	char *big = c2e_path_join(test_tmp_dir(), "big.csv");
	static const char text[] = "alias,auth_file\na,auth/a.json\n";
	int fd;

	ASSERT_OK(c2e_fs_write_atomic(path, text, strlen(text), 0644, &err),
	          &err);
	ASSERT_OK(c2e_manifest_read(path, &m, &err), &err);
	ASSERT_STR_EQ(m->path, path);
	ASSERT_INT_EQ(m->n, 1);
	ASSERT(c2e_str_starts(m->orgs[0].auth_file, test_tmp_dir()));
	ASSERT(c2e_str_ends(m->orgs[0].auth_file, "/auth/a.json"));
	c2e_manifest_free(m);
	m = NULL;
	/* a missing file */
	ASSERT_INT_EQ(c2e_manifest_read("/nonexistent/orgs.csv", &m, &err),
	              C2E_EDATA);
	ASSERT_NULL(m);
	ASSERT_STR_CONTAINS(err.msg, "manifest: cannot read "
	                             "'/nonexistent/orgs.csv'");
	/* more than 64 MiB (a sparse file) */
	fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT(fd >= 0);
	ASSERT_INT_EQ(ftruncate(fd, ((off_t)64 << 20) + 1), 0);
	close(fd);
	ASSERT_INT_EQ(c2e_manifest_read(big, &m, &err), C2E_EDATA);
	ASSERT_NULL(m);
	ASSERT_STR_CONTAINS(err.msg, "is larger than 67108864 bytes");
	unlink(big);
	free(big);
	free(path);
}

static void test_manifest__example_fixture(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_manifest *m = NULL;
	char *path = c2e_path_join(test_source_dir(),
	                           "fixtures/batch/example-orgs.csv");
	char *dir = c2e_path_join(test_source_dir(), "fixtures/batch/");
	size_t files = 0, jwt = 0;

	ASSERT_OK(c2e_manifest_read(path, &m, &err), &err);
	ASSERT_INT_EQ(m->n, 3);
	for (size_t i = 0; i < m->n; i++) {
		const struct c2e_manifest_org *o = &m->orgs[i];

		if (o->auth_file) {
			files++;
			ASSERT(c2e_str_starts(o->auth_file, dir));
			ASSERT(c2e_str_ends(o->auth_file, ".json"));
			ASSERT_STR_CONTAINS(o->auth_file, o->alias);
		} else {
			jwt++;
			ASSERT(c2e_str_starts(o->jwt_key, dir));
		}
	}
	ASSERT(files > 0 && jwt > 0);
	c2e_manifest_free(m);
	free(dir);
	free(path);
}

/* 1000 aliases of several shapes. */
static void make_aliases(char names[][32], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (i % 4) {
		case 0:
			snprintf(names[i], 32, "org%04zu", i);
			break;
		case 1:
			snprintf(names[i], 32, "acme-%zu.prod", i);
			break;
		case 2:
			snprintf(names[i], 32, "Sandbox_%zu", i);
			break;
		default:
			snprintf(names[i], 32, "%zu", i);
		}
	}
}

static void test_manifest__shards_cover_every_org_once(void)
{
	static const unsigned counts[] = { 1, 2, 3, 7, 16 };
	static char names[1000][32];
	size_t per[16];

	make_aliases(names, 1000);
	for (size_t c = 0; c < C2E_ARRAY_SIZE(counts); c++) {
		unsigned n = counts[c];

		memset(per, 0, sizeof(per));
		for (size_t i = 0; i < 1000; i++) {
			unsigned hits = 0;

			for (unsigned s = 1; s <= n; s++) {
				if (c2e_manifest_in_shard(names[i], s, n)) {
					hits++;
					per[s - 1]++;
				}
			}
			ASSERT_INT_EQ(hits, 1);
		}
		/* and no shard is left (nearly) empty */
		for (unsigned s = 0; s < n; s++)
			ASSERT(per[s] >= 1000 / (2 * n));
	}
}

/* The shard of each org, from a manifest of `names` in a given order. */
static void shards_of(char names[][32], const size_t *order, size_t n,
                      unsigned count, unsigned *shard)
{
	struct c2e_buf text = C2E_BUF_INIT;
	struct c2e_manifest *m;

	c2e_buf_adds(&text, "auth_file,alias\n");
	for (size_t i = 0; i < n; i++)
		c2e_buf_addf(&text, "a.json,%s\n", names[order[i]]);
	ASSERT(!c2e_buf_failed(&text));
	m = parse(text.buf);
	ASSERT_INT_EQ(m->n, n);
	for (size_t i = 0; i < n; i++) {
		shard[order[i]] = 0;
		ASSERT_STR_EQ(m->orgs[i].alias, names[order[i]]);
		for (unsigned s = 1; s <= count; s++)
			if (c2e_manifest_in_shard(m->orgs[i].alias, s, count))
				shard[order[i]] = s;
	}
	c2e_manifest_free(m);
	c2e_buf_release(&text);
}

static void test_manifest__shards_do_not_depend_on_order(void)
{
	static const unsigned counts[] = { 2, 3, 7, 16 };
	static char names[1000][32];
	static size_t fwd[1000], shuffled[1000];
	static unsigned a[1000], b[1000];
	uint32_t seed = 12345;

	make_aliases(names, 1000);
	for (size_t i = 0; i < 1000; i++)
		fwd[i] = shuffled[i] = i;
	for (size_t i = 999; i > 0; i--) {
		size_t j, t;

		seed = seed * 1103515245u + 12345u;
		j = (size_t)(seed >> 8) % (i + 1);
		t = shuffled[i];
		shuffled[i] = shuffled[j];
		shuffled[j] = t;
	}
	for (size_t c = 0; c < C2E_ARRAY_SIZE(counts); c++) {
		shards_of(names, fwd, 1000, counts[c], a);
		shards_of(names, shuffled, 1000, counts[c], b);
		for (size_t i = 0; i < 1000; i++) {
			ASSERT(a[i] >= 1);
			ASSERT_INT_EQ(a[i], b[i]);
		}
	}
}

static void test_manifest__shard_is_fnv1a_of_the_alias(void)
{
	/* FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c, of "" the offset basis */
	static const unsigned counts[] = { 7, 100000 };
	uint64_t h = UINT64_C(0xaf63dc4c8601ec8c);

	for (size_t c = 0; c < C2E_ARRAY_SIZE(counts); c++) {
		unsigned n = counts[c], want = (unsigned)(h % n) + 1;

		for (unsigned s = 1; s <= n; s++)
			ASSERT_INT_EQ(c2e_manifest_in_shard("a", s, n),
			              s == want);
	}
	h = UINT64_C(0xcbf29ce484222325);
	ASSERT(c2e_manifest_in_shard("", (unsigned)(h % 3) + 1, 3));
	ASSERT(c2e_manifest_in_shard("a", 1, 1));
	ASSERT(!c2e_manifest_in_shard("a", 0, 3));
	ASSERT(!c2e_manifest_in_shard("a", 4, 3));
	ASSERT(!c2e_manifest_in_shard("a", 1, 0));
	ASSERT(!c2e_manifest_in_shard(NULL, 1, 1));
}

static void test_manifest__shard_parse(void)
{
	static const char *const bad[] = {
		"",      "1",        "/",         "1/",
		"/3",    "0/3",      "4/3",       "1/0",
		"0/0",   "1/100001", "-1/3",      "+1/3",
		" 1/3",  "1/3 ",     "1 /3",      "1/3/4",
		"a/b",   "1.0/3",    "1/3\n",     "1,3",
		"0x1/3", "100001/1", "1/1000000", "99999999999999999999/3"
	};
	unsigned i = 77, n = 88;

	ASSERT_INT_EQ(c2e_shard_parse("1/1", &i, &n), 0);
	ASSERT_INT_EQ(i, 1);
	ASSERT_INT_EQ(n, 1);
	ASSERT_INT_EQ(c2e_shard_parse("3/7", &i, &n), 0);
	ASSERT_INT_EQ(i, 3);
	ASSERT_INT_EQ(n, 7);
	ASSERT_INT_EQ(c2e_shard_parse("100000/100000", &i, &n), 0);
	ASSERT_INT_EQ(i, 100000);
	ASSERT_INT_EQ(n, 100000);
	ASSERT_INT_EQ(c2e_shard_parse("02/16", &i, &n), 0);
	ASSERT_INT_EQ(i, 2);
	ASSERT_INT_EQ(n, 16);
	for (size_t k = 0; k < C2E_ARRAY_SIZE(bad); k++) {
		i = 77;
		n = 88;
		if (c2e_shard_parse(bad[k], &i, &n) != -1)
			test__fail(__FILE__, __LINE__, "'%s' parsed", bad[k]);
		ASSERT_INT_EQ(i, 77);
		ASSERT_INT_EQ(n, 88);
	}
	ASSERT_INT_EQ(c2e_shard_parse(NULL, &i, &n), -1);
}

static void test_manifest__subset_round_trip(void)
{
	static const char text[] =
	        "\xef\xbb\xbf# retry me\r\n"
	        "Alias , auth_file,apps,username,login_url,client_id,jwt_key\r\n"
	        "one,a.json,\"A;\r\nB\",,,,\r\n"
	        "\r\n"
	        "two,b.json,\"x, \"\"y\"\"\",,,,\r\n"
	        "three,,,u,\"https://l\",c,\"k,1.pem\"\r\n"
	        "four,d.json,,,,,";
	static const bool keep[] = { true, false, true, true };
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf out = C2E_BUF_INIT;
	struct c2e_manifest *m = parse(text), *sub = NULL;

	ASSERT_INT_EQ(m->n, 4);
	ASSERT_OK(c2e_manifest_write_subset(m, keep, &out, &err), &err);
	ASSERT_STR_EQ(out.buf,
	              "Alias , auth_file,apps,username,login_url,client_id,"
	              "jwt_key\n"
	              "one,a.json,\"A;\r\nB\",,,,\n"
	              "three,,,u,\"https://l\",c,\"k,1.pem\"\n"
	              "four,d.json,,,,,\n");
	ASSERT_OK(c2e_manifest_parse(out.buf, out.len, PATH, &sub, &err), &err);
	ASSERT_INT_EQ(sub->n, 3);
	for (size_t i = 0, j = 0; i < m->n; i++) {
		const struct c2e_manifest_org *a = &m->orgs[i], *b;

		if (!keep[i])
			continue;
		b = &sub->orgs[j++];
		ASSERT_STR_EQ(a->alias, b->alias);
		ASSERT_STR_EQ(a->raw, b->raw);
		ASSERT(c2e_str_eq(a->auth_file, b->auth_file));
		ASSERT(c2e_str_eq(a->jwt_key, b->jwt_key));
		ASSERT(c2e_str_eq(a->username, b->username));
		ASSERT_INT_EQ(a->apps.n, b->apps.n);
		for (size_t k = 0; k < a->apps.n; k++)
			ASSERT_STR_EQ(a->apps.v[k], b->apps.v[k]);
	}
	ASSERT_STR_EQ(sub->orgs[1].jwt_key, "/srv/batch/k,1.pem");
	c2e_manifest_free(sub);
	/* NULL keeps every org, and the output is appended */
	c2e_buf_truncate(&out, 0);
	c2e_buf_adds(&out, "x");
	ASSERT_OK(c2e_manifest_write_subset(m, NULL, &out, &err), &err);
	ASSERT(c2e_str_starts(out.buf, "xAlias , auth_file"));
	sub = NULL;
	ASSERT_OK(
	        c2e_manifest_parse(out.buf + 1, out.len - 1, PATH, &sub, &err),
	        &err);
	ASSERT_INT_EQ(sub->n, 4);
	ASSERT_STR_EQ(sub->orgs[1].apps.v[0], "x, \"y\"");
	c2e_manifest_free(sub);
	c2e_buf_release(&out);
	c2e_manifest_free(m);
}

int main(void)
{
	RUN(test_manifest__auth_file_row);
	RUN(test_manifest__jwt_row_and_every_column);
	RUN(test_manifest__columns_any_order_any_case);
	RUN(test_manifest__quoted_fields);
	RUN(test_manifest__embedded_line_breaks);
	RUN(test_manifest__crlf);
	RUN(test_manifest__bom_is_skipped);
	RUN(test_manifest__comments_and_blank_lines);
	RUN(test_manifest__last_line_without_newline);
	RUN(test_manifest__csv_syntax_errors);
	RUN(test_manifest__nul_byte);
	RUN(test_manifest__header_errors);
	RUN(test_manifest__header_with_many_columns);
	RUN(test_manifest__alias_rules);
	RUN(test_manifest__login_rules);
	RUN(test_manifest__apps_split);
	RUN(test_manifest__ccd);
	RUN(test_manifest__verify_pair);
	RUN(test_manifest__paths_relative_to_the_manifest);
	RUN(test_manifest__whole_file_is_validated);
	RUN(test_manifest__read_file);
	RUN(test_manifest__example_fixture);
	RUN(test_manifest__shards_cover_every_org_once);
	RUN(test_manifest__shards_do_not_depend_on_order);
	RUN(test_manifest__shard_is_fnv1a_of_the_alias);
	RUN(test_manifest__shard_parse);
	RUN(test_manifest__subset_round_trip);
	return test_summary();
}
