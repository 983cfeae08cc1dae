#include "test.h"
#include "util/crypto.h"

#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

/* --- SHA-256 --- */

static void test_crypto__sha256_vectors(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	char hex[65], *million;

	/* FIPS 180-2 appendix B and the empty message */
	ASSERT_OK(c2e_sha256_hex("abc", 3, hex, &err), &err);
	ASSERT_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223"
	                   "b00361a396177a9cb410ff61f20015ad");
	ASSERT_OK(c2e_sha256_hex("", 0, hex, &err), &err);
	ASSERT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                   "27ae41e4649b934ca495991b7852b855");
	ASSERT_OK(c2e_sha256_hex(NULL, 0, hex, &err), &err);
	ASSERT_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                   "27ae41e4649b934ca495991b7852b855");
	ASSERT_OK(c2e_sha256_hex("abcdbcdecdefdefgefghfghighijhijk"
	                         "ijkljklmklmnlmnomnopnopq",
	                         56, hex, &err),
	          &err);
	ASSERT_STR_EQ(hex, "248d6a61d20638b8e5c026930c3e6039"
	                   "a33ce45964ff2167f6ecedd419db06c1");
	million = malloc(1000000);
	ASSERT_NOT_NULL(million);
	memset(million, 'a', 1000000);
	ASSERT_OK(c2e_sha256_hex(million, 1000000, hex, &err), &err);
	free(million);
	ASSERT_STR_EQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	                   "f1809a48a497200e046d39ccc7112cd0");
	/* bytes, not a C string: NUL is data */
	ASSERT_OK(c2e_sha256_hex("\0", 1, hex, &err), &err);
	ASSERT_STR_EQ(hex, "6e340b9cffb37a989ca544e6bb780a2c"
	                   "78901d3fb33738768511a30617afa01d");
}

/* --- key generation --- */

/* The certificate of a PEM text, or fails the test. */
static X509 *read_x509(const struct c2e_buf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->buf, (int)pem->len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (!x)
		test__fail(__FILE__, __LINE__, "not a PEM certificate");
	return x;
}

/*
 * Checks a generated pair: the key parses and has `bits`, the certificate
 * is a v3 leaf for CN=`cn`, valid from now for `days`, signed with
 * SHA-256 by that key, and a signature of the key verifies with it.
 */
static void check_keygen(const struct c2e_buf *key, const struct c2e_buf *crt,
                         int bits, long days, const char *subject)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf sig = C2E_BUF_INIT;
	struct c2e_pkey *k = NULL;
	struct c2e_cert_info ci;
	const char *data = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrZXlnZW4ifQ";
	const ASN1_INTEGER *serial;
	EVP_PKEY *pub;
	time_t now = time(NULL);
	bool match = false;
	X509 *x;

	ASSERT(key->secret);
	ASSERT(strncmp(key->buf, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	ASSERT(strstr(key->buf, "ENCRYPTED") == NULL);
	ASSERT(strncmp(crt->buf, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
	ASSERT_OK(c2e_pkey_parse(key->buf, key->len, NULL, "new key", &k, &err),
	          &err);
	ASSERT_INT_EQ(c2e_pkey_bits(k), bits);

	memset(&ci, 0, sizeof(ci));
	ASSERT_OK(c2e_cert_parse(crt->buf, crt->len, "new cert", &ci, &err),
	          &err);
	ASSERT_STR_EQ(ci.subject, subject);
	ASSERT_STR_EQ(ci.issuer, subject);
	ASSERT_INT_EQ(ci.key_bits, bits);
	ASSERT(ci.not_before >= now - 60 && ci.not_before <= now + 1);
	ASSERT_INT_EQ(ci.not_after - ci.not_before, days * 86400);
	ASSERT_INT_EQ(strlen(ci.sha256), 64);
	c2e_cert_info_release(&ci);

	ASSERT_OK(c2e_pkey_matches_cert(k, crt->buf, crt->len, &match, &err),
	          &err);
	ASSERT(match);

	x = read_x509(crt);
	ASSERT_INT_EQ(X509_get_version(x), X509_VERSION_3);
	ASSERT_INT_EQ(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	ASSERT_INT_EQ(X509_check_ca(x), 0); /* CA:FALSE, a leaf */
	ASSERT(X509_get_ext_by_NID(x, NID_basic_constraints, -1) >= 0);
	ASSERT_NOT_NULL(X509_get0_subject_key_id(x));
	/* 16 random bytes, top bit clear: a positive INTEGER */
	serial = X509_get0_serialNumber(x);
	ASSERT(ASN1_STRING_length(serial) >= 8 &&
	       ASN1_STRING_length(serial) <= 16);
	ASSERT_INT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);
	/* self-signed: the certificate verifies with its own key */
	pub = X509_get_pubkey(x);
	ASSERT_INT_EQ(X509_verify(x, pub), 1);

	ASSERT_OK(c2e_rs256_sign(k, data, strlen(data), &sig, &err), &err);
	ASSERT_INT_EQ(sig.len, (size_t)bits / 8);
	ASSERT(verify(pub, data, &sig));
	ASSERT(!verify(pub, "eyJhbGciOiJSUzI1NiJ9.e30", &sig));
	EVP_PKEY_free(pub);
	X509_free(x);
	c2e_buf_release(&sig);
	c2e_pkey_free(k);
}

static void test_crypto__keygen_defaults(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf key = C2E_BUF_INIT, crt = C2E_BUF_INIT;
	struct c2e_keygen_opts o = { 0, 0, NULL };
	struct c2e_pkey *other = load(KEY_OTHER, NULL);
	bool match = true;

	ASSERT_OK(c2e_keygen(&o, &key, &crt, &err), &err);
	check_keygen(&key, &crt, 2048, 365, "CN=ca2eca JWT bearer");
	/* another key does not match the new certificate */
	ASSERT_OK(c2e_pkey_matches_cert(other, crt.buf, crt.len, &match, &err),
	          &err);
	ASSERT(!match);
	/* NULL options are the defaults too */
	c2e_buf_release(&key);
	c2e_buf_release(&crt);
	key.secret = false;
	ASSERT_OK(c2e_keygen(NULL, &key, &crt, &err), &err);
	check_keygen(&key, &crt, 2048, 365, "CN=ca2eca JWT bearer");
	c2e_pkey_free(other);
	c2e_buf_release(&key);
	c2e_buf_release(&crt);
}

static void test_crypto__keygen_options_and_appending(void)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf key = C2E_BUF_INIT, crt = C2E_BUF_INIT;
	struct c2e_buf key2 = C2E_BUF_INIT, crt2 = C2E_BUF_INIT;
	struct c2e_buf ktail = C2E_BUF_INIT, ctail = C2E_BUF_INIT;
	struct c2e_keygen_opts o = { 3072, 730, "Partner1 JWT caf\xC3\xA9" };
	struct c2e_keygen_opts o2 = { 2048, 36500, "x" };
	X509 *a, *b;

	ASSERT_OK(c2e_keygen(&o, &key, &crt, &err), &err);
	check_keygen(&key, &crt, 3072, 730, "CN=Partner1 JWT caf\xC3\xA9");

	/* appends after what the buffers hold; the longest validity */
	c2e_buf_adds(&key2, "K");
	c2e_buf_adds(&crt2, "C");
	ASSERT_OK(c2e_keygen(&o2, &key2, &crt2, &err), &err);
	ASSERT(key2.buf[0] == 'K' && crt2.buf[0] == 'C');
	ktail.secret = true;
	c2e_buf_addn(&ktail, key2.buf + 1, key2.len - 1);
	c2e_buf_addn(&ctail, crt2.buf + 1, crt2.len - 1);
	check_keygen(&ktail, &ctail, 2048, 36500, "CN=x");

	/* two runs: different keys and serials */
	a = read_x509(&crt);
	b = read_x509(&ctail);
	ASSERT(ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
	                        X509_get0_serialNumber(b)) != 0);
	ASSERT(EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)) != 1);
	X509_free(a);
	X509_free(b);
	c2e_buf_release(&key);
	c2e_buf_release(&crt);
	c2e_buf_release(&key2);
	c2e_buf_release(&crt2);
	c2e_buf_release(&ktail);
	c2e_buf_release(&ctail);
}

/* c2e_keygen with `o` fails with EUSAGE, `want` in the message. */
static void check_keygen_refused(const struct c2e_keygen_opts *o,
                                 const char *want)
{
	struct c2e_err err = C2E_ERR_INIT;
	struct c2e_buf key = C2E_BUF_INIT, crt = C2E_BUF_INIT;

	c2e_buf_adds(&crt, "keep");
	ASSERT_INT_EQ(c2e_keygen(o, &key, &crt, &err), C2E_EUSAGE);
	ASSERT_STR_CONTAINS(err.msg, want);
	ASSERT_INT_EQ(key.len, 0);
	ASSERT_STR_EQ(crt.buf, "keep");
	c2e_buf_release(&key);
	c2e_buf_release(&crt);
}

static void test_crypto__keygen_refuses_bad_options(void)
{
	struct c2e_keygen_opts o = { 1024, 0, NULL };
	char long_cn[80];

	check_keygen_refused(&o, "an RSA key of 1024 bits is not offered: "
	                         "use 2048 to 16384 bits");
	o.bits = 2047;
	check_keygen_refused(&o, "of 2047 bits");
	o.bits = -1;
	check_keygen_refused(&o, "of -1 bits");
	o.bits = 16385;
	check_keygen_refused(&o, "of 16385 bits");
	o.bits = 0;
	o.days = -1;
	check_keygen_refused(&o, "a certificate valid for -1 days is not "
	                         "offered: use 1 to 36500 days");
	o.days = 36501;
	check_keygen_refused(&o, "for 36501 days");
	o.days = 0;
	o.cn = "";
	check_keygen_refused(&o, "the common name '' does not fit a "
	                         "certificate: use 1 to 64 characters");
	memset(long_cn, 'n', 65);
	long_cn[65] = '\0';
	o.cn = long_cn;
	check_keygen_refused(&o, "use 1 to 64 characters");
	o.cn = "bad \xFF utf-8";
	check_keygen_refused(&o, "the common name 'bad ");
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
	RUN(test_crypto__sha256_vectors);
	RUN(test_crypto__keygen_defaults);
	RUN(test_crypto__keygen_options_and_appending);
	RUN(test_crypto__keygen_refuses_bad_options);
	return test_summary();
}
