"""The workflow over every (state, action) pair, against a table written out by hand."""

from __future__ import annotations

import pytest

from approval_core.cases.workflow import (
    ACTIONS,
    STATES,
    CaseState,
    allowed_actions,
    step_of,
    transition,
)
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput

# state -> {action: resulting state}; every pair not listed must be refused.
EXPECTED: dict[str, dict[str, str]] = {
    "submitted": {"register": "registered", "withdraw": "withdrawn", "charge_fee": "submitted"},
    "registered": {
        "accept": "accepted",
        "reject": "rejected",
        "request_supplement": "supplementing",
        "return": "submitted",
        "withdraw": "withdrawn",
        "charge_fee": "registered",
    },
    "supplementing": {
        "supplement_received": "<resume>",
        "extend": "supplementing",
        "approve_extension": "supplementing",
        "withdraw": "withdrawn",
        "charge_fee": "supplementing",
    },
    "accepted": {
        "request_supplement": "supplementing",
        "assign": "handling",
        "stop": "suspended",
        "extend": "accepted",
        "approve_extension": "accepted",
        "conclude": "concluded",
        "withdraw": "withdrawn",
        "charge_fee": "accepted",
    },
    "handling": {
        "request_supplement": "supplementing",
        "assign": "handling",
        "handle": "reviewing",
        "stop": "suspended",
        "extend": "handling",
        "approve_extension": "handling",
        "return": "accepted",
        "conclude": "concluded",
        "withdraw": "withdrawn",
        "charge_fee": "handling",
    },
    "reviewing": {
        "request_supplement": "supplementing",
        "review": "reviewed",
        "stop": "suspended",
        "extend": "reviewing",
        "approve_extension": "reviewing",
        "return": "handling",
        "conclude": "concluded",
        "withdraw": "withdrawn",
        "charge_fee": "reviewing",
    },
    "reviewed": {
        "request_supplement": "supplementing",
        "stop": "suspended",
        "extend": "reviewed",
        "approve_extension": "reviewed",
        "return": "reviewing",
        "conclude": "concluded",
        "withdraw": "withdrawn",
        "charge_fee": "reviewed",
    },
    "suspended": {
        "resume": "<resume>",
        "extend": "suspended",
        "approve_extension": "suspended",
        "withdraw": "withdrawn",
        "charge_fee": "suspended",
    },
    "concluded": {},
    "rejected": {},
    "withdrawn": {},
}

# A payload that satisfies every action's required fields; `return` goes one step back.
RETURN_STEP = {
    "registered": "register",
    "handling": "assign",
    "reviewing": "handle",
    "reviewed": "review",
}


def _payload(state: str, action: str) -> dict[str, object]:
    payload: dict[str, object] = {
        "materials": ["X"],
        "stop_type": "inspection",
        "days": 5,
        "amount": "10",
        "decision": "approved",
    }
    if action == "return":
        payload["to_step"] = RETURN_STEP.get(state, "register")
    return payload


def _current(state: str) -> CaseState:
    if state in ("supplementing", "suspended"):
        return CaseState(state, resume_state="handling", stop_type="inspection")
    return CaseState(state)


PAIRS = [(s, a) for s in STATES for a in ACTIONS]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_pair(state: str, action: str) -> None:
    expected = EXPECTED[state].get(action)
    current = _current(state)
    if expected is None:
        with pytest.raises(IllegalTransition) as err:
            transition(current, action, "admin", _payload(state, action))
        assert state in err.value.detail
        assert action not in allowed_actions(current)
        return
    outcome = transition(current, action, "admin", _payload(state, action))
    wanted = current.resume_state if expected == "<resume>" else expected
    assert outcome.state.state == wanted
    assert outcome.step == step_of(outcome.state)


def test_table_covers_every_state() -> None:
    assert set(EXPECTED) == set(STATES)


@pytest.mark.parametrize(
    ("action", "role"),
    [
        ("register", "handler"),
        ("approve_extension", "handler"),
        ("review", "clerk"),
        ("conclude", "handler"),
        ("withdraw", "handler"),
        ("handle", "applicant"),
    ],
)
def test_roles_are_enforced(action: str, role: str) -> None:
    source = {
        "register": "submitted",
        "approve_extension": "handling",
        "review": "reviewing",
        "conclude": "reviewed",
        "withdraw": "handling",
        "handle": "handling",
    }[action]
    with pytest.raises(Forbidden):
        transition(CaseState(source), action, role, _payload(source, action))


def test_required_fields_name_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        transition(CaseState("handling"), "stop", "handler", {})
    assert err.value.field == "stop_type"
    with pytest.raises(InvalidInput) as err:
        transition(CaseState("reviewed"), "conclude", "head", {})
    assert err.value.field == "decision"


def test_return_to_a_later_step_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        transition(CaseState("handling"), "return", "head", {"to_step": "review"})
    with pytest.raises(InvalidInput) as err:
        transition(CaseState("handling"), "return", "head", {"to_step": "nowhere"})
    assert err.value.field == "to_step"


def test_supplement_before_acceptance_returns_to_registration() -> None:
    out = transition(CaseState("registered"), "request_supplement", "clerk", {"materials": ["A"]})
    assert out.state == CaseState("supplementing", "registered", "supplement")
    assert out.step == "supplement"
    back = transition(out.state, "supplement_received", "clerk", {})
    assert back.state == CaseState("registered")


def test_stop_keeps_the_step_and_resumes_where_it_was() -> None:
    out = transition(CaseState("reviewing"), "stop", "handler", {"stop_type": "expert_review"})
    assert out.state.state == "suspended"
    assert out.step == "review"
    assert transition(out.state, "resume", "handler", {}).state == CaseState("reviewing")


def test_unknown_action() -> None:
    with pytest.raises(InvalidInput) as err:
        transition(CaseState("handling"), "fly", "admin", {})
    assert err.value.field == "action"
