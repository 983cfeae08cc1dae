"""JWT (RS256) parsing and signature verification, written for the simulator.

Independent of ca2eca: base64url decoding, JSON parsing of the header and the
claims, and RSASSA-PKCS1-v1_5 / SHA-256 verification with the public key of
the X.509 certificate registered on the app (via the `cryptography` package).
"""

import base64
import binascii
import json
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import util

_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


class JwtError(Exception):
    pass


def b64url_decode(seg):
    if not _B64URL.match(seg):
        raise JwtError("not base64url")
    seg = seg.rstrip("=")
    if len(seg) % 4 == 1:
        raise JwtError("bad base64url length")
    try:
        return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))
    except (binascii.Error, ValueError):
        raise JwtError("bad base64url")


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Jwt:
    def __init__(self, header, claims, signing_input, signature):
        self.header = header
        self.claims = claims
        self.signing_input = signing_input
        self.signature = signature


def parse(token):
    """Splits and decodes a compact JWS.  Raises JwtError."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise JwtError("a JWT has three parts")
    h, c, s = token.split(".")
    if not h or not c:
        raise JwtError("empty part")
    try:
        header = json.loads(b64url_decode(h).decode("utf-8"))
        claims = json.loads(b64url_decode(c).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise JwtError("bad JSON: %s" % e)
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("header and claims must be JSON objects")
    return Jwt(header, claims, (h + "." + c).encode("ascii"), b64url_decode(s))


_CERTS = {}  # certificate text -> parsed certificate (immutable)
_CERTS_MAX = 256


def load_certificate(text):
    """A certificate stored as PEM, or as the bare base64 body (line breaks allowed)."""
    if text is None:
        raise ValueError("no certificate")
    return util.memo(_CERTS, _CERTS_MAX, text, _load_certificate)


def _load_certificate(text):
    t = text.strip()
    if "-----BEGIN" in t:
        m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", t, re.S)
        if not m:
            raise ValueError("no CERTIFICATE block")
        t = m.group(1)
    body = re.sub(r"\s+", "", t)
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the certificate is not base64")
    return x509.load_der_x509_certificate(der)


def verify_rs256(jwt, cert_text):
    """True when the signature verifies with the certificate's RSA key."""
    try:
        cert = load_certificate(cert_text)
    except ValueError:
        return False
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(jwt.signature, jwt.signing_input, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False
