"""each record names the MAC it is sealed with: hmac-sha256 (all existing records) or hmac-sm3

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # An added column with a server default (a plain ALTER on SQLite too, no table copy): every
    # existing record was sealed with HMAC-SHA256 and keeps verifying unchanged.
    with op.batch_alter_table("case_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mac", sa.String(length=16), nullable=False, server_default="hmac-sha256")
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), as in 0009. Records sealed with SM3 would no longer say
    # so: downgrade only a database that never used SUNLIGHT_RECORD_MAC=hmac-sm3.
    op.drop_column("case_records", "mac")
