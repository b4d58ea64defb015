"""applicants' opt-outs of SMS and e-mail messages (退订)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import approval_core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "applicant_opt_outs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("at", approval_core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_opt_outs")),
    )
    with op.batch_alter_table("applicant_opt_outs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applicant_opt_outs_tracking_no"), ["tracking_no"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applicant_opt_outs_address"), ["address"], unique=False
        )


def downgrade() -> None:
    op.drop_table("applicant_opt_outs")
