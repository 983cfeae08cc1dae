/*
 * cmd_keygen.c - `ca2eca keygen`: an RSA key and a self-signed
 * certificate for the OAuth 2.0 JWT bearer flow.
 *
 * The private key is a secret: it lives in a secret buffer, goes to a
 * file of mode 0600 and is never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "util/crypto.h"
#include "util/fs.h"

#include "util/compat.h"

#define KEY_FILE  "jwt.key"
#define CERT_FILE "jwt.crt"

#define MIN_BITS     2048
#define MAX_BITS     16384
#define MAX_DAYS     36500
#define DEFAULT_DAYS 365
#define MAX_CN       64

const char c2e_keygen_help[] =
        "usage: ca2eca keygen --out DIR [--days N] [--cn NAME] [--bits N] "
        "[--force] [--json]\n"
        "\n"
        "Makes what the OAuth 2.0 JWT bearer flow needs: a new RSA private\n"
        "key and a self-signed X.509 certificate for it (the \"Create a\n"
        "Private Key and Self-Signed Digital Certificate\" step of\n"
        "Salesforce's JWT bearer setup, without openssl):\n"
        "\n"
        "  DIR/jwt.key  the private key: PKCS#8 PEM, not encrypted, mode\n"
        "               0600.  It stays with you; it is never printed.\n"
        "  DIR/jwt.crt  the certificate: PEM, CN=NAME, a random serial,\n"
        "               signed with SHA-256, valid from now for N days.\n"
        "\n"
        "DIR is created (mode 0700) when it does not exist.  Existing\n"
        "files are never overwritten without --force.\n"
        "\n"
        "Then upload jwt.crt as the app's certificate (a connected app's\n"
        "\"Use digital signatures\", an External Client App's JWT bearer\n"
        "flow certificate), give it to 'ca2eca plan --jwt-cert DIR/jwt.crt'\n"
        "and sign in with 'ca2eca apply PLAN --jwt-key DIR/jwt.key'.\n"
        "\n"
        "Options:\n"
        "  --out DIR\n"
        "      Where to write jwt.key and jwt.crt.  Required.\n"
        "  --days N\n"
        "      How long the certificate is valid: 1 to 36500 days.\n"
        "      Default: 365.\n"
        "  --cn NAME\n"
        "      The common name of the certificate, 1 to 64 characters.\n"
        "      Default: \"ca2eca JWT bearer\".\n"
        "  --bits N\n"
        "      The size of the RSA key: 2048 to 16384 bits.  Default: 2048.\n"
        "  --force\n"
        "      Replace jwt.key and jwt.crt when they exist (the old key and\n"
        "      certificate stop working together).\n"
        "  --json\n"
        "      Print one JSON document; its result is {\"key\": PATH,\n"
        "      \"certificate\": PATH, \"subject\", \"expires\", \"sha256\",\n"
        "      \"bits\"}.\n"
        "  -h, --help\n"
        "      Show this help.\n"
        "\n"
        "Exit status:\n"
        "  0   the key and the certificate were written\n"
        "  64  the command line is wrong, e.g. --out is missing or --days\n"
        "      is out of range\n"
        "  65  DIR/jwt.key or DIR/jwt.crt exists (see --force), or DIR is\n"
        "      not a directory\n"
        "  70  internal or system error, e.g. DIR cannot be written\n"
        "\n"
        "Example:\n"
        "  ca2eca keygen --out ~/.ca2eca/partner1 --cn 'Partner1 JWT' "
        "--days 730\n";

struct keygen_args {
	const char *out;
	const char *cn;
	long days;
	long bits;
	bool force;
};

/* Parses the value of a numeric option in [min, max]. */
static int parse_num(const char *opt, const char *val, long min, long max,
                     const char *unit, long *out, struct c2e_err *err)
{
	long v;

	if (c2e_str_to_long(val, &v) < 0 || v < min || v > max)
		return c2e_cmd_usage(err, "keygen",
		                     "%s takes %ld to %ld %s, not '%s'", opt,
		                     min, max, unit, val);
	*out = v;
	return C2E_OK;
}

static int parse_args(int argc, char **argv, struct keygen_args *a,
                      struct c2e_err *err)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ "cn", required_argument, NULL, 'c' },
		{ "bits", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	size_t chars = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->out = optarg;
			break;
		case 'c':
			a->cn = optarg;
			break;
		case 'd':
			rc = parse_num("--days", optarg, 1, MAX_DAYS, "days",
			               &a->days, err);
			if (rc < 0)
				return rc;
			break;
		case 'b':
			rc = parse_num("--bits", optarg, MIN_BITS, MAX_BITS,
			               "bits", &a->bits, err);
			if (rc < 0)
				return rc;
			break;
		case 'f':
			a->force = true;
			break;
		case ':':
			return c2e_cmd_usage(err, "keygen",
			                     "option '%s' needs a value",
			                     argv[optind - 1]);
		default:
			return c2e_cmd_usage(err, "keygen",
			                     "unknown option '%s'",
			                     argv[optind - 1]);
		}
	}
	if (optind < argc)
		return c2e_cmd_usage(err, "keygen", "unexpected argument '%s'",
		                     argv[optind]);
	if (!a->out || !a->out[0])
		return c2e_cmd_usage(err, "keygen",
		                     "--out DIR is required: the directory "
		                     "for jwt.key and jwt.crt");
	if (a->cn) {
		for (const char *p = a->cn; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
		if (chars < 1 || chars > MAX_CN)
			return c2e_cmd_usage(err, "keygen",
			                     "--cn takes 1 to %d characters, "
			                     "not %zu",
			                     MAX_CN, chars);
	}
	return C2E_OK;
}

/* Refuses an existing output file without --force. */
static int check_free(const char *path, bool force, struct c2e_err *err)
{
	if (!c2e_fs_exists(path) || (force && !c2e_fs_is_dir(path)))
		return C2E_OK;
	if (c2e_fs_is_dir(path))
		return c2e_err_set(err, C2E_ECONFLICT,
		                   "'%s' is a directory: remove it or choose "
		                   "another --out",
		                   path);
	return c2e_err_set(err, C2E_ECONFLICT,
	                   "'%s' already exists: use --force to replace it "
	                   "(the key and certificate made before stop "
	                   "working together), or choose another --out",
	                   path);
}

/* Creates `dir` (mode 0700) unless it exists. */
static int make_dir(const char *dir, struct c2e_err *err)
{
	int rc;

	if (c2e_fs_exists(dir))
		return C2E_OK;
	rc = c2e_fs_mkdirs(dir, err);
	if (rc < 0)
		return rc;
	/* the directory is still empty: no key was ever readable in it */
	if (chmod(dir, 0700) < 0)
		return c2e_err_set(err, C2E_EIO,
		                   "cannot make directory '%s' private (mode "
		                   "0700)",
		                   dir);
	return C2E_OK;
}

/* Prints `s` as one shell word (single-quoted when it has to be). */
static void print_word(struct c2e_out *o, const char *s)
{
	if (s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	                      "vwxyz0123456789_-+./:@%,=") == strlen(s)) {
		c2e_out_printf(o, "%s", s);
		return;
	}
	c2e_out_printf(o, "'");
	for (; *s; s++) {
		if (*s == '\'')
			c2e_out_printf(o, "'\\''");
		else
			c2e_out_printf(o, "%c", *s);
	}
	c2e_out_printf(o, "'");
}

static void print_text(struct c2e_out *o, const char *key_path,
                       const char *crt_path, const struct c2e_cert_info *ci,
                       long days, const char *expires)
{
	c2e_out_printf(o,
	               "Wrote a new RSA-%d private key and its self-signed "
	               "certificate:\n",
	               ci->key_bits);
	c2e_out_printf(o, "  key          %s (secret, mode 0600)\n", key_path);
	c2e_out_printf(o, "  certificate  %s\n", crt_path);
	c2e_out_printf(o, "  subject      %s\n", ci->subject);
	c2e_out_printf(o, "  expires      %s (%ld %s)\n", expires, days,
	               days == 1 ? "day" : "days");
	c2e_out_printf(o, "  SHA-256      %s\n", ci->sha256);
	c2e_out_printf(o, "\nNext steps:\n"
	                  "  1. Upload the certificate to the app in Setup: "
	                  "a connected app's \"Use\n"
	                  "     digital signatures\", or an External Client "
	                  "App's JWT bearer flow\n"
	                  "     certificate (OAuth settings).\n"
	                  "  2. Give it to the migration plan:\n"
	                  "       ca2eca plan --jwt-cert ");
	print_word(o, crt_path);
	c2e_out_printf(o, " ...\n"
	                  "  3. Sign in with the key when you apply the plan:\n"
	                  "       ca2eca apply PLAN --jwt-key ");
	print_word(o, key_path);
	c2e_out_printf(o, " ...\n");
}

static void print_json(struct c2e_jsonw *w, const char *key_path,
                       const char *crt_path, const struct c2e_cert_info *ci,
                       const char *expires)
{
	c2e_jsonw_object_begin(w);
	c2e_jsonw_kv_string(w, "key", key_path);
	c2e_jsonw_kv_string(w, "certificate", crt_path);
	c2e_jsonw_kv_string(w, "subject", ci->subject);
	c2e_jsonw_kv_string(w, "expires", expires);
	c2e_jsonw_kv_string(w, "sha256", ci->sha256);
	c2e_jsonw_kv_long(w, "bits", ci->key_bits);
	c2e_jsonw_object_end(w);
}

int cmd_keygen(struct c2e_out *out, int argc, char **argv, struct c2e_err *err)
{
	struct keygen_args a = { NULL, NULL, DEFAULT_DAYS, MIN_BITS, false };
	struct c2e_keygen_opts ko;
	struct c2e_buf key = C2E_BUF_INIT, crt = C2E_BUF_INIT;
	struct c2e_cert_info ci;
	char *key_path = NULL, *crt_path = NULL;
	char expires[32], text_expires[32];
	bool wrote_crt = false;
	struct tm tm;
	int rc;

	memset(&ci, 0, sizeof(ci));
	key.secret = true;
	rc = parse_args(argc, argv, &a, err);
	if (rc < 0)
		goto done;
	key_path = c2e_path_join(a.out, KEY_FILE);
	crt_path = c2e_path_join(a.out, CERT_FILE);
	if (!key_path || !crt_path) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (c2e_fs_exists(a.out) && !c2e_fs_is_dir(a.out)) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is not a directory: give a directory "
		                 "for --out",
		                 a.out);
		goto done;
	}
	rc = check_free(key_path, a.force, err);
	if (rc < 0)
		goto done;
	rc = check_free(crt_path, a.force, err);
	if (rc < 0)
		goto done;

	ko.bits = (int)a.bits;
	ko.days = a.days;
	ko.cn = a.cn;
	rc = c2e_keygen(&ko, &key, &crt, err);
	if (rc == C2E_EUSAGE)
		c2e_err_prefix(err, "keygen");
	if (rc < 0)
		goto done;
	rc = c2e_cert_parse(crt.buf, crt.len, crt_path, &ci, err);
	if (rc < 0)
		goto done;
	if (!gmtime_r(&ci.not_after, &tm) ||
	    !strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm) ||
	    !strftime(text_expires, sizeof(text_expires),
	              "%Y-%m-%d %H:%M:%S UTC", &tm)) {
		rc = c2e_err_set(err, C2E_ERROR,
		                 "cannot format the expiry of '%s'", crt_path);
		goto done;
	}

	rc = make_dir(a.out, err);
	if (rc < 0)
		goto done;
	/* the certificate first: a key alone is never left behind */
	rc = c2e_fs_write_atomic(crt_path, crt.buf, crt.len, 0644, err);
	if (rc < 0)
		goto done;
	wrote_crt = true;
	rc = c2e_fs_write_atomic(key_path, key.buf, key.len, 0600, err);
	if (rc < 0)
		goto done;

	if (out->json)
		print_json(c2e_out_result(out), key_path, crt_path, &ci,
		           expires);
	else
		print_text(out, key_path, crt_path, &ci, a.days, text_expires);
done:
	if (rc < 0 && wrote_crt)
		unlink(crt_path); /* useless without its key */
	c2e_cert_info_release(&ci);
	c2e_buf_release(&key);
	c2e_buf_release(&crt);
	free(key_path);
	free(crt_path);
	return rc;
}
