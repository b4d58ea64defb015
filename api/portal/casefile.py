"""What the service hall shows of a case: the applicant's public view of it (the same function
as the public query, `queries.public_view`: steps, reasons, legal bases, the clock) with what
only its owner sees beside it: who handled each step (the department, never staff names), the
reasons of the clock stops and extensions, the documents issued, the rating and complaints, and
what is asked of the applicant now."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.aftercare.models import Complaint, Rating
from approval_core.aftercare.remedies import RATEABLE, rating_of
from approval_core.cases import queries
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.receipts.service import receipts_of
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.timeutil import LEGAL_TZ, legal_date

COMPLAINT_STATES: dict[str, tuple[str, str]] = {
    "registered": ("已登记，待受理", "registered, awaiting acceptance"),
    "accepted": ("已受理", "accepted"),
    "rejected": ("不予受理", "not accepted"),
    "handling": ("处理中", "being handled"),
    "concluded": ("已办结", "concluded"),
}
# Actions the applicant takes (or a clerk records for them): shown as the applicant's own.
_APPLICANT_ACTIONS = ("submit", "withdraw")


def moment_text(value: str | datetime | None) -> str:
    """A moment as Beijing time, minutes: 2026-03-02 09:10."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LEGAL_TZ).strftime("%Y-%m-%d %H:%M")


def day_text(value: str | datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return legal_date(value).isoformat()
    return value if isinstance(value, str) else value.isoformat()


def asks(case: Case, rated: bool) -> list[dict[str, str]]:
    """What the applicant should do now, each with its page: supply materials, or rate."""
    todo = []
    if case.state == "supplementing":
        todo.append(
            {
                "kind": "supplement",
                "href": f"/my/cases/{case.id}/supplement",
                "zh": "补正材料",
                "en": "Supply the materials",
            }
        )
    if case.state in RATEABLE and not rated:
        todo.append(
            {"kind": "rating", "href": f"/my/cases/{case.id}/rating", "zh": "评价", "en": "Rate"}
        )
    return todo


def ratings_of(session: Session, case_ids: list[str]) -> set[str]:
    """Which of these cases are rated already (for the list's markers)."""
    if not case_ids:
        return set()
    found = session.scalars(select(Rating.case_id).where(Rating.case_id.in_(case_ids)))
    return set(found)


def list_row(deps: CoreDeps, case: Case, rated: bool) -> dict[str, Any]:
    """One line of "my cases": the API's summary of the case, with names people read."""
    summary = queries.case_summary(case)
    item = deps.catalogue.get(case.item_code)
    return {
        **summary,
        "item_zh": item.name_zh,
        "item_en": item.name_en,
        "submitted_on": day_text(case.submitted_at),
        "asks": asks(case, rated),
    }


def _who(deps: CoreDeps, case: Case, record: CaseRecord) -> tuple[str, str]:
    if record.actor_role == "applicant" or record.action in _APPLICANT_ACTIONS:
        return "申请人", "Applicant"
    department = deps.catalogue.departments[case.department_code]
    return department.name_zh, department.name_en


def _stopped_by(record: CaseRecord, stop_type: str | None) -> bool:
    """Whether the record stops the clock for `stop_type` (补正 after acceptance is one)."""
    if record.action == "request_supplement":
        return stop_type == "supplement"
    return record.action == "stop" and record.payload.get("stop_type") == stop_type


def stops(
    deps: CoreDeps, view: dict[str, Any], records: list[CaseRecord] | None = None
) -> list[dict[str, Any]]:
    """The clock's stopped stretches with what stopped them: the type's name and, given the
    records (the owner's page), the reason the department gave and its legal basis (the stop
    record of the day the stretch began)."""
    stops = []
    for segment in view["clock"].get("segments", []):
        if segment["kind"] != "stopped":
            continue
        began = segment["start"]
        record = next(
            (
                r
                for r in records or ()
                if legal_date(r.at).isoformat() == began and _stopped_by(r, segment["stop_type"])
            ),
            None,
        )
        stop_type = deps.catalogue.stop_types.get(segment["stop_type"] or "")
        stops.append(
            {
                **segment,
                "name_zh": stop_type.name_zh if stop_type else segment["stop_type"],
                "name_en": stop_type.name_en if stop_type else segment["stop_type"],
                "reason": record.reason if record else None,
                "legal_basis": (record.legal_basis if record else None) or segment["legal_basis"],
            }
        )
    return stops


def _extensions(records: list[CaseRecord]) -> list[dict[str, Any]]:
    """Approved extensions: the day, the days granted and the reason asked for (the request's
    reason, as the extension notice prints it)."""
    out = []
    asked: CaseRecord | None = None
    for record in records:
        if record.action == "extend":
            asked = record
        elif record.action == "approve_extension":
            out.append(
                {
                    "on": day_text(record.at),
                    "days": record.payload.get("days"),
                    "reason": (asked.reason if asked else None) or record.reason,
                }
            )
    return out


def _asked_materials(deps: CoreDeps, case: Case, records: list[CaseRecord]) -> dict[str, Any]:
    """The open supplement notice: the materials asked for (by name) and its reason."""
    if case.state != "supplementing":
        return {}
    notice = next((r for r in reversed(records) if r.action == "request_supplement"), None)
    if notice is None:
        return {}
    names = {m.code: m for m in deps.catalogue.get(case.item_code).materials}
    wanted = notice.payload.get("materials") or []
    return {
        "on": day_text(notice.at),
        "reason": notice.reason,
        "materials": [
            (names[c].name_zh, names[c].name_en) if c in names else (c, c) for c in wanted
        ],
    }


def _documents(session: Session, deps: CoreDeps, case: Case) -> list[dict[str, Any]]:
    """The case's documents, the newest of each kind (the one the download serves)."""
    newest: dict[str, dict[str, Any]] = {}
    for receipt in receipts_of(session, deps, case):
        newest[receipt.kind] = receipt.summary()
    return sorted(newest.values(), key=lambda r: (r["date"], r["record_seq"]))


def _complaints(session: Session, case: Case) -> list[dict[str, Any]]:
    stmt = select(Complaint).where(Complaint.case_id == case.id).order_by(Complaint.id)
    return [
        {
            "id": c.id,
            "received_on": c.received_on.isoformat(),
            "accept_due": c.accept_due.isoformat(),
            "status": COMPLAINT_STATES.get(c.status, (c.status, c.status)),
            "content": c.content,
            "outcome": c.outcome,
        }
        for c in session.scalars(stmt)
    ]


def readable(deps: CoreDeps, view: dict[str, Any]) -> dict[str, Any]:
    """The public view (`queries.public_view`) with its moments in Beijing time and the names
    of its clock stops: what the anonymous progress page shows."""
    for step in view["steps"]:
        step["at_text"] = moment_text(step["at"])
    view["stops"] = stops(deps, view)
    return view


def case_page(session: Session, deps: CoreDeps, case: Case) -> dict[str, Any]:
    """Everything the owner's case page shows; the clock is the public view's, as of now."""
    view = readable(deps, queries.public_view(session, deps, case))
    records = records_of(session, case.id)
    for step, record in zip(view["steps"], records, strict=True):
        step["who"] = _who(deps, case, record)
    rating = rating_of(session, case.id)
    department = deps.catalogue.departments[case.department_code]
    return {
        **view,
        "id": case.id,
        "department": department,
        "submitted_on": day_text(case.submitted_at),
        "decision": case.decision,
        "decision_no": case.decision_no,
        "stops": stops(deps, view, records),
        "extensions": _extensions(records),
        "asked": _asked_materials(deps, case, records),
        "documents": _documents(session, deps, case),
        "rating": rating,
        "complaints": _complaints(session, case),
        "asks": asks(case, rating is not None),
        "as_of": moment_text(deps.now()),
    }
