"""make-tls: a throwaway test CA and a server certificate for 127.0.0.1 / localhost."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import util


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                           serialization.NoEncryption())


def make_tls(out_dir, days=3650):
    os.makedirs(out_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(days=1)
    not_after = now + datetime.timedelta(days=days)

    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "simorg test CA (test only)"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ca2eca tests")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(not_before).not_valid_after(not_after)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))

    srv_key = _key()
    srv_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    srv = (x509.CertificateBuilder().subject_name(srv_name).issuer_name(ca_name)
           .public_key(srv_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(not_before).not_valid_after(not_after)
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                        data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                        crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                       x509.DNSName("localhost")]), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
           .sign(ca_key, hashes.SHA256()))

    util.atomic_write_bytes(os.path.join(out_dir, "ca.pem"), ca.public_bytes(serialization.Encoding.PEM))
    util.atomic_write_bytes(os.path.join(out_dir, "ca.key"), _pem_key(ca_key))
    util.atomic_write_bytes(os.path.join(out_dir, "server.pem"), srv.public_bytes(serialization.Encoding.PEM))
    util.atomic_write_bytes(os.path.join(out_dir, "server.key"), _pem_key(srv_key))
    for f in ("ca.key", "server.key"):
        os.chmod(os.path.join(out_dir, f), 0o600)
    return {n: os.path.join(out_dir, n) for n in ("ca.pem", "ca.key", "server.pem", "server.key")}
