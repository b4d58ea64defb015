"""What if (backtest): replay the recorded cases through a proposed policy and through the one in
force, and report the alerts that would appear or vanish. Reads only; writes nothing.

The cases are those received (submitted) in the period, default all; the period's dates are
legal (Beijing) dates, both included. Each case's history is replayed up to the horizon: the
end of the period, or now (`supervisor/policy/replay.py` says how, and what it approximates).
An alert is a cause (rule id | case id [| cause field value]); a difference is a cause one
policy opens and the other does not, counted by rule, level, department and item, with up to
EXAMPLES tracking numbers per rule. Case facts only: catalogue disclosure checks, complaints and
ratings are not case histories and are not replayed.

The session is read-only (SQLite `query_only`, PostgreSQL `READ ONLY` transaction), rolled
back at the end, and nothing is ever added to it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.catalogue.forms import FORMS_DIR
from approval_core.db import make_engine, make_session_factory, read_only
from approval_core.errors import ConfigError, InvalidInput, NotFound
from approval_core.inputs import FIRST_YEAR, LAST_YEAR, year_in_range
from approval_core.timeutil import start_of_legal_day
from supervisor.policy.replay import CaseHistory, Judging, case_pages, replay_case, timeline
from supervisor.policy.value import MAX_BYTES, Policy, build_policy, load_policy, read_files
from supervisor.policy.versions import in_force_version, load_version

READ_ONLY_NOTE = "只读：未写入任何告警、通知或记录 / read-only: nothing was written"
EXAMPLES = 5
PARALLEL_FROM = 20_000  # fewer cases are replayed in the calling process
HEAD_START = 0.03  # the share of the cases this process takes beyond its equal part
_SPAWN = multiprocessing.get_context("spawn")  # workers inherit no locks or connections


@dataclass(frozen=True)
class Change:
    """One alert that one policy opens and the other does not."""

    cause: str
    rule_id: str
    level: str
    case_id: str
    tracking_no: str
    department: str
    item: str


@dataclass(frozen=True)
class Side:
    """One of the two policies: its version, where it came from, the alerts it opens."""

    version: str
    source: str
    alerts: int


@dataclass
class BacktestReport:
    current: Side
    proposed: Side
    start: date | None
    end: date | None
    horizon: datetime
    cases: int
    appear: list[Change] = field(default_factory=list)  # opened by the proposed policy only
    vanish: list[Change] = field(default_factory=list)  # opened by the one in force only
    capped: int = 0  # cases whose replay stopped after MAX_SWEEPS threshold moments
    seconds: float = 0.0
    workers: int = 1  # processes that replayed

    def as_dict(self) -> dict[str, Any]:
        return {
            "read_only": True,
            "note": READ_ONLY_NOTE,
            "current": vars(self.current),
            "proposed": vars(self.proposed),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "horizon": self.horizon.isoformat(),
            "cases": self.cases,
            "appear": summarize(self.appear),
            "vanish": summarize(self.vanish),
            "capped_cases": self.capped,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
        }


def summarize(changes: Sequence[Change]) -> dict[str, Any]:
    """Counts by rule (with level and example tracking numbers), level, department and item."""
    by_rule: dict[str, dict[str, Any]] = {}
    for change in sorted(changes, key=lambda c: (c.rule_id, c.tracking_no, c.cause)):
        entry = by_rule.setdefault(
            change.rule_id, {"level": change.level, "count": 0, "examples": []}
        )
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES and change.tracking_no not in entry["examples"]:
            entry["examples"].append(change.tracking_no)

    def count(name: str) -> dict[str, int]:
        return dict(sorted(Counter(getattr(c, name) for c in changes).items()))

    return {
        "total": len(changes),
        "by_rule": by_rule,
        "by_level": count("level"),
        "by_department": count("department"),
        "by_item": count("item"),
    }


@contextmanager
def read_only_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction cannot write, rolled back at the end."""
    with sessions() as session:
        read_only(session)  # first: on SQLite a plain BEGIN, no write lock
        connection = session.connection()
        dialect = connection.dialect.name
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only = ON")
        elif dialect == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a backtest session must never hold changes")
        finally:
            if dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA query_only = OFF")
            session.rollback()


def policy_in_force(session: Session, rules_dir: Path | None) -> tuple[Policy, str]:
    """The policy in force (stored in the database), or the files of `rules_dir` when the
    database has none yet; evaluated in plain Python (no engine registration)."""
    version = in_force_version(session)
    if version is not None:
        return load_version(session, version, "python"), "数据库中生效的版本 / in force (database)"
    if rules_dir is None:
        raise NotFound(
            "no policy in force in the database and no rules folder",
            detail_zh="数据库中没有生效的规则版本，也没有规则目录",
        )
    where = str(rules_dir)
    source = f"{where} 中的文件（数据库中尚无生效版本）/ files in {where} (none stored yet)"
    return load_policy(rules_dir, "python"), source


def proposed_policy(files: Mapping[str, str] | None, rules_dir: Path) -> tuple[Policy, str]:
    """The proposed policy: `files` (every file of it, path -> text), else the files of
    `rules_dir` as they are now; a faulty one is `InvalidInput` listing every problem."""
    try:
        if files is None:
            where = str(rules_dir)
            return load_policy(rules_dir, "python"), f"{where} 中的文件 / files in {where}"
        data = {path: text.encode() for path, text in files.items()}
        data = {**_forms_of(rules_dir), **data}
        if sum(map(len, data.values())) > MAX_BYTES:
            raise ConfigError([f"规则文件超过 {MAX_BYTES} 字节 / files over {MAX_BYTES} bytes"])
        return build_policy(data, "python", "rules_files"), "请求中的文件 / files of the request"
    except ConfigError as exc:
        problems = "\n".join(exc.problems)
        raise InvalidInput(problems, detail_zh=problems, field="rules_files") from None


def _forms_of(rules_dir: Path) -> dict[str, bytes]:
    """The blank forms of the rules folder (rules/forms/, binary files that the request's text
    cannot carry; they do not change a verdict): a proposal that sends none keeps these."""
    if not rules_dir.is_dir():
        return {}
    return {p: d for p, d in read_files(rules_dir).items() if p.startswith(f"{FORMS_DIR}/")}


def parse_period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """ISO dates (either may be None); `InvalidInput` names the field at fault."""
    found: list[date | None] = []
    for name, text in (("from", start), ("to", end)):
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            raise InvalidInput(
                f"{name} must be a date (YYYY-MM-DD): {text}",
                detail_zh=f"{name} 须为日期（YYYY-MM-DD）：{text}",
                field=name,
            ) from None
        if day is not None and not year_in_range(day.year):
            raise InvalidInput(
                f"{name}: the year must be between {FIRST_YEAR} and {LAST_YEAR}",
                detail_zh=f"{name} 的年份须在 {FIRST_YEAR}–{LAST_YEAR} 之间",
                field=name,
            )
        found.append(day)
    first, last = found
    if first and last and first > last:
        raise InvalidInput("from is after to", detail_zh="起始日期晚于截止日期", field="from")
    return first, last


def window(
    start: date | None, end: date | None, now: datetime
) -> tuple[datetime | None, datetime | None, datetime]:
    """(first moment, moment after the last, horizon) of a period of legal dates."""
    first = start_of_legal_day(start) if start else None
    after = start_of_legal_day(end + timedelta(days=1)) if end else None
    horizon = min(now, after - datetime.resolution) if after else now
    return first, after, horizon


@dataclass
class _Tally:
    """What some of the cases give."""

    appear: list[Change] = field(default_factory=list)  # opened by the proposed policy only
    vanish: list[Change] = field(default_factory=list)  # opened by the one in force only
    totals: Counter[str] = field(default_factory=Counter)  # alerts of each, capped replays
    cases: int = 0

    def add(self, other: _Tally) -> None:
        self.appear += other.appear
        self.vanish += other.vanish
        self.totals.update(other.totals)
        self.cases += other.cases


@dataclass(frozen=True)
class _Span:
    """The cases received in [first, after) with an id in (ids[0], ids[1]], replayed up to
    the horizon."""

    first: datetime | None
    after: datetime | None
    horizon: datetime
    ids: tuple[str, str | None] = ("", None)


def compare(session: Session, current: Judging, proposed: Judging, span: _Span) -> _Tally:
    """Replay the span's cases through both policies; the causes one opens and not the other."""
    tally = _Tally()
    for histories in case_pages(session, span.first, span.after, span.ids):
        tally.cases += len(histories)
        for history in histories:
            old, new = replay_case((current, proposed), timeline(history), span.horizon)
            tally.totals.update(current=len(old.causes), proposed=len(new.causes))
            tally.totals["capped"] += old.capped or new.capped
            for cause in new.causes.keys() - old.causes.keys():
                tally.appear.append(_change(history, proposed, cause, new.causes[cause]))
            for cause in old.causes.keys() - new.causes.keys():
                tally.vanish.append(_change(history, current, cause, old.causes[cause]))
    return tally


def _change(history: CaseHistory, judging: Judging, cause: str, rule_id: str) -> Change:
    level = judging.rules[rule_id].level
    where = (history.id, history.tracking_no, history.department_code, history.item_code)
    return Change(cause, rule_id, level, *where)


def backtest(
    session: Session,
    current: tuple[Policy, str],
    proposed: tuple[Policy, str],
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    workers: int = 1,
) -> BacktestReport:
    """Replay the cases received from `start` to `end` through both policies (each with its
    source, for the report) and report the difference. `session` only reads (see
    `read_only_session`); both policies should be built in "python" mode. With `workers` > 1
    and at least PARALLEL_FROM cases, the cases are split by id between this process and
    `workers` - 1 worker processes, each reading its share in its own read-only transaction
    (each sees the database as it was when it began)."""
    started = time.perf_counter()
    first, after, horizon = window(start, end, now)
    spans = [_Span(first, after, horizon, ids) for ids in _split(session, first, after, workers)]
    old, new = Judging(current[0]), Judging(proposed[0])
    if len(spans) > 1:
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
        files = dict(current[0].files), dict(proposed[0].files)
        jobs = [_Job(url, *files, span) for span in spans[1:]]
        with ProcessPoolExecutor(len(jobs), mp_context=_SPAWN) as pool:
            parts = [pool.submit(_run_job, job) for job in jobs]
            tally = compare(session, old, new, spans[0])  # the first span here, meanwhile
            for part in parts:
                tally.add(part.result())
    else:
        tally = compare(session, old, new, spans[0])
    return BacktestReport(
        current=Side(current[0].version, current[1], tally.totals["current"]),
        proposed=Side(proposed[0].version, proposed[1], tally.totals["proposed"]),
        start=start,
        end=end,
        horizon=horizon,
        cases=tally.cases,
        appear=tally.appear,
        vanish=tally.vanish,
        capped=tally.totals["capped"],
        seconds=time.perf_counter() - started,
        workers=len(spans),
    )


def _split(
    session: Session, first: datetime | None, after: datetime | None, parts: int
) -> list[tuple[str, str | None]]:
    """Case id bounds that cut the period's cases into `parts` runs of about equal size."""
    if parts < 2:
        return [("", None)]
    where = [Case.submitted_at >= first] if first is not None else []
    where += [Case.submitted_at < after] if after is not None else []
    run = session.connection().execute
    count = run(select(func.count()).select_from(Case).where(*where)).scalar_one()
    if count < max(PARALLEL_FROM, parts):
        return [("", None)]
    ids = select(Case.id).where(*where).order_by(Case.id).limit(1)
    # A worker starts a few seconds late (a new interpreter, both policies built again), so
    # this process, which starts at once, takes a slightly larger first run.
    head = 1 / parts + HEAD_START
    cuts = [head + (1 - head) * (i - 1) / (parts - 1) for i in range(1, parts)]
    bounds = [run(ids.offset(max(0, int(count * cut) - 1))).scalar_one() for cut in cuts]
    return list(zip(["", *bounds], [*bounds, None], strict=True))


@dataclass(frozen=True)
class _Job:
    url: str
    current: dict[str, bytes]  # the policies' files: the same bytes give the same version
    proposed: dict[str, bytes]
    span: _Span


def _run_job(job: _Job) -> _Tally:
    """In a worker process: one span of cases, in its own read-only transaction."""
    engine = make_engine(job.url)
    try:
        old = Judging(build_policy(job.current, "python"))
        new = Judging(build_policy(job.proposed, "python"))
        with read_only_session(make_session_factory(engine)) as session:
            return compare(session, old, new, job.span)
    finally:
        engine.dispose()


def report_lines(report: BacktestReport) -> list[str]:
    """The report for people: Chinese first, English after."""
    data = report.as_dict()
    period = f"{data['from'] or '…'} – {data['to'] or '…'}"
    lines = [
        READ_ONLY_NOTE,
        f"生效规则 / in force: {report.current.version} ({report.current.source})",
        f"拟议规则 / proposed: {report.proposed.version} ({report.proposed.source})",
        f"期间（收件日期）/ period (received): {period}；重放至 / replayed up to {data['horizon']}",
        f"案件 {report.cases} 件；告警 生效 {report.current.alerts} 条，拟议 "
        f"{report.proposed.alerts} 条 / cases {report.cases}; alerts in force "
        f"{report.current.alerts}, proposed {report.proposed.alerts}",
    ]
    for key, zh, en in (("appear", "新增", "would appear"), ("vanish", "消失", "would vanish")):
        part = data[key]
        lines += ["", f"{zh}的告警 / alerts that {en}: {part['total']}"]
        for rule_id, entry in part["by_rule"].items():
            examples = ", ".join(entry["examples"])
            lines.append(f"  {rule_id} [{entry['level']}] {entry['count']}  例 / e.g. {examples}")
        for name, zh_name in (("level", "级别"), ("department", "部门"), ("item", "事项")):
            counts = part[f"by_{name}"]
            if counts:
                shown = ", ".join(f"{k} {v}" for k, v in counts.items())
                lines.append(f"  按{zh_name} / by {name}: {shown}")
    if report.capped:
        lines += [
            "",
            f"{report.capped} 件案件的时限检查达到上限后停止 / cases capped: {report.capped}",
        ]
    return lines
