"""The public verification page a document's QR code leads to (GET /verify/{code}): the
document's key facts, whether the record chain holds and whether its signature validates."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import cache
from importlib import resources
from string import Template

from approval_core.receipts.signing import SignatureCheck
from approval_core.receipts.verify import CodeCheck, mask_name

# What each kind of document says about the application (Chinese, English).
OUTCOMES: dict[str, tuple[str, str]] = {
    "receipt_of_materials": ("申请材料已接收", "Application materials received"),
    "acceptance": ("予以受理", "Accepted"),
    "rejection": ("不予受理", "Not accepted"),
    "supplement_notice": ("需补正材料", "Materials to be supplemented"),
    "special_procedure_notice": ("进入特别程序", "Special procedure"),
    "extension_notice": ("延长办理期限", "Time limit extended"),
}
APPROVED = ("准予", "Granted")  # as the decision document says (决定)
NOT_APPROVED = ("不予准许", "Refused")


@cache
def _template() -> Template:
    path = resources.files("approval_core.receipts").joinpath("verify_page.html")
    return Template(path.read_text("utf-8"))


@cache
def page_style_hashes() -> tuple[str, ...]:
    """The page's static inline style as Content-Security-Policy sources ('sha256-…')."""
    blocks = re.findall(r"<style>(.*?)</style>", _template().template, flags=re.DOTALL)
    digests = (hashlib.sha256(block.encode("utf-8")).digest() for block in blocks)
    return tuple(f"sha256-{base64.b64encode(d).decode('ascii')}" for d in digests)


def _two(zh: str, en: str) -> str:
    return f'{html.escape(zh)}<br><span class="en">{html.escape(en)}</span>'


def _verdict(ok: bool, zh: str, en: str) -> str:
    mark = "✔" if ok else "✘"
    return f'<p class="verdict {"ok" if ok else "bad"}">{mark} {_two(zh, en)}</p>'


def outcome(found: CodeCheck) -> tuple[str, str]:
    """What the document decided, in Chinese and English."""
    receipt = found.receipt
    kind = receipt.kind if receipt is not None else ""
    if kind == "decision":
        return APPROVED if found.record.payload.get("decision") == "approved" else NOT_APPROVED
    return OUTCOMES.get(kind, ("—", "—"))


def not_found_page() -> str:
    """No genuine document carries this code (unknown, mistyped or altered)."""
    body = _verdict(
        False,
        "未找到与此验证码相符的真实文书：验证码有误，或文书已被篡改。",
        "No genuine document carries this verification code: it is mistyped, or the "
        "document was altered.",
    )
    return _template().substitute(body=body)


def broken_chain_page() -> str:
    """The code locates a record whose chain no longer verifies: no facts are shown."""
    body = _verdict(
        False,
        "记录链校验失败：该文书所依据的办件记录已被改动，无法确认其真实性，请联系发文机关。",
        "Record chain broken: the case records behind this document were changed; its "
        "authenticity cannot be confirmed. Please contact the issuing department.",
    )
    return _template().substitute(body=body)


def genuine_page(found: CodeCheck, signature: SignatureCheck, throwaway: bool) -> str:
    """The document's key facts with the verdicts on its record chain and its signature."""
    receipt = found.receipt
    assert receipt is not None
    decided_zh, decided_en = outcome(found)
    rows = [
        (("文书类型", "Document"), (receipt.title_zh, receipt.title_en)),
        (("文书编号", "Number"), (receipt.number, "")),
        (("查询编号", "Tracking number"), (receipt.tracking_no, "")),
        (("发文机关", "Issuing department"), (receipt.department_zh, receipt.department_en)),
        (("日期", "Date"), (receipt.issued_on.isoformat(), "")),
        (("审批事项", "Item"), (receipt.item_zh, receipt.item_en)),
        (("申请人", "Applicant"), (mask_name(receipt.applicant_name), "")),
        (("决定", "Decision"), (decided_zh, decided_en)),
    ]
    table = "\n".join(
        f"<tr><th>{_two(*label)}</th><td>{_two(*value) if value[1] else html.escape(value[0])}"
        "</td></tr>"
        for label, value in rows
    )
    chain = _verdict(
        True,
        "记录链完整，文书内容与办件记录一致。",
        "Record chain intact; the document matches the case records.",
    )
    if signature.valid:
        note = "（临时测试证书）" if throwaway else ""
        note_en = " (throw-away test certificate)" if throwaway else ""
        sign = _verdict(
            True,
            f"电子签章有效：{signature.signer}{note}",
            f"Digital signature valid: {signature.signer}{note_en}",
        )
    else:
        sign = _verdict(
            False,
            f"电子签章无效：{signature.problem}",
            f"Digital signature NOT valid: {signature.problem}",
        )
    body = f"{chain}\n{sign}\n<table>\n{table}\n</table>"
    return _template().substitute(body=body)
