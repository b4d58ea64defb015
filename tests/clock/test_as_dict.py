"""ClockResult.as_dict is written out by hand for speed: it must equal the generic form."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any

from approval_core.calendar import load_calendar
from approval_core.clock.schemas import ClockEvent, ClockPolicy
from approval_core.clock.service import compute_clock
from tests.clock.table_support import RULES, at


def _generic(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_generic(v) for v in value]
    if is_dataclass(value):
        return {f.name: _generic(getattr(value, f.name)) for f in fields(value)}
    return value


def test_as_dict_matches_every_field() -> None:
    policy = ClockPolicy(
        limit=20,
        promised_limit=10,
        clock_stop_types=frozenset({"hearing"}),
        step_limits={"handle": 5},
    )
    events = [
        ClockEvent("received", at("2026-03-02")),
        ClockEvent("accepted", at("2026-03-02 11:00")),
        ClockEvent("step", at("2026-03-02 11:00"), step="handle"),
        ClockEvent("stop", at("2026-03-05"), stop_type="hearing", expected_days=3),
        ClockEvent("resume", at("2026-03-09")),
        ClockEvent("extension_approved", at("2026-03-10"), days=30),
    ]
    result = compute_clock(events, policy, load_calendar(RULES), at("2026-03-20 12:00"))
    assert result.segments
    assert result.notes
    assert result.step is not None
    assert result.promised is not None
    assert result.as_dict() == _generic(result)


def test_figures_are_the_as_dict_figures() -> None:
    policy = ClockPolicy(limit=20, promised_limit=10, step_limits={"handle": 5})
    events = [
        ClockEvent("received", at("2026-03-02")),
        ClockEvent("accepted", at("2026-03-02 11:00")),
        ClockEvent("step", at("2026-03-02 11:00"), step="handle"),
    ]
    result = compute_clock(events, policy, load_calendar(RULES), at("2026-03-20 12:00"))
    full, figures = result.as_dict(), result.figures()
    for key, value in figures.items():
        if isinstance(value, dict):
            assert value == {k: full[key][k] for k in value}
        else:
            assert value == full[key]
