"""What a use case needs besides its DB session: rule data, the calendar, the key and `now()`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from approval_core.calendar.service import WorkCalendar
from approval_core.catalogue.service import Catalogue
from approval_core.records.mac import DEFAULT_MAC, RecordMac
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
    """Taken once per unit of work from the policy in force (see supervisor/policy/value.py):
    the catalogue and calendar of one policy version, never a mix."""

    catalogue: Catalogue
    calendar: WorkCalendar
    record_key: str
    now: Clock = utcnow
    policy: object | None = None  # the policy value these came from (opaque to the core)
    policy_version: str = ""  # its version ("" when built from files outside a policy)
    record_mac: RecordMac = DEFAULT_MAC  # what new records are sealed with (the settings')

    def at_one_moment(self) -> CoreDeps:
        """These deps with `now` read once and fixed: a use case and its answer see one moment
        (an action recorded "now" is then at its own event time, and the clock it stores is
        the one its answer shows, computed once)."""
        moment = self.now()
        return replace(self, now=lambda: moment)
