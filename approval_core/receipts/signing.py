"""Documents signed as the issuing department: the DocumentSigner interface and its PAdES
implementation (pyHanko, RSA or ECDSA keys), chosen by SUNLIGHT_DOCUMENT_SIGNER.

A signer puts one visible signature on a rendered PDF, its appearance being the seal the
renderer drew (`Seal`), and checks such a signature. An SM2 seal per GB/T 38540 (SES_Signature
with an SM2 key and an electronic-seal structure) is another DocumentSigner registered in
`SIGNERS` under its own name; renderers and routes only see the interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, Protocol

from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from approval_core.errors import ConfigError
from approval_core.receipts import throwaway
from approval_core.settings import Settings

FIELD_NAME = "DepartmentSeal"


@dataclass(frozen=True)
class Seal:
    """Where the visible seal goes and what it looks like. `box` is in PDF points from the
    page's lower left corner; `appearance` is a one-page PDF drawn into that box."""

    page: int  # 0-based
    box: tuple[int, int, int, int]
    appearance: bytes
    department: str  # the issuing department, named in the signature dictionary
    reason: str


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on a document's signature; `problem` says why it does not hold."""

    valid: bool
    signer: str = ""  # the signing certificate's subject
    signed_at: datetime | None = None
    problem: str = ""


class DocumentSigner(Protocol):
    """Signs a rendered PDF as the issuing department and checks such a signature."""

    name: str  # the SUNLIGHT_DOCUMENT_SIGNER value
    throwaway: bool  # signing with a generated certificate (development and test)

    def sign(self, pdf: bytes, seal: Seal) -> bytes: ...

    def check(self, pdf: bytes) -> SignatureCheck: ...


@dataclass(frozen=True)
class KeyMaterial:
    """The department's key and certificates as read (PEM or DER)."""

    key: bytes
    cert: bytes
    chain: bytes = b""  # intermediates (and possibly the root), PEM concatenated
    passphrase: bytes | None = None
    throwaway: bool = False


def key_material(settings: Settings) -> KeyMaterial:
    """The configured files, or a throw-away self-signed certificate outside production
    (Settings refuses production without the files)."""
    if settings.signing_key_file is not None and settings.signing_cert_file is not None:
        chain = settings.signing_chain_file
        return KeyMaterial(
            key=settings.signing_key_file.read_bytes(),
            cert=settings.signing_cert_file.read_bytes(),
            chain=chain.read_bytes() if chain is not None else b"",
            passphrase=settings.signing_key_passphrase.encode() or None,
        )
    if settings.environment == "development":
        key, cert = throwaway.on_disk()
    else:
        key, cert = throwaway.in_memory()
    return KeyMaterial(key=key, cert=cert, throwaway=True)


class _SealAppearance(ImportedPdfPage):
    """The seal's one-page PDF as the signature widget's appearance (from memory)."""

    def __init__(self, pdf: bytes) -> None:
        super().__init__("<memory>")  # type: ignore[no-untyped-call]
        self._pdf = pdf

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(BytesIO(self._pdf)), page_ix=0)
        self.resources.xobject["/SealAppearance"] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = type(self.box)(width=abs(x1 - x2), height=abs(y1 - y2))
        return b"/SealAppearance Do"


class PadesSigner:
    """PAdES baseline B-B signatures (ETSI EN 319 142-1, SubFilter ETSI.CAdES.detached) with
    SHA-256 and the department's RSA or ECDSA key."""

    name = "pades"

    def __init__(self, material: KeyMaterial) -> None:
        key = load_private_key_from_pemder_data(material.key, material.passphrase)
        cert = next(iter(load_certs_from_pemder_data(material.cert)))
        chain = list(load_certs_from_pemder_data(material.chain)) if material.chain else []
        self.throwaway = material.throwaway
        self._signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),  # type: ignore[no-untyped-call]
        )
        # The service trusts the top of its own chain (the root when the chain file has it).
        self._anchor, self._others = (chain[-1] if chain else cert), chain

    def sign(self, pdf: bytes, seal: Seal) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=seal.department,
            reason=seal.reason,
        )
        spec = fields.SigFieldSpec(FIELD_NAME, on_page=seal.page, box=seal.box)
        style = StaticStampStyle(background=_SealAppearance(seal.appearance), border_width=0)
        pdf_signer = signers.PdfSigner(
            meta, signer=self._signer, stamp_style=style, new_field_spec=spec
        )
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        signed: BytesIO = pdf_signer.sign_pdf(writer)
        return signed.getvalue()

    def check(self, pdf: bytes) -> SignatureCheck:
        context = ValidationContext(trust_roots=[self._anchor], other_certs=self._others)
        return check_pdf(pdf, context)


def check_pdf(pdf: bytes, context: ValidationContext) -> SignatureCheck:
    """Exactly one signature, covering the whole file, intact and trusted under `context`.
    Whatever keeps the validator from reading the file counts as not valid."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        found = reader.embedded_signatures
        if len(found) != 1:
            return SignatureCheck(False, problem=f"{len(found)} signatures, expected 1")
        status: Any = validate_pdf_signature(found[0], context)
    except Exception as exc:  # noqa: BLE001 — a damaged file is an answer, not an error
        return SignatureCheck(False, problem=f"unreadable: {type(exc).__name__}: {exc}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    if not (status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        summary = f"intact={status.intact} valid={status.valid} trusted={status.trusted}"
        return SignatureCheck(False, signer, status.signer_reported_dt, summary)
    return SignatureCheck(True, signer, status.signer_reported_dt)


SIGNERS: dict[str, Callable[[KeyMaterial], DocumentSigner]] = {"pades": PadesSigner}


def signer_from_settings(settings: Settings) -> DocumentSigner:
    """The signer SUNLIGHT_DOCUMENT_SIGNER names, with the configured (or throw-away) keys;
    ConfigError when the files cannot be read or do not hold a key and certificate."""
    try:
        return SIGNERS[settings.document_signer](key_material(settings))
    except (OSError, ValueError, TypeError, StopIteration) as exc:
        raise ConfigError(
            [
                "cannot load the document signing key and certificate "
                "(SUNLIGHT_SIGNING_KEY_FILE, SUNLIGHT_SIGNING_CERT_FILE, "
                f"SUNLIGHT_SIGNING_KEY_PASSPHRASE): {type(exc).__name__}: {exc}"
            ]
        ) from exc
