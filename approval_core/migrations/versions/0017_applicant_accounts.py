"""applicant accounts of the online service hall and their browser sessions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import approval_core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None

_MOMENT = approval_core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "applicant_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_number", sa.String(length=64), nullable=False),
        sa.Column("representative_name", sa.String(length=200), nullable=True),
        sa.Column("representative_id_number", sa.String(length=18), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _MOMENT, nullable=True),
        sa.Column("reset_code_hash", sa.String(length=64), nullable=True),
        sa.Column("reset_expires_at", _MOMENT, nullable=True),
        sa.Column("oidc_issuer", sa.String(length=300), nullable=True),
        sa.Column("oidc_subject", sa.String(length=300), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_applicant_accounts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_applicant_accounts")),
        sa.UniqueConstraint("login", name=op.f("uq_applicant_accounts_login")),
        sa.UniqueConstraint(
            "oidc_issuer", "oidc_subject", name=op.f("uq_applicant_accounts_oidc_issuer")
        ),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("revoked_at", _MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_portal_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_sessions")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("portal_sessions")
    op.drop_table("applicant_accounts")
