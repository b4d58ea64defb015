"""Judge facts: outbox facts after commit (and by polling), and catalogue items (事前监察).

One outbox fact is judged in one savepoint: the alerts it opens or resolves, the messages to
the applicant about the document it issued, the case's next look (`next_due_at`) and the
fact's processed mark commit together. Judging a fact twice
changes nothing (alerts are unique per cause).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from approval_core.bulk import execute_many
from approval_core.cases.models import Case
from approval_core.cases.snapshot import stored_clock
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.outbox.models import Fact
from approval_core.system.service import raise_alert, resolve_alert
from approval_core.timeutil import legal_date
from supervisor.engine import EngineError
from supervisor.facts import case_fact, item_fact
from supervisor.judging import Judge, Subject
from supervisor.notify.applicants import notify_applicants
from supervisor.runtime import Supervisor
from supervisor.timing import next_due_at

log = logging.getLogger("sunlight.supervisor")
MAX_ATTEMPTS = 5
_CASES = Table("cases", Case.metadata)
_FACTS = Table("facts", Fact.metadata)
_SET_DUE = (
    update(_CASES).where(_CASES.c.id == bindparam("b_id")).values(next_due_at=bindparam("b_due"))
)
# Kept statements (compiled once; the judge loop runs them every round under load).
_CLAIM = (
    select(Fact)
    .where(Fact.processed_at.is_(None), Fact.attempts < MAX_ATTEMPTS)
    .order_by(Fact.id)
    .limit(bindparam("limit", type_=Integer))
)
_CLAIM_LOCKED = _CLAIM.with_for_update(skip_locked=True)
# The batch's cases as rows of their columns: the judge only reads them (the next look is
# written by `_SET_DUE`), so no ORM objects are built for them.
_CASE_ROWS = select(_CASES).where(_CASES.c.id.in_(bindparam("ids", expanding=True)))
_PROCESSED = (
    update(_FACTS)
    .where(_FACTS.c.id.in_(bindparam("ids", expanding=True)))
    .values(processed_at=bindparam("now"))
)


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


def _pending() -> Any:
    return (Fact.processed_at.is_(None), Fact.attempts < MAX_ATTEMPTS)


def _claim(session: Session, limit: int) -> tuple[list[Fact], bool, bool]:
    """The oldest unjudged facts this transaction may judge, in order; whether the limit was
    reached; and whether some were left to another transaction (below).

    On PostgreSQL several judges run at once (each API process's judge loop, the workers'
    pollers) beside the sweep: facts are claimed with `SKIP LOCKED`, and a case's facts are
    judged by one of them at a time and in order (see `_owned`). SQLite has one writer at a
    time: the transaction's write lock is the claim."""
    if session.get_bind().dialect.name != "postgresql":
        facts = list(session.scalars(_CLAIM, {"limit": limit}))
        return facts, len(facts) >= limit, False
    claimed = list(session.scalars(_CLAIM_LOCKED, {"limit": limit}))
    facts = _owned(session, claimed)
    return facts, len(claimed) >= limit, len(facts) < len(claimed)


def _owned(session: Session, facts: list[Fact]) -> list[Fact]:
    """The facts of the cases whose row this transaction could lock (the sweep and the other
    judges lock the same rows, so nobody else writes these cases' alerts meanwhile), and only
    when no earlier fact of the case is pending in someone else's claim (a case's facts are
    judged in order). The rest are left for the next round."""
    first: dict[str, int] = {}
    for fact in facts:
        if fact.case_id is not None:
            first.setdefault(fact.case_id, fact.id)
    if not first:
        return facts
    ids = sorted(first)  # one lock order for everybody
    locked = set(
        session.scalars(
            select(Case.id)
            .where(Case.id.in_(ids))
            .order_by(Case.id)
            .with_for_update(skip_locked=True)
        )
    )
    missing: set[str] = set()
    if len(locked) < len(ids):  # locked by someone else, or no such case (its facts go on)
        unlocked = [i for i in ids if i not in locked]
        missing = set(unlocked) - set(session.scalars(select(Case.id).where(Case.id.in_(unlocked))))
    earliest = dict(
        session.execute(
            select(Fact.case_id, func.min(Fact.id))
            .where(Fact.case_id.in_(sorted(locked)), *_pending())
            .group_by(Fact.case_id)
        ).all()
    )
    ours = {c for c in locked if earliest.get(c, first[c]) >= first[c]} | missing
    return [f for f in facts if f.case_id is None or f.case_id in ours]


def _judge_batch(
    session: Session, deps: CoreDeps, sup: Supervisor, facts: Sequence[Fact], now: datetime
) -> None:
    """Judge the facts in order with one Judge: the alerts of all their cases are loaded at
    once and written together; each case's next look is the one its last fact gives."""
    wanted = sorted({f.case_id for f in facts if f.case_id is not None and "case" in f.payload})
    cases: dict[str, Any] = {}
    for chunk in in_chunks(wanted):
        cases.update((c.id, c) for c in session.connection().execute(_CASE_ROWS, {"ids": chunk}))
    judge = Judge.for_cases(session, sup, now, list(cases), sup.policy_for(deps))
    clocks: dict[str, ClockResult] = {}
    due: dict[str, datetime | None] = {}
    for fact in facts:
        case = cases.get(fact.case_id) if fact.case_id is not None else None
        if case is None or "case" not in fact.payload:
            continue  # facts of other kinds are for other consumers
        clock = clocks.get(case.id)
        if clock is None:
            # The snapshot's clock is as of the event; the next look is scheduled from now on.
            clock = clocks[case.id] = stored_clock(deps, case, max(now, case.last_event_at))
        _, due[case.id] = judge_case(judge, deps, case, fact.payload, clock, fact.id)
        event = fact.payload.get("event", {})
        if legal_date(datetime.fromisoformat(str(event.get("at", now.isoformat())))) < (
            legal_date(now)
        ):
            # An event from an earlier day (imported history, or a fact judged late): the
            # case as it stands today may already be past thresholds the event did not see.
            due[case.id] = now
    judge.prepare(session.get_bind().dialect, cases)  # (the alerts' case views from the rows)
    judge.finish()
    # The documents these actions issued, told to the applicant (once per case, record and
    # channel: a fact judged again queues nothing more).
    policy = judge.policy
    notify_applicants(
        session,
        policy.hours,
        policy.catalogue,
        sup.public_url,
        facts,
        cases,
        now,
        sms_enabled=sup.sms_enabled,
    )
    if due:
        # A Core UPDATE: the next look is the supervisor's, not a change of the case, so it
        # must not bump the case's version (a handler acting meanwhile would get a 409).
        execute_many(session, _SET_DUE, [{"b_id": k, "b_due": v} for k, v in due.items()])
    conn = session.connection()
    for ids in in_chunks([f.id for f in facts]):
        conn.execute(_PROCESSED, {"ids": ids, "now": now})


def process_pending(session: Session, deps: CoreDeps, sup: Supervisor, limit: int = 200) -> int:
    """Judge up to `limit` unprocessed facts in order; returns how many were done."""
    return judge_round(session, deps, sup, limit).done


@dataclass(frozen=True)
class Round:
    """What one judging round did, and what it may have left for another round."""

    done: int = 0
    full: bool = False  # the limit was reached: more may be pending
    skipped: bool = False  # facts left because their case was locked (PostgreSQL, see _claim)
    failed: int = 0


def judge_round(session: Session, deps: CoreDeps, sup: Supervisor, limit: int = 200) -> Round:
    """`process_pending`, and what may be left for another round right away: a caller draining
    the outbox stops when nothing may be, without a round that finds nothing.

    The batch is judged at once in a savepoint. When that fails, its facts are judged one by
    one, each in its own savepoint: a fact that fails for any reason (the engine, an item no
    longer in the catalogue, a bug) rolls back only its own work, is counted (`attempts`),
    logged and reported to the administrators, and the next facts are judged all the same.
    After MAX_ATTEMPTS a fact is parked: it is never claimed again (so it cannot hold up later
    facts) and stays on record with a system alert naming it.
    """
    now = deps.now()
    facts, full, skipped = _claim(session, limit)
    if not facts:
        return Round(full=full, skipped=skipped)
    done = failed = 0
    try:
        with session.begin_nested():
            _judge_batch(session, deps, sup, facts, now)
        done = len(facts)
    except Exception:  # noqa: BLE001 (judged again one by one, which names the culprit)
        log.warning("a batch of %s facts failed; judging them one by one", len(facts))
        for fact in facts:
            try:
                with session.begin_nested():
                    _judge_batch(session, deps, sup, [fact], now)
                done += 1
            except Exception as exc:  # noqa: BLE001 (any failure is counted, reported, retried)
                failed += 1
                _failed(session, fact, exc, now)
    if done and not failed:
        resolve_alert(session, "engine-error", now)
    session.flush()
    sup.metrics.facts_processed.inc(done)
    return Round(done, full, skipped, failed)


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
