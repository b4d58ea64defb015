"""Explain a case's verdicts: the fact the rules see, and why each rule matched or not.

`explain_case` rebuilds the fact the sweep would judge at a moment (event "sweep", the clock as
of that moment, the yellow-card wait the fact processor adds) and traces every rule's condition on
it: each comparison with the fact's actual value and its result. The truth of each comparison
comes from `supervisor.evaluator.holds`, so an explanation can never disagree with a verdict.
Pure functions returning data (`render.py` turns it into lines); the API may serve it as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.snapshot import clock_of, counters_of, snapshot, stored_clock
from approval_core.clock.schemas import ClockResult
from approval_core.context import CoreDeps
from approval_core.errors import NotFound
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.timeutil import legal_date
from supervisor.alerts.models import Alert
from supervisor.alerts.service import render
from supervisor.evaluator import holds
from supervisor.facts import case_fact
from supervisor.policy.clockdays import ClockDay, clock_days
from supervisor.rulebook.compiled import AllOf, Compare, CompiledRule, Condition, RuleSet

_MATERIAL_ACTIONS = ("submit", "accept", "supplement_received")


@dataclass(frozen=True)
class CompareTrace:
    """One comparison on the fact: what it asks, what the fact holds, and whether it holds."""

    field: str
    op: str
    value: Any  # the literal (a list for in / not_in); None for exists / missing / other
    actual: Any  # the fact's value; None when the fact lacks the field
    holds: bool
    other: str | None = None  # compared with this field of the fact instead of a literal
    other_actual: Any = None


@dataclass(frozen=True)
class GroupTrace:
    kind: Literal["all", "any"]
    holds: bool
    parts: tuple[Trace, ...]


Trace = CompareTrace | GroupTrace


@dataclass(frozen=True)
class RuleExplanation:
    rule_id: str
    level: str
    title_zh: str
    title_en: str
    source: str  # file:line of the rule
    matched: bool
    trace: Trace
    message_zh: str = ""  # the alert text, when matched
    message_en: str = ""


@dataclass(frozen=True)
class CaseExplanation:
    case_id: str
    tracking_no: str
    item: str
    state: str
    as_of: datetime
    replayed: bool  # True: rebuilt from the records up to as_of; False: from the case row
    ruleset_version: str
    fact: dict[str, Any]
    rules: tuple[RuleExplanation, ...]
    clock: ClockResult
    days: tuple[ClockDay, ...]

    @property
    def matched(self) -> list[RuleExplanation]:
        return [r for r in self.rules if r.matched]


def trace(condition: Condition, fact: Mapping[str, Any]) -> Trace:
    """The condition tree with every comparison's actual value and result."""
    if isinstance(condition, Compare):
        return CompareTrace(
            field=condition.field,
            op=condition.op,
            value=condition.value,
            actual=fact.get(condition.field),
            holds=holds(condition, fact),
            other=condition.other,
            other_actual=fact.get(condition.other) if condition.other else None,
        )
    parts = tuple(trace(part, fact) for part in condition.parts)
    kind: Literal["all", "any"] = "all" if isinstance(condition, AllOf) else "any"
    return GroupTrace(kind, holds(condition, fact), parts)


def explain_rule(rule: CompiledRule, fact: Mapping[str, Any]) -> RuleExplanation:
    tree = trace(rule.condition, fact)
    matched = tree.holds
    return RuleExplanation(
        rule_id=rule.id,
        level=rule.level,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        source=rule.source,
        matched=matched,
        trace=tree,
        message_zh=render(rule.message_zh, fact) if matched else "",
        message_en=render(rule.message_en, fact) if matched else "",
    )


def explain_fact(ruleset: RuleSet, fact: Mapping[str, Any]) -> list[RuleExplanation]:
    """Every rule of `ruleset` on `fact`, in rule order."""
    return [explain_rule(rule, fact) for rule in ruleset.rules]


def find_case(session: Session, key: str) -> Case:
    """The case by id or tracking number; NotFound otherwise."""
    case = (
        session.get(Case, key)
        or session.scalars(select(Case).where(Case.tracking_no == key)).first()
    )
    if case is None:
        raise NotFound(f"no case {key}", detail_zh=f"案件 {key} 不存在", field="case_id")
    return case


def explain_case(
    session: Session, deps: CoreDeps, ruleset: RuleSet, key: str, as_of: datetime
) -> CaseExplanation:
    """Why the rules say what they say about case `key` (id or tracking number) at `as_of`."""
    case = find_case(session, key)
    replayed = as_of < case.last_event_at
    if replayed:
        records = [r for r in records_of(session, case.id) if r.at <= as_of]
        view, clock = _case_as_of(deps, case, records, as_of)
    else:
        view, clock = case, stored_clock(deps, case, as_of)
    payload = {
        "event": {"action": "sweep", "at": as_of.isoformat()},
        "case": snapshot(deps, view, clock),
    }
    waiting = _unanswered_days(deps, _unanswered_yellows(session, case.id, as_of), as_of)
    fact = case_fact(deps.catalogue, payload, {"yellow_unanswered_days": waiting})
    policy = deps.catalogue.clock_policy(case.item_code)
    return CaseExplanation(
        case_id=case.id,
        tracking_no=case.tracking_no,
        item=case.item_code,
        state=view.state,
        as_of=as_of,
        replayed=replayed,
        ruleset_version=ruleset.version,
        fact=fact,
        rules=tuple(explain_fact(ruleset, fact)),
        clock=clock,
        days=tuple(clock_days(clock, deps.calendar, policy.clock_stop_types)),
    )


def _case_as_of(
    deps: CoreDeps, case: Case, records: Sequence[CaseRecord], as_of: datetime
) -> tuple[Case, ClockResult]:
    """A detached copy of the case as its records up to `as_of` describe it, and its clock."""
    replayed, clock = clock_of(deps, case.item_code, records, as_of)
    materials: set[str] = set()
    for record in records:
        if record.action in _MATERIAL_ACTIONS:
            materials.update(str(m) for m in record.payload.get("materials") or ())
    view = Case(
        id=case.id,
        tracking_no=case.tracking_no,
        item_code=case.item_code,
        department_code=case.department_code,
        **replayed.row_fields(),
        materials=sorted(materials),
        record_count=len(records),
        counters=counters_of(records),
    )
    return view, clock


def _unanswered_days(deps: CoreDeps, yellows: Sequence[Alert], as_of: datetime) -> int:
    """Working days the oldest unanswered yellow card has waited, its opening day not counted
    (as the fact processor counts them for the red card's response rule)."""
    if not yellows:
        return 0
    opened = min(legal_date(a.opened_at) for a in yellows)
    return deps.calendar.workdays_in(opened, legal_date(as_of))


def _unanswered_yellows(session: Session, case_id: str, as_of: datetime) -> list[Alert]:
    """Yellow cards open at `as_of` and not yet responded to, removed or resolved by then."""
    stmt = select(Alert).where(
        Alert.case_id == case_id,
        Alert.level == "yellow",
        Alert.opened_at <= as_of,
        or_(Alert.responded_at.is_(None), Alert.responded_at > as_of),
        or_(Alert.removed_at.is_(None), Alert.removed_at > as_of),
        or_(Alert.resolved_at.is_(None), Alert.resolved_at > as_of),
    )
    return list(session.scalars(stmt))
