"""alerts: drop ix_alerts_status_level (its columns lead ix_alerts_watch, which serves the same
queries); one index less to maintain for every alert a sweep opens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_level")


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_status_level", ["status", "level"], unique=False)
