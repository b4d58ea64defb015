"""The leader's care of the running totals: fold the increments, and check them against the rows.

`compact` folds `metric_deltas` into one row per key, so a scrape sums a few hundred rows.
`reconcile` counts the open cases, active alerts and ratings from their own rows (the GROUP BY
a scrape used to run) and, where a running total differs, logs the drift and adds the
difference: a trigger dropped by a migration or a row changed by hand shows up in the log and
is repaired within one run. Each runs in one transaction that sees one snapshot (REPEATABLE
READ on PostgreSQL), so actions committed meanwhile are neither counted twice nor lost.
Concluded cases are not reconciled: their timeliness needs each case's history replayed (the
statistics report, supervisor/evaluation/statistics.py, is the reference).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.aftercare.models import Rating
from approval_core.tallies.service import (
    OPEN_ALERTS,
    OPEN_CASES,
    RATINGS,
    alert_labels,
    bucket,
    case_labels,
    compact,
    repair,
)
from supervisor.metrics.state import ALERT_GROUPS, CASE_GROUPS

log = logging.getLogger("sunlight.metrics")


@dataclass(frozen=True)
class Reconciled:
    """The keys that drifted, by metric: labels -> (running total, counted from the rows)."""

    drift: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.drift.values())


def _snapshot(session: Session) -> None:
    """One snapshot for the whole transaction (SQLite's BEGIN IMMEDIATE already is one)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _open_cases(session: Session) -> Counter[str]:
    cases: Counter[str] = Counter()
    for state, item, dept, step, stop, running, overdue, remaining, n in session.execute(
        CASE_GROUPS
    ):
        slot = bucket(bool(running), int(overdue), int(remaining))
        cases[case_labels(item, dept, step, state, stop, slot)] += n
    return cases


def _active_alerts(session: Session) -> Counter[str]:
    alerts: Counter[str] = Counter()
    for _status, level, dept, item, rule_id, n in session.execute(ALERT_GROUPS):
        alerts[alert_labels(level, dept, item, rule_id)] += n
    return alerts


def counted(session: Session) -> dict[str, Counter[str]]:
    """The open cases, active alerts and ratings counted from their rows, by labels."""
    by_level = select(Rating.level, func.count()).group_by(Rating.level)
    ratings = Counter({str(level): int(n) for level, n in session.execute(by_level)})
    return {
        OPEN_CASES: _open_cases(session),
        OPEN_ALERTS: _active_alerts(session),
        RATINGS: ratings,
    }


def reconcile(sessions: sessionmaker[Session]) -> Reconciled:
    """Compare every running total with its rows; log and repair what drifted."""
    with sessions() as session, session.begin():
        _snapshot(session)
        drift = {
            metric: repair(session, metric, truth) for metric, truth in counted(session).items()
        }
    result = Reconciled({metric: found for metric, found in drift.items() if found})
    for metric, found in result.drift.items():
        log.error(
            "metrics: running totals of %s drifted on %d keys (repaired): %s",
            metric,
            len(found),
            dict(sorted(found.items())[:20]),
        )
    return result


def compact_totals(sessions: sessionmaker[Session]) -> int:
    """Fold the increments into one row per key; the number of rows removed."""
    with sessions() as session, session.begin():
        _snapshot(session)
        return compact(session)
