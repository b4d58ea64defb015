"""conclusions: one row per concluded case (timeliness at the conclusion) for statistics;
case_records indexed by (action, at) for the period queries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from approval_core.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Empty at first: the rows need the catalogue and calendar in force (not available to a
    # migration). Statistics replay the records of a concluded case without a row, so the
    # figures are right at once; `sunlight evaluate backfill-conclusions` adds the rows.
    op.create_table(
        "conclusions",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("handler_key", sa.String(length=32), nullable=False),
        sa.Column("concluded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("clocked", sa.Boolean(), nullable=False),
        sa.Column("days_used", sa.Integer(), nullable=False),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column("stopped_days", sa.Integer(), nullable=False),
        sa.Column("early", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_conclusions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_conclusions")),
    )
    # covering indexes: a year's statistics read the index entries alone
    unit = ["concluded_at", "accepts", "department_code", "item_code", "handler_key"]
    figures = [*unit[1:], "outcome", "clocked", "early", "late", "days_used", "days_late"]
    op.create_index("ix_conclusions_at", "conclusions", ["concluded_at", *figures, "stopped_days"])
    op.create_index("ix_conclusions_submitted", "conclusions", ["submitted_at", *unit])
    op.create_index("ix_conclusions_accepted", "conclusions", ["accepted_at", *unit])
    op.create_index("ix_conclusions_case_unit", "conclusions", ["case_id", *unit])
    op.create_index("ix_case_records_action_at", "case_records", ["action", "at", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_records_action_at", table_name="case_records")
    op.drop_table("conclusions")
