"""The action path's writes of the case row and its record, as SQLAlchemy Core statements.

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
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from approval_core.bulk import execute_one
from approval_core.cases.models import Case
from approval_core.cases.snapshot import CLOCK_COLUMNS
from approval_core.records.models import CaseRecord

_CASES = cast(Table, Case.__table__)
_RECORDS = cast(Table, CaseRecord.__table__)
_CASE_KEYS = tuple(column.key for column in _CASES.columns)
_RECORD_KEYS = tuple(column.key for column in _RECORDS.columns if column.key != "id")

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


def _seat(session: Session, case: Case) -> None:
    """The object as its row now stands: persistent in `session`, no change pending."""
    if case in session:
        session.expunge(case)
        make_transient(case)
    make_transient_to_detached(case)
    session.add(case)


def insert_case(session: Session, case: Case) -> None:
    """INSERT a new case from its object (every column given: unset ones are NULL), which
    then stands in the session as the row."""
    values: dict[str, Any] = {}
    for key in _CASE_KEYS:
        value = getattr(case, key)
        if value is None:
            setattr(case, key, None)  # loaded as NULL, never read back
        values[key] = value
    execute_one(session, _INSERT_CASE, values)
    _seat(session, case)


def update_case(session: Session, case: Case, columns: tuple[str, ...] = ACTION_COLUMNS) -> None:
    """Write `columns` of a loaded case from its object, compare-and-set on its version (one
    more), and seat the object as the row."""
    read = case.version
    values: dict[str, Any] = {key: getattr(case, key) for key in columns}
    values.update(version=read + 1, b_id=case.id, b_version=read)
    if execute_one(session, _UPDATE_CASE, values).rowcount != 1:
        raise StaleDataError(f"case {case.id} changed meanwhile (version {read})")
    case.version = read + 1
    _seat(session, case)


def insert_record(session: Session, record: CaseRecord) -> int:
    """INSERT a record from its (unsaved) object; returns and sets its id."""
    values = {key: getattr(record, key) for key in _RECORD_KEYS}
    record.id = int(execute_one(session, _INSERT_RECORD, values).scalar_one())
    return record.id
