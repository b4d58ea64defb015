"""Tables of post-supervision: complaints (投诉), legal remedies (复议、诉讼、赔偿), ratings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class Complaint(Base):
    """A complaint about a case or a department; `steps` keeps every handling step."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    department_code: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    complainant: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    accept_due: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    # compare-and-set: every UPDATE checks and bumps it (approval_core/versioned.py)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Remedy(Base):
    """行政复议 / 行政诉讼 / 行政赔偿 linked to a case, with its outcome."""

    __tablename__ = "remedies"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(200))
    filed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))
    decided_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Rating(Base):
    """好差评: one rating per concluded case, by its applicant."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(36), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
