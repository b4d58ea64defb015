"""Alert use cases of people: acknowledge, respond (回告), remove (摘牌); texts and causes.

Every change passes `lifecycle.transition`, is a compare-and-set on the alert's version and
appends an AlertEvent. Services add and flush; the caller commits. Alerts are opened and
resolved by the rules in `supervisor/judging.py`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from approval_core.context import Actor
from approval_core.errors import InvalidInput, NotFound
from approval_core.versioned import compare_and_set, expect
from supervisor.alerts.lifecycle import state, transition
from supervisor.alerts.models import Alert, AlertEvent
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


# What each person's action stamps on the alert besides its status: (when, by whom).
_STAMPS = {
    "acknowledge": ("acknowledged_at", "acknowledged_by"),
    "respond": ("responded_at", "responded_by"),
    "remove": ("removed_at", "removed_by"),
}


def _change(
    session: Session,
    alert: Alert,
    action: str,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    **fields: str,
) -> Alert:
    """Apply a person's `action` (with its `fields`) as a compare-and-set on the alert's
    version, then its history row: a concurrent loser writes neither."""
    before = alert.status
    at, by = _STAMPS[action]
    with compare_and_set(session, alert, state):
        alert.status = transition(alert, action, actor)
        for name, value in {at: now, by: actor.user_id, "updated_at": now, **fields}.items():
            setattr(alert, name, value)
    history(session, alert, action, before, at=now, actor=actor, note=note)
    return alert


def acknowledge(
    session: Session, actor: Actor, alert_id: int, now: datetime, expected: int | None = None
) -> Alert:
    """已阅: the responsible side has read it. `expected`: the version the client read."""
    alert = scoped_alert(session, actor, alert_id)
    transition(alert, "acknowledge", actor)
    return _change(session, expect(alert, expected, state), "acknowledge", actor, now)


def respond(
    session: Session,
    actor: Actor,
    alert_id: int,
    text: str,
    now: datetime,
    expected: int | None = None,
) -> Alert:
    """回告: the unit's written response to a card."""
    alert = scoped_alert(session, actor, alert_id)
    transition(alert, "respond", actor)  # who may, before what they wrote
    if not text.strip():
        raise InvalidInput("a response needs text", detail_zh="回告内容不能为空", field="response")
    expect(alert, expected, state)
    response = text.strip()
    return _change(session, alert, "respond", actor, now, response, response=response)


def remove(
    session: Session,
    actor: Actor,
    alert_id: int,
    reason: str,
    now: datetime,
    expected: int | None = None,
) -> Alert:
    """摘牌: a supervisor removes a card (or any alert), with a reason."""
    alert = get_alert(session, alert_id)
    transition(alert, "remove", actor)
    if not reason.strip():
        raise InvalidInput("removal needs a reason", detail_zh="摘牌必须说明理由", field="reason")
    expect(alert, expected, state)
    reason = reason.strip()
    return _change(session, alert, "remove", actor, now, reason, removal_reason=reason)
