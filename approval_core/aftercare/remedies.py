"""行政复议、行政诉讼、行政赔偿 records linked to a case, and 好差评 ratings of a case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from approval_core.aftercare.kinds import NEGATIVE_RATINGS
from approval_core.aftercare.models import Rating, Remedy
from approval_core.aftercare.schemas import RatingIn, RemedyIn, RemedyOutcomeIn
from approval_core.cases.models import Case
from approval_core.context import Actor, CoreDeps
from approval_core.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from approval_core.tallies.service import RATINGS
from approval_core.tallies.service import add as add_to_total
from approval_core.versioned import compare_and_set, expect

RECORDERS = ("clerk", "head", "supervisor", "admin")
RATEABLE = ("concluded",)


def _may_record(actor: Actor) -> None:
    if actor.role not in RECORDERS:
        raise Forbidden(
            "only clerks, heads and supervisors record remedies",
            detail_zh="只有窗口人员、部门负责人和监察人员可以登记复议、诉讼、赔偿",
        )


def _check_outcome(kind: str, outcome: str | None, amount: Any, decided: Any) -> None:
    if outcome is not None and decided is None:
        raise InvalidInput(
            "an outcome needs its date", detail_zh="请填写决定日期", field="decided_on"
        )
    if amount is not None and kind != "compensation":
        raise InvalidInput(
            "only compensation records carry an amount",
            detail_zh="只有行政赔偿记录填写金额",
            field="amount",
        )
    if kind == "compensation" and outcome == "compensated" and amount is None:
        raise InvalidInput(
            "a compensation needs its amount", detail_zh="请填写赔偿金额", field="amount"
        )


def add_remedy(
    session: Session, deps: CoreDeps, actor: Actor, case: Case, body: RemedyIn
) -> Remedy:
    _may_record(actor)
    _check_outcome(body.kind, body.outcome, body.amount, body.decided_on)
    if body.decided_on is not None and body.decided_on < body.filed_on:
        raise InvalidInput(
            "the decision cannot precede the filing",
            detail_zh="决定日期不能早于提起日期",
            field="decided_on",
        )
    remedy = Remedy(
        case_id=case.id,
        recorded_by=actor.user_id,
        created_at=deps.now(),
        **body.model_dump(),
    )
    session.add(remedy)
    session.flush()
    return remedy


def remedy_state(remedy: Remedy) -> dict[str, Any]:
    """The remedy's state as a refusal reports it (decided once its outcome is recorded)."""
    return {
        "id": remedy.id,
        "status": "pending" if remedy.outcome is None else "decided",
        "outcome": remedy.outcome,
        "version": remedy.version,
    }


def decide_remedy(
    session: Session,
    actor: Actor,
    case: Case,
    remedy_id: int,
    body: RemedyOutcomeIn,
    expected: int | None = None,
) -> Remedy:
    """Record the outcome, once: a compare-and-set on the version (`expected`, else the one
    read), so of concurrent outcomes exactly one is kept and the others are refused."""
    remedy = session.get(Remedy, remedy_id)
    if remedy is None or remedy.case_id != case.id:
        raise NotFound(f"no remedy {remedy_id}", detail_zh="记录不存在", field="remedy_id")
    _may_record(actor)
    expect(remedy, expected, remedy_state)
    if remedy.outcome is not None:
        raise IllegalTransition(
            "the outcome is already recorded",
            detail_zh="结果已登记",
            field="outcome",
            current=remedy_state(remedy),
        )
    _check_outcome(remedy.kind, body.outcome, body.amount, body.decided_on)
    if body.decided_on < remedy.filed_on:
        raise InvalidInput(
            "the decision cannot precede the filing",
            detail_zh="决定日期不能早于提起日期",
            field="decided_on",
        )
    with compare_and_set(session, remedy, remedy_state):
        remedy.outcome, remedy.decided_on = body.outcome, body.decided_on
        remedy.amount, remedy.note = body.amount, body.note or remedy.note
    return remedy


def remedies_of(session: Session, case_id: str) -> list[Remedy]:
    return list(
        session.scalars(select(Remedy).where(Remedy.case_id == case_id).order_by(Remedy.id))
    )


def remedy_view(remedy: Remedy) -> dict[str, Any]:
    return {
        "id": remedy.id,
        "case_id": remedy.case_id,
        "kind": remedy.kind,
        "reference": remedy.reference,
        "body": remedy.body,
        "filed_on": remedy.filed_on.isoformat(),
        "outcome": remedy.outcome,
        "decided_on": remedy.decided_on.isoformat() if remedy.decided_on else None,
        "amount": str(remedy.amount) if remedy.amount is not None else None,
        "note": remedy.note,
        "version": remedy.version,
    }


def rate(session: Session, deps: CoreDeps, case: Case, body: RatingIn) -> Rating:
    """好差评: once per case, only after it is concluded."""
    if case.state not in RATEABLE:
        raise IllegalTransition(
            "a case can be rated once it is concluded",
            detail_zh="办结后才能评价",
            field="case_id",
        )
    _not_rated(rating_of(session, case.id))
    rating = Rating(case_id=case.id, level=body.level, comment=body.comment, created_at=deps.now())
    try:
        with session.begin_nested():  # a concurrent rating of the same case may win the insert
            session.add(rating)
            session.flush()
        add_to_total(session, RATINGS, (rating.level,))  # the watch screens' ratings by level
    except IntegrityError:
        _not_rated(rating_of(session, case.id))
        raise
    return rating


def rating_state(rating: Rating) -> dict[str, Any]:
    return {
        "case_id": rating.case_id,
        "status": "rated",
        "level": rating.level,
        "version": rating.version,
    }


def _not_rated(rating: Rating | None) -> None:
    """A case is rated once: a second rating is refused with the one on record."""
    if rating is not None:
        raise Conflict(
            "this case is already rated",
            detail_zh="该案件已评价，不能重复评价",
            field="case_id",
            current=rating_state(rating),
        )


def rating_of(session: Session, case_id: str) -> Rating | None:
    return session.scalars(select(Rating).where(Rating.case_id == case_id)).first()


def rating_view(rating: Rating) -> dict[str, Any]:
    return {
        "case_id": rating.case_id,
        "level": rating.level,
        "negative": rating.level in NEGATIVE_RATINGS,
        "comment": rating.comment,
        "created_at": rating.created_at.isoformat(),
        "version": rating.version,
    }
