"""Conditions × facts with the expected outcome written out by hand, through both evaluators."""

from __future__ import annotations

from typing import Any

import pytest

from supervisor.engine import DurableEngine
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition
from tests.supervisor.engine.support import both, rule, ruleset, single

T, F = True, False
QUOTED = '他说："好"\n第二行\\'

# (label, condition, [(fact, holds), ...])
CASES: list[tuple[str, Condition, list[tuple[dict[str, Any], bool]]]] = [
    (
        "eq int: numbers compare numerically, bools and text are not numbers",
        Compare("overdue", "eq", 1),
        [
            ({"overdue": 1}, T),
            ({"overdue": 1.0}, T),
            ({"overdue": 2}, F),
            ({"overdue": True}, F),
            ({"overdue": "1"}, F),
            ({}, F),
        ],
    ),
    (
        "ne: false on a missing field, on None and on another kind",
        Compare("state", "ne", "concluded"),
        [
            ({"state": "handling"}, T),
            ({"state": "concluded"}, F),
            ({}, F),
            ({"state": None}, F),
            ({"state": 5}, F),
        ],
    ),
    (
        "lt 0",
        Compare("remaining", "lt", 0),
        [
            ({"remaining": -1}, T),
            ({"remaining": -0.5}, T),
            ({"remaining": 0}, F),
            ({"remaining": 0.0}, F),
            ({"remaining": False}, F),
            ({}, F),
        ],
    ),
    (
        "lte with an int literal and float values",
        Compare("remaining", "lte", 3),
        [
            ({"remaining": 3}, T),
            ({"remaining": 3.0}, T),
            ({"remaining": 3.5}, F),
            ({"remaining": 2.999}, T),
            ({"remaining": 4}, F),
        ],
    ),
    (
        "gt with a float literal",
        Compare("fee_amount", "gt", 100.5),
        [
            ({"fee_amount": 100.51}, T),
            ({"fee_amount": 100.5}, F),
            ({"fee_amount": 101}, T),
            ({"fee_amount": 100}, F),
            ({"fee_amount": "200"}, F),
        ],
    ),
    (
        "gte at the edges of the day range",
        Compare("remaining", "gte", -10000),
        [({"remaining": -10000}, T), ({"remaining": -10001}, F), ({"remaining": 10000}, T)],
    ),
    (
        "lt near the top of the fee range",
        Compare("fee_amount", "lt", 999999999.99),
        [
            ({"fee_amount": 999999999.98}, T),
            ({"fee_amount": 999999999.99}, F),
            ({"fee_amount": 1e9}, F),
        ],
    ),
    (
        "eq on floats is exact",
        Compare("fee_amount", "eq", 0.3),
        [({"fee_amount": 0.3}, T), ({"fee_amount": 0.1 + 0.2}, F), ({"fee_amount": 0.30}, T)],
    ),
    (
        "eq true: 1 and 'true' are not true",
        Compare("running", "eq", True),
        [
            ({"running": True}, T),
            ({"running": False}, F),
            ({"running": 1}, F),
            ({"running": "true"}, F),
            ({}, F),
        ],
    ),
    (
        "eq false: 0 is not false, missing is not false",
        Compare("running", "eq", False),
        [({"running": False}, T), ({"running": 0}, F), ({"running": True}, F), ({}, F)],
    ),
    (
        "ne true",
        Compare("deemed_accepted", "ne", True),
        [
            ({"deemed_accepted": False}, T),
            ({"deemed_accepted": True}, F),
            ({}, F),
            ({"deemed_accepted": 0}, F),
        ],
    ),
    (
        "eq Chinese text",
        Compare("item", "eq", "律师执业许可"),
        [({"item": "律师执业许可"}, T), ({"item": "律师执业许可证"}, F), ({"item": "律师"}, F)],
    ),
    (
        "eq text with quotes, newline and backslash",
        Compare("reason", "eq", QUOTED),
        [({"reason": QUOTED}, T), ({"reason": QUOTED[:-1]}, F), ({"reason": QUOTED + " "}, F)],
    ),
    (
        "eq long text, below durable's 64 KiB",
        Compare("reason", "eq", "长" * 8000 + "a"),
        [
            ({"reason": "长" * 8000 + "a"}, T),
            ({"reason": "长" * 8000 + "b"}, F),
            ({"reason": "长" * 8000}, F),
        ],
    ),
    (
        "eq empty text",
        Compare("fee_code", "eq", ""),
        [({"fee_code": ""}, T), ({"fee_code": " "}, F), ({}, F)],
    ),
    (
        "in Chinese texts",
        Compare("state", "in", ["受理", "办理中"]),
        [({"state": "受理"}, T), ({"state": "办理中"}, T), ({"state": "办结"}, F), ({}, F)],
    ),
    (
        "in numbers",
        Compare("limit", "in", [5, 20]),
        [({"limit": 20}, T), ({"limit": 20.0}, T), ({"limit": 5}, T), ({"limit": 6}, F)],
    ),
    (
        "in literals of several kinds: each matches its own kind only",
        Compare("x", "in", ["1", 1, True]),
        [
            ({"x": "1"}, T),
            ({"x": 1}, T),
            ({"x": 1.0}, T),
            ({"x": True}, T),
            ({"x": False}, F),
            ({"x": "x"}, F),
        ],
    ),
    (
        "in an empty list never holds",
        Compare("step", "in", []),
        [({"step": "handle"}, F), ({}, F)],
    ),
    (
        "not_in: false on a missing field and on another kind",
        Compare("step", "not_in", ["done", "conclude"]),
        [
            ({"step": "handle"}, T),
            ({"step": "done"}, F),
            ({"step": "conclude"}, F),
            ({}, F),
            ({"step": 3}, F),
        ],
    ),
    (
        "not_in an empty list: the field is present",
        Compare("step", "not_in", []),
        [({"step": "handle"}, T), ({"step": 0}, T), ({}, F)],
    ),
    (
        "contains: a list with the element; not a string that equals it",
        Compare("missing_materials", "contains", "身份证明"),
        [
            ({"missing_materials": ["申请书", "身份证明"]}, T),
            ({"missing_materials": ["申请书"]}, F),
            ({"missing_materials": []}, F),
            ({"missing_materials": "身份证明"}, F),
            ({}, F),
            ({"missing_materials": [["身份证明"]]}, F),
        ],
    ),
    (
        "contains a number: 1.0 counts, true does not",
        Compare("codes", "contains", 1),
        [({"codes": [1.0]}, T), ({"codes": [True]}, F), ({"codes": ["1"]}, F)],
    ),
    (
        "contains true: the text 'true' is not true",
        Compare("flags", "contains", True),
        [({"flags": [True]}, T), ({"flags": ["true"]}, F), ({"flags": [1]}, F)],
    ),
    (
        "exists: any value but None",
        Compare("extension", "exists"),
        [
            ({"extension": 0}, T),
            ({"extension": False}, T),
            ({"extension": ""}, T),
            ({"extension": []}, T),
            ({"extension": None}, F),
            ({}, F),
        ],
    ),
    (
        "missing",
        Compare("extension", "missing"),
        [({}, T), ({"extension": None}, T), ({"extension": 0}, F), ({"extension": []}, F)],
    ),
    (
        "other gt: fee above the standard",
        Compare("fee_amount", "gt", other="fee_standard"),
        [
            ({"fee_amount": 120.5, "fee_standard": 100}, T),
            ({"fee_amount": 100, "fee_standard": 100.0}, F),
            ({"fee_amount": 120}, F),
            ({"fee_standard": 1}, F),
            ({"fee_amount": "120", "fee_standard": 100}, F),
            ({"fee_amount": True, "fee_standard": 0}, F),
        ],
    ),
    (
        "other lte",
        Compare("elapsed", "lte", other="limit"),
        [
            ({"elapsed": 20, "limit": 20}, T),
            ({"elapsed": 21, "limit": 20}, F),
            ({"elapsed": -1, "limit": 0}, T),
        ],
    ),
    (
        "other eq across kinds",
        Compare("handler", "eq", other="reviewer"),
        [
            ({"handler": "张三", "reviewer": "张三"}, T),
            ({"handler": "张三", "reviewer": "李四"}, F),
            ({"handler": 1, "reviewer": 1.0}, T),
            ({"handler": True, "reviewer": 1}, F),
            ({"handler": False, "reviewer": False}, T),
            ({"handler": "张三"}, F),
            ({}, F),
        ],
    ),
    (
        "other ne",
        Compare("handler", "ne", other="reviewer"),
        [
            ({"handler": "x", "reviewer": "y"}, T),
            ({"handler": "x", "reviewer": "x"}, F),
            ({"handler": "x"}, F),
            ({"handler": "x", "reviewer": 1}, F),
        ],
    ),
    (
        "all with a nested any",
        AllOf(
            (
                Compare("overdue", "gt", 0),
                AnyOf((Compare("item", "eq", "甲"), Compare("running", "eq", True))),
            )
        ),
        [
            ({"overdue": 1, "item": "甲"}, T),
            ({"overdue": 1, "running": True}, T),
            ({"overdue": 1, "item": "甲", "running": True}, T),
            ({"overdue": 1, "item": "乙", "running": False}, F),
            ({"overdue": 0, "item": "甲"}, F),
        ],
    ),
    (
        "any of alls, three deep",
        AnyOf(
            (
                AllOf(
                    (Compare("a", "eq", 1), AnyOf((Compare("b", "eq", 2), Compare("c", "eq", 3))))
                ),
                AllOf((Compare("d", "lt", 0), Compare("e", "missing"))),
            )
        ),
        [
            ({"a": 1, "c": 3}, T),
            ({"a": 1, "b": 3}, F),
            ({"d": -1}, T),
            ({"d": -1, "e": 0}, F),
            ({"a": 2, "b": 2, "d": 0}, F),
        ],
    ),
    ("all of nothing holds", AllOf(()), [({}, T), ({"x": 1}, T)]),
    ("any of nothing does not", AnyOf(()), [({}, F), ({"x": 1}, F)]),
    (
        "a group holding only constants folds away",
        AllOf((AllOf(()), AnyOf((AllOf(()), Compare("a", "eq", 1))))),
        [({}, T)],
    ),
]


@pytest.mark.parametrize(("label", "condition", "facts"), CASES, ids=[c[0] for c in CASES])
def test_condition_table(
    engine: DurableEngine,
    label: str,
    condition: Condition,
    facts: list[tuple[dict[str, Any], bool]],
) -> None:
    engine.load(single(condition))
    for fact, holds in facts:
        assert both(engine, fact) == (["R"] if holds else []), f"{label}: {fact}"


LADDER = ruleset(
    rule(
        "warning",
        AllOf(
            (
                Compare("running", "eq", True),
                Compare("remaining", "lte", 3),
                Compare("remaining", "gte", 0),
            )
        ),
    ),
    rule("yellow", Compare("overdue", "gte", 1)),
    rule("red", Compare("overdue", "gte", 5)),
    rule("fee", Compare("fee_amount", "gt", other="fee_standard")),
    rule(
        "materials",
        AllOf((Compare("event", "eq", "accept"), Compare("missing_materials_count", "gt", 0))),
    ),
    rule(
        "same_person",
        AnyOf((Compare("same_handler_reviewer", "eq", True), Compare("reviews", "eq", 0))),
    ),
    rule("always", AllOf(())),
)


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        ({}, ["always"]),
        ({"running": True, "remaining": 2, "overdue": 0}, ["warning", "always"]),
        ({"running": False, "remaining": 2}, ["always"]),
        ({"remaining": -6, "overdue": 6, "running": True}, ["yellow", "red", "always"]),
        ({"overdue": 1, "fee_amount": 60.0, "fee_standard": 50}, ["yellow", "fee", "always"]),
        (
            {"event": "accept", "missing_materials_count": 2, "reviews": 0},
            ["materials", "same_person", "always"],
        ),
        ({"event": "审核", "same_handler_reviewer": True, "reviews": 1}, ["same_person", "always"]),
        (
            {
                "running": True,
                "remaining": 0,
                "overdue": 5,
                "fee_amount": 1,
                "fee_standard": 0.5,
                "event": "accept",
                "missing_materials_count": 1,
                "same_handler_reviewer": True,
            },
            ["warning", "yellow", "red", "fee", "materials", "same_person", "always"],
        ),
    ],
)
def test_several_rules_in_rule_order(
    engine: DurableEngine, fact: dict[str, Any], expected: list[str]
) -> None:
    engine.load(LADDER)
    assert both(engine, fact) == expected
