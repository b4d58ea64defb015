"""Sweep benchmark: 1,000,000 open cases; a sweep with nothing due, and one with 10,000 due.

Targets (issue 3): nothing due < 50 ms; 10,000 due < 2 s. Each figure is printed beside a
full-scan baseline measured in the same run (every open case read and its due moment checked
in Python, as a sweep without the `next_due_at` index would have to), as a ratio. The 10,000
are swept three times from the same state (copies of the database): through the pool of worker
processes (SUNLIGHT_SWEEP_WORKERS, here --workers, default 2), in one process, and in one
process without the running totals' triggers (migration 0013), to show what they cost.

Usage: python bench/sweep.py [--cases 1000000] [--due 10000] [--workers 2] [--url ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, make_url, select, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.cases.models import Case
from approval_core.cases.workflow import TERMINAL
from approval_core.context import CoreDeps
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from supervisor.policy.value import load_policy, policy_of
from supervisor.policy.versions import activate, store_version
from supervisor.runtime import Supervisor
from supervisor.sweep import SweepResult, sweep
from supervisor.sweep_pool import SweepPool, WorkerConfig

RULES = Path(__file__).resolve().parent.parent / "rules"
AS_OF = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 Beijing
ITEMS = ("LAWYER-PRACTICE", "LAWFIRM-ESTABLISH", "APPRAISER-PRACTICE")


def _row(n: int, due: bool, rng: random.Random) -> dict[str, object]:
    """An accepted case in handling; the due ones are near or past their deadline."""
    accepted = AS_OF - timedelta(days=rng.randint(20, 60) if due else rng.randint(1, 15))
    received = accepted - timedelta(hours=3)
    events = [
        {"kind": "received", "at": received.isoformat()},
        {"kind": "step", "at": received.isoformat(), "step": "register"},
        {"kind": "accepted", "at": accepted.isoformat()},
        {"kind": "step", "at": accepted.isoformat(), "step": "handle"},
    ]
    next_due = AS_OF - timedelta(hours=1) if due else AS_OF + timedelta(days=rng.randint(1, 40))
    return {
        "id": str(uuid.UUID(int=n)),
        "tracking_no": f"B{n:012d}",
        "query_code_hash": "x",
        "item_code": ITEMS[n % len(ITEMS)],
        "department_code": "LAWYER-DIV" if n % 3 < 2 else "PLS-DIV",
        "applicant_name": "bench",
        "applicant_id_number": "0000",
        "materials": [],
        "state": "handling",
        "step": "handle",
        "submitted_at": received,
        "last_event_at": accepted,
        "record_count": 4,
        "clock_elapsed": 0,
        "clock_remaining": 0,
        "clock_overdue": 0,
        "clock_running": True,
        "clock_deemed_accepted": False,
        "clock_provisional": False,
        "clock_events": events,
        "counters": {"reviews": 0},
        "next_due_at": next_due,
        "version": 1,
        "assignee_id": None,
    }


def populate(url: str, cases: int, due: int) -> None:
    engine = make_engine(url)
    rng = random.Random(7)
    due_ids = set(rng.sample(range(cases), due))
    with engine.begin() as conn:
        batch: list[dict[str, object]] = []
        for n in range(cases):
            batch.append(_row(n, n in due_ids, rng))
            if len(batch) == 20000:
                conn.execute(insert(Case), batch)
                batch = []
        if batch:
            conn.execute(insert(Case), batch)
    engine.dispose()


def full_scan(url: str) -> tuple[float, int]:
    """Baseline: read every open case and test its due moment in Python."""
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(select(Case.id, Case.next_due_at).where(Case.state.not_in(TERMINAL)))
        found = sum(1 for _id, due_at in rows if due_at is not None and due_at <= AS_OF)
    engine.dispose()
    return time.perf_counter() - started, found


def clone(url: str, suffix: str) -> str:
    """A copy of the populated database, so both sweeps start from the same state."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        copy = path.with_name(f"{path.stem}-{suffix}{path.suffix}")
        shutil.copyfile(path, copy)
        return f"sqlite:///{copy}"
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def timed_sweeps(url: str, deps: CoreDeps, workers: int) -> tuple[SweepResult, SweepResult]:
    """(nothing due, 10,000 due) on `url`, in this process or through `workers` processes."""
    sup = Supervisor(policy_of(deps), RULES)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    pool = None
    if workers > 1:
        # workers load the policy version in force from the database (stored by main)
        pool = SweepPool(WorkerConfig(url, "bench", "durable"), workers=workers)
        pool.start()  # started with the service, not per sweep
    try:
        quiet = sweep(sessions, deps, sup, AS_OF - timedelta(days=1), pool=pool)
        busy = sweep(sessions, deps, sup, AS_OF, pool=pool)
    finally:
        if pool is not None:
            pool.close()
        engine.dispose()
    return quiet, busy


def without_totals(url: str) -> str:
    """A copy of the populated database without the running totals' triggers (migration 0013),
    to time what they add to a sweep's writes."""
    plain = clone(url, "plain")
    engine = make_engine(plain)
    with engine.begin() as conn:
        for table in ("cases", "alerts"):
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                for event in ("insert", "update"):
                    conn.execute(text(f"DROP TRIGGER tr_{table}_totals_{event}"))
    engine.dispose()
    return plain


def store_policy(url: str) -> None:
    """Put the shipped policy in force in the database (sweep workers load it from there)."""
    policy = load_policy(RULES, "python")
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        store_version(session, policy, "bench", AS_OF)
        activate(session, policy.version, by="bench", now=AS_OF)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="processes of the pool sweep")
    parser.add_argument("--url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="sunlight-bench-")
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    t0 = time.perf_counter()
    populate(url, args.cases, args.due)
    store_policy(url)
    print(f"populated {args.cases} open cases ({args.due} due) in {time.perf_counter() - t0:.1f}s")
    # Statistics for the planner, and on PostgreSQL the vacuum that autovacuum would otherwise
    # run over the million new rows in the middle of the timed sweeps.
    engine = make_engine(url)
    if url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()  # (PostgreSQL copies a database only while nobody is connected to it)
    policy = load_policy(RULES)
    deps = policy.deps("bench", lambda: AS_OF)
    base_s, base_found = full_scan(url)
    pool_url = clone(url, "pool")
    plain_url = without_totals(url)
    os.sync()  # the setup's writes reach the disk now, not during the timed sweeps
    quiet, one = timed_sweeps(url, deps, 1)
    _, plain = timed_sweeps(plain_url, deps, 1)
    quiet_pool, many = timed_sweeps(pool_url, deps, args.workers)
    assert quiet.judged == quiet_pool.judged == 0, (quiet, quiet_pool)
    assert one.judged == many.judged == plain.judged == base_found == args.due, (one, many, plain)
    assert one.alerts_matched == many.alerts_matched, (one, many)
    report = {
        "cases": args.cases,
        "nothing_due_ms": round(quiet.seconds * 1000, 2),
        "nothing_due_pool_ms": round(quiet_pool.seconds * 1000, 2),
        "due": many.judged,
        "due_s": round(many.seconds, 3),
        "workers": many.workers,
        "due_one_process_s": round(one.seconds, 3),
        "baseline_full_scan_s": round(base_s, 3),
        "ratio_nothing_due_vs_full_scan": round(quiet.seconds / base_s, 5),
        "ratio_due_vs_full_scan": round(many.seconds / base_s, 3),
        "ratio_due_one_process_vs_full_scan": round(one.seconds / base_s, 3),
        "due_one_process_without_totals_triggers_s": round(plain.seconds, 3),
        "ratio_due_one_process_vs_without_triggers": round(one.seconds / plain.seconds, 3),
        "alerts_matched": many.alerts_matched,
        "redone": many.redone,
    }
    print(
        f"sweep: nothing due {report['nothing_due_ms']} ms "
        f"({report['nothing_due_pool_ms']} ms through the pool; target < 50 ms); "
        f"{many.judged} due {report['due_s']} s with {many.workers} worker processes "
        f"(target < 2 s), {report['due_one_process_s']} s in one process; "
        f"baseline full scan {report['baseline_full_scan_s']} s; ratios "
        f"{report['ratio_nothing_due_vs_full_scan']} / {report['ratio_due_vs_full_scan']} / "
        f"{report['ratio_due_one_process_vs_full_scan']}; in one process without the running "
        f"totals' triggers {report['due_one_process_without_totals_triggers_s']} s (ratio "
        f"{report['ratio_due_one_process_vs_without_triggers']})"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
