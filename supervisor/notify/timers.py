"""Time-driven notifications: escalations of unacknowledged alerts, repeats of unresolved
cards, and the daily digest per handler. Each runs in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.snapshot import stored_clock
from approval_core.cases.workflow import TERMINAL
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.timeutil import LEGAL_TZ, legal_date
from supervisor.alerts.models import ACTIVE, Alert
from supervisor.notify.models import NotifyTimer
from supervisor.notify.outbox import RouteSender, case_views, fan_out, hours_for
from supervisor.notify.routing import _t, load_routing


def run_timers(session: Session, rules_dir: Path, now: datetime) -> int:
    """Fire the timers that are due; returns deliveries written."""
    rules = load_routing(rules_dir)
    if rules is None:
        return 0
    hours = hours_for(rules_dir, rules)
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


def send_digests(session: Session, deps: CoreDeps, rules_dir: Path, now: datetime) -> int:
    """Once a working day, after `digest.at`: each handler's due-soon and overdue cases in one
    message (their clocks as of now). Returns deliveries written; calling it again the same
    day writes nothing (the day is in the message key)."""
    rules = load_routing(rules_dir)
    if rules is None:
        return 0
    local = now.astimezone(LEGAL_TZ)
    if not deps.calendar.is_workday(local.date()) or local.time() < _t(rules.digest.at):
        return 0
    by_handler: dict[int, list[Line]] = defaultdict(list)
    stmt = select(Case).where(Case.state.not_in(TERMINAL), Case.clock_started_on.is_not(None))
    for case in session.scalars(stmt.order_by(Case.tracking_no)):
        handler = case.assignee_id or case.handler_id
        clock = stored_clock(deps, case, now)
        soon = clock.running and clock.remaining <= rules.digest.due_soon_days
        if handler is not None and (clock.overdue > 0 or soon):
            by_handler[handler].append(Line(case.tracking_no, case.item_code, clock))
    total, day = 0, legal_date(now).isoformat()
    for handler, lines in sorted(by_handler.items()):
        total += fan_out(
            session,
            digest_message(lines, day),
            [handler],
            rules.digest.channels,
            send_at=now,
            now=now,
            alert_id=None,
            key=f"digest:{day}",
        )
    return total


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


def digest_message(lines: list[Line], day: str) -> dict[str, Any]:
    overdue = [x for x in lines if x.clock.overdue > 0]
    soon = [x for x in lines if x.clock.overdue == 0]
    zh = [f"【每日汇总】{day} 已超期 {len(overdue)} 件，即将到期 {len(soon)} 件"]
    en = [f"[Daily digest] {day}: {len(overdue)} overdue, {len(soon)} due soon"]
    for x in overdue:
        due = x.clock.due_date
        zh.append(f"超期 {x.clock.overdue} 个工作日：{x.tracking_no}（{x.item}）期限 {due}")
        en.append(f"overdue by {x.clock.overdue}: {x.tracking_no} due {due}")
    for x in soon:
        due = x.clock.due_date
        zh.append(f"剩余 {x.clock.remaining} 个工作日：{x.tracking_no}（{x.item}）期限 {due}")
        en.append(f"{x.clock.remaining} left: {x.tracking_no} due {due}")
    return {
        "event": "digest.daily",
        "kind": "digest",
        "date": day,
        "subject_zh": zh[0],
        "subject_en": en[0],
        "text_zh": "\n".join(zh),
        "text_en": "\n".join(en),
        "cases": [x.view() for x in overdue + soon],
    }
