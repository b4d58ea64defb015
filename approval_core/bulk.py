"""Write many rows with one executemany, at the cost of the driver and little more.

SQLAlchemy's executemany processes every parameter of every row through its own machinery;
a sweep writing tens of thousands of rows spends more time there than in the database. Here
the statement is compiled once per dialect and column set, each column's bind processor is
looked up once, and a value shared by many rows (the same timestamp, the same fact dict) is
processed once per call. The SQL and the stored values are exactly those SQLAlchemy would
produce: the same compiled statement and the same type processors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, Update

Processor = Callable[[Any], Any] | None
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # parameter names, in the order the driver wants them
    processors: tuple[Processor, ...]
    positional: bool
    copy: bool = False  # PostgreSQL (psycopg) INSERT: `sql` is a COPY ... FROM STDIN


_plans: dict[tuple[int, str, tuple[str, ...], bool], tuple[Insert | Update, _Plan]] = {}
_inserts: dict[int, tuple[Table, Insert]] = {}


def _plan(
    stmt: Insert | Update, dialect: Dialect, keys: tuple[str, ...], many: bool = True
) -> _Plan:
    key = (id(stmt), dialect.name, keys, many)
    cached = _plans.get(key)
    if cached is not None and cached[0] is stmt:
        return cached[1]
    if (
        isinstance(stmt, Insert)
        and many
        and dialect.name == "postgresql"
        and dialect.driver == "psycopg"
    ):
        plan = _copy_plan(stmt, dialect, keys)
        _plans[key] = (stmt, plan)
        return plan
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    missing = sorted(set(names) - set(keys))
    if missing:  # a column default SQLAlchemy would fill in: the caller must give it
        raise ValueError(f"rows for {stmt} lack values for {missing}")
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    plan = _Plan(str(compiled), names, processors, positional)
    _plans[key] = (stmt, plan)  # the statement is kept, so its id is never reused meanwhile
    return plan


def _copy_plan(stmt: Insert, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    """PostgreSQL loads many rows several times faster by COPY than by INSERTs; the values go
    through the same type processors."""
    table = stmt.table
    assert isinstance(table, Table)
    missing = sorted(c.key for c in table.columns if c.default is not None and c.key not in keys)
    if missing:  # as for INSERT: a column default SQLAlchemy would fill in
        raise ValueError(f"rows for {stmt} lack values for {missing}")
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    columns = ", ".join(quote(key) for key in keys)
    processors = tuple(
        table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
    )
    return _Plan(f"COPY {name} ({columns}) FROM STDIN", keys, processors, True, copy=True)


@dataclass(frozen=True)
class Prepared:
    """A statement and its rows' driver parameters, ready to run in a transaction."""

    plan: _Plan
    params: list[Any]


def prepare_many(
    dialect: Dialect, stmt: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> Prepared | None:
    """Everything of `execute_many` but the database: no transaction needed, so it can be done
    before taking a lock. None when there are no rows."""
    if not rows:
        return None
    plan = _plan(stmt, dialect, tuple(rows[0]))
    return Prepared(plan, _parameters(plan, rows))


def run_prepared(session: Session, prepared: Prepared | None) -> None:
    """Run what `prepare_many` prepared, in the session's transaction."""
    if prepared is None:
        return
    conn = session.connection()
    if not prepared.plan.copy:
        conn.exec_driver_sql(prepared.plan.sql, prepared.params)
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi = conn.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(prepared.plan.sql) as copy:
            for row in prepared.params:
                copy.write_row(row)
    except dbapi.Error as exc:  # the same exceptions as a failed INSERT would raise
        raise DBAPIError.instance(prepared.plan.sql, None, exc, dbapi.Error) from exc


def execute_one(
    session: Session, stmt: Insert | Update, row: Mapping[str, Any]
) -> CursorResult[Any]:
    """Run `stmt` for one row in the session's transaction, through the kept plan: the
    statement is compiled once per dialect and key set and the row's values go through the
    columns' own type processors, straight to the driver. For the statements every request
    runs (issue 12): SQLAlchemy's per-execution work on a compiled statement (cache look-up,
    parameter and result set-up) costs more than the driver's own. The result is the driver's
    (its rowcount, and the rows of a RETURNING)."""
    plan = _plan(stmt, session.get_bind().dialect, tuple(row), many=False)
    params = _parameters(plan, [row])[0]
    return session.connection().exec_driver_sql(plan.sql, params)


def insert_statement(table: Table) -> Insert:
    """A kept INSERT for `table` (so its compiled form is kept too)."""
    cached = _inserts.get(id(table))
    if cached is None or cached[0] is not table:
        cached = (table, insert(table))
        _inserts[id(table)] = cached
    return cached[1]


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT the rows (every row with the same keys) into `table` in the session's
    transaction."""
    execute_many(session, insert_statement(table), rows)


def execute_many(
    session: Session, stmt: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run `stmt` once per row (every row with the same keys) in the session's transaction.

    `stmt` should be long-lived (a module constant): its compiled form is kept per dialect.
    """
    run_prepared(session, prepare_many(session.get_bind().dialect, stmt, rows))


def _parameters(plan: _Plan, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The driver's parameters: values read in the plan's order, processed where the column's
    type says so. A value that is not a plain scalar (a timestamp, a dict, a list) is processed
    once per call however many rows share it: the rows keep it alive meanwhile, so its id is
    not reused during the call."""
    names = plan.names
    read = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    processed = [(i, p) for i, p in enumerate(plan.processors) if p is not None]
    done: dict[tuple[int, int], Any] = {}
    params: list[Any] = []
    for row in rows:
        values = read(row)
        if processed:
            values = list(values)
            for i, processor in processed:
                value = values[i]
                if value is None:
                    continue
                if isinstance(value, _SCALARS):
                    values[i] = processor(value)
                    continue
                key = (id(value), i)
                if key not in done:
                    done[key] = processor(value)
                values[i] = done[key]
        params.append(tuple(values) if plan.positional else dict(zip(names, values, strict=True)))
    return params
