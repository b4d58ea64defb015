"""事后监察 judged by the rules: complaints (received, overdue) and negative ratings.

Each complaint is its own subject ("complaint:ID") and a rating is judged as "rating:CASE", so
these facts never resolve or reopen the alerts of the case's own clock and procedure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from approval_core.aftercare.complaints import overdue_days, pending
from approval_core.aftercare.kinds import NEGATIVE_RATINGS
from approval_core.aftercare.models import Complaint, Rating
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.timeutil import legal_date
from supervisor.judging import Judge, Subject
from supervisor.runtime import Supervisor


def _judge(session: Session, deps: CoreDeps, sup: Supervisor, keys: list[str]) -> Judge:
    """A judge of the deps' policy that knows the alerts of these subject keys (and the
    department heads)."""
    return Judge.for_subjects(session, sup, deps.now(), keys, sup.policy_for(deps))


def complaint_fact(deps: CoreDeps, complaint: Complaint, event: str) -> dict[str, Any]:
    today = legal_date(deps.now())
    return {
        "subject": "complaint",
        "event": event,
        "department": complaint.department_code,
        "complaint_id": complaint.id,
        "complaint_channel": complaint.channel,
        "complaint_status": complaint.status,
        "complaint_overdue_days": overdue_days(
            deps.calendar, complaint, today, deps.catalogue.clock
        ),
        "figures_on": today.isoformat(),
    }


def judge_complaints(
    session: Session, deps: CoreDeps, sup: Supervisor, complaints: list[Complaint], event: str
) -> int:
    """Judge complaints as of now; returns the rules matched."""
    keys = [f"complaint:{c.id}" for c in complaints]
    judge = _judge(session, deps, sup, keys)
    matched = 0
    for key, complaint in zip(keys, complaints, strict=True):
        fact = complaint_fact(deps, complaint, event)
        found = judge.evaluate(fact)
        judge.apply(Subject(key, complaint.case_id, None), fact, found)
        matched += len(found)
    judge.finish()
    return matched


def check_complaints(session: Session, deps: CoreDeps, sup: Supervisor) -> int:
    """The escalation check: every complaint not yet accepted, as of now (red when overdue)."""
    return judge_complaints(session, deps, sup, pending(session), "complaint_check")


def rating_fact(deps: CoreDeps, case: Case, rating: Rating) -> dict[str, Any]:
    item = deps.catalogue.get(case.item_code)
    return {
        "subject": "case",
        "event": "rating",
        "item": case.item_code,
        "item_name": item.name_zh,
        "item_name_en": item.name_en,
        "category": item.category,
        "department": case.department_code,
        "state": case.state,
        "rating_level": rating.level,
        "rating_negative": rating.level in NEGATIVE_RATINGS,
    }


def judge_rating(
    session: Session, deps: CoreDeps, sup: Supervisor, case: Case, rating: Rating
) -> list[str]:
    """好差评: a negative rating opens the follow-up alert the department must answer."""
    key = f"rating:{case.id}"
    judge = _judge(session, deps, sup, [key])
    fact = rating_fact(deps, case, rating)
    found = judge.evaluate(fact)
    judge.apply(Subject(key, case.id, case.assignee_id or case.handler_id), fact, found)
    judge.finish()
    return found
