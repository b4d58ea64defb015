"""The fact row: an event plus the case snapshot that rules need (self-contained)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class Fact(Base):
    __tablename__ = "facts"
    # Only the unjudged facts are indexed for the judges' claim: the index stays small however
    # many facts have been judged (a full index on processed_at grew with them).
    __table_args__ = (
        Index(
            "ix_facts_unprocessed",
            "id",
            sqlite_where=text("processed_at IS NULL"),
            postgresql_where=text("processed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    record_id: Mapped[int | None] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
