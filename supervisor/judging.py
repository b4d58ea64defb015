"""Bring alerts in line with what the rules say about a batch of subjects, in few queries.

A `Judge` preloads the alerts of the subjects it will judge and the department heads, decides
in memory what to open, keep, reopen or resolve, and writes it all in two flushes (alerts, then
their history rows). One cause never opens two alerts: the cause is the alert's unique key.
Every reopen and resolve passes the alert lifecycle's `transition` (supervisor/alerts/
lifecycle.py); the flush of changed alerts is a compare-and-set on their versions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, Table, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from approval_core.bulk import Prepared, insert_many, insert_statement, prepare_many, run_prepared
from approval_core.calendar import WorkCalendar
from approval_core.db import in_chunks
from approval_core.timeutil import legal_date
from approval_core.users.models import User
from supervisor.alerts.lifecycle import INITIAL, transition
from supervisor.alerts.models import ACTIVE, Alert, AlertEvent
from supervisor.alerts.service import SYSTEM, cause_of
from supervisor.alerts.texts import messages
from supervisor.notify.outbox import case_view, notify_alerts
from supervisor.policy.value import Policy
from supervisor.rulebook.compiled import CompiledRule
from supervisor.runtime import Supervisor

# The tables, for Core executemany inserts (much cheaper than ORM objects in a sweep).
_ALERTS = Table("alerts", Alert.metadata)
_EVENTS = Table("alert_events", AlertEvent.metadata)
_INSERT_ALERTS = insert_statement(_ALERTS)
_ALERTS_OF_CASES = select(Alert).where(Alert.case_id.in_(bindparam("ids", expanding=True)))
_HEADS = (
    select(User.department_code, func.min(User.id))
    .where(User.role == "head", User.active.is_(True))
    .group_by(User.department_code)
)


@dataclass(frozen=True)
class Subject:
    """What a fact is about: a case (case_id set) or a catalogue item ("item:CODE")."""

    key: str
    case_id: str | None
    handler_id: int | None


@dataclass
class Judge:
    session: Session
    sup: Supervisor
    now: datetime
    policy: Policy  # the unit of work's policy: every verdict and message comes from it
    # subject -> cause -> alert (an Alert row, or a SimpleNamespace for one not written yet)
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    heads: dict[str, int] = field(default_factory=dict)
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    _new: list[dict[str, Any]] = field(default_factory=list)
    _concern_lists: dict[str, list[str]] = field(default_factory=dict)
    opened: Counter[str] = field(default_factory=Counter)  # alerts (re)opened, by level
    _prepared: tuple[int, Prepared | None] | None = None
    _views: dict[str, dict[str, Any]] | None = None
    _history: list[tuple[Any, str, str | None, int | None, str | None]] = field(
        default_factory=list
    )

    @classmethod
    def for_cases(
        cls,
        session: Session,
        sup: Supervisor,
        now: datetime,
        case_ids: Sequence[str],
        policy: Policy | None = None,
    ) -> Judge:
        judge = cls(session, sup, now, policy or sup.policy)
        for chunk in in_chunks(case_ids):
            judge._remember(session.scalars(_ALERTS_OF_CASES, {"ids": chunk}))
        judge._load_heads()
        return judge

    @classmethod
    def for_subjects(
        cls,
        session: Session,
        sup: Supervisor,
        now: datetime,
        keys: Sequence[str],
        policy: Policy | None = None,
    ) -> Judge:
        """A judge that knows the alerts of these subject keys (not cases: complaints, ...)."""
        judge = cls(session, sup, now, policy or sup.policy)
        for chunk in in_chunks(keys):
            judge._remember(session.scalars(select(Alert).where(Alert.subject.in_(chunk))))
        judge._load_heads()
        return judge

    @classmethod
    def for_items(
        cls, session: Session, sup: Supervisor, now: datetime, policy: Policy | None = None
    ) -> Judge:
        judge = cls(session, sup, now, policy or sup.policy)
        judge._remember(session.scalars(select(Alert).where(Alert.case_id.is_(None))))
        judge._load_heads()
        return judge

    def __post_init__(self) -> None:
        self.rules = self.policy.ruleset.by_id()

    def evaluate(self, fact: Mapping[str, Any]) -> list[str]:
        """The ids of the rules of this judge's policy that hold for `fact`."""
        return self.sup.evaluate(fact, self.policy)

    def _remember(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            self.alerts.setdefault(alert.subject, {})[alert.cause] = alert

    def _load_heads(self) -> None:
        """Read with the alerts (a sweep judges outside its transaction afterwards)."""
        rows = self.session.execute(_HEADS)
        self.heads = {dept: uid for dept, uid in rows if dept is not None}

    def alert_states(self) -> dict[int, tuple[str, datetime]]:
        """The status and last change of every alert loaded (before judging changes them)."""
        return {
            alert.id: (alert.status, alert.updated_at)
            for alerts in self.alerts.values()
            for alert in alerts.values()
            if isinstance(alert, Alert)
        }

    def open_yellows(self, subject: str) -> list[Any]:
        return [
            a
            for a in self.alerts.get(subject, {}).values()
            if a.level == "yellow" and a.status in ("open", "acknowledged")
        ]

    def yellow_opened_dates(self, subject: str) -> list[date]:
        return [legal_date(a.opened_at) for a in self.open_yellows(subject)]

    def unanswered_days(self, subject: str, calendar: WorkCalendar) -> int:
        """Working days the oldest unanswered yellow card has waited (opening day not counted)."""
        opened = self.yellow_opened_dates(subject)
        if not opened:
            return 0
        return calendar.workdays_in(min(opened), legal_date(self.now))

    def apply(
        self,
        subject: Subject,
        fact: Mapping[str, Any],
        matched: Sequence[str],
        fact_id: int | None = None,
    ) -> None:
        """Open or keep an alert per matched rule; resolve warnings whose cause went."""
        rules = self.rules
        kept: set[str] = set()
        stored = dict(fact)  # one copy, shared by the alerts it opens (written once)
        for rule_id in matched:
            rule = rules[rule_id]
            cause = cause_of(rule, stored, subject.key)
            kept.add(cause)
            self._open(rule, cause, subject, stored, fact_id)
        for cause, alert in self.alerts.get(subject.key, {}).items():
            known = rules.get(alert.rule_id)
            auto = known.auto_resolve if known is not None else alert.level == "warning"
            if auto and alert.status in ACTIVE and cause not in kept:
                before = alert.status
                alert.status = transition(alert, "resolve", None)
                alert.resolved_at, alert.updated_at = self.now, self.now
                self._history.append((alert, "resolve", before, fact_id, "原因已消除 / cause gone"))

    def _concerns(self, rule: CompiledRule) -> list[str]:
        """The rule's concerns as one list per rule (its alerts share it, written once)."""
        found = self._concern_lists.get(rule.id)
        if found is None:
            found = self._concern_lists[rule.id] = list(rule.concerns)
        return found

    def _responsible(
        self, rule: CompiledRule, department: str | None, handler_id: int | None
    ) -> int | None:
        if "handler" in rule.concerns and handler_id is not None:
            return handler_id
        if "head" in rule.concerns and department:
            return self.heads.get(department)
        return None

    def _open(
        self,
        rule: CompiledRule,
        cause: str,
        subject: Subject,
        fact: dict[str, Any],
        fact_id: int | None,
    ) -> None:
        alert = self.alerts.get(subject.key, {}).get(cause)
        if alert is not None and (alert.status in ACTIVE or alert.status == "removed"):
            return  # one cause, one alert; a removed card is not reopened by the same cause
        department = fact.get("department")
        message_zh, message_en = messages(rule, fact)
        values: dict[str, Any] = {
            "legal_basis": rule.legal_basis,
            "title_zh": rule.title_zh,
            "title_en": rule.title_en,
            "message_zh": message_zh,
            "message_en": message_en,
            "ruleset_version": self.policy.version,
            "level": rule.level,
            "status": INITIAL if alert is None else transition(alert, "reopen", None),
            "item_code": fact.get("item"),
            "department_code": department,
            "responsible_user_id": self._responsible(rule, department, subject.handler_id),
            "concerns": self._concerns(rule),
            "response_days": rule.response_days,
            "fact": fact,
            "opened_at": self.now,
            "updated_at": self.now,
            "resolved_at": None,
        }
        before = alert.status if alert is not None else None
        if alert is None:
            # New alerts are inserted in bulk by finish(); keep a light stand-in meanwhile.
            row = {
                "cause": cause,
                "subject": subject.key,
                "version": 1,
                "rule_id": rule.id,
                "case_id": subject.case_id,
                **values,
            }
            self._new.append(row)
            alert = SimpleNamespace(**row)
            self.alerts.setdefault(subject.key, {})[cause] = alert
        else:
            for key, value in values.items():
                setattr(alert, key, value)
        self._history.append((alert, "open" if before is None else "reopen", before, fact_id, None))

    def prepare(self, dialect: Dialect, rows: Mapping[str, Any] | None = None) -> None:
        """Do what `finish` can do without the database, before the caller takes its write
        lock: the new alerts' parameters, and the notified cases' views from `rows` (case id
        -> a row of the case's columns, see `case_view`)."""
        self._prepared = (len(self._new), prepare_many(dialect, _INSERT_ALERTS, self._new))
        if rows is not None:
            opened = [a for a, action, *_ in self._history if action in ("open", "reopen")]
            if all(a.case_id in rows for a in opened):
                self._views = {a.case_id: case_view(rows[a.case_id], a.fact) for a in opened}

    def _ids_by_cause(self, causes: Sequence[str]) -> dict[str, int]:
        """The ids of just inserted alerts (cheaper than RETURNING over many rows)."""
        found: dict[str, int] = {}
        if self.session.get_bind().dialect.name == "postgresql":
            # one query, the causes as one array parameter
            listed = bindparam("causes", list(causes), type_=ARRAY(String))
            stmt = select(Alert.id, Alert.cause).where(Alert.cause == any_(listed))
            return {cause: alert_id for alert_id, cause in self.session.execute(stmt)}
        for chunk in in_chunks(causes):
            stmt = select(Alert.id, Alert.cause).where(Alert.cause.in_(chunk))
            found.update({cause: alert_id for alert_id, cause in self.session.execute(stmt)})
        return found

    def finish(self) -> int:
        """Write the alerts, then their history rows; returns the number of changes."""
        self.session.flush()  # changes to alerts that existed
        ids: dict[str, int] = {}
        if self._new:
            # one bulk write, then the ids by cause
            count, prepared = self._prepared or (-1, None)
            if count != len(self._new):
                prepared = prepare_many(self.session.get_bind().dialect, _INSERT_ALERTS, self._new)
            run_prepared(self.session, prepared)
            ids = self._ids_by_cause([row["cause"] for row in self._new])
            for subject in self.alerts.values():
                for alert in subject.values():
                    if not isinstance(alert, Alert) and alert.cause in ids:
                        alert.id = ids[alert.cause]
        events = [
            {
                "alert_id": alert.id if isinstance(alert, Alert) else ids[alert.cause],
                "action": action,
                "from_status": before,
                "to_status": alert.status,
                "actor_id": None,
                "actor_name": SYSTEM,
                "at": self.now,
                "note": note,
                "fact_id": fact_id,
                "ruleset_version": alert.ruleset_version,
            }
            for alert, action, before, fact_id, note in self._history
        ]
        if events:
            insert_many(self.session, _EVENTS, events)
            # Notifications go to the delivery outbox in this same transaction.
            opened = [a for a, action, *_ in self._history if action in ("open", "reopen")]
            notify_alerts(self.session, self.policy.hours, opened, self.now, self._views)
        changes = len(self._history)
        levels = [a.level for a, action, *_ in self._history if action != "resolve"]
        self.opened.update(levels)
        self.sup.metrics.count_opened(levels)
        self._history, self._new, self._prepared, self._views = [], [], None, None
        return changes
