"""Engine failures are raised as EngineError, counted and logged; nothing fails silently."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import supervisor.engine as engine_module
from supervisor.engine import DurableEngine, EngineError, compile_ruleset
from supervisor.evaluator import ConditionError, evaluate_python
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition
from tests.supervisor.engine.support import both, rule, ruleset, single


def test_evaluating_before_any_load_is_an_error(engine: DurableEngine) -> None:
    with pytest.raises(EngineError, match="no rule set loaded") as caught:
        engine.evaluate({"overdue": 1})
    assert caught.value.stage == "evaluate"
    assert engine.errors_total == 1


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ({"fee_amount": 1e-7}, "cannot read the value"),  # durable reads no exponent form
        ({"fee_amount": 1e300}, "cannot read the value"),
        ({"fee_amount": float("nan")}, "cannot read the value"),
        ({"overdue": 2**60}, "cannot read the value"),
        ({"overdue": 10**400}, "cannot read the value"),
        ({"item": "长" * 70_000}, "cannot read the value"),  # durable's lengths are 16-bit
        ({"item": "\ud800"}, "Invalid argument"),  # a lone surrogate: durable's C call fails
    ],
)
def test_values_durable_cannot_take_raise_counted_logged_errors(
    engine: DurableEngine, caplog: pytest.LogCaptureFixture, fact: dict[str, Any], message: str
) -> None:
    rules = ruleset(
        rule("fee", Compare("fee_amount", "gt", 0)),
        rule("late", Compare("overdue", "gt", 0)),
        rule("item", Compare("item", "eq", "甲")),
    )
    engine.load(rules)
    evaluate_python(rules, fact)  # the plain evaluator answers; the engine must not guess
    with (
        caplog.at_level(logging.ERROR, logger="sunlight.engine"),
        pytest.raises(EngineError, match=message),
    ):
        engine.evaluate(fact)
    assert engine.errors_total == 1
    assert [(r.name, r.levelno) for r in caplog.records] == [("sunlight.engine", logging.ERROR)]
    assert both(engine, {"fee_amount": 1.5, "overdue": 0, "item": "甲"}) == ["fee", "item"]


def test_a_failing_durable_call_is_wrapped_with_its_cause(
    engine: DurableEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.load(single(Compare("overdue", "gt", 0)))

    def broken(*_args: Any) -> None:
        raise RuntimeError("C core exploded")

    monkeypatch.setattr(engine_module._Host, "assert_fact", broken)
    with pytest.raises(EngineError, match="C core exploded") as caught:
        engine.evaluate({"overdue": 1})
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert engine.errors_total == 1


def test_a_snapshot_durable_did_not_process_is_an_error(
    engine: DurableEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.load(single(Compare("overdue", "gt", 0)))
    monkeypatch.setattr(engine_module, "CATCH_ALL", "another_action")
    with pytest.raises(EngineError, match="ran no catch-all action"):
        engine.evaluate({"overdue": 1})
    assert engine.errors_total == 1


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Compare("fee_amount", "gt", 1e20), "cannot read the value"),
        (Compare("fee_amount", "gt", 1e-5), "cannot read the value"),
        (Compare("reason", "eq", "x" * 70_000), "cannot read the value"),
        (Compare("事项", "eq", "甲"), "not a plain identifier"),
        (Compare("a.b", "eq", 1), "not a plain identifier"),
    ],
)
def test_rule_sets_durable_cannot_take_are_refused(
    engine: DurableEngine, condition: Condition, message: str
) -> None:
    engine.load(single(Compare("overdue", "gt", 0), version="good"))
    with pytest.raises(EngineError, match=message):
        engine.load(single(condition, version="bad"))
    assert engine.errors_total == 1
    assert engine.last_load_ok is False
    assert both(engine, {"overdue": 1}) == ["R"]


@pytest.mark.parametrize(
    "condition",
    [
        Compare("fee_amount", "gt", "100"),  # the weak-validation trap: matched 150 and 50
        Compare("remaining", "lt", True),
        Compare("state", "in", "受理"),
        Compare("state", "eq", None),
        Compare("state", "eq", ["a"]),
        Compare("state", "in", [["a"]]),
        Compare("fee_amount", "in", [], other="fee_standard"),
        Compare("fee_amount", "gt", 1, other="fee_standard"),
        Compare("state", "matches", "a.*"),  # type: ignore[arg-type]
        Compare("", "exists"),
        AllOf((Compare("a", "eq", 1), "not a condition")),  # type: ignore[arg-type]
        AnyOf([Compare("a", "eq", 1)]),  # type: ignore[arg-type]
    ],
)
def test_malformed_trees_are_refused_by_both_evaluators(
    engine: DurableEngine, condition: Condition
) -> None:
    with pytest.raises(ConditionError):
        evaluate_python(single(condition), {})
    with pytest.raises(EngineError):
        engine.load(single(condition))
    assert engine.ruleset is None


def _has(key: str) -> dict[str, Any]:
    return {"$ex": {key: 1}}


# Each condition and the terms it becomes after {"t": "snapshot"} in the durable rule.
DURABLE_JSON: list[tuple[Condition, list[Any]]] = [
    (Compare("overdue", "gte", 5), [{"$gte": {"overdue__n": 5}}]),
    (Compare("fee_amount", "lt", 10.0), [{"$lt": {"fee_amount__n": 10}}]),  # an integral float
    (Compare("state", "ne", "办结"), [{"$neq": {"state__s": "办结"}}]),
    (Compare("item", "in", ["A", "B"]), [{"$or": [{"item__s": "A"}, {"item__s": "B"}]}]),
    (
        Compare("step", "not_in", ["done", 3]),
        [{"$neq": {"step__s": "done"}}, {"$neq": {"step__n": 3}}],
    ),
    (
        Compare("missing_materials", "contains", "申请书"),
        [{"$iany": {"missing_materials__ls": {"$i": "申请书"}}}],
    ),
    (Compare("extension", "exists"), [_has("extension__p")]),
    (Compare("extension", "missing"), [{"$nex": {"extension__p": 1}}]),
    (
        Compare("fee_amount", "gt", other="fee_standard"),
        [_has("fee_standard__n"), {"$gt": {"fee_amount__n": {"$m": "fee_standard__n"}}}],
    ),
    (  # eq / ne between fields compare one "kind:value" text per field ("n:5", "s:张三")
        Compare("handler", "eq", other="reviewer"),
        [_has("reviewer__e"), {"handler__e": {"$m": "reviewer__e"}}],
    ),
    (
        Compare("handler", "ne", other="reviewer"),
        [
            _has("reviewer__e"),
            {"handler__k": {"$m": "reviewer__k"}},  # same kind: ne on another kind is false
            {"$neq": {"handler__e": {"$m": "reviewer__e"}}},
        ],
    ),
    (  # the all holding an empty (false) any folds away
        AnyOf((Compare("running", "eq", True), AllOf((Compare("a", "eq", 1), AnyOf(()))))),
        [{"running__b": True}],
    ),
]


def test_the_durable_json_of_each_operator() -> None:
    conditions = [c for c, _ in DURABLE_JSON] + [AnyOf(())]  # never holds: not given to durable
    definitions, _ = compile_ruleset(ruleset(*(rule(f"R{i}", c) for i, c in enumerate(conditions))))
    assert len(definitions) == 1
    rules = definitions[0]
    assert rules.pop("catch_all") == {"all": [{"m": {"t": "snapshot"}}], "run": "catch_all"}
    assert {name: r["all"][0]["m"]["$and"][1:] for name, r in rules.items()} == {
        f"r{i}": terms for i, (_, terms) in enumerate(DURABLE_JSON)
    }
    assert all(r["run"] == name for name, r in rules.items())
