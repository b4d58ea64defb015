"""The current state read from the database at scrape time: open cases, alerts, conclusions.

By default a scrape reads the running totals (`metric_deltas`, approval_core.tallies): one
small GROUP BY over a table of a few hundred rows, whatever the number of cases. The triggers
of migration 0013 keep them in the transactions that change cases and alerts; the leader folds
them and reconciles them with the full GROUP BY (supervisor/metrics/totals.py). `source="rows"`
reads the case and alert rows themselves instead (two GROUP BY queries answered from covering
indexes, `ix_cases_watch` and `ix_alerts_watch`): the reference the totals are checked against.
No label names a case, a person or an applicant, and every known combination (catalogue items
with their department, workflow steps, alert levels, stop types, rules, timeliness, rating
levels) is reported, with 0 when nothing matches.

The clock figures (remaining and overdue working days, running) are those stored on the case
row, i.e. as of the case's last change (an action, a calendar recompute) or the last sweep that
looked at it (each sweep rewrites them for the cases it judges).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from approval_core.aftercare.kinds import RATING_LEVELS
from approval_core.cases.models import Case
from approval_core.cases.workflow import OPEN_STATES, STEP_OF_STATE, CaseState, step_of
from approval_core.catalogue.service import Catalogue
from approval_core.tallies.service import (
    CONCLUDED,
    NONE,
    OPEN_ALERTS,
    OPEN_CASES,
    RATINGS,
    SEP,
    STOPPED,
    TIMELINESS,
    Totals,
    bucket,
    totals,
)
from supervisor.alerts.models import ACTIVE, Alert
from supervisor.metrics.process import LEVELS
from supervisor.notify.models import Delivery
from supervisor.rulebook.compiled import RuleSet
from supervisor.runtime import Supervisor

log = logging.getLogger("sunlight.metrics")
BUCKETS = ("overdue", "0-3", "4-10", "11+", "not_running")
Source = Literal["totals", "rows"]

# In the order of ix_cases_watch, so that the groups come straight off the index.
_CASE_COLUMNS = (
    Case.state,
    Case.item_code,
    Case.department_code,
    Case.step,
    Case.stop_type,
    Case.clock_running,
    Case.clock_overdue,
    Case.clock_remaining,
)
CASE_GROUPS = (
    select(*_CASE_COLUMNS, func.count()).where(Case.state.in_(OPEN_STATES)).group_by(*_CASE_COLUMNS)
)
_ALERT_COLUMNS = (Alert.status, Alert.level, Alert.department_code, Alert.item_code, Alert.rule_id)
_DELIVERIES = select(Delivery.status, func.count()).group_by(Delivery.status)
ALERT_GROUPS = (
    select(*_ALERT_COLUMNS, func.count()).where(Alert.status.in_(ACTIVE)).group_by(*_ALERT_COLUMNS)
)


def open_steps() -> tuple[str, ...]:
    """Every step an open case can be in, from the workflow (a stopped case keeps its step)."""
    resumable = [s for s in OPEN_STATES if s in STEP_OF_STATE]
    steps = {
        step_of(CaseState(state, back))
        for state in OPEN_STATES
        for back in (None, *resumable)
        if state in STOPPED or back is None
    }
    return tuple(sorted(steps))


@dataclass
class Tallies:
    """The figures of one scrape, keyed by their label values."""

    open_cases: dict[tuple[str, str, str], int] = field(default_factory=dict)
    by_remaining: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    stopped: dict[str, int] = field(default_factory=dict)
    alerts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    alerts_by_rule: dict[tuple[str, str], int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)  # status -> count
    concluded: dict[tuple[str, str, str], int] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)

    @classmethod
    def zeros(cls, catalogue: Catalogue, ruleset: RuleSet) -> Tallies:
        pairs = [(code, item.department) for code, item in catalogue.items.items()]
        return cls(
            open_cases={(i, d, s): 0 for i, d in pairs for s in open_steps()},
            by_remaining=dict.fromkeys(BUCKETS, 0),
            overdue=dict.fromkeys(catalogue.departments, 0),
            stopped=dict.fromkeys(catalogue.stop_types, 0),
            alerts={(level, d, i): 0 for level in LEVELS for i, d in pairs},
            alerts_by_rule={(r.id, r.level): 0 for r in ruleset.rules},
            concluded={(d, i, t): 0 for i, d in pairs for t in TIMELINESS},
            ratings=dict.fromkeys(RATING_LEVELS, 0),
        )

    def add_case(
        self, item: str, dept: str, step: str, slot: str, stop: str | None, n: int
    ) -> None:
        """`n` open cases of one kind; `stop` the stop type of a stopped one (else None)."""
        key = (item, dept, step)
        self.open_cases[key] = self.open_cases.get(key, 0) + n
        self.by_remaining[slot] += n
        if slot == "overdue":
            self.overdue[dept] = self.overdue.get(dept, 0) + n
        if stop is not None:
            self.stopped[stop] = self.stopped.get(stop, 0) + n

    def add_alert(self, level: str, dept: str, item: str, rule_id: str, n: int) -> None:
        key = (level, dept, item)
        self.alerts[key] = self.alerts.get(key, 0) + n
        by_rule = (rule_id, level)
        self.alerts_by_rule[by_rule] = self.alerts_by_rule.get(by_rule, 0) + n

    def add_cases(self, rows: Iterable[Sequence[Any]]) -> None:
        """The groups of `CASE_GROUPS` (the case rows themselves)."""
        for state, item, dept, step, stop_type, running, overdue, remaining, count in rows:
            slot = bucket(bool(running), int(overdue), int(remaining))
            stop = str(stop_type or NONE) if state in STOPPED else None
            self.add_case(str(item), str(dept), str(step), slot, stop, int(count))

    def add_alerts(self, rows: Iterable[Sequence[Any]]) -> None:
        """The groups of `ALERT_GROUPS` (the alert rows themselves)."""
        for _status, level, dept, item, rule_id, count in rows:
            self.add_alert(
                str(level), str(dept or NONE), str(item or NONE), str(rule_id), int(count)
            )

    def add_totals(self, found: Totals, *, open_figures: bool = True) -> None:
        """The running totals (approval_core.tallies); `open_figures` False takes only the
        counters (concluded cases, ratings)."""
        for (metric, labels), n in found.items():
            values = labels.split(SEP)
            if metric == OPEN_CASES and open_figures:
                item, dept, step, slot, stop = values
                self.add_case(item, dept, step, slot, stop or None, n)
            elif metric == OPEN_ALERTS and open_figures:
                level, dept, item, rule_id = values
                self.add_alert(level, dept, item, rule_id, n)
            elif metric == CONCLUDED:
                key = (values[0], values[1], values[2])
                self.concluded[key] = self.concluded.get(key, 0) + n
            elif metric == RATINGS:
                self.ratings[labels] = self.ratings.get(labels, 0) + n


def _gauge(name: str, doc: str, labels: Sequence[str], values: dict[Any, int]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for key, value in sorted(values.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return family


class StateCollector:
    """The DB-derived `sunlight_*` figures; one connection per scrape.

    A database that does not answer yields `sunlight_metrics_db_up 0` and no DB figures (rather
    than zeros that would look like good news); the process's own metrics are still served.
    """

    def __init__(self, engine: Engine, sup: Supervisor, source: Source = "totals") -> None:
        self.engine = engine
        self.sup = sup
        self.source = source

    def read(self) -> Tallies:
        policy = self.sup.policy  # the catalogue and rules in force at this scrape
        tallies = Tallies.zeros(policy.catalogue, policy.ruleset)
        with Session(self.engine) as session:
            rows = self.source == "rows"
            tallies.add_totals(totals(session), open_figures=not rows)
            if rows:
                tallies.add_cases(session.execute(CASE_GROUPS))
                tallies.add_alerts(session.execute(ALERT_GROUPS))
            tallies.deliveries = {str(s): int(n) for s, n in session.execute(_DELIVERIES)}
        return tallies

    def describe(self) -> Iterator[Metric]:
        return iter([_up(True), *_families(Tallies())])

    def collect(self) -> Iterator[Metric]:
        try:
            tallies = self.read()
        except SQLAlchemyError:
            log.exception("metrics: the database did not answer")
            return iter([_up(False)])
        return iter([_up(True), *_families(tallies)])


def _up(ok: bool) -> Metric:
    return GaugeMetricFamily(
        "sunlight_metrics_db_up", "1 if this scrape could read the database", value=1 if ok else 0
    )


def _families(t: Tallies) -> list[Metric]:
    return [*_case_families(t), *_alert_families(t), *_counter_families(t)]


def _counter(name: str, doc: str, labels: Sequence[str], values: dict[Any, int]) -> Metric:
    family = CounterMetricFamily(name, doc, labels=list(labels))
    for key, value in sorted(values.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return family


def _counter_families(t: Tallies) -> list[Metric]:
    """Counters kept in the database: every process and restart reports the same figures."""
    return [
        _counter(
            "sunlight_cases_concluded",
            "Cases concluded (办结), by department, item and timeliness: early (within the "
            "promised limit), on_time (within the statutory limit), late, unclocked",
            ("department", "item", "timeliness"),
            t.concluded,
        ),
        _counter(
            "sunlight_ratings",
            "Ratings given by applicants (好差评), by level",
            ("level",),
            t.ratings,
        ),
    ]


def _case_families(t: Tallies) -> list[Metric]:
    return [
        _gauge(
            "sunlight_open_cases",
            "Open cases by item, department and workflow step",
            ("item", "department", "step"),
            t.open_cases,
        ),
        _gauge(
            "sunlight_open_cases_by_remaining",
            "Open cases by remaining working days of the stored clock (as of each case's last "
            "change): overdue, 0-3, 4-10, 11+, or not_running (not accepted yet, or stopped)",
            ("bucket",),
            t.by_remaining,
        ),
        _gauge(
            "sunlight_overdue_cases",
            "Open cases past their legal limit (stored clock), by department",
            ("department",),
            t.overdue,
        ),
        _gauge(
            "sunlight_stopped_clocks",
            "Open cases whose clock is stopped (suspended or supplementing), by stop type",
            ("stop_type",),
            t.stopped,
        ),
    ]


def _alert_families(t: Tallies) -> list[Metric]:
    return [
        _gauge(
            "sunlight_open_alerts",
            "Active alerts (open, acknowledged or responded) by level, department and item",
            ("level", "department", "item"),
            t.alerts,
        ),
        _gauge(
            "sunlight_open_alerts_by_rule",
            "Active alerts by the rule that raised them and its level",
            ("rule", "level"),
            t.alerts_by_rule,
        ),
        GaugeMetricFamily(
            "sunlight_notification_backlog",
            "Notifications waiting for delivery (pending in the delivery outbox)",
            t.deliveries.get("pending", 0),
        ),
        GaugeMetricFamily(
            "sunlight_notification_dead_letters",
            "Notifications given up after their last retry (dead letters, replayable)",
            t.deliveries.get("dead", 0),
        ),
    ]
