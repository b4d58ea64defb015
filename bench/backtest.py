"""Backtest benchmark: 100,000 recorded cases; a backtest of a warning_days change (3 -> 5).

Target (issue 10 point 8): under one minute for 100,000 cases on a 2-CPU machine. The figure is
printed beside a baseline measured in the same run: the same history replayed once, through the
policy in force only (what any replay of the history costs), as a ratio.

The history is written the fastest honest way: each case's records are made as the service
makes them (the same actions, payloads, states folded by the workflow's `transition`, the hash
chain), its row with the clock inputs, counters and clock figures derived from those records,
and one fact per record (the event and the case's fields; the clock part of the snapshot is
left out), inserted with executemany. Cases are spread over 2026 on every item: rejected,
supplemented, stopped, extended, concluded anywhere from 10 days early to 6 days late, or still
open at the end.

Usage: python bench/backtest.py [--cases 100000] [--url ...]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.calendar import WorkCalendar
from approval_core.cases.models import Case
from approval_core.cases.replay import replay
from approval_core.cases.snapshot import counters_of, event_to_json
from approval_core.cases.workflow import CaseState, transition
from approval_core.clock.service import compute_clock
from approval_core.db import make_engine, make_session_factory
from approval_core.migrations import upgrade
from approval_core.outbox.models import Fact
from approval_core.records.models import GENESIS, CaseRecord
from approval_core.records.service import record_hash
from approval_core.timeutil import LEGAL_TZ
from supervisor.policy.backtest import backtest, read_only_session
from supervisor.policy.replay import Judging, case_pages, replay_case, timeline
from supervisor.policy.value import Policy, load_policy

RULES = Path(__file__).resolve().parent.parent / "rules"
KEY = "bench"
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 Beijing
FIRST, LAST = date(2026, 1, 5), date(2026, 11, 20)  # days cases are received
# Working days left (negative: late) when the case is concluded, and how often.
LEFT = (10, 8, 6, 5, 4, 3, 2, 1, 0, -1, -3, -6)
WEIGHTS = (10, 10, 12, 8, 8, 8, 8, 6, 6, 4, 3, 2)


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LEGAL_TZ)


class Maker:
    """Makes one case's records as the service would, folding the workflow as it goes."""

    def __init__(self, policy: Policy, rng: random.Random) -> None:
        self.catalogue, self.calendar, self.rng = policy.catalogue, policy.calendar, rng
        self.items = list(self.catalogue.items)

    def case(self, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng, cal = self.rng, self.calendar
        code = self.items[n % len(self.items)]
        item = self.catalogue.get(code)
        materials = sorted(m.code for m in item.mandatory_materials)
        day = _workday(cal, FIRST + timedelta(days=rng.randrange((LAST - FIRST).days)))
        steps: list[tuple[str, datetime, dict[str, Any], str | None]] = []

        def at(d: date, hour: int, action: str, payload: dict[str, Any], **kw: Any) -> None:
            steps.append((action, _moment(d, hour, rng.randrange(60)), payload, kw.get("reason")))

        at(day, 9, "submit", {"item": code, "materials": materials})
        at(day, 10, "register", {})
        roll = rng.random()
        if roll < 0.05:
            at(cal.add_workdays(day, 1), 11, "reject", {}, reason="材料不符合法定形式")
            return self._rows(n, code, item.department, steps)
        if roll < 0.15:
            at(day, 11, "request_supplement", {"materials": materials[:1]})
            day = cal.add_workdays(day, rng.randint(2, 5))
            at(day, 10, "supplement_received", {"materials": materials[:1]})
        day = cal.add_workdays(day, rng.choice((0, 1, 1, 2, 3, 6)))
        at(day, 14, "accept", {})
        at(day, 15, "assign", {"assignee": 1000 + n % 50})
        policy = self.catalogue.clock_policy(code)
        total = max(2, policy.limit - rng.choices(LEFT, WEIGHTS)[0])
        handled = max(1, total * 2 // 3)
        if rng.random() < 0.1:
            stop = {"stop_type": "expert_review", "expected_days": 5}
            at(cal.add_workdays(day, 2), 10, "stop", stop)
            day = cal.add_workdays(day, rng.randint(3, 6))
            at(day, 10, "resume", {})
        if rng.random() < 0.05:
            at(cal.add_workdays(day, 3), 10, "extend", {"days": 10}, reason="专家评审")
            at(cal.add_workdays(day, 4), 10, "approve_extension", {"days": 10})
            total += 10
        at(cal.add_workdays(day, handled), 10, "handle", {})
        at(cal.add_workdays(day, total), 9, "review", {})
        at(cal.add_workdays(day, total), 16, "conclude", {"decision": "approved"})
        return self._rows(n, code, item.department, steps)

    def _rows(
        self, n: int, code: str, department: str, steps: list[Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        state, prev, records = CaseState("submitted"), GENESIS, []
        case_id = str(uuid.UUID(int=n + 1))
        last = steps[0][1]
        for seq, (action, moment, payload, reason) in enumerate(steps, start=1):
            moment = max(moment, last + timedelta(minutes=1))
            if moment > NOW:
                break  # still open at the end
            before = state.state if action != "submit" else None
            if action != "submit":
                state = transition(state, action, None, dict(payload)).state
            record = _record(case_id, seq, action, before, state.state, moment, payload, reason)
            record["prev_hash"] = prev
            record["mac"] = "hmac-sha256"
            record["hash"] = prev = record_hash(SimpleNamespace(**record), KEY)  # type: ignore[arg-type]
            records.append(record)
            last = moment
        return self._case(case_id, n, code, department, records), records

    def _case(
        self, case_id: str, n: int, code: str, department: str, records: list[dict[str, Any]]
    ) -> dict[str, Any]:
        rows = [SimpleNamespace(**r) for r in records]
        folded = replay(rows)  # type: ignore[arg-type]
        clock = compute_clock(folded.events, self.catalogue.clock_policy(code), self.calendar, NOW)
        return {
            "id": case_id,
            "tracking_no": f"BT{n:010d}",
            "query_code_hash": "x",
            "item_code": code,
            "department_code": department,
            "applicant_name": "bench",
            "applicant_id_number": "0000",
            "materials": records[0]["payload"]["materials"],
            "state": folded.state.state,
            "step": folded.step,
            "stop_type": folded.state.stop_type,
            "resume_state": folded.state.resume_state,
            "assignee_id": folded.assignee_id,
            "decision": folded.decision,
            "submitted_at": records[0]["at"],
            "last_event_at": records[-1]["at"],
            "record_count": len(records),
            "chain_seq": records[-1]["seq"],
            "chain_hash": records[-1]["hash"],
            "clock_elapsed": clock.elapsed,
            "clock_remaining": clock.remaining,
            "clock_overdue": clock.overdue,
            "clock_running": clock.running,
            "clock_deemed_accepted": clock.deemed_accepted,
            "clock_provisional": clock.provisional,
            "clock_events": [event_to_json(e) for e in folded.events],
            "counters": counters_of(rows),  # type: ignore[arg-type]
            "next_due_at": None,
            "version": 1,
        }


def _workday(calendar: WorkCalendar, day: date) -> date:
    return day if calendar.is_workday(day) else calendar.add_workdays(day, 1)


def _record(
    case_id: str,
    seq: int,
    action: str,
    before: str | None,
    after: str,
    moment: datetime,
    payload: dict[str, Any],
    reason: str | None,
) -> dict[str, Any]:
    role = {"submit": "applicant", "handle": "handler", "review": "reviewer"}.get(action, "clerk")
    if action in ("conclude", "approve_extension"):
        role = "head"
    return {
        "case_id": case_id,
        "seq": seq,
        "action": action,
        "from_state": before,
        "to_state": after,
        "actor_id": 1,
        "actor_name": "bench",
        "actor_role": role,
        "recorded_by": None,
        "at": moment,
        "recorded_at": moment,
        "reason": reason,
        "legal_basis": None,
        "documents_in": [],
        "documents_out": [],
        "payload": payload,
    }


def _fact(case: dict[str, Any], record: dict[str, Any], record_id: int) -> dict[str, Any]:
    event = {
        "action": record["action"],
        "at": record["at"].isoformat(),
        "actor_role": record["actor_role"],
        "record_seq": record["seq"],
        **record["payload"],
    }
    fields = ("id", "tracking_no", "item_code", "department_code", "state", "step", "counters")
    return {
        "kind": f"case.{record['action']}",
        "case_id": case["id"],
        "record_id": record_id,
        "payload": {"event": event, "case": {name: case[name] for name in fields}},
        "created_at": record["at"],
        "processed_at": record["at"],
        "attempts": 0,
    }


def _batches(maker: Maker, cases: int, size: int = 5000) -> Iterator[list[Any]]:
    for start in range(0, cases, size):
        yield [maker.case(n) for n in range(start, min(cases, start + size))]


def populate(url: str, cases: int, policy: Policy) -> int:
    """Write `cases` histories; returns the number of records."""
    engine = make_engine(url)
    maker, written, record_id = Maker(policy, random.Random(7)), 0, 0
    with engine.begin() as conn:
        for batch in _batches(maker, cases):
            conn.execute(insert(Case), [case for case, _ in batch])
            records = [r for _, rows in batch for r in rows]
            conn.execute(insert(CaseRecord), records)
            facts = []
            for case, rows in batch:
                for record in rows:
                    record_id += 1
                    facts.append(_fact(case, record, record_id))
            conn.execute(insert(Fact), facts)
            written += len(records)
        if url.startswith("sqlite"):
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return written


def replay_once(url: str, policy: Policy) -> tuple[float, int, int]:
    """Baseline: read every history and replay it through one policy (seconds, cases, alerts)."""
    engine = make_engine(url)
    started = time.perf_counter()
    judging, cases, alerts = Judging(policy), 0, 0
    with read_only_session(make_session_factory(engine)) as session:
        for page in case_pages(session, None, None):
            for history in page:
                alerts += len(replay_case([judging], timeline(history), NOW)[0].causes)
            cases += len(page)
    engine.dispose()
    return time.perf_counter() - started, cases, alerts


def timed_backtest(url: str, current: Policy, proposed: Policy, workers: int) -> Any:
    """The backtest as `sunlight rules backtest` runs it: (seconds, report)."""
    engine = make_engine(url)
    with read_only_session(make_session_factory(engine)) as session:
        started = time.perf_counter()
        report = backtest(
            session, (current, "in force"), (proposed, "proposed"), NOW, None, None, workers
        )
        seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="processes of the backtest")
    parser.add_argument("--url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sunlight-bench-"))
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    upgrade(url)
    current = load_policy(RULES, "python")
    shutil.copytree(RULES, folder / "rules")
    timeliness = folder / "rules" / "timeliness.yaml"
    changed = timeliness.read_text(encoding="utf-8").replace("warning_days: 3", "warning_days: 5")
    timeliness.write_text(changed, encoding="utf-8")
    proposed = load_policy(folder / "rules", "python")
    t0 = time.perf_counter()
    records = populate(url, args.cases, current)
    print(f"populated {args.cases} cases, {records} records in {time.perf_counter() - t0:.1f}s")
    base_s, base_cases, base_alerts = replay_once(url, current)
    one_s, one = timed_backtest(url, current, proposed, 1)
    many_s, many = timed_backtest(url, current, proposed, args.workers)
    assert one.cases == many.cases == base_cases == args.cases, (one.cases, base_cases)
    assert one.current.alerts == many.current.alerts == base_alerts, (one.current, base_alerts)
    assert one.as_dict()["appear"] == many.as_dict()["appear"]
    assert one.as_dict()["vanish"] == many.as_dict()["vanish"]
    data = many.as_dict()
    result = {
        "cases": args.cases,
        "records": records,
        "backtest_s": round(many_s, 2),
        "workers": many.workers,
        "backtest_one_process_s": round(one_s, 2),
        "baseline_replay_once_s": round(base_s, 2),
        "ratio_backtest_vs_replay_once": round(many_s / base_s, 3),
        "ratio_one_process_vs_replay_once": round(one_s / base_s, 3),
        "alerts_in_force": many.current.alerts,
        "alerts_proposed": many.proposed.alerts,
        "appear": data["appear"]["total"],
        "appear_by_rule": {k: v["count"] for k, v in data["appear"]["by_rule"].items()},
        "vanish": data["vanish"]["total"],
        "capped_cases": many.capped,
    }
    print(
        f"backtest of warning_days 3 -> 5 over {args.cases} cases: {result['backtest_s']} s with "
        f"{many.workers} processes (target < 60 s), {result['backtest_one_process_s']} s in one; "
        f"baseline, the history replayed once in one process: "
        f"{result['baseline_replay_once_s']} s; ratios {result['ratio_backtest_vs_replay_once']}"
        f" / {result['ratio_one_process_vs_replay_once']}"
    )
    print(json.dumps(result))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
