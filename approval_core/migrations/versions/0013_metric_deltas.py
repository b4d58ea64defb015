"""running totals for /metrics: metric_deltas, kept by triggers on cases and alerts

The triggers write, in the transaction of the change, -1 under the labels a row was counted
under and +1 under its new ones, whoever writes the row (a use case through the ORM, the sweep's
bulk UPDATE, an import). Their label expressions are frozen here; the reference is
approval_core.tallies.service (case_labels, alert_labels, bucket), and the leader's
reconciliation compares the two. The table starts with the current counts.

On SQLite, a later batch migration that recreates `cases` or `alerts` drops these triggers: it
must create them again (tests/metrics/test_totals.py checks that they exist at head).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

_OPEN = (
    "'submitted','registered','supplementing','accepted','handling','reviewing','reviewed',"
    "'suspended'"
)
_ACTIVE = "'open','acknowledged','responded'"


def _case_key(r: str) -> str:
    return (
        f"CASE WHEN {r}.state IN ({_OPEN}) THEN "
        f"{r}.item_code || '|' || {r}.department_code || '|' || {r}.step || '|' || "
        f"CASE WHEN {r}.clock_overdue > 0 THEN 'overdue' "
        f"WHEN NOT {r}.clock_running THEN 'not_running' "
        f"WHEN {r}.clock_remaining <= 3 THEN '0-3' "
        f"WHEN {r}.clock_remaining <= 10 THEN '4-10' ELSE '11+' END || '|' || "
        f"CASE WHEN {r}.state IN ('suspended','supplementing') "
        f"THEN COALESCE({r}.stop_type, 'none') ELSE '' END END"
    )


def _alert_key(r: str) -> str:
    return (
        f"CASE WHEN {r}.status IN ({_ACTIVE}) THEN "
        f"{r}.level || '|' || COALESCE({r}.department_code, 'none') || '|' || "
        f"COALESCE({r}.item_code, 'none') || '|' || {r}.rule_id END"
    )


# table, metric, key expression, columns the key reads
_WATCHED = (
    (
        "cases",
        "open_cases",
        _case_key,
        "state, item_code, department_code, step, stop_type, clock_running, clock_overdue, "
        "clock_remaining",
    ),
    ("alerts", "open_alerts", _alert_key, "status, level, department_code, item_code, rule_id"),
)


def _sqlite(table: str, metric: str, key: Callable[[str], str], columns: str) -> list[str]:
    old, new = key("OLD"), key("NEW")
    ins = "INSERT INTO metric_deltas (metric, labels, delta)"
    return [
        f"CREATE TRIGGER tr_{table}_totals_insert AFTER INSERT ON {table} "
        f"WHEN ({new}) IS NOT NULL BEGIN {ins} VALUES ('{metric}', {new}, 1); END",
        f"CREATE TRIGGER tr_{table}_totals_update AFTER UPDATE OF {columns} ON {table} "
        f"WHEN ({old}) IS NOT ({new}) BEGIN "
        f"{ins} SELECT '{metric}', {old}, -1 WHERE ({old}) IS NOT NULL; "
        f"{ins} SELECT '{metric}', {new}, 1 WHERE ({new}) IS NOT NULL; END",
    ]


def _postgresql(table: str, metric: str, key: Callable[[str], str], columns: str) -> list[str]:
    old, new = key("OLD"), key("NEW")
    ins = "INSERT INTO metric_deltas (metric, labels, delta)"
    function = f"""
CREATE OR REPLACE FUNCTION {table}_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE old_key text; new_key text;
BEGIN
  IF TG_OP = 'UPDATE' THEN old_key := {old}; END IF;
  new_key := {new};
  IF old_key IS NOT NULL THEN {ins} VALUES ('{metric}', old_key, -1); END IF;
  IF new_key IS NOT NULL THEN {ins} VALUES ('{metric}', new_key, 1); END IF;
  RETURN NULL;
END $$"""
    return [
        function,
        f"CREATE TRIGGER tr_{table}_totals_insert AFTER INSERT ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_totals()",
        f"CREATE TRIGGER tr_{table}_totals_update AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) "
        f"EXECUTE FUNCTION {table}_totals()",
    ]


def upgrade() -> None:
    op.create_table(
        "metric_deltas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_deltas")),
    )
    make = _postgresql if op.get_bind().dialect.name == "postgresql" else _sqlite
    for table, metric, key, columns in _WATCHED:
        for statement in make(table, metric, key, columns):
            op.execute(statement)
        # the counts as they stand: the triggers keep them from here on
        op.execute(
            f"INSERT INTO metric_deltas (metric, labels, delta) SELECT '{metric}', k, count(*) "
            f"FROM (SELECT {key('t')} AS k FROM {table} t) AS keyed "
            "WHERE k IS NOT NULL GROUP BY k"
        )
    op.execute(
        "INSERT INTO metric_deltas (metric, labels, delta) "
        "SELECT 'ratings', level, count(*) FROM ratings GROUP BY level"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _metric, _key, _columns in _WATCHED:
        for event in ("insert", "update"):
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_totals_{event}{on}")
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_totals()")
    op.drop_table("metric_deltas")
