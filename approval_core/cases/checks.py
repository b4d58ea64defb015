"""Checks of an action's input against time, people and the catalogue (nothing is written)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.schemas import ActionCommand
from approval_core.context import Actor, CoreDeps
from approval_core.errors import Forbidden, InvalidInput
from approval_core.records.models import CaseRecord
from approval_core.timeutil import as_utc
from approval_core.users.models import User


def event_time(
    deps: CoreDeps, at: datetime | None, field: str, not_before: datetime | None
) -> datetime:
    """`at` defaults to now; never in the future, never before the case's last event."""
    now = deps.now()
    if at is None:
        at = now
    at = as_utc(at)
    if at > now:
        raise InvalidInput(
            f"{field} {at.isoformat()} is in the future",
            detail_zh=f"{field} 不能晚于当前时间",
            field=field,
        )
    if not_before is not None and at < not_before:
        raise InvalidInput(
            f"{field} {at.isoformat()} is before the case's last event ({not_before.isoformat()})",
            detail_zh=f"{field} 不能早于案件上一操作时间",
            field=field,
        )
    return at


def check_backdating(deps: CoreDeps, command: ActionCommand, at: datetime) -> None:
    """An action recorded later than it says it happened, by more than the tolerance of
    rules/timeliness.yaml (clock.backdate_tolerance_hours), must say why (补录须说明理由)."""
    tolerance = deps.catalogue.clock.backdate_tolerance_hours
    lag = deps.now() - at
    if lag > timedelta(hours=tolerance) and not command.reason:
        hours = lag.total_seconds() / 3600
        raise InvalidInput(
            f"at is {hours:.1f} hours before now, more than the {tolerance} hours allowed "
            "without a reason: give the reason this action is recorded late",
            detail_zh=(
                f"操作时间早于登记时间 {hours:.1f} 小时，超过补录时限 {tolerance} 小时，须填写理由"
            ),
            field="reason",
        )


def effective_actor(session: Session, actor: Actor, command: ActionCommand) -> Actor:
    """The person the record names: the caller, or (admin imports only) `actor`."""
    if command.actor is None or command.actor == actor.user_id:
        return actor
    if actor.role != "admin":
        raise Forbidden(
            "only an admin may record an action on behalf of another user",
            detail_zh="只有管理员可以代他人录入操作",
            field="actor",
        )
    user = session.get(User, command.actor)
    if user is None or not user.active:
        raise InvalidInput(
            f"no active user {command.actor}", detail_zh="操作人不存在", field="actor"
        )
    return Actor(user.id, user.name, user.role, user.department_code)


def check_materials(deps: CoreDeps, item_code: str, codes: list[str] | None, field: str) -> None:
    """Every material code must belong to the item."""
    known = {m.code for m in deps.catalogue.get(item_code).materials}
    unknown = [c for c in codes or [] if c not in known]
    if unknown:
        raise InvalidInput(
            f"unknown material codes for {item_code}: {', '.join(unknown)}",
            detail_zh=f"材料编码不属于该事项：{', '.join(unknown)}",
            field=field,
        )


def action_payload(
    session: Session, deps: CoreDeps, case: Case, command: ActionCommand
) -> dict[str, Any]:
    """The action's own data, checked against the catalogue and the people involved."""
    data = command.model_dump(
        exclude_none=True, exclude={"action", "actor", "at", "reason", "legal_basis", "documents"}
    )
    if command.amount is not None:
        data["amount"] = str(command.amount)
    check_materials(deps, case.item_code, command.materials, "materials")
    if command.action == "stop":
        _check_stop(deps, command)
        # Art. 45: the written notice states the expected duration; no duration, no notice.
        data["notice_given"] = command.notice_given is not False
    if command.action == "assign":
        _check_assignee(session, case, command.assignee)
    return data


def _check_stop(deps: CoreDeps, command: ActionCommand) -> None:
    known = deps.catalogue.stop_types
    if command.stop_type == "supplement":
        raise InvalidInput(
            "use request_supplement for a supplement (补正)",
            detail_zh="补正请使用 request_supplement 操作",
            field="stop_type",
        )
    if command.stop_type not in known:
        raise InvalidInput(
            f"unknown stop_type {command.stop_type!r}; known: {', '.join(sorted(known))}",
            detail_zh=(
                f"未知的特别程序类型：{command.stop_type}，应为以下之一：{'、'.join(sorted(known))}"
            ),
            field="stop_type",
        )
    if command.expected_days is None and command.notice_given is not False:
        raise InvalidInput(
            "expected_days is required: the applicant is told the expected duration",
            detail_zh="必须填写预计所需时间（书面告知申请人）",
            field="expected_days",
        )


def _check_assignee(session: Session, case: Case, assignee: int | None) -> None:
    user = session.get(User, assignee) if assignee is not None else None
    if user is None or not user.active or user.role != "handler":
        raise InvalidInput(
            "assignee must be an active handler's user id",
            detail_zh="承办人必须是有效的承办人员",
            field="assignee",
        )
    if user.department_code != case.department_code:
        raise InvalidInput(
            f"handler {user.id} belongs to {user.department_code}, not {case.department_code}",
            detail_zh="承办人不属于本案件的责任部门",
            field="assignee",
        )


# What the law requires on the document an action issues (docs/DOMAIN.md "Documents"): a
# rejection states its reasons and basis (行政许可法 Art. 32), a denial its reasons and basis
# (Art. 38; the remedies come from the catalogue); an extension tells the applicant why (Art. 42).
# A decision without a number given gets one (Catalogue.decision_number).
_REQUIRED_FIELDS: dict[tuple[str, str | None], tuple[tuple[str, str, str], ...]] = {
    ("reject", None): (
        ("reason", "不予受理的理由", "the reason for not accepting"),
        ("legal_basis", "不予受理的法律依据", "the legal basis for not accepting"),
    ),
    ("conclude", "denied"): (
        ("reason", "不予许可的理由", "the reason for the denial"),
        ("legal_basis", "不予许可的法律依据", "the legal basis for the denial"),
    ),
}


def check_document_fields(command: ActionCommand, extension_reason: str | None = None) -> None:
    """Refuse an action whose document would lack what the law requires (422 naming the
    fields). `extension_reason` is the reason of the pending extension request, if any: the
    head's approval may rely on it."""
    decision = command.decision if command.action == "conclude" else None
    required = list(_REQUIRED_FIELDS.get((command.action, decision), ()))
    if command.action == "approve_extension" and not extension_reason:
        required.append(("reason", "延期理由", "the reason for the extension"))
    missing = [entry for entry in required if not getattr(command, entry[0])]
    if not missing:
        return
    names = ", ".join(name for name, _, _ in missing)
    raise InvalidInput(
        f"{command.action} issues a document that must state {', '.join(e for _, _, e in missing)}"
        f": give {names}",
        detail_zh=(
            f"该操作出具的文书依法须载明{'、'.join(z for _, z, _ in missing)}，请填写 {names}"
        ),
        field=missing[0][0],
    )


def check_applicant_supplement(session: Session, case: Case, files: list[dict[str, Any]]) -> None:
    """The applicant ends a supplement stop only with the files of every material the
    supplement notice asked for (the stop ends when the complete supplement is received,
    docs/DOMAIN.md section 3); partial answers are refused, naming what is missing."""
    notice = session.scalars(
        select(CaseRecord)
        .where(CaseRecord.case_id == case.id, CaseRecord.action == "request_supplement")
        .order_by(CaseRecord.seq.desc())
        .limit(1)
    ).first()
    asked = [str(m) for m in (notice.payload.get("materials") or [])] if notice else []
    given = {str(f["material"]) for f in files}
    missing = [m for m in asked if m not in given]
    if not files or missing:
        shown = ", ".join(missing or asked)
        raise InvalidInput(
            f"upload the file of every material the supplement notice asks for: {shown}",
            detail_zh=f"请上传补正材料通知书要求的全部材料的文件：{shown}",
            field="files",
        )
