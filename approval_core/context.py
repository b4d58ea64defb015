"""What a use case needs besides its DB session: rule data, the calendar, the key and `now()`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from approval_core.calendar.service import WorkCalendar, load_calendar
from approval_core.catalogue.service import Catalogue, load_catalogue
from approval_core.timeutil import Clock, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: passed in by the caller (API token, CLI), never read from globals."""

    user_id: int | None
    name: str
    role: str
    department: str | None = None


@dataclass(frozen=True)
class CoreDeps:
    catalogue: Catalogue
    calendar: WorkCalendar
    record_key: str
    now: Clock = utcnow


def load_deps(rules_dir: Path, record_key: str, now: Clock = utcnow) -> CoreDeps:
    """Load and validate the rule data; raises ConfigError naming file and line."""
    return CoreDeps(
        catalogue=load_catalogue(rules_dir),
        calendar=load_calendar(rules_dir),
        record_key=record_key,
        now=now,
    )
