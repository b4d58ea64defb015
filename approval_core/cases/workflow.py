"""The workflow as data: which action moves a case from which state to which, and who may act.

`transition()` is the one entry point; the service applies its result to the row and replay
folds it over the records, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from approval_core.cases.labels import ACTION_LABELS, ROLE_LABELS, STATE_LABELS, STEP_LABELS, zh
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput

STATES = (
    "submitted",  # 已申报: waiting to be registered
    "registered",  # 已登记: waiting for the acceptance decision
    "supplementing",  # 补正中: waiting for the applicant's materials
    "accepted",  # 已受理: waiting to be assigned
    "handling",  # 承办中
    "reviewing",  # 审核中
    "reviewed",  # 已审核: waiting for the decision
    "suspended",  # 特别程序中 (inspection, expert review, ...): clock stopped
    "concluded",  # 已办结 (terminal)
    "rejected",  # 不予受理 (terminal)
    "withdrawn",  # 已撤回 (terminal)
)
TERMINAL = frozenset({"concluded", "rejected", "withdrawn"})
OPEN_STATES = tuple(s for s in STATES if s not in TERMINAL)
# States after acceptance in which the review clock may run.
IN_REVIEW = ("accepted", "handling", "reviewing", "reviewed")

STEP_OF_STATE = {
    "submitted": "register",
    "registered": "accept",
    "accepted": "assign",
    "handling": "handle",
    "reviewing": "review",
    "reviewed": "conclude",
    "concluded": "done",
    "rejected": "done",
    "withdrawn": "done",
}

STAFF = ("clerk", "handler", "reviewer", "head", "admin")
ACTIONS = (
    "register",
    "accept",
    "reject",
    "request_supplement",
    "supplement_received",
    "assign",
    "handle",
    "review",
    "stop",
    "resume",
    "extend",
    "approve_extension",
    "return",
    "conclude",
    "withdraw",
    "charge_fee",
)

# Where `return` (回退) may send a case: target step -> state, and from which states.
RETURN_TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "register": ("submitted", ("registered",)),
    "accept": ("registered", ("accepted",)),
    "assign": ("accepted", ("handling", "reviewing", "reviewed")),
    "handle": ("handling", ("reviewing", "reviewed")),
    "review": ("reviewing", ("reviewed",)),
}

Target = str | Literal["@same", "@resume", "@return"]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: Target
    roles: tuple[str, ...]
    required: tuple[str, ...] = ()  # payload fields that must be present


TRANSITIONS: tuple[Transition, ...] = (
    Transition("register", ("submitted",), "registered", ("clerk", "admin")),
    Transition("accept", ("registered",), "accepted", ("clerk", "head", "admin")),
    # Reason and legal basis are expected, but their absence is an anomaly the supervisor
    # reports (docs/DOMAIN.md section 4), so the workflow records it rather than refusing it.
    Transition("reject", ("registered",), "rejected", ("clerk", "head", "admin")),
    Transition(
        "request_supplement",
        ("registered", *IN_REVIEW),
        "supplementing",
        ("clerk", "handler", "reviewer", "head", "admin"),
        ("materials",),
    ),
    # The applicant answers a supplement notice by uploading every material it asked for
    # (checks.check_applicant_supplement); staff record a supplement handed in on paper.
    Transition("supplement_received", ("supplementing",), "@resume", (*STAFF, "applicant")),
    Transition("assign", ("accepted", "handling"), "handling", ("clerk", "head", "admin")),
    Transition("handle", ("handling",), "reviewing", ("handler", "head", "admin")),
    Transition("review", ("reviewing",), "reviewed", ("reviewer", "head", "admin")),
    Transition(
        "stop", IN_REVIEW, "suspended", ("handler", "reviewer", "head", "admin"), ("stop_type",)
    ),
    Transition("resume", ("suspended",), "@resume", ("handler", "reviewer", "head", "admin")),
    Transition(
        "extend",
        (*IN_REVIEW, "suspended", "supplementing"),
        "@same",
        ("handler", "reviewer", "head", "admin"),
        ("days",),
    ),
    Transition(
        "approve_extension",
        (*IN_REVIEW, "suspended", "supplementing"),
        "@same",
        ("head", "admin"),
        ("days",),
    ),
    Transition(
        "return",
        ("registered", "handling", "reviewing", "reviewed"),
        "@return",
        ("clerk", "handler", "reviewer", "head", "admin"),
        ("to_step",),
    ),
    # Concluding without review is possible (and an anomaly the supervisor raises).
    Transition(
        "conclude",
        ("accepted", "handling", "reviewing", "reviewed"),
        "concluded",
        ("reviewer", "head", "admin"),
        ("decision",),
    ),
    Transition("withdraw", OPEN_STATES, "withdrawn", ("applicant", "clerk", "admin")),
    Transition(
        "charge_fee", OPEN_STATES, "@same", ("clerk", "handler", "head", "admin"), ("amount",)
    ),
)

_BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


@dataclass(frozen=True)
class CaseState:
    """The part of a case the workflow reads and writes."""

    state: str
    resume_state: str | None = None
    stop_type: str | None = None


@dataclass(frozen=True)
class Outcome:
    state: CaseState
    step: str


def step_of(state: CaseState) -> str:
    """The step the case is in; a stopped case stays in the step it was stopped from."""
    if state.state in ("supplementing", "suspended"):
        if state.resume_state is None or state.resume_state == "registered":
            return "supplement" if state.state == "supplementing" else "accept"
        return STEP_OF_STATE[state.resume_state]
    return STEP_OF_STATE[state.state]


def transition(
    current: CaseState, action: str, role: str | None, payload: dict[str, object]
) -> Outcome:
    """Apply `action` to `current`, or raise a domain error that writes nothing.

    `role` None skips the role check (replay of records already authorised when written).
    """
    rule = _BY_ACTION.get(action)
    if rule is None:
        raise InvalidInput(
            f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}",
            detail_zh=f"未知操作 {action!r}，应为以下之一：{'、'.join(ACTIONS)}",
            field="action",
        )
    if role is not None and role not in rule.roles:
        raise Forbidden(
            f"role {role!r} may not {action}; allowed: {', '.join(rule.roles)}",
            detail_zh=(
                f"角色 {zh(ROLE_LABELS, role)} 无权执行操作 {zh(ACTION_LABELS, action)}；"
                f"可执行的角色：{'、'.join(zh(ROLE_LABELS, r) for r in rule.roles)}"
            ),
            field="action",
        )
    if current.state not in rule.sources:
        raise IllegalTransition(
            f"cannot {action} a case in state {current.state!r}",
            detail_zh=(
                f"案件当前状态为 {zh(STATE_LABELS, current.state)}，"
                f"不能执行 {zh(ACTION_LABELS, action)}"
            ),
            field="action",
        )
    for name in rule.required:
        if payload.get(name) in (None, "", []):
            raise InvalidInput(
                f"{name} is required for {action}",
                detail_zh=f"操作 {zh(ACTION_LABELS, action)} 必须提供 {name}",
                field=name,
            )
    new = _target(current, rule, payload)
    return Outcome(state=new, step=step_of(new))


def _target(current: CaseState, rule: Transition, payload: dict[str, object]) -> CaseState:
    if rule.target == "@same":
        return current
    if rule.target == "@resume":
        back = current.resume_state or "registered"
        return CaseState(state=back)
    if rule.target == "@return":
        return _return_target(current, payload)
    if rule.target in ("supplementing", "suspended"):
        stop_type = "supplement" if rule.target == "supplementing" else payload.get("stop_type")
        return CaseState(state=rule.target, resume_state=current.state, stop_type=str(stop_type))
    return CaseState(state=rule.target)


def _return_target(current: CaseState, payload: dict[str, object]) -> CaseState:
    to_step = str(payload.get("to_step"))
    target = RETURN_TARGETS.get(to_step)
    if target is None:
        raise InvalidInput(
            f"to_step must be one of {', '.join(RETURN_TARGETS)}",
            detail_zh=f"回退目标环节无效：{to_step}，应为以下之一：{'、'.join(RETURN_TARGETS)}",
            field="to_step",
        )
    state, sources = target
    if current.state not in sources:
        raise IllegalTransition(
            f"cannot return a case in state {current.state!r} to step {to_step!r}",
            detail_zh=(
                f"案件当前状态为 {zh(STATE_LABELS, current.state)}，"
                f"不能回退到 {zh(STEP_LABELS, to_step)} 环节"
            ),
            field="to_step",
        )
    return CaseState(state=state)


def allowed_actions(current: CaseState) -> list[str]:
    """Actions possible from this state (for the UI and error messages)."""
    return [t.action for t in TRANSITIONS if current.state in t.sources]
