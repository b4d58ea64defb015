"""Cases: file, act, read (with the clock as of any moment), records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentActor, Service, unit_of_work
from approval_core.cases import queries
from approval_core.cases import service as cases
from approval_core.cases.schemas import ActionCommand, SubmitCommand
from approval_core.errors import IllegalTransition
from approval_core.inputs import Count, Moment
from approval_core.records.service import records_of

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.post("", status_code=201)
def submit_case(
    body: SubmitCommand, actor: CurrentActor, service: Service, response: Response
) -> dict[str, Any]:
    """申报. The query code is shown only here; the applicant needs it for the public query."""
    with unit_of_work(service) as session:
        case, code = cases.submit(session, service.core, actor, body)
        result = {
            "id": case.id,
            "tracking_no": case.tracking_no,
            "query_code": code,
            "state": case.state,
        }
    service.judge_new_facts()
    response.headers["Location"] = f"/api/v1/cases/{result['id']}"
    return result


@router.get("")
def list_cases(
    actor: CurrentActor,
    service: Service,
    state: str | None = None,
    item: str | None = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Count = 0,
) -> dict[str, Any]:
    with unit_of_work(service) as session:
        total, rows = queries.list_cases(
            session,
            actor,
            state=state,
            item=item,
            department=department,
            limit=limit,
            offset=offset,
        )
        return {"total": total, "items": [queries.case_summary(c) for c in rows]}


@router.get("/{case_id}")
def get_case(
    case_id: str, actor: CurrentActor, service: Service, as_of: Moment | None = None
) -> dict[str, Any]:
    """The case and its legal clock as of `as_of` (default now), recomputed from records."""
    with unit_of_work(service) as session:
        return queries.view_case(session, service.core, actor, case_id, as_of)


@router.post("/{case_id}/actions")
def act_on_case(
    case_id: str, body: ActionCommand, actor: CurrentActor, service: Service
) -> dict[str, Any]:
    try:
        with unit_of_work(service) as session:
            cases.act(session, service.core, actor, case_id, body)
    except IllegalTransition:
        with unit_of_work(service) as session:
            noted = cases.note_refused_change(session, service.core, actor, case_id, body)
        if noted:
            service.judge_new_facts()
        raise
    service.judge_new_facts()
    with unit_of_work(service) as session:
        return queries.view_case(session, service.core, actor, case_id, None)


@router.get("/{case_id}/records")
def case_records(case_id: str, actor: CurrentActor, service: Service) -> list[dict[str, Any]]:
    """The audit trail, oldest first, with each record's chain hash."""
    with unit_of_work(service) as session:
        case = cases.scoped_case(session, actor, case_id)
        return [
            {
                "seq": r.seq,
                "action": r.action,
                "from_state": r.from_state,
                "to_state": r.to_state,
                "actor": {"id": r.actor_id, "name": r.actor_name, "role": r.actor_role},
                "recorded_by": r.recorded_by,
                "at": r.at.isoformat(),
                "recorded_at": r.recorded_at.isoformat(),
                "reason": r.reason,
                "legal_basis": r.legal_basis,
                "documents_in": r.documents_in,
                "documents_out": r.documents_out,
                "payload": r.payload,
                "prev_hash": r.prev_hash,
                "hash": r.hash,
            }
            for r in records_of(session, case.id)
        ]
