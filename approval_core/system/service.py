"""System alerts to administrators, calendar coverage, and clock recomputation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.snapshot import clock_columns, snapshot, stored_clock
from approval_core.cases.workflow import TERMINAL
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.db import insert_or_merge
from approval_core.outbox.service import emit_fact
from approval_core.system.models import SystemAlert
from approval_core.timeutil import legal_date

_CASES = Table("cases", Case.metadata)  # the same table, for a Core UPDATE (no version bump)


def raise_alert(
    session: Session,
    *,
    cause: str,
    kind: str,
    zh: str,
    en: str,
    details: dict[str, Any],
    now: datetime,
) -> SystemAlert:
    """Open the alert for `cause`, or keep the open one (one cause, one alert).

    Concurrent requests may raise the same cause at once (every acceptance whose deadline runs
    into a year without a holiday notice): the row is inserted with ON CONFLICT DO NOTHING, so
    the loser of that race keeps the winner's alert instead of failing its whole request; an
    open alert with the same details is not written again (no row lock to queue on)."""
    alert = session.scalars(select(SystemAlert).where(SystemAlert.cause == cause)).first()
    if alert is None:
        values = {
            "cause": cause,
            "kind": kind,
            "message_zh": zh,
            "message_en": en,
            "details": details,
            "opened_at": now,
        }
        insert = insert_or_merge(session, SystemAlert)
        session.execute(insert.values(values).on_conflict_do_nothing())
        return session.scalars(select(SystemAlert).where(SystemAlert.cause == cause)).one()
    if alert.resolved_at is not None:
        alert.resolved_at = None
        alert.opened_at = now
    if alert.details != details:
        alert.details = details
    session.flush()
    return alert


def resolve_alert(session: Session, cause: str, now: datetime) -> None:
    # (a kept Core statement: the judge loop asks after every batch, and the answer is
    # almost always "none open")
    found = session.connection().execute(_OPEN_ALERT, {"cause": cause}).first()
    if found is None:
        return
    alert = session.get(SystemAlert, found.id)
    if alert is not None and alert.resolved_at is None:
        alert.resolved_at = now
        session.flush()


_OPEN_ALERT = select(SystemAlert.id).where(
    SystemAlert.cause == bindparam("cause"), SystemAlert.resolved_at.is_(None)
)


def calendar_cause(year: int) -> str:
    return f"calendar-year-missing:{year}"


def note_provisional(session: Session, deps: CoreDeps, clock: ClockResult) -> None:
    """A clock leaned on a year nobody has entered: tell the administrators, never guess."""
    for year in clock.provisional_years:
        raise_alert(
            session,
            cause=calendar_cause(year),
            kind="calendar_year_missing",
            zh=(
                f"{year} 年节假日安排尚未录入 rules/calendar.yaml：相关期限按《全国年节及纪念日"
                "放假办法》法定假日临时计算（未含调休），请录入国务院办公厅通知。"
            ),
            en=(
                f"The {year} holiday arrangement is not in rules/calendar.yaml: deadlines that "
                "depend on it are provisional (statutory holidays only, no make-up days)."
            ),
            details={"year": year, "calendar_version": deps.calendar.version},
            now=deps.now(),
        )


def recompute_clocks(session: Session, deps: CoreDeps) -> dict[str, Any]:
    """Recompute open cases whose clock used another calendar or policy version, or is
    provisional."""
    now = deps.now()
    stale = [
        Case.calendar_version.is_(None),
        Case.calendar_version != deps.calendar.version,
        Case.clock_provisional.is_(True),
    ]
    if deps.policy_version:
        stale += [Case.policy_version.is_(None), Case.policy_version != deps.policy_version]
    stmt = select(Case).where(Case.state.not_in(TERMINAL), or_(*stale))
    if session.get_bind().dialect.name == "postgresql":
        # A case an action holds now is skipped: the action stores its fresh clock itself.
        stmt = stmt.with_for_update(skip_locked=True)
    changed = recomputed = 0
    for case in session.scalars(stmt):
        recomputed += 1
        clock = stored_clock(deps, case, now)
        before = (case.clock_due_date, case.clock_provisional, case.clock_remaining)
        # Derived figures, written without the case's version: a recompute (at every start,
        # after a reload) must never turn a handler's concurrent action into a conflict.
        session.execute(
            update(_CASES)
            .where(_CASES.c.id == case.id)
            .values(**clock_columns(clock, deps.policy_version))
        )
        if clock.provisional:
            note_provisional(session, deps, clock)
        if before != (clock.due_date, clock.provisional, clock.remaining):
            changed += 1
        emit_fact(
            session,
            kind="case.clock_recomputed",
            case_id=case.id,
            now=now,
            payload={
                "event": {"action": "clock_recomputed", "at": now.isoformat()},
                "case": snapshot(deps, case, clock),
            },
        )
    _resolve_entered_years(session, deps, now)
    return {
        "calendar_version": deps.calendar.version,
        "policy_version": deps.policy_version,
        "recomputed": recomputed,
        "changed": changed,
    }


def _resolve_entered_years(session: Session, deps: CoreDeps, now: datetime) -> None:
    for alert in session.scalars(
        select(SystemAlert).where(
            SystemAlert.kind == "calendar_year_missing", SystemAlert.resolved_at.is_(None)
        )
    ):
        year = int(alert.details.get("year", 0))
        if not deps.calendar.is_provisional_year(year):
            resolve_alert(session, alert.cause, now)


def calendar_status(session: Session, deps: CoreDeps) -> dict[str, Any]:
    this_year = legal_date(deps.now()).year
    provisional_cases = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.clock_provisional.is_(True), Case.state.not_in(TERMINAL))
    )
    return {
        "calendar_version": deps.calendar.version,
        "years": {
            str(y): ("provisional" if deps.calendar.is_provisional_year(y) else "entered")
            for y in (this_year, this_year + 1)
        },
        "provisional_open_cases": provisional_cases or 0,
    }


def list_alerts(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(SystemAlert).order_by(SystemAlert.opened_at.desc()))
    return [
        {
            "id": a.id,
            "cause": a.cause,
            "kind": a.kind,
            "message_zh": a.message_zh,
            "message_en": a.message_en,
            "details": a.details,
            "opened_at": a.opened_at.isoformat(),
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
        }
        for a in rows
    ]
