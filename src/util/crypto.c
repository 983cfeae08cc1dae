#include "util/crypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/fs.h"
#include "util/str.h"
#include "util/compat.h"

/* a PEM private key file is a few KiB; anything near this is not one */
#define KEY_FILE_MAX ((size_t)1 << 20)
/* the smallest RSA modulus we sign with */
#define RSA_MIN_BITS 2048

struct c2e_pkey {
	EVP_PKEY *pk;
};

/*
 * The reason of the first error in OpenSSL's queue (or `fallback`), copied
 * into `buf`; the queue is cleared.  Reasons are fixed library strings:
 * they never hold key material.
 */
static const char *ossl_reason(char *buf, size_t n, const char *fallback)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, n, "%s", r ? r : fallback);
	ERR_clear_error();
	return buf;
}

/* --- private keys --- */

struct pass_ctx {
	const char *pass;
	bool asked;
};

/* pem_password_cb: never prompts; hands over the given passphrase */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	size_t n;

	(void)rwflag;
	pc->asked = true;
	if (!pc->pass || size <= 0)
		return -1;
	n = strlen(pc->pass);
	if (n > (size_t)size)
		return -1; /* longer than OpenSSL takes: cannot be right */
	memcpy(buf, pc->pass, n);
	return (int)n;
}

static int no_pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int c2e_pkey_parse(const char *pem, size_t len, const char *passphrase,
                   const char *what, struct c2e_pkey **out, struct c2e_err *err)
{
	struct pass_ctx pc = { passphrase, false };
	struct c2e_pkey *k = NULL;
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	char reason[128];
	int rc = C2E_OK, bits;

	*out = NULL;
	if (!what)
		what = "private key";
	ERR_clear_error();
	if (len > INT_MAX) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "'%s' is too large to be a private key", what);
		goto done;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		rc = c2e_err_oom(err);
		goto done;
	}
	pk = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &pc);
	if (!pk) {
		if (pc.asked && !passphrase)
			rc = c2e_err_set(
			        err, C2E_EDATA,
			        "private key '%s' is encrypted: give its "
			        "passphrase with --jwt-key-pass-file "
			        "FILE or SF_JWT_KEY_PASSPHRASE",
			        what);
		else if (pc.asked)
			rc = c2e_err_set(err, C2E_EDATA,
			                 "private key '%s' is encrypted: wrong "
			                 "passphrase",
			                 what);
		else
			rc = c2e_err_set(
			        err, C2E_EDATA,
			        "'%s' is not a PEM private key (%s): give the "
			        "PKCS#1 or PKCS#8 PEM file of an RSA key",
			        what,
			        ossl_reason(reason, sizeof(reason), "no key"));
		goto done;
	}
	if (!EVP_PKEY_is_a(pk, "RSA")) {
		const char *type = EVP_PKEY_get0_type_name(pk);

		rc = c2e_err_set(err, C2E_EDATA,
		                 "private key '%s' is not an RSA key (%s): "
		                 "RS256 needs an RSA key of %d bits or more",
		                 what, type ? type : "unknown type",
		                 RSA_MIN_BITS);
		goto done;
	}
	bits = EVP_PKEY_get_bits(pk);
	if (bits < RSA_MIN_BITS) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "private key '%s' is RSA-%d: use an RSA key of "
		        "%d bits or more",
		        what, bits, RSA_MIN_BITS);
		goto done;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rc = c2e_err_oom(err);
		goto done;
	}
	k->pk = pk;
	pk = NULL;
	*out = k;
done:
	EVP_PKEY_free(pk);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int c2e_pkey_load(const char *path, const char *passphrase,
                  struct c2e_pkey **out, struct c2e_err *err)
{
	struct c2e_buf pem = C2E_BUF_INIT;
	int rc;

	*out = NULL;
	pem.secret = true;
	rc = c2e_fs_read(path, KEY_FILE_MAX, &pem, err);
	if (rc < 0)
		goto done;
	rc = c2e_pkey_parse(pem.buf, pem.len, passphrase, path, out, err);
done:
	c2e_buf_release(&pem);
	return rc;
}

int c2e_pkey_bits(const struct c2e_pkey *k)
{
	return k && k->pk ? EVP_PKEY_get_bits(k->pk) : 0;
}

void c2e_pkey_free(struct c2e_pkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pk); /* RSA private parts are cleared on free */
	free(k);
}

/* --- RS256 --- */

int c2e_rs256_sign(const struct c2e_pkey *k, const void *data, size_t len,
                   struct c2e_buf *sig_out, struct c2e_err *err)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	char reason[128];
	int rc = C2E_OK;

	ERR_clear_error();
	if (!k || !k->pk) {
		rc = c2e_err_set(err, C2E_ERROR, "no key to sign with");
		goto done;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pk) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, data, len) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot sign with RS256: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	sig = malloc(sig_len ? sig_len : 1);
	if (!sig) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (EVP_DigestSign(ctx, sig, &sig_len, data, len) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot sign with RS256: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	if (c2e_buf_addn(sig_out, sig, sig_len) < 0)
		rc = c2e_buf_err(sig_out, "signature", err);
done:
	free(sig);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* --- base64 --- */

static const char b64url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int c2e_b64url_encode(const void *data, size_t len, struct c2e_buf *out,
                      struct c2e_err *err)
{
	const unsigned char *p = data;
	size_t start = out->len, i = 0;
	char q[4];

	while (i + 3 <= len) {
		unsigned long v = (unsigned long)p[i] << 16 |
		                  (unsigned long)p[i + 1] << 8 | p[i + 2];

		q[0] = b64url_alphabet[(v >> 18) & 63];
		q[1] = b64url_alphabet[(v >> 12) & 63];
		q[2] = b64url_alphabet[(v >> 6) & 63];
		q[3] = b64url_alphabet[v & 63];
		c2e_buf_addn(out, q, 4);
		i += 3;
	}
	if (len - i == 1) {
		unsigned long v = (unsigned long)p[i] << 16;

		q[0] = b64url_alphabet[(v >> 18) & 63];
		q[1] = b64url_alphabet[(v >> 12) & 63];
		c2e_buf_addn(out, q, 2);
	} else if (len - i == 2) {
		unsigned long v = (unsigned long)p[i] << 16 |
		                  (unsigned long)p[i + 1] << 8;

		q[0] = b64url_alphabet[(v >> 18) & 63];
		q[1] = b64url_alphabet[(v >> 12) & 63];
		q[2] = b64url_alphabet[(v >> 6) & 63];
		c2e_buf_addn(out, q, 3);
	}
	if (c2e_buf_failed(out)) {
		if (out->len > start)
			c2e_buf_truncate(out, start);
		return c2e_buf_err(out, "base64url text", err);
	}
	return C2E_OK;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

int c2e_b64_decode(const char *text, size_t len, struct c2e_buf *out,
                   struct c2e_err *err)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t start = out->len, ndig = 0, npad = 0, i;
	unsigned long acc = 0;
	int rc = C2E_OK;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		unsigned char bytes[3];
		int v;

		if (is_b64_space(c))
			continue;
		if (c == '=') {
			/* padding: only at the end of the last quantum */
			if (ndig % 4 < 2 || (npad && ndig % 4 != 2)) {
				rc = c2e_err_set(
				        err, C2E_EDATA,
				        "invalid base64: misplaced '=' "
				        "at offset %zu",
				        i);
				goto done;
			}
			npad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || npad) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "invalid base64: unexpected character "
			                 "at offset %zu",
			                 i);
			goto done;
		}
		acc = (acc << 6) | (unsigned long)v;
		ndig++;
		if (ndig % 4 == 0) {
			bytes[0] = (unsigned char)(acc >> 16);
			bytes[1] = (unsigned char)(acc >> 8);
			bytes[2] = (unsigned char)acc;
			c2e_buf_addn(out, bytes, 3);
			acc = 0;
		}
	}
	if ((ndig + npad) % 4 != 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "invalid base64: the text ends in the middle "
		                 "of a group (missing '=' padding?)");
		goto done;
	}
	if (npad) {
		/* the last group: 2 digits + "==" or 3 digits + "=" */
		size_t rem = ndig % 4;
		unsigned char bytes[2];

		if (acc & (rem == 2 ? 0xFu : 0x3u)) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "invalid base64: non-zero bits before "
			                 "the padding");
			goto done;
		}
		if (rem == 2) {
			bytes[0] = (unsigned char)(acc >> 4);
			c2e_buf_addn(out, bytes, 1);
		} else {
			bytes[0] = (unsigned char)(acc >> 10);
			bytes[1] = (unsigned char)(acc >> 2);
			c2e_buf_addn(out, bytes, 2);
		}
	}
	if (c2e_buf_failed(out))
		rc = c2e_buf_err(out, "decoded base64", err);
done:
	if (rc < 0 && out->len > start)
		c2e_buf_truncate(out, start);
	return rc;
}

/* --- X.509 --- */

/* True when `text` holds a PEM block rather than a bare base64 body. */
static bool looks_pem(const char *text, size_t len)
{
	static const char tag[] = "-----BEGIN";
	size_t n = sizeof(tag) - 1;

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(text + i, tag, n) == 0)
			return true;
	return false;
}

/*
 * Parsed certificates, by the SHA-256 of their text.  The same certificate
 * is parsed again and again (inventory, plan, the key check before apply;
 * in a batch, every org a partner serves has the partner's), and decoding
 * one costs about 1100 allocations.  An X509 does not change once parsed,
 * so threads share it (X509_up_ref); only certificates that parsed are
 * kept, 16 of them, the oldest replaced first.
 */
#define CERT_CACHE 16

static struct {
	unsigned char id[SHA256_DIGEST_LENGTH];
	X509 *x;
} cert_cache[CERT_CACHE];
static size_t cert_cache_next;
static pthread_mutex_t cert_cache_mu = PTHREAD_MUTEX_INITIALIZER;

static bool cert_id(const char *text, size_t len,
                    unsigned char id[SHA256_DIGEST_LENGTH])
{
	unsigned int n = 0;

	return EVP_Digest(text, len, id, &n, EVP_sha256(), NULL) == 1 &&
	       n == SHA256_DIGEST_LENGTH;
}

static X509 *cert_cache_get(const unsigned char *id)
{
	X509 *x = NULL;

	pthread_mutex_lock(&cert_cache_mu);
	for (size_t i = 0; i < CERT_CACHE && !x; i++)
		if (cert_cache[i].x &&
		    memcmp(cert_cache[i].id, id, SHA256_DIGEST_LENGTH) == 0 &&
		    X509_up_ref(cert_cache[i].x) == 1)
			x = cert_cache[i].x;
	pthread_mutex_unlock(&cert_cache_mu);
	return x;
}

static void cert_cache_put(const unsigned char *id, X509 *x)
{
	X509 *old;

	if (X509_up_ref(x) != 1)
		return;
	pthread_mutex_lock(&cert_cache_mu);
	old = cert_cache[cert_cache_next].x;
	memcpy(cert_cache[cert_cache_next].id, id, SHA256_DIGEST_LENGTH);
	cert_cache[cert_cache_next].x = x;
	cert_cache_next = (cert_cache_next + 1) % CERT_CACHE;
	pthread_mutex_unlock(&cert_cache_mu);
	X509_free(old);
}

static int read_cert(const char *text, size_t len, const char *what, X509 **out,
                     struct c2e_err *err)
{
	unsigned char id[SHA256_DIGEST_LENGTH];
	bool have_id = cert_id(text, len, id);

	struct c2e_buf der = C2E_BUF_INIT;
	BIO *bio = NULL;
	X509 *x = NULL;
	char reason[128];
	int rc = C2E_OK;

	*out = NULL;
	ERR_clear_error();
	if (have_id && (*out = cert_cache_get(id)) != NULL)
		return C2E_OK;
	if (len > INT_MAX) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "certificate '%s' is too large", what);
		goto done;
	}
	if (looks_pem(text, len)) {
		bio = BIO_new_mem_buf(text, (int)len);
		if (!bio) {
			rc = c2e_err_oom(err);
			goto done;
		}
		x = PEM_read_bio_X509(bio, NULL, no_pass_cb, NULL);
	} else {
		const unsigned char *p;

		rc = c2e_b64_decode(text, len, &der, err);
		if (rc < 0) {
			c2e_err_prefix(err, "certificate '%s'", what);
			goto done;
		}
		if (der.len == 0 || der.len > INT_MAX) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "certificate '%s' is empty", what);
			goto done;
		}
		p = (const unsigned char *)der.buf;
		x = d2i_X509(NULL, &p, (long)der.len);
		if (x && p != (const unsigned char *)der.buf + der.len) {
			rc = c2e_err_set(err, C2E_EDATA,
			                 "certificate '%s' has trailing data "
			                 "after the DER certificate",
			                 what);
			goto done;
		}
	}
	if (!x) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "certificate '%s' is not a valid X.509 "
		        "certificate (%s): give the PEM file or its "
		        "base64 body",
		        what,
		        ossl_reason(reason, sizeof(reason), "no certificate"));
		goto done;
	}
	if (have_id)
		cert_cache_put(id, x);
	*out = x;
	x = NULL;
done:
	X509_free(x);
	BIO_free(bio);
	c2e_buf_release(&der);
	ERR_clear_error();
	return rc;
}

static int name_string(const X509_NAME *name, char **out, struct c2e_err *err)
{
	/* RFC 2253 order and escaping, but UTF-8 kept as it is */
	unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *s;
	long n;
	int rc = C2E_OK;

	*out = NULL;
	if (!bio)
		return c2e_err_oom(err);
	if (X509_NAME_print_ex(bio, name, 0, flags) < 0) {
		rc = c2e_err_set(err, C2E_EDATA,
		                 "cannot print a certificate name");
		goto done;
	}
	n = BIO_get_mem_data(bio, &data);
	s = c2e_strndup(n > 0 && data ? data : "", n > 0 ? (size_t)n : 0);
	if (!s) {
		rc = c2e_err_oom(err);
		goto done;
	}
	*out = s;
done:
	BIO_free(bio);
	return rc;
}

static int asn1_time(const ASN1_TIME *t, const char *what, const char *which,
                     time_t *out, struct c2e_err *err)
{
	struct tm tm;
	time_t v;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return c2e_err_set(err, C2E_EDATA,
		                   "certificate '%s' has an invalid %s date",
		                   what, which);
	v = timegm(&tm);
	if (v == (time_t)-1)
		return c2e_err_set(err, C2E_EDATA,
		                   "certificate '%s' has a %s date this system "
		                   "cannot represent",
		                   what, which);
	*out = v;
	return C2E_OK;
}

int c2e_cert_parse(const char *text, size_t len, const char *what,
                   struct c2e_cert_info *out, struct c2e_err *err)
{
	static const char hex[] = "0123456789abcdef";
	struct c2e_cert_info ci;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_PKEY *pub;
	X509 *x = NULL;
	int rc;

	memset(&ci, 0, sizeof(ci));
	if (!what)
		what = "certificate";
	rc = read_cert(text, len, what, &x, err);
	if (rc < 0)
		goto done;
	rc = name_string(X509_get_subject_name(x), &ci.subject, err);
	if (rc < 0)
		goto done;
	rc = name_string(X509_get_issuer_name(x), &ci.issuer, err);
	if (rc < 0)
		goto done;
	rc = asn1_time(X509_get0_notBefore(x), what, "notBefore",
	               &ci.not_before, err);
	if (rc < 0)
		goto done;
	rc = asn1_time(X509_get0_notAfter(x), what, "notAfter", &ci.not_after,
	               err);
	if (rc < 0)
		goto done;
	pub = X509_get0_pubkey(x);
	ci.key_bits =
	        pub && EVP_PKEY_is_a(pub, "RSA") ? EVP_PKEY_get_bits(pub) : 0;
	if (X509_digest(x, EVP_sha256(), md, &md_len) != 1 || md_len != 32) {
		rc = c2e_err_set(
		        err, C2E_EDATA,
		        "cannot compute the fingerprint of certificate "
		        "'%s'",
		        what);
		goto done;
	}
	for (unsigned int i = 0; i < md_len; i++) {
		ci.sha256[2 * i] = hex[md[i] >> 4];
		ci.sha256[2 * i + 1] = hex[md[i] & 0xF];
	}
	ci.sha256[64] = '\0';
	*out = ci;
	memset(&ci, 0, sizeof(ci));
done:
	c2e_cert_info_release(&ci);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

void c2e_cert_info_release(struct c2e_cert_info *ci)
{
	if (!ci)
		return;
	free(ci->subject);
	free(ci->issuer);
	memset(ci, 0, sizeof(*ci));
}

int c2e_pkey_matches_cert(const struct c2e_pkey *k, const char *cert_text,
                          size_t len, bool *match_out, struct c2e_err *err)
{
	EVP_PKEY *pub;
	X509 *x = NULL;
	int rc;

	if (!k || !k->pk)
		return c2e_err_set(err, C2E_ERROR, "no key to compare");
	rc = read_cert(cert_text, len, "certificate", &x, err);
	if (rc < 0)
		goto done;
	pub = X509_get0_pubkey(x);
	/* 1: same key; 0: different; -1: different types; -2: cannot tell */
	*match_out = pub && EVP_PKEY_eq(k->pk, pub) == 1;
done:
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/* --- random --- */

int c2e_random_hex(char *out, size_t n, struct c2e_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char chunk[64];
	char reason[128];
	size_t done = 0;

	ERR_clear_error();
	while (done < n) {
		size_t m = n - done < sizeof(chunk) ? n - done : sizeof(chunk);

		if (RAND_bytes(chunk, (int)m) != 1) {
			OPENSSL_cleanse(chunk, sizeof(chunk));
			return c2e_err_set(err, C2E_EIO,
			                   "cannot get random bytes: %s",
			                   ossl_reason(reason, sizeof(reason),
			                               "no entropy"));
		}
		for (size_t i = 0; i < m; i++) {
			out[2 * (done + i)] = hex[chunk[i] >> 4];
			out[2 * (done + i) + 1] = hex[chunk[i] & 0xF];
		}
		done += m;
	}
	out[2 * n] = '\0';
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return C2E_OK;
}

/* --- digests --- */

int c2e_sha256_hex(const void *data, size_t len, char out[65],
                   struct c2e_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char text[65], reason[128];

	ERR_clear_error();
	if (EVP_Digest(data ? data : "", data ? len : 0, md, &md_len,
	               EVP_sha256(), NULL) != 1 ||
	    md_len != 32)
		return c2e_err_set(
		        err, C2E_ERROR, "cannot compute a SHA-256 digest: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
	for (unsigned int i = 0; i < md_len; i++) {
		text[2 * i] = hex[md[i] >> 4];
		text[2 * i + 1] = hex[md[i] & 0xF];
	}
	text[64] = '\0';
	memcpy(out, text, sizeof(text));
	return C2E_OK;
}

/* --- key and certificate generation --- */

#define KEYGEN_DEFAULT_BITS 2048
/* OpenSSL's largest RSA modulus (OPENSSL_RSA_MAX_MODULUS_BITS) */
#define KEYGEN_MAX_BITS     16384
#define KEYGEN_DEFAULT_DAYS 365
#define KEYGEN_MAX_DAYS     36500
#define KEYGEN_DEFAULT_CN   "ca2eca JWT bearer"
/* X.520 ub-common-name */
#define KEYGEN_CN_MAX 64
/* 128 bits of serial from the CSPRNG (CA/B Forum asks for 64 or more) */
#define KEYGEN_SERIAL_BYTES 16

/* Characters (not bytes) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* A positive random serial number (RFC 5280 4.1.2.2: at most 20 octets). */
static int set_serial(X509 *x, struct c2e_err *err)
{
	unsigned char raw[KEYGEN_SERIAL_BYTES];
	BIGNUM *bn = NULL;
	char reason[128];
	int rc = C2E_OK;

	if (RAND_bytes(raw, (int)sizeof(raw)) != 1) {
		rc = c2e_err_set(
		        err, C2E_EIO, "cannot get random bytes: %s",
		        ossl_reason(reason, sizeof(reason), "no entropy"));
		goto done;
	}
	raw[0] &= 0x7F; /* top bit clear: the DER INTEGER is positive */
	bn = BN_bin2bn(raw, (int)sizeof(raw), NULL);
	if (!bn) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (BN_is_zero(bn) && BN_set_word(bn, 1) != 1) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (!BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) {
		rc = c2e_err_set(
		        err, C2E_ERROR,
		        "cannot set the serial number of the certificate: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
done:
	BN_free(bn);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/* Subject and issuer: CN=<cn> (self-signed). */
static int set_names(X509 *x, const char *cn, struct c2e_err *err)
{
	X509_NAME *name = X509_NAME_new();
	char reason[128];
	int rc = C2E_OK;

	if (!name)
		return c2e_err_oom(err);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1,
	                               0) != 1) {
		rc = c2e_err_set(
		        err, C2E_EUSAGE,
		        "the common name '%.*s' cannot go into a "
		        "certificate (%s): use 1 to %d characters of "
		        "UTF-8 text",
		        KEYGEN_CN_MAX, cn,
		        ossl_reason(reason, sizeof(reason), "invalid name"),
		        KEYGEN_CN_MAX);
		goto done;
	}
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR,
		        "cannot set the names of the certificate: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
done:
	X509_NAME_free(name);
	return rc;
}

/* Adds the v3 extension `nid` given in openssl.cnf syntax ("CA:FALSE"). */
static int add_ext(X509 *x, int nid, const char *value, struct c2e_err *err)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	char reason[128];
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	if (!ok)
		return c2e_err_set(
		        err, C2E_ERROR,
		        "cannot add the %s extension to the certificate: %s",
		        OBJ_nid2sn(nid),
		        ossl_reason(reason, sizeof(reason), "unknown error"));
	return C2E_OK;
}

/* The self-signed certificate of `pk`. */
static int make_cert(EVP_PKEY *pk, const char *cn, long days, X509 **out,
                     struct c2e_err *err)
{
	X509 *x = X509_new();
	char reason[128];
	int rc;

	*out = NULL;
	if (!x)
		return c2e_err_oom(err);
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    X509_set_pubkey(x, pk) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot build the certificate: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	rc = set_serial(x, err);
	if (rc < 0)
		goto done;
	rc = set_names(x, cn, err);
	if (rc < 0)
		goto done;
	/* a leaf: Salesforce only takes the public key from it */
	rc = add_ext(x, NID_basic_constraints, "critical,CA:FALSE", err);
	if (rc < 0)
		goto done;
	rc = add_ext(x, NID_subject_key_identifier, "hash", err);
	if (rc < 0)
		goto done;
	if (X509_sign(x, pk, EVP_sha256()) <= 0) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot sign the certificate: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	*out = x;
	x = NULL;
done:
	X509_free(x);
	return rc;
}

/* Appends what a memory BIO holds to `out`. */
static int bio_to_buf(BIO *bio, struct c2e_buf *out, const char *what,
                      struct c2e_err *err)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0 || !data)
		return c2e_err_set(err, C2E_ERROR,
		                   "cannot encode the %s as PEM", what);
	if (c2e_buf_addn(out, data, (size_t)n) < 0)
		return c2e_buf_err(out, what, err);
	return C2E_OK;
}

int c2e_keygen(const struct c2e_keygen_opts *o, struct c2e_buf *key_pem_out,
               struct c2e_buf *cert_pem_out, struct c2e_err *err)
{
	int bits = o && o->bits ? o->bits : KEYGEN_DEFAULT_BITS;
	long days = o && o->days ? o->days : KEYGEN_DEFAULT_DAYS;
	const char *cn = o && o->cn ? o->cn : KEYGEN_DEFAULT_CN;
	size_t key_start = key_pem_out->len, cert_start = cert_pem_out->len;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	char reason[128];
	int rc = C2E_OK;

	ERR_clear_error();
	if (bits < RSA_MIN_BITS || bits > KEYGEN_MAX_BITS) {
		rc = c2e_err_set(err, C2E_EUSAGE,
		                 "an RSA key of %d bits is not offered: use "
		                 "%d to %d bits",
		                 bits, RSA_MIN_BITS, KEYGEN_MAX_BITS);
		goto done;
	}
	if (days < 1 || days > KEYGEN_MAX_DAYS) {
		rc = c2e_err_set(err, C2E_EUSAGE,
		                 "a certificate valid for %ld days is not "
		                 "offered: use 1 to %d days",
		                 days, KEYGEN_MAX_DAYS);
		goto done;
	}
	if (!cn[0] || utf8_chars(cn) > KEYGEN_CN_MAX) {
		rc = c2e_err_set(err, C2E_EUSAGE,
		                 "the common name '%.*s%s' does not fit a "
		                 "certificate: use 1 to %d characters",
		                 KEYGEN_CN_MAX, cn,
		                 strlen(cn) > KEYGEN_CN_MAX ? "..." : "",
		                 KEYGEN_CN_MAX);
		goto done;
	}
	pk = EVP_RSA_gen((unsigned int)bits);
	if (!pk) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot generate an RSA-%d key: %s",
		        bits,
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	rc = make_cert(pk, cn, days, &x, err);
	if (rc < 0)
		goto done;
	/* a secure-heap BIO, wiped when freed, holds the unencrypted key */
	kbio = BIO_new(BIO_s_secmem());
	cbio = BIO_new(BIO_s_mem());
	if (!kbio || !cbio) {
		rc = c2e_err_oom(err);
		goto done;
	}
	if (PEM_write_bio_PKCS8PrivateKey(kbio, pk, NULL, NULL, 0, NULL,
	                                  NULL) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot encode the private key: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	if (PEM_write_bio_X509(cbio, x) != 1) {
		rc = c2e_err_set(
		        err, C2E_ERROR, "cannot encode the certificate: %s",
		        ossl_reason(reason, sizeof(reason), "unknown error"));
		goto done;
	}
	key_pem_out->secret = true;
	rc = bio_to_buf(kbio, key_pem_out, "private key", err);
	if (rc < 0)
		goto done;
	rc = bio_to_buf(cbio, cert_pem_out, "certificate", err);
done:
	if (rc < 0) {
		/* nothing of a failed run stays in the buffers */
		if (key_pem_out->len > key_start) {
			c2e_wipe(key_pem_out->buf + key_start,
			         key_pem_out->len - key_start);
			c2e_buf_truncate(key_pem_out, key_start);
		}
		c2e_buf_truncate(cert_pem_out, cert_start);
	}
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}
