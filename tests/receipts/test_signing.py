"""Signed documents: a PAdES signature that pyHanko's validator accepts against the issuing
department's trust root and refuses after one changed byte; the seal drawn where the
signature is; the QR code decoding to the full verification URL."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.errors import ConfigError
from approval_core.receipts.documents import ReceiptDocuments
from approval_core.receipts.render import render_pdf
from approval_core.receipts.schemas import Receipt
from approval_core.receipts.signing import SIGNERS, PadesSigner, signer_from_settings
from approval_core.settings import Settings
from tests.conftest import FrozenClock, People
from tests.receipts.ca import PASSPHRASE, Algorithm, ThrowawayCA, make_ca
from tests.receipts.support import all_receipts, walk_full_case

PUBLIC_URL = "https://sfj.example.gov.cn"


def _settings(ca: ThrowawayCA, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "public_url": PUBLIC_URL + "/",
        "signing_key_file": ca.key_file,
        "signing_cert_file": ca.cert_file,
        "signing_chain_file": ca.chain_file,
        "signing_key_passphrase": PASSPHRASE,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def _documents(ca: ThrowawayCA) -> ReceiptDocuments:
    settings = _settings(ca)
    return ReceiptDocuments(signer_from_settings(settings), settings.public_url)


@pytest.fixture
def decision(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> Receipt:
    walked = walk_full_case(sessions, core, people, clock)
    return all_receipts(sessions, core, walked.case_id)[-1]


def _pyhanko_verdict(pdf: bytes, ca: ThrowawayCA) -> bool:
    """pyHanko's own validator against the test root: intact, valid, trusted, whole file."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        (signature,) = reader.embedded_signatures
        assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[ca.root]))
    except Exception:  # noqa: BLE001 — a file the validator cannot read is not valid
        return False
    return bool(status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)


def _flip(pdf: bytes, at: int) -> bytes:
    changed = bytearray(pdf)
    changed[at] ^= 0x01
    return bytes(changed)


def _signed_positions(pdf: bytes) -> list[int]:
    """Bytes whose change must break the signature: in the page's content stream, the middle
    of the file, the signature dictionary (after /Contents) and the signature value itself
    (the end of the CMS SignerInfo). The CMS's certificate bag and the /Contents padding are
    not signed by design (PDF 2.0, 12.8.1), so they are left alone."""
    start = pdf.index(b"/Contents <") + len(b"/Contents <")
    assert pdf[start : start + 4] == b"3082"  # DER SEQUENCE with a two-byte length
    der_hex_chars = 2 * (int(pdf[start + 4 : start + 8], 16) + 4)
    page = pdf.index(b"stream", pdf.index(b"/Type /Page\n")) + 40
    dictionary = pdf.index(b"/Type /Sig", start) + 3
    return [page, len(pdf) // 2, dictionary, start + der_hex_chars - 12]


@pytest.mark.parametrize("algorithm", ["rsa", "ecdsa"])
def test_signed_pdf_validates_and_fails_after_one_changed_byte(
    decision: Receipt, tmp_path: Path, algorithm: Algorithm
) -> None:
    ca = make_ca(tmp_path / "ca", algorithm)
    documents = _documents(ca)
    pdf = documents.signed_pdf(decision)
    assert _pyhanko_verdict(pdf, ca)
    assert documents.check(decision).valid
    own = documents.signer.check(pdf)
    assert own.valid, own.problem
    assert "江西省司法厅" in own.signer
    for at in _signed_positions(pdf):
        assert not _pyhanko_verdict(_flip(pdf, at), ca), at
        assert not documents.signer.check(_flip(pdf, at)).valid, at
    other_root = make_ca(tmp_path / "other", algorithm, root_cn="Another Root")
    assert not _pyhanko_verdict(pdf, other_root)  # trust comes from the department's root


def _page_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Image.Image:
    """The first page as poppler renders it (pdftoppm)."""
    tool = shutil.which("pdftoppm")
    assert tool is not None, "pdftoppm missing: apt-get install poppler-utils"
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [tool, "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


def _red_pixels(image: Image.Image, box: tuple[int, int, int, int], dpi: int = 150) -> int:
    """Seal-red pixels within a PDF box (points from the lower left)."""
    scale = dpi / 72
    x1, y1, x2, y2 = box
    top = image.height - y2 * scale
    crop = image.crop((int(x1 * scale), int(top), int(x2 * scale), int(top + (y2 - y1) * scale)))
    data = crop.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)


def test_the_seal_is_the_visible_signature(decision: Receipt, tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca")
    pdf = _documents(ca).signed_pdf(decision)
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    widget = signature.sig_field["/Kids"][0] if "/Kids" in signature.sig_field else None
    field = widget or signature.sig_field
    box = tuple(int(float(v)) for v in field["/Rect"])
    assert box[2] - box[0] > 100
    assert box[3] - box[1] > 50
    assert signature.sig_object["/Name"].startswith(decision.department_zh)
    signed_page = _page_png(pdf, tmp_path)
    assert _red_pixels(signed_page, box) > 500  # type: ignore[arg-type]
    unsigned = render_pdf(decision, _documents(ca).verify_url(decision))
    assert _red_pixels(_page_png(unsigned, tmp_path), box) == 0  # type: ignore[arg-type]


def test_the_qr_code_decodes_to_the_verification_url(decision: Receipt, tmp_path: Path) -> None:
    documents = _documents(make_ca(tmp_path / "ca"))
    page = _page_png(documents.signed_pdf(decision), tmp_path)
    found = zxingcpp.read_barcodes(page)
    assert [code.text for code in found] == [f"{PUBLIC_URL}/verify/{decision.code}"]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_a_wrong_passphrase_or_missing_key_is_a_config_error(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "ca")
    with pytest.raises(ConfigError, match="SUNLIGHT_SIGNING_KEY_PASSPHRASE"):
        signer_from_settings(_settings(ca, signing_key_passphrase="wrong"))
    ca.key_file.write_bytes(b"not a key")
    with pytest.raises(ConfigError, match="SUNLIGHT_SIGNING_KEY_FILE"):
        signer_from_settings(_settings(ca))


def test_without_files_test_and_development_sign_with_a_throwaway_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(SIGNERS) == {"pades"}
    settings = Settings(environment="test")
    signer = signer_from_settings(settings)
    assert isinstance(signer, PadesSigner)
    assert signer.throwaway
    assert any("THROW-AWAY" in line for line in settings.startup_warnings())
    monkeypatch.chdir(tmp_path)
    development = signer_from_settings(Settings(environment="development"))
    assert development.throwaway
    kept = (tmp_path / "var" / "dev-signing" / "cert.pem").read_bytes()
    signer_from_settings(Settings(environment="development"))  # made once, then reused
    assert (tmp_path / "var" / "dev-signing" / "cert.pem").read_bytes() == kept
    ca = make_ca(tmp_path / "ca")
    assert not any("THROW-AWAY" in line for line in _settings(ca).startup_warnings())
