"""Statistics of the recorded history (统计分析) for a period, by department, handler or item.

Computed from what was recorded as of a moment: only records (and alerts, complaints, ratings)
with an event time `<= as_of` count, so a report as of a past moment is reproduced exactly
whatever was recorded after it. The period is a range of legal (Asia/Shanghai) dates, and a
case counts in the period of each event: it is received in the period of its submit record,
concluded in the period of its conclude record.

The timeliness of a concluded case comes from the legal clock replayed from its records
(`approval_core.cases.snapshot.clock_of`), frozen at the conclusion and kept in its
conclusion row (`approval_core/conclusions`; `supervisor/evaluation/casework.py`):
  - on time: concluded within the statutory limit (+ a lawful extension), overdue 0;
  - late: overdue >= 1; `days_late` adds up the working days overdue;
  - concluded early: within the item's promised limit (承诺时限, <= the statutory limit);
  - `average_days` / `p90_days`: the mean and the nearest-rank 90th percentile of the working
    days the clock counted (`elapsed`) over concluded cases whose review clock started.
Counts of steps: `stopped` counts the cases with a stop record in the period whose stop type
stops the clock (rules/timeliness.yaml), `stopped_days` the working days stops left out of the
concluded cases, `extensions` the approved extensions (approve_extension records) and
`supplements` the supplement notices (request_supplement records) in the period.
Alerts, cards, complaints, remedies and ratings: `supervisor/evaluation/aftercare.py`.

A case's handler is the one its records name as of `as_of` (who handled it, else whom it was
assigned to); a case with neither is counted under the key "-" (未分配 / unassigned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.errors import InvalidInput
from approval_core.timeutil import ensure_aware, start_of_legal_day
from approval_core.users.models import User
from supervisor.evaluation.aftercare import count_aftercare
from supervisor.evaluation.casework import count_cases
from supervisor.evaluation.tally import UNASSIGNED, UNITS, Tallies, Unit, new_tallies

__all__ = ["UNASSIGNED", "UNITS", "Row", "Unit", "period_bounds", "statistics"]


@dataclass(frozen=True)
class Row:
    """The figures of one unit (a department, handler or item) for the period."""

    key: str
    name_zh: str | None
    received: int = 0  # 收件: submit records in the period
    accepted: int = 0  # 受理
    rejected: int = 0  # 不予受理
    withdrawn: int = 0  # 撤回
    concluded: int = 0  # 办结 (approved + denied)
    approved: int = 0  # 准予许可
    denied: int = 0  # 不予许可
    concluded_early: int = 0  # 提前办结: within the promised limit
    on_time: int = 0  # 按时办结: within the statutory limit (+ extension)
    late: int = 0  # 超期办结
    days_late: int = 0  # working days overdue, added up over the late cases
    average_days: float | None = None  # mean working days used by the concluded cases
    p90_days: int | None = None  # their 90th percentile (nearest rank)
    stopped: int = 0  # cases with a clock stop in the period
    stopped_days: int = 0  # working days left out by stops in the concluded cases
    extensions: int = 0  # 延期 approved
    supplements: int = 0  # 补正 notices
    alerts_warning: int = 0  # 预警 opened
    alerts_yellow: int = 0  # 黄牌 opened
    alerts_red: int = 0  # 红牌 opened
    anomalies: int = 0  # 异常 opened
    anomalies_by_rule: dict[str, int] = field(default_factory=dict)
    cards_removed: int = 0  # 摘牌: yellow and red cards removed
    card_response_hours: float | None = None  # mean hours from a removed card's opening to 回告
    complaints: int = 0  # 投诉 received
    complaints_accepted_in_time: int = 0  # accepted within 5 working days
    complaints_accepted_late: int = 0
    remedies_decided: int = 0  # 复议 / 诉讼 decided
    remedies_against: int = 0  # ... that changed or revoked the decision
    ratings: int = 0  # 好差评 given
    ratings_satisfied: int = 0  # 非常满意 / 满意 / 基本满意
    satisfaction_rate: float | None = None  # satisfied / ratings

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def statistics(
    session: Session,
    deps: CoreDeps,
    period_from: date,
    period_to: date,
    by: Unit,
    as_of: datetime,
    department: str | None = None,
) -> list[Row]:
    """The figures of every unit with something in the period, ordered by key.

    `department` limits the cases to one department's (a head sees only their own)."""
    bounds = period_moments(period_from, period_to, by, as_of)
    tallies = new_tallies()
    count_cases(session, deps, bounds, by, ensure_aware(as_of), department, tallies)
    count_aftercare(session, bounds, by, ensure_aware(as_of), department, tallies)
    return _rows(session, deps, by, tallies)


def period_moments(
    period_from: date, period_to: date, by: str, as_of: datetime
) -> tuple[datetime, datetime]:
    """[start, end) of the period's legal dates, ending at `as_of` at the latest; or a 422."""
    if by not in UNITS:
        raise InvalidInput(
            f"by must be one of {', '.join(UNITS)}", detail_zh="统计维度无效", field="by"
        )
    if period_to < period_from:
        raise InvalidInput(
            f"the period ends ({period_to}) before it begins ({period_from})",
            detail_zh=f"统计期间的结束日 {period_to} 早于开始日 {period_from}",
            field="to",
        )
    start = start_of_legal_day(period_from)
    after = start_of_legal_day(period_to + timedelta(days=1))
    return start, min(after, ensure_aware(as_of) + timedelta(microseconds=1))


def _rows(session: Session, deps: CoreDeps, by: Unit, tallies: Tallies) -> list[Row]:
    names = _names(session, deps, by, list(tallies))
    rows = []
    for key in sorted(tallies, key=_sort_key):
        tally = tallies[key]
        counts = tally.counts
        hours = tally.card_hours
        rate = counts["ratings_satisfied"] / counts["ratings"] if counts["ratings"] else None
        rows.append(
            Row(
                key=key,
                name_zh=names.get(key),
                average_days=tally.average_days(),
                p90_days=tally.p90_days(),
                anomalies_by_rule=dict(sorted(tally.anomalies.items())),
                card_response_hours=round(sum(hours) / len(hours), 2) if hours else None,
                satisfaction_rate=None if rate is None else round(rate, 4),
                **counts,
            )
        )
    return rows


def _sort_key(key: str) -> tuple[int, str]:
    """Numbers (handler ids) in numeric order, other keys after them in text order."""
    return (int(key), "") if key.isdigit() else (2**63, key)


def _names(session: Session, deps: CoreDeps, by: Unit, keys: list[str]) -> dict[str, str]:
    """Chinese names: the catalogue's for departments and items, the user's for handlers."""
    catalogue = deps.catalogue
    if by == "department":
        return {k: catalogue.departments[k].name_zh for k in keys if k in catalogue.departments}
    if by == "item":
        return {k: catalogue.items[k].name_zh for k in keys if k in catalogue.items}
    names = {UNASSIGNED: "未分配"}
    ids = [int(k) for k in keys if k.isdigit()]
    for chunk in in_chunks(ids):
        for user_id, name in session.execute(select(User.id, User.name).where(User.id.in_(chunk))):
            names[str(user_id)] = name
    return names


_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2})))?$")


def period_bounds(text: str) -> tuple[date, date]:
    """The first and last dates of a period named "2026", "2026-Q3" or "2026-07"."""
    found = _PERIOD.match(text.strip())
    month = int(found.group(3)) if found and found.group(3) else None
    if found is None or (month is not None and not 1 <= month <= 12):
        raise InvalidInput(
            f'a period is a year, quarter or month such as "2026", "2026-Q3" or "2026-07": {text}',
            detail_zh=f"统计期间须为年、季度或月份，如 2026、2026-Q3、2026-07：{text}",
            field="period",
        )
    year = int(found.group(1))
    if found.group(2):
        first_month = 3 * int(found.group(2)) - 2
        last_month = first_month + 2
    elif month is not None:
        first_month = last_month = month
    else:
        first_month, last_month = 1, 12
    after = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return date(year, first_month, 1), after - timedelta(days=1)
