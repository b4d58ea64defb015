"""Cases: file, act, read (with the clock as of any moment), records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.deps import CurrentActor, Service, ServiceState, unit_of_work
from approval_core.cases import queries
from approval_core.cases import service as cases
from approval_core.cases.schemas import ActionCommand, SubmitCommand
from approval_core.context import Actor, CoreDeps
from approval_core.errors import IllegalTransition
from approval_core.idempotency.service import MAX_KEY, Answer, Once
from approval_core.inputs import Count, Moment
from approval_core.records.service import records_of

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def answer_response(answer: Answer, headers: dict[str, str]) -> JSONResponse:
    """The hot paths (filing, actions) answer with their body serialised once, as it is: the
    body is JSON-ready already (it is what an Idempotency-Key remembers), so FastAPI's
    response-model validation and encoding would only cost time (issue 12). The route keeps
    `response_model` for its OpenAPI description."""
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_KEY,
        description="Retry safely: a repeated request with the same key gets the first answer",
    ),
]


@router.post("", status_code=201, response_model=dict[str, Any])
async def submit_case(
    body: SubmitCommand,
    actor: CurrentActor,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """申报. The query code is shown only here; the applicant needs it for the public query."""

    def work(session: Session) -> Answer:
        case, code = cases.submit(session, service.core, actor, body)
        answer = {"id": case.id, "tracking_no": case.tracking_no, "query_code": code}
        return Answer(201, {**answer, "state": case.state})

    answer = await service.commits.run(
        Once(
            service.sessions,
            actor.user_id,
            idempotency_key,
            "POST /api/v1/cases",
            # (the body is hashed only when a key is sent)
            body.model_dump(mode="json") if idempotency_key is not None else None,
            service.core.now(),
            work,
        )
    )
    service.judge.wake()  # judged moments later, off this request
    return answer_response(answer, {"Location": f"/api/v1/cases/{answer.body['id']}"})


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


@router.post("/{case_id}/actions", response_model=dict[str, Any])
async def act_on_case(
    case_id: str,
    body: ActionCommand,
    actor: CurrentActor,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """One action on a case; the answer is the case as the action left it (built in the
    action's own transaction, as of the moment it was recorded). Send an Idempotency-Key to
    retry safely."""
    core = service.core

    def work(session: Session) -> Answer:
        case = cases.act(session, core, actor, case_id, body)
        return Answer(200, queries.view_after_action(core, case))

    try:
        answer = await service.commits.run(
            Once(
                service.sessions,
                actor.user_id,
                idempotency_key,
                f"POST /api/v1/cases/{case_id}/actions",
                body.model_dump(mode="json") if idempotency_key is not None else None,
                core.now(),
                work,
                rows=(case_id,),
            )
        )
    except IllegalTransition:
        noted = await run_in_threadpool(_note_refused_change, service, core, actor, case_id, body)
        if noted:
            service.judge.wake()
        raise
    service.judge.wake()  # judged moments later, off this request
    return answer_response(answer, {})


def _note_refused_change(
    service: ServiceState, core: CoreDeps, actor: Actor, case_id: str, body: ActionCommand
) -> bool:
    with unit_of_work(service) as session:
        return cases.note_refused_change(session, core, actor, case_id, body)


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
                "mac": r.mac,  # hmac-sha256 or hmac-sm3: what `hash` was made with
            }
            for r in records_of(session, case.id)
        ]
