#include "test.h"
#include "util/crypto.h"

#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util/fs.h"

#define PASS "test-passphrase"

/* A fixture path, malloc'd. */
static char *fixture(const char *rel)
{
	return c2e_path_join(test_source_dir(), rel);
}

#define KEY_PKCS8     "fixtures/example-project/keys/partner1-jwt.key"
#define CERT          "fixtures/example-project/keys/partner1-jwt.crt"
#define KEY_PKCS1     "fixtures/keys/partner1-jwt-pkcs1.key"
#define KEY_ENC       "fixtures/keys/partner1-jwt-enc.key"
#define KEY_PKCS1_ENC "fixtures/keys/partner1-jwt-pkcs1-enc.key"
#define KEY_1024      "fixtures/keys/rsa1024.key"
#define KEY_EC        "fixtures/keys/ec-p256.key"
#define CERT_EC       "fixtures/keys/ec-p256.crt"
#define KEY_OTHER     "fixtures/keys/other-rsa2048.key"
#define CERT_EXPIRED  "fixtures/keys/expired.crt"

/*
 * Fails when `msg` holds the passphrase, a PEM key marker or any 16-byte
 * run of the base64 body of the key in `key_rel`.
 */
static void assert_no_key_material(const char *msg, const char *key_rel)
{
	char *path = fixture(key_rel);
	size_t len;
	char *pem = test_slurp(path, &len);
	const char *body;

	ASSERT(strstr(msg, PASS) == NULL);
	ASSERT(strstr(msg, "PRIVATE KEY") == NULL);
	body = strchr(pem, '\n');
	for (const char *p = body; p && p + 16 < pem + len; p += 8) {
		char run[17];

		memcpy(run, p, 16);
		run[16] = '\0';
		if (strchr(run, '\n') || strchr(run, '-'))
			continue;
		if (strstr(msg, run)) {
			free(pem);
			free(path);
			test__fail(__FILE__, __LINE__, "key material in: %s",
			           msg);
		}
	}
	free(pem);
	free(path);
}

static struct c2e_pkey *load(const char *rel, const char *pass)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = NULL;
	char *path = fixture(rel);
	int rc = c2e_pkey_load(path, pass, &k, &err);

	free(path);
	if (rc != C2E_OK)
		test__fail(__FILE__, __LINE__, "load %s: %s", rel, err.msg);
	return k;
}

/* --- base64 --- */

static void check_b64url(const void *in, size_t len, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_OK(c2e_b64url_encode(in, len, &b, &err), &err);
	ASSERT_STR_EQ(b.buf, want);
	c2e_buf_release(&b);
}

static void test_crypto__b64url_rfc_vectors(void)
{
	/* RFC 4648 section 10, without padding */
	check_b64url("", 0, "");
	check_b64url("f", 1, "Zg");
	check_b64url("fo", 2, "Zm8");
	check_b64url("foo", 3, "Zm9v");
	check_b64url("foob", 4, "Zm9vYg");
	check_b64url("fooba", 5, "Zm9vYmE");
	check_b64url("foobar", 6, "Zm9vYmFy");
	/* RFC 7515 appendix C: the url-safe alphabet */
	check_b64url("\x03\xec\xff\xe0\xc1", 5, "A-z_4ME");
	/* RFC 7515 appendix A.1: the JWS header */
	check_b64url("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}", 30,
	             "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
	check_b64url("\xfb\xff", 2, "-_8");
}

static void test_crypto__b64url_appends(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_buf_adds(&b, "x.");
	ASSERT_OK(c2e_b64url_encode("foo", 3, &b, &err), &err);
	ASSERT_STR_EQ(b.buf, "x.Zm9v");
	c2e_buf_release(&b);
}

static void check_b64(const char *in, const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	ASSERT_OK(c2e_b64_decode(in, strlen(in), &b, &err), &err);
	ASSERT_STR_EQ(b.buf, want);
	ASSERT_INT_EQ(b.len, strlen(want));
	c2e_buf_release(&b);
}

static void check_b64_bad(const char *in, const char *why)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf b = C2E_BUF_INIT;

	c2e_buf_adds(&b, "keep");
	ASSERT_INT_EQ(c2e_b64_decode(in, strlen(in), &b, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "invalid base64");
	ASSERT_STR_CONTAINS(err.msg, why);
	ASSERT_STR_EQ(b.buf, "keep"); /* nothing appended on failure */
	c2e_buf_release(&b);
}

static void test_crypto__b64_decode(void)
{
	check_b64("", "");
	check_b64("Zg==", "f");
	check_b64("Zm8=", "fo");
	check_b64("Zm9v", "foo");
	check_b64("Zm9vYg==", "foob");
	check_b64("Zm9vYmE=", "fooba");
	check_b64("Zm9vYmFy", "foobar");
	check_b64("  Zm9v\r\nYmFy\n\t", "foobar");
	check_b64("Zm9\nvYg\n=\n=\n", "foob");
	check_b64("+/8=", "\xfb\xff");
}

static void test_crypto__b64_decode_is_strict(void)
{
	check_b64_bad("Zm9v!", "offset 4");
	check_b64_bad("-_8=", "offset 0");
	check_b64_bad("Zg", "middle of a group");
	check_b64_bad("Zm9vY", "middle of a group");
	check_b64_bad("Zg=a", "offset 3");
	check_b64_bad("Z===", "misplaced '='");
	check_b64_bad("Zm9v=", "misplaced '='");
	check_b64_bad("Zm8==", "misplaced '='");
	check_b64_bad("Zh==", "non-zero bits");
	check_b64_bad("Zm9=", "non-zero bits");
	check_b64_bad("Zg==Zg==", "offset 4");
}

/* --- keys --- */

static void test_crypto__load_pkcs8_and_pkcs1(void)
{
	struct c2e_pkey *k = load(KEY_PKCS8, NULL);

	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
	k = load(KEY_PKCS1, NULL);
	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
	/* a passphrase for a key that needs none is fine */
	k = load(KEY_PKCS8, PASS);
	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
	c2e_pkey_free(NULL);
}

static void test_crypto__load_encrypted(void)
{
	struct c2e_pkey *k = load(KEY_ENC, PASS);

	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
	k = load(KEY_PKCS1_ENC, PASS);
	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
}

static void check_load_fails(const char *rel, const char *pass,
                             const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = (struct c2e_pkey *)&err; /* must become NULL */
	char *path = fixture(rel);
	char quoted[4200];

	ASSERT_INT_EQ(c2e_pkey_load(path, pass, &k, &err), C2E_EDATA);
	ASSERT_INT_EQ(err.code, C2E_EDATA);
	ASSERT_NULL(k);
	snprintf(quoted, sizeof(quoted), "'%s'", path);
	ASSERT_STR_CONTAINS(err.msg, quoted);
	ASSERT_STR_CONTAINS(err.msg, want);
	if (c2e_fs_exists(path))
		assert_no_key_material(err.msg, rel);
	free(path);
}

static void test_crypto__load_errors(void)
{
	char *path = fixture(KEY_ENC);
	char want[4200];
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = NULL;

	snprintf(want, sizeof(want),
	         "private key '%s' is encrypted: give its passphrase with "
	         "--jwt-key-pass-file FILE or SF_JWT_KEY_PASSPHRASE",
	         path);
	ASSERT_INT_EQ(c2e_pkey_load(path, NULL, &k, &err), C2E_EDATA);
	ASSERT_STR_EQ(err.msg, want);
	snprintf(want, sizeof(want),
	         "private key '%s' is encrypted: wrong passphrase", path);
	ASSERT_INT_EQ(c2e_pkey_load(path, "not-it", &k, &err), C2E_EDATA);
	ASSERT_STR_EQ(err.msg, want);
	ASSERT_NULL(k);
	free(path);

	check_load_fails(KEY_PKCS1_ENC, NULL, "is encrypted: give its");
	check_load_fails(KEY_PKCS1_ENC, "wrong", "wrong passphrase");
	check_load_fails(KEY_1024, NULL,
	                 "is RSA-1024: use an RSA key of "
	                 "2048 bits or more");
	check_load_fails(KEY_EC, NULL, "is not an RSA key (EC)");
	check_load_fails(CERT, NULL, "is not a PEM private key");
	check_load_fails("fixtures/keys/does-not-exist.key", NULL,
	                 "cannot read");
}

static void test_crypto__parse_from_memory_names_what(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = NULL;
	char *path = fixture(KEY_ENC);
	size_t len;
	char *pem = test_slurp(path, &len);

	ASSERT_INT_EQ(c2e_pkey_parse(pem, len, NULL, "the key", &k, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "private key 'the key' is encrypted");
	ASSERT_OK(c2e_pkey_parse(pem, len, PASS, "the key", &k, &err), &err);
	ASSERT_INT_EQ(c2e_pkey_bits(k), 2048);
	c2e_pkey_free(k);
	k = NULL;
	ASSERT_INT_EQ(c2e_pkey_parse("junk", 4, NULL, "junk", &k, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "'junk' is not a PEM private key");
	ASSERT_NULL(k);
	free(pem);
	free(path);
}

/* --- RS256 --- */

static EVP_PKEY *cert_pubkey(const char *rel)
{
	char *path = fixture(rel);
	size_t len;
	char *pem = test_slurp(path, &len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	EVP_PKEY *pk = x ? X509_get_pubkey(x) : NULL;

	X509_free(x);
	BIO_free(bio);
	free(pem);
	free(path);
	if (!pk)
		test__fail(__FILE__, __LINE__, "cannot read %s", rel);
	return pk;
}

static int verify(EVP_PKEY *pub, const char *data, const struct c2e_buf *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	     EVP_DigestVerify(ctx, (const unsigned char *)sig->buf, sig->len,
	                      (const unsigned char *)data, strlen(data)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static void test_crypto__rs256_verifies_with_cert(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf sig = C2E_BUF_INIT, sig1 = C2E_BUF_INIT;
	struct c2e_pkey *k = load(KEY_PKCS8, NULL);
	struct c2e_pkey *k1 = load(KEY_ENC, PASS);
	EVP_PKEY *pub = cert_pubkey(CERT);
	const char *data = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0";

	ASSERT_OK(c2e_rs256_sign(k, data, strlen(data), &sig, &err), &err);
	ASSERT_INT_EQ(sig.len, 256);
	ASSERT(verify(pub, data, &sig));
	ASSERT(!verify(pub, "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ5In0", &sig));
	/* PKCS#1 v1.5 is deterministic: the same key signs the same */
	ASSERT_OK(c2e_rs256_sign(k1, data, strlen(data), &sig1, &err), &err);
	ASSERT_INT_EQ(sig1.len, sig.len);
	ASSERT(memcmp(sig1.buf, sig.buf, sig.len) == 0);
	EVP_PKEY_free(pub);
	c2e_pkey_free(k);
	c2e_pkey_free(k1);
	c2e_buf_release(&sig);
	c2e_buf_release(&sig1);
}

static void test_crypto__rs256_other_key_does_not_verify(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf sig = C2E_BUF_INIT;
	struct c2e_pkey *k = load(KEY_OTHER, NULL);
	EVP_PKEY *pub = cert_pubkey(CERT);

	ASSERT_OK(c2e_rs256_sign(k, "abc", 3, &sig, &err), &err);
	ASSERT(!verify(pub, "abc", &sig));
	EVP_PKEY_free(pub);
	c2e_pkey_free(k);
	c2e_buf_release(&sig);
}

/* --- certificates --- */

static void check_fixture_cert(const struct c2e_cert_info *ci)
{
	/* RFC 2253 order: the last RDN of the DER name first */
	ASSERT_STR_EQ(ci->subject, "C=US,O=Partner1 Messaging,"
	                           "CN=Partner1 Interaction Service");
	ASSERT_STR_EQ(ci->issuer, ci->subject);
	ASSERT_INT_EQ(ci->not_before, 1795914720); /* 2026-11-29 01:12Z */
	ASSERT_INT_EQ(ci->not_after, 2111274720); /* 2036-11-26 01:12Z */
	ASSERT_INT_EQ(ci->key_bits, 2048);
	ASSERT_STR_EQ(ci->sha256, "518979e4d906a8eb9deef1ed8e64fca3"
	                          "551a3edb3bd957f8c26792b70dee76f0");
}

/* The base64 body of a PEM block (the lines between the markers). */
static char *pem_body(const char *pem)
{
	const char *a = strchr(pem, '\n'), *b = strstr(pem, "-----END");
	size_t n;
	char *s;

	if (!a || !b || b < a)
		test__fail(__FILE__, __LINE__, "not PEM");
	n = (size_t)(b - a - 1);
	s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, a + 1, n);
	s[n] = '\0';
	return s;
}

static void test_crypto__cert_fields_pem_and_bare(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_cert_info ci;
	char *path = fixture(CERT);
	size_t len;
	char *pem = test_slurp(path, &len);
	char *body = pem_body(pem);

	memset(&ci, 0, sizeof(ci));
	ASSERT_OK(c2e_cert_parse(pem, len, "partner1", &ci, &err), &err);
	check_fixture_cert(&ci);
	c2e_cert_info_release(&ci);
	ASSERT_NULL(ci.subject);
	/* the ConnectedApp form: the bare body, with its line breaks */
	ASSERT_OK(c2e_cert_parse(body, strlen(body), "app", &ci, &err), &err);
	check_fixture_cert(&ci);
	c2e_cert_info_release(&ci);
	free(body);
	free(pem);
	free(path);
}

static void test_crypto__cert_expired_and_ec(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_cert_info ci;
	char *path = fixture(CERT_EXPIRED);
	size_t len;
	char *pem = test_slurp(path, &len);

	memset(&ci, 0, sizeof(ci));
	ASSERT_OK(c2e_cert_parse(pem, len, "expired", &ci, &err), &err);
	ASSERT_STR_EQ(ci.subject, "O=ca2eca tests,CN=Expired Test Cert");
	ASSERT_INT_EQ(ci.not_before, 1577836800); /* 2020-01-01 */
	ASSERT_INT_EQ(ci.not_after, 1609459200); /* 2021-01-01 */
	ASSERT(ci.not_after < time(NULL));
	ASSERT_INT_EQ(ci.key_bits, 2048);
	ASSERT_STR_EQ(ci.sha256, "91a5ed5bf9178df73ef7c5565c42d395"
	                         "4aee5465ea14785cd2745c07d966479a");
	c2e_cert_info_release(&ci);
	free(pem);
	free(path);

	path = fixture(CERT_EC);
	pem = test_slurp(path, &len);
	ASSERT_OK(c2e_cert_parse(pem, len, "ec", &ci, &err), &err);
	ASSERT_STR_EQ(ci.subject, "O=ca2eca tests,CN=EC Test Cert");
	ASSERT_INT_EQ(ci.key_bits, 0);
	c2e_cert_info_release(&ci);
	free(pem);
	free(path);
}

static void test_crypto__cert_errors_name_what(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_cert_info ci;
	const char *pem = "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n"
	                  "-----END CERTIFICATE-----\n";

	memset(&ci, 0, sizeof(ci));
	ASSERT_INT_EQ(c2e_cert_parse("not base64!", 11, "App1", &ci, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "certificate 'App1': invalid base64");
	ASSERT_INT_EQ(c2e_cert_parse("Zm9vYmFy", 8, "App2", &ci, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "certificate 'App2' is not a valid "
	                             "X.509 certificate");
	ASSERT_INT_EQ(c2e_cert_parse(pem, strlen(pem), "App3", &ci, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "certificate 'App3' is not a valid");
	ASSERT_INT_EQ(c2e_cert_parse("", 0, "App4", &ci, &err), C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "certificate 'App4' is empty");
	ASSERT_NULL(ci.subject);
}

static void check_match(const char *key_rel, const char *pass,
                        const char *cert_rel, bool want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = load(key_rel, pass);
	char *path = fixture(cert_rel);
	size_t len;
	char *pem = test_slurp(path, &len);
	bool match = !want;

	ASSERT_OK(c2e_pkey_matches_cert(k, pem, len, &match, &err), &err);
	ASSERT_INT_EQ(match, want);
	c2e_pkey_free(k);
	free(pem);
	free(path);
}

static void test_crypto__key_matches_cert(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_pkey *k = load(KEY_PKCS8, NULL);
	bool match = true;

	check_match(KEY_PKCS8, NULL, CERT, true);
	check_match(KEY_ENC, PASS, CERT, true);
	check_match(KEY_PKCS8, NULL, CERT_EXPIRED, false);
	check_match(KEY_OTHER, NULL, CERT_EXPIRED, true);
	check_match(KEY_OTHER, NULL, CERT, false);
	check_match(KEY_PKCS8, NULL, CERT_EC, false);
	ASSERT_INT_EQ(c2e_pkey_matches_cert(k, "Zm9v", 4, &match, &err),
	              C2E_EDATA);
	ASSERT_STR_CONTAINS(err.msg, "is not a valid X.509 certificate");
	assert_no_key_material(err.msg, KEY_PKCS8);
	c2e_pkey_free(k);
}

/* --- random --- */

static void test_crypto__random_hex(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char a[33], b[33], big[2 * 200 + 1], none[1] = { 'x' };

	ASSERT_OK(c2e_random_hex(a, 16, &err), &err);
	ASSERT_OK(c2e_random_hex(b, 16, &err), &err);
	ASSERT_INT_EQ(strlen(a), 32);
	ASSERT_INT_EQ(strspn(a, "0123456789abcdef"), 32);
	ASSERT(strcmp(a, b) != 0);
	ASSERT_OK(c2e_random_hex(big, 200, &err), &err);
	ASSERT_INT_EQ(strlen(big), 400);
	ASSERT_OK(c2e_random_hex(none, 0, &err), &err);
	ASSERT_STR_EQ(none, "");
}

int main(void)
{
	RUN(test_crypto__b64url_rfc_vectors);
	RUN(test_crypto__b64url_appends);
	RUN(test_crypto__b64_decode);
	RUN(test_crypto__b64_decode_is_strict);
	RUN(test_crypto__load_pkcs8_and_pkcs1);
	RUN(test_crypto__load_encrypted);
	RUN(test_crypto__load_errors);
	RUN(test_crypto__parse_from_memory_names_what);
	RUN(test_crypto__rs256_verifies_with_cert);
	RUN(test_crypto__rs256_other_key_does_not_verify);
	RUN(test_crypto__cert_fields_pem_and_bare);
	RUN(test_crypto__cert_expired_and_ec);
	RUN(test_crypto__cert_errors_name_what);
	RUN(test_crypto__key_matches_cert);
	RUN(test_crypto__random_hex);
	return test_summary();
}
