"""Scrape benchmark: /metrics over 1,000,000 open cases (and closed cases and alerts beside them).

Target (issue 5): a scrape under 250 ms, with margin (issue 12). The figure (median of several
whole scrapes of the registry `/metrics` serves, which reads the running totals of migration
0013) is printed beside baselines measured in the same run: the scrape that counts the rows
with GROUP BY queries from the covering indexes of migration 0002 (what `/metrics` did before,
and what the leader's reconciliation still runs), the naive way (every open case read and
counted in Python), and the GROUP BY queries without the covering indexes (dropped at the end
of the run). The rows are loaded with the triggers off; the leader's reconciliation builds the
totals from them, and is timed with a second one and a fold of 20,000 increments.

Usage: python bench/metrics.py [--cases 1000000] [--closed 200000] [--alerts 100000]
                               [--repeat 5] [--url sqlite:///... | postgresql+psycopg://...]
(--url must name an empty scratch database: the run fills it and drops two indexes.)
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Engine, insert, select, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.cases.models import Case
from approval_core.cases.workflow import OPEN_STATES
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from approval_core.tallies.service import OPEN_CASES, add, bucket
from supervisor.alerts.models import Alert
from supervisor.metrics.registry import build_registry
from supervisor.metrics.totals import compact_totals, reconcile
from supervisor.policy.value import load_policy
from supervisor.runtime import Supervisor

RULES = Path(__file__).resolve().parent.parent / "rules"
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
# (state, step, stop type, clock running) of open cases, with their weights
OPEN = (
    ("submitted", "register", None, False, 5),
    ("registered", "accept", None, True, 5),
    ("supplementing", "supplement", "supplement", False, 5),
    ("accepted", "assign", None, True, 10),
    ("handling", "handle", None, True, 40),
    ("reviewing", "review", None, True, 20),
    ("reviewed", "conclude", None, True, 10),
    ("suspended", "handle", "expert_review", False, 5),
)
LEVELS = (
    ("TIME-WARNING", "warning"),
    ("TIME-YELLOW", "yellow"),
    ("TIME-RED", "red"),
    ("PROC-ACCEPT-LATE", "anomaly"),
    ("FEE-ABOVE-STANDARD", "anomaly"),
)


def _case(n: int, rng: random.Random, items: list[tuple[str, str]], closed: bool) -> dict[str, Any]:
    item, department = items[n % len(items)]
    state, step, stop_type, running, _ = rng.choices(OPEN, [w[-1] for w in OPEN])[0]
    if closed:
        state, step, stop_type, running = "concluded", "done", None, False
    overdue = rng.randint(1, 60) if rng.random() < 0.05 else 0
    return {
        "id": f"{n:036d}",
        "tracking_no": f"M{n:012d}",
        "query_code_hash": "x",
        "item_code": item,
        "department_code": department,
        "applicant_name": "bench",
        "applicant_id_number": "0000",
        "materials": [],
        "state": state,
        "step": step,
        "stop_type": stop_type,
        "submitted_at": NOW - timedelta(days=30),
        "last_event_at": NOW - timedelta(days=1),
        "clock_running": running,
        "clock_remaining": 0 if overdue else rng.randint(0, 40),
        "clock_overdue": overdue,
        "clock_events": [],
        "counters": {},
    }


def _alert(n: int, rng: random.Random, items: list[tuple[str, str]]) -> dict[str, Any]:
    item, department = items[n % len(items)]
    rule_id, level = rng.choice(LEVELS)
    status = rng.choice(("open", "acknowledged", "responded", "resolved", "removed", "resolved"))
    return {
        "cause": f"{rule_id}|{n}",
        "subject": str(n),
        "version": 1,
        "rule_id": rule_id,
        "ruleset_version": "bench",
        "level": level,
        "status": status,
        "case_id": f"{n:036d}",
        "item_code": item,
        "department_code": department,
        "concerns": [],
        "legal_basis": "",
        "title_zh": "",
        "title_en": "",
        "message_zh": "",
        "message_en": "",
        "fact": {},
        "opened_at": NOW,
        "updated_at": NOW,
    }


def _batches(rows: Iterator[dict[str, Any]], size: int = 20000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _triggers(engine: Engine, on: bool) -> None:
    """The running totals' triggers off for the bulk load (a load of a million rows is no
    workload of the service) and on again; the totals are then built by a reconciliation."""
    migration = import_module("approval_core.migrations.versions.0013_metric_deltas")
    with engine.begin() as conn:
        for table, metric, key, columns in migration._WATCHED:
            if engine.dialect.name == "postgresql":
                conn.execute(
                    text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER")
                )
            elif on:
                for statement in migration._sqlite(table, metric, key, columns):
                    conn.execute(text(statement))
            else:
                for event in ("insert", "update"):
                    conn.execute(text(f"DROP TRIGGER tr_{table}_totals_{event}"))


def populate(engine: Engine, items: list[tuple[str, str]], args: argparse.Namespace) -> None:
    rng = random.Random(5)
    total = args.cases + args.closed
    cases = (_case(n, rng, items, n >= args.cases) for n in range(total))
    alerts = (_alert(n, rng, items) for n in range(args.alerts))
    _triggers(engine, on=False)
    with engine.begin() as conn:
        for batch in _batches(cases):
            conn.execute(insert(Case), batch)
        for batch in _batches(alerts):
            conn.execute(insert(Alert), batch)
    _triggers(engine, on=True)
    # fresh statistics (and, on PostgreSQL, a visibility map for index-only scans)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE"))


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    # (not statistics.median: bench/statistics.py shadows the standard module here)
    return sorted(times)[len(times) // 2]


def naive_count(engine: Engine) -> dict[str, int]:
    """Baseline: every open case read into Python and counted there."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Case.clock_running, Case.clock_overdue, Case.clock_remaining).where(
                Case.state.in_(OPEN_STATES)
            )
        )
        for running, overdue, remaining in rows:
            slot = bucket(running, overdue, remaining)
            counts[slot] = counts.get(slot, 0) + 1
    return counts


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(
    engine: Engine, registries: dict[str, CollectorRegistry], args: argparse.Namespace
) -> dict[str, Any]:
    """The scrape and its baselines, in ms (medians); drops the covering indexes last."""
    totals, rows = registries["totals"], registries["rows"]
    page = generate_latest(totals).decode()
    assert 'sunlight_open_cases_by_remaining{bucket="overdue"}' in page
    assert page == generate_latest(rows).decode()  # the same figures, read two ways
    scrape_s = median_seconds(lambda: generate_latest(totals), args.repeat)
    group_by_s = median_seconds(lambda: generate_latest(rows), args.repeat)
    naive = naive_count(engine)
    assert sum(naive.values()) == args.cases, naive
    naive_s = median_seconds(lambda: naive_count(engine), args.repeat)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_cases_watch"))
        conn.execute(text("DROP INDEX ix_alerts_watch"))
    unindexed_s = median_seconds(lambda: generate_latest(rows), args.repeat)
    return {
        "database": engine.dialect.name,
        "open_cases": args.cases,
        "scrape_ms": ms(scrape_s),
        "baseline_group_by_scrape_ms": ms(group_by_s),
        "baseline_naive_count_ms": ms(naive_s),
        "baseline_group_by_without_covering_index_ms": ms(unindexed_s),
        "ratio_scrape_vs_group_by": round(scrape_s / group_by_s, 4),
        "ratio_scrape_vs_naive": round(scrape_s / naive_s, 4),
        "ratio_scrape_vs_unindexed": round(scrape_s / unindexed_s, 4),
    }


def build(engine: Engine) -> dict[str, Any]:
    """The leader's work: a reconciliation builds the totals from the rows (as migration 0013
    does on upgrade), a second finds nothing to repair, and the fold of 20,000 increments."""
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    built = reconcile(sessions)
    build_s = time.perf_counter() - started
    assert not built.ok  # everything was missing
    started = time.perf_counter()
    again = reconcile(sessions)
    reconcile_s = time.perf_counter() - started
    assert again.ok, again.drift
    with sessions() as session, session.begin():  # 10,000 changes of two keys each
        for n in range(10_000):
            add(session, OPEN_CASES, ("X", "Y", "handle", "0-3", ""), 1 if n % 2 else -1)
            add(session, OPEN_CASES, ("X", "Y", "review", "0-3", ""), -1 if n % 2 else 1)
    started = time.perf_counter()
    removed = compact_totals(sessions)
    return {
        "reconcile_building_totals_ms": ms(build_s),
        "reconcile_ms": ms(reconcile_s),
        "compact_rows_removed": removed,
        "compact_ms": ms(time.perf_counter() - started),
    }


def run(folder: str, args: argparse.Namespace) -> None:
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    policy = load_policy(RULES)
    deps = policy.deps("bench", lambda: NOW)
    items = [(code, item.department) for code, item in deps.catalogue.items.items()]
    started = time.perf_counter()
    populate(engine, items, args)
    print(
        f"populated {args.cases} open + {args.closed} closed cases, {args.alerts} alerts "
        f"in {time.perf_counter() - started:.1f}s ({engine.dialect.name})"
    )
    folded = build(engine)
    print(
        f"leader: totals built from the rows in {folded['reconcile_building_totals_ms']} ms; "
        f"reconciliation (no drift) {folded['reconcile_ms']} ms; "
        f"{folded['compact_rows_removed']} increments folded in {folded['compact_ms']} ms"
    )
    sup = Supervisor(policy, RULES)
    registries = {
        source: build_registry(sup, lambda: NOW, engine, source) for source in ("totals", "rows")
    }
    report = measure(engine, registries, args) | folded
    print(
        f"scrape (running totals): {report['scrape_ms']} ms (target < 250 ms, median of "
        f"{args.repeat}); baselines: GROUP BY scrape {report['baseline_group_by_scrape_ms']} ms "
        f"(ratio {report['ratio_scrape_vs_group_by']}), naive per-row count "
        f"{report['baseline_naive_count_ms']} ms, GROUP BY without the covering indexes "
        f"{report['baseline_group_by_without_covering_index_ms']} ms"
    )
    print(json.dumps(report))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--closed", type=int, default=200_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="sunlight-bench-metrics-")
    try:
        run(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the SQLite file of 1.2M cases: ~700 MB


if __name__ == "__main__":
    main()
