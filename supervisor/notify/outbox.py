"""Write notifications to the delivery outbox, in the caller's transaction.

Called by the Judge when alerts open or reopen (the same transaction as the alert change), and
by the timers (escalations, repeats) and the digest. Every recipient gets an inbox copy; each of
their enabled contact points on the route's channels gets one `Delivery` row, sent after commit.
A sweep may open thousands of alerts at once, so people, cases and contact points are read
per batch and the rows are written with executemany.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from approval_core.bulk import insert_many
from approval_core.cases.models import Case
from approval_core.db import in_chunks
from approval_core.users.models import User
from supervisor.notify.messages import alert_message, subject, text
from supervisor.notify.models import ContactPoint, Delivery, InboxMessage, NotifyTimer
from supervisor.notify.routing import (
    Hours,
    NotificationRules,
    Route,
    expand_concerned,
)

_INBOX = Table("inbox_messages", InboxMessage.metadata)
_DELIVERIES = Table("deliveries", Delivery.metadata)
_TIMERS = Table("notify_timers", NotifyTimer.metadata)


def case_view(row: Any, fact: Mapping[str, Any]) -> dict[str, Any]:
    """What messages say about a case: `row` is a Case or a row of its columns (id,
    tracking_no, item_code, department_code, clock_due_date, assignee_id, handler_id); the
    clock figures come from the fact that raised the alert (the stored columns are as of the
    case's last event)."""
    return {
        "id": row.id,
        "tracking_no": row.tracking_no,
        "item": row.item_code,
        "item_name": str(fact.get("item_name") or row.item_code),
        "department": row.department_code,
        "due_date": row.clock_due_date.isoformat() if row.clock_due_date else None,
        "overdue": fact.get("overdue"),
        "remaining": fact.get("remaining"),
        "handler_id": row.assignee_id or row.handler_id,
    }


def case_views(session: Session, alerts: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """`case_view` of the alerts' cases, by case id, read from the database."""
    facts = {a.case_id: a.fact for a in alerts if a.case_id is not None}
    columns = (
        Case.id,
        Case.tracking_no,
        Case.item_code,
        Case.department_code,
        Case.clock_due_date,
        Case.assignee_id,
        Case.handler_id,
    )
    views: dict[str, dict[str, Any]] = {}
    for chunk in in_chunks(sorted(facts)):
        for row in session.execute(select(*columns).where(Case.id.in_(chunk))):
            views[row.id] = case_view(row, facts[row.id])
    return views


@dataclass
class Directory:
    """Who a route's recipients are, read once per batch."""

    session: Session
    rules: NotificationRules
    _heads: dict[str, int] | None = None
    _roles: dict[str, list[int]] = field(default_factory=dict)

    def resolve(
        self, targets: Iterable[str], alert: Any, case: Mapping[str, Any] | None
    ) -> list[int]:
        """User ids named by `targets` for this alert, each once, in order; `concerned`
        stands for the people the alert's rule concerns (`alert.concerns`)."""
        found: list[int] = []
        for target in expand_concerned(targets, getattr(alert, "concerns", None) or ()):
            if target == "handler":
                found += [case["handler_id"]] if case and case["handler_id"] else []
            elif target == "head":
                head = self.heads().get(alert.department_code or "")
                found += [head] if head is not None else []
            elif target == "supervisors":
                found += self.with_role("supervisor")
            elif target.startswith("user:"):
                found.append(int(target[5:]))
            else:
                group = self.rules.groups[target.removeprefix("group:")]
                found += [*group.users, *(u for r in group.roles for u in self.with_role(r))]
        return list(dict.fromkeys(found))

    def heads(self) -> dict[str, int]:
        if self._heads is None:
            rows = self.session.execute(
                select(User.department_code, func.min(User.id))
                .where(User.role == "head", User.active.is_(True))
                .group_by(User.department_code)
            )
            self._heads = {dept: uid for dept, uid in rows if dept is not None}
        return self._heads

    def with_role(self, role: str) -> list[int]:
        if role not in self._roles:
            stmt = select(User.id).where(User.role == role, User.active.is_(True))
            self._roles[role] = list(self.session.scalars(stmt.order_by(User.id)))
        return self._roles[role]


@dataclass
class Outbox:
    """Messages collected during a use case and written together by `write()`."""

    session: Session
    now: datetime
    _wanted: list[tuple[str, int, dict[str, Any], Sequence[str], datetime, int | None]] = field(
        default_factory=list
    )

    def add(
        self,
        message: dict[str, Any],
        users: Sequence[int],
        channels: Sequence[str],
        *,
        send_at: datetime,
        alert_id: int | None,
        key: str,
    ) -> None:
        """`key` names the message; a user's copy of it is written once even if added again."""
        for user_id in users:
            self._wanted.append((f"{key}:{user_id}", user_id, message, channels, send_at, alert_id))

    def write(self) -> int:
        """Insert the inbox copies and the deliveries; returns the number of deliveries."""
        wanted, self._wanted = self._wanted, []
        keys = [w[0] for w in wanted]
        seen: set[str] = set()
        for chunk in in_chunks(keys):
            seen.update(
                self.session.scalars(select(InboxMessage.key).where(InboxMessage.key.in_(chunk)))
            )
        points = self._points(sorted({w[1] for w in wanted}))
        inbox, deliveries = [], []
        for key, user_id, message, channels, send_at, alert_id in wanted:
            if key in seen:
                continue
            seen.add(key)
            inbox.append(_inbox(key, user_id, message, alert_id, self.now))
            deliveries += [
                _delivery(p, message, alert_id, send_at, self.now)
                for p in points.get(user_id, [])
                if p.channel in channels
            ]
        for table, rows in ((_INBOX, inbox), (_DELIVERIES, deliveries)):
            if rows:
                insert_many(self.session, table, rows)
        return len(deliveries)

    def _points(self, users: Sequence[int]) -> dict[int, list[ContactPoint]]:
        found: dict[int, list[ContactPoint]] = {}
        for chunk in in_chunks(users):
            stmt = select(ContactPoint).where(
                ContactPoint.user_id.in_(chunk), ContactPoint.enabled.is_(True)
            )
            for point in self.session.scalars(stmt.order_by(ContactPoint.id)):
                found.setdefault(point.user_id, []).append(point)
        return found


def _inbox(
    key: str, user_id: int, message: dict[str, Any], alert_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "key": key,
        "user_id": user_id,
        "kind": message["kind"],
        "alert_id": alert_id,
        "subject": subject(message, "zh"),
        "body": text(message, "zh"),
        "message": message,
        "created_at": now,
        "read_at": None,
    }


def _delivery(
    point: ContactPoint,
    message: dict[str, Any],
    alert_id: int | None,
    send_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    return {
        "key": f"msg_{uuid.uuid4().hex}",
        "kind": message["kind"],
        "alert_id": alert_id,
        "user_id": point.user_id,
        "channel": point.channel,
        "address": point.address,
        "secret": point.secret,
        "language": point.language,
        "message": message,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": send_at,
        "claimed_until": None,
        "created_at": now,
        "delivered_at": None,
        "last_error": None,
    }


def fan_out(
    session: Session,
    message: dict[str, Any],
    users: Sequence[int],
    channels: Sequence[str],
    *,
    send_at: datetime,
    now: datetime,
    alert_id: int | None,
    key: str,
) -> int:
    """One message to some people now (an Outbox of one); returns deliveries written."""
    outbox = Outbox(session, now)
    outbox.add(message, users, channels, send_at=send_at, alert_id=alert_id, key=key)
    return outbox.write()


def notify_alerts(
    session: Session,
    hours: Hours | None,
    alerts: Sequence[Any],
    now: datetime,
    views: Mapping[str, dict[str, Any]] | None = None,
) -> int:
    """Notify alerts that just opened or reopened, in the caller's transaction; returns the
    deliveries written. Each alert is an Alert or any object with its columns (the Judge
    passes what it holds, so a large sweep reads nothing back); `views` are the cases'
    `case_view`s when the caller has them (else they are read). `hours` are the routing and
    calendar of the policy the alerts were judged with."""
    if hours is None or not alerts:
        return 0  # the policy has no routing
    rules = hours.rules
    sender = RouteSender(session, rules, hours, now)
    cases = views if views is not None else case_views(session, alerts)
    timers: list[dict[str, Any]] = []
    for alert in alerts:
        for route in rules.routes_for(alert):
            if not route.digest_only:
                sender.send(route, alert, cases.get(alert.case_id or ""), "alert")
                timers += sender.timers(route, alert)
    if timers:
        insert_many(session, _TIMERS, timers)
    return sender.outbox.write()


@dataclass
class RouteSender:
    """Sends alerts along routes into one Outbox."""

    session: Session
    rules: NotificationRules
    hours: Hours
    now: datetime
    outbox: Outbox = field(init=False)
    people: Directory = field(init=False)
    _moments: dict[Any, datetime] = field(default_factory=dict)  # same `now`, same answers

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.session, self.now)
        self.people = Directory(self.session, self.rules)

    def send(
        self,
        route: Route,
        alert: Any,
        case: Mapping[str, Any] | None,
        kind: str,
        targets: Sequence[str] = (),
        step: int = 0,
    ) -> None:
        users = self.people.resolve(targets or route.to, alert, case)
        if not users:
            return
        send_at = self._send_at(alert.level, route.working_hours_only)
        key = f"{kind}:{alert.id}:{alert.opened_at.timestamp():.0f}:{route.name}:{step}"
        self.outbox.add(
            alert_message(alert, case, kind),
            users,
            route.channels,
            send_at=send_at,
            alert_id=alert.id,
            key=key,
        )

    def _send_at(self, level: str, working_only: bool) -> datetime:
        if (level, working_only) not in self._moments:
            moment = self.hours.send_at(self.now, level, working_only)
            self._moments[(level, working_only)] = moment
        return self._moments[(level, working_only)]

    def _after(self, days: int) -> datetime:
        if days not in self._moments:
            self._moments[days] = self.hours.after_working_days(self.now, days)
        return self._moments[days]

    def timers(self, route: Route, alert: Any) -> list[dict[str, Any]]:
        """The later looks a route asks for: escalations, then the first repeat."""
        rows = [
            {
                "alert_id": alert.id,
                "kind": "escalate",
                "route": route.name,
                "step": step,
                "due_at": self._after(e.after_working_days),
                "done_at": None,
            }
            for step, e in enumerate(route.escalate)
        ]
        if route.repeat_working_days:
            due = self._after(route.repeat_working_days)
            rows.append(
                {
                    "alert_id": alert.id,
                    "kind": "repeat",
                    "route": route.name,
                    "step": 0,
                    "due_at": due,
                    "done_at": None,
                }
            )
        return rows
