"""Throw-away signing keys for development and test: a self-signed ECDSA P-256 certificate.

Never used in production (Settings refuses to start there without SUNLIGHT_SIGNING_KEY_FILE and
SUNLIGHT_SIGNING_CERT_FILE). Development keeps one under var/dev-signing/ so that PDFs signed
yesterday still verify today; the test environment keeps one in memory per process.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from approval_core.timeutil import utcnow

THROWAWAY_NAME = "Sunlight THROW-AWAY signing certificate (not for real documents)"
DEV_DIR = Path("var") / "dev-signing"


def signing_extensions(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    """What a document-signing end-entity certificate says: not a CA, signs and commits."""
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), True
    ).add_extension(usage, critical=True)


def self_signed(common_name: str, now: datetime | None = None) -> tuple[bytes, bytes]:
    """A new P-256 key and a self-signed certificate for it (10 years), both PEM."""
    start = (now or utcnow()) - timedelta(days=1)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
    )
    cert = signing_extensions(builder).sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@cache
def in_memory() -> tuple[bytes, bytes]:
    """The test environment's throw-away key and certificate (one per process)."""
    return self_signed(THROWAWAY_NAME)


def on_disk(directory: Path = DEV_DIR) -> tuple[bytes, bytes]:
    """Development's throw-away key and certificate, made once and kept in `directory`."""
    key_file, cert_file = directory / "key.pem", directory / "cert.pem"
    if not (key_file.is_file() and cert_file.is_file()):
        key_pem, cert_pem = self_signed(THROWAWAY_NAME)
        directory.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
    return key_file.read_bytes(), cert_file.read_bytes()
