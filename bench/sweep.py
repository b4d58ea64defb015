"""Sweep benchmark: 1,000,000 open cases; a sweep with nothing due, and one with 10,000 due.

Targets (issue 3): nothing due < 50 ms; 10,000 due < 2 s. Each figure is printed beside a
full-scan baseline measured in the same run (every open case read and its due moment checked
in Python, as a sweep without the `next_due_at` index would have to), as a ratio.

Usage: python bench/sweep.py [--cases 1000000] [--due 10000] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.cases.models import Case
from approval_core.cases.workflow import TERMINAL
from approval_core.context import load_deps
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from supervisor.runtime import Supervisor
from supervisor.sweep import sweep

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="sunlight-bench-")
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    t0 = time.perf_counter()
    populate(url, args.cases, args.due)
    print(f"populated {args.cases} open cases ({args.due} due) in {time.perf_counter() - t0:.1f}s")
    with make_engine(url).connect() as conn:
        if url.startswith("sqlite"):
            conn.execute(text("ANALYZE"))
    deps = load_deps(RULES, "bench", lambda: AS_OF)
    sup = Supervisor(RULES, deps.catalogue)
    sessions = make_session_factory(make_engine(url))
    base_s, base_found = full_scan(url)
    quiet = sweep(sessions, deps, sup, AS_OF - timedelta(days=1))
    busy = sweep(sessions, deps, sup, AS_OF)
    assert quiet.judged == 0, quiet
    assert busy.judged == base_found == args.due, (busy, base_found)
    report = {
        "cases": args.cases,
        "nothing_due_ms": round(quiet.seconds * 1000, 2),
        "due": busy.judged,
        "due_s": round(busy.seconds, 3),
        "baseline_full_scan_s": round(base_s, 3),
        "ratio_nothing_due_vs_full_scan": round(quiet.seconds / base_s, 5),
        "ratio_due_vs_full_scan": round(busy.seconds / base_s, 3),
        "alerts_matched": busy.alerts_matched,
    }
    print(
        f"sweep: nothing due {report['nothing_due_ms']} ms (target < 50 ms); "
        f"{busy.judged} due {report['due_s']} s (target < 2 s); "
        f"baseline full scan {report['baseline_full_scan_s']} s; "
        f"ratios {report['ratio_nothing_due_vs_full_scan']} / {report['ratio_due_vs_full_scan']}"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
