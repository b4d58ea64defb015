"""Time: one `now()` source, and the conversion of moments to legal (Asia/Shanghai) dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from approval_core.settings import LEGAL_TIME_ZONE

LEGAL_TZ = ZoneInfo(LEGAL_TIME_ZONE)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real current moment, timezone-aware (UTC)."""
    return datetime.now(UTC)


def ensure_aware(moment: datetime) -> datetime:
    """Reject naive datetimes: a moment without a zone is ambiguous for legal dates."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must carry a time zone")
    return moment


def legal_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment."""
    if moment.tzinfo is LEGAL_TZ:  # already in legal time (clock and replay moments are)
        return moment.date()
    return ensure_aware(moment).astimezone(LEGAL_TZ).date()


def start_of_legal_day(day: date) -> datetime:
    """00:00 Asia/Shanghai of `day`, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=LEGAL_TZ)


def as_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC (SQLite drops offsets; we store UTC)."""
    if moment.tzinfo is None:
        # Values read back from SQLite are naive UTC.
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
