"""The evaluation report (绩效评估报告) as data: the figures of every unit, the monthly trend,
alerts by level and satisfaction, all from the records as of one moment.

Everything here is read as of `as_of` (records by their event time, alerts by the moment they
were opened, ratings by the moment they were given), so the same period and moment give the
same report: a bulletin is reproduced byte for byte from it (`bulletins.py`). The rendering is
`render.py`; the indicators' explanations are `INDICATORS`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.aftercare.kinds import RATING_LEVELS
from approval_core.aftercare.models import Rating
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.timeutil import ensure_aware, start_of_legal_day
from supervisor.alerts.models import Alert
from supervisor.evaluation.scoring import EvaluationReport, UnitScore, score_units
from supervisor.evaluation.statistics import Row, Unit, statistics

ALERT_LEVELS = ("warning", "yellow", "red", "anomaly")
ALERT_NAMES = {"warning": "预警", "yellow": "黄牌", "red": "红牌", "anomaly": "异常"}

# Every figure of a unit: (name, Chinese, English, how it is counted). A figure the statistics
# add later without an entry here is still shown, under its own name.
INDICATORS: tuple[tuple[str, str, str, str], ...] = (
    ("received", "收件", "Received", "期间内提交的申请数 / applications submitted in the period"),
    ("accepted", "受理", "Accepted", "期间内受理的件数 / cases accepted in the period"),
    ("rejected", "不予受理", "Rejected", "期间内决定不予受理的件数 / cases not accepted"),
    ("withdrawn", "撤回", "Withdrawn", "期间内申请人撤回的件数 / cases withdrawn"),
    ("concluded", "办结", "Concluded", "期间内办结（准予与不予许可）的件数 / cases decided"),
    ("approved", "准予许可", "Approved", "办结中准予许可的件数 / concluded with approval"),
    ("denied", "不予许可", "Denied", "办结中不予许可的件数 / concluded with denial"),
    (
        "concluded_early",
        "提前办结",
        "Concluded early",
        "在承诺时限内办结的件数 / concluded within the promised limit (承诺时限)",
    ),
    (
        "on_time",
        "按时办结",
        "On time",
        "在法定时限（含依法延期）内办结的件数 / concluded within the statutory limit "
        "(plus a lawful extension)",
    ),
    ("late", "超期办结", "Late", "超过法定时限办结的件数 / concluded after the statutory limit"),
    ("days_late", "超期工作日", "Working days late", "超期办结件的超期工作日之和 / sum of days"),
    (
        "average_days",
        "平均用时（工作日）",
        "Average working days",
        "办结件计时工作日的平均数 / mean working days counted by the legal clock",
    ),
    (
        "p90_days",
        "90% 用时（工作日）",
        "90th percentile of working days",
        "九成办结件不超过的计时工作日（最近秩）/ nearest-rank 90th percentile of days used",
    ),
    ("stopped", "中止计时", "Clock stopped", "期间内有法定中止情形的件数 / cases with a stop"),
    ("stopped_days", "中止工作日", "Days stopped", "中止计时扣除的工作日 / working days left out"),
    ("extensions", "延期", "Extensions", "期间内批准的延期 / extensions approved"),
    ("supplements", "补正", "Supplements", "期间内发出的补正告知 / supplement notices sent"),
    ("alerts_warning", "预警", "Warnings", "期间内产生的预警 / warnings opened"),
    ("alerts_yellow", "黄牌", "Yellow cards", "期间内亮出的黄牌 / yellow cards opened"),
    ("alerts_red", "红牌", "Red cards", "期间内亮出的红牌 / red cards opened"),
    ("anomalies", "异常", "Anomalies", "期间内发现的程序异常 / anomalies opened"),
    ("anomalies_by_rule", "异常（按规则）", "Anomalies by rule", "各规则的异常数 / per rule"),
    ("cards_removed", "摘牌", "Cards removed", "期间内摘除的黄牌与红牌 / cards removed"),
    (
        "card_response_hours",
        "回告用时（小时）",
        "Hours to respond",
        "摘牌的牌从亮牌到回告的平均小时数 / mean hours from a card to its response",
    ),
    ("complaints", "投诉", "Complaints", "期间内收到的投诉 / complaints received"),
    (
        "complaints_accepted_in_time",
        "投诉按时受理",
        "Complaints accepted in time",
        "5 个工作日内受理的投诉 / accepted within 5 working days",
    ),
    (
        "complaints_accepted_late",
        "投诉超时受理",
        "Complaints accepted late",
        "超过 5 个工作日受理 / later",
    ),
    (
        "remedies_decided",
        "复议诉讼审结",
        "Remedies decided",
        "期间内审结的行政复议与诉讼 / decided",
    ),
    (
        "remedies_against",
        "被纠错",
        "Decisions corrected",
        "审结中撤销或变更原决定的 / decided against the department (changed or revoked)",
    ),
    ("ratings", "好差评", "Ratings", "期间内收到的评价 / ratings given"),
    (
        "ratings_satisfied",
        "满意评价",
        "Satisfied ratings",
        "非常满意、满意、基本满意 / the upper three",
    ),
    ("satisfaction_rate", "满意率", "Satisfaction rate", "满意评价 ÷ 评价 / satisfied ÷ ratings"),
)
DERIVED: tuple[tuple[str, str, str, str], ...] = (
    (
        "on_time_rate",
        "按时办结率",
        "On-time rate",
        "按时办结 ÷（按时办结 + 超期办结）/ on time ÷ (on time + late)",
    ),
    (
        "alerts",
        "预警与牌（图表）",
        "Alerts (chart)",
        "期间内产生的预警、黄牌、红牌、异常，全部单位 / opened in the period, every unit",
    ),
)


@dataclass(frozen=True)
class Month:
    """The timeliness of one month of the trend."""

    month: str  # "2026-07"
    on_time: int
    late: int

    @property
    def on_time_rate(self) -> float | None:
        done = self.on_time + self.late
        return None if done == 0 else round(100 * self.on_time / done, 1)


@dataclass(frozen=True)
class Report:
    """The figures of one evaluation report; rendering adds nothing that is not here."""

    period: str
    period_from: date
    period_to: date
    by: Unit
    as_of: datetime
    department: str | None
    rows: list[Row]
    months: list[Month]
    alerts: dict[str, int]  # level -> opened in the period
    ratings: dict[str, int]  # 好差评 level -> given in the period
    evaluation: EvaluationReport | None = None  # scores and grades, when the policy scores `by`

    def score_of(self, key: str) -> UnitScore | None:
        if self.evaluation is None:
            return None
        return next((unit for unit in self.evaluation.units if unit.key == key), None)

    @property
    def satisfaction_rate(self) -> float | None:
        total = sum(self.ratings.values())
        good = sum(self.ratings.get(level, 0) for level in RATING_LEVELS[:3])
        return None if total == 0 else round(100 * good / total, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "department": self.department,
            "rows": [row.as_dict() for row in self.rows],
            "months": [
                {"month": m.month, "on_time": m.on_time, "late": m.late, "rate": m.on_time_rate}
                for m in self.months
            ],
            "alerts": self.alerts,
            "ratings": self.ratings,
            "satisfaction_rate": self.satisfaction_rate,
            "evaluation": None if self.evaluation is None else self.evaluation.as_dict(),
        }


def row_figures(row: Row) -> list[tuple[str, Any]]:
    """The unit's figures in the order of `INDICATORS`, then any the statistics added."""
    values = row.as_dict()
    known = [name for name, *_ in INDICATORS if name in values]
    extra = [f.name for f in fields(row) if f.name not in {"key", "name_zh", *known}]
    return [(name, values[name]) for name in [*known, *extra]]


def build_report(
    session: Session,
    deps: CoreDeps,
    period: str,
    bounds: tuple[date, date],
    by: Unit,
    as_of: datetime,
    department: str | None = None,
) -> Report:
    """The report of `period` (its first and last legal dates `bounds`) as of `as_of`."""
    as_of = ensure_aware(as_of)
    first, last = bounds
    rows = statistics(session, deps, first, last, by, as_of, department)
    return Report(
        period=period,
        period_from=first,
        period_to=last,
        by=by,
        as_of=as_of,
        department=department,
        rows=rows,
        months=_months(session, deps, bounds, as_of, department),
        alerts=_alerts(session, bounds, as_of, department),
        ratings=_ratings(session, bounds, as_of, department),
        evaluation=_scored(deps, rows, bounds, by, as_of, department),
    )


def _scored(
    deps: CoreDeps,
    rows: list[Row],
    bounds: tuple[date, date],
    by: Unit,
    as_of: datetime,
    department: str | None,
) -> EvaluationReport | None:
    """The rows scored as `scoring.evaluate` scores them, when the policy scores this unit
    (rules/evaluation.yaml); otherwise the report shows the figures only."""
    from supervisor.policy.value import policy_of

    rules = policy_of(deps).evaluation if deps.policy is not None else None
    if rules is None or by not in rules.scored.units:
        return None
    units = tuple(score_units(rows, rules))
    version = deps.policy_version or ""
    return EvaluationReport(*bounds, by, as_of, department, version, rules, units)


def _month_starts(first: date, last: date) -> list[date]:
    """The first day of every month of the trend: the period's year up to its last month."""
    day = date(last.year, 1, 1) if first.year == last.year else date(first.year, first.month, 1)
    starts = []
    while day <= last:
        starts.append(day)
        day = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return starts


def _months(
    session: Session,
    deps: CoreDeps,
    bounds: tuple[date, date],
    as_of: datetime,
    department: str | None,
) -> list[Month]:
    months = []
    for start in _month_starts(*bounds):
        after = (
            date(start.year + 1, 1, 1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
        rows = statistics(
            session, deps, start, after - timedelta(days=1), "department", as_of, department
        )
        on_time = sum(row.on_time for row in rows)
        late = sum(row.late for row in rows)
        months.append(Month(f"{start:%Y-%m}", on_time, late))
    return months


def _window(bounds: tuple[date, date], as_of: datetime) -> tuple[datetime, datetime]:
    start = start_of_legal_day(bounds[0])
    end = min(start_of_legal_day(bounds[1] + timedelta(days=1)), as_of + timedelta(microseconds=1))
    return start, end


def _alerts(
    session: Session, bounds: tuple[date, date], as_of: datetime, department: str | None
) -> dict[str, int]:
    start, end = _window(bounds, as_of)
    stmt = select(Alert.level).where(Alert.opened_at >= start, Alert.opened_at < end)
    if department is not None:
        stmt = stmt.where(Alert.department_code == department)
    counted = Counter(session.scalars(stmt))
    return {level: counted.get(level, 0) for level in ALERT_LEVELS}


def _ratings(
    session: Session, bounds: tuple[date, date], as_of: datetime, department: str | None
) -> dict[str, int]:
    start, end = _window(bounds, as_of)
    stmt = select(Rating.level).where(Rating.created_at >= start, Rating.created_at < end)
    if department is not None:
        stmt = stmt.join(Case, Case.id == Rating.case_id).where(Case.department_code == department)
    counted = Counter(session.scalars(stmt))
    return {level: counted.get(level, 0) for level in RATING_LEVELS}
