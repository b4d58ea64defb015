"""Alert rows and their append-only history (every change is a record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base

STATUSES = ("open", "acknowledged", "responded", "removed", "resolved")
ACTIVE = ("open", "acknowledged", "responded")


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_department_status", "department_code", "status"),
        # Covers the /metrics aggregate of active alerts, and lookups by status (and level).
        Index("ix_alerts_watch", "status", "level", "department_code", "item_code", "rule_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # rule id + subject (+ cause field value): one cause never opens two alerts.
    cause: Mapped[str] = mapped_column(String(200), unique=True)
    # what the alert is about: a case id, "item:CODE", "complaint:ID", "rating:CASE"
    subject: Mapped[str] = mapped_column(String(200), index=True)
    rule_id: Mapped[str] = mapped_column(String(80), index=True)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    item_code: Mapped[str | None] = mapped_column(String(64))
    department_code: Mapped[str | None] = mapped_column(String(64))
    responsible_user_id: Mapped[int | None] = mapped_column()
    concerns: Mapped[list[Any]] = mapped_column(default=list)
    legal_basis: Mapped[str] = mapped_column(Text)
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    response_days: Mapped[int | None] = mapped_column()
    fact: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the fact that opened it
    opened_at: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[int | None] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    responded_by: Mapped[int | None] = mapped_column()
    response: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[int | None] = mapped_column()
    removal_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # compare-and-set: every UPDATE, a person's or the Judge's, checks and bumps it
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class AlertEvent(Base):
    """One change of an alert: who, what, when, and the status before and after."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    fact_id: Mapped[int | None] = mapped_column()
    ruleset_version: Mapped[str | None] = mapped_column(String(64))


class Lease(Base):
    """A named lease (e.g. the scheduler's leader), held until `expires_at`."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()
