"""Action-path benchmark: an action through the API beside a bare one-row insert.

Both servers are started the same way (one uvicorn process each, on the same kind of
database) and driven by the same load: wrk, 8 connections, after a warm-up, in short
segments that alternate between the two servers so that the machine's mood is shared. Two
kinds of request: `submit` (POST /api/v1/cases) and a plain action (`charge_fee`, which may
repeat: each connection acts on its own accepted case). For each: requests/s, p50/p99,
server CPU per request, the ratio Sunlight / bare, and how many requests Sunlight's group
commit put in one transaction on average (from its /metrics). Then the real-time check:
actions sent at half Sunlight's sustained rate, each opening an alert; the time from the
action's answer (its commit) to its alert being visible in the database, p50/p99.

Targets (issue: performance): ratio >= 0.5 on SQLite and PostgreSQL; action-to-alert p99 < 1 s.
The figures are printed and written to bench/RESULTS.md (its "Action path" section).

Usage: python bench/actions.py [--seconds 20] [--segments 4] [--databases sqlite,postgresql]
       [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, select, text

import supervisor.models  # noqa: F401  (registers the supervisor's tables)
from approval_core.db import make_engine, make_session_factory
from approval_core.timeutil import utcnow
from approval_core.users.service import add_user
from supervisor.alerts.models import Alert
from supervisor.policy.value import load_policy

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ITEM = "LAWYER-PRACTICE"  # free of charge: a fee charged on it opens an anomaly
KEY = "bench-actions-secret-key-0123456789abcdef0123456789"
CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    args: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path) -> None:
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        out = log.open("wb")
        self.process = subprocess.Popen(
            self.args + ["--port", str(self.port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start:\n{log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Run:
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else 0.0


_LUA = """
local paths = {%(paths)s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("path", paths[((counter - 1) %% #paths) + 1])
end
function init(args)
  wrk.method = "POST"
  wrk.body = [[%(body)s]]
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer %(token)s"
end
function request()
  return wrk.format(nil, path)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def wrk(
    url: str, paths: list[str], body: str, token: str, seconds: float, folder: Path, pid: int
) -> Run:
    script = folder / f"load-{abs(hash((url, tuple(paths))))}.lua"
    quoted = ", ".join(f'"{p}"' for p in paths)
    script.write_text(_LUA % {"paths": quoted, "body": body, "token": token})
    before = cpu_seconds(pid)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(CONNECTIONS),
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{max(1, round(seconds))}s",  # (whole seconds only)
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = cpu_seconds(pid) - before
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    assert found, out
    requests, errors, p50, p99, duration = map(int, found.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Run(requests, duration / 1e6, cpu, [p50 / 1000], [p99 / 1000], errors)


def add(total: Run, part: Run) -> None:
    total.requests += part.requests
    total.seconds += part.seconds
    total.cpu += part.cpu
    total.p50 += part.p50
    total.p99 += part.p99
    total.errors += part.errors


def fresh_database(kind: str, name: str, pg_url: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / (name + '.sqlite3')}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def sunlight_env(url: str) -> dict[str, str]:
    return {
        "SUNLIGHT_DATABASE_URL": url,
        "SUNLIGHT_ENVIRONMENT": "test",
        "SUNLIGHT_SECRET_KEY": KEY,
        "SUNLIGHT_RULES_DIR": str(RULES),
        # as the bare server runs (uvicorn --log-level warning): no line per request
        "SUNLIGHT_ACCESS_LOG": "false",
    }


def prepare_sunlight(url: str) -> dict[str, Any]:
    """The schema, and the people: an applicant, a clerk."""
    env = {**os.environ, **sunlight_env(url), "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    policy = load_policy(RULES)
    department = policy.catalogue.get(ITEM).department
    sessions = make_session_factory(make_engine(url))
    tokens: dict[str, Any] = {}
    with sessions() as session, session.begin():
        for role in ("applicant", "clerk"):
            user, token = add_user(
                session,
                name=f"bench {role}",
                role=role,
                department=None if role == "applicant" else department,
                now=utcnow(),
                known_departments=set(policy.catalogue.departments),
            )
            tokens[role] = token
    tokens["materials"] = [m.code for m in policy.catalogue.get(ITEM).mandatory_materials]
    return tokens


def accepted_cases(base: str, tokens: dict[str, Any], count: int) -> list[str]:
    ids = []
    body = {
        "item": ITEM,
        "applicant": {"name": "基准", "id_number": "36010219900101123X"},
        "materials": tokens["materials"],
    }
    with httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(count):
            case = http.post(
                "/api/v1/cases",
                json=body,
                headers={"Authorization": f"Bearer {tokens['applicant']}"},
            )
            case.raise_for_status()
            case_id = case.json()["id"]
            for action in ("register", "accept"):
                http.post(
                    f"/api/v1/cases/{case_id}/actions",
                    json={"action": action},
                    headers={"Authorization": f"Bearer {tokens['clerk']}"},
                ).raise_for_status()
            ids.append(case_id)
    return ids


def action_to_alert(
    base: str, url: str, tokens: dict[str, Any], rate: float, seconds: float
) -> list[float]:
    """Fees on fresh accepted cases at `rate`/s; for each, the time from its answer to its
    alert being visible (committed) in the database."""
    count = max(10, int(rate * seconds))
    cases = accepted_cases(base, tokens, count)
    answered: dict[str, float] = {}
    seen: dict[str, float] = {}
    sessions = make_session_factory(make_engine(url))
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set() or len(seen) < len(answered):
            with sessions() as session:
                rows = (
                    session.execute(
                        select(Alert.case_id).where(
                            Alert.case_id.in_(list(answered)), Alert.rule_id.like("FEE%")
                        )
                    ).all()
                    if answered
                    else []
                )
            moment = time.monotonic()
            for (case_id,) in rows:
                seen.setdefault(str(case_id), moment)
            if stop.is_set() and time.monotonic() - last[0] > 30:
                return
            time.sleep(0.005)

    last = [time.monotonic()]
    watcher = threading.Thread(target=watch)
    watcher.start()
    fee = {"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"}
    with httpx.Client(base_url=base, timeout=30) as http:
        gap = 1 / rate
        start = time.monotonic()
        for n, case_id in enumerate(cases):
            time.sleep(max(0.0, start + n * gap - time.monotonic()))
            answer = http.post(
                f"/api/v1/cases/{case_id}/actions",
                json=fee,
                headers={"Authorization": f"Bearer {tokens['clerk']}"},
            )
            answer.raise_for_status()
            answered[case_id] = time.monotonic()
            last[0] = answered[case_id]
    stop.set()
    watcher.join()
    return sorted(seen[c] - answered[c] for c in answered if c in seen)


def group_commit(base: str) -> tuple[float, float]:
    """Sunlight's group commit so far: (filings and actions, transactions), from /metrics."""
    text_ = httpx.get(base + "/metrics", timeout=30).text
    found = {
        name: float(value)
        for name, value in re.findall(r"^sunlight_group_commit_(\w+)_total (\S+)$", text_, re.M)
    }
    return found["units"], found["transactions"]


def median(values: list[float]) -> float:
    """(Not `statistics.median`: bench/statistics.py shadows the standard module here.)"""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_database(kind: str, args: argparse.Namespace, folder: Path) -> list[str]:
    bare_url = fresh_database(kind, "bench_bare", args.pg_url, folder)
    sun_url = fresh_database(kind, "bench_sunlight", args.pg_url, folder)
    tokens = prepare_sunlight(sun_url)
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--host", "127.0.0.1"]
    bare = Server(
        "bare",
        [*uvicorn, "--app-dir", str(ROOT / "bench" / "action_path"), "bare_app:app"],
        {"BENCH_DATABASE_URL": bare_url},
    )
    sun = Server(
        "sunlight",
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"],
        sunlight_env(sun_url),
    )
    bare.start(folder / f"bare-{kind}.log")
    sun.start(folder / f"sunlight-{kind}.log")
    lines = []
    try:
        cases = accepted_cases(sun.url, tokens, CONNECTIONS)
        submit_body = json.dumps(
            {
                "item": ITEM,
                "applicant": {"name": "基准", "id_number": "36010219900101123X"},
                "materials": tokens["materials"],
            },
            ensure_ascii=False,
        )
        fee_body = '{"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"}'
        kinds = {
            "submit": (["/api/v1/cases"], submit_body, tokens["applicant"]),
            "charge_fee": (
                [f"/api/v1/cases/{c}/actions" for c in cases],
                fee_body,
                tokens["clerk"],
            ),
        }
        assert bare.process is not None
        assert sun.process is not None
        results: dict[str, tuple[Run, Run]] = {}
        per_transaction: dict[str, float] = {}
        for name, (paths, body, token) in kinds.items():
            # warm-up, not counted
            wrk(bare.url, ["/rows"], '{"kind": "warm"}', "x", 3, folder, bare.process.pid)
            wrk(sun.url, paths, body, token, 3, folder, sun.process.pid)
            b, s = Run(), Run()
            grouped = group_commit(sun.url)
            for _ in range(args.segments):
                add(
                    b,
                    wrk(
                        bare.url,
                        ["/rows"],
                        json.dumps({"kind": name}),
                        "x",
                        args.seconds / args.segments,
                        folder,
                        bare.process.pid,
                    ),
                )
                add(
                    s,
                    wrk(
                        sun.url,
                        paths,
                        body,
                        token,
                        args.seconds / args.segments,
                        folder,
                        sun.process.pid,
                    ),
                )
            now_units, now_transactions = group_commit(sun.url)
            units, transactions = now_units - grouped[0], now_transactions - grouped[1]
            results[name] = (b, s)
            per_transaction[name] = units / transactions if transactions else float("nan")
        for name, (b, s) in results.items():
            lines.append(
                f"| {kind} | {name} | {s.rate:.0f} | {b.rate:.0f} | **{s.rate / b.rate:.2f}** | "
                f"{median(s.p50):.1f} / {max(s.p99):.1f} | "
                f"{median(b.p50):.1f} / {max(b.p99):.1f} | "
                f"{s.cpu_ms:.2f} | {b.cpu_ms:.2f} | {per_transaction[name]:.1f} | "
                f"{s.errors} / {b.errors} |"
            )
        rate = results["charge_fee"][1].rate / 2
        lags = action_to_alert(sun.url, sun_url, tokens, rate, args.alert_seconds)
        lines.append(
            f"| {kind} | action → alert at {rate:.0f}/s | {len(lags)} alerts | | | "
            f"p50 {1000 * pct(lags, 0.5):.0f} ms, **p99 {1000 * pct(lags, 0.99):.0f} ms** "
            "| | | | | |"
        )
    finally:
        sun.stop()
        bare.stop()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0, help="measured, per kind")
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--alert-seconds", type=float, default=15.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")
    header = [
        "| database | request | Sunlight req/s | bare insert req/s | ratio | Sunlight p50 / p99 ms "
        "| bare p50 / p99 ms | Sunlight CPU ms/req | bare CPU ms/req "
        "| Sunlight requests per transaction | errors (S / bare) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-actions-") as tmp:
        for kind in args.databases.split(","):
            rows += bench_database(kind, args, Path(tmp))
    table = "\n".join(header + rows)
    print(table)
    write_results(table)


def write_results(table: str) -> None:
    """Replace this benchmark's section of bench/RESULTS.md (the other benchmarks keep theirs)."""
    path = ROOT / "bench" / "RESULTS.md"
    text_ = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = (
        "## Action path (bench/actions.py)\n\n"
        f"{stamp}, {os.cpu_count()} CPUs; wrk, {CONNECTIONS} connections, alternating segments. "
        "Target: ratio >= 0.5, action → alert p99 < 1 s.\n\n" + table + "\n"
    )
    found = re.search(r"## Action path \(bench/actions.py\)\n.*?(?=\n## |\Z)", text_, re.S)
    text_ = (
        (text_[: found.start()] + section + text_[found.end() :])
        if found
        else (text_.rstrip() + "\n\n" + section)
    )
    path.write_text(text_, encoding="utf-8")


if __name__ == "__main__":
    main()
