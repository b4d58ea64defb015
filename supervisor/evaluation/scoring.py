"""Scoring (绩效评估): the statistics of each unit turned into a score and a grade, as the policy
(rules/evaluation.yaml, `schemas.py`) says, every indicator's part shown.

For each indicator, the measure's value (`measures.py`) earns points out of 100:
  - with `target`: 100 when the value reaches it (>= for direction higher, <= for lower), else 0;
  - with `scale`: 0 at `zero` or worse, 100 at `full` or better, in proportion between.
Its contribution to the total is points × weight / 100; the score (0-100) is the sum of the
contributions as shown (each rounded half up to 2 decimals, so that they add up to it by hand),
and the grade is the band the score falls in. An indicator whose measure has no value for the
unit (a rate of concluded cases when none was timed) is left out, and the weights of the others
are scaled up to 100 so that a unit is neither punished nor rewarded for what it had no chance
to do; the indicator says so.

A unit with fewer concluded cases than `scored.min_concluded`, and the handler key "-" (cases
nobody was assigned: nobody to hold to account), get no score and no grade, only their figures.
Units are ranked by score, best first (equal scores share a rank), ungraded ones last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from approval_core.timeutil import ensure_aware
from supervisor.evaluation.measures import MEASURES
from supervisor.evaluation.schemas import GRADE_EN, GRADES, EvaluationRules, Indicator
from supervisor.evaluation.statistics import UNASSIGNED, Row, Unit, statistics

FULL = 100.0


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's part in a unit's score."""

    code: str
    measure: str
    name_zh: str
    name_en: str
    value: float | None  # the measure's value; None: nothing to measure (left out)
    points: float | None  # 0-100 earned by the value
    weight: int  # as the policy writes it (percent)
    applied_weight: float  # the weight after leaving out indicators without a value
    contribution: float | None  # points × applied weight / 100: what it adds to the score
    explanation_zh: str  # the policy's plain explanation
    explanation_en: str
    working_zh: str  # how the points came about, with the figures
    working_en: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class UnitScore:
    """One unit's score, grade and rank (None when it is not graded, with the reason)."""

    key: str
    name_zh: str | None
    score: float | None
    grade: str | None  # 优秀 / 良好 / 合格 / 不合格
    grade_en: str | None  # excellent / good / pass / fail
    rank: int | None
    indicators: tuple[IndicatorScore, ...]
    figures: Row
    not_graded_zh: str | None = None
    not_graded_en: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "score": self.score,
            "grade": self.grade,
            "grade_en": self.grade_en,
            "rank": self.rank,
            "not_graded_zh": self.not_graded_zh,
            "not_graded_en": self.not_graded_en,
            "indicators": [i.as_dict() for i in self.indicators],
            "figures": self.figures.as_dict(),
        }


@dataclass(frozen=True)
class EvaluationReport:
    """The scores of every unit for a period, and what they were computed from."""

    period_from: date
    period_to: date
    by: Unit
    as_of: datetime
    department: str | None
    policy_version: str
    rules: EvaluationRules
    units: tuple[UnitScore, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON): the period, the indicators and grades scored by, every unit."""
        return {
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "department": self.department,
            "policy_version": self.policy_version,
            "indicators": [_definition(i) for i in self.rules.indicators],
            "grades": [
                {"grade": zh, "grade_en": en, "min_score": low}
                for (zh, en), low in zip(GRADES, self.rules.grades.lows(), strict=True)
            ],
            "units": [u.as_dict() for u in self.units],
        }


def _definition(indicator: Indicator) -> dict[str, Any]:
    data = indicator.model_dump(exclude={"name_zh", "name_en"})
    return {**data, "name_zh": indicator.title_zh, "name_en": indicator.title_en}


def points_of(indicator: Indicator, value: float) -> float:
    """Points out of 100 that `value` earns on `indicator`."""
    if indicator.target is not None:
        if indicator.direction == "higher":
            return FULL if value >= indicator.target else 0.0
        return FULL if value <= indicator.target else 0.0
    assert indicator.scale is not None  # the schema requires one of target and scale
    full, zero = indicator.scale.full, indicator.scale.zero
    share = (value - zero) / (full - zero)
    return FULL * min(1.0, max(0.0, share))


def score_unit(row: Row, rules: EvaluationRules) -> UnitScore:
    """One unit's score and grade from its figures (rank left to `score_units`)."""
    why = _not_graded(row, rules)
    values = {i.code: MEASURES[i.measure].value(row) for i in rules.indicators}
    counted = sum(i.weight for i in rules.indicators if values[i.code] is not None)
    if why is None and counted == 0:
        why = ("没有可计量的指标", "no indicator could be measured")
    parts = tuple(_indicator(i, values[i.code], counted) for i in rules.indicators)
    if why is not None:
        return UnitScore(row.key, row.name_zh, None, None, None, None, parts, row, *why)
    score = half_up(sum(p.contribution or 0.0 for p in parts))
    grade = rules.grades.grade(score)
    return UnitScore(row.key, row.name_zh, score, grade, GRADE_EN[grade], None, parts, row)


def score_units(rows: Sequence[Row], rules: EvaluationRules) -> list[UnitScore]:
    """Every unit scored and ranked, best first; ungraded units last, in their row order."""
    scored = [score_unit(row, rules) for row in rows]
    graded = sorted((s for s in scored if s.score is not None), key=lambda s: -(s.score or 0.0))
    ranked: list[UnitScore] = []
    for n, unit in enumerate(graded):
        tie = ranked and ranked[-1].score == unit.score
        rank = ranked[-1].rank if tie else n + 1
        ranked.append(replace(unit, rank=rank))
    return ranked + [s for s in scored if s.score is None]


def _not_graded(row: Row, rules: EvaluationRules) -> tuple[str, str] | None:
    if row.key == UNASSIGNED:
        return ("未分配承办人的案件不评定", "cases nobody was assigned are not graded")
    least = rules.scored.min_concluded
    if row.concluded < least:
        return (
            f"办结 {row.concluded} 件，少于评定所需的 {least} 件",
            f"{row.concluded} case(s) concluded, fewer than the {least} needed for a grade",
        )
    return None


def _indicator(indicator: Indicator, value: float | None, counted: int) -> IndicatorScore:
    measured = counted > 0 and value is not None
    applied = half_up(indicator.weight * FULL / counted, 4) if measured else 0.0
    if value is None:
        points = contribution = None
        zh = "无可计量的案件，不计入；其权重按比例分给其他指标"
        en = "nothing to measure: left out, its weight shared among the other indicators"
    else:
        earned = points_of(indicator, value)
        points = half_up(earned)
        contribution = half_up(earned * indicator.weight / counted)
        zh, en = _working(indicator, value, points, applied, contribution)
    return IndicatorScore(
        indicator.code,
        indicator.measure,
        indicator.title_zh,
        indicator.title_en,
        value,
        points,
        indicator.weight,
        applied,
        contribution,
        indicator.explain_zh,
        indicator.explain_en,
        zh,
        en,
    )


def _working(
    indicator: Indicator, value: float, points: float, applied: float, contribution: float
) -> tuple[str, str]:
    shown = number(value)
    if indicator.target is not None:
        op = ">=" if indicator.direction == "higher" else "<="
        rule_zh = f"达标值 {op} {indicator.target:g}"
        rule_en = f"target {op} {indicator.target:g}"
    else:
        assert indicator.scale is not None
        s = indicator.scale
        rule_zh = f"{s.zero:g} 得 0 分，{s.full:g} 得满分"
        rule_en = f"0 points at {s.zero:g}, full points at {s.full:g}"
    tail = f"{number(points)} × {number(applied)}% = {number(contribution)}"
    return (f"{shown}（{rule_zh}）→ {tail}", f"{shown} ({rule_en}) → {tail}")


def number(value: float) -> str:
    """A figure as shown to people: at most 2 decimals, no trailing zeros."""
    return f"{half_up(value):g}"


def half_up(value: float, places: int = 2) -> float:
    """`value` rounded half up (四舍五入), as people check a score by hand: 14.625 -> 14.63
    (Python's round() gives 14.62)."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def evaluation_rules(deps: CoreDeps) -> EvaluationRules:
    """The evaluation rules of the policy `deps` was made from; refused when it has none."""
    from supervisor.policy.value import policy_of

    rules = policy_of(deps).evaluation
    if rules is None:
        raise InvalidInput(
            "the policy in force has no evaluation rules (rules/evaluation.yaml)",
            detail_zh="现行规则中没有绩效评估规则（rules/evaluation.yaml）",
            field="by",
        )
    return rules


def evaluate(
    session: Session,
    deps: CoreDeps,
    period_from: date,
    period_to: date,
    by: Unit,
    as_of: datetime,
    department: str | None = None,
) -> EvaluationReport:
    """The statistics of the period (`statistics.statistics`) scored by the policy in force."""
    rules = evaluation_rules(deps)
    if by not in rules.scored.units:
        scored = ", ".join(rules.scored.units)
        raise InvalidInput(
            f"the evaluation rules score {scored} only, not {by}",
            detail_zh=f"绩效评估规则只评定 {scored}，不评定 {by}",
            field="by",
        )
    rows = statistics(session, deps, period_from, period_to, by, as_of, department)
    version = deps.policy_version or ""
    units = tuple(score_units(rows, rules))
    moment = ensure_aware(as_of)
    return EvaluationReport(period_from, period_to, by, moment, department, version, rules, units)
