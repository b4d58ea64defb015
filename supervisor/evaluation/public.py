"""Public statistics (数据统计): monthly aggregates per item for a year, no personal data.

For each month of the year up to now and each item with something in it: received, concluded,
the on-time rate (on time / concluded cases whose clock ran) and the average working days used;
the same figures as `statistics(by="item")` for that month. No names, ids or case numbers.
Answers are kept for five minutes in the process (`PublicStatisticsCache`): the page is public
and cheap to ask for, the counting is not."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from approval_core.timeutil import ensure_aware, legal_date, start_of_legal_day
from supervisor.evaluation.casework import count_cases
from supervisor.evaluation.statistics import period_moments
from supervisor.evaluation.tally import new_tallies

CACHE_SECONDS = 300
FIRST_YEAR = 2000


def check_query(deps: CoreDeps, year: int, item: str | None, now: datetime) -> None:
    """A year from 2000 to this one, an item of the catalogue; else 422 naming the field."""
    this_year = legal_date(ensure_aware(now)).year
    if not FIRST_YEAR <= year <= this_year:
        raise InvalidInput(
            f"year must be from {FIRST_YEAR} to {this_year}",
            detail_zh=f"年份须在 {FIRST_YEAR} 至 {this_year} 之间",
            field="year",
        )
    if item is not None and item not in deps.catalogue.items:
        raise InvalidInput(f"unknown item {item}", detail_zh="事项不存在", field="item")


def monthly(
    session: Session, deps: CoreDeps, year: int, item: str | None, now: datetime
) -> dict[str, Any]:
    """The public document for `year` (and one `item`, or all), as recorded by `now`."""
    now = ensure_aware(now)
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        if start_of_legal_day(first) > now:
            break
        after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        tallies = new_tallies()
        bounds = period_moments(first, after - timedelta(days=1), "item", now)
        count_cases(session, deps, bounds, "item", now, None, tallies)
        rows = []
        for code in sorted(tallies):
            if item is not None and code != item:
                continue
            counts = tallies[code].counts
            timed = counts["on_time"] + counts["late"]
            catalogued = deps.catalogue.items.get(code)
            rows.append(
                {
                    "item": code,
                    "name_zh": catalogued.name_zh if catalogued else None,
                    "received": counts["received"],
                    "concluded": counts["concluded"],
                    "on_time_rate": round(counts["on_time"] / timed, 4) if timed else None,
                    "average_days": tallies[code].average_days(),
                }
            )
        months.append({"month": f"{year}-{month:02d}", "items": rows})
    return {"year": year, "item": item, "as_of": now.isoformat(), "months": months}


@dataclass
class PublicStatisticsCache:
    """(year, item) -> the document and when it expires; one per process."""

    seconds: int = CACHE_SECONDS
    _kept: dict[tuple[int, str | None], tuple[datetime, dict[str, Any]]] = field(
        default_factory=dict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[int, str | None], now: datetime) -> dict[str, Any] | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept[0] <= now:
                return None
            return kept[1]

    def put(self, key: tuple[int, str | None], now: datetime, document: dict[str, Any]) -> None:
        with self._lock:
            # bounded by the years and items that pass `check_query`; expired ones dropped
            self._kept = {k: v for k, v in self._kept.items() if v[0] > now}
            self._kept[key] = (now + timedelta(seconds=self.seconds), document)
