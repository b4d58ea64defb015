"""A throw-away certificate authority for the signing tests: root -> document-signing cert,
made with `cryptography`, written as the PEM files the SUNLIGHT_SIGNING_* settings name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from approval_core.receipts.throwaway import signing_extensions
from approval_core.timeutil import utcnow

PASSPHRASE = "seal-passphrase-测试"
Algorithm = Literal["rsa", "ecdsa"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class ThrowawayCA:
    root_pem: bytes
    key_file: Path
    cert_file: Path
    chain_file: Path

    @property
    def root(self) -> asn1_x509.Certificate:
        """The trust root as pyhanko-certvalidator takes it."""
        der = x509.load_pem_x509_certificate(self.root_pem).public_bytes(serialization.Encoding.DER)
        return asn1_x509.Certificate.load(der)


def _key(algorithm: Algorithm) -> PrivateKey:
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sunlight test CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject: str, issuer: str, public: object) -> x509.CertificateBuilder:
    start = utcnow() - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
    )


def make_ca(
    directory: Path, algorithm: Algorithm = "ecdsa", root_cn: str = "Test Root"
) -> ThrowawayCA:
    """A root CA and a signing certificate issued by it; the signing key encrypted with
    PASSPHRASE."""
    root_key, leaf_key = _key(algorithm), _key(algorithm)
    root = (
        _builder(root_cn, root_cn, root_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(root_key, hashes.SHA256())
    )
    leaf_builder = _builder("江西省司法厅 电子签章", root_cn, leaf_key.public_key())
    leaf = signing_extensions(leaf_builder).sign(root_key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    directory.mkdir(parents=True, exist_ok=True)
    ca = ThrowawayCA(
        root_pem=root.public_bytes(pem),
        key_file=directory / "signing-key.pem",
        cert_file=directory / "signing-cert.pem",
        chain_file=directory / "chain.pem",
    )
    encryption = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    ca.key_file.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, encryption)
    )
    ca.cert_file.write_bytes(leaf.public_bytes(pem))
    ca.chain_file.write_bytes(ca.root_pem)
    return ca
