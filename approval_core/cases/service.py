"""Case use cases: submit and act. Each writes in the caller's transaction, which commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from approval_core.cases.applicants import applicant_columns, check_applicant
from approval_core.cases.checks import (
    action_payload,
    check_applicant_supplement,
    check_backdating,
    check_document_fields,
    check_materials,
    effective_actor,
    event_time,
)
from approval_core.cases.labels import ROLE_LABELS, zh
from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed
from approval_core.cases.rows import read_case, write_event
from approval_core.cases.schemas import ActionCommand, SubmitCommand
from approval_core.cases.snapshot import advance_derived, snapshot, store_clock, stored_clock
from approval_core.cases.workflow import TERMINAL, CaseState, transition
from approval_core.catalogue.schemas import Item
from approval_core.conclusions.service import record_conclusion
from approval_core.context import Actor, CoreDeps
from approval_core.errors import Forbidden, NotFound
from approval_core.outbox.service import emit_fact
from approval_core.records.models import GENESIS, CaseRecord
from approval_core.records.service import chain_record
from approval_core.system.service import note_provisional
from approval_core.tallies.service import CONCLUDED, timeliness
from approval_core.tallies.service import add as add_to_total
from approval_core.timeutil import legal_date
from approval_core.users.service import DEPARTMENT_ROLES

SUBMITTERS = ("applicant", "clerk", "admin")
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def query_code_digest(tracking_no: str, code: str, key: str) -> str:
    return hashlib.sha256(f"{key}:{tracking_no}:{code.strip().upper()}".encode()).hexdigest()


# (a kept statement with a parameter: compiled once, not built and cache-keyed per filing)
_TRACKING_NO_TAKEN = select(Case.id).where(Case.tracking_no == bindparam("candidate"))


def _new_tracking_no(session: Session, day: str) -> str:
    conn = session.connection()
    for _ in range(20):
        candidate = f"SL{day}{secrets.randbelow(10**6):06d}"
        if conn.execute(_TRACKING_NO_TAKEN, {"candidate": candidate}).first() is None:
            return candidate
    raise RuntimeError("could not allocate a tracking number")  # pragma: no cover


def check_submission(deps: CoreDeps, actor: Actor, command: SubmitCommand) -> Item:
    """Who may file what (role, department, materials of the item); nothing is written.
    Returns the catalogue item."""
    if actor.role not in SUBMITTERS:
        raise Forbidden(
            f"role {actor.role!r} may not submit; allowed: {', '.join(SUBMITTERS)}",
            detail_zh=(
                f"角色 {zh(ROLE_LABELS, actor.role)} 不能申报；可申报的角色："
                f"{'、'.join(zh(ROLE_LABELS, r) for r in SUBMITTERS)}"
            ),
            field="item",
        )
    if command.submitted_at is not None and actor.role == "applicant":
        raise Forbidden(
            "submitted_at is for staff recording paper or imported applications",
            detail_zh="申请人不能指定申报时间",
            field="submitted_at",
        )
    item = deps.catalogue.get(command.item)
    if actor.role in DEPARTMENT_ROLES and actor.department != item.department:
        # A clerk records paper applications for the items of their own department only: a
        # case filed into another department's queue would be one its filer can no longer see.
        raise Forbidden(
            f"{command.item} belongs to {item.department}, not to {actor.department}",
            detail_zh="只能登记本部门事项的申请",
            field="item",
        )
    check_materials(deps, item.code, command.materials, "materials")
    return item


def submit(
    session: Session,
    deps: CoreDeps,
    actor: Actor,
    command: SubmitCommand,
    *,
    files: list[dict[str, Any]] | None = None,
) -> tuple[Case, str]:
    """申报: create the case and its first record; returns the case and its query code.

    `files`: the uploaded files' entries (material, name, SHA-256, size, type) the record
    carries (approval_core/materials/service.py stores them)."""
    deps = deps.at_one_moment()
    item = check_submission(deps, actor, command)
    at = event_time(deps, command.submitted_at, "submitted_at", None)
    check_applicant(command.applicant, legal_date(deps.now()))
    tracking_no = _new_tracking_no(session, legal_date(at).strftime("%Y%m%d"))
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    case = Case(
        id=str(uuid.uuid4()),
        tracking_no=tracking_no,
        query_code_hash=query_code_digest(tracking_no, code, deps.record_key),
        item_code=item.code,
        department_code=item.department,
        **applicant_columns(command.applicant),
        applicant_user_id=actor.user_id if actor.role == "applicant" else None,
        materials=sorted(set(command.materials)),
        state="submitted",
        step="register",
        submitted_at=at,
        last_event_at=at,
        record_count=0,
        chain_seq=0,
        chain_hash=GENESIS,
        clock_events=[],
        counters={},
        next_due_at=None,
        version=1,
    )
    # (not added to the session: `_record_and_emit` writes the row once, with its first
    # record folded in, see approval_core/cases/rows.py)
    payload: dict[str, Any] = {"item": item.code, "materials": case.materials}
    if files:
        payload["files"] = files
    no_command = ActionCommand(action="register")  # the record's optional fields stay empty
    _record_and_emit(session, deps, case, actor, "submit", Replayed(), at, payload, no_command)
    return case, code


def scoped_case(session: Session, actor: Actor, case_id: str, *, for_update: bool = False) -> Case:
    """The case if this actor may see it; otherwise NotFound (no leak of other departments)."""
    case = read_case(session, case_id, for_update=for_update)
    if case is None or not can_see(actor, case):
        raise NotFound(f"no case {case_id}", detail_zh="案件不存在", field="case_id")
    return case


def can_see(actor: Actor, case: Case) -> bool:
    if actor.role in ("admin", "supervisor", "policy"):
        return True
    if actor.role == "applicant":
        return actor.user_id is not None and case.applicant_user_id == actor.user_id
    return actor.department == case.department_code


def act(
    session: Session,
    deps: CoreDeps,
    actor: Actor,
    case_id: str,
    command: ActionCommand,
    *,
    files: list[dict[str, Any]] | None = None,
) -> Case:
    """One workflow action: check, update the case, append the record, emit the fact.

    `files`: entries of the files uploaded with it (a supplement), carried by the record."""
    case = scoped_case(session, actor, case_id, for_update=True)
    deps = deps.at_one_moment()  # read under the case's lock (its last event is not later)
    doer = effective_actor(session, actor, command)
    at = event_time(deps, command.at, "at", case.last_event_at)
    check_backdating(deps, command, at)
    payload = action_payload(session, deps, case, command)
    if files:
        payload["files"] = files
    pending = _extension_request(session, case) if command.action == "approve_extension" else None
    check_document_fields(command, pending.reason if pending else None)
    if command.action == "conclude" and not command.decision_no:
        payload["decision_no"] = deps.catalogue.decision_number(
            case.department_code, legal_date(at).year, case.tracking_no
        )
    current = CaseState(case.state, case.resume_state, case.stop_type)
    outcome = transition(current, command.action, doer.role, payload)
    if command.action == "supplement_received" and doer.role == "applicant":
        check_applicant_supplement(session, case, files or [])
    before = Replayed(state=current, step=case.step)  # the row as it was, to fold the record on
    case.state = outcome.state.state
    case.resume_state = outcome.state.resume_state
    case.stop_type = outcome.state.stop_type
    case.step = outcome.step
    case.last_event_at = at
    _apply_side_fields(case, command, doer, payload.get("decision_no"))
    _record_and_emit(session, deps, case, doer, command.action, before, at, payload, command, actor)
    if command.action == "conclude":
        record_conclusion(session, deps, case)
    return case


def _extension_request(session: Session, case: Case) -> CaseRecord | None:
    """The extension request (extend) still waiting for its approval, if any."""
    last = session.scalars(
        select(CaseRecord)
        .where(
            CaseRecord.case_id == case.id,
            CaseRecord.action.in_(("extend", "approve_extension")),
        )
        .order_by(CaseRecord.seq.desc())
        .limit(1)
    ).first()
    return last if last is not None and last.action == "extend" else None


# The notice each action hands to the applicant (发文), in the record's documents_out.
DOCUMENT_OUT = {
    "submit": "receipt_of_materials",  # 申请材料接收凭证
    "accept": "acceptance",  # 受理回执 / 受理决定书
    "reject": "rejection",  # 不受理回执 / 不予受理告知书
    "request_supplement": "supplement_notice",  # 补正材料通知书
    "stop": "special_procedure_notice",  # 特别程序告知书
    "approve_extension": "extension_notice",  # 延期告知书
    "conclude": "decision",  # 决定书
}


def _apply_side_fields(
    case: Case, command: ActionCommand, doer: Actor, decision_no: str | None
) -> None:
    if command.materials and command.action in ("accept", "supplement_received"):
        case.materials = sorted(set(case.materials) | set(command.materials))
    if command.action == "assign":
        case.assignee_id = command.assignee
    elif command.action == "handle":
        case.handler_id = doer.user_id
    elif command.action == "review":
        case.reviewer_id = doer.user_id
    elif command.action == "conclude":
        case.decision = command.decision
        case.decision_no = decision_no


def _event_context(deps: CoreDeps, case: Case, action: str, at: datetime) -> dict[str, Any]:
    """Facts about the moment of the action that rules need (the clock just before it)."""
    if action != "approve_extension":
        return {}
    before = stored_clock(deps, case, at)  # the row still holds the inputs before this action
    overdue_at = before.overdue_at
    return {"after_deadline": overdue_at is not None and at >= overdue_at}


def _record_and_emit(
    session: Session,
    deps: CoreDeps,
    case: Case,
    doer: Actor,
    action: str,
    before: Replayed,
    at: datetime,
    payload: dict[str, Any],
    command: ActionCommand,
    caller: Actor | None = None,
) -> CaseRecord:
    """Append the hash-chained record after the case row's chain head, fold it into the row's
    clock inputs and counters (`before`: the row's state before it; no record is re-read),
    refresh the stored clock and write the fact."""
    now = deps.now()
    out = DOCUMENT_OUT.get(action)
    if payload.get("notice_given") is False:
        out = None  # a stop entered without its written notice (Art. 45): none was issued
    record = CaseRecord(
        case_id=case.id,
        action=action,
        from_state=before.state.state if action != "submit" else None,
        to_state=case.state,
        actor_id=doer.user_id,
        actor_name=doer.name,
        actor_role=doer.role,
        recorded_by=caller.name if caller is not None and caller != doer else None,
        at=at,
        recorded_at=now,
        reason=command.reason,
        legal_basis=command.legal_basis,
        documents_in=list(command.documents or command.materials or []),
        documents_out=[out] if out else [],
        payload=payload,
    )
    chain_record(case, record, key=deps.record_key, record_mac=deps.record_mac)
    context = _event_context(deps, case, action, at)
    case.record_count = record.seq
    advance_derived(case, before, record)
    clock = stored_clock(deps, case, max(now, at))
    noted = bool(case.clock_provisional) and action != "submit"  # told when it first became so
    store_clock(case, clock, deps.policy_version)
    # The fact tells what the case looked like when the event happened (imported events are
    # in the past); the row keeps the clock as of now.
    at_event = clock if at >= now else stored_clock(deps, case, at)
    fact = {
        "event": {
            "action": action,
            "at": at.isoformat(),
            "recorded_at": now.isoformat(),
            "actor_id": doer.user_id,
            "actor_role": doer.role,
            "record_seq": record.seq,
            "reason": command.reason,
            "legal_basis": command.legal_basis,
            # the files' hashes stay in the record; the fact names the materials only
            **{name: value for name, value in payload.items() if name != "files"},
            **context,
        },
        "case": snapshot(deps, case, at_event),
    }
    # The row, the record and the fact by Core statements (see rows.py).
    event = {"kind": f"case.{action}", "payload": fact, "created_at": now}
    write_event(session, case, record, event, new=action == "submit")
    if clock.provisional and not noted:
        note_provisional(session, deps, clock)
    if action == "conclude":  # the watch screens' throughput and on-time rate (办结)
        labels = (case.department_code, case.item_code, timeliness(at_event))
        add_to_total(session, CONCLUDED, labels)
    return record


def note_refused_change(
    session: Session, deps: CoreDeps, actor: Actor, case_id: str, command: ActionCommand
) -> bool:
    """An attempt to change a concluded case is refused, and reported as a fact (事中监察).

    Runs in its own transaction after the refusal; writes nothing to the case or its records.
    """
    case = session.get(Case, case_id)
    if case is None or not can_see(actor, case) or case.state not in TERMINAL:
        return False
    now = deps.now()
    clock = stored_clock(deps, case, now)
    event = {
        "action": "change_after_conclusion",
        "attempted": command.action,
        "at": now.isoformat(),
        "actor_id": actor.user_id,
        "actor_role": actor.role,
    }
    emit_fact(
        session,
        kind="case.change_after_conclusion",
        payload={"event": event, "case": snapshot(deps, case, clock)},
        now=now,
        case_id=case.id,
    )
    return True
