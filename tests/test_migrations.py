"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.db import Base


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_0007_backfills_the_alert_subject_from_the_cause(engine: Engine) -> None:
    """The SQL of migration 0007, on this database: the second "|" part of the cause."""
    path = Path(__file__).resolve().parent.parent / "approval_core/migrations/versions"
    spec = importlib.util.spec_from_file_location(
        "m0007", path / "0007_versions_and_alert_subject.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expression = module._SUBJECT_SQL[engine.dialect.name]
    causes = {
        "TIME-WARNING|3f2a-case": "3f2a-case",
        "TIME-STEP-OVER|3f2a-case|handle": "3f2a-case",
        "POST-COMPLAINT-RECEIVED|complaint:12|12": "complaint:12",
        "ITEM-DISCLOSURE|item:LAWYER-PRACTICE": "item:LAWYER-PRACTICE",
    }
    with engine.connect() as conn:
        for cause, subject in causes.items():
            sql = f"SELECT {expression} FROM (SELECT :cause AS cause) AS a"
            assert conn.execute(text(sql), {"cause": cause}).scalar() == subject
