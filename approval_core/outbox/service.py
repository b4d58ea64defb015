"""Write facts to the outbox inside the caller's transaction (never before commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from approval_core.bulk import execute_one
from approval_core.outbox.models import Fact


def emit_fact(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: str | None = None,
    record_id: int | None = None,
    flush: bool = True,
) -> Fact:
    """`flush=False`: written with the commit (the caller needs no id of it)."""
    fact = Fact(kind=kind, case_id=case_id, record_id=record_id, payload=payload, created_at=now)
    session.add(fact)
    if flush:
        session.flush()
    return fact


def insert_fact(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: str | None = None,
    record_id: int | None = None,
) -> None:
    """`emit_fact` for the request path of every action (issue 12): one Core INSERT in the
    caller's transaction, now, without an ORM object, its identity-map entry and the unit of
    work's bookkeeping at commit. The row is the same; nobody in the transaction reads it."""
    execute_one(
        session,
        _INSERT_FACT,
        {
            "kind": kind,
            "case_id": case_id,
            "record_id": record_id,
            "payload": payload,
            "created_at": now,
            "processed_at": None,
            "attempts": 0,
        },
    )


_FACTS = cast(Table, Fact.__table__)
_INSERT_FACT = insert(_FACTS)  # kept: compiled once, run on the driver (see execute_one)
