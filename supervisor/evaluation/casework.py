"""The case figures of a period: received ... supplements, from the conclusions table for the
cases concluded as of the moment, and by replaying the records of every other case.

A concluded case's row (`approval_core/conclusions`) holds what its records say at the
conclusion (its handler, outcome and timeliness), so its records in the period are counted by
one GROUP BY joined to it; a case not concluded as of `as_of` (or concluded before the table
existed and not yet backfilled) is replayed from its records. Both give the same figures
(tests/evaluation/test_conclusions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.replay import replay
from approval_core.cases.snapshot import clock_of
from approval_core.cases.workflow import STATES
from approval_core.conclusions.models import Conclusion
from approval_core.conclusions.service import conclusion_of, handler_key
from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.records.models import CaseRecord
from supervisor.evaluation.tally import Tallies, Unit

# Record actions counted as they are, and the figure each adds one to.
FIGURE = {
    "submit": "received",
    "accept": "accepted",
    "reject": "rejected",
    "withdraw": "withdrawn",
    "approve_extension": "extensions",
    "request_supplement": "supplements",
}
# Record actions that put a case into a period's statistics.
COUNTED = (*FIGURE, "conclude", "stop")

_NOT_CONCLUDED = tuple(state for state in STATES if state != "concluded")
Bounds = tuple[datetime, datetime]  # [start, end): end never after as_of


def _unit(by: Unit) -> Any:
    if by == "department":
        return Conclusion.department_code
    return Conclusion.item_code if by == "item" else Conclusion.handler_key


def count_cases(
    session: Session,
    deps: CoreDeps,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    """Add the case figures of the period [start, end) to `tallies`."""
    settled = _settled(as_of, department)
    _count_settled_records(session, deps, bounds, by, settled, tallies)
    _count_conclusions(session, bounds, by, settled, tallies)
    _count_unsettled(session, deps, bounds, by, as_of, department, tallies)


def _settled(as_of: datetime, department: str | None) -> list[ColumnElement[bool]]:
    """The conclusion rows counted from the table: concluded as of `as_of`, accepted at most
    once (a case accepted again after a return is replayed)."""
    settled = [Conclusion.concluded_at <= as_of, Conclusion.accepts <= 1]
    if department is not None:
        settled.append(Conclusion.department_code == department)
    return settled


def _in_period(bounds: Bounds, actions: Sequence[str]) -> list[ColumnElement[bool]]:
    start, end = bounds
    return [CaseRecord.action.in_(actions), CaseRecord.at >= start, CaseRecord.at < end]


def _count_settled_records(
    session: Session,
    deps: CoreDeps,
    bounds: Bounds,
    by: Unit,
    settled: list[ColumnElement[bool]],
    tallies: Tallies,
) -> None:
    """Received and accepted from the rows; the rarer steps from their records."""
    unit = _unit(by)
    start, end = bounds
    for figure, column in (("received", Conclusion.submitted_at),
                           ("accepted", Conclusion.accepted_at)):  # fmt: skip
        query = (
            select(unit, func.count()).where(column >= start, column < end, *settled).group_by(unit)
        )
        for key, n in session.execute(query):
            tallies[key].counts[figure] += n
    joined = Conclusion.case_id == CaseRecord.case_id
    steps = ("approve_extension", "request_supplement")
    counts = (
        select(unit, CaseRecord.action, func.count())
        .join(Conclusion, joined)
        .where(*_in_period(bounds, steps), *settled)
        .group_by(unit, CaseRecord.action)
    )
    for key, action, n in session.execute(counts):
        tallies[key].counts[FIGURE[action]] += n
    stops = (
        select(unit, CaseRecord.case_id, Conclusion.item_code, CaseRecord.payload)
        .join(Conclusion, joined)
        .where(*_in_period(bounds, ("stop",)), *settled)
    )
    stopped: set[tuple[str, str]] = set()
    for key, case_id, item, payload in session.execute(stops):
        if payload.get("stop_type") in deps.catalogue.clock_policy(item).clock_stop_types:
            stopped.add((key, case_id))
    for key, _ in stopped:
        tallies[key].counts["stopped"] += 1


def _count_conclusions(
    session: Session,
    bounds: Bounds,
    by: Unit,
    settled: list[ColumnElement[bool]],
    tallies: Tallies,
) -> None:
    unit = _unit(by)
    start, end = bounds
    c = Conclusion
    grouped = (c.outcome, c.clocked, c.early, c.late, c.days_used)
    query = (
        select(unit, *grouped, func.count(), func.sum(c.days_late), func.sum(c.stopped_days))
        .where(c.concluded_at >= start, c.concluded_at < end, *settled)
        .group_by(unit, *grouped)
    )
    for key, outcome, clocked, early, late, days, n, days_late, stopped_days in session.execute(
        query
    ):
        tally = tallies[key]
        tally.counts["concluded"] += n
        tally.counts["approved" if outcome == "approved" else "denied"] += n
        if not clocked:
            continue
        tally.days[days] += n
        tally.counts["stopped_days"] += stopped_days or 0
        tally.counts["late" if late else "on_time"] += n
        tally.counts["days_late"] += days_late or 0
        tally.counts["concluded_early"] += n if early else 0


def _unsettled_ids(
    session: Session, bounds: Bounds, as_of: datetime, department: str | None
) -> list[str]:
    """The cases that may have records in the period and are not counted from the table:
    not concluded (now, hence not as of `as_of`: the end states are final) and active since
    the period began; concluded after `as_of` or accepted more than once; concluded without
    a row (before the table existed; looked for only when the counts differ)."""
    start, end = bounds
    since = [Case.last_event_at >= start, Case.submitted_at < end]
    if department is not None:
        since.append(Case.department_code == department)
    ids = set(session.scalars(select(Case.id).where(Case.state != "concluded", *since)))
    rows = [] if department is None else [Conclusion.department_code == department]
    later = select(Conclusion.case_id).where(Conclusion.concluded_at > as_of, *rows)
    twice = select(Conclusion.case_id).where(
        Conclusion.accepts > 1, Conclusion.concluded_at >= start, *rows
    )
    ids.update(session.scalars(later))
    ids.update(session.scalars(twice))
    if not rows_complete(session):
        rowless = Case.id.not_in(select(Conclusion.case_id))
        ids.update(
            session.scalars(select(Case.id).where(Case.state == "concluded", rowless, *since))
        )
    return sorted(ids)


def rows_complete(session: Session) -> bool:
    """Whether every concluded case has its conclusion row (two counts off indexes)."""
    concluded = session.scalar(select(func.count()).where(Case.state == "concluded"))
    return concluded == session.scalar(select(func.count()).select_from(Conclusion))


def _count_unsettled(
    session: Session,
    deps: CoreDeps,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    """Replay the cases with something in the period and no conclusion row counted."""
    ids = _unsettled_ids(session, bounds, as_of, department)
    for chunk in in_chunks(ids):
        stmt = select(Case.id, Case.item_code, Case.department_code).where(Case.id.in_(chunk))
        cases = session.execute(stmt.order_by(Case.id)).all()
        records: dict[str, list[CaseRecord]] = {row.id: [] for row in cases}
        query = (
            select(CaseRecord)
            .where(CaseRecord.case_id.in_(list(records)), CaseRecord.at <= as_of)
            .order_by(CaseRecord.case_id, CaseRecord.seq)
        )
        for record in session.scalars(query):
            records[record.case_id].append(record)
        for row in cases:
            _replay_case(deps, row, records[row.id], bounds, by, as_of, tallies)


def _replay_case(
    deps: CoreDeps,
    case: Any,
    records: Sequence[CaseRecord],
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    tallies: Tallies,
) -> None:
    """Add one case's events in the period, replayed from its records, to its unit's tally."""
    start, end = bounds
    inside = [r for r in records if start <= r.at < end and r.action in COUNTED]
    if not inside:
        return  # a candidate with nothing in the period makes no row
    concluding = [r for r in inside if r.action == "conclude"]
    if concluding:
        replayed, clock = clock_of(deps, case.item_code, records, as_of)
    else:
        replayed = replay(records, as_of)
    if by == "department":
        key = str(case.department_code)
    else:
        key = str(case.item_code) if by == "item" else handler_key(replayed)
    counts = tallies[key].counts
    stop_types = deps.catalogue.clock_policy(case.item_code).clock_stop_types
    for record in inside:
        if record.action in FIGURE:
            counts[FIGURE[record.action]] += 1
    if any(r.action == "stop" and r.payload.get("stop_type") in stop_types for r in inside):
        counts["stopped"] += 1
    if concluding:
        ids = (case.id, case.item_code, case.department_code)
        row = conclusion_of(ids, records, replayed, clock)
        tally = tallies[key]
        tally.counts["concluded"] += 1
        tally.counts[row.outcome] += 1
        if row.clocked:
            tally.days[row.days_used] += 1
            tally.counts["stopped_days"] += row.stopped_days
            tally.counts["late" if row.late else "on_time"] += 1
            tally.counts["days_late"] += row.days_late
            tally.counts["concluded_early"] += 1 if row.early else 0
