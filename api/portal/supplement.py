"""Answering a supplement notice (补正) in the service hall: what the notice asks for (the
materials, the reason, the legal basis) with a file input per asked material, the upload
through the materials core (`supplement_with_files`: the supplement_received record carries
the files' SHA-256 and ends the clock stop), and, once answered, the files received."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import Service, ServiceState
from api.portal.pages import render
from api.portal.security import RequiredApplicant, mark_page, verify_csrf
from api.portal.uploads import (
    UploadForm,
    refusal_status,
    upload_form,
    uploads_of,
)
from api.uploads import UploadRoute, limits_of, text_field
from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.catalogue.schemas import Material
from approval_core.context import Actor
from approval_core.db import read_only
from approval_core.errors import IllegalTransition, InvalidInput, StorageFull, TooLarge
from approval_core.materials import service as materials
from approval_core.materials.schemas import Upload
from approval_core.materials.storage import TYPE_NAMES
from approval_core.receipts.content import beijing_time
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of

router = APIRouter(
    prefix="/my/cases",
    include_in_schema=False,
    dependencies=[Depends(mark_page)],
    route_class=UploadRoute,
)

NOTE_FIELD, NOTE_LIMIT = "note", 2000
_REFUSALS = (InvalidInput, TooLarge, StorageFull)


@dataclass(frozen=True)
class Notice:
    """The case's latest supplement notice and, if answered, the answer's record."""

    record: CaseRecord
    asked: list[str]
    answer: CaseRecord | None


def _notice(session: Session, case: Case) -> Notice | None:
    records = records_of(session, case.id)
    asked_at = [i for i, r in enumerate(records) if r.action == "request_supplement"]
    if not asked_at:
        return None
    record = records[asked_at[-1]]
    answer = next(
        (r for r in records[asked_at[-1] + 1 :] if r.action == "supplement_received"), None
    )
    asked = [str(code) for code in record.payload.get("materials") or []]
    return Notice(record, asked, answer)


def _context(service: ServiceState, actor: Actor, case_id: str) -> dict[str, object]:
    """What the page shows: the notice, the asked materials (by name), whether the case waits
    for them now, and the files of the answer once given."""
    with service.sessions() as session:
        read_only(session)
        case = cases.scoped_case(session, actor, case_id)  # NotFound for anybody else
        notice = _notice(session, case)
        answer = notice.answer if notice else None
        files = materials.files_of(session, actor, case_id) if answer else []
        item = service.core.catalogue.get(case.item_code)
    known: dict[str, Material] = {m.code: m for m in item.materials}
    limits = limits_of(service)
    return {
        "case": case,
        "item": item,
        "notice": notice,
        "asked": [known[c] for c in notice.asked if c in known] if notice else [],
        "asked_at": beijing_time(notice.record.at) if notice else "",
        "pending": case.state == "supplementing" and notice is not None,
        "received": [f for f in files if answer and f.record_seq == answer.seq],
        "received_at": beijing_time(answer.at) if answer else "",
        "names": known,
        "types": TYPE_NAMES,
        "max_mib": f"{limits.max_bytes / 1024 / 1024:g}",
        "max_files": limits.max_files,
    }


@router.get("/{case_id}/supplement", response_class=HTMLResponse)
async def supplement_page(
    request: Request, case_id: str, applicant: RequiredApplicant, service: Service
) -> Response:
    context = await run_in_threadpool(_context, service, applicant, case_id)
    return render(request, "filing/supplement.html", context)


def _supplement(
    service: ServiceState, actor: Actor, case_id: str, uploads: list[Upload], note: str
) -> None:
    """One transaction: the files and the supplement_received record carrying their hashes
    (the core refuses an answer missing any asked material, naming it)."""
    with service.sessions() as session, session.begin():
        materials.supplement_with_files(
            session, service.core, actor, case_id, uploads, limits_of(service), reason=note or None
        )


@router.post(
    "/{case_id}/supplement",
    response_class=HTMLResponse,
    dependencies=[Depends(upload_form), Depends(verify_csrf)],
)
async def supplement(
    request: Request,
    case_id: str,
    applicant: RequiredApplicant,
    service: Service,
    form: UploadForm,
) -> Response:
    """Upload the asked materials; a refusal shows the page again with the error, nothing
    stored. Done: back to this page, which then lists the files received."""
    try:
        note = text_field(form, NOTE_FIELD, NOTE_LIMIT)
        uploads = uploads_of(form, {NOTE_FIELD})
        await run_in_threadpool(_supplement, service, applicant, case_id, uploads, note)
    except IllegalTransition:
        # no supplement pending (any more): sent twice, the first answer was received;
        # the page says what there is
        return RedirectResponse(f"/my/cases/{case_id}/supplement", status_code=303)
    except _REFUSALS as refused:
        context = await run_in_threadpool(_context, service, applicant, case_id)
        context["error"] = refused
        context["note"] = form.get(NOTE_FIELD) if isinstance(form.get(NOTE_FIELD), str) else ""
        return render(request, "filing/supplement.html", context, status=refusal_status(refused))
    service.judge.wake()
    return RedirectResponse(f"/my/cases/{case_id}/supplement", status_code=303)
