"""The complaint acceptance limit is a Period of rules/timeliness.yaml: days, unit and basis."""

from __future__ import annotations

from datetime import date

from approval_core.aftercare.complaints import accept_due, complaint_period
from approval_core.calendar import load_calendar
from approval_core.catalogue import load_catalogue
from approval_core.catalogue.schemas import LegalBasis, Period
from tests.conftest import RULES

BASIS = LegalBasis(
    statute="某办法", statute_en="Some measures", article="第一条", article_en="Art. 1"
)


def test_the_shipped_limit_is_five_working_days_with_its_basis() -> None:
    clock = load_catalogue(RULES).clock
    assert complaint_period(clock) == (5, "working_days")
    assert clock.complaint_acceptance is not None
    assert any("信访工作条例" in b.statute for b in clock.complaint_acceptance.legal_basis)
    # Received Wed 9/30/2026: 10/8 (1), 10/9 (2), Sat 10/10 make-up (3), 10/12 (4), 10/13 (5).
    assert accept_due(load_calendar(RULES), date(2026, 9, 30), clock) == date(2026, 10, 13)


def test_a_natural_day_limit_ends_on_the_next_working_day_after_a_holiday() -> None:
    shipped = load_catalogue(RULES).clock
    natural = Period(days=5, unit="natural_days", legal_basis=[BASIS])
    clock = shipped.model_copy(update={"complaint_acceptance": natural})
    # Received 9/30: the 5th day (10/5) is in the National Day holiday -> Thu 10/8.
    assert accept_due(load_calendar(RULES), date(2026, 9, 30), clock) == date(2026, 10, 8)
    # Received Mon 3/9: the 5th day is Sat 3/14 -> Mon 3/16.
    assert accept_due(load_calendar(RULES), date(2026, 3, 9), clock) == date(2026, 3, 16)
