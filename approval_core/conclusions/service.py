"""Write a case's conclusion row from its records (at the conclusion, and for backfills)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.replay import Replayed
from approval_core.cases.snapshot import clock_of
from approval_core.clock.schemas import ClockResult
from approval_core.conclusions.models import Conclusion
from approval_core.context import CoreDeps
from approval_core.db import in_chunks
from approval_core.records.models import CaseRecord

UNASSIGNED = "-"  # the handler key of a case nobody handled or was assigned


def handler_key(replayed: Replayed) -> str:
    """Who handled the case, else whom it was assigned to, else "-"."""
    person = replayed.handler_id if replayed.handler_id is not None else replayed.assignee_id
    return UNASSIGNED if person is None else str(person)


def conclusion_of(
    case: tuple[str, str, str],
    records: Sequence[CaseRecord],
    replayed: Replayed,
    clock: ClockResult,
) -> Conclusion:
    """The row for a case (id, item, department) whose records up to its conclusion, replayed,
    gave `clock`."""
    case_id, item_code, department_code = case
    concluded_at = [r.at for r in records if r.action == "conclude"][-1]
    accepted = [r.at for r in records if r.action == "accept" and r.at <= concluded_at]
    clocked = clock.started_on is not None
    return Conclusion(
        case_id=case_id,
        department_code=department_code,
        item_code=item_code,
        handler_key=handler_key(replayed),
        concluded_at=concluded_at,
        submitted_at=records[0].at,
        accepted_at=accepted[0] if accepted else None,
        accepts=len(accepted),
        outcome="approved" if replayed.decision == "approved" else "denied",
        clocked=clocked,
        days_used=clock.elapsed if clocked else 0,
        days_late=clock.overdue if clocked else 0,
        stopped_days=clock.stopped if clocked else 0,
        early=clocked and clock.promised is not None and clock.promised.overdue == 0,
        late=clocked and clock.overdue > 0,
    )


def conclusion_from_records(
    deps: CoreDeps,
    case_id: str,
    item_code: str,
    department_code: str,
    records: Sequence[CaseRecord],
) -> Conclusion | None:
    """The conclusion row the records give, None if they hold no conclude record."""
    concluded = [r for r in records if r.action == "conclude"]
    if not concluded:
        return None
    replayed, clock = clock_of(deps, item_code, records, concluded[-1].at)
    return conclusion_of((case_id, item_code, department_code), records, replayed, clock)


def record_conclusion(session: Session, deps: CoreDeps, case: Case) -> Conclusion | None:
    """Called right after the conclude record is flushed: add the case's conclusion row."""
    records = session.scalars(
        select(CaseRecord).where(CaseRecord.case_id == case.id).order_by(CaseRecord.seq)
    ).all()
    row = conclusion_from_records(deps, case.id, case.item_code, case.department_code, records)
    if row is not None:
        session.merge(row)
        session.flush()
    return row


def backfill(session: Session, deps: CoreDeps) -> int:
    """Add the rows of concluded cases that have none (recorded before the table existed);
    the number added. Statistics replay such cases meanwhile, so this only speeds them up."""
    missing = select(CaseRecord.case_id).where(
        CaseRecord.action == "conclude",
        CaseRecord.case_id.not_in(select(Conclusion.case_id)),
    )
    cases = session.execute(
        select(Case.id, Case.item_code, Case.department_code)
        .where(Case.id.in_(missing))
        .order_by(Case.id)
    ).all()
    added = 0
    for chunk in in_chunks(cases):
        records: dict[str, list[CaseRecord]] = {row.id: [] for row in chunk}
        query = select(CaseRecord).where(CaseRecord.case_id.in_(list(records)))
        for record in session.scalars(query.order_by(CaseRecord.case_id, CaseRecord.seq)):
            records[record.case_id].append(record)
        for row in chunk:
            found = conclusion_from_records(
                deps, row.id, row.item_code, row.department_code, records[row.id]
            )
            if found is not None:
                session.add(found)
                added += 1
        session.flush()
    return added
