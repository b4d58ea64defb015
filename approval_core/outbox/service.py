"""Write facts to the outbox inside the caller's transaction (never before commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

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
