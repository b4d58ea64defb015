"""The case's clock and the self-contained snapshot that goes with every fact.

The row keeps the clock's inputs (`clock_events`) and the case's counters, derived from the
records on every action, so that a sweep can recompute the clock for any moment and judge the
case without reading its records. Replay from the records must give the same values (tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed, apply_record, replay
from approval_core.clock.schemas import ClockEvent, ClockResult
from approval_core.clock.service import compute_clock
from approval_core.context import CoreDeps
from approval_core.records.models import CaseRecord


def clock_of(
    deps: CoreDeps, item_code: str, records: Sequence[CaseRecord], as_of: datetime
) -> tuple[Replayed, ClockResult]:
    """Replay the records up to `as_of` and compute the legal clock at that moment."""
    replayed = replay(records, as_of)
    policy = deps.catalogue.clock_policy(item_code)
    return replayed, compute_clock(replayed.events, policy, deps.calendar, as_of)


def event_to_json(event: ClockEvent) -> dict[str, Any]:
    data = {k: getattr(event, k) for k in event.__dataclass_fields__}
    data["at"] = event.at.isoformat()
    return {k: v for k, v in data.items() if v is not None}


def event_from_json(data: dict[str, Any]) -> ClockEvent:
    return ClockEvent(**{**data, "at": datetime.fromisoformat(data["at"])})


def stored_clock(deps: CoreDeps, case: Case | Any, as_of: datetime) -> ClockResult:
    """The clock as of `as_of` from the inputs kept on the row (no records read).

    `case` may be a Case or a row of its columns (the sweep reads columns, not objects). The
    last result is kept: an action stores the clock it computed and its answer shows the
    clock of the same inputs at the same moment (`CoreDeps.at_one_moment`), computed once."""
    key = (case.clock_events, case.item_code, deps.catalogue, deps.calendar, as_of)
    last = _last_clock[0]  # (one read: another thread may replace it meanwhile)
    if last is not None and _same(last[0], key):
        return last[1]
    events = [event_from_json(e) for e in case.clock_events]
    policy = deps.catalogue.clock_policy(case.item_code)
    clock = compute_clock(events, policy, deps.calendar, as_of)
    _last_clock[0] = (key, clock)
    return clock


# The last inputs and result. Objects are compared by identity: a case's events list is
# replaced, never changed in place, when a record is folded in (`advance_derived`), and the
# key holds its objects, so no id is reused while it is kept. (ClockResult is frozen.)
_last_clock: list[tuple[tuple[Any, ...], ClockResult] | None] = [None]


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] is b[0] and a[1] == b[1] and a[2] is b[2] and a[3] is b[3] and a[4] == b[4]


# The row's columns `clock_columns` (and so `store_clock`) writes.
CLOCK_COLUMNS = (
    "clock_started_on",
    "clock_due_date",
    "clock_elapsed",
    "clock_remaining",
    "clock_overdue",
    "clock_running",
    "clock_deemed_accepted",
    "clock_provisional",
    "calendar_version",
    "clock_computed_at",
    "policy_version",
)


def clock_columns(clock: ClockResult, policy_version: str | None = None) -> dict[str, Any]:
    """The clock figures kept on the case row, by column, with the policy version that
    computed them."""
    return {
        "clock_started_on": clock.started_on,
        "clock_due_date": clock.due_date,
        "clock_elapsed": clock.elapsed,
        "clock_remaining": clock.remaining,
        "clock_overdue": clock.overdue,
        "clock_running": clock.running,
        "clock_deemed_accepted": clock.deemed_accepted,
        "clock_provisional": clock.provisional,
        "calendar_version": clock.calendar_version,
        "clock_computed_at": clock.as_of,
        "policy_version": policy_version or None,
    }


def store_clock(case: Case, clock: ClockResult, policy_version: str | None = None) -> None:
    """Keep the clock figures on the row for fast queries (the records stay the truth), with
    the policy version that computed them."""
    for column, value in clock_columns(clock, policy_version).items():
        setattr(case, column, value)


# Record action -> the counter it adds one to.
_COUNTED = {
    "request_supplement": "supplement_requests",
    "extend": "extension_requests",
    "approve_extension": "extensions_approved",
    "return": "returns",
    "stop": "stops",
    "review": "reviews",
}
NO_COUNTS: dict[str, Any] = {
    "supplement_requests": 0,
    "supplement_notices_before_acceptance": 0,
    "extension_requests": 0,
    "extensions_approved": 0,
    "returns": 0,
    "stops": 0,
    "reviews": 0,
    "fee_total": "0",
}


def count_record(counters: Mapping[str, Any], record: CaseRecord) -> dict[str, Any]:
    """The counters with one more record: counts of steps, fees charged (what rules need to
    know about the history)."""
    out = {**NO_COUNTS, **counters}
    name = _COUNTED.get(record.action)
    if name is not None:
        out[name] += 1
    if record.action == "request_supplement" and record.from_state == "registered":
        out["supplement_notices_before_acceptance"] += 1
    if record.action == "charge_fee":
        amount = Decimal(str(record.payload.get("amount") or 0))
        out["fee_total"] = str(Decimal(out["fee_total"]) + amount)
    return out


def counters_of(records: Sequence[CaseRecord]) -> dict[str, Any]:
    """The counters of a whole history."""
    counters = dict(NO_COUNTS)
    for record in records:
        counters = count_record(counters, record)
    return counters


def advance_derived(case: Case, before: Replayed, record: CaseRecord) -> None:
    """Fold one new record into the row's clock inputs and counters. `before` is the row's
    state before the record; the earlier records are not read (replay from all of them gives
    the same values, tested)."""
    apply_record(before, record)
    case.clock_events = [*case.clock_events, *(event_to_json(e) for e in before.events)]
    case.counters = count_record(case.counters, record)


def snapshot(
    deps: CoreDeps, case: Case | Any, clock: ClockResult, *, full_clock: bool = True
) -> dict[str, Any]:
    """Everything rules need about the case, so a fact never needs the DB to be judged.

    `full_clock=False` keeps only the figures rules compare (the sweep judges many cases and
    stores no payload)."""
    item = deps.catalogue.get(case.item_code)
    mandatory = [m.code for m in item.mandatory_materials]
    have = set(case.materials)
    return {
        "case_id": case.id,
        "tracking_no": case.tracking_no,
        "item": case.item_code,
        "category": item.category,
        "department": case.department_code,
        "state": case.state,
        "step": case.step,
        "stop_type": case.stop_type,
        "assignee_id": case.assignee_id,
        "handler_id": case.handler_id,
        "reviewer_id": case.reviewer_id,
        "decision": case.decision,
        "materials": list(case.materials),
        "missing_materials": [code for code in mandatory if code not in have],
        "record_count": case.record_count,
        **case.counters,
        "clock": clock.as_dict() if full_clock else clock.figures(),
    }
