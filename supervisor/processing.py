"""Judge facts: outbox facts after commit (and by polling), and catalogue items (事前监察).

One outbox fact is judged in one savepoint: the alerts it opens or resolves, the case's next
look (`next_due_at`) and the fact's processed mark commit together. Judging a fact twice
changes nothing (alerts are unique per cause).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.snapshot import stored_clock
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from approval_core.system.service import raise_alert, resolve_alert
from approval_core.timeutil import legal_date
from supervisor.engine import EngineError
from supervisor.facts import case_fact, item_fact
from supervisor.judging import Judge, Subject
from supervisor.runtime import Supervisor
from supervisor.timing import next_due_at

log = logging.getLogger("sunlight.supervisor")
MAX_ATTEMPTS = 5


def judge_case(
    judge: Judge,
    deps: CoreDeps,
    case: Any,
    payload: Mapping[str, Any],
    clock: ClockResult,
    fact_id: int | None = None,
) -> tuple[list[str], datetime | None]:
    """Judge one case fact (event + snapshot); returns the matched rule ids and the case's
    next look. `case` is a Case row or any object with its columns (the sweep reads columns)."""
    extra = {"yellow_unanswered_days": judge.unanswered_days(case.id, deps.calendar)}
    fact = case_fact(deps.catalogue, payload, extra)
    matched = judge.evaluate(fact)
    handler = case.assignee_id or case.handler_id
    judge.apply(Subject(case.id, case.id, handler), fact, matched, fact_id)
    due = next_due_at(
        clock, judge.policy.thresholds, deps.calendar, judge.now, judge.yellow_opened_dates(case.id)
    )
    return matched, due


def judge_items(session: Session, deps: CoreDeps, sup: Supervisor, now: datetime) -> int:
    """事前监察: check every catalogue item's public disclosure; returns rules matched."""
    judge = Judge.for_items(session, sup, now, sup.policy_for(deps))
    matched = 0
    for code in deps.catalogue.items:
        fact = item_fact(deps.catalogue, code)
        found = judge.evaluate(fact)
        judge.apply(Subject(f"item:{code}", None, None), fact, found)
        matched += len(found)
    judge.finish()
    return matched


def _claim(session: Session, limit: int) -> list[Fact]:
    stmt = (
        select(Fact)
        .where(Fact.processed_at.is_(None), Fact.attempts < MAX_ATTEMPTS)
        .order_by(Fact.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def _judge_fact(
    session: Session, deps: CoreDeps, sup: Supervisor, fact: Fact, now: datetime
) -> None:
    payload = fact.payload
    if fact.case_id is None or "case" not in payload:
        return  # facts of other kinds are for other consumers
    case = session.get(Case, fact.case_id)
    if case is None:
        return
    judge = Judge.for_cases(session, sup, now, [case.id], sup.policy_for(deps))
    # The snapshot's clock is as of the event; the next look is scheduled from now on.
    clock = stored_clock(deps, case, max(now, case.last_event_at))
    _, due = judge_case(judge, deps, case, payload, clock, fact.id)
    event_at = datetime.fromisoformat(str(payload.get("event", {}).get("at", now.isoformat())))
    if legal_date(event_at) < legal_date(now):
        # An event from an earlier day (imported history, or a fact judged late): the case
        # as it stands today may already be past thresholds the event did not see.
        due = now
    case.next_due_at = due
    judge.finish()


def process_pending(session: Session, deps: CoreDeps, sup: Supervisor, limit: int = 500) -> int:
    """Judge up to `limit` unprocessed facts in order; returns how many were done.

    Each fact is judged in its own savepoint: a fact that fails for any reason (the engine,
    an item no longer in the catalogue, a bug) rolls back only its own work, is counted
    (`attempts`), logged and reported to the administrators, and the next facts are judged
    all the same. After MAX_ATTEMPTS a fact is parked: it is never claimed again (so it
    cannot hold up later facts) and stays on record with a system alert naming it.
    """
    now = deps.now()
    done = failed = 0
    for fact in _claim(session, limit):
        try:
            with session.begin_nested():
                _judge_fact(session, deps, sup, fact, now)
                fact.processed_at = now
            done += 1
        except Exception as exc:  # noqa: BLE001 (any failure is counted, reported, retried)
            failed += 1
            _failed(session, fact, exc, now)
    if done and not failed:
        resolve_alert(session, "engine-error", now)
    session.flush()
    sup.metrics.facts_processed.inc(done)
    return done


def _failed(session: Session, fact: Fact, exc: Exception, now: datetime) -> None:
    fact.attempts += 1
    log.error("fact %s not judged (attempt %s): %r", fact.id, fact.attempts, exc, exc_info=exc)
    if isinstance(exc, EngineError):
        raise_alert(
            session,
            cause="engine-error",
            kind="engine_error",
            zh=f"规则引擎处理事实失败（事实 {fact.id}）：{exc}",
            en=f"The rules engine failed on fact {fact.id}: {exc}",
            details={"fact_id": fact.id, "attempts": fact.attempts},
            now=now,
        )
    if fact.attempts >= MAX_ATTEMPTS:
        raise_alert(
            session,
            cause=f"fact-parked:{fact.id}",
            kind="fact_parked",
            zh=f"事实 {fact.id}（{fact.kind}）{fact.attempts} 次处理失败，已搁置：{exc!r}",
            en=f"Fact {fact.id} ({fact.kind}) failed {fact.attempts} times and is parked: {exc!r}",
            details={"fact_id": fact.id, "case_id": fact.case_id, "error": repr(exc)[:500]},
            now=now,
        )
