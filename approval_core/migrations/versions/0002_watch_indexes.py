"""covering indexes for the /metrics aggregates (watch screens)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_CASES_WATCH = [
    "state",
    "item_code",
    "department_code",
    "step",
    "stop_type",
    "clock_running",
    "clock_overdue",
    "clock_remaining",
]
_ALERTS_WATCH = ["status", "level", "department_code", "item_code", "rule_id"]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_watch", _CASES_WATCH, unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_watch", _ALERTS_WATCH, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_watch")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_watch")
