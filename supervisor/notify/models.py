"""Notification tables: contact points, the delivery outbox, its attempts (留痕), the inbox,
and timers for escalation and repeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base

CHANNELS = ("email", "webhook", "wecom", "dingtalk", "alertmanager")
# cancelled: an applicant opted out before it was sent
DELIVERY_STATUSES = ("pending", "delivered", "dead", "cancelled")


class ContactPoint(Base):
    """Where a person is told: one channel and address, with the language they read."""

    __tablename__ = "contact_points"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    # webhook: a whsec_ secret; dingtalk: the robot's SEC... secret (signed mode); sealed with
    # SUNLIGHT_DATA_KEY (approval_core/keys.py SecretBox), opened only to send
    secret: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column()


class Delivery(Base):
    """One message to one address; `key` is its idempotency key, the same on every retry."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # alert, escalation, repeat, digest
    alert_id: Mapped[int | None] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(Text)  # the contact point's, still sealed
    language: Mapped[str] = mapped_column(String(8), default="zh")
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)


class DeliveryAttempt(Base):
    """One try to deliver: when, where, what came back (the proof a person was told)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # delivered, failed, dead, replayed
    response: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)


class InboxMessage(Base):
    """The in-app copy every recipient gets."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # one copy per message and person
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    alert_id: Mapped[int | None] = mapped_column()
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()


class NotifyTimer(Base):
    """A later look at an alert: escalate it if still unacknowledged, or repeat it if unresolved."""

    __tablename__ = "notify_timers"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))  # escalate, repeat
    route: Mapped[str] = mapped_column(String(120))
    step: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(index=True)
    done_at: Mapped[datetime | None] = mapped_column()


class ApplicantOptOut(Base):
    """An applicant's "do not tell me on this channel" (退订): for a case (tracking number) and
    the address it was given for, so the same phone or mailbox is not told about it either.
    Respected when messages are queued and again just before each is sent."""

    __tablename__ = "applicant_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tracking_no: Mapped[str | None] = mapped_column(String(32), index=True)
    address: Mapped[str | None] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms, email
    at: Mapped[datetime] = mapped_column()
