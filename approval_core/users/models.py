"""The user row. A user has one bearer token at a time, stored only as its SHA-256 digest, with
when it was issued, when it expires (none: development demo tokens only) and when it was
revoked (disable); rotating replaces the digest, so the old token stops matching."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None] = mapped_column()
    token_expires_at: Mapped[datetime | None] = mapped_column()
    token_revoked_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column()
