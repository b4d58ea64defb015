"""versions for compare-and-set (complaints, remedies, ratings, alerts); the alert's subject
as its own indexed column, backfilled from its cause (rule id | subject [| cause value])

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_VERSIONED = ("complaints", "remedies", "ratings", "alerts")
# The second "|"-separated part of the cause: rule ids and subjects never contain "|".
_SUBJECT_SQL = {
    "postgresql": "split_part(cause, '|', 2)",
    "sqlite": (
        "CASE WHEN instr(substr(cause, instr(cause, '|') + 1), '|') > 0"
        " THEN substr(substr(cause, instr(cause, '|') + 1), 1,"
        " instr(substr(cause, instr(cause, '|') + 1), '|') - 1)"
        " ELSE substr(cause, instr(cause, '|') + 1) END"
    ),
}


def upgrade() -> None:
    for table in _VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="1")
            )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(f"UPDATE alerts SET subject = {_SUBJECT_SQL[dialect]}")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.String(length=200), nullable=False)
        batch_op.create_index(batch_op.f("ix_alerts_subject"), ["subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_subject"))
        batch_op.drop_column("subject")
    for table in reversed(_VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
