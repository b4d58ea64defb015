"""the chain head on the case row: the last record's seq and hash, backfilled from the records

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

GENESIS = "0" * 64  # a case without records (none exist: submit writes the first one)

# The last record of each case, by correlated subqueries (the same SQL on SQLite and PostgreSQL;
# the unique index on (case_id, seq) answers each one).
_LAST = (
    "SELECT r.{column} FROM case_records r WHERE r.case_id = cases.id ORDER BY r.seq DESC LIMIT 1"
)
_BACKFILL = (
    f"UPDATE cases SET chain_seq = ({_LAST.format(column='seq')}), "
    f"chain_hash = ({_LAST.format(column='hash')}) "
    "WHERE EXISTS (SELECT 1 FROM case_records r WHERE r.case_id = cases.id)"
)


def upgrade() -> None:
    # Only added columns (an ALTER on SQLite too, no table copy): their server defaults stay,
    # as in the model, for rows written by other means (bulk loads).
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chain_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("chain_hash", sa.String(length=64), nullable=False, server_default=GENESIS)
        )
    op.execute(_BACKFILL)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch table copy would fail on the records' foreign
    # keys once cases exist.
    op.drop_column("cases", "chain_hash")
    op.drop_column("cases", "chain_seq")
