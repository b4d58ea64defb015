"""Notifications: people's contact points, their inbox, and the delivery log with dead letters.

Contact points are managed by their owner or an admin; their secrets are write-only (stored
sealed, shown as `signed`), their destinations limited (supervisor/notify/outbound.py).
Supervisors and admins read the delivery log (every attempt: the proof that someone was
told) and replay dead letters.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Service, require_role, unit_of_work
from approval_core.context import Actor
from approval_core.errors import Forbidden
from approval_core.inputs import Id, Line
from approval_core.keys import SecretBox
from supervisor.notify import service as notify
from supervisor.notify.outbound import OutboundPolicy

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class NewContact(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Line = Field(
        max_length=32, description="email, webhook, wecom, dingtalk or alertmanager"
    )
    address: Line = Field(min_length=1, max_length=500)
    secret: Line | None = Field(
        default=None, max_length=200, description="webhook whsec_ secret; DingTalk SEC secret"
    )
    language: Line = Field(default="zh", max_length=8)


def _own_or_admin(actor: Actor, user_id: int) -> None:
    if actor.user_id != user_id and actor.role != "admin":
        raise Forbidden(
            "only the person or an admin manages contact points",
            detail_zh="只有本人或管理员可以管理联系方式",
            field="user_id",
        )


def _me(actor: Actor) -> int:
    if actor.user_id is None:
        raise Forbidden("no inbox without a user", detail_zh="系统账户没有信箱")
    return actor.user_id


@router.get("/users/{user_id}/contacts")
def list_contacts(user_id: Id, actor: CurrentActor, service: Service) -> list[dict[str, Any]]:
    _own_or_admin(actor, user_id)
    with unit_of_work(service) as session:
        return [notify.contact_view(p) for p in notify.contacts(session, user_id)]


@router.post("/users/{user_id}/contacts", status_code=201)
def add_contact(
    user_id: Id, body: NewContact, actor: CurrentActor, service: Service
) -> dict[str, Any]:
    _own_or_admin(actor, user_id)
    with unit_of_work(service) as session:
        point = notify.add_contact(
            session,
            user_id,
            channel=body.channel,
            address=body.address,
            secret=body.secret,
            language=body.language,
            now=service.core.now(),
            box=SecretBox(service.settings.data_key),
            outbound=OutboundPolicy.from_settings(service.settings),
        )
        return notify.contact_view(point)


@router.delete("/users/{user_id}/contacts/{contact_id}", status_code=204)
def remove_contact(user_id: Id, contact_id: Id, actor: CurrentActor, service: Service) -> None:
    _own_or_admin(actor, user_id)
    with unit_of_work(service) as session:
        notify.remove_contact(session, user_id, contact_id)


@router.get("/inbox")
def read_inbox(actor: CurrentActor, service: Service, unread: bool = False) -> list[dict[str, Any]]:
    """The caller's in-app messages, newest first."""
    with unit_of_work(service) as session:
        rows = notify.inbox(session, _me(actor), unread_only=unread)
        return [notify.inbox_view(m) for m in rows]


@router.post("/inbox/{message_id}/read")
def mark_read(message_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    with unit_of_work(service) as session:
        message = notify.mark_read(session, _me(actor), message_id, service.core.now())
        return notify.inbox_view(message)


@router.get("/notifications/deliveries")
def list_deliveries(
    actor: CurrentActor,
    service: Service,
    status: Annotated[str | None, Query(description="pending, delivered, dead, cancelled")] = None,
    alert_id: Id | None = None,
) -> list[dict[str, Any]]:
    require_role(actor, "supervisor", "admin")
    with unit_of_work(service) as session:
        rows = notify.deliveries(session, status=status, alert_id=alert_id)
        return [notify.delivery_view(session, row) for row in rows]


@router.post("/notifications/deliveries/{delivery_id}/replay")
def replay(delivery_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """Send a dead letter again, with the same idempotency key."""
    require_role(actor, "supervisor", "admin")
    with unit_of_work(service) as session:
        row = notify.replay(session, delivery_id, service.core.now())
        return notify.delivery_view(session, row)
