"""People's use cases of notifications: contact points, the inbox, dead letters and the proof
of delivery. Services add and flush; the caller commits."""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.errors import InvalidInput, NotFound
from approval_core.keys import SecretBox
from approval_core.users.models import User
from supervisor.notify.models import (
    CHANNELS,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    InboxMessage,
)
from supervisor.notify.outbound import OutboundPolicy

LANGUAGES = ("zh", "en")


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", detail_zh="用户不存在", field="user_id")
    return user


def check_webhook_secret(secret: str) -> None:
    """A Standard Webhooks secret: "whsec_" and the base64 of 24 to 64 random bytes."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith("whsec_") or not 24 <= len(key) <= 64:
        raise InvalidInput(
            'a webhook secret is "whsec_" followed by the base64 of 24 to 64 random bytes',
            detail_zh="webhook 密钥须为“whsec_”加 24 至 64 个随机字节的 base64 编码",
            field="secret",
        )


def add_contact(
    session: Session,
    user_id: int,
    *,
    channel: str,
    address: str,
    now: datetime,
    box: SecretBox,
    outbound: OutboundPolicy,
    secret: str | None = None,
    language: str = "zh",
) -> ContactPoint:
    """A contact point; its destination checked against the outbound policy, its secret
    stored sealed with the data key (opened only to send)."""
    _user(session, user_id)
    if channel not in CHANNELS:
        raise InvalidInput(
            f"unknown channel {channel}; one of {', '.join(CHANNELS)}",
            detail_zh=f"未知的渠道 {channel}，可选：{'、'.join(CHANNELS)}",
            field="channel",
        )
    if language not in LANGUAGES:
        raise InvalidInput("language is zh or en", detail_zh="语言须为 zh 或 en", field="language")
    if not address.strip():
        raise InvalidInput("an address is needed", detail_zh="地址不能为空", field="address")
    outbound.check_new(channel, address.strip())
    if channel == "webhook" and secret is not None:
        check_webhook_secret(secret)
    point = ContactPoint(
        user_id=user_id,
        channel=channel,
        address=address.strip(),
        secret=box.seal(secret) if secret is not None else None,
        language=language,
        enabled=True,
        created_at=now,
    )
    session.add(point)
    session.flush()
    return point


def shown_address(address: str) -> str:
    """An address as shown: robot URLs carry their access token in the query, never shown."""
    parsed = urllib.parse.urlsplit(address)
    if not parsed.query or parsed.scheme not in ("http", "https"):
        return address
    masked = "&".join(f"{part.split('=')[0]}=***" for part in parsed.query.split("&"))
    return urllib.parse.urlunsplit(parsed._replace(query=masked))


def contacts(session: Session, user_id: int) -> Sequence[ContactPoint]:
    _user(session, user_id)
    stmt = select(ContactPoint).where(ContactPoint.user_id == user_id).order_by(ContactPoint.id)
    return session.scalars(stmt).all()


def remove_contact(session: Session, user_id: int, contact_id: int) -> None:
    point = session.get(ContactPoint, contact_id)
    if point is None or point.user_id != user_id:
        raise NotFound(f"no contact {contact_id}", detail_zh="联系方式不存在", field="contact_id")
    session.delete(point)
    session.flush()


def contact_view(point: ContactPoint) -> dict[str, Any]:
    return {
        "id": point.id,
        "user_id": point.user_id,
        "channel": point.channel,
        "address": shown_address(point.address),
        "language": point.language,
        "enabled": point.enabled,
        "signed": point.secret is not None,
    }


def inbox(session: Session, user_id: int, *, unread_only: bool = False) -> Sequence[InboxMessage]:
    stmt = select(InboxMessage).where(InboxMessage.user_id == user_id)
    if unread_only:
        stmt = stmt.where(InboxMessage.read_at.is_(None))
    return session.scalars(stmt.order_by(InboxMessage.id.desc())).all()


def mark_read(session: Session, user_id: int, message_id: int, now: datetime) -> InboxMessage:
    message = session.get(InboxMessage, message_id)
    if message is None or message.user_id != user_id:
        raise NotFound(f"no message {message_id}", detail_zh="消息不存在", field="message_id")
    if message.read_at is None:
        message.read_at = now
    session.flush()
    return message


def inbox_view(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "alert_id": message.alert_id,
        "subject": message.subject,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


def deliveries(
    session: Session, *, status: str | None = None, alert_id: int | None = None
) -> Sequence[Delivery]:
    stmt = select(Delivery).order_by(Delivery.id)
    if status:
        stmt = stmt.where(Delivery.status == status)
    if alert_id is not None:
        stmt = stmt.where(Delivery.alert_id == alert_id)
    return session.scalars(stmt).all()


def attempts(session: Session, delivery_id: int) -> Sequence[DeliveryAttempt]:
    stmt = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
    return session.scalars(stmt.order_by(DeliveryAttempt.id)).all()


def delivery_view(session: Session, row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "kind": row.kind,
        "alert_id": row.alert_id,
        "user_id": row.user_id,
        "channel": row.channel,
        "address": shown_address(row.address),
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "history": [
            {
                "at": a.at.isoformat(),
                "channel": a.channel,
                "outcome": a.outcome,
                "response": a.response,
                "duration_ms": a.duration_ms,
            }
            for a in attempts(session, row.id)
        ],
    }


def replay(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """Send a dead letter again (same idempotency key), from a fresh count of attempts."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(f"no delivery {delivery_id}", detail_zh="投递记录不存在", field="id")
    if row.status != "dead":
        raise InvalidInput(
            f"only a dead letter can be replayed (it is {row.status})",
            detail_zh="只有投递失败（死信）的消息可以重发",
            field="id",
        )
    row.status, row.attempts, row.next_attempt_at, row.claimed_until = "pending", 0, now, None
    session.add(
        DeliveryAttempt(
            delivery_id=row.id,
            at=now,
            channel=row.channel,
            outcome="replayed",
            response=None,
            duration_ms=0,
        )
    )
    session.flush()
    return row
