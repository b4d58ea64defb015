"""Compare-and-set writes of versioned rows (complaints, remedies, ratings, alerts).

A versioned model maps an integer `version` as SQLAlchemy's `version_id_col`: every UPDATE
the ORM flushes reads `... WHERE id = :id AND version = :read` and sets `version + 1`. On
PostgreSQL under READ COMMITTED a second writer's UPDATE waits for the first and then finds no
row with the version it read; on SQLite writers are serialised at BEGIN. Either way exactly one
writer wins; `compare_and_set` turns the loser's empty UPDATE into a `VersionConflict`
carrying the row as it stands, and the caller's transaction (rolled back by its owner) writes
nothing.

A client may state the version it expects (the API takes it from `If-Match`); without it the
version the server read is the one compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from approval_core.errors import VersionConflict


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)
State = Callable[[Any], dict[str, Any]]


def _conflict(current: dict[str, Any]) -> VersionConflict:
    return VersionConflict(
        f"changed by someone else meanwhile (now version {current.get('version')}); "
        "reload and retry",
        detail_zh=f"记录已被他人修改（当前版本 {current.get('version')}），请刷新后重试",
        field="version",
        current=current,
    )


def expect(row: V, expected: int | None, state: State) -> V:
    """Refuse if the client expected another version than the one read."""
    if expected is not None and expected != row.version:
        raise _conflict(state(row))
    return row


@contextmanager
def compare_and_set(session: Session, row: Versioned, state: State) -> Iterator[None]:
    """Make the change to `row` inside this block, flushed at its end as a compare-and-set.

    The block runs in a savepoint begun before the change (beginning one flushes what is
    pending), so the loser's empty UPDATE rolls back only the block and the row can still be
    read as it stands now, for the conflict to report."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except StaleDataError:
        session.refresh(row)
        raise _conflict(state(row)) from None
