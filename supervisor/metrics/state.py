"""The current state read from the database at scrape time: open cases and active alerts.

Two GROUP BY queries on one connection per scrape, each answered from a covering index
(`ix_cases_watch`, `ix_alerts_watch`): the database returns a few thousand groups, not rows,
and the figures are folded here. No label names a case, a person or an applicant, and every
known combination (catalogue items with their department, workflow steps, alert levels, stop
types, rules) is reported, with 0 when nothing matches.

The clock figures (remaining and overdue working days, running) are those stored on the case
row, i.e. as of the case's last change (an action, a calendar recompute) or the last sweep that
looked at it (each sweep rewrites them for the cases it judges).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from approval_core.cases.models import Case
from approval_core.cases.workflow import OPEN_STATES, STEP_OF_STATE, CaseState, step_of
from approval_core.catalogue.service import Catalogue
from supervisor.alerts.models import ACTIVE, Alert
from supervisor.metrics.process import LEVELS
from supervisor.notify.models import Delivery
from supervisor.rulebook.compiled import RuleSet
from supervisor.runtime import Supervisor

log = logging.getLogger("sunlight.metrics")
BUCKETS = ("overdue", "0-3", "4-10", "11+", "not_running")
STOPPED = ("suspended", "supplementing")
NONE = "none"  # label value for a column that is empty

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
_CASES = (
    select(*_CASE_COLUMNS, func.count()).where(Case.state.in_(OPEN_STATES)).group_by(*_CASE_COLUMNS)
)
_ALERT_COLUMNS = (Alert.status, Alert.level, Alert.department_code, Alert.item_code, Alert.rule_id)
_DELIVERIES = select(Delivery.status, func.count()).group_by(Delivery.status)
_ALERTS = (
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


def bucket(running: bool, overdue: int, remaining: int) -> str:
    """The remaining-working-days bucket of a case's stored clock."""
    if overdue > 0:
        return "overdue"
    if not running:
        return "not_running"
    if remaining <= 3:
        return "0-3"
    return "4-10" if remaining <= 10 else "11+"


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
        )

    def add_cases(self, rows: Iterable[Sequence[Any]]) -> None:
        for state, item, dept, step, stop_type, running, overdue, remaining, count in rows:
            key = (str(item), str(dept), str(step))
            n = int(count)
            self.open_cases[key] = self.open_cases.get(key, 0) + n
            slot = bucket(bool(running), int(overdue), int(remaining))
            self.by_remaining[slot] += n
            if slot == "overdue":
                self.overdue[key[1]] = self.overdue.get(key[1], 0) + n
            if state in STOPPED:
                kind = str(stop_type or NONE)
                self.stopped[kind] = self.stopped.get(kind, 0) + n

    def add_alerts(self, rows: Iterable[Sequence[Any]]) -> None:
        for _status, level, dept, item, rule_id, count in rows:
            n = int(count)
            key = (str(level), str(dept or NONE), str(item or NONE))
            self.alerts[key] = self.alerts.get(key, 0) + n
            by_rule = (str(rule_id), str(level))
            self.alerts_by_rule[by_rule] = self.alerts_by_rule.get(by_rule, 0) + n


def _gauge(name: str, doc: str, labels: Sequence[str], values: dict[Any, int]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for key, value in sorted(values.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return family


class StateCollector:
    """The DB-derived `sunlight_*` gauges; one connection and two queries per scrape.

    A database that does not answer yields `sunlight_metrics_db_up 0` and no DB figures (rather
    than zeros that would look like good news); the process's own metrics are still served.
    """

    def __init__(self, engine: Engine, sup: Supervisor) -> None:
        self.engine = engine
        self.sup = sup

    def read(self) -> Tallies:
        policy = self.sup.policy  # the catalogue and rules in force at this scrape
        tallies = Tallies.zeros(policy.catalogue, policy.ruleset)
        with self.engine.connect() as conn:
            tallies.add_cases(conn.execute(_CASES))
            tallies.add_alerts(conn.execute(_ALERTS))
            tallies.deliveries = {str(s): int(n) for s, n in conn.execute(_DELIVERIES)}
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
    return [*_case_families(t), *_alert_families(t)]


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
