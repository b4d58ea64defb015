"""material_files: uploaded application materials (where the bytes are kept, their SHA-256)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from approval_core.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "material_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("material_code", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("record_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_material_files_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_material_files_storage_key")),
    )
    with op.batch_alter_table("material_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_files_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("material_files")
