"""The case row: current state kept for fast queries; the records are the truth."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base
from approval_core.records.models import GENESIS


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_department_state", "department_code", "state"),
        Index("ix_cases_item_state", "item_code", "state"),
        # Covers the /metrics aggregate: open cases are counted from the index alone.
        Index(
            "ix_cases_watch",
            "state",
            "item_code",
            "department_code",
            "step",
            "stop_type",
            "clock_running",
            "clock_overdue",
            "clock_remaining",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(64))

    # A person (kind "person") or an organisation ("organisation"). `applicant_id_number` is
    # the applicant's own number: a person's 居民身份证号, an organisation's 统一社会信用代码
    # (shown as `credit_code`); an organisation's legal representative has columns of its own.
    # (a server default only: bulk loads of cases need not name it)
    applicant_kind: Mapped[str] = mapped_column(String(16), server_default="person")
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_number: Mapped[str] = mapped_column(String(64))
    applicant_representative_name: Mapped[str | None] = mapped_column(String(200))
    applicant_representative_id_number: Mapped[str | None] = mapped_column(String(18))
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    applicant_email: Mapped[str | None] = mapped_column(String(200))
    materials: Mapped[list[Any]] = mapped_column(default=list)

    state: Mapped[str] = mapped_column(String(32), index=True)
    step: Mapped[str] = mapped_column(String(32))
    # The state to go back to when a stop or an in-review supplement ends.
    resume_state: Mapped[str | None] = mapped_column(String(32))
    stop_type: Mapped[str | None] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column()
    handler_id: Mapped[int | None] = mapped_column()
    reviewer_id: Mapped[int | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_no: Mapped[str | None] = mapped_column(String(64))

    submitted_at: Mapped[datetime] = mapped_column()
    last_event_at: Mapped[datetime] = mapped_column()
    record_count: Mapped[int] = mapped_column(default=0)
    # The chain head: the last record's seq and hash. Appending a record reads these, not the
    # records; `sunlight records verify` checks them against the records (a deleted last
    # record leaves the head pointing past the end of the chain).
    chain_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    chain_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    applicant_user_id: Mapped[int | None] = mapped_column()

    # The clock as of the last event (recomputed on every action and calendar change).
    clock_started_on: Mapped[date | None] = mapped_column(Date)
    clock_due_date: Mapped[date | None] = mapped_column(Date)
    clock_elapsed: Mapped[int] = mapped_column(default=0)
    clock_remaining: Mapped[int] = mapped_column(default=0)
    clock_overdue: Mapped[int] = mapped_column(default=0)
    clock_running: Mapped[bool] = mapped_column(default=False)
    clock_deemed_accepted: Mapped[bool] = mapped_column(default=False)
    clock_provisional: Mapped[bool] = mapped_column(default=False, index=True)
    calendar_version: Mapped[str | None] = mapped_column(String(120))
    # the policy version whose catalogue and calendar computed the stored clock figures
    policy_version: Mapped[str | None] = mapped_column(String(64))
    clock_computed_at: Mapped[datetime | None] = mapped_column()

    # The clock's inputs and the case's counters, kept so that a sweep can judge the case
    # without reading its records (the records stay the truth; replay recomputes both).
    clock_events: Mapped[list[Any]] = mapped_column(default=list)
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The next moment a time-based rule may change its verdict (None: nothing pending).
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)

    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
