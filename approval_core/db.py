"""Database plumbing: declarative base with a naming convention, aware timestamps, sessions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")
READ_ONLY = "sunlight_read_only"  # execution option: see read_only()

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored as UTC; naive values are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must carry a time zone")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 (fixed signature)
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


# Connections kept open per engine. A request holds one from its first statement to its
# commit; the connections beyond these are closed on their return and opened anew the next
# time, which under load is a reconnect per request (a PostgreSQL backend started, or SQLite
# parsing the whole schema again: issue 12). The default matches a busy API process (up to a
# few dozen requests in its thread pool at once, the judge loop, the scheduler's jobs).
POOL_SIZE = 16
POOL_OVERFLOW = 32


def make_engine(url: str, *, echo: bool = False, pool_size: int = POOL_SIZE) -> Engine:
    """An engine; SQLite gets foreign keys on, a busy timeout and immediate transactions."""
    pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=_json,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT},
            **(pool if ":memory:" not in url and url.rstrip("/") != "sqlite:" else {}),
        )
        _configure_sqlite(engine)
        return engine
    if "+psycopg" in url.split("://", 1)[0]:
        _keep_converted_queries()
    return create_engine(url, echo=echo, json_serializer=_json, pool_pre_ping=True, **pool)


# Statements with this many parameters at most keep their conversion (see below).
CONVERTED_QUERY_PARAMS = 128


def _keep_converted_queries() -> None:
    """psycopg turns every statement's `%(name)s` placeholders into PostgreSQL's `$1`, `$2`
    ... and keeps the result (an LRU cache of 128) only for statements of at most 4096 bytes
    and 50 parameters (psycopg._queries). The action path's event statement (the case row, its
    record and its fact in one, approval_core/cases/rows.py) has more parameters, so psycopg
    parsed its 2.6 KB anew on every action: about 0.2 ms of the writer thread (issue 12).
    The parameter bound is raised to `CONVERTED_QUERY_PARAMS`; the length bound stays, so the
    cache still holds only short statements. psycopg has no public setting for this: if a
    later release drops the constant, this does nothing and only the speed is lost."""
    from psycopg import _queries

    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", CONVERTED_QUERY_PARAMS) < (
        CONVERTED_QUERY_PARAMS
    ):
        _queries.MAX_CACHED_STATEMENT_PARAMS = CONVERTED_QUERY_PARAMS


def _json(value: Any) -> str:
    """JSON columns keep Chinese text as it is (a third of the bytes of \\u escapes)."""
    return json.dumps(value, ensure_ascii=False)


BUSY_TIMEOUT = 30  # seconds a SQLite writer waits for the write lock before it fails


class _WriterGate:
    """This process's writers to one SQLite database, one at a time, queued on a lock.

    SQLite has one writer at a time. A writer that finds the write lock taken is left to
    SQLite's busy handler, which polls by sleeping 1, 2, 5, 10 ... 100 ms: under load a waiting
    request oversleeps the moment the lock is free, and every poll wakes a thread for nothing
    (issue 12: the action path's latency and CPU). The writers of this process (its requests,
    the judge loop, the jobs) wait on this lock instead and take SQLite's at once when it is
    released, after the holder's COMMIT or ROLLBACK. Other processes still meet SQLite's own
    lock; a writer that waits here longer than the busy timeout goes on to SQLite's, as it
    would without the gate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the DBAPI connection that holds it

    def enter(self, dbapi_connection: Any) -> None:
        if self._lock.acquire(timeout=BUSY_TIMEOUT):
            self._holder = id(_raw(dbapi_connection))

    def leave(self, dbapi_connection: Any) -> None:
        if self._holder is not None and self._holder == id(_raw(dbapi_connection)):
            self._holder = None
            self._lock.release()


def _raw(connection: Any) -> Any:
    """The driver's connection, from the pool's proxy of it (or itself)."""
    return getattr(connection, "dbapi_connection", connection)


def _gate_writers(engine: Engine) -> _WriterGate:
    """Release the gate once the driver has committed or rolled back (the pool's rollback of
    a returned connection included), or when the connection is closed or invalidated."""
    gate = _WriterGate()
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            gate.leave(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            gate.leave(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    for name in ("close", "invalidate", "close_detached"):
        event.listen(engine.pool, name, lambda dbapi_connection, *_: gate.leave(dbapi_connection))
    return gate


def _configure_sqlite(engine: Engine) -> None:
    gate = _gate_writers(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock at BEGIN so two writers never interleave read-then-write; a
        # transaction that only reads (READ_ONLY) takes no lock and sees one snapshot (WAL).
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # each statement its own transaction (e.g. ANALYZE, VACUUM)
        if options.get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        gate.enter(conn.connection)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(conn.connection)
            raise


def in_chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """`values` a slice at a time: for `IN (...)` lists of a bounded length."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def read_only(session: Session) -> None:
    """Mark the session's next transaction as one that only reads: on SQLite it takes no
    write lock (other writers go on meanwhile); elsewhere it changes nothing. Call it first
    in the transaction, before any query."""
    session.connection(execution_options={READ_ONLY: True})


def insert_or_merge(session: Session, model: type[Base]) -> Any:
    """An INSERT for `model` in the session's dialect, which has `on_conflict_do_nothing` and
    `on_conflict_do_update` (PostgreSQL and SQLite alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case, one transaction: commit at the end, roll back on any error."""
    with factory() as session, session.begin():
        yield session
