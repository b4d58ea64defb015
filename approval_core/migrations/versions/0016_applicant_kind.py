"""applicants are persons or organisations: the kind, and an organisation's legal representative

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Only added columns (an ALTER on SQLite too, no table copy, which the records' foreign
    # keys would refuse once cases exist): every existing case was filed by a person.
    # `applicant_id_number` keeps its meaning for persons and holds an organisation's
    # 统一社会信用代码.
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "applicant_kind", sa.String(length=16), nullable=False, server_default="person"
            )
        )
        batch_op.add_column(
            sa.Column("applicant_representative_name", sa.String(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("applicant_representative_id_number", sa.String(length=18), nullable=True)
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+), as in 0009. Organisation cases would read as persons.
    op.drop_column("cases", "applicant_representative_id_number")
    op.drop_column("cases", "applicant_representative_name")
    op.drop_column("cases", "applicant_kind")
