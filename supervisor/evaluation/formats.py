"""An evaluation report (`scoring.EvaluationReport`) as a plain-text table, CSV or JSON.

One entry point, `render(report, format)`, used by `sunlight evaluate` and
`GET /api/v1/evaluations`; a new format registers a function in `RENDERERS` (name -> report ->
`Rendered`) and both offer it. The texts are Chinese first, English after.

- table: the ranking (one line per unit, tab-separated: it pastes into a spreadsheet), then for
  every unit how each indicator contributed (value, points, weight, contribution, working).
- csv: one line per unit and indicator (so that a spreadsheet can sum and pivot), with the unit's
  score and grade on each; UTF-8 with a byte order mark, as spreadsheet programs on Chinese
  desktops need to read Chinese text.
- json: `EvaluationReport.as_dict()`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from supervisor.evaluation.scoring import EvaluationReport, UnitScore, number

UNIT_NAMES = {
    "department": "部门 / department",
    "handler": "承办人 / handler",
    "item": "事项 / item",
}


@dataclass(frozen=True)
class Rendered:
    """A report in one format: its bytes, their media type, and a file name suffix."""

    media_type: str
    body: bytes
    suffix: str


def heading(report: EvaluationReport) -> str:
    unit = UNIT_NAMES.get(report.by, report.by)
    scope = f"，部门 / department {report.department}" if report.department else ""
    return (
        f"绩效评估 / evaluation {report.period_from} – {report.period_to}，按 / by {unit}"
        f"{scope}，截至 / as of {report.as_of.isoformat()}，规则版本 / policy "
        f"{report.policy_version}"
    )


def _cell(value: float | int | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _grade(unit: UnitScore) -> str:
    if unit.grade is None:
        return f"不评定 / not graded（{unit.not_graded_zh} / {unit.not_graded_en}）"
    return f"{unit.grade} / {unit.grade_en}"


def table_lines(report: EvaluationReport) -> list[str]:
    """The ranking, then each unit's indicators."""
    lines = [heading(report), ""]
    lines.append("\t".join(["排名/rank", "单位/unit", "名称/name", "总分/score", "等级/grade"]))
    for unit in report.units:
        cells = [_cell(unit.rank), unit.key, unit.name_zh or "", _cell(unit.score), _grade(unit)]
        lines.append("\t".join(cells))
    if not report.units:
        lines.append("（期间内无记录 / nothing recorded in the period）")
    for unit in report.units:
        lines += ["", f"{unit.key} {unit.name_zh or ''}：{_cell(unit.score)} {_grade(unit)}"]
        lines.append(
            "\t".join(
                [
                    "指标/indicator",
                    "计量/measure",
                    "数值/value",
                    "得分/points",
                    "权重/weight",
                    "贡献/contribution",
                    "计算/working",
                ]
            )
        )
        for part in unit.indicators:
            weight = f"{part.weight}%"
            if part.value is not None and part.applied_weight != part.weight:
                weight += f"→{number(part.applied_weight)}%"
            cells = [
                f"{part.code} {part.name_zh}",
                part.measure,
                _cell(part.value),
                _cell(part.points),
                weight,
                _cell(part.contribution),
                f"{part.working_zh} / {part.working_en}",
            ]
            lines.append("\t".join(cells))
    return lines


_CSV_COLUMNS = (
    "rank",
    "key",
    "name_zh",
    "score",
    "grade",
    "grade_en",
    "indicator",
    "indicator_name_zh",
    "indicator_name_en",
    "measure",
    "value",
    "points",
    "weight",
    "applied_weight",
    "contribution",
    "explanation_zh",
    "explanation_en",
)


def csv_text(report: EvaluationReport) -> str:
    """One row per unit and indicator; empty cells for what was not measured or graded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for unit in report.units:
        for part in unit.indicators:
            writer.writerow(
                [
                    unit.rank,
                    unit.key,
                    unit.name_zh,
                    unit.score,
                    unit.grade,
                    unit.grade_en,
                    part.code,
                    part.name_zh,
                    part.name_en,
                    part.measure,
                    part.value,
                    part.points,
                    part.weight,
                    part.applied_weight,
                    part.contribution,
                    part.explanation_zh,
                    part.explanation_en,
                ]
            )
    return out.getvalue()


def _table(report: EvaluationReport) -> Rendered:
    text = "\n".join(table_lines(report)) + "\n"
    return Rendered("text/plain; charset=utf-8", text.encode(), "txt")


def _csv(report: EvaluationReport) -> Rendered:
    return Rendered("text/csv; charset=utf-8", csv_text(report).encode("utf-8-sig"), "csv")


def _json(report: EvaluationReport) -> Rendered:
    text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    return Rendered("application/json", text.encode(), "json")


RENDERERS: dict[str, Callable[[EvaluationReport], Rendered]] = {
    "table": _table,
    "csv": _csv,
    "json": _json,
}


def render(report: EvaluationReport, fmt: str) -> Rendered:
    """`report` in format `fmt` (one of `RENDERERS`); KeyError for an unknown format."""
    return RENDERERS[fmt](report)
