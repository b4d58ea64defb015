"""The record row. Append-only: the service never updates or deletes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base
from approval_core.records.mac import DEFAULT_MAC

GENESIS = "0" * 64  # the prev_hash of a case's first record


class CaseRecord(Base):
    __tablename__ = "case_records"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        # statistics count the records of a period by action and event time from the index alone
        Index("ix_case_records_action_at", "action", "at", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    # Who entered the record, when it differs from the actor (imported data).
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column()  # event time
    recorded_at: Mapped[datetime] = mapped_column()  # record time
    reason: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    documents_in: Mapped[list[Any]] = mapped_column(default=list)  # 收文
    documents_out: Mapped[list[Any]] = mapped_column(default=list)  # 发文 / receipts
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The MAC `hash` is made with (approval_core/records/mac.py); records written before the
    # column existed, and by default, carry HMAC-SHA256.
    mac: Mapped[str] = mapped_column(String(16), default=DEFAULT_MAC, server_default=DEFAULT_MAC)
