"""Time-driven notifications: escalations of unacknowledged alerts, repeats of unresolved
cards, and the daily digest per person (a handler's due-soon and overdue cases, and the alerts
that `digest_only` routes send them). Each runs in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.snapshot import stored_clock
from approval_core.cases.workflow import TERMINAL
from approval_core.clock.schemas import ClockResult
from approval_core.clock.units import DAY_WORD
from approval_core.context import CoreDeps
from approval_core.timeutil import LEGAL_TZ, legal_date
from supervisor.alerts.models import ACTIVE, Alert
from supervisor.notify.messages import LEVEL_ZH
from supervisor.notify.models import NotifyTimer
from supervisor.notify.outbox import Directory, RouteSender, case_views, fan_out
from supervisor.notify.routing import Hours, Match, NotificationRules, _t


def run_timers(session: Session, hours: Hours | None, now: datetime) -> int:
    """Fire the timers that are due, along the routes of the policy in force (`hours`: its
    routing and calendar); returns deliveries written."""
    if hours is None:
        return 0
    rules = hours.rules
    due = session.scalars(
        select(NotifyTimer)
        .where(NotifyTimer.done_at.is_(None), NotifyTimer.due_at <= now)
        .order_by(NotifyTimer.due_at, NotifyTimer.id)
    ).all()
    sender = RouteSender(session, rules, hours, now)
    for timer in due:
        timer.done_at = now
        alert = session.get(Alert, timer.alert_id)
        route = rules.route(timer.route)
        if alert is None or route is None:
            continue  # the route was renamed or removed: nothing to escalate by
        case = case_views(session, [alert]).get(alert.case_id or "")
        if timer.kind == "escalate" and alert.status == "open" and timer.step < len(route.escalate):
            targets = route.escalate[timer.step].to
            sender.send(route, alert, case, "escalation", targets, timer.step)
        elif timer.kind == "repeat" and alert.status in ACTIVE and route.repeat_working_days:
            step = timer.step + 1
            sender.send(route, alert, case, "repeat", step=step)
            due_at = hours.after_working_days(now, route.repeat_working_days)
            session.add(
                NotifyTimer(
                    alert_id=alert.id, kind="repeat", route=route.name, step=step, due_at=due_at
                )
            )
    session.flush()
    return sender.outbox.write()


def send_digests(session: Session, deps: CoreDeps, hours: Hours | None, now: datetime) -> int:
    """Once a working day, after `digest.at`: one message per person with their due-soon and
    overdue cases as handler (clocks as of now) and the active alerts that `digest_only` routes
    send them (e.g. steps over their limit). Returns deliveries written; calling it again the
    same day writes nothing (the day is in the message key)."""
    if hours is None:
        return 0
    rules = hours.rules
    local = now.astimezone(LEGAL_TZ)
    if not deps.calendar.is_workday(local.date()) or local.time() < _t(rules.digest.at):
        return 0
    cases = _case_lines(session, deps, rules, now)
    alerts = digest_alerts(session, rules)
    total, day = 0, legal_date(now).isoformat()
    for user in sorted(set(cases) | set(alerts)):
        total += fan_out(
            session,
            digest_message(cases.get(user, []), day, alerts.get(user, [])),
            [user],
            rules.digest.channels,
            send_at=now,
            now=now,
            alert_id=None,
            key=f"digest:{day}",
        )
    return total


def _case_lines(
    session: Session, deps: CoreDeps, rules: NotificationRules, now: datetime
) -> dict[int, list[Line]]:
    """Each handler's open cases that are overdue or due within `digest.due_soon_days`."""
    by_handler: dict[int, list[Line]] = defaultdict(list)
    stmt = select(Case).where(Case.state.not_in(TERMINAL), Case.clock_started_on.is_not(None))
    for case in session.scalars(stmt.order_by(Case.tracking_no)):
        handler = case.assignee_id or case.handler_id
        clock = stored_clock(deps, case, now)
        soon = clock.running and clock.remaining <= rules.digest.due_soon_days
        if handler is not None and (clock.overdue > 0 or soon):
            by_handler[handler].append(Line(case.tracking_no, case.item_code, clock))
    return by_handler


def digest_alerts(session: Session, rules: NotificationRules) -> dict[int, list[AlertLine]]:
    """The active alerts each person is told of only in the digest: those matching a
    `digest_only` route, to that route's recipients (in the order the alerts opened)."""
    routes = [r for r in rules.routes if r.digest_only]
    if not routes:
        return {}
    stmt = select(Alert).where(Alert.status.in_(ACTIVE), or_(*(_where(r.when) for r in routes)))
    found = session.scalars(stmt.order_by(Alert.opened_at, Alert.id)).all()
    views = case_views(session, found)
    people = Directory(session, rules)
    by_user: dict[int, dict[int, AlertLine]] = defaultdict(dict)
    for alert in found:
        case = views.get(alert.case_id or "")
        line = AlertLine.of(alert, case)
        for route in rules.routes_for(alert):
            if route.digest_only:
                for user in people.resolve(route.to, alert, case):
                    by_user[user].setdefault(alert.id, line)
    return {user: list(lines.values()) for user, lines in by_user.items()}


def _where(when: Match) -> ColumnElement[bool]:
    """`when` as a condition on alert rows (the same test as `routes_for`)."""
    pairs = (
        (Alert.level, when.levels),
        (Alert.rule_id, when.rules),
        (Alert.item_code, when.items),
        (Alert.department_code, when.departments),
    )
    return and_(true(), *(column.in_(wanted) for column, wanted in pairs if wanted))


@dataclass(frozen=True)
class Line:
    tracking_no: str
    item: str
    clock: ClockResult

    def view(self) -> dict[str, Any]:
        due = self.clock.due_date.isoformat() if self.clock.due_date else None
        return {
            "tracking_no": self.tracking_no,
            "item": self.item,
            "due_date": due,
            "overdue": self.clock.overdue,
            "remaining": self.clock.remaining,
        }


@dataclass(frozen=True)
class AlertLine:
    """One alert listed in a digest."""

    id: int
    rule_id: str
    level: str
    tracking_no: str | None
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, alert: Alert, case: Mapping[str, Any] | None) -> AlertLine:
        tracking_no = case["tracking_no"] if case else None
        return cls(
            alert.id, alert.rule_id, alert.level, tracking_no, alert.message_zh, alert.message_en
        )

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "level": self.level,
            "tracking_no": self.tracking_no,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def digest_message(lines: list[Line], day: str, alerts: Sequence[AlertLine] = ()) -> dict[str, Any]:
    overdue = [x for x in lines if x.clock.overdue > 0]
    soon = [x for x in lines if x.clock.overdue == 0]
    zh = [f"【每日汇总】{day} 已超期 {len(overdue)} 件，即将到期 {len(soon)} 件"]
    en = [f"[Daily digest] {day}: {len(overdue)} overdue, {len(soon)} due soon"]
    if alerts:
        zh[0] += f"，提醒 {len(alerts)} 条"
        en[0] += f", {len(alerts)} alert(s)"
    for x in overdue:
        due, word = x.clock.due_date, DAY_WORD[x.clock.unit]
        zh.append(f"超期 {x.clock.overdue} {word}：{x.tracking_no}（{x.item}）期限 {due}")
        en.append(f"overdue by {x.clock.overdue}: {x.tracking_no} due {due}")
    for x in soon:
        due, word = x.clock.due_date, DAY_WORD[x.clock.unit]
        zh.append(f"剩余 {x.clock.remaining} {word}：{x.tracking_no}（{x.item}）期限 {due}")
        en.append(f"{x.clock.remaining} left: {x.tracking_no} due {due}")
    for a in alerts:
        # Alert texts opened since issue 14 begin with 【tracking number】 themselves.
        named = a.tracking_no and not a.message_zh.startswith("【")
        where_zh, where_en = (f"{a.tracking_no}：", f"{a.tracking_no}: ") if named else ("", "")
        zh.append(f"{LEVEL_ZH.get(a.level, a.level)}：{where_zh}{a.message_zh}")
        en.append(f"{a.level}: {where_en}{a.message_en}")
    return {
        "event": "digest.daily",
        "kind": "digest",
        "date": day,
        "subject_zh": zh[0],
        "subject_en": en[0],
        "text_zh": "\n".join(zh),
        "text_en": "\n".join(en),
        "cases": [x.view() for x in overdue + soon],
        "alerts": [a.view() for a in alerts],
    }
