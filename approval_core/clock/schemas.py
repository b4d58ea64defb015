"""Inputs and outputs of the legal clock. Plain frozen dataclasses: no DB, no web."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from approval_core.clock.units import DEFAULT_UNIT, DayUnit

# Kinds of event the clock understands; each comes from one workflow record.
ClockEventKind = Literal[
    "received",  # the application (materials) arrived: submit
    "accepted",  # 受理
    "rejected",  # 不予受理 (terminal)
    "supplement_requested",  # 补正通知: before acceptance it answers Art. 32; after, a stop
    "supplement_received",  # materials supplied
    "stop",  # a special procedure begins (stop_type says which)
    "resume",  # the special procedure ended
    "extension_approved",  # head approved an extension of `days`
    "step",  # the case entered another step (step names it); no effect on the main clock
    "concluded",  # decision made (terminal)
    "withdrawn",  # applicant withdrew (terminal)
]

Phase = Literal["acceptance", "review", "stopped", "ended"]


@dataclass(frozen=True)
class ClockEvent:
    """One thing that happened to a case, as the clock sees it. `at` is timezone-aware."""

    kind: ClockEventKind
    at: datetime
    stop_type: str | None = None  # for stop / supplement_requested ("supplement")
    days: int | None = None  # for extension_approved
    step: str | None = None  # for step: the step entered
    legal_basis: str | None = None
    expected_days: int | None = None  # expected duration told to the applicant


@dataclass(frozen=True)
class ClockPolicy:
    """Rule data the clock needs for one item (from rules/items.yaml and rules/timeliness.yaml)."""

    limit: int  # statutory limit (法定时限), in `unit`
    promised_limit: int  # promised limit (承诺时限), in `unit`, <= limit
    acceptance_window: int = 5  # Art. 32: days after receipt to accept/reject/notify
    # Where the limit counts from: acceptance (行政许可法 Art. 42), or receipt where the item's
    # own statute says 自收到申请之日起 (the clock then runs from receipt; no deemed acceptance).
    limit_from: Literal["acceptance", "receipt"] = "acceptance"
    max_extension_days: int = 10  # Art. 42
    max_extensions: int = 1
    # Which stop types exclude time (rules/timeliness.yaml); "supplement" covers 补正 in review.
    clock_stop_types: frozenset[str] = frozenset()
    # Moment on the due date after which an unconcluded case is overdue; None means 24:00.
    cutoff: time | None = None
    step_limits: dict[str, int] = field(default_factory=dict)
    # The unit of every period above (limit, promised, window, extension, steps): working days
    # (行政许可法 Art. 82) or natural days with the rest-day end rule (see clock/units.py).
    unit: DayUnit = DEFAULT_UNIT


@dataclass(frozen=True)
class Segment:
    """A stretch of the review clock: running, or stopped by one special procedure."""

    kind: Literal["running", "stopped"]
    start: date  # the date it began (a stop beginning on S excludes days after S)
    end: date | None  # the date it ended; None if still open at as-of
    counted_days: int  # working days counted (running) or excluded (stopped) in it
    stop_type: str | None = None
    legal_basis: str | None = None
    expected_days: int | None = None


@dataclass(frozen=True)
class StepClock:
    name: str
    started_on: date
    elapsed: int
    limit: int | None
    over: int  # max(0, elapsed - limit), 0 when no limit


@dataclass(frozen=True)
class PromisedClock:
    limit: int
    remaining: int
    overdue: int
    due_date: date | None


@dataclass(frozen=True)
class ClockResult:
    """The clock as of one moment. Days are in `unit`; dates are Asia/Shanghai dates.

    For natural days, `due_date` may lie after the limit's last day (a rest day moves the end);
    `remaining` and `overdue` count against that due date.
    """

    as_of: datetime
    phase: Phase
    limit: int
    extension: int  # legally effective extension days (0 if none or refused by the law)
    elapsed: int
    remaining: int
    overdue: int
    stopped: int  # working days excluded by stops so far
    started_on: date | None  # date the review clock started (acceptance or receipt if deemed)
    due_date: date | None
    deemed_accepted: bool
    running: bool
    calendar_version: str
    provisional: bool  # depends on a year the calendar does not cover yet
    provisional_years: tuple[int, ...]
    received_on: date | None
    acceptance_due_date: date | None  # last day of the Art. 32 window
    stop_type: str | None  # the open stop, if any
    overdue_at: datetime | None  # moment the case becomes overdue (due date at the cut-off)
    promised: PromisedClock | None
    step: StepClock | None
    segments: tuple[Segment, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. why an extension was not applied
    unit: DayUnit = DEFAULT_UNIT  # the unit of every figure in days

    def figures(self) -> dict[str, Any]:
        """Only the figures rules compare (no dates, segments or notes): the sweep's cheap form."""
        out = {name: getattr(self, name) for name in _SCALARS}
        promised, step = self.promised, self.step
        out["promised"] = (
            None
            if promised is None
            else {
                "remaining": promised.remaining,
                "overdue": promised.overdue,
            }
        )
        out["step"] = (
            None
            if step is None
            else {
                "elapsed": step.elapsed,
                "limit": step.limit,
                "over": step.over,
            }
        )
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO dates). Written out by hand: it runs for every judged case."""
        out = {name: getattr(self, name) for name in _SCALARS}
        for name in (
            "as_of",
            "started_on",
            "due_date",
            "received_on",
            "acceptance_due_date",
            "overdue_at",
        ):
            value = getattr(self, name)
            out[name] = value.isoformat() if value is not None else None
        promised, step = self.promised, self.step
        out["promised"] = (
            None
            if promised is None
            else {
                "limit": promised.limit,
                "remaining": promised.remaining,
                "overdue": promised.overdue,
                "due_date": promised.due_date.isoformat() if promised.due_date else None,
            }
        )
        out["step"] = (
            None
            if step is None
            else {
                "name": step.name,
                "started_on": step.started_on.isoformat(),
                "elapsed": step.elapsed,
                "limit": step.limit,
                "over": step.over,
            }
        )
        out["segments"] = [
            {
                "kind": g.kind,
                "start": g.start.isoformat(),
                "end": g.end.isoformat() if g.end else None,
                "counted_days": g.counted_days,
                "stop_type": g.stop_type,
                "legal_basis": g.legal_basis,
                "expected_days": g.expected_days,
            }
            for g in self.segments
        ]
        out["notes"] = list(self.notes)
        out["provisional_years"] = list(self.provisional_years)
        return out


_SCALARS = (
    "phase",
    "limit",
    "extension",
    "elapsed",
    "remaining",
    "overdue",
    "stopped",
    "deemed_accepted",
    "running",
    "calendar_version",
    "provisional",
    "stop_type",
    "unit",
)
