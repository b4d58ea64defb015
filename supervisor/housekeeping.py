"""Housekeeping: what piles up and is no longer needed is pruned, a batch at a time.

- Judged facts older than `SUNLIGHT_FACT_RETENTION_DAYS` (default 30). A fact is the
  judge's input, derived from a record; the records are the evidence and stay. Facts of
  refused changes (a change to a concluded case, `case.change_after_conclusion`) have no
  record: they are the evidence of the refusal and are kept. Unjudged and parked facts are
  kept whatever their age.
- Idempotency keys older than a day (approval_core/idempotency).

Run by the leader's jobs once an hour (supervisor/scheduler.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.idempotency.service import prune as prune_keys
from approval_core.outbox.models import Fact

KEPT_KINDS = ("case.change_after_conclusion",)
BATCH = 10_000


@dataclass(frozen=True)
class Pruned:
    facts: int
    idempotency_keys: int


def prune_facts(session: Session, now: datetime, keep: timedelta, batch: int = BATCH) -> int:
    """Delete up to `batch` judged facts created before now - keep; how many."""
    ids = select(Fact.id).where(
        Fact.processed_at.is_not(None),
        Fact.created_at < now - keep,
        Fact.kind.not_in(KEPT_KINDS),
    )
    doomed = list(session.scalars(ids.order_by(Fact.id).limit(batch)))
    if not doomed:
        return 0
    session.execute(delete(Fact).where(Fact.id.in_(doomed)))
    return len(doomed)


def housekeeping(sessions: sessionmaker[Session], now: datetime, retention_days: int) -> Pruned:
    """Prune everything due, one transaction per batch (short locks)."""
    facts = 0
    while True:
        with sessions() as session, session.begin():
            done = prune_facts(session, now, timedelta(days=retention_days))
        facts += done
        if done < BATCH:
            break
    with sessions() as session, session.begin():
        keys = prune_keys(session, now)
    return Pruned(facts, keys)
