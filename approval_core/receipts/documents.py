"""Receipts as issued documents: rendered with the public verification URL and its QR code,
then signed by the issuing department (approval_core/receipts/signing.py)."""

from __future__ import annotations

from dataclasses import dataclass

from approval_core.receipts.render import font_path, render_document
from approval_core.receipts.schemas import Receipt
from approval_core.receipts.seal import seal_appearance
from approval_core.receipts.signing import DocumentSigner, Seal, SignatureCheck

VERIFY_PATH = "/verify/"  # the public verification page (api/routers/verify_page.py)


@dataclass(frozen=True)
class ReceiptDocuments:
    """Signed PDFs of receipts and the check of their signatures, for one service."""

    signer: DocumentSigner
    public_url: str  # SUNLIGHT_PUBLIC_URL, without trailing slash

    def verify_url(self, receipt: Receipt) -> str:
        """The full address of the receipt's verification page (printed and in the QR code)."""
        return f"{self.public_url}{VERIFY_PATH}{receipt.code}"

    def signed_pdf(self, receipt: Receipt) -> bytes:
        """The receipt as a PDF signed by its issuing department, seal visible."""
        rendered = render_document(receipt, self.verify_url(receipt))
        appearance = seal_appearance(
            str(font_path()), receipt.department_zh, receipt.department_en, receipt.issued_on
        )
        seal = Seal(
            page=rendered.seal_page,
            box=rendered.seal_box,
            appearance=appearance,
            department=f"{receipt.department_zh} / {receipt.department_en}",
            reason=f"{receipt.title_zh} {receipt.number}",
        )
        return self.signer.sign(rendered.data, seal)

    def check(self, receipt: Receipt) -> SignatureCheck:
        """Whether the PDF this service serves for `receipt` carries a valid signature."""
        return self.signer.check(self.signed_pdf(receipt))
