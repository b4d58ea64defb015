"""Plain-Python evaluation of compiled rules: the reference that the durable-rules adapter matches.

Semantics (shared with `supervisor/engine.py`, which is tested against this module):

- A field is *present* when the fact has it with a value other than None (the fact builder
  omits unknown fields; None is treated the same as absent).
- Values have a kind: bool, number (int or float; a bool is never a number), str, list (list or
  tuple) or other. A comparison holds only between values of the same kind: `eq` / `ne` between
  two bools, two numbers (compared numerically, so 5 == 5.0) or two strings; `lt` / `lte` / `gt`
  / `gte` between two numbers. On a missing field, or on values of different kinds, every
  comparison is false, `ne` included: a rule fires on evidence, never on its absence.
- `in` holds when `eq` holds for one of the literals; `not_in` when the field is present and
  `ne` holds for every literal. `contains` holds when the field is a list with an element of the
  literal's kind equal to it. `exists` / `missing` test presence only.
- `other` compares with another field of the same fact (eq / ne / lt / lte / gt / gte only); a
  missing other field makes the comparison false.
- `AllOf(())` holds and `AnyOf(())` does not (Python's `all` / `any`).

A malformed tree (unknown operator, a list where a literal belongs, an ordering against a
non-number) is refused with `ConditionError` by both evaluators, never evaluated as false.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Mapping
from typing import Any, Literal

from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition, RuleSet

Kind = Literal["bool", "number", "str", "list", "other"]
SCALAR_KINDS: frozenset[Kind] = frozenset({"bool", "number", "str"})
ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}
OTHER_OPS = frozenset({"eq", "ne", *ORDER_OPS})
LIST_OPS = frozenset({"in", "not_in"})
PRESENCE_OPS = frozenset({"exists", "missing"})
ALL_OPS = frozenset({*OTHER_OPS, *LIST_OPS, *PRESENCE_OPS, "contains"})


class ConditionError(ValueError):
    """A compiled condition that no evaluator may run (a bug in whatever built the tree)."""


def kind_of(value: Any) -> Kind | None:
    """The kind of a fact value; None for an absent value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list | tuple):
        return "list"
    return "other"


def same(a: Any, b: Any) -> bool:
    """`eq` on two present values: same scalar kind and equal."""
    kind = kind_of(a)
    return kind in SCALAR_KINDS and kind == kind_of(b) and bool(a == b)


def compare(op: str, a: Any, b: Any) -> bool:
    """`a op b` for eq / ne / lt / lte / gt / gte; false on absent values or different kinds."""
    kind = kind_of(a)
    if kind is None or kind not in SCALAR_KINDS or kind != kind_of(b):
        return False
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    return kind == "number" and ORDER_OPS[op](a, b)


def _check_literal(literal: Any, where: str) -> None:
    if kind_of(literal) not in SCALAR_KINDS:
        raise ConditionError(f"{where}: literal {literal!r} is not a bool, number or text")


def check_compare(c: Compare) -> None:
    """Refuse a comparison that no evaluator may run."""
    where = f"{c.field} {c.op}"
    if not isinstance(c.field, str) or not c.field:
        raise ConditionError(f"{where}: the field must be a non-empty name")
    if c.op not in ALL_OPS:
        raise ConditionError(f"{where}: unknown operator {c.op!r}")
    if c.other is not None:
        if c.op not in OTHER_OPS or not isinstance(c.other, str) or not c.other:
            raise ConditionError(f"{where}: cannot compare with another field {c.other!r}")
        if c.value is not None:
            raise ConditionError(f"{where}: both a literal and another field are given")
    elif c.op in LIST_OPS:
        if not isinstance(c.value, list | tuple):
            raise ConditionError(f"{where}: takes a list of literals, not {c.value!r}")
        for literal in c.value:
            _check_literal(literal, where)
    elif c.op in ORDER_OPS:
        if kind_of(c.value) != "number":
            raise ConditionError(f"{where}: an ordering needs a number, not {c.value!r}")
    elif c.op not in PRESENCE_OPS:
        _check_literal(c.value, where)


def check_condition(condition: Condition) -> None:
    """Refuse a tree that no evaluator may run (see the module docstring)."""
    if isinstance(condition, Compare):
        check_compare(condition)
    elif isinstance(condition, AllOf | AnyOf):
        if not isinstance(condition.parts, tuple):
            raise ConditionError(f"parts of {type(condition).__name__} must be a tuple")
        for part in condition.parts:
            check_condition(part)
    else:
        raise ConditionError(f"not a condition: {condition!r}")


def check_ruleset(ruleset: RuleSet) -> None:
    """Refuse a rule set with a malformed condition, naming the rule."""
    for rule in ruleset.rules:
        try:
            check_condition(rule.condition)
        except ConditionError as exc:
            raise ConditionError(f"rule {rule.id}: {exc}") from None


def _holds_compare(c: Compare, fact: Mapping[str, Any]) -> bool:
    value = fact.get(c.field)
    op = c.op
    if value is None:
        return op == "missing"
    if op in PRESENCE_OPS:
        return op == "exists"
    if c.other is not None:
        return compare(op, value, fact.get(c.other))
    if op == "in":
        return any(same(value, literal) for literal in c.value)
    if op == "not_in":
        return all(compare("ne", value, literal) for literal in c.value)
    if op == "contains":
        return kind_of(value) == "list" and any(same(item, c.value) for item in value)
    return compare(op, value, c.value)


def holds(condition: Condition, fact: Mapping[str, Any]) -> bool:
    """Whether `condition` (already checked) holds for `fact`."""
    if isinstance(condition, Compare):
        return _holds_compare(condition, fact)
    if isinstance(condition, AllOf):
        return all(holds(part, fact) for part in condition.parts)
    return any(holds(part, fact) for part in condition.parts)


# Rule sets already checked, by identity (RuleSet is not hashable: its rules hold dicts).
_checked: dict[int, weakref.ref[RuleSet]] = {}


def _ensure_checked(ruleset: RuleSet) -> None:
    key = id(ruleset)
    ref = _checked.get(key)
    if ref is not None and ref() is ruleset:
        return
    check_ruleset(ruleset)
    _checked[key] = weakref.ref(ruleset, lambda _ref: _checked.pop(key, None))


def evaluate_python(ruleset: RuleSet, fact: Mapping[str, Any]) -> list[str]:
    """Ids of the rules whose condition holds for `fact`, in rule order.

    Raises ConditionError for a malformed rule set, whatever the fact.
    """
    _ensure_checked(ruleset)
    return [rule.id for rule in ruleset.rules if holds(rule.condition, fact)]
