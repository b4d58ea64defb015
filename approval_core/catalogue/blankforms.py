"""Draft blank forms (示例表格) for the materials of rules/items.yaml that name a `form:`.

Policy staff replace these drafts with the department's official forms (same path, or a new
path in items.yaml); until then each draft is a readable A4 PDF: the form's title, the item,
fields to fill with blank space, the declaration and signature, the legal basis and the
responsible division with its phones. `python -m approval_core.catalogue.blankforms [RULES]`
writes the drafts of forms that do not exist yet (`--all` rewrites every draft whose
material has fields listed in `blankform_fields`); the output is the same for the same input.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF
from fpdf.fonts import FontFace

from approval_core.catalogue.blankform_fields import FIELDS, FormSpec
from approval_core.receipts.render import font_path

_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # the same bytes on every run
_LABEL_WIDTH = 62.0
_LINE = 7.5


@dataclass(frozen=True)
class Draft:
    """What one draft form shows, taken from items.yaml."""

    path: str
    title_zh: str
    title_en: str
    item_zh: str
    item_en: str
    item_code: str
    division_zh: str
    address_zh: str
    phone: str
    supervision_phone: str
    basis: tuple[str, ...]
    spec: FormSpec


def drafts(rules_dir: Path) -> list[Draft]:
    """Every material with a `form:` and fields in `FIELDS`, as a `Draft`."""
    data = yaml.safe_load((rules_dir / "items.yaml").read_text(encoding="utf-8"))
    divisions = {d["code"]: d for d in data["departments"]}
    found: list[Draft] = []
    for item in data["items"]:
        division = divisions[item["department"]]
        basis = tuple(f"{b['statute']}{b['article']}" for b in item["legal_basis"])
        for material in item["materials"]:
            spec = FIELDS.get((item["code"], material["code"]))
            if "form" not in material or spec is None:
                continue
            found.append(_draft(item, material, division, basis, spec))
    return found


def _draft(
    item: dict[str, Any],
    material: dict[str, Any],
    division: dict[str, Any],
    basis: tuple[str, ...],
    spec: FormSpec,
) -> Draft:
    return Draft(
        path=material["form"],
        title_zh=spec.title_zh or material["name_zh"],
        title_en=spec.title_en or material["name_en"],
        item_zh=item["name_zh"],
        item_en=item["name_en"],
        item_code=item["code"],
        division_zh=division["name_zh"],
        address_zh=division["address_zh"],
        phone=str(item["contact_phone"]),
        supervision_phone=str(item["supervision_phone"]),
        basis=basis,
        spec=spec,
    )


def render(draft: Draft) -> bytes:
    """The draft as a one- or two-page A4 PDF with the CJK font embedded (subset)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(draft.title_zh)
    pdf.set_subject(f"{draft.item_zh} {draft.item_code}")
    pdf.add_font("cjk", "", str(font_path()), collection_font_number=0)
    pdf.set_margins(20, 14, 20)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    _heading(pdf, draft)
    if draft.spec.letter:
        _letter(pdf, draft.spec.letter)
    for label_zh, label_en, lines in draft.spec.fields:
        _field(pdf, label_zh, label_en, lines)
    if draft.spec.columns:
        _roster(pdf, draft.spec.columns, draft.spec.rows)
    _signature(pdf, draft.spec)
    _footer(pdf, draft)
    return bytes(pdf.output())


def _heading(pdf: FPDF, draft: Draft) -> None:
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, draft.title_zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 5, draft.title_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=10)
    item = f"办理事项 / Item：{draft.item_zh}（{draft.item_code}）"
    pdf.multi_cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"受理部门 / Division：{draft.division_zh}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _letter(pdf: FPDF, text: str) -> None:
    pdf.set_font("cjk", size=12)
    for paragraph in text.split("\n"):
        pdf.multi_cell(0, 9, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _field(pdf: FPDF, label_zh: str, label_en: str, lines: int) -> None:
    """A labelled box to fill: the label on the left, `lines` blank lines on the right."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    label_height = _label(pdf, label_zh, label_en, dry_run=True)
    height = max(_LINE * lines, label_height + 3)
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    x, y = pdf.get_x(), pdf.get_y()
    pdf.rect(x, y, _LABEL_WIDTH, height)
    pdf.rect(x + _LABEL_WIDTH, y, width - _LABEL_WIDTH, height)
    pdf.set_xy(x + 1.5, y + 1.5)
    _label(pdf, label_zh, label_en, dry_run=False)
    pdf.set_xy(x, y + height)


def _label(pdf: FPDF, label_zh: str, label_en: str, *, dry_run: bool) -> float:
    """Write (or measure) a field's label; its height in mm."""
    height = 0.0
    for text, size, line in ((label_zh, 10, 4.5), (label_en, 7, 3.5)):
        pdf.set_font("cjk", size=size)
        if dry_run:
            found = pdf.multi_cell(_LABEL_WIDTH - 3, line, text, dry_run=True, output="HEIGHT")
            assert isinstance(found, float | int)
            height += found
        else:
            pdf.multi_cell(_LABEL_WIDTH - 3, line, text, align="L", new_x="LEFT", new_y="NEXT")
    return height


def _roster(pdf: FPDF, columns: tuple[tuple[str, float], ...], rows: int) -> None:
    """A table with a header row and `rows` empty rows (名单、名册、清单)."""
    pdf.ln(2)
    pdf.set_font("cjk", size=9)
    widths = tuple(w for _, w in columns)
    plain = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, line_height=8, headings_style=plain) as table:
        header = table.row()
        for name, _ in columns:
            header.cell(name)
        for number in range(1, rows + 1):
            row = table.row()
            row.cell(str(number))
            for _ in columns[1:]:
                row.cell("")


def _signature(pdf: FPDF, spec: FormSpec) -> None:
    if pdf.get_y() + 40 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 5.5, spec.declaration, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=11)
    signer = f"{spec.signer}：________________"
    pdf.cell(0, 8, signer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, "日期 / Date：______年____月____日", align="R", new_x="LMARGIN", new_y="NEXT")


def _footer(pdf: FPDF, draft: Draft) -> None:
    pdf.ln(3)
    pdf.set_draw_color(120, 120, 120)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_font("cjk", size=8)
    lines = (
        "依据 / Legal basis：",
        "；".join(draft.basis),
        f"责任部门 / Division：{draft.division_zh}　地址：{draft.address_zh}",
        f"咨询电话 / Phone：{draft.phone}　监督电话 / Supervision phone：{draft.supervision_phone}",
        "示例表格：以本厅公布的正式表格为准 / Sample form: the department's official form prevails",
    )
    for line in lines:
        pdf.multi_cell(0, 4.5, line, align="L", new_x="LMARGIN", new_y="NEXT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write draft blank forms under RULES/forms/.")
    parser.add_argument("rules", nargs="?", default="rules", type=Path)
    parser.add_argument("--all", action="store_true", help="rewrite existing drafts too")
    args = parser.parse_args(argv)
    for draft in drafts(args.rules):
        target = args.rules / draft.path
        if target.exists() and not args.all:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render(draft))
        print(f"{target} ({target.stat().st_size} bytes)")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
