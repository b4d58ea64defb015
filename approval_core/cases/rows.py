"""The action path's read and writes of the case row and its record, as SQLAlchemy Core
statements (`read_case`: the row read into the session's object without the ORM's loading).

Every filing and action writes one case row (an INSERT, or an UPDATE of the columns an action
may change) and one record. Through the ORM that is a unit-of-work flush: the session walks
its identity map, diffs every attribute's history, sorts the mappers and builds the statements
anew each time, which cost more than the statements themselves (issue 12: about a sixth of a
request's CPU). The use case already knows exactly what changed, so it writes the row with one
kept Core statement, compiled once and run straight on the driver (`approval_core.bulk.
execute_one`), and then seats the object in the session as the row now
stands (persistent, nothing pending): later reads in the transaction, and the answer, use it
without reading the row again, and a caller that changes it further flushes as usual.

The UPDATE is a compare-and-set on the row's `version`, as the ORM's `version_id_col` would
write it: a concurrent change makes it match no row and raises `StaleDataError` (409).

`write_event` writes an event's three rows: the case, its record and its fact. On PostgreSQL
that is one statement (data-modifying CTEs: the case row, then the record from it, then the
fact from the record, which also gives the fact its record id): one round trip instead of
three. Each round trip to the server costs the request thread more than the statement does
(issue 12). When the compare-and-set matches no row, nothing is written and `StaleDataError`
is raised as for the plain UPDATE. SQLite runs in the process, so there is no round trip to
save there: it gets the three statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.orm.util import identity_key

from approval_core.bulk import execute_one
from approval_core.cases.models import Case
from approval_core.cases.snapshot import CLOCK_COLUMNS
from approval_core.group_commit import Busy
from approval_core.outbox.models import Fact
from approval_core.outbox.service import insert_fact
from approval_core.records.models import CaseRecord

_CASES = cast(Table, Case.__table__)
_RECORDS = cast(Table, CaseRecord.__table__)
_CASE_KEYS = tuple(column.key for column in _CASES.columns)
_RECORD_KEYS = tuple(column.key for column in _RECORDS.columns if column.key != "id")
_FACTS = cast(Table, Fact.__table__)
_FACT_KEYS = ("kind", "case_id", "payload", "created_at", "attempts")

# The columns a workflow action may change (`act`, `_apply_side_fields`, `append_record`,
# `advance_derived`, `store_clock`); one UPDATE writes them all (the metric triggers compare
# old and new values, so a column written unchanged counts nothing).
ACTION_COLUMNS = (
    "state",
    "resume_state",
    "stop_type",
    "step",
    "last_event_at",
    "materials",
    "assignee_id",
    "handler_id",
    "reviewer_id",
    "decision",
    "decision_no",
    "record_count",
    "chain_seq",
    "chain_hash",
    "clock_events",
    "counters",
    *CLOCK_COLUMNS,
)

_INSERT_CASE = insert(_CASES)
_INSERT_RECORD = insert(_RECORDS).returning(_RECORDS.c.id)
_UPDATE_CASE = update(_CASES).where(
    _CASES.c.id == bindparam("b_id"), _CASES.c.version == bindparam("b_version")
)


def _bound(table: Table, prefix: str, keys: tuple[str, ...]) -> list[Any]:
    """A typed parameter per column (named `prefix` + key), so its value goes through the
    column's own type processor and PostgreSQL gets the column's type."""
    return [bindparam(prefix + key, type_=table.c[key].type) for key in keys]


def _event_statement(case_row: Any) -> Any:
    """PostgreSQL: the case row (`case_row`, a CTE RETURNING its id), the record inserted from
    it, the fact from the record; returns the record's id, or no row when the case row was
    not written (the compare-and-set matched nothing)."""
    record = (
        insert(_RECORDS)
        .from_select(
            list(_RECORD_KEYS), select(*_bound(_RECORDS, "r_", _RECORD_KEYS)).select_from(case_row)
        )
        .returning(_RECORDS.c.id)
        .cte("written_record")
    )
    return (
        insert(_FACTS)
        .from_select(
            [*_FACT_KEYS, "record_id"], select(*_bound(_FACTS, "f_", _FACT_KEYS), record.c.id)
        )
        .returning(_FACTS.c.record_id)
    )


_UPDATE_EVENT = _event_statement(
    update(_CASES)
    .where(_CASES.c.id == bindparam("b_id"), _CASES.c.version == bindparam("b_version"))
    .values(
        dict(
            zip(
                (*ACTION_COLUMNS, "version"),
                _bound(_CASES, "c_", (*ACTION_COLUMNS, "version")),
                strict=True,
            )
        )
    )
    .returning(_CASES.c.id)
    .cte("written_case")
)
_INSERT_EVENT = _event_statement(
    insert(_CASES)
    .values(dict(zip(_CASE_KEYS, _bound(_CASES, "c_", _CASE_KEYS), strict=True)))
    .returning(_CASES.c.id)
    .cte("written_case")
)


_READ_CASE = select(_CASES).where(_CASES.c.id == bindparam("case_id"))
_READ_CASE_FOR_UPDATE = _READ_CASE.with_for_update()
# (in one lock order for everybody)
_LOCK_CASES = (
    select(_CASES)
    .where(_CASES.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_CASES.c.id)
    .with_for_update(skip_locked=True)
)
_CASE_MANAGER = manager_of_class(Case)
# In `Session.info`: each case id `lock_cases` was asked for, and its object, or None when the
# row was not there to lock (kept here too: the identity map holds unchanged objects weakly).
_LOCKED = "sunlight_cases_locked"


def lock_cases(session: Session, case_ids: list[str]) -> None:
    """A group commit's cases, read and locked by one statement before its actions run, which
    then find them here (`read_case`) instead of reading one by one: on PostgreSQL a round
    trip per action less. Rows another transaction holds are skipped: their actions are run
    on their own (approval_core/group_commit.py)."""
    session.flush()  # (what a query's autoflush would write first)
    ids = sorted(set(case_ids))
    found = {
        row.id: _held_or_seated(session, row)
        for row in session.connection().execute(_LOCK_CASES, {"ids": ids})
    }
    session.info.setdefault(_LOCKED, {}).update({i: found.get(i) for i in ids})


def read_case(session: Session, case_id: str, *, for_update: bool = False) -> Case | None:
    """The case by its id, as the session's object: read with a kept Core SELECT (`FOR UPDATE`
    when asked) and seated as a query would seat it. The ORM's loading of a row (its query
    compilation context, loading options and instance processing) cost about twice the
    statement (issue 12). An object the session already holds is returned as it is, as a
    query would return it (it may hold changes not yet written; expired attributes load when
    read).

    In a group commit, a case `lock_cases` read is not read again. On PostgreSQL a row it
    could not lock (held by the judge, another process) is not waited for there: `Busy` is
    raised, and the action is run on its own (approval_core/group_commit.py)."""
    locked: dict[str, Case | None] = session.info.get(_LOCKED, {})
    if for_update and case_id in locked:
        case = locked[case_id]
        if case is None and session.get_bind().dialect.name == "postgresql":
            raise Busy(case_id)  # (or no such case: its own run says so)
        return case
    # A query flushes the session's changes first (autoflush), and so does this: a change
    # made to the object before is written, not lost when the action's write seats it anew.
    session.flush()
    statement = _READ_CASE_FOR_UPDATE if for_update else _READ_CASE
    row = session.connection().execute(statement, {"case_id": case_id}).first()
    return None if row is None else _held_or_seated(session, row)


def _held_or_seated(session: Session, row: Any) -> Case:
    """The session's object for a case row: the one it holds, else a new one seated."""
    held = session.identity_map.get(identity_key(Case, row.id))
    if held is not None:
        return held
    case: Case = _CASE_MANAGER.new_instance()
    case.__dict__.update(row._mapping)  # as loaded: no change history
    make_transient_to_detached(case)
    session.add(case)
    return case


def _seat(session: Session, case: Case) -> None:
    """The object as its row now stands: persistent in `session`, no change pending."""
    if case in session:
        session.expunge(case)
        make_transient(case)
    make_transient_to_detached(case)
    session.add(case)


def _new_case_values(case: Case) -> dict[str, Any]:
    """Every column of a new case (unset ones are NULL)."""
    values: dict[str, Any] = {}
    for key in _CASE_KEYS:
        value = getattr(case, key)
        if value is None:
            setattr(case, key, None)  # loaded as NULL, never read back
        values[key] = value
    return values


def insert_case(session: Session, case: Case) -> None:
    """INSERT a new case from its object, which then stands in the session as the row."""
    execute_one(session, _INSERT_CASE, _new_case_values(case))
    _seat(session, case)


def _stale(case: Case, read: int) -> StaleDataError:
    return StaleDataError(f"case {case.id} changed meanwhile (version {read})")


def update_case(session: Session, case: Case, columns: tuple[str, ...] = ACTION_COLUMNS) -> None:
    """Write `columns` of a loaded case from its object, compare-and-set on its version (one
    more), and seat the object as the row."""
    read = case.version
    values: dict[str, Any] = {key: getattr(case, key) for key in columns}
    values.update(version=read + 1, b_id=case.id, b_version=read)
    if execute_one(session, _UPDATE_CASE, values).rowcount != 1:
        raise _stale(case, read)
    case.version = read + 1
    _seat(session, case)


def write_event(
    session: Session, case: Case, record: CaseRecord, fact: Mapping[str, Any], *, new: bool
) -> None:
    """The case row (INSERT when `new`, else the compare-and-set UPDATE of `ACTION_COLUMNS`),
    its record (whose id is set) and its fact (`kind`, `payload`, `created_at`), seating the
    case as the row. One statement on PostgreSQL (see the module's text)."""
    if session.get_bind().dialect.name != "postgresql":
        if new:
            insert_case(session, case)
        else:
            update_case(session, case)
        insert_record(session, record)
        insert_fact(
            session,
            kind=fact["kind"],
            payload=fact["payload"],
            now=fact["created_at"],
            case_id=case.id,
            record_id=record.id,
        )
        return
    values = {f"r_{key}": getattr(record, key) for key in _RECORD_KEYS}
    values.update({f"f_{key}": fact[key] for key in ("kind", "payload", "created_at")})
    values.update(f_case_id=case.id, f_attempts=0)
    read = case.version
    if new:
        values.update({f"c_{key}": value for key, value in _new_case_values(case).items()})
        statement = _INSERT_EVENT
    else:
        values.update({f"c_{key}": getattr(case, key) for key in ACTION_COLUMNS})
        values.update(c_version=read + 1, b_id=case.id, b_version=read)
        statement = _UPDATE_EVENT
    written = execute_one(session, statement, values).first()
    if written is None:
        raise _stale(case, read)
    record.id = int(written[0])
    if not new:
        case.version = read + 1
    _seat(session, case)


def insert_record(session: Session, record: CaseRecord) -> int:
    """INSERT a record from its (unsaved) object; returns and sets its id."""
    values = {key: getattr(record, key) for key in _RECORD_KEYS}
    record.id = int(execute_one(session, _INSERT_RECORD, values).scalar_one())
    return record.id
