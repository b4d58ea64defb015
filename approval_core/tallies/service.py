"""Running totals: add an increment, read the sums, fold them, and repair them from the truth.

The labels of a figure are stored joined by `SEP`; none of the label values (codes of items,
departments, steps, rules, levels) contains it. The callers own the transaction (services add
and flush): `add` is written with the change it counts, `compact` and `repair` run in a job's
transaction that sees one snapshot (REPEATABLE READ on PostgreSQL, BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from approval_core.clock.schemas import ClockResult
from approval_core.tallies.models import MetricDelta

SEP = "|"
OPEN_CASES = "open_cases"  # item|department|step|bucket|stop type ("" unless stopped)
OPEN_ALERTS = "open_alerts"  # level|department|item|rule
CONCLUDED = "concluded"  # department|item|timeliness (a counter)
RATINGS = "ratings"  # level (a counter)
NONE = "none"  # label value for an empty column
STOPPED = ("suspended", "supplementing")
TIMELINESS = ("early", "on_time", "late", "unclocked")

Totals = dict[tuple[str, str], int]  # (metric, labels) -> sum


def bucket(running: bool, overdue: int, remaining: int) -> str:
    """The remaining-working-days bucket of a case's stored clock."""
    if overdue > 0:
        return "overdue"
    if not running:
        return "not_running"
    if remaining <= 3:
        return "0-3"
    return "4-10" if remaining <= 10 else "11+"


def case_labels(
    item: str, department: str, step: str, state: str, stop_type: str | None, slot: str
) -> str:
    """The labels an open case is counted under (the triggers of migration 0013 write the same
    from the row's columns; `supervisor.metrics.totals.reconcile` checks they agree)."""
    stop = (stop_type or NONE) if state in STOPPED else ""
    return SEP.join((item, department, step, slot, stop))


def alert_labels(level: str, department: str | None, item: str | None, rule_id: str) -> str:
    return SEP.join((level, department or NONE, item or NONE, rule_id))


def timeliness(clock: ClockResult) -> str:
    """How a case was concluded: early (within the promised limit, 承诺时限), on time (within
    the statutory limit and a lawful extension), late, or unclocked (its clock never started)."""
    if clock.started_on is None:
        return "unclocked"
    if clock.overdue > 0:
        return "late"
    if clock.promised is not None and clock.promised.overdue == 0:
        return "early"
    return "on_time"


def add(session: Session, metric: str, labels: Sequence[str], delta: int = 1) -> None:
    """One increment, written with the caller's transaction."""
    session.add(MetricDelta(metric=metric, labels=SEP.join(labels), delta=delta))


def totals(session: Session, metrics: Sequence[str] | None = None) -> Totals:
    """The current sums, by (metric, labels); keys whose sum is 0 are left out."""
    stmt = select(MetricDelta.metric, MetricDelta.labels, func.sum(MetricDelta.delta)).group_by(
        MetricDelta.metric, MetricDelta.labels
    )
    if metrics is not None:
        stmt = stmt.where(MetricDelta.metric.in_(metrics))
    return {(m, labels): int(n) for m, labels, n in session.execute(stmt) if n}


def compact(session: Session) -> int:
    """Fold the increments into one row per key (keys summing to 0 go); rows removed.

    Only the rows this transaction sees are folded: on PostgreSQL the caller runs it in
    REPEATABLE READ, so an increment committed meanwhile is neither summed nor deleted."""
    last = session.scalar(select(func.max(MetricDelta.id)))
    rows = session.scalar(select(func.count()).select_from(MetricDelta))
    sums = totals(session)
    if last is None or not rows or rows == len(sums):
        return 0
    session.execute(delete(MetricDelta).where(MetricDelta.id <= last))
    if sums:
        session.execute(
            insert(MetricDelta),
            [{"metric": m, "labels": labels, "delta": n} for (m, labels), n in sums.items()],
        )
    return int(rows) - len(sums)


def repair(session: Session, metric: str, truth: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """Make the sums of `metric` equal `truth` (labels -> count) by adding the differences;
    returns the keys that drifted, with (running total, truth)."""
    found = {labels: n for (_, labels), n in totals(session, [metric]).items()}
    drift = {
        labels: (found.get(labels, 0), truth.get(labels, 0))
        for labels in found.keys() | truth.keys()
        if found.get(labels, 0) != truth.get(labels, 0)
    }
    for labels, (have, want) in drift.items():
        session.add(MetricDelta(metric=metric, labels=labels, delta=want - have))
    session.flush()
    return drift
