"""Statistics of the recorded history (统计分析) for a period, by department, handler or item.

Computed from the case records alone, as of a moment: only records with `at <= as_of` count, so
a report as of a past moment is reproduced exactly whatever was recorded after it. The period
is a range of legal (Asia/Shanghai) dates, and a case counts in the period of each event: it is
received in the period of its submit record, concluded in the period of its conclude record.

The timeliness of a concluded case comes from the legal clock replayed from its records
(`approval_core.cases.snapshot.clock_of`), frozen at the conclusion:
  - on time: concluded within the statutory limit (+ a lawful extension), overdue 0;
  - late: overdue >= 1; `days_late` adds up the working days overdue;
  - concluded early: within the item's promised limit (承诺时限, <= the statutory limit);
  - `average_days`: the mean working days the clock counted (`elapsed`) over concluded cases
    whose review clock started.
Counts of steps: `stopped` counts the cases with a stop record in the period whose stop type
stops the clock (rules/timeliness.yaml), `stopped_days` the working days stops left out of the
concluded cases, `extensions` the approved extensions (approve_extension records) and
`supplements` the supplement notices (request_supplement records) in the period.

A case's handler is the one its records name as of `as_of` (who handled it, else whom it was
assigned to); a case with neither is counted under the key "-" (未分配 / unassigned).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed, replay
from approval_core.cases.snapshot import clock_of
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.errors import InvalidInput
from approval_core.records.models import CaseRecord
from approval_core.timeutil import ensure_aware, start_of_legal_day
from approval_core.users.models import User

Unit = Literal["department", "handler", "item"]
UNITS: tuple[Unit, ...] = ("department", "handler", "item")
UNASSIGNED = "-"  # the handler key of a case nobody handled or was assigned

# Record actions that put a case into a period's statistics.
_COUNTED = (
    "submit",
    "accept",
    "reject",
    "withdraw",
    "conclude",
    "stop",
    "approve_extension",
    "request_supplement",
)


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
    stopped: int = 0  # cases with a clock stop in the period
    stopped_days: int = 0  # working days left out by stops in the concluded cases
    extensions: int = 0  # 延期 approved
    supplements: int = 0  # 补正 notices

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class _Tally:
    counts: dict[str, int]
    days_used: int = 0
    clocked: int = 0  # concluded cases whose review clock started (the average's divisor)


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
    as_of = ensure_aware(as_of)
    start = start_of_legal_day(period_from)
    end = min(start_of_legal_day(period_to + timedelta(days=1)), as_of + timedelta(microseconds=1))
    in_period = (
        select(CaseRecord.case_id)
        .where(CaseRecord.action.in_(_COUNTED), CaseRecord.at >= start, CaseRecord.at < end)
        .distinct()
    )
    stmt = select(Case.id, Case.item_code, Case.department_code).where(Case.id.in_(in_period))
    if department is not None:
        stmt = stmt.where(Case.department_code == department)
    cases = session.execute(stmt.order_by(Case.id)).all()
    tallies: dict[str, _Tally] = defaultdict(lambda: _Tally(defaultdict(int)))
    for chunk in in_chunks(cases):
        records: dict[str, list[CaseRecord]] = {row.id: [] for row in chunk}
        query = (
            select(CaseRecord)
            .where(CaseRecord.case_id.in_(list(records)), CaseRecord.at <= as_of)
            .order_by(CaseRecord.case_id, CaseRecord.seq)
        )
        for record in session.scalars(query):
            records[record.case_id].append(record)
        for row in chunk:
            _count_case(deps, row, records[row.id], (start, end), by, as_of, tallies)
    return _rows(session, deps, by, tallies)


def _count_case(
    deps: CoreDeps,
    case: Any,
    records: Sequence[CaseRecord],
    bounds: tuple[datetime, datetime],
    by: Unit,
    as_of: datetime,
    tallies: dict[str, _Tally],
) -> None:
    """Add one case's events in the period to its unit's tally."""
    start, end = bounds
    inside = [r for r in records if start <= r.at < end and r.action in _COUNTED]
    concluded = any(r.action == "conclude" for r in inside)
    clock: ClockResult | None = None
    if concluded:
        replayed, clock = clock_of(deps, case.item_code, records, as_of)
    else:
        replayed = replay(records, as_of)
    tally = tallies[_unit_key(case, replayed, by)]
    counts = tally.counts
    stop_types = deps.catalogue.clock_policy(case.item_code).clock_stop_types
    for record in inside:
        if record.action == "submit":
            counts["received"] += 1
        elif record.action in ("accept", "reject"):
            counts[f"{record.action}ed"] += 1
        elif record.action == "withdraw":
            counts["withdrawn"] += 1
        elif record.action == "approve_extension":
            counts["extensions"] += 1
        elif record.action == "request_supplement":
            counts["supplements"] += 1
    if any(r.action == "stop" and r.payload.get("stop_type") in stop_types for r in inside):
        counts["stopped"] += 1
    if clock is not None:
        _count_conclusion(tally, replayed, clock)


def _count_conclusion(tally: _Tally, replayed: Replayed, clock: ClockResult) -> None:
    counts = tally.counts
    counts["concluded"] += 1
    counts["approved" if replayed.decision == "approved" else "denied"] += 1
    if clock.started_on is None:
        return  # concluded before the review clock started: no timeliness to measure
    tally.clocked += 1
    tally.days_used += clock.elapsed
    counts["stopped_days"] += clock.stopped
    if clock.overdue > 0:
        counts["late"] += 1
        counts["days_late"] += clock.overdue
    else:
        counts["on_time"] += 1
    if clock.promised is not None and clock.promised.overdue == 0:
        counts["concluded_early"] += 1


def _unit_key(case: Any, replayed: Replayed, by: Unit) -> str:
    if by == "department":
        return str(case.department_code)
    if by == "item":
        return str(case.item_code)
    person = replayed.handler_id if replayed.handler_id is not None else replayed.assignee_id
    return UNASSIGNED if person is None else str(person)


def _rows(session: Session, deps: CoreDeps, by: Unit, tallies: dict[str, _Tally]) -> list[Row]:
    names = _names(session, deps, by, list(tallies))
    rows = []
    for key in sorted(tallies, key=_sort_key):
        tally = tallies[key]
        average = round(tally.days_used / tally.clocked, 2) if tally.clocked else None
        rows.append(Row(key=key, name_zh=names.get(key), average_days=average, **tally.counts))
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
