/*
 * crypto.h - the only door to OpenSSL libcrypto: RSA private keys, RS256
 * signatures, base64/base64url, X.509 certificates, random bytes.
 *
 * Private keys and passphrases are secrets: they are wiped when freed and
 * never appear in an error message.
 */
#ifndef C2E_UTIL_CRYPTO_H
#define C2E_UTIL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"

struct c2e_pkey;

/*
 * Loads a PEM private key (PKCS#1 or PKCS#8, RSA).  An encrypted key needs
 * `passphrase` (NULL otherwise); a missing or wrong passphrase is
 * C2E_EDATA saying how to give one.  Messages name `path`, never the key.
 */
C2E_MUST_CHECK int c2e_pkey_load(const char *path, const char *passphrase,
                                 struct c2e_pkey **out, struct c2e_err *err);
/* The same from memory; `what` names it in messages. */
C2E_MUST_CHECK int c2e_pkey_parse(const char *pem, size_t len,
                                  const char *passphrase, const char *what,
                                  struct c2e_pkey **out, struct c2e_err *err);
int c2e_pkey_bits(const struct c2e_pkey *k);
void c2e_pkey_free(struct c2e_pkey *k);

/* RSASSA-PKCS1-v1_5 with SHA-256 over `data`; appends the raw signature. */
C2E_MUST_CHECK int c2e_rs256_sign(const struct c2e_pkey *k, const void *data,
                                  size_t len, struct c2e_buf *sig_out,
                                  struct c2e_err *err);

/* Base64url without padding (RFC 7515), appended to `out`. */
C2E_MUST_CHECK int c2e_b64url_encode(const void *data, size_t len,
                                     struct c2e_buf *out, struct c2e_err *err);
/* Standard base64; white space (line breaks) in the input is skipped. */
C2E_MUST_CHECK int c2e_b64_decode(const char *text, size_t len,
                                  struct c2e_buf *out, struct c2e_err *err);

struct c2e_cert_info {
	char *subject; /* RFC 2253 form, e.g. "CN=Partner1,O=..." */
	char *issuer;
	time_t not_before;
	time_t not_after;
	int key_bits; /* RSA modulus size; 0 for other key types */
	char sha256[65]; /* hex fingerprint of the DER certificate */
};

/*
 * Parses a certificate given as PEM ("-----BEGIN CERTIFICATE-----") or as
 * the bare base64 body that ConnectedApp files carry (line breaks
 * allowed).  `what` names it in messages.
 */
C2E_MUST_CHECK int c2e_cert_parse(const char *text, size_t len,
                                  const char *what, struct c2e_cert_info *out,
                                  struct c2e_err *err);
void c2e_cert_info_release(struct c2e_cert_info *ci);

/* True when the private key is the one whose public half is in the cert. */
C2E_MUST_CHECK int c2e_pkey_matches_cert(const struct c2e_pkey *k,
                                         const char *cert_text, size_t len,
                                         bool *match_out, struct c2e_err *err);

/* `n` random bytes from the OS CSPRNG, as 2n lowercase hex chars + NUL. */
C2E_MUST_CHECK int c2e_random_hex(char *out, size_t n, struct c2e_err *err);

/* SHA-256 of `len` bytes as 64 lowercase hex characters + NUL. */
C2E_MUST_CHECK int c2e_sha256_hex(const void *data, size_t len, char out[65],
                                  struct c2e_err *err);

struct c2e_keygen_opts {
	int bits; /* 0: 2048; at least 2048 */
	long days; /* 0: 365; 1 to 36500 */
	const char *cn; /* NULL: "ca2eca JWT bearer" */
};

/*
 * A new RSA private key (PKCS#8 PEM, into a secret buffer) and a
 * self-signed X.509 certificate for it (PEM: CN, serial from the CSPRNG,
 * SHA-256 signature, valid from now for `days`) -- the "Create a Private
 * Key and Self-Signed Digital Certificate" step of Salesforce's JWT
 * bearer setup.  Both are appended to the buffers.
 */
C2E_MUST_CHECK int c2e_keygen(const struct c2e_keygen_opts *o,
                              struct c2e_buf *key_pem_out,
                              struct c2e_buf *cert_pem_out,
                              struct c2e_err *err);

#endif
