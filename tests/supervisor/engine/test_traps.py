"""The durable-rules traps of docs/RULES_ENGINE.md are harmless."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

import supervisor.durable_compile as durable_compile
import supervisor.engine as engine_module
from supervisor.engine import MAX_RULES, DurableEngine, EngineError, compile_ruleset
from supervisor.evaluator import evaluate_python
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, CompiledRule, Condition, RuleSet
from tests.supervisor.engine.support import both, rule, ruleset


def _registered() -> int:
    """durable rule sets registered in the process's one Host."""
    return len(engine_module._host()._ruleset_directory)


def test_thousands_of_case_ids_share_one_session(engine: DurableEngine) -> None:
    # One session per case would raise MemoryError at the 1,025th case id.
    engine.load(
        ruleset(
            rule("this_case", Compare("case_id", "eq", "case-478212")),
            rule("late", Compare("overdue", "gt", 0)),
        )
    )
    found = [both(engine, {"case_id": f"case-{i}", "overdue": i % 2}) for i in range(3000)]
    assert found == [["late"] if i % 2 else [] for i in range(3000)]
    assert both(engine, {"case_id": "case-478212", "overdue": 0}) == ["this_case"]


def test_case_ids_with_colliding_hashes_keep_their_own_results(engine: DurableEngine) -> None:
    a, b = "case-478212", "case-1221200"
    assert durable_compile._fnv1a32(a) == durable_compile._fnv1a32(b)  # durable's id hash collides
    engine.load(
        ruleset(
            rule("this_case", Compare("case_id", "eq", a)),
            rule("late", Compare("overdue", "gt", 0)),
            rule("on_time", Compare("overdue", "eq", 0)),
        )
    )
    for _ in range(50):
        assert both(engine, {"case_id": a, "overdue": 3}) == ["this_case", "late"]
        assert both(engine, {"case_id": b, "overdue": 0}) == ["on_time"]


def _thresholds(count: int, version: str = "thresholds") -> RuleSet:
    """`count` rules on distinct thresholds: a fact far above all of them matches every one."""
    return ruleset(
        *(rule(f"T{i:03d}", Compare("overdue", "gte", i)) for i in range(count)), version=version
    )


def test_400_rules_load_and_all_of_them_fire(engine: DurableEngine) -> None:
    rules = _thresholds(MAX_RULES)
    definitions, _ = compile_ruleset(rules)
    assert len(definitions) > 1  # split: durable's stack overflows past 64 matching siblings
    engine.load(rules)
    assert both(engine, {"overdue": 10000}) == [r.id for r in rules.rules]
    assert both(engine, {"overdue": 10}) == [f"T{i:03d}" for i in range(11)]
    assert both(engine, {"overdue": -1}) == []


def test_401_rules_are_refused_before_durable_is_touched(
    engine: DurableEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.load(_thresholds(3, version="small"))

    def untouchable(*_args: Any) -> None:
        raise AssertionError("durable must not be called for a refused rule set")

    monkeypatch.setattr(engine_module._Host, "set_rulesets", untouchable)
    with pytest.raises(EngineError, match="401 rules"):
        engine.load(_thresholds(MAX_RULES + 1))
    assert engine.errors_total == 1
    assert engine.last_load_ok is False
    assert both(engine, {"overdue": 1}) == ["T000", "T001"]


def _random_condition(rng: random.Random, depth: int = 0) -> Condition:
    """Shapes found in rule files: thresholds, codes, in-lists, other-field comparisons, groups."""
    pick = rng.randrange(8 if depth < 2 else 6)
    if pick == 0:
        return Compare(
            rng.choice(["overdue", "remaining"]), rng.choice(["gte", "lt"]), rng.randint(-5, 30)
        )
    if pick == 1:
        return Compare("item", "eq", rng.choice("ABCDEFGH"))
    if pick == 2:
        return Compare(
            "item", rng.choice(["in", "not_in"]), rng.sample("ABCDEFGH", rng.randint(1, 4))
        )
    if pick == 3:
        return Compare("fee_amount", rng.choice(["gt", "ne"]), other="fee_standard")
    if pick == 4:
        return Compare(
            rng.choice(["running", "provisional"]), rng.choice(["eq", "ne"]), rng.random() < 0.5
        )
    if pick == 5:
        return Compare(rng.choice(["extension", "step"]), rng.choice(["exists", "missing"]))
    group = AllOf if pick == 6 else AnyOf
    return group(tuple(_random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))))


def _random_fact(rng: random.Random) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "overdue": rng.randint(0, 30),
        "remaining": rng.randint(-30, 30),
        "item": rng.choice("ABCDEFGH"),
        "fee_amount": rng.choice([10, 20.5, 30]),
        "running": rng.random() < 0.5,
    }
    for name, value in (
        ("fee_standard", 20.5),
        ("provisional", True),
        ("extension", 5),
        ("step", "handle"),
    ):
        if rng.random() < 0.5:
            fact[name] = value
    return fact


def test_400_mixed_rules_agree_with_python(engine: DurableEngine) -> None:
    rng = random.Random(20240601)
    rules = ruleset(*(rule(f"M{i:03d}", _random_condition(rng)) for i in range(MAX_RULES)))
    engine.load(rules)
    matched = [both(engine, _random_fact(rng)) for _ in range(300)]
    assert min(map(len, matched)) > 0
    assert max(map(len, matched)) > 100


def test_the_network_model_meets_durable_at_its_stack_limit(
    engine: DurableEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(durable_compile, "MAX_STACK", 64)  # durable's own limit, no margin
    assert len(compile_ruleset(_thresholds(64))[0]) == 1
    assert len(compile_ruleset(_thresholds(65))[0]) == 2
    engine.load(_thresholds(64))
    assert len(both(engine, {"overdue": 100})) == 64  # the most durable matches at once
    monkeypatch.setattr(durable_compile, "MAX_STACK", 10**6)  # no model: durable fails
    engine.load(_thresholds(65))
    with pytest.raises(EngineError, match="error code: 303"):
        engine.evaluate({"overdue": 100})
    assert engine.errors_total == 1
    assert both(engine, {"overdue": 3}) == ["T000", "T001", "T002", "T003"]  # nothing left over


def test_several_rules_matching_one_fact_are_all_reported(engine: DurableEngine) -> None:
    engine.load(
        ruleset(
            rule("a", Compare("overdue", "gte", 1)),
            rule("b", Compare("overdue", "gte", 1)),  # the very same condition
            rule("c", AnyOf((Compare("overdue", "gt", 0), Compare("running", "eq", True)))),
            rule("d", Compare("item", "eq", "甲")),
            rule("e", AllOf(())),
        )
    )
    # `c` matches through both branches (durable fires it twice); reported once
    assert both(engine, {"overdue": 2, "running": True, "item": "甲"}) == ["a", "b", "c", "d", "e"]


def test_reloads_keep_threads_and_rule_sets_flat_and_drop_old_rules(engine: DurableEngine) -> None:
    engine.load(ruleset(rule("R0", Compare("n", "eq", 0)), version="v0"))
    threads, registered = threading.active_count(), _registered()
    for version in range(1, 51):
        engine.load(ruleset(rule(f"R{version}", Compare("n", "gte", 0)), version=f"v{version}"))
        assert both(engine, {"n": 0}) == [f"R{version}"]  # never an older rule
        assert engine.ruleset is not None
        assert engine.ruleset.version == f"v{version}"
    assert threading.active_count() == threads
    assert _registered() == registered


def _unknown_op() -> RuleSet:
    bad = Compare("overdue", "regex", "^1")  # type: ignore[arg-type]  # what a loader bug could make
    return ruleset(rule("bad", bad), version="broken")


def _too_many_groups() -> RuleSet:
    # 16 any-groups in one all: durable's 32 expressions per rule are exceeded (error 113).
    deep = AllOf(
        tuple(AnyOf((Compare(f"a{j}", "eq", 1), Compare(f"b{j}", "eq", 2))) for j in range(16))
    )
    many = _thresholds(100).rules  # two shards first, so the failure comes part-way through
    return RuleSet(
        "broken", (*many, CompiledRule(**{**vars(many[0]), "id": "deep", "condition": deep}))
    )


@pytest.mark.parametrize(
    ("broken", "message"), [(_unknown_op, "unknown operator"), (_too_many_groups, "113")]
)
def test_a_broken_reload_leaves_the_old_rules_in_force(
    engine: DurableEngine, broken: Any, message: str
) -> None:
    engine.load(ruleset(rule("old", Compare("overdue", "gt", 0)), version="good"))
    registered = _registered()
    with pytest.raises(EngineError, match=message) as caught:
        engine.load(broken())
    assert caught.value.stage == "load"
    assert engine.last_load_ok is False
    assert engine.errors_total == 1
    assert engine.ruleset is not None
    assert engine.ruleset.version == "good"
    assert _registered() == registered  # shards registered before the failure were dropped
    assert both(engine, {"overdue": 1}) == ["old"]
    engine.load(ruleset(rule("new", Compare("overdue", "gt", 0)), version="fixed"))
    assert engine.last_load_ok is True
    assert both(engine, {"overdue": 1}) == ["new"]


def test_threads_evaluating_during_reloads_get_consistent_answers(engine: DurableEngine) -> None:
    versions = {
        "even": ruleset(rule("even", Compare("n", "lt", 5)), version="even"),
        "odd": ruleset(rule("odd", Compare("n", "gte", 5)), rule("any", AllOf(())), version="odd"),
    }
    engine.load(versions["even"])
    failures: list[str] = []
    seen: set[str] = set()
    done = threading.Event()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        while not done.is_set():
            fact = {"n": rng.randint(0, 9)}
            version, found = engine.evaluate_versioned(fact)
            seen.add(version)
            if found != evaluate_python(versions[version], fact):
                failures.append(f"{version} {fact} {found}")

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for worker in workers:
        worker.start()
    for i in range(40):
        engine.load(versions["odd" if i % 2 else "even"])
        time.sleep(0.001)  # let the workers evaluate under each version
    done.set()
    for worker in workers:
        worker.join()
    assert failures == []
    assert seen == {"even", "odd"}
    assert engine.errors_total == 0
