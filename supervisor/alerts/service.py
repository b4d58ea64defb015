"""Alert use cases of people: acknowledge, respond (回告), remove (摘牌); texts and causes.

Every change appends an AlertEvent. Services add and flush; the caller commits. Alerts are
opened and resolved by the rules in `supervisor/judging.py`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from approval_core.context import Actor
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from supervisor.alerts.models import ACTIVE, Alert, AlertEvent
from supervisor.rulebook.compiled import CompiledRule

SYSTEM = "监察系统 / supervisor"


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_CONVERSIONS: dict[str, Any] = {"r": repr, "s": str, "a": ascii}
_Piece = tuple[str, str | None, str | None, str | None]  # literal, field, format spec, conversion


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[_Piece, ...] | None:
    """The template parsed once; None when it needs the general formatter (attribute or
    index access, nested fields, positional fields) or does not parse."""
    try:
        parsed = tuple(string.Formatter().parse(template))
    except ValueError:
        return None
    for _literal, name, spec, _conversion in parsed:
        if name is not None and (not name.isidentifier() or "{" in (spec or "")):
            return None
    return parsed


def render(template: str, fact: Mapping[str, Any]) -> str:
    """Fill {field} placeholders from the fact; unknown ones stay as written."""
    pieces = _pieces(template)
    try:
        if pieces is None:
            return string.Formatter().vformat(template, (), _Missing(fact))
        parts: list[str] = []
        for literal, name, spec, conversion in pieces:
            parts.append(literal)
            if name is None:
                continue
            value = fact[name] if name in fact else "{" + name + "}"
            if conversion:
                value = _CONVERSIONS[conversion](value)
            parts.append(format(value, spec or ""))
        return "".join(parts)
    except (ValueError, IndexError):
        return template


def cause_of(rule: CompiledRule, fact: Mapping[str, Any], subject: str) -> str:
    parts = [rule.id, subject]
    if rule.cause_field:
        parts.append(str(fact.get(rule.cause_field, "")))
    return "|".join(parts)


def history(
    session: Session,
    alert: Alert,
    action: str,
    before: str | None,
    *,
    at: datetime,
    actor: Actor | None = None,
    note: str | None = None,
    fact_id: int | None = None,
) -> None:
    session.add(
        AlertEvent(
            alert_id=alert.id,
            action=action,
            from_status=before,
            to_status=alert.status,
            actor_id=actor.user_id if actor else None,
            actor_name=actor.name if actor else SYSTEM,
            at=at,
            note=note,
            fact_id=fact_id,
            ruleset_version=alert.ruleset_version,
        )
    )


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", detail_zh="告警不存在", field="alert_id")
    return alert


def _may_see(actor: Actor, alert: Alert) -> bool:
    if actor.role in ("admin", "supervisor", "policy"):
        return True
    return actor.department is not None and actor.department == alert.department_code


def scoped_alert(session: Session, actor: Actor, alert_id: int) -> Alert:
    alert = get_alert(session, alert_id)
    if not _may_see(actor, alert):
        raise NotFound(f"no alert {alert_id}", detail_zh="告警不存在", field="alert_id")
    return alert


DEPARTMENT_STAFF = ("clerk", "handler", "reviewer", "head")


def _responsible(actor: Actor, alert: Alert, what_zh: str, what_en: str) -> None:
    """Reading (已阅) and answering (回告) a card are for the department responsible for it, or
    the person it names; the supervision office and policy staff watch, they do not answer. An
    alert of no department (a system-wide one) is answered by the supervision office."""
    if alert.responsible_user_id is not None and actor.user_id == alert.responsible_user_id:
        return
    if alert.department_code is None:
        if actor.role in ("supervisor", "admin"):
            return
    elif actor.role in DEPARTMENT_STAFF and actor.department == alert.department_code:
        return
    raise Forbidden(
        f"only the responsible department may {what_en} this alert",
        detail_zh=f"只有责任部门可以{what_zh}此告警",
        field="alert_id",
    )


def acknowledge(session: Session, actor: Actor, alert_id: int, now: datetime) -> Alert:
    """已阅: the responsible side has read it."""
    alert = scoped_alert(session, actor, alert_id)
    _responsible(actor, alert, "确认已阅", "acknowledge")
    if alert.status != "open":
        raise IllegalTransition(
            f"only an open alert can be acknowledged (it is {alert.status})",
            detail_zh="只有未读的告警可以确认已阅",
            field="alert_id",
        )
    alert.status, alert.acknowledged_at, alert.acknowledged_by = "acknowledged", now, actor.user_id
    alert.updated_at = now
    history(session, alert, "acknowledge", "open", at=now, actor=actor)
    return alert


def respond(session: Session, actor: Actor, alert_id: int, text: str, now: datetime) -> Alert:
    """回告: the unit's written response to a card."""
    alert = scoped_alert(session, actor, alert_id)
    _responsible(actor, alert, "回告", "respond to")
    if not text.strip():
        raise InvalidInput("a response needs text", detail_zh="回告内容不能为空", field="response")
    if alert.status not in ("open", "acknowledged"):
        raise IllegalTransition(
            f"cannot respond to an alert that is {alert.status}",
            detail_zh="该告警当前不能回告",
            field="alert_id",
        )
    before = alert.status
    alert.status, alert.responded_at, alert.responded_by = "responded", now, actor.user_id
    alert.response = text.strip()
    alert.updated_at = now
    history(session, alert, "respond", before, at=now, actor=actor, note=alert.response)
    return alert


def remove(session: Session, actor: Actor, alert_id: int, reason: str, now: datetime) -> Alert:
    """摘牌: a supervisor removes a card (or any alert), with a reason."""
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden(
            "only a supervisor may remove an alert",
            detail_zh="只有监察人员可以摘牌",
            field="alert_id",
        )
    alert = get_alert(session, alert_id)
    if not reason.strip():
        raise InvalidInput("removal needs a reason", detail_zh="摘牌必须说明理由", field="reason")
    if alert.responded_by is not None and alert.responded_by == actor.user_id:
        raise Forbidden(
            "who responded to a card may not also remove it",
            detail_zh="回告人不得自行摘牌",
            field="alert_id",
        )
    if alert.status not in ACTIVE:
        raise IllegalTransition(
            f"cannot remove an alert that is {alert.status}",
            detail_zh="该告警已摘牌或已消除",
            field="alert_id",
        )
    before = alert.status
    alert.status, alert.removed_at, alert.removed_by = "removed", now, actor.user_id
    alert.removal_reason = reason.strip()
    alert.updated_at = now
    history(session, alert, "remove", before, at=now, actor=actor, note=alert.removal_reason)
    return alert
