"""Random facts and random condition trees: durable-rules and plain Python always agree."""

from __future__ import annotations

from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervisor.engine import SAFE_INT, DurableEngine
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition, Op, RuleSet
from tests.supervisor.engine.support import both, rule, ruleset


def _readable(x: float) -> bool:
    """Numbers durable-rules reads (others are refused with EngineError, see test_errors)."""
    return x == 0 or 1e-4 <= abs(x) <= SAFE_INT


INTS = st.integers(-3, 3) | st.integers(-SAFE_INT, SAFE_INT)
FLOATS = st.sampled_from([0.5, -2.5, 1.0, 2.0000000000000004, 0.1 + 0.2, 0.3, 1e-4]) | st.floats(
    -1e15, 1e15, allow_nan=False
).filter(_readable)
NUMBERS = INTS | FLOATS
TEXTS = st.sampled_from(["", "a", "A", "甲", "乙丙", 'a\n"\\', "办理中", "\x00"]) | st.text(
    max_size=4
)
# Values durable-rules would confuse across types if it were let (true == 1, "100" > 50).
CONFUSABLE = st.sampled_from([0, 1, 1.0, True, False, "1", "0", "true", "", 50, 100, "100"])
SCALARS = CONFUSABLE | NUMBERS | TEXTS | st.booleans()
FIELDS = ("n", "x", "s", "b", "l")
TYPED: dict[str, st.SearchStrategy[Any]] = {
    "n": INTS,
    "x": NUMBERS,
    "s": TEXTS,
    "b": st.booleans(),
    "l": st.lists(CONFUSABLE | TEXTS | SCALARS, max_size=4),
}
LITERALS = {**TYPED, "l": TEXTS}  # a list field is compared with its elements (contains)
# Mostly values of the field's type, sometimes another kind (a fact builder bug must not fire).
FACTS = st.fixed_dictionaries(
    {}, optional={name: st.one_of(TYPED[name], TYPED[name], SCALARS) for name in FIELDS}
)


OPS: tuple[Op, ...] = get_args(Op)
ORDER: tuple[Op, ...] = ("eq", "ne", "lt", "lte", "gt", "gte")


@st.composite
def compares(draw: st.DrawFn) -> Compare:
    name = draw(st.sampled_from(FIELDS))
    if draw(st.integers(0, len(OPS))) == 0:  # now and then, with another field
        return Compare(name, draw(st.sampled_from(ORDER)), other=draw(st.sampled_from(FIELDS)))
    op = draw(st.sampled_from(OPS))
    if op in ("exists", "missing"):
        return Compare(name, op)
    if op in ("in", "not_in"):
        return Compare(name, op, draw(st.lists(LITERALS[name] | SCALARS, max_size=3)))
    if op in ("lt", "lte", "gt", "gte"):
        return Compare(name, op, draw(NUMBERS))
    return Compare(name, op, draw(LITERALS[name] | SCALARS))


def _groups(inner: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
    parts = st.lists(inner, max_size=3).map(tuple)
    return st.builds(AllOf, parts) | st.builds(AnyOf, parts)


CONDITIONS = st.recursive(compares(), _groups, max_leaves=6)
RULESETS = st.lists(CONDITIONS, min_size=1, max_size=6).map(
    lambda conds: ruleset(*(rule(f"R{i}", c) for i, c in enumerate(conds)))
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=RULESETS, facts=st.lists(FACTS, min_size=1, max_size=6))
def test_random_rules_and_facts_agree(
    shared_engine: DurableEngine, rules: RuleSet, facts: list[dict[str, Any]]
) -> None:
    shared_engine.load(rules)
    for fact in facts:
        both(shared_engine, fact)


CLOSE = st.sampled_from(
    [
        0,
        1,
        1.0,
        0.9999999999999999,
        1.0000000000000002,
        -1,
        2**53,
        2**53 - 1,
        2.0**53,
        -(2**53),
        1e-4,
        0.00010000000000000002,
        123456789.125,
        999999999.99,
    ]  # fmt: skip
)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(ORDER), literal=CLOSE, value=CLOSE)
def test_close_numbers_agree(
    shared_engine: DurableEngine, op: Op, literal: float, value: float
) -> None:
    rules = ruleset(rule("R", Compare("x", op, literal)), rule("O", Compare("x", op, other="y")))
    shared_engine.load(rules)
    both(shared_engine, {"x": value, "y": literal})
