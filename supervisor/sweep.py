"""The sweep: judge the cases whose next look (`next_due_at`) has come, as of a moment.

It asks the index for what is due, in batches, so its cost follows what is due and not the
number of open cases. Each case is judged from the columns kept on its row (no records read)
and a batch's alerts are written together.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.bulk import Prepared, prepare_many, run_prepared
from approval_core.cases.models import Case
from approval_core.cases.snapshot import snapshot, stored_clock
from approval_core.cases.workflow import TERMINAL
from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from supervisor.judging import Judge
from supervisor.processing import judge_case
from supervisor.runtime import Supervisor

# The columns a sweep needs: the clock's inputs and what the snapshot reports.
COLUMNS = (
    Case.id,
    Case.tracking_no,
    Case.item_code,
    Case.department_code,
    Case.state,
    Case.step,
    Case.stop_type,
    Case.assignee_id,
    Case.handler_id,
    Case.reviewer_id,
    Case.decision,
    Case.materials,
    Case.record_count,
    Case.counters,
    Case.clock_events,
    Case.version,
    Case.next_due_at,
    Case.clock_due_date,  # for notification texts
)
_CASES = Table("cases", Case.metadata)  # the same table, for a Core executemany
# The next look, and the clock figures kept on the row for queries and watch screens.
_SET_NEXT = (
    update(_CASES)
    .where(_CASES.c.id == bindparam("b_id"))
    .values(
        next_due_at=bindparam("b_due"),
        clock_elapsed=bindparam("b_elapsed"),
        clock_remaining=bindparam("b_remaining"),
        clock_overdue=bindparam("b_overdue"),
        clock_running=bindparam("b_running"),
        clock_computed_at=bindparam("b_as_of"),
    )
)


@dataclass(frozen=True)
class SweepResult:
    as_of: datetime
    judged: int
    alerts_matched: int
    seconds: float
    redone: int = 0  # cases judged again under the lock (changed while a worker judged them)
    workers: int = 1  # processes that judged


def refuse_future(as_of: datetime, now: datetime) -> None:
    """A sweep writes real alerts and marks as of its moment: one later than now would date
    them ahead of time (a card for days not yet overdue). The API and the CLI ask here."""
    if as_of > now:
        raise InvalidInput(
            f"as_of is in the future ({as_of.isoformat()} > now {now.isoformat()}); "
            "a sweep judges only moments that have come",
            detail_zh=f"as_of 晚于当前时间（{as_of.isoformat()}）；巡检只能针对已到来的时刻",
            field="as_of",
        )


def due_cases(session: Session, as_of: datetime, limit: int) -> list[Any]:
    stmt = (
        select(*COLUMNS)
        .where(Case.next_due_at.is_not(None), Case.next_due_at <= as_of)
        .order_by(Case.next_due_at, Case.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).all())


def judge_rows(
    judge: Judge, deps: CoreDeps, rows: Sequence[Any], as_of: datetime
) -> tuple[list[dict[str, Any]], int]:
    """Judge due case rows in memory; returns the rows' new figures (for `write`) and the
    number of rules matched. Reads nothing: the judge holds the cases' alerts."""
    matched, updates = 0, []
    event = {"action": "sweep", "at": as_of.isoformat()}
    for row in rows:
        clock = stored_clock(deps, row, as_of)
        payload = {"event": event, "case": snapshot(deps, row, clock, full_clock=False)}
        found, due = judge_case(judge, deps, row, payload, clock)
        matched += len(found)
        updates.append(
            {
                "b_id": row.id,
                "b_due": due,
                "b_elapsed": clock.elapsed,
                "b_remaining": clock.remaining,
                "b_overdue": clock.overdue,
                "b_running": clock.running,
                "b_as_of": as_of,
            }
        )
    return updates, matched


def prepare(
    session: Session, judge: Judge, rows: Sequence[Any], updates: Sequence[dict[str, Any]]
) -> Prepared | None:
    """What can be made ready for `write` without the database (so before a write lock):
    the alerts' and the cases' parameters, the notified cases' views."""
    dialect = session.get_bind().dialect
    judge.prepare(dialect, {row.id: row for row in rows})
    return prepare_many(dialect, _SET_NEXT, updates)


def write(session: Session, judge: Judge, updates: Prepared | None) -> None:
    """Write what `judge_rows` decided (made ready by `prepare`): alerts, their history and
    notifications, then each case's next look and clock figures."""
    judge.finish()
    run_prepared(session, updates)


def sweep_batch(
    session: Session, deps: CoreDeps, sup: Supervisor, as_of: datetime, limit: int
) -> tuple[int, int]:
    """Judge one batch of due cases as of `as_of` in the session's transaction (which holds
    the write lock on SQLite, and the rows' locks on PostgreSQL); returns (cases judged,
    rules matched)."""
    rows = due_cases(session, as_of, limit)
    if not rows:
        return 0, 0
    judge = Judge.for_cases(session, sup, as_of, [row.id for row in rows], sup.policy_for(deps))
    updates, matched = judge_rows(judge, deps, rows, as_of)
    write(session, judge, prepare(session, judge, rows, updates))
    return len(rows), matched


class Runner(Protocol):
    """Something that judges every due case elsewhere (`supervisor.sweep_pool.SweepPool`)."""

    workers: int

    def run(
        self, sessions: sessionmaker[Session], deps: CoreDeps, sup: Supervisor, as_of: datetime
    ) -> tuple[int, int, int]: ...


def sweep(
    sessions: sessionmaker[Session],
    deps: CoreDeps,
    sup: Supervisor,
    as_of: datetime,
    batch: int = 5000,
    pool: Runner | None = None,
) -> SweepResult:
    """Judge every case due by `as_of`: in this process, one transaction per batch, or
    through `pool`'s worker processes."""
    started = time.perf_counter()
    judged = matched = redone = 0
    if pool is not None:
        judged, matched, redone = pool.run(sessions, deps, sup, as_of)
    else:
        judged, matched = _sweep_here(sessions, deps, sup, as_of, batch)
    workers = pool.workers if pool is not None else 1
    result = SweepResult(as_of, judged, matched, time.perf_counter() - started, redone, workers)
    sup.metrics.sweep_done(result.seconds, deps.now())
    return result


def _sweep_here(
    sessions: sessionmaker[Session], deps: CoreDeps, sup: Supervisor, as_of: datetime, batch: int
) -> tuple[int, int]:
    judged = matched = 0
    # A batch allocates many short-lived objects and frees them together at its end: the
    # cyclic collector would only rescan them again and again meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while True:
            with sessions() as session, session.begin():
                count, hits = sweep_batch(session, deps, sup, as_of, batch)
            judged += count
            matched += hits
            if count < batch:
                return judged, matched
    finally:
        if collecting:
            gc.enable()


def reschedule_open_cases(session: Session, now: datetime) -> int:
    """After the rules changed, look at every open case once more (thresholds may differ)."""
    result = session.execute(
        update(Case).where(Case.state.not_in(TERMINAL)).values(next_due_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
