"""tokens with issue, expiry and revocation times; contact-point secrets sealed with the data
key (wider columns, existing plain secrets sealed now); the shared public rate-limit counters

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00

Tokens issued before this migration get no expiry: rotate them (`sunlight users rotate`).
Existing plain secrets are sealed with SUNLIGHT_DATA_KEY of the environment running the
migration (`sunlight db upgrade`); the settings are read only when there are secrets to seal.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_issued_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("token_expires_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("token_revoked_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE users SET token_issued_at = created_at")
    for table in ("contact_points", "deliveries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("secret", existing_type=sa.String(length=200), type_=sa.Text())
        _seal_plain_secrets(table)
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_counters")),
    )
    op.create_index(
        op.f("ix_rate_counters_window_start"), "rate_counters", ["window_start"], unique=False
    )


def _seal_plain_secrets(table: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, secret FROM {table} WHERE secret IS NOT NULL")  # noqa: S608
    ).all()
    if not rows:
        return
    from approval_core.keys import SecretBox
    from approval_core.settings import Settings

    box = SecretBox(Settings().data_key)
    for row_id, secret in rows:
        try:
            box.open(secret)
            continue  # sealed already
        except ValueError:
            pass
        bind.execute(
            sa.text(f"UPDATE {table} SET secret = :sealed WHERE id = :id"),  # noqa: S608
            {"sealed": box.seal(secret), "id": row_id},
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counters_window_start"), table_name="rate_counters")
    op.drop_table("rate_counters")
    # Sealed secrets stay sealed (and may not fit 200 characters): downgrading needs them
    # re-entered, so the columns stay wide.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("token_revoked_at")
        batch_op.drop_column("token_expires_at")
        batch_op.drop_column("token_issued_at")
