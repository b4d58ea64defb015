"""Read side of cases: a case as of any moment, lists, and the applicant's public view."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from approval_core.cases.applicants import applicant_view
from approval_core.cases.labels import ACTION_LABELS, STATE_LABELS, STEP_LABELS, label
from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed
from approval_core.cases.service import query_code_digest, scoped_case
from approval_core.cases.snapshot import clock_of, stored_clock
from approval_core.cases.workflow import TERMINAL
from approval_core.clock.schemas import ClockResult
from approval_core.clock.units import UNIT_TEXT_EN, UNIT_TEXT_ZH
from approval_core.context import Actor, CoreDeps
from approval_core.errors import InvalidInput
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.timeutil import as_utc


def view_case(
    session: Session, deps: CoreDeps, actor: Actor, case_id: str, as_of: datetime | None
) -> dict[str, Any]:
    """The case as it stood at `as_of` (default now), recomputed from its records."""
    case = scoped_case(session, actor, case_id)
    moment = as_utc(as_of) if as_of is not None else deps.now()
    if moment < case.submitted_at:
        raise InvalidInput(
            f"as_of {moment.isoformat()} is before the case was submitted",
            detail_zh="查询时点早于申报时间",
            field="as_of",
        )
    records = records_of(session, case.id)
    replayed, clock = clock_of(deps, case.item_code, records, moment)
    return _view(case, replayed, clock, moment)


def view_after_action(deps: CoreDeps, case: Case) -> dict[str, Any]:
    """The answer to an action: the case as the action's own transaction left its row (the
    row follows every record, see `records verify`), with the clock from the inputs kept on
    it, as of the moment the action was recorded (when it stored that clock, which is not
    computed again); the same view as `view_case` as of that moment, without reading and
    replaying the records."""
    moment = case.clock_computed_at or deps.now()
    return _view(case, case, stored_clock(deps, case, moment), moment)


def _view(case: Case, now: Replayed | Case, clock: ClockResult, moment: datetime) -> dict[str, Any]:
    """`now`: where the workflow stands (replayed from the records, or the case row)."""
    state = now.state.state if isinstance(now, Replayed) else now.state
    stop_type = now.state.stop_type if isinstance(now, Replayed) else now.stop_type
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "item": case.item_code,
        "department": case.department_code,
        "applicant": applicant_view(case),
        "materials": case.materials,
        "as_of": moment.isoformat(),
        "state": state,
        "state_label": label(STATE_LABELS, state),
        "step": now.step,
        "step_label": label(STEP_LABELS, now.step),
        "stop_type": stop_type,
        "assignee_id": now.assignee_id,
        "handler_id": now.handler_id,
        "reviewer_id": now.reviewer_id,
        "decision": now.decision,
        "decision_no": now.decision_no,
        "submitted_at": case.submitted_at.isoformat(),
        "last_event_at": (now.last_event_at or case.submitted_at).isoformat(),
        "clock": _clock_shown(state, clock),
    }


def list_cases(
    session: Session,
    actor: Actor,
    *,
    state: str | None = None,
    item: str | None = None,
    department: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Case]]:
    """Cases this actor may see, newest first, with the total before paging."""
    stmt = select(Case)
    if actor.role == "applicant":
        stmt = stmt.where(Case.applicant_user_id == actor.user_id)
    elif actor.role not in ("admin", "supervisor", "policy"):
        stmt = stmt.where(Case.department_code == actor.department)
    if state:
        stmt = stmt.where(Case.state == state)
    if item:
        stmt = stmt.where(Case.item_code == item)
    if department:
        stmt = stmt.where(Case.department_code == department)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Case.submitted_at.desc(), Case.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "item": case.item_code,
        "department": case.department_code,
        "state": case.state,
        "state_label": label(STATE_LABELS, case.state),
        "step": case.step,
        "step_label": label(STEP_LABELS, case.step),
        "assignee_id": case.assignee_id,
        "submitted_at": case.submitted_at.isoformat(),
        "due_date": case.clock_due_date.isoformat() if case.clock_due_date else None,
        "provisional": case.clock_provisional,
    }


def find_public(session: Session, deps: CoreDeps, tracking_no: str, code: str) -> Case | None:
    """The case for a tracking number + query code; None for a wrong code or number alike."""
    case = session.scalars(select(Case).where(Case.tracking_no == tracking_no.strip())).first()
    expected = query_code_digest(tracking_no.strip(), code, deps.record_key)
    if case is None or not hmac.compare_digest(case.query_code_hash, expected):
        return None
    return case


def public_view(session: Session, deps: CoreDeps, case: Case) -> dict[str, Any]:
    """What the applicant sees without logging in: progress and deadline, no staff names."""
    records = records_of(session, case.id)
    replayed, clock = clock_of(deps, case.item_code, records, deps.now())
    item = deps.catalogue.get(case.item_code)
    state = replayed.state.state
    return {
        "tracking_no": case.tracking_no,
        "item": {"code": item.code, "name_zh": item.name_zh, "name_en": item.name_en},
        "state": state,
        "state_label": label(STATE_LABELS, state),
        "step": replayed.step,
        "step_label": label(STEP_LABELS, replayed.step),
        "steps": [_public_step(r) for r in records],
        "clock": {
            k: v
            for k, v in _clock_shown(state, clock).items()
            if k
            in (
                "limit",
                "extension",
                "elapsed",
                "remaining",
                "overdue",
                "stopped",
                "started_on",
                "due_date",
                "deemed_accepted",
                "running",
                "provisional",
                "stop_type",
                "segments",
                "received_on",
                "acceptance_due_date",
                "unit",
            )
        },
        # Which days the figures count, in words the applicant reads (工作日 or 自然日).
        "unit_zh": UNIT_TEXT_ZH[clock.unit],
        "unit_en": UNIT_TEXT_EN[clock.unit],
    }


def _clock_shown(state: str, clock: ClockResult) -> dict[str, Any]:
    """The clock as people read it: a case that has ended has no days remaining."""
    shown = clock.as_dict()
    if state in TERMINAL:
        shown.pop("remaining", None)
    return shown


def _public_step(record: CaseRecord) -> dict[str, Any]:
    return {
        "action": record.action,
        "action_label": label(ACTION_LABELS, record.action),
        "at": record.at.isoformat(),
        "state": record.to_state,
        "state_label": label(STATE_LABELS, record.to_state),
        "reason": record.reason,
        "legal_basis": record.legal_basis,
        "documents_out": record.documents_out,
    }
