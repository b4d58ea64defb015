"""The supervision and post-supervision figures of a period: alerts by level, anomalies by rule,
cards removed and their response times, complaints, reconsideration / litigation outcomes and
ratings, each counted in the period of its event and only if recorded as of the moment.

  - alerts count by their opening (`opened_at`); warning / yellow / red by level, anomalies in
    total and by rule;
  - a card (yellow or red) counts as removed in the period of its remove event (摘牌); its
    response time is the hours from its opening to its respond event (回告), when it had one;
  - complaints count in the period they were received (`received_on`); accepted in time when
    the accept step came on or before `accept_due`, late when after it;
  - reconsideration and litigation count in the period of their decision (`decided_on`); a
    changed or revoked decision counts against (`remedies_against`). Remedy outcomes carry no
    record time, so one entered after `as_of` with an earlier decision date does count;
  - ratings count in the period they were given; 满意 = the three best levels; the
    satisfaction rate is satisfied / ratings.

A case's unit is its department, item, and handler (the one its conclusion names, else the
case's handler or assignee); an alert without a case is counted under its own department, item
and responsible person."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from approval_core.aftercare.kinds import RATING_LEVELS
from approval_core.aftercare.models import Complaint, Rating, Remedy
from approval_core.cases.models import Case
from approval_core.conclusions.models import Conclusion
from approval_core.timeutil import ensure_aware, legal_date
from supervisor.alerts.models import Alert, AlertEvent
from supervisor.evaluation.casework import rows_complete
from supervisor.evaluation.tally import UNASSIGNED, Tallies, Unit, person_key

SATISFIED = frozenset(RATING_LEVELS[:3])
CARDS = ("yellow", "red")
AGAINST = ("changed", "revoked")  # the decision changed or revoked counts against
Bounds = tuple[datetime, datetime]

# The columns that name a case's unit (with Case outer-joined to its Conclusion).
_CASE_UNIT = (Case.department_code, Case.item_code, Conclusion.handler_key, Case.handler_id,
              Case.assignee_id)  # fmt: skip


def _key(by: Unit, department: Any, item: Any, *people: Any) -> str:
    if by == "department":
        return UNASSIGNED if department is None else str(department)
    if by == "item":
        return UNASSIGNED if item is None else str(item)
    return person_key(*people)


def count_aftercare(
    session: Session,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    _count_alerts(session, bounds, by, department, tallies)
    _count_removed_cards(session, bounds, by, as_of, department, tallies)
    _count_complaints(session, bounds, by, as_of, department, tallies)
    _count_remedies(session, bounds, by, as_of, department, tallies)
    _count_ratings(session, bounds, by, department, tallies)


def _alert_unit() -> tuple[Any, ...]:
    return (Alert.department_code, Alert.item_code, Conclusion.handler_key, Case.handler_id,
            Case.assignee_id, Alert.responsible_user_id)  # fmt: skip


def _alerts(*columns: Any) -> Any:
    return (
        select(*_alert_unit(), *columns)
        .outerjoin(Case, Case.id == Alert.case_id)
        .outerjoin(Conclusion, Conclusion.case_id == Alert.case_id)
    )


def _count_alerts(
    session: Session, bounds: Bounds, by: Unit, department: str | None, tallies: Tallies
) -> None:
    start, end = bounds
    query = _alerts(Alert.level, Alert.rule_id, func.count()).where(
        Alert.opened_at >= start, Alert.opened_at < end
    )
    if department is not None:
        query = query.where(Alert.department_code == department)
    query = query.group_by(*_alert_unit(), Alert.level, Alert.rule_id)
    for *unit, level, rule_id, n in session.execute(query):
        tally = tallies[_key(by, *unit)]
        if level == "anomaly":
            tally.counts["anomalies"] += n
            tally.anomalies[rule_id] += n
        else:
            tally.counts[f"alerts_{level}"] += n


def _count_removed_cards(
    session: Session,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    start, end = bounds
    responded = (
        select(AlertEvent.alert_id, func.min(AlertEvent.at).label("at"))
        .where(AlertEvent.action == "respond", AlertEvent.at <= as_of)
        .group_by(AlertEvent.alert_id)
        .subquery()
    )
    query = (
        _alerts(Alert.opened_at, responded.c.at)
        .join(AlertEvent, AlertEvent.alert_id == Alert.id)
        .outerjoin(responded, responded.c.alert_id == Alert.id)
        .where(
            AlertEvent.action == "remove",
            AlertEvent.at >= start,
            AlertEvent.at < end,
            Alert.level.in_(CARDS),
        )
    )
    if department is not None:
        query = query.where(Alert.department_code == department)
    for *unit, opened_at, responded_at in session.execute(query):
        tally = tallies[_key(by, *unit)]
        tally.counts["cards_removed"] += 1
        if responded_at is not None:
            hours = (ensure_aware(responded_at) - ensure_aware(opened_at)).total_seconds() / 3600
            tally.card_hours.append(hours)


def _cases(query: Any, department: str | None, case_id: Any) -> Any:
    query = query.outerjoin(Case, Case.id == case_id).outerjoin(
        Conclusion, Conclusion.case_id == case_id
    )
    return query if department is None else query.where(Case.department_code == department)


def _count_complaints(
    session: Session,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    first, last = _days(bounds)
    query = select(Complaint.department_code, *_CASE_UNIT[1:], Complaint.accept_due,
                   Complaint.steps)  # fmt: skip
    query = query.outerjoin(Case, Case.id == Complaint.case_id).outerjoin(
        Conclusion, Conclusion.case_id == Complaint.case_id
    )
    query = query.where(
        Complaint.received_on >= first,
        Complaint.received_on <= last,
        Complaint.created_at <= as_of,
    )
    if department is not None:
        query = query.where(Complaint.department_code == department)
    for *unit, accept_due, steps in session.execute(query):
        counts = tallies[_key(by, *unit)].counts
        counts["complaints"] += 1
        accepted = _accepted_on(steps, as_of)
        if accepted is not None:
            late = accepted > accept_due
            counts["complaints_accepted_late" if late else "complaints_accepted_in_time"] += 1


def _days(bounds: Bounds) -> tuple[date, date]:
    """The first and last legal dates of [start, end) (end: a midnight, or just after as_of)."""
    start, end = bounds
    return legal_date(start), legal_date(end - timedelta(microseconds=1))


def _accepted_on(steps: list[Any], as_of: datetime) -> date | None:
    for step in steps:
        if step.get("action") == "accept":
            at = datetime.fromisoformat(step["at"])
            return legal_date(at) if at <= as_of else None
    return None


def _count_remedies(
    session: Session,
    bounds: Bounds,
    by: Unit,
    as_of: datetime,
    department: str | None,
    tallies: Tallies,
) -> None:
    query = select(*_CASE_UNIT, Remedy.outcome, func.count()).where(
        Remedy.kind.in_(("reconsideration", "litigation")),
        Remedy.outcome.is_not(None),
        Remedy.decided_on >= _days(bounds)[0],
        Remedy.decided_on <= _days(bounds)[1],
        Remedy.created_at <= as_of,
    )
    query = _cases(query, department, Remedy.case_id).group_by(*_CASE_UNIT, Remedy.outcome)
    for *unit, outcome, n in session.execute(query):
        counts = tallies[_key(by, *unit)].counts
        counts["remedies_decided"] += n
        counts["remedies_against"] += n if outcome in AGAINST else 0


def _count_ratings(
    session: Session, bounds: Bounds, by: Unit, department: str | None, tallies: Tallies
) -> None:
    """Ratings are of concluded cases: their units from the conclusion rows (an index read);
    the cases concluded before the table existed from the cases, while any lack a row."""
    start, end = bounds
    given = [Rating.created_at >= start, Rating.created_at < end]
    unit = (Conclusion.department_code, Conclusion.item_code, Conclusion.handler_key)
    query = select(*unit, Rating.level, func.count()).join(
        Conclusion, Conclusion.case_id == Rating.case_id
    )
    if department is not None:
        query = query.where(Conclusion.department_code == department)
    _add_ratings(session, query.where(*given).group_by(*unit, Rating.level), by, tallies)
    if rows_complete(session):
        return
    rowless = select(*_CASE_UNIT, Rating.level, func.count()).where(
        *given, Conclusion.case_id.is_(None)
    )
    rowless = _cases(rowless, department, Rating.case_id).group_by(*_CASE_UNIT, Rating.level)
    _add_ratings(session, rowless, by, tallies)


def _add_ratings(session: Session, query: Any, by: Unit, tallies: Tallies) -> None:
    for *unit, level, n in session.execute(query):
        counts = tallies[_key(by, *unit)].counts
        counts["ratings"] += n
        counts["ratings_satisfied"] += n if level in SATISFIED else 0
