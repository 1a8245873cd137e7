"""The local CA is made once; the server certificate follows the names it must cover."""
from __future__ import annotations

import datetime as dt
import os

from cryptography import x509

from undercroft.config import certificates

NAMES = ["192.168.24.2", "192.168.24.3", "undercloud.localdomain"]


def cert_of(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def sans(pem: str) -> set[str]:
    ext = cert_of(pem).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(v.value) for v in ext}


def test_generated_once_and_reused(tmp_path):
    d = tmp_path / "tls"
    first = certificates.generated(d, NAMES, persist=True)
    assert oct(os.stat(d).st_mode & 0o777) == "0o700"
    assert oct(os.stat(d / "ca.key").st_mode & 0o777) == "0o600"
    assert oct(os.stat(d / "public.key").st_mode & 0o777) == "0o600"
    assert "PRIVATE KEY" in first.pem and "PRIVATE KEY" not in first.ca_pem
    assert sans(first.pem) == set(NAMES)
    again = certificates.generated(d, NAMES, persist=True)
    assert again == first


def test_server_certificate_is_signed_by_the_ca_and_verifies(tmp_path):
    tls = certificates.generated(tmp_path, NAMES, persist=True)
    server, ca = cert_of(tls.pem), cert_of(tls.ca_pem)
    server.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_new_names_reissue_the_server_certificate_but_keep_the_ca(tmp_path):
    first = certificates.generated(tmp_path, NAMES, persist=True)
    second = certificates.generated(tmp_path, NAMES + ["uc.example.com"], persist=True)
    assert second.ca_pem == first.ca_pem
    assert second.pem != first.pem and "uc.example.com" in sans(second.pem)


def test_a_certificate_near_expiry_is_renewed(tmp_path, monkeypatch):
    first = certificates.generated(tmp_path, NAMES, persist=True)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=certificates.SERVER_DAYS - 10)
    monkeypatch.setattr(certificates, "_now", lambda: later)
    renewed = certificates.generated(tmp_path, NAMES, persist=True)
    assert renewed.ca_pem == first.ca_pem and renewed.pem != first.pem


def test_without_persist_nothing_is_written(tmp_path):
    certificates.generated(tmp_path / "tls", NAMES, persist=False)
    assert not (tmp_path / "tls").exists()


def test_given_certificate_is_used_as_is():
    tls = certificates.given("-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----",
                             "-----BEGIN PRIVATE KEY-----\nB\n-----END PRIVATE KEY-----")
    assert tls.pem.index("CERTIFICATE") < tls.pem.index("PRIVATE KEY") and tls.ca_pem == ""
