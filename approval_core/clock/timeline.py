"""Replay of a case's clock events into a timeline: acceptance, stops, extension, end, step.

The replay applies the law's decisions in event order (行政许可法 Art. 32, 42, 45); the
figures are computed from the timeline by `service.compute_clock`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from approval_core.calendar import WorkCalendar
from approval_core.clock.counting import StopSpan, due_day, overdue_moment
from approval_core.clock.schemas import ClockEvent, ClockPolicy
from approval_core.clock.units import counter_for, period_end
from approval_core.timeutil import ensure_aware, legal_date

SUPPLEMENT = "supplement"
UNSPECIFIED_STOP = "unspecified"


@dataclass
class Timeline:
    """What the events established, as of the as-of moment."""

    first_on: date | None = None  # date of the first event considered
    received_on: date | None = None
    window_start: date | None = None  # receipt, or the latest supplement received before acceptance
    acceptance_due: date | None = None
    awaiting_materials: bool = False  # a supplement notice answered the window; materials pending
    supplement_notices: int = 0  # before acceptance (一次告知: more than one is an anomaly)
    started_on: date | None = None
    deemed: bool = False
    stops: list[StopSpan] = field(default_factory=list)
    end_on: date | None = None
    end_at: datetime | None = None
    extension: int = 0
    extensions_seen: int = 0
    step_name: str | None = None
    step_on: date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def open_stop(self) -> StopSpan | None:
        if self.stops and self.stops[-1].end is None:
            return self.stops[-1]
        return None


class Replay:
    """Feeds events (already filtered to as-of and sorted) into a Timeline."""

    def __init__(self, policy: ClockPolicy, calendar: WorkCalendar) -> None:
        self.policy = policy
        self.calendar = calendar
        self.days = counter_for(policy.unit, calendar)
        self.tl = Timeline()
        self._handlers: dict[str, Callable[[ClockEvent, date], None]] = {
            "received": self._received,
            "accepted": self._accepted,
            "rejected": self._ended,
            "concluded": self._ended,
            "withdrawn": self._ended,
            "supplement_requested": self._supplement_requested,
            "supplement_received": self._supplement_received,
            "stop": self._stop,
            "resume": self._resume,
            "extension_approved": self._extension,
            "step": self._step,
        }

    def run(self, events: Sequence[ClockEvent], as_of: datetime) -> Timeline:
        for event in events:
            day = legal_date(event.at)
            if self.tl.first_on is None:
                self.tl.first_on = day
            if self.tl.end_on is not None:
                self._note(f"办结后的事件被忽略 / {event.kind} on {day} after the end ignored")
                continue
            handler = self._handlers.get(event.kind)
            if handler is None:
                raise ValueError(f"unknown clock event kind {event.kind!r}")
            self._check_lapse(day)
            handler(event, day)
        self._check_lapse(legal_date(ensure_aware(as_of)))
        return self.tl

    def _note(self, text: str) -> None:
        self.tl.notes.append(text)

    def _check_lapse(self, day: date) -> None:
        """Art. 32: no decision and no supplement notice by the window's end: deemed accepted."""
        tl = self.tl
        if tl.started_on is not None or tl.end_on is not None or tl.awaiting_materials:
            return
        if tl.acceptance_due is None or tl.window_start is None or day <= tl.acceptance_due:
            return
        tl.started_on = tl.window_start
        tl.deemed = True
        self._note(
            f"视为受理 / deemed accepted from {tl.window_start}: no decision by {tl.acceptance_due}"
        )

    def _open_window(self, day: date) -> None:
        self.tl.window_start = day
        self.tl.acceptance_due = period_end(
            day, self.policy.acceptance_window, self.policy.unit, self.calendar
        )

    def _received(self, event: ClockEvent, day: date) -> None:
        if self.tl.received_on is not None or self.tl.started_on is not None:
            self._note(f"重复收件被忽略 / {event.kind} on {day} ignored (already received)")
            return
        self.tl.received_on = day
        self._open_window(day)
        if self.policy.limit_from == "receipt":
            # The item's statute counts its limit from receipt: the clock runs from today.
            self.tl.started_on = day

    def _accepted(self, event: ClockEvent, day: date) -> None:
        tl = self.tl
        if tl.started_on is not None and self.policy.limit_from == "receipt" and not tl.deemed:
            tl.awaiting_materials = False  # the limit already runs from receipt
            return
        if tl.started_on is not None:
            why = "after deemed acceptance" if tl.deemed else "already accepted"
            self._note(f"受理时间不影响时限 / {event.kind} on {day} ignored ({why})")
            return
        tl.started_on = day
        tl.awaiting_materials = False

    def _ended(self, event: ClockEvent, day: date) -> None:
        tl = self.tl
        open_stop = tl.open_stop
        if open_stop is not None:
            open_stop.end = day
            open_stop.closed_by_end = True
        tl.end_on = day
        tl.end_at = event.at

    def _supplement_requested(self, event: ClockEvent, day: date) -> None:
        tl = self.tl
        if tl.started_on is not None:
            self._open_stop(event, day, SUPPLEMENT)
            return
        tl.supplement_notices += 1
        if tl.supplement_notices > 1:
            self._note(f"再次补正通知（违反一次告知）/ second supplement notice on {day}")
        tl.awaiting_materials = True

    def _supplement_received(self, event: ClockEvent, day: date) -> None:
        tl = self.tl
        if tl.started_on is not None:
            self._resume(event, day)
        elif tl.awaiting_materials:
            tl.awaiting_materials = False
            self._open_window(day)
        else:
            self._note(f"无补正通知的补正材料被忽略 / {event.kind} on {day} without a notice")

    def _stop(self, event: ClockEvent, day: date) -> None:
        if self.tl.started_on is None:
            self._note(f"受理前的中止被忽略 / stop on {day} before acceptance ignored")
            return
        self._open_stop(event, day, event.stop_type or UNSPECIFIED_STOP)

    def _open_stop(self, event: ClockEvent, day: date, stop_type: str) -> None:
        if self.tl.open_stop is not None:
            self._note(f"已在中止中，忽略 / {stop_type} on {day} ignored: a stop is already open")
            return
        effective = stop_type in self.policy.clock_stop_types
        if not effective:
            self._note(
                f"该类型不停止计时 / stop type {stop_type!r} on {day} does not stop the clock"
            )
        self.tl.stops.append(
            StopSpan(day, None, stop_type, event.legal_basis, event.expected_days, effective)
        )

    def _resume(self, event: ClockEvent, day: date) -> None:
        open_stop = self.tl.open_stop
        if open_stop is None:
            self._note(f"无中止可恢复，忽略 / {event.kind} on {day} ignored: no open stop")
            return
        open_stop.end = day

    def _step(self, event: ClockEvent, day: date) -> None:
        self.tl.step_name = event.step
        self.tl.step_on = day

    def _extension(self, event: ClockEvent, day: date) -> None:
        """Art. 42: an extension of at most the maximum, approved before the deadline passes.

        How many are allowed is policy (`max_extensions`): the article says "may be extended by
        ten days" without "once"; one extension is the reading the shipped rules apply.
        """
        tl, policy = self.tl, self.policy
        tl.extensions_seen += 1
        if tl.extensions_seen > policy.max_extensions:
            allowed = policy.max_extensions
            self._note(f"再次延期无效 / extension on {day} ignored: only {allowed} allowed")
            return
        days = event.days
        if days is None or days < 1:
            self._note(f"延期天数无效 / extension on {day} ignored: days={days}")
            return
        if tl.started_on is None:
            self._note(f"受理前的延期无效 / extension on {day} ignored: before acceptance")
            return
        due, _ = due_day(self.days, tl.started_on, tl.stops, day, policy.limit + tl.extension)
        if event.at > overdue_moment(due, policy.cutoff):
            self._note(f"期限届满后的延期无效 / extension on {day} ignored: due date {due} passed")
            return
        allowed = policy.max_extension_days - tl.extension
        if days > allowed:
            self._note(f"延期超过上限 / extension of {days} days capped at {allowed}")
            days = allowed
        tl.extension += max(0, days)
