"""How a receipt leaves the API: JSON, a printable HTML page or a PDF download."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import HTTPException, Response

from api.headers import content_security_policy
from approval_core.receipts.documents import ReceiptDocuments
from approval_core.receipts.render import (
    ReceiptFontMissing,
    inline_style_hashes,
    render_html,
)
from approval_core.receipts.schemas import Receipt

Format = Literal["json", "html", "pdf"]


def receipt_response(receipt: Receipt, fmt: Format, documents: ReceiptDocuments) -> Any:
    """The receipt as JSON (a dict), a printable HTML page or a signed PDF; 503 without the
    font."""
    if fmt == "html":
        policy = content_security_policy(inline_style_hashes())
        return Response(
            render_html(receipt, documents.verify_url(receipt)),
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": policy},
        )
    if fmt == "pdf":
        try:
            pdf = documents.signed_pdf(receipt)
        except ReceiptFontMissing as exc:
            raise HTTPException(503, str(exc)) from exc
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{receipt.number}.pdf"'},
        )
    return receipt.as_dict()
