"""The alert lifecycle as data: which action moves an alert from which status to which, and who
may take it. `transition()` is the one gate every status change passes, by people
(`supervisor/alerts/service.py`) and by the rules (`supervisor/judging.py`).

    open ──acknowledge──▶ acknowledged ──respond──▶ responded
      │ └──────────────respond──────────────────────▲
      ├─(any active) remove ▶ removed      (摘牌, the supervision office; final)
      └─(any active) resolve ▶ resolved ──reopen──▶ open   (the rules: cause gone / back)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from approval_core.context import Actor
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput
from supervisor.alerts.models import ACTIVE

INITIAL = "open"  # the status an alert is opened with (by the rules)
# Who takes an action: the department responsible for the alert (or the person it names),
# the supervision office (supervisor, admin; never the one who responded), or the rules.
By = Literal["responsible", "supervision", "system"]
SUPERVISION = ("supervisor", "admin")
DEPARTMENT_STAFF = ("clerk", "handler", "reviewer", "head")


@dataclass(frozen=True)
class Move:
    action: str
    sources: tuple[str, ...]
    target: str
    by: By
    zh: str  # the action's name shown to people


MOVES: tuple[Move, ...] = (
    Move("acknowledge", ("open",), "acknowledged", "responsible", "确认已阅"),
    Move("respond", ("open", "acknowledged"), "responded", "responsible", "回告"),
    Move("remove", ACTIVE, "removed", "supervision", "摘牌"),
    Move("resolve", ACTIVE, "resolved", "system", "消除"),
    Move("reopen", ("resolved",), INITIAL, "system", "重新打开"),
)
ACTIONS = tuple(m.action for m in MOVES)
_BY_ACTION = {m.action: m for m in MOVES}


def state(alert: Any) -> dict[str, Any]:
    """The alert's state as a refusal reports it."""
    return {
        "id": getattr(alert, "id", None),
        "status": alert.status,
        "version": getattr(alert, "version", None),
    }


def transition(alert: Any, action: str, actor: Actor | None) -> str:
    """The status `action` by `actor` (None: the rules) leads `alert` to, or a domain error
    that writes nothing: unknown action (422), not this actor's to take (403), not from the
    alert's status (409, with the alert's current state)."""
    move = _BY_ACTION.get(action)
    if move is None:
        raise InvalidInput(
            f"unknown alert action {action!r}; expected one of {', '.join(ACTIONS)}",
            detail_zh=f"未知的告警操作 {action!r}",
            field="action",
        )
    _authorise(move, alert, actor)
    if alert.status not in move.sources:
        raise IllegalTransition(
            f"cannot {action} an alert that is {alert.status}"
            f" (only one that is {' or '.join(move.sources)})",
            detail_zh=f"告警当前状态为 {alert.status}，不能{move.zh}",
            field="alert_id",
            current=state(alert),
        )
    return move.target


def _authorise(move: Move, alert: Any, actor: Actor | None) -> None:
    if move.by == "system":
        if actor is not None:
            raise Forbidden(
                f"alerts are {move.target} by the rules, not by people",
                detail_zh=f"告警由监察规则自动{move.zh}，不能人工操作",
                field="action",
            )
        return
    if actor is None:
        raise Forbidden(f"{move.action} is taken by a person", detail_zh=f"{move.zh}须由人操作")
    if move.by == "responsible":
        _responsible(actor, alert, move)
    else:
        _supervision(actor, alert)


def _responsible(actor: Actor, alert: Any, move: Move) -> None:
    """Reading (已阅) and answering (回告) a card are for the department responsible for it, or
    the person it names; the supervision office and policy staff watch, they do not answer. An
    alert of no department (a system-wide one) is answered by the supervision office."""
    if alert.responsible_user_id is not None and actor.user_id == alert.responsible_user_id:
        return
    if alert.department_code is None:
        if actor.role in SUPERVISION:
            return
    elif actor.role in DEPARTMENT_STAFF and actor.department == alert.department_code:
        return
    what = "respond to" if move.action == "respond" else move.action
    raise Forbidden(
        f"only the responsible department may {what} this alert",
        detail_zh=f"只有责任部门可以{move.zh}此告警",
        field="alert_id",
    )


def _supervision(actor: Actor, alert: Any) -> None:
    """摘牌 is for the supervision office, and never by whoever answered the card."""
    if actor.role not in SUPERVISION:
        raise Forbidden(
            "only a supervisor may remove an alert",
            detail_zh="只有监察人员可以摘牌",
            field="alert_id",
        )
    if alert.responded_by is not None and alert.responded_by == actor.user_id:
        raise Forbidden(
            "who responded to a card may not also remove it",
            detail_zh="回告人不得自行摘牌",
            field="alert_id",
        )
