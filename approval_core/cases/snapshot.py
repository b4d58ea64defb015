"""The case's clock and the self-contained snapshot that goes with every fact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed, replay
from approval_core.clock.schemas import ClockResult
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


def store_clock(case: Case, clock: ClockResult) -> None:
    """Keep the clock figures on the row for fast queries (the records stay the truth)."""
    case.clock_started_on = clock.started_on
    case.clock_due_date = clock.due_date
    case.clock_elapsed = clock.elapsed
    case.clock_remaining = clock.remaining
    case.clock_overdue = clock.overdue
    case.clock_running = clock.running
    case.clock_deemed_accepted = clock.deemed_accepted
    case.clock_provisional = clock.provisional
    case.calendar_version = clock.calendar_version
    case.clock_computed_at = clock.as_of


def _counts(records: Sequence[CaseRecord]) -> dict[str, Any]:
    actions = [r.action for r in records]
    fees = [r.payload for r in records if r.action == "charge_fee"]
    return {
        "supplement_requests": actions.count("request_supplement"),
        "supplement_requests_before_acceptance": sum(
            1 for r in records if r.action == "request_supplement" and r.from_state == "registered"
        ),
        "extension_requests": actions.count("extend"),
        "extensions_approved": actions.count("approve_extension"),
        "returns": actions.count("return"),
        "stops": actions.count("stop"),
        "reviews": actions.count("review"),
        "fees": [{"amount": f.get("amount"), "fee_code": f.get("fee_code")} for f in fees],
        "fee_total": str(sum((Decimal(str(f.get("amount") or 0)) for f in fees), Decimal(0))),
    }


def snapshot(
    deps: CoreDeps, case: Case, records: Sequence[CaseRecord], clock: ClockResult
) -> dict[str, Any]:
    """Everything rules need about the case, so a fact never needs the DB to be judged."""
    item = deps.catalogue.get(case.item_code)
    mandatory = [m.code for m in item.materials if m.mandatory]
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
        "record_count": len(records),
        **_counts(records),
        "clock": clock.as_dict(),
    }
