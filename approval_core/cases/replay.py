"""Replay: the case's state, step and clock events recomputed from its records alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from approval_core.cases.workflow import CaseState, step_of, transition
from approval_core.clock.schemas import ClockEvent
from approval_core.records.models import CaseRecord

# Record action -> clock event kind (actions absent here do not touch the main clock).
_CLOCK_KIND = {
    "submit": "received",
    "accept": "accepted",
    "reject": "rejected",
    "request_supplement": "supplement_requested",
    "supplement_received": "supplement_received",
    "stop": "stop",
    "resume": "resume",
    "approve_extension": "extension_approved",
    "conclude": "concluded",
    "withdraw": "withdrawn",
}


@dataclass
class Replayed:
    """What the records say, folded in order."""

    state: CaseState = field(default_factory=lambda: CaseState("submitted"))
    step: str = "register"
    assignee_id: int | None = None
    handler_id: int | None = None
    reviewer_id: int | None = None
    decision: str | None = None
    decision_no: str | None = None
    last_event_at: datetime | None = None
    events: list[ClockEvent] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    def row_fields(self) -> dict[str, Any]:
        """The case row's columns the records determine (for views of a case as of a moment)."""
        return {
            "state": self.state.state,
            "step": self.step,
            "stop_type": self.state.stop_type,
            "assignee_id": self.assignee_id,
            "handler_id": self.handler_id,
            "reviewer_id": self.reviewer_id,
            "decision": self.decision,
        }


def replay(records: Sequence[CaseRecord], as_of: datetime | None = None) -> Replayed:
    """Fold the workflow over the records (up to `as_of` event time, if given)."""
    out = Replayed()
    for record in records:
        if as_of is not None and record.at > as_of:
            break
        apply_record(out, record)
    return out


def apply_record(out: Replayed, record: CaseRecord) -> None:
    """Fold one record into `out` (a replay so far, or the case row as it was before it)."""
    payload = dict(record.payload)
    if record.action == "submit":
        out.state = CaseState("submitted")
    else:
        outcome = transition(out.state, record.action, None, payload)
        out.state = outcome.state
    if out.state.state != record.to_state:
        out.mismatches.append(
            f"record {record.seq}: replay gives {out.state.state}, record says {record.to_state}"
        )
    _track_people(out, record, payload)
    out.last_event_at = record.at
    kind = _CLOCK_KIND.get(record.action)
    if kind is not None:
        out.events.append(_clock_event(kind, record, payload))
    new_step = step_of(out.state)
    # A terminal event ends the clock itself; a "done" step would only be noise after it.
    if new_step != "done" and (new_step != out.step or record.action == "submit"):
        out.events.append(ClockEvent(kind="step", at=record.at, step=new_step))
    out.step = new_step


def _track_people(out: Replayed, record: CaseRecord, payload: dict[str, object]) -> None:
    if record.action == "assign":
        assignee = payload.get("assignee")
        out.assignee_id = int(assignee) if isinstance(assignee, int | str) else None
    elif record.action == "handle":
        out.handler_id = record.actor_id
    elif record.action == "review":
        out.reviewer_id = record.actor_id
    elif record.action == "conclude":
        out.decision = str(payload.get("decision"))
        decision_no = payload.get("decision_no")
        out.decision_no = str(decision_no) if decision_no else None


def _clock_event(kind: str, record: CaseRecord, payload: dict[str, object]) -> ClockEvent:
    stop_type = payload.get("stop_type")
    if kind == "supplement_requested":
        stop_type = "supplement"
    days = payload.get("days")
    expected = payload.get("expected_days")
    return ClockEvent(
        kind=kind,  # type: ignore[arg-type]
        at=record.at,
        stop_type=str(stop_type) if stop_type else None,
        days=int(days) if isinstance(days, int) else None,
        legal_basis=record.legal_basis,
        expected_days=int(expected) if isinstance(expected, int) else None,
    )
