"""Render an evaluation report as a standalone HTML page (inline SVG charts) or an A4 PDF.

Chinese first with English beside it. Nothing external: no script, no image, no font link; the
PDF embeds the CJK font the receipts use (fonts-wqy-zenhei). The same report and heading always
give the same bytes: the PDF's creation date is the heading's moment, never the clock.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fpdf import FPDF, FontFace

from approval_core.aftercare.kinds import RATING_LEVELS
from approval_core.receipts.render import font_path
from approval_core.timeutil import LEGAL_TZ
from supervisor.evaluation.charts import Chart, bar_colors, draw, svg
from supervisor.evaluation.report import (
    ALERT_LEVELS,
    ALERT_NAMES,
    DERIVED,
    INDICATORS,
    Report,
    row_figures,
)
from supervisor.evaluation.schemas import GRADES
from supervisor.evaluation.scoring import UnitScore
from supervisor.evaluation.statistics import Row

UNIT_NAMES = {"department": ("部门", "department"), "handler": ("承办人", "handler"),
              "item": ("事项", "item")}  # fmt: skip
_LABELS = {name: (zh, en) for name, zh, en, _ in INDICATORS}
_ALERT_COLORS = {"warning": "#4f81bd", "yellow": "#e6b800", "red": "#c00000", "anomaly": "#7f3f98"}

STYLE = """
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
h1 { text-align: center; margin-bottom: 0.2em; }
.sub { text-align: center; color: #555; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; }
th, td { border: 1px solid #888; padding: 2px 8px; text-align: left; }
td.n { text-align: right; }
small { color: #666; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
.charts svg { flex: 1 1 440px; max-width: 720px; height: auto; }
"""


@dataclass(frozen=True)
class Heading:
    """What the document says about itself: title, and for a bulletin its number and code."""

    title_zh: str
    title_en: str
    moment: datetime  # issued (a bulletin) or as of (a report): the PDF's creation date
    number: str | None = None
    code: str | None = None
    verify_url: str | None = None


def style_hash() -> str:
    """The page's one style block as a Content-Security-Policy source."""
    digest = hashlib.sha256(STYLE.encode("utf-8")).digest()
    return f"sha256-{base64.b64encode(digest).decode('ascii')}"


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):  # anomalies by rule: in rule order, so the bytes never vary
        return "；".join(f"{key} {value[key]}" for key in sorted(value)) or "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def unit_rate(row: Any) -> float | None:
    done = row.on_time + row.late
    return None if done == 0 else round(100 * row.on_time / done, 1)


def charts(report: Report) -> list[Chart]:
    """On-time rate and late cases by month, alerts by level, satisfaction."""
    months = tuple(m.month[2:] for m in report.months)
    return [
        Chart("按时办结率（按月）", "On-time rate by month", "line", months,
              tuple(m.on_time_rate for m in report.months), unit="%", maximum=100.0),
        Chart("超期办结件数（按月）", "Late cases by month", "bar", months,
              tuple(float(m.late) for m in report.months)),
        Chart("预警与牌（按等级）", "Alerts by level", "bar",
              tuple(ALERT_NAMES[level] for level in ALERT_LEVELS),
              tuple(float(report.alerts[level]) for level in ALERT_LEVELS),
              colors=bar_colors(ALERT_LEVELS, _ALERT_COLORS)),
        Chart("好差评（满意度）", "Ratings (satisfaction)", "bar", RATING_LEVELS,
              tuple(float(report.ratings[level]) for level in RATING_LEVELS)),
    ]  # fmt: skip


def meta_lines(report: Report, heading: Heading) -> list[str]:
    unit_zh, unit_en = UNIT_NAMES[report.by]
    lines = []
    if heading.number is not None:
        lines.append(f"编号 / No.: {heading.number}")
    lines.append(
        f"期间 / Period: {report.period}（{report.period_from} 至 {report.period_to}）"
        f"  按{unit_zh} / by {unit_en}"
    )
    if report.department is not None:
        lines.append(f"部门 / Department: {report.department}")
    lines.append(f"数据截至 / Figures as of: {report.as_of.astimezone(LEGAL_TZ).isoformat()}")
    lines.append(
        f"满意率 / Satisfaction: {_rate(report.satisfaction_rate)}    "
        f"预警与牌 / Alerts: {sum(report.alerts.values())}"
    )
    return lines


def _grade(unit: UnitScore | None) -> str:
    if unit is None:
        return "—"
    if unit.grade is None:
        return f"不评定 / not graded: {unit.not_graded_zh} / {unit.not_graded_en}"
    return f"{unit.grade} / {unit.grade_en}"


def overview_rows(report: Report) -> list[list[str]]:
    """One line per unit: rank, key, name, received, concluded, on time, late, rate, score;
    ranked units first, best first, then the ungraded in their order."""
    lines = []

    def by_rank(row: Row) -> tuple[int, int]:
        unit = report.score_of(row.key)
        rank = None if unit is None else unit.rank
        return (0, rank) if rank is not None else (1, 0)

    for row in sorted(report.rows, key=by_rank):
        unit = report.score_of(row.key)
        rank = "—" if unit is None or unit.rank is None else str(unit.rank)
        score = "—" if unit is None else _value(unit.score)
        lines.append([
            rank, row.key, row.name_zh or "", str(row.received), str(row.concluded),
            str(row.on_time), str(row.late), _rate(unit_rate(row)), score,
            _grade(unit).split(":")[0],
        ])  # fmt: skip
    return lines


OVERVIEW_HEAD = ("排名", "单位 / Unit", "名称 / Name", "收件", "办结", "按时", "超期", "按时率",
                 "得分", "等级")  # fmt: skip


def explanations(report: Report) -> list[tuple[str, str, str]]:
    """(Chinese, English, how it is counted) of every figure, and of every scored indicator
    as the policy explains it (with its weight)."""
    lines = [(zh, en, how) for _, zh, en, how in (*INDICATORS, *DERIVED)]
    if report.evaluation is not None:
        for indicator in report.evaluation.rules.indicators:
            lines.append((
                f"{indicator.title_zh}（评分，权重 {indicator.weight}%）",
                f"{indicator.title_en} (scored, weight {indicator.weight}%)",
                f"{indicator.explain_zh} / {indicator.explain_en}",
            ))  # fmt: skip
        lows = report.evaluation.rules.grades.lows()
        grades = "，".join(f"{zh} ≥ {low:g}" for (zh, _), low in zip(GRADES, lows, strict=True))
        lines.append(("等级", "Grade", f"总分 = 各指标贡献之和；{grades} / score = sum of parts"))
    return lines


def render_html(report: Report, heading: Heading) -> str:
    """The report as one page; every value is escaped."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(heading.title_zh)} / {e(heading.title_en)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(heading.title_zh)}</h1>",
        f'<p class="sub">{e(heading.title_en)}</p>',
        *(f"<p>{e(line)}</p>" for line in meta_lines(report, heading)),
        "<h2>图表 <small>Charts</small></h2>",
        '<div class="charts">',
        *(svg(chart) for chart in charts(report)),
        "</div>",
        "<h2>总览 <small>Overview</small></h2>",
        _html_table(OVERVIEW_HEAD, overview_rows(report)),
        "<h2>各单位明细 <small>Each unit</small></h2>",
    ]
    for row in report.rows:
        out.append(f'<section class="unit" id="unit-{e(row.key)}">')
        out.append(f"<h3>{e(row.key)} {e(row.name_zh or '')}</h3>")
        out.append(_html_table(("指标 / Indicator", "数值 / Value"), _unit_lines(report, row)))
        out.append("</section>")
    if not report.rows:
        out.append("<p>期间内无记录 / nothing recorded in the period</p>")
    out.append("<h2>指标说明 <small>Indicators explained</small></h2>")
    out.append(_html_table(("指标", "Indicator", "说明 / How it is counted"), explanations(report)))
    out.extend(f"<p>{e(line)}</p>" for line in _footer_lines(heading))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _unit_lines(report: Report, row: Any) -> list[list[str]]:
    lines = []
    for name, value in row_figures(row):
        zh, en = _LABELS.get(name, (name, name))
        shown = _rate(value * 100) if name.endswith("_rate") and value is not None else None
        lines.append([f"{zh} / {en}", shown or _value(value)])
    lines.append(["按时办结率 / On-time rate", _rate(unit_rate(row))])
    unit = report.score_of(row.key)
    if unit is not None:
        for part in unit.indicators:
            lines.append([
                f"{part.name_zh} / {part.name_en}（{part.weight}%）",
                f"{_value(part.contribution)}（{part.working_zh}）",
            ])  # fmt: skip
        lines.append(["得分 / Score", _value(unit.score)])
        lines.append(["等级 / Grade", _grade(unit)])
    return lines


def _html_table(head: tuple[str, ...], rows: Any) -> str:
    e = html.escape
    out = ["<table>", "<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{e(str(cell))}</td>" for cell in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _footer_lines(heading: Heading) -> list[str]:
    lines = []
    if heading.code is not None:
        lines.append(f"验证码 / Verification code: {heading.code}")
    if heading.verify_url is not None:
        lines.append(f"查验真伪 / Check: {heading.verify_url}")
    return lines


def render_pdf(report: Report, heading: Heading) -> bytes:
    """The report as an A4 PDF with the charts drawn by fpdf2 (no image, no external asset)."""
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(heading.moment.astimezone(LEGAL_TZ))
    pdf.set_title(f"{heading.title_zh} {heading.number or report.period}")
    pdf.add_font("cjk", "", str(font_path()), collection_font_number=0)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 10, heading.title_zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, heading.title_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, "\n".join(meta_lines(report, heading)), new_x="LMARGIN", new_y="NEXT")
    _pdf_charts(pdf, report)
    _pdf_section(pdf, "总览 / Overview")
    _pdf_table(pdf, OVERVIEW_HEAD, overview_rows(report), (10, 22, 40, 12, 12, 12, 12, 16, 14, 30))
    _pdf_section(pdf, "各单位明细 / Each unit")
    for row in report.rows:
        pdf.set_font("cjk", size=10)
        pdf.cell(0, 7, f"{row.key} {row.name_zh or ''}", new_x="LMARGIN", new_y="NEXT")
        _pdf_table(pdf, ("指标 / Indicator", "数值 / Value"), _unit_lines(report, row), (70, 110))
    _pdf_section(pdf, "指标说明 / Indicators explained")
    _pdf_table(
        pdf, ("指标", "Indicator", "说明 / How it is counted"), explanations(report), (30, 40, 110)
    )
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, "\n".join(_footer_lines(heading)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_charts(pdf: FPDF, report: Report) -> None:
    width, gap = 88.0, 4.0
    top = pdf.get_y() + 2
    height = 0.0
    for index, chart in enumerate(charts(report)):
        if index % 2 == 0 and index > 0:
            top += height + gap
        if top + 45 > pdf.h - pdf.b_margin:
            pdf.add_page()
            top = pdf.t_margin
        x = pdf.l_margin + (index % 2) * (width + gap)
        height = draw(pdf, chart, x, top, width, "cjk")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.2)
    pdf.set_y(top + height + gap)


def _pdf_section(pdf: FPDF, title: str) -> None:
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")


def _pdf_table(pdf: FPDF, head: tuple[str, ...], rows: Any, widths: tuple[float, ...]) -> None:
    pdf.set_font("cjk", size=8)
    pdf.set_draw_color(120, 120, 120)
    head_style = FontFace(emphasis="", fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, width=sum(widths), line_height=5, align="LEFT",
                   text_align="LEFT", headings_style=head_style) as table:  # fmt: skip
        header = table.row()
        for cell in head:
            header.cell(cell)
        for line in rows:
            row = table.row()
            for cell in line:
                row.cell(str(cell))
    pdf.ln(2)
