"""The running figures of one unit while statistics are counted (added up, then turned to a Row)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["department", "handler", "item"]
UNITS: tuple[Unit, ...] = ("department", "handler", "item")
UNASSIGNED = "-"  # the key of a case nobody handled or was assigned (or of no item / department)


@dataclass
class Tally:
    counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    # working days used by the concluded cases whose review clock started -> how many
    days: Counter[int] = field(default_factory=Counter)
    anomalies: Counter[str] = field(default_factory=Counter)  # rule id -> anomalies opened
    card_hours: list[float] = field(default_factory=list)  # opening -> response, removed cards

    def average_days(self) -> float | None:
        total = sum(self.days.values())
        used = sum(days * n for days, n in self.days.items())
        return round(used / total, 2) if total else None

    def p90_days(self) -> int | None:
        """The nearest-rank 90th percentile: the smallest value with >= 90% at or below it."""
        total = sum(self.days.values())
        if not total:
            return None
        rank, seen = math.ceil(0.9 * total), 0
        for days in sorted(self.days):
            seen += self.days[days]
            if seen >= rank:
                return days
        raise AssertionError("unreachable: the ranks add up to the total")


Tallies = defaultdict[str, Tally]


def new_tallies() -> Tallies:
    return defaultdict(Tally)


def person_key(*people: object) -> str:
    """The first of `people` (a handler key or user id) that is known, else "-"."""
    for person in people:
        if person is not None and person != UNASSIGNED:
            return str(person)
    return UNASSIGNED
