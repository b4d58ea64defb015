"""What a signed document shows of its signature: the QR code with the public verification
URL (segno) and the issuing department's seal, drawn as the signature's visible appearance."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from io import BytesIO

import segno
from fpdf import FPDF

from approval_core.timeutil import LEGAL_TZ

SEAL_SIZE = (64.0, 32.0)  # mm, width and height of the seal area
QR_SIZE = 30.0  # mm: about 5 pixels a module at 150 dpi for a 60-character URL
SEAL_RED = (200, 16, 16)
MM = 72 / 25.4  # PDF points per millimetre


def qr_png(url: str) -> BytesIO:
    """The URL as a QR code (error correction M), a PNG in memory."""
    out = BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=10, border=4)
    out.seek(0)
    return out


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code for HTML pages (no external file), named for screen
    readers by its <title> (segno escapes it)."""
    title = f"查验二维码 / Verification QR code: {url}"
    code = str(segno.make(url, error="m", micro=False).svg_inline(scale=3, border=4, title=title))
    end = code.index(">")  # of the opening <svg ...> tag
    return f'{code[:end]} role="img"{code[end:]}'


def box_in_points(
    left: float, top: float, size: tuple[float, float], page_height: float
) -> tuple[int, int, int, int]:
    """An fpdf2 box (mm from the upper left) as a PDF rectangle (points from the lower left)."""
    width, height = size
    bottom = page_height - top - height
    return (
        round(left * MM),
        round(bottom * MM),
        round((left + width) * MM),
        round((bottom + height) * MM),
    )


@lru_cache(maxsize=256)  # loading the CJK font takes a second or two; a seal is reused
def seal_appearance(font: str, department_zh: str, department_en: str, issued_on: date) -> bytes:
    """A one-page PDF of SEAL_SIZE: a red framed seal naming the issuing department."""
    width, height = SEAL_SIZE
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_creation_date(datetime.combine(issued_on, time(), LEGAL_TZ))
    pdf.add_font("cjk", "", font, collection_font_number=0)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    pdf.set_draw_color(*SEAL_RED)
    pdf.set_fill_color(*SEAL_RED)
    pdf.set_text_color(*SEAL_RED)
    pdf.set_line_width(0.8)
    pdf.rect(1, 1, width - 2, height - 2, round_corners=True, corner_radius=3)
    pdf.set_line_width(0.3)
    pdf.rect(2.2, 2.2, width - 4.4, height - 4.4, round_corners=True, corner_radius=2)
    pdf.star(width / 2, 7.5, 1.6, 4, 5, rotate_degrees=0, style="F")
    pdf.set_xy(3, 12)
    pdf.set_font("cjk", size=_fit(department_zh, 13, width - 8, wide=True))
    pdf.cell(width - 6, 6, department_zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(3)
    pdf.set_font("cjk", size=_fit(department_en, 6.5, width - 8, wide=False))
    pdf.cell(width - 6, 4, department_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(3)
    pdf.set_font("cjk", size=6.5)
    line = f"电子签章 Electronic seal · {issued_on.isoformat()}"
    pdf.cell(width - 6, 5, line, align="C")
    return bytes(pdf.output())


def _fit(text: str, size: float, width_mm: float, *, wide: bool) -> float:
    """A font size at most `size` that keeps `text` within `width_mm` (CJK glyphs are about
    one em wide, Latin about half)."""
    ems = sum(1.0 if wide and ord(ch) > 0x2E80 else 0.55 for ch in text) or 1.0
    return min(size, width_mm / ems / 0.3528)  # 1 pt = 0.3528 mm
