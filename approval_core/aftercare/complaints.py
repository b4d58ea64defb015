"""投诉: register, accept or reject, handle, conclude; a 5-working-day acceptance limit.

The limit runs on the legal calendar: the day the complaint arrives is not counted, so the due
date is the 5th working day after it. Every step is kept in `steps`, oldest first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.aftercare.models import Complaint
from approval_core.aftercare.schemas import ComplaintIn, ComplaintStepIn
from approval_core.calendar import WorkCalendar
from approval_core.cases import service as cases
from approval_core.catalogue.schemas import DEFAULT_COMPLAINT_ACCEPTANCE_DAYS, ClockSettings
from approval_core.clock.units import DayUnit, counter_for, period_end
from approval_core.context import Actor, CoreDeps
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from approval_core.timeutil import ensure_aware, legal_date
from approval_core.versioned import compare_and_set, expect

STAFF = ("clerk", "handler", "reviewer", "head", "supervisor", "admin")
HANDLERS = ("head", "supervisor", "admin")
# action -> (states it may follow, state it leads to)
_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": (("registered",), "accepted"),
    "reject": (("registered",), "rejected"),
    "handle": (("accepted",), "handling"),
    "conclude": (("accepted", "handling"), "concluded"),
}


def _department(session: Session, deps: CoreDeps, actor: Actor, body: ComplaintIn) -> str:
    if body.case_id is not None:
        return cases.scoped_case(session, actor, body.case_id).department_code
    if body.department is None:
        raise InvalidInput(
            "name the case or the department complained about",
            detail_zh="请填写被投诉的案件或部门",
            field="department",
        )
    if body.department not in deps.catalogue.departments:
        raise InvalidInput(
            f"unknown department {body.department}", detail_zh="部门不存在", field="department"
        )
    return body.department


def _step(actor: Actor, action: str, now: datetime, note: str | None) -> dict[str, Any]:
    return {
        "action": action,
        "at": ensure_aware(now).isoformat(),
        "by": actor.name,
        "role": actor.role,
        "note": note,
    }


def file_complaint(session: Session, deps: CoreDeps, actor: Actor, body: ComplaintIn) -> Complaint:
    """Register a complaint; applicants complain online, staff record the other channels."""
    if actor.role == "applicant" and body.channel != "online":
        raise Forbidden(
            "applicants complain online; staff record letters, visits and calls",
            detail_zh="申请人只能在线投诉；来信、来访、来电由工作人员登记",
        )
    if actor.role not in ("applicant", *STAFF):
        raise Forbidden("this role cannot file complaints", detail_zh="该角色不能登记投诉")
    department = _department(session, deps, actor, body)
    now = deps.now()
    received = legal_date(now)
    complaint = Complaint(
        case_id=body.case_id,
        department_code=department,
        channel=body.channel,
        complainant=body.complainant,
        contact=body.contact,
        content=body.content,
        status="registered",
        received_on=received,
        accept_due=accept_due(deps.calendar, received, deps.catalogue.clock),
        steps=[_step(actor, "register", now, None)],
        created_at=now,
        updated_at=now,
    )
    session.add(complaint)
    session.flush()
    return complaint


def complaint_period(clock: ClockSettings | None) -> tuple[int, DayUnit]:
    """The complaint acceptance limit of rules/timeliness.yaml (clock.complaint_acceptance)."""
    period = clock.complaint_acceptance if clock is not None else None
    if period is None:
        return DEFAULT_COMPLAINT_ACCEPTANCE_DAYS, "working_days"
    return period.days, period.unit


def accept_due(calendar: WorkCalendar, received: date, clock: ClockSettings) -> date:
    """The last day to accept: the limit's last day after the day it arrived (a natural-day
    limit ending on a rest day ends on the next working day)."""
    days, unit = complaint_period(clock)
    return period_end(received, days, unit, calendar)


def overdue_days(
    calendar: WorkCalendar, complaint: Complaint, today: date, clock: ClockSettings | None = None
) -> int:
    """Days (of the limit's unit) past the acceptance limit while still only registered."""
    if complaint.status != "registered":
        return 0
    _, unit = complaint_period(clock)
    return counter_for(unit, calendar).days_in(complaint.accept_due, today)


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not _may_see(actor, complaint):
        raise NotFound(f"no complaint {complaint_id}", detail_zh="投诉不存在", field="complaint_id")
    return complaint


def _may_see(actor: Actor, complaint: Complaint) -> bool:
    if actor.role in ("supervisor", "admin", "policy"):
        return True
    return actor.role in STAFF and actor.department == complaint.department_code


def state(complaint: Complaint) -> dict[str, Any]:
    """The complaint's state as a refusal reports it."""
    return {"id": complaint.id, "status": complaint.status, "version": complaint.version}


def take_step(
    session: Session,
    deps: CoreDeps,
    actor: Actor,
    complaint_id: int,
    body: ComplaintStepIn,
    expected: int | None = None,
) -> Complaint:
    """One handling step; concluding needs the outcome, rejecting needs a reason (note).

    A compare-and-set on the complaint's version (`expected`, else the one read): of two
    concurrent steps one wins, the other is refused with the complaint as it stands."""
    complaint = get_complaint(session, actor, complaint_id)
    if actor.role not in HANDLERS:
        raise Forbidden("only a head or a supervisor handles complaints", detail_zh="无权处理投诉")
    expect(complaint, expected, state)
    allowed, target = _STEPS[body.action]
    if complaint.status not in allowed:
        raise IllegalTransition(
            f"cannot {body.action} a complaint that is {complaint.status}",
            detail_zh="投诉当前状态下不能执行此步骤",
            field="action",
            current=state(complaint),
        )
    if body.action == "conclude" and not body.outcome:
        raise InvalidInput(
            "concluding needs the outcome", detail_zh="办结须写明处理结果", field="outcome"
        )
    if body.action == "reject" and not body.note:
        raise InvalidInput("rejecting needs a reason", detail_zh="不予受理须说明理由", field="note")
    now = deps.now()
    with compare_and_set(session, complaint, state):
        complaint.status, complaint.updated_at = target, now
        if body.outcome:
            complaint.outcome = body.outcome
        step = _step(actor, body.action, now, body.note or body.outcome)
        complaint.steps = [*complaint.steps, step]
    return complaint


def pending(session: Session) -> list[Complaint]:
    """Complaints still waiting to be accepted (the escalation check looks at these)."""
    return list(session.scalars(select(Complaint).where(Complaint.status == "registered")))


def view(
    complaint: Complaint, calendar: WorkCalendar, today: date, clock: ClockSettings | None = None
) -> dict[str, Any]:
    return {
        "id": complaint.id,
        "case_id": complaint.case_id,
        "department": complaint.department_code,
        "channel": complaint.channel,
        "complainant": complaint.complainant,
        "contact": complaint.contact,
        "content": complaint.content,
        "status": complaint.status,
        "version": complaint.version,
        "received_on": complaint.received_on.isoformat(),
        "accept_due": complaint.accept_due.isoformat(),
        "overdue_days": overdue_days(calendar, complaint, today, clock),
        "outcome": complaint.outcome,
        "steps": complaint.steps,
    }
