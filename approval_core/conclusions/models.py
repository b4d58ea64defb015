"""The conclusion row: what a case's records say at its conclusion, kept for fast statistics.

The records stay the truth: the row is written from them in the transaction that appends the
conclude record, and replaying the records gives the same figures (tested)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base

_UNIT = ("concluded_at", "accepts", "department_code", "item_code", "handler_key")
_FIGURES = (*_UNIT[1:], "outcome", "clocked", "early", "late", "days_used", "days_late",
            "stopped_days")  # fmt: skip


class Conclusion(Base):
    __tablename__ = "conclusions"
    # Covering indexes: a year's statistics read the index entries alone, never the rows.
    __table_args__ = (
        Index("ix_conclusions_at", "concluded_at", *_FIGURES),
        Index("ix_conclusions_submitted", "submitted_at", *_UNIT),
        Index("ix_conclusions_accepted", "accepted_at", *_UNIT),
        Index("ix_conclusions_case_unit", "case_id", *_UNIT),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64))
    # the user id of who handled the case (else whom it was assigned to), "-" for nobody
    handler_key: Mapped[str] = mapped_column(String(32))
    concluded_at: Mapped[datetime] = mapped_column()  # the conclude record's event time
    submitted_at: Mapped[datetime] = mapped_column()  # the submit record's
    accepted_at: Mapped[datetime | None] = mapped_column()  # the first accept record's
    # accept records (more than one after a return to the accept step: such a case is
    # counted by replaying its records)
    accepts: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(16))  # approved / denied
    # False: concluded before the review clock started (no timeliness to measure)
    clocked: Mapped[bool] = mapped_column()
    days_used: Mapped[int] = mapped_column(default=0)  # working days the clock counted
    days_late: Mapped[int] = mapped_column(default=0)  # working days overdue
    stopped_days: Mapped[int] = mapped_column(default=0)  # working days stops left out
    early: Mapped[bool] = mapped_column(default=False)  # within the promised limit
    late: Mapped[bool] = mapped_column(default=False)  # overdue >= 1
