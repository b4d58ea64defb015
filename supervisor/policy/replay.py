"""Replay a case's recorded history through policies: the alert causes each would have opened.

A case is judged as the live system judges it, at every event and at every moment its clock
crosses a threshold of a policy's rules:

- at each record's event time, with the event as the record holds it (action, actor, payload;
  `after_deadline` of an extension approval computed on the policy's clock) and a snapshot of
  the case rebuilt from the records up to it; recorded refusals to change a concluded case
  (facts without a record) are judged at their moment the same way;
- between two events, at each moment `next_due_at` names (walked forward from the event, at
  most MAX_SWEEPS per case), with a sweep fact; never after the case ended, after the horizon
  or at or after the next event.

Clocks are rebuilt with each policy's own catalogue and calendar. A cause is what
`supervisor.alerts.service.cause_of` makes (rule id | case id [| cause field value]); the set of
causes is the outcome, whether or not the alert would have resolved or been removed later.

Approximation of the yellow card's response (回告): a yellow card opened in the replay counts as
answered when an alert of the same cause in the database was responded to, removed or resolved;
a card the database never had (or never answered) stays unanswered. So the red card of an
unanswered yellow is found as live when the cards coincide, and a card the policy in force never
showed is taken as never answered.

`case_pages` reads the histories with plain selects; nothing here writes anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed, apply_record  # one fold, every state kept
from approval_core.cases.snapshot import counters_of, snapshot
from approval_core.cases.workflow import TERMINAL
from approval_core.clock.schemas import ClockEvent, ClockResult
from approval_core.clock.service import compute_clock
from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.outbox.models import Fact
from approval_core.records.models import CaseRecord
from approval_core.timeutil import LEGAL_TZ, legal_date
from supervisor.alerts.models import Alert
from supervisor.alerts.service import cause_of
from supervisor.facts import case_fact
from supervisor.policy.value import Policy
from supervisor.timing import Thresholds, next_due_at
from supervisor.verdicts import fields_read

MAX_SWEEPS = 200  # threshold moments judged per case at most (the replay says when it stopped)
_MATERIAL_ACTIONS = ("submit", "accept", "supplement_received")
# The actions `counters_of` counts (approval_core.cases.snapshot).
_COUNTED = frozenset(
    {"request_supplement", "extend", "approve_extension", "return", "stop", "review", "charge_fee"}
)
_MEMO_LIMIT = 1 << 16
PAGE = 2000  # cases read together
_TICK = datetime.resolution


class _Record(NamedTuple):
    """The columns of a record that replay reads (`at` in Beijing time: all the moments of a
    replay in one zone compare and convert to legal dates without offset lookups)."""

    case_id: str
    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor_role: str
    at: datetime
    recorded_at: datetime
    reason: str | None
    legal_basis: str | None
    payload: dict[str, Any]


_RECORD_COLUMNS = tuple(getattr(CaseRecord, name) for name in _Record._fields)


@dataclass(frozen=True)
class CaseHistory:
    """What the database holds about one case, as the replay needs it."""

    id: str
    tracking_no: str
    item_code: str
    department_code: str
    records: Sequence[Any]  # CaseRecord rows (or rows of its columns), in seq order
    refusals: Sequence[tuple[datetime, Mapping[str, Any]]] = ()  # (at, event) without a record
    answered: Mapping[str, datetime] = field(default_factory=dict)  # yellow cause -> answered at


@dataclass(slots=True)
class _Event:
    """One moment an event was judged: `prefix` records had happened (this one included)."""

    at: datetime
    event: dict[str, Any]
    prefix: int
    ends: bool  # the case is over after it (no sweep follows)


@dataclass
class Timeline:
    """A case's history folded once, the same for every policy: the case after each record
    (views[k] and clock_events[k] after k records) and the events in time order."""

    history: CaseHistory
    views: list[SimpleNamespace]
    clock_events: list[tuple[ClockEvent, ...]]
    events: list[_Event]


def timeline(history: CaseHistory) -> Timeline:
    """Fold the records once, keeping the case after each of them."""
    state = Replayed()
    materials: list[str] = []
    counters = counters_of([])
    views: list[SimpleNamespace] = [_view(history, state, materials, 0, counters)]
    clock_events: list[tuple[ClockEvent, ...]] = [()]
    events: list[_Event] = []
    records = list(history.records)
    for k, record in enumerate(records, start=1):
        apply_record(state, record)
        if record.action in _MATERIAL_ACTIONS and record.payload.get("materials"):
            materials = sorted({*materials, *map(str, record.payload["materials"])})
        if record.action in _COUNTED:  # the other actions leave every counter as it was
            counters = counters_of(records[:k])
        views.append(_view(history, state, materials, k, counters))
        clock_events.append(tuple(state.events))
        events.append(_Event(record.at, _recorded_event(record), k, state.state.state in TERMINAL))
    for at, event in history.refusals:
        prefix = sum(1 for r in records if r.at <= at)
        events.append(_Event(at, dict(event), prefix, True))
    events.sort(key=lambda e: e.at)  # stable: records keep their order
    return Timeline(history, views, clock_events, events)


def _view(
    history: CaseHistory, state: Replayed, materials: list[str], count: int, counters: Any
) -> SimpleNamespace:
    """The case as `snapshot` reads it after `count` records (it duck-types the Case row)."""
    return SimpleNamespace(
        id=history.id,
        tracking_no=history.tracking_no,
        item_code=history.item_code,
        department_code=history.department_code,
        **state.row_fields(),
        materials=materials,
        record_count=count,
        counters=counters,
    )


def _recorded_event(record: Any) -> dict[str, Any]:
    """The event part of the fact the action wrote (approval_core.cases.service)."""
    return {
        "action": record.action,
        "at": record.at.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "record_seq": record.seq,
        "reason": record.reason,
        "legal_basis": record.legal_basis,
        **record.payload,
    }


class Judging:
    """One policy's verdicts for a backtest: memoised on the fields the rules read (a history
    holds many facts that look alike to the rules), with each rule's level and cause."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.deps: CoreDeps = policy.deps("backtest")
        self.rules = policy.ruleset.by_id()
        self._read = fields_read(policy.ruleset)
        self._memo: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.setting = _setting(policy)

    def matched(self, fact: Mapping[str, Any]) -> tuple[str, ...]:
        values = tuple(map(fact.get, self._read))
        if list in map(type, values):
            values = tuple(tuple(v) if type(v) is list else v for v in values)
        key = (values, tuple(map(type, values)))  # 1, 1.0 and True differ to the rules
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = tuple(self.policy.verdicts.evaluate(fact))
        return found


def _setting(policy: Policy) -> tuple[str, str]:
    """What clocks and facts depend on (the calendar, the catalogue's content; not the
    supervision rules): policies that agree on it are walked together."""
    catalogue = policy.catalogue
    parts: list[Any] = [
        {code: entry.model_dump(mode="json") for code, entry in getattr(catalogue, name).items()}
        for name in ("items", "categories", "departments", "stop_types", "fees")
    ]
    parts.append(catalogue.clock.model_dump(mode="json"))
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    return policy.calendar.version, digest.hexdigest()


@dataclass
class Outcome:
    """What one policy says about one case over its history."""

    causes: dict[str, str] = field(default_factory=dict)  # cause -> rule id
    capped: bool = False  # stopped after MAX_SWEEPS threshold moments


@dataclass
class _Run:
    """One policy's replay of one case: its causes and its open yellow cards."""

    judging: Judging
    history: CaseHistory
    out: Outcome = field(default_factory=Outcome)
    yellows: dict[str, tuple[date, datetime | None]] = field(default_factory=dict)

    def open_yellows(self, at: datetime) -> list[date]:
        return [d for d, answered in self.yellows.values() if answered is None or answered > at]

    def judge(self, base: dict[str, Any], at: datetime) -> None:
        opened = self.open_yellows(at)
        calendar = self.judging.deps.calendar
        waited = calendar.workdays_in(min(opened), legal_date(at)) if opened else 0
        fact = {**base, "yellow_unanswered_days": waited}
        rules, case_id = self.judging.rules, self.history.id
        for rule_id in self.judging.matched(fact):
            rule = rules[rule_id]
            cause = cause_of(rule, fact, case_id)
            if cause not in self.out.causes:
                self.out.causes[cause] = rule_id
                if rule.level == "yellow":
                    self.yellows[cause] = (legal_date(at), self.history.answered.get(cause))


def _clock_fact(
    deps: CoreDeps, line: Timeline, prefix: int, at: datetime, index: int
) -> tuple[ClockResult, dict[str, Any]]:
    """The clock at `at` after `prefix` records, and the fact (without the yellow card's wait)
    of event `index` (-1: of a sweep)."""
    view = line.views[prefix]
    policy = deps.catalogue.clock_policy(view.item_code)
    clock = compute_clock(line.clock_events[prefix], policy, deps.calendar, at)
    if index < 0:
        event: dict[str, Any] = {"action": "sweep", "at": at.isoformat()}
    else:
        event = line.events[index].event
        if event["action"] == "approve_extension":
            before = compute_clock(line.clock_events[prefix - 1], policy, deps.calendar, at)
            late = before.overdue_at is not None and at >= before.overdue_at
            event = {**event, "after_deadline": late}
    payload = {"event": event, "case": snapshot(deps, view, clock, full_clock=False)}
    return clock, case_fact(deps.catalogue, payload)


def replay_case(judgings: Sequence[Judging], line: Timeline, horizon: datetime) -> list[Outcome]:
    """The causes each policy finds in the case's history up to `horizon` (inclusive).

    Policies with the same setting (catalogue and calendar: the same clocks and facts) are
    walked together, each fact judged by each of them, at the union of their moments. That is
    what judging them one by one gives: a policy's verdict changes only at its own moments
    (`next_due_at` is never late), so a moment of another policy repeats the verdict of the
    last moment before it."""
    runs = [_Run(judging, line.history) for judging in judgings]
    horizon = horizon.astimezone(LEGAL_TZ)
    groups: dict[tuple[str, str], list[_Run]] = {}
    for run in runs:
        groups.setdefault(run.judging.setting, []).append(run)
    for group in groups.values():
        _walk(group, line, horizon)
    return [run.out for run in runs]


def _walk(runs: Sequence[_Run], line: Timeline, horizon: datetime) -> None:
    deps = runs[0].judging.deps
    thresholds = _union([run.judging.policy.thresholds for run in runs])
    events = [e for e in line.events if e.at <= horizon]
    swept = 0
    for index, event in enumerate(events):
        clock, base = _clock_fact(deps, line, event.prefix, event.at, index)
        for run in runs:
            run.judge(base, event.at)
        if event.ends:
            continue  # the case is over: only recorded refusals may follow
        bound = horizon + _TICK if index + 1 == len(events) else events[index + 1].at
        at = event.at
        while True:  # the threshold moments until the next event
            yellows = [d for run in runs for d in run.open_yellows(at)]
            due = next_due_at(clock, thresholds, deps.calendar, at, yellows)
            if due is None or due >= bound:
                break
            if swept >= MAX_SWEEPS:
                for run in runs:
                    run.out.capped = True
                break
            swept, at = swept + 1, due
            clock, base = _clock_fact(deps, line, event.prefix, at, -1)
            for run in runs:
                run.judge(base, at)


def _union(found: Sequence[Thresholds]) -> Thresholds:
    """Every policy's thresholds: the next moment of any of them."""
    return {name: frozenset().union(*(th[name] for th in found)) for name in found[0]}


def case_pages(
    session: Session,
    first: datetime | None,
    after: datetime | None,
    ids: tuple[str, str | None] = ("", None),
    page: int = PAGE,
) -> Iterator[list[CaseHistory]]:
    """The histories of the cases received in [first, after) whose id is in (ids[0], ids[1]]
    (None: no upper bound), a page at a time, in id order."""
    last, upto = ids
    while True:
        stmt = select(Case.id, Case.tracking_no, Case.item_code, Case.department_code)
        stmt = stmt.where(Case.id > last)
        if upto is not None:
            stmt = stmt.where(Case.id <= upto)
        if first is not None:
            stmt = stmt.where(Case.submitted_at >= first)
        if after is not None:
            stmt = stmt.where(Case.submitted_at < after)
        cases = session.connection().execute(stmt.order_by(Case.id).limit(page)).all()
        if not cases:
            return
        yield _histories(session, cases)
        last = cases[-1].id


def _histories(session: Session, cases: Sequence[Any]) -> list[CaseHistory]:
    """Core selects (rows, not ORM objects: nothing the session could ever flush)."""
    run = session.connection().execute
    records: dict[str, list[Any]] = {row.id: [] for row in cases}
    refusals: dict[str, list[tuple[datetime, Any]]] = {row.id: [] for row in cases}
    answered: dict[str, dict[str, datetime]] = {row.id: {} for row in cases}
    for chunk in in_chunks(list(records)):
        stmt = select(*_RECORD_COLUMNS).where(CaseRecord.case_id.in_(chunk))
        for row in run(stmt.order_by(CaseRecord.case_id, CaseRecord.seq)):
            records[row.case_id].append(_Record(*row)._replace(at=row.at.astimezone(LEGAL_TZ)))
        refused = select(Fact.case_id, Fact.payload).where(
            Fact.case_id.in_(chunk),
            Fact.record_id.is_(None),
            Fact.kind == "case.change_after_conclusion",
        )
        for case_id, payload in run(refused.order_by(Fact.id)):
            event = payload["event"]
            moment = datetime.fromisoformat(event["at"]).astimezone(LEGAL_TZ)
            refusals[case_id].append((moment, event))
        yellows = select(
            Alert.case_id, Alert.cause, Alert.responded_at, Alert.removed_at, Alert.resolved_at
        ).where(Alert.case_id.in_(chunk), Alert.level == "yellow")
        for case_id, cause, *ends in run(yellows):
            moments = [moment for moment in ends if moment is not None]
            if moments:
                answered[str(case_id)][cause] = min(moments).astimezone(LEGAL_TZ)
    return [
        CaseHistory(
            row.id,
            row.tracking_no,
            row.item_code,
            row.department_code,
            records[row.id],
            refusals[row.id],
            answered[row.id],
        )
        for row in cases
    ]
