"""Memory and throughput of DurableEngine over a million snapshots, against evaluate_python.

Run: `.venv/bin/python bench/engine_memory.py [--snapshots N]`. About twenty rules shaped like
the warning / yellow / red / anomaly rules are built here from CompiledRule objects; every
snapshot has its own case id and varied field values. RSS (VmRSS) is printed every 100,000
snapshots. The same snapshots then go through the plain-Python evaluator (the baseline), and
every 100th result of the two is compared.
"""

from __future__ import annotations

import argparse
import random
import time
from array import array
from collections.abc import Iterator
from typing import Any

from supervisor.engine import DurableEngine
from supervisor.evaluator import evaluate_python
from supervisor.rulebook.compiled import (
    AllOf,
    AnyOf,
    Compare,
    CompiledRule,
    Condition,
    Level,
    RuleSet,
)

STEP = 100_000
ITEMS = ("LAWYER-01", "LAWYER-02", "NOTARY-01", "APPRAISAL-01", "EXAM-01", "律师执业许可")
STATES = ("accepted", "handling", "reviewing", "concluded", "rejected")
EVENTS = ("accept", "handle", "review", "reject", "extend", "charge_fee", "sweep", "conclude")


def _rule(rule_id: str, level: Level, condition: Condition) -> CompiledRule:
    return CompiledRule(rule_id, level, rule_id, rule_id, "", ("handler",), condition)


def _c(name: str, op: Any, value: Any = None, other: str | None = None) -> Compare:
    return Compare(name, op, value, other)


RUNNING = _c("running", "eq", True)
# (id, level, condition): shaped like the warning / yellow / red / anomaly rules of rule files
RULES: tuple[tuple[str, Level, Condition], ...] = (
    (
        "W-REMAINING",
        "warning",
        AllOf((RUNNING, _c("remaining", "lte", 3), _c("remaining", "gte", 0))),
    ),
    ("W-PROMISE", "warning", AllOf((RUNNING, _c("promised_remaining", "lte", 2)))),
    ("Y-OVERDUE", "yellow", AllOf((_c("overdue", "gte", 1), _c("overdue", "lt", 5)))),
    ("R-OVERDUE", "red", _c("overdue", "gte", 5)),
    ("Y-PROMISE", "yellow", _c("promised_overdue", "gt", 0)),
    (
        "Y-STEP",
        "yellow",
        AllOf((_c("step_over", "gt", 0), _c("step", "in", ["handle", "review"]))),
    ),
    ("R-YELLOW-UNANSWERED", "red", _c("yellow_unanswered_days", "gt", 5)),
    ("A-FEE-ABOVE", "anomaly", _c("fee_amount", "gt", other="fee_standard")),
    (
        "A-FEE-FREE",
        "anomaly",
        AllOf((_c("fee_item_free", "eq", True), _c("fee_amount", "gt", 0))),
    ),
    (
        "A-FEE-CODE",
        "anomaly",
        AllOf((_c("event", "eq", "charge_fee"), _c("fee_in_catalogue", "eq", False))),
    ),
    (
        "A-MATERIALS",
        "anomaly",
        AllOf((_c("event", "eq", "accept"), _c("missing_materials_count", "gt", 0))),
    ),
    ("A-MATERIAL-ID", "anomaly", _c("missing_materials", "contains", "身份证明")),
    ("A-SAME-PERSON", "anomaly", _c("same_handler_reviewer", "eq", True)),
    (
        "A-EXT-HEAD",
        "anomaly",
        AllOf((_c("event", "eq", "extend"), _c("extension_by_head", "ne", True))),
    ),
    ("A-EXT-LATE", "anomaly", _c("extension_after_deadline", "eq", True)),
    ("A-EXT-DAYS", "anomaly", _c("extension_days", "gt", other="max_extension_days")),
    ("A-SUPPLEMENT", "anomaly", _c("supplement_notices_before_acceptance", "gt", 1)),
    (
        "A-REJECT",
        "anomaly",
        AllOf(
            (
                _c("event", "eq", "reject"),
                AnyOf((_c("reason_given", "ne", True), _c("legal_basis_given", "missing"))),
            )
        ),
    ),
    (
        "A-AFTER",
        "anomaly",
        AllOf(
            (
                _c("state", "not_in", ["accepted", "handling", "reviewing"]),
                _c("event", "in", ["handle", "review", "extend"]),
            )
        ),
    ),
    (
        "A-DEEMED",
        "anomaly",
        AllOf((_c("deemed_accepted", "eq", True), _c("state", "eq", "accepted"))),
    ),
    ("W-PROVISIONAL", "warning", _c("provisional", "eq", True)),
)


def rules() -> RuleSet:
    return RuleSet("bench", tuple(_rule(*spec) for spec in RULES))


def _pool(size: int, rng: random.Random) -> list[dict[str, Any]]:
    """Varied facts; the snapshots cycle through them with their own case ids and days."""
    pool = []
    for _ in range(size):
        fact: dict[str, Any] = {
            "item": rng.choice(ITEMS),
            "state": rng.choice(STATES),
            "event": rng.choice(EVENTS),
            "step": rng.choice(("handle", "review", "conclude")),
            "running": rng.random() < 0.8,
            "limit": 20,
            "promised_remaining": rng.randint(-5, 15),
            "promised_overdue": max(0, rng.randint(-10, 3)),
            "step_over": max(0, rng.randint(-8, 2)),
            "fee_item_free": rng.random() < 0.1,
            "same_handler_reviewer": rng.random() < 0.02,
            "missing_materials": rng.sample(["申请书", "身份证明", "执业证"], rng.randint(0, 2)),
            "deemed_accepted": rng.random() < 0.05,
            "provisional": rng.random() < 0.01,
        }
        fact["missing_materials_count"] = len(fact["missing_materials"])
        optional = {
            "fee_amount": round(rng.uniform(0, 500), 2),
            "fee_standard": 200.0,
            "fee_in_catalogue": rng.random() < 0.9,
            "extension_by_head": rng.random() < 0.9,
            "extension_days": rng.randint(1, 15),
            "max_extension_days": 10,
            "yellow_unanswered_days": rng.randint(0, 8),
            "reason_given": rng.random() < 0.9,
            "legal_basis_given": True,
            "supplement_notices_before_acceptance": rng.randint(0, 2),
            "extension_after_deadline": rng.random() < 0.02,
        }
        fact.update((k, v) for k, v in optional.items() if rng.random() < 0.5)
        pool.append(fact)
    return pool


def snapshots(count: int, pool: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for i in range(count):
        elapsed = i % 31
        yield {
            **pool[i % len(pool)],
            "case_id": f"case-{i}",
            "elapsed": elapsed,
            "remaining": 20 - elapsed,
            "overdue": max(0, elapsed - 20),
        }


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _mask(ids: list[str], bits: dict[str, int]) -> int:
    return sum(bits[rule_id] for rule_id in ids)


def run_durable(
    engine: DurableEngine, count: int, pool: list[dict[str, Any]], sample: array[int]
) -> tuple[float, list[float]]:
    """Snapshots per second, and RSS every STEP snapshots; every 100th result into `sample`."""
    assert engine.ruleset is not None
    bits = {r.id: 1 << i for i, r in enumerate(engine.ruleset.rules)}
    rss, began = [rss_mb()], time.perf_counter()
    print(f"rss at 0: {rss[0]:.1f} MB ({len(bits)} rules)")
    for i, fact in enumerate(snapshots(count, pool), 1):
        found = engine.evaluate(fact)
        if i % 100 == 0:
            sample[i // 100 - 1] = _mask(found, bits)
        if i % STEP == 0:
            rss.append(rss_mb())
            print(f"rss at {i}: {rss[-1]:.1f} MB", flush=True)
    rate = count / (time.perf_counter() - began)
    if count % STEP:
        rss.append(rss_mb())
    return rate, rss


def run_python(
    ruleset: RuleSet, count: int, pool: list[dict[str, Any]], sample: array[int]
) -> float:
    """Snapshots per second of evaluate_python; exits if it ever disagrees with the sample."""
    bits = {r.id: 1 << i for i, r in enumerate(ruleset.rules)}
    began = time.perf_counter()
    for i, fact in enumerate(snapshots(count, pool), 1):
        found = evaluate_python(ruleset, fact)
        if i % 100 == 0 and _mask(found, bits) != sample[i // 100 - 1]:
            raise SystemExit(f"the evaluators disagree on snapshot {i}")
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=1_000_000)
    count = parser.parse_args().snapshots
    ruleset, pool = rules(), _pool(10_000, random.Random(7))
    engine = DurableEngine()
    engine.load(ruleset)
    sample = array("Q", bytes(8 * (count // 100)))  # allocated before the first RSS reading
    durable, rss = run_durable(engine, count, pool, sample)
    python = run_python(ruleset, count, pool, sample)
    hits = sum(bin(mask).count("1") for mask in sample)
    print(
        f"baseline: evaluate_python {python:,.0f}/s on the same snapshots, durable/python "
        f"{durable / python:.2f}; {len(sample)} sampled results agree ({hits} rule hits); "
        f"engine errors {engine.errors_total}; rss growth after the first {STEP:,}: "
        f"{rss[-1] - rss[min(1, len(rss) - 1)]:.1f} MB"
    )
    print(
        f"engine_memory: {count} snapshots, rss start {rss[0]:.1f} MB end {rss[-1]:.1f} MB "
        f"growth {rss[-1] - rss[0]:.1f} MB; durable {durable:,.0f}/s, python {python:,.0f}/s, "
        f"ratio {durable / python:.2f}"
    )


if __name__ == "__main__":
    main()
