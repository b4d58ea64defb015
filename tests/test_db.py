"""Database plumbing: read-only transactions and AUTOCOMMIT statements on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from approval_core.db import read_only
from approval_core.users.models import User

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def test_a_read_only_transaction_lets_a_writer_commit_meanwhile(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as reader, reader.begin():
        read_only(reader)  # SQLite: plain BEGIN, no write lock
        before = reader.scalar(select(func.count()).select_from(User))
        with sessions() as writer, writer.begin():  # would wait for the lock, then fail
            writer.add(
                User(name="写者", role="clerk", token_hash="x" * 64, active=True, created_at=NOW)
            )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == (before or 0) + 1


def test_autocommit_statements_are_committed(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE TABLE autocommit_probe (n INTEGER)"))
        conn.execute(text("INSERT INTO autocommit_probe VALUES (7)"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM autocommit_probe")).scalar() == 7
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE autocommit_probe"))


def test_psycopg_keeps_the_conversion_of_the_event_statements() -> None:
    """The action path's event statements have more parameters than psycopg's own bound for
    keeping a statement's conversion; an engine on psycopg raises the bound past them, so the
    statement is not parsed again on every action."""
    from psycopg import _queries

    from approval_core.cases.rows import _INSERT_EVENT, _UPDATE_EVENT
    from approval_core.db import make_engine

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # (never connects)
    dialect = engine.dialect
    try:
        for statement in (_INSERT_EVENT, _UPDATE_EVENT):
            compiled = statement.compile(dialect=dialect)
            assert len(compiled.params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
            assert len(str(compiled).encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    finally:
        engine.dispose()
