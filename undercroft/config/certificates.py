"""The public endpoints' TLS material, generated once and kept with the other secrets.

``generate_service_certificate = true`` (the default, TripleO's certmonger local CA): a
self-signed CA is made on the first install and never replaced, so clients that trust
its file keep working; the server certificate it signs is re-issued only when the names
it must cover change or it is 30 days from expiry. Keys are 0600 in ``<state_dir>/tls``
(0700). ``undercloud_service_certificate``: the operator's PEM is used as given.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from undercroft.fileio import write_atomic

CA_DAYS = 3650
SERVER_DAYS = 825
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class PublicTLS:
    pem: str  # certificate chain + private key, the file haproxy's "crt" reads
    ca_pem: str  # what clients verify against ("" when the operator gave the certificate)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _san(names: Iterable[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for n in dict.fromkeys(n for n in names if n):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            out.append(x509.DNSName(n))
    return out


def _new_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Undercroft local CA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Undercloud")])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _new_server(ca_key, ca: x509.Certificate, names: list[str]):
    key = _key()
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(_san(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _still_good(cert: x509.Certificate, ca: x509.Certificate, names: list[str]) -> bool:
    if cert.issuer != ca.subject or cert.not_valid_after_utc - RENEW_BEFORE < _now():
        return False
    try:
        have = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(map(str, have)) >= set(map(str, _san(names)))


def generated(tls_dir: Path, names: list[str], persist: bool) -> PublicTLS:
    """The local CA and a server certificate for ``names``; made only when missing/stale."""
    ca_key_f, ca_f = tls_dir / "ca.key", tls_dir / "ca.crt"
    key_f, cert_f = tls_dir / "public.key", tls_dir / "public.crt"
    if ca_key_f.exists() and ca_f.exists():
        ca_key = serialization.load_pem_private_key(ca_key_f.read_bytes(), password=None)
        ca = x509.load_pem_x509_certificate(ca_f.read_bytes())
        new_ca = False
    else:
        ca_key, ca = _new_ca()
        new_ca = True
    cert = x509.load_pem_x509_certificate(cert_f.read_bytes()) if cert_f.exists() else None
    if not new_ca and cert is not None and key_f.exists() and _still_good(cert, ca, names):
        key_text = key_f.read_text()
    else:
        key, cert = _new_server(ca_key, ca, names)
        key_text = _key_pem(key)
        if persist:
            tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(tls_dir, 0o700)
            if new_ca:
                write_atomic(ca_key_f, _key_pem(ca_key), 0o600)
                write_atomic(ca_f, _cert_pem(ca), 0o644)
            write_atomic(key_f, key_text, 0o600)
            write_atomic(cert_f, _cert_pem(cert), 0o644)
    ca_text = _cert_pem(ca)
    return PublicTLS(pem=_cert_pem(cert) + ca_text + key_text, ca_pem=ca_text)


def given(certificate: str, key: str) -> PublicTLS:
    """undercloud_service_certificate: the operator's certificate(s) and key, as they are."""
    return PublicTLS(pem=certificate.strip() + "\n" + key.strip() + "\n", ca_pem="")
