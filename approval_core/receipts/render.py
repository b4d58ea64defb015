"""Render a receipt as printable HTML (escaped template) or as PDF with an embedded CJK font.

The font is the one Debian's fonts-wqy-zenhei package installs (the Makefile and .ci/run
install it); nothing is downloaded at run time.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from fpdf import FPDF

from approval_core.receipts.schemas import Line, Receipt
from approval_core.receipts.seal import QR_SIZE, SEAL_SIZE, box_in_points, qr_png, qr_svg
from approval_core.timeutil import LEGAL_TZ

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT_PACKAGE = "fonts-wqy-zenhei"


class ReceiptFontMissing(RuntimeError):
    """The CJK font file is not installed; PDF receipts cannot be rendered."""


@cache
def _template() -> Template:
    text = resources.files("approval_core.receipts").joinpath("template.html").read_text("utf-8")
    return Template(text)


@cache
def inline_style_hashes() -> tuple[str, ...]:
    """The page's inline style blocks as Content-Security-Policy sources ('sha256-…'): the
    API allows exactly these, so the page keeps its layout under a same-origin policy. The
    blocks are static (no value is substituted into them)."""
    blocks = re.findall(r"<style>(.*?)</style>", _template().template, flags=re.DOTALL)
    digests = (hashlib.sha256(block.encode("utf-8")).digest() for block in blocks)
    return tuple(f"sha256-{base64.b64encode(d).decode('ascii')}" for d in digests)


def _cell(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _row(line: Line) -> str:
    label = f"{_cell(line.label_zh)}<br><small>{_cell(line.label_en)}</small>"
    return f"  <tr><th>{label}</th><td>{_cell(line.value)}</td></tr>"


def _verify_block(verify_url: str | None) -> str:
    if verify_url is None:
        return (
            '<span class="en">在 /api/v1/receipts/verify/{验证码} 查验本文书真伪 / '
            "check this document at /api/v1/receipts/verify/{code}</span>"
        )
    link = html.escape(verify_url)
    return (
        f'查验真伪 / Verify: <a href="{link}">{link}</a><br>'
        f'<span class="qr">{qr_svg(verify_url)}</span>'
    )


def render_html(receipt: Receipt, verify_url: str | None = None) -> str:
    """The receipt as a standalone printable page; every value is HTML-escaped. Given
    `verify_url`, it shows the address and its QR code (inline SVG)."""
    e = html.escape
    return _template().substitute(
        title_zh=e(receipt.title_zh),
        title_en=e(receipt.title_en),
        number=e(receipt.number),
        date=e(receipt.issued_on.isoformat()),
        department_zh=e(receipt.department_zh),
        department_en=e(receipt.department_en),
        applicant_name=e(receipt.applicant_name),
        applicant_id=e(receipt.applicant_id_masked),
        item_zh=e(receipt.item_zh),
        item_en=e(receipt.item_en),
        rows="\n".join(_row(line) for line in receipt.lines),
        notes="<br>".join(_cell(note) for note in receipt.notes),
        address=e(receipt.department_address),
        phone=e(receipt.department_phone),
        supervision_phone=e(receipt.supervision_phone),
        code=e(receipt.printed_code),
        verify=_verify_block(verify_url),
        closing_date=e(chinese_date(receipt.issued_on)),
    )


def font_path() -> Path:
    """The CJK font file, or a clear error naming the package that provides it."""
    if not CJK_FONT.is_file():
        raise ReceiptFontMissing(
            f"CJK font {CJK_FONT} is missing: install the Debian package {CJK_FONT_PACKAGE} "
            f"(apt-get install {CJK_FONT_PACKAGE}; `make install` does it)"
        )
    return CJK_FONT


@dataclass(frozen=True)
class RenderedPdf:
    """A rendered receipt and where its seal goes: `seal_box` in PDF points on `seal_page`
    (0-based), empty until signed (approval_core/receipts/documents.py)."""

    data: bytes
    seal_page: int
    seal_box: tuple[int, int, int, int]


def render_pdf(receipt: Receipt, verify_url: str | None = None) -> bytes:
    """The receipt as an A4 PDF; the same receipt always gives the same bytes."""
    return render_document(receipt, verify_url).data


def render_document(receipt: Receipt, verify_url: str | None = None) -> RenderedPdf:
    """The receipt as an A4 PDF with, given `verify_url`, the URL and its QR code beside the
    area its seal is signed into."""
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(receipt.issued_on, time(), LEGAL_TZ))
    pdf.set_title(f"{receipt.title_zh} {receipt.number}")
    pdf.add_font("cjk", "", str(font_path()), collection_font_number=0)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    _header(pdf, receipt)
    _body(pdf, receipt)
    page, box = _closing(pdf, receipt, verify_url)
    _footer(pdf, receipt, verify_url)
    return RenderedPdf(bytes(pdf.output()), page, box)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _closing(
    pdf: FPDF, receipt: Receipt, verify_url: str | None
) -> tuple[int, tuple[int, int, int, int]]:
    """One band under the body: the QR code (left), the 落款 (the issuing authority and the date
    in words) and, at the right, the area the seal is signed into, where a paper seal would go.
    The band moves to a new page whole when the page is too full; returns the seal's page and
    box."""
    height = max(QR_SIZE + 6, SEAL_SIZE[1])
    if pdf.get_y() + height + 6 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y() + 6
    if verify_url:
        pdf.image(qr_png(verify_url), x=pdf.l_margin, y=top, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(pdf.l_margin, top + QR_SIZE)
        pdf.set_font("cjk", size=8)
        pdf.cell(QR_SIZE, 5, "扫码查验 / Scan to verify", align="C")
    seal_left = pdf.w - pdf.r_margin - SEAL_SIZE[0]
    pdf.set_font("cjk", size=11)
    text_right = seal_left - 4
    for index, text in enumerate((receipt.department_zh, chinese_date(receipt.issued_on))):
        pdf.set_xy(pdf.l_margin, top + SEAL_SIZE[1] / 2 - 7 + 7 * index)
        pdf.cell(text_right - pdf.l_margin, 7, text, align="R")
    pdf.set_xy(pdf.l_margin, top + height)
    return pdf.page - 1, box_in_points(seal_left, top, SEAL_SIZE, pdf.h)


def _header(pdf: FPDF, receipt: Receipt) -> None:
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 7, receipt.department_zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.cell(0, 5, receipt.department_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 11, receipt.title_zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, receipt.title_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(170, 0, 0)
    pdf.line(20, pdf.get_y() + 1, 190, pdf.get_y() + 1)
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    when = f"编号 / No.: {receipt.number}    日期 / Date: {receipt.issued_on.isoformat()}"
    pdf.cell(0, 6, when, align="R", new_x="LMARGIN", new_y="NEXT")


def _body(pdf: FPDF, receipt: Receipt) -> None:
    lines = [
        Line("申请人", "Applicant", f"{receipt.applicant_name}（{receipt.applicant_id_masked}）"),
        Line("申请事项", "Item", f"{receipt.item_zh}\n{receipt.item_en}"),
        *receipt.lines,
    ]
    pdf.set_draw_color(80, 80, 80)
    pdf.set_font("cjk", size=10)
    with pdf.table(
        col_widths=(35, 85), line_height=6, first_row_as_headings=False, text_align="LEFT"
    ) as table:
        for line in lines:
            row = table.row()
            row.cell(f"{line.label_zh}\n{line.label_en}")
            row.cell(line.value)


def _footer(pdf: FPDF, receipt: Receipt, verify_url: str | None) -> None:
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    text = "\n".join(
        [
            *receipt.notes,
            f"地址 / Address: {receipt.department_address}",
            f"联系电话 / Contact: {receipt.department_phone}    "
            f"监督电话 / Supervision: {receipt.supervision_phone}",
            f"验证码 / Verification code: {receipt.printed_code}",
            f"查验真伪 / Verify: {verify_url}"
            if verify_url
            else "查验真伪 / Check: /api/v1/receipts/verify/{验证码 code}",
        ]
    )
    pdf.multi_cell(0, 5.5, text)
