"""Statistics benchmark: a year with 1,000,000 concluded cases (their records, alerts, removed
cards and ratings), statistics by department and by handler, against one plain GROUP BY over
the cases table as the baseline.

Target (issue 13): each under 10 s, on SQLite and on PostgreSQL; the ratio to the baseline is
printed and written to bench/RESULTS.md ("Statistics" section, one line per database). The
figures are checked against the numbers the generator put in (received, concluded, late,
ratings). Scores (issue 13 part 2) are not on main yet and are not measured here.

Usage: python bench/statistics.py [--cases 1000000] [--url postgresql+psycopg://...]
(--url: an empty database; by default a new SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.aftercare.models import Rating
from approval_core.cases.models import Case
from approval_core.conclusions.models import Conclusion
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from approval_core.records.models import CaseRecord
from supervisor.alerts.models import Alert, AlertEvent
from supervisor.evaluation.scoring import score_units
from supervisor.evaluation.statistics import statistics
from supervisor.policy.value import load_policy

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
YEAR_START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing, 1 January 2025
AS_OF = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
ITEMS = (("LAWYER-PRACTICE", "LAWYER-DIV"), ("LAWFIRM-ESTABLISH", "LAWYER-DIV"),
         ("APPRAISER-PRACTICE", "PLS-DIV"))  # fmt: skip
HANDLERS = 200
LEVELS = ("warning", "yellow", "red", "anomaly")
BATCH = 20_000


def _case(n: int, rng: random.Random) -> dict[str, dict[str, Any] | list[dict[str, Any]]]:
    """One concluded case of 2025: its row, three records, its conclusion (+ alert, rating)."""
    case_id = str(uuid.UUID(int=n + 1))
    item, department = ITEMS[n % 3]
    submitted = YEAR_START + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
    accepted = submitted + timedelta(hours=2)
    used = rng.randint(1, 40)
    concluded = accepted + timedelta(days=used * 7 // 5 + 1)
    handler = n % HANDLERS + 1
    case = {
        "id": case_id, "tracking_no": f"S{n:012d}", "query_code_hash": "x", "item_code": item,
        "department_code": department, "applicant_name": "bench", "applicant_id_number": "0",
        "materials": [], "state": "concluded", "step": "done", "submitted_at": submitted,
        "last_event_at": concluded, "record_count": 3, "handler_id": handler,
        "assignee_id": handler, "decision": "approved", "clock_events": [], "counters": {},
        "version": 1, "clock_elapsed": used, "clock_remaining": 0, "clock_overdue": 0,
        "clock_running": False, "clock_deemed_accepted": False, "clock_provisional": False,
    }  # fmt: skip
    records = [
        _record(case_id, seq, action, at, handler)
        for seq, (action, at) in enumerate(
            (("submit", submitted), ("accept", accepted), ("conclude", concluded)), start=1
        )
    ]
    conclusion = {
        "case_id": case_id, "department_code": department, "item_code": item,
        "handler_key": str(handler), "concluded_at": concluded, "submitted_at": submitted,
        "accepted_at": accepted, "accepts": 1,
        "outcome": "approved" if n % 10 else "denied", "clocked": True, "days_used": used,
        "days_late": max(0, used - 30), "stopped_days": 0, "early": used <= 20,
        "late": used > 30,
    }  # fmt: skip
    return {"case": case, "records": records, "conclusion": conclusion}


def _record(case_id: str, seq: int, action: str, at: datetime, handler: int) -> dict[str, Any]:
    return {
        "case_id": case_id, "seq": seq, "action": action, "from_state": None,
        "to_state": "x", "actor_id": handler, "actor_name": "bench", "actor_role": "clerk",
        "at": at, "recorded_at": at, "documents_in": [], "documents_out": [], "payload": {},
        "prev_hash": "0" * 64, "hash": "0" * 64,
    }  # fmt: skip


def _alert(n: int, case: dict[str, Any]) -> dict[str, Any]:
    level = LEVELS[n % 4]
    opened = case["submitted_at"] + timedelta(days=3)
    return {
        "cause": f"bench:{n}", "subject": case["id"], "rule_id": f"RULE-{n % 7}",
        "ruleset_version": "bench", "level": level,
        "status": "removed" if level in ("yellow", "red") else "open", "case_id": case["id"],
        "item_code": case["item_code"], "department_code": case["department_code"],
        "responsible_user_id": case["handler_id"], "concerns": [], "legal_basis": "-",
        "title_zh": "-", "title_en": "-", "message_zh": "-", "message_en": "-",
        "response_days": None if level == "warning" else 3, "fact": {}, "opened_at": opened,
        "updated_at": opened, "version": 1,
    }  # fmt: skip


def batches(cases: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(13)
    batch = []
    for n in range(cases):
        batch.append(_case(n, rng))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def populate(url: str, cases: int) -> dict[str, int]:
    """Write the year; every 20th case has an alert (cards answered and removed), every
    second a rating. The counts put in, to check the statistics against."""
    engine = make_engine(url)
    put = {"cases": 0, "late": 0, "alerts": 0, "cards": 0, "ratings": 0}
    alert_id = 0
    with engine.begin() as conn:
        for batch in batches(cases):
            rows: dict[Table, list[dict[str, Any]]] = {
                Case.__table__: [], CaseRecord.__table__: [], Conclusion.__table__: [],
                Alert.__table__: [], AlertEvent.__table__: [], Rating.__table__: [],
            }  # fmt: skip
            for one in batch:
                case, conclusion = one["case"], one["conclusion"]
                assert isinstance(case, dict)
                assert isinstance(conclusion, dict)
                n = put["cases"]
                rows[Case.__table__].append(case)
                rows[CaseRecord.__table__].extend(one["records"])  # type: ignore[arg-type]
                rows[Conclusion.__table__].append(conclusion)
                put["cases"] += 1
                put["late"] += conclusion["late"]
                if n % 20 == 0:
                    alert_id += 1
                    alert = {"id": alert_id, **_alert(n // 20, case)}
                    rows[Alert.__table__].append(alert)
                    put["alerts"] += 1
                    if alert["level"] in ("yellow", "red"):
                        put["cards"] += 1
                        rows[AlertEvent.__table__].extend(_card_events(alert))
                if n % 2 == 0:
                    level = "满意" if n % 8 else "不满意"
                    rows[Rating.__table__].append(
                        {
                            "case_id": case["id"],
                            "level": level,
                            "created_at": conclusion["concluded_at"] + timedelta(days=1),
                            "version": 1,
                        }  # fmt: skip
                    )
                    put["ratings"] += 1
            for table, values in rows.items():
                if values:
                    bulk_insert(conn, table, values)
    engine.dispose()
    return put


def bulk_insert(conn: Any, table: Table, values: list[dict[str, Any]]) -> None:
    """Rows straight to the driver (SQLite: executemany; PostgreSQL: COPY): the ORM's type
    handling would take longer than the benchmark itself. Timestamps as the app stores them."""
    columns = list(values[0])
    sqlite = conn.dialect.name == "sqlite"

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            utc = value.astimezone(UTC)
            return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else utc
        if isinstance(value, list | dict):
            return json.dumps(value)
        return value

    tuples = [tuple(cell(row.get(c)) for c in columns) for row in values]
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    if sqlite:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", tuples)
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for one in tuples:
            copy.write_row(one)


def _card_events(alert: dict[str, Any]) -> list[dict[str, Any]]:
    opened = alert["opened_at"]
    return [
        {"alert_id": alert["id"], "action": action, "from_status": "open", "to_status": to,
         "actor_id": 1, "actor_name": "bench", "at": opened + timedelta(hours=hours)}
        for action, to, hours in (("respond", "responded", 20), ("remove", "removed", 48))
    ]  # fmt: skip


def timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def baseline(url: str, column: Any) -> float:
    """One plain GROUP BY over the cases table: the cheapest look at a year by unit."""
    engine = make_engine(url)
    with engine.connect() as conn:
        seconds, _ = timed(
            lambda: conn.execute(select(column, func.count()).group_by(column)).all()
        )
    engine.dispose()
    return seconds


def measure(url: str, by: str, put: dict[str, int]) -> float:
    """Statistics and scores (rules/evaluation.yaml) of the year by `by`, checked against what
    was written; the seconds both took together."""
    policy = load_policy(RULES)
    deps = policy.deps("bench", lambda: AS_OF)
    engine = make_engine(url)
    first, last = YEAR_START.date(), datetime(2025, 12, 31).date()
    with make_session_factory(engine)() as session:
        seconds, rows = timed(lambda: statistics(session, deps, first, last, by, AS_OF))  # type: ignore[arg-type]
    engine.dispose()
    rules = policy.evaluation
    if rules is not None and by in rules.scored.units:
        scoring, scores = timed(lambda: score_units(rows, rules))
        assert len(scores) == len(rows)
        seconds += scoring
    total = {name: sum(getattr(row, name) for row in rows)
             for name in ("received", "concluded", "late", "ratings", "cards_removed")}  # fmt: skip
    alerts = sum(r.alerts_warning + r.alerts_yellow + r.alerts_red + r.anomalies for r in rows)
    expected = {"received": put["cases"], "concluded": put["cases"], "late": put["late"],
                "ratings": put["ratings"], "cards_removed": put["cards"]}  # fmt: skip
    assert total == expected, (total, expected)
    assert alerts == put["alerts"], (alerts, put)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="sunlight-bench-")
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    started = time.perf_counter()
    put = populate(url, args.cases)
    print(f"populated {put} in {time.perf_counter() - started:.1f}s")
    engine = make_engine(url)
    if url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()
    os.sync()
    report: dict[str, Any] = {"database": engine.dialect.name, "cases": args.cases}
    for by, column in (("department", Case.department_code), ("handler", Case.handler_id)):
        base = baseline(url, column)
        seconds = measure(url, by, put)
        report[by] = {"s": round(seconds, 2), "baseline_s": round(base, 3),
                      "ratio": round(seconds / base, 1)}  # fmt: skip
        print(
            f"statistics and scores by {by}: {seconds:.2f} s (target < 10 s); "
            "baseline GROUP BY over "
            f"cases {base:.3f} s; ratio {seconds / base:.1f}"
        )
    print(json.dumps(report))
    write_results(report)


def write_results(report: dict[str, Any]) -> None:
    """This database's line of the "Statistics" section of bench/RESULTS.md."""
    path = ROOT / "bench" / "RESULTS.md"
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    title = "## Statistics (bench/statistics.py)"
    found = re.search(re.escape(title) + r"\n.*?(?=\n## |\Z)", content, re.S)
    lines = {}
    if found:
        for line in found.group(0).splitlines():
            if line.startswith("| ") and not line.startswith(("| database", "|---")):
                lines[line.split("|")[1].strip()] = line
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    d, h = report["department"], report["handler"]
    lines[report["database"]] = (
        f"| {report['database']} | {report['cases']:,} | {d['s']} | {d['baseline_s']} | "
        f"**{d['ratio']}** | {h['s']} | {h['baseline_s']} | **{h['ratio']}** | {stamp} |"
    )
    section = (
        f"{title}\n\nA year of concluded cases with their records, alerts, removed cards and "
        f"ratings; {os.cpu_count()} CPUs. Target: each statistics under 10 s. Baseline: one "
        "GROUP BY over the cases table by the same unit.\n\n"
        "| database | cases | by department s | baseline s | ratio | by handler s | "
        "baseline s | ratio | run |\n|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(lines[k] for k in sorted(lines))
        + "\n"
    )
    content = (
        content[: found.start()] + section + content[found.end() :]
        if found
        else content.rstrip() + "\n\n" + section
    )
    path.write_text(content, encoding="utf-8")


if __name__ == "__main__":
    main()
