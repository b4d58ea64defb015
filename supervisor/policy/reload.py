"""Putting a policy in force: the one way in (API, CLI, file watcher, start-up).

`reload_policy` reads every file of the rules folder, builds the policy (all or nothing), runs
the rule tests of its `tests/` folder (a failure refuses it unless forced with a reason), and in
one transaction stores the version with its files, records who put it in force and what
changed, recomputes the open cases' clocks and schedules every open case to be judged again.
Only after that commit does the process swap its reference. A refused policy changes nothing:
the one in force stays, and the refusal is reported (answer, log, metric, system alert).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from approval_core.errors import ConfigError
from approval_core.system.service import raise_alert, recompute_clocks, resolve_alert
from supervisor.engine import EngineError
from supervisor.policy.diff import diff_policies, summary_lines
from supervisor.policy.value import Policy, build_policy, read_files, write_files
from supervisor.policy.versions import (
    activate,
    in_force_version,
    is_stored,
    load_version,
    store_version,
)
from supervisor.runtime import Supervisor
from supervisor.sweep import reschedule_open_cases
from supervisor.verdicts import Mode

log = logging.getLogger("sunlight.policy")
REFUSED_CAUSE = "policy-refused"


@dataclass
class ReloadReport:
    """The answer to a reload: in force or refused, and why; what changed."""

    ok: bool
    version: str  # in force after the reload
    previous: str
    proposed: str | None = None  # the version of the files read (None: they could not be read)
    changed: bool = False
    problems: list[str] = field(default_factory=list)  # why it was refused
    test_failures: list[str] = field(default_factory=list)
    forced: bool = False
    reason: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    clocks: dict[str, Any] = field(default_factory=dict)
    rescheduled: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rule_test_failures(policy: Policy) -> list[str]:
    """The rule tests shipped in the policy's tests/ folder, run against it; [] when all pass
    (or there are none)."""
    from supervisor.policy.ruletests import run_rule_tests

    if not any(path.startswith("tests/") for path in policy.files):
        return []
    with tempfile.TemporaryDirectory(prefix="sunlight-reload-tests-") as workdir:
        folder = Path(workdir)
        write_files(policy.files, folder)
        report = run_rule_tests(folder, folder / "tests")
    failures = list(report.problems)
    for result in report.results:
        if not result.passed:
            failures.append(f"{result.where} {result.name}")
            failures += [f"  {line}" for line in result.failures]
    return [line.replace(f"{folder}/", "rules/") for line in failures]


def propose(rules_dir: Path, mode: Mode) -> Policy:
    """The policy of the files in `rules_dir` now; ConfigError / EngineError when refused."""
    return build_policy(read_files(rules_dir), mode, str(rules_dir))


def reload_policy(
    sessions: sessionmaker[Session],
    sup: Supervisor,
    record_key: str,
    now: datetime,
    *,
    by: str,
    rules_dir: Path | None = None,
    force_reason: str | None = None,
    run_tests: bool = True,
) -> ReloadReport:
    """Read, check, test, store and put in force the files of `rules_dir` (default: the
    supervisor's folder). Never raises for a bad policy: the report says it was refused."""
    folder = rules_dir or sup.rules_dir
    old = sup.policy
    report = ReloadReport(ok=False, version=old.version, previous=old.version)
    if folder is None:
        report.problems = ["没有规则目录 / no rules folder configured"]
        return _refused(sessions, sup, report, now)
    try:
        new = propose(folder, old.verdicts.mode)
    except ConfigError as exc:
        report.problems = list(exc.problems)
        return _refused(sessions, sup, report, now)
    except EngineError as exc:
        report.problems = [f"规则引擎拒绝 / the rules engine refused: {exc}"]
        return _refused(sessions, sup, report, now)
    report.proposed = new.version
    if run_tests and new.version != old.version:
        report.test_failures = rule_test_failures(new)
        if report.test_failures and not force_reason:
            report.problems = ["规则测试未通过 / the rule tests failed", *report.test_failures]
            new.close()
            return _refused(sessions, sup, report, now)
    report.forced = bool(report.test_failures)
    report.reason = force_reason
    return put_in_force(sessions, sup, new, record_key, now, by=by, report=report)


def put_in_force(
    sessions: sessionmaker[Session],
    sup: Supervisor,
    new: Policy,
    record_key: str,
    now: datetime,
    *,
    by: str,
    report: ReloadReport | None = None,
) -> ReloadReport:
    """Store `new`, record its activation, move the open clocks, then swap the reference."""
    old = sup.policy
    report = report or ReloadReport(ok=False, version=old.version, previous=old.version)
    report.proposed = new.version
    with sessions() as session, session.begin():
        current = in_force_version(session)
        if new.version == old.version and current == new.version:
            report.ok = True
            report.summary = ["无变化 / no change"]
            resolve_alert(session, REFUSED_CAUSE, now)
            return report
        report.changes = diff_policies(old, new)
        report.summary = summary_lines(report.changes)
        store_version(session, new, by, now, tests_passed=not report.test_failures)
        activate(
            session,
            new.version,
            by=by,
            now=now,
            forced=report.forced,
            reason=report.reason,
            changes=_brief(report.changes),
        )
        report.clocks = recompute_clocks(session, new.deps(record_key, lambda: now))
        report.rescheduled = reschedule_open_cases(session, now)
        resolve_alert(session, REFUSED_CAUSE, now)
    sup.install(new, now)
    report.ok, report.changed, report.version = True, new.version != old.version, new.version
    log.info("policy %s in force (was %s) by %s", new.version, old.version, by)
    return report


def _brief(changes: dict[str, Any]) -> dict[str, Any]:
    """What the activation row keeps of the difference (names, not whole files)."""
    return {k: v for k, v in changes.items() if k not in ("from", "to")}


def _refused(
    sessions: sessionmaker[Session], sup: Supervisor, report: ReloadReport, now: datetime
) -> ReloadReport:
    status = sup.refused(tuple(report.problems), now)
    log.error("policy refused, keeping %s: %s", status.version, report.problems[:20])
    with sessions() as session, session.begin():
        raise_alert(
            session,
            cause=REFUSED_CAUSE,
            kind="policy_refused",
            zh=f"规则文件有误，未生效；仍使用版本 {status.version}：{report.problems[0]}",
            en=f"The rule files were refused; version {status.version} stays in force: "
            f"{report.problems[0]}",
            details={"problems": report.problems[:50], "in_force": status.version},
            now=now,
        )
    return report


@dataclass
class StartReport:
    """How the process got its policy at start."""

    version: str
    source: str  # "files" or "database"
    problems: list[str] = field(default_factory=list)


def start_policy(
    sessions: sessionmaker[Session],
    rules_dir: Path,
    mode: Mode,
    now: datetime,
) -> tuple[Supervisor, StartReport]:
    """The supervisor of a starting process. The files in `rules_dir` are put in force when
    they are a valid policy (and pass their tests, when they are a version never accepted
    before); otherwise the last version in force in the database is used, the refusal is
    reported, and the service runs. Only a database that never had a valid policy refuses
    to start (ConfigError with every problem)."""
    problems: list[str] = []
    proposed: Policy | None = None
    try:
        proposed = propose(rules_dir, mode)
    except (ConfigError, EngineError) as exc:
        problems = list(exc.problems) if isinstance(exc, ConfigError) else [str(exc)]
    with sessions() as session:
        current = in_force_version(session)
        known = proposed is not None and is_stored(session, proposed.version)
    if proposed is not None and not known and current is not None:
        failures = rule_test_failures(proposed)
        if failures:
            problems = ["规则测试未通过 / the rule tests failed", *failures]
            proposed.close()
            proposed = None
    if proposed is not None:
        sup = Supervisor(proposed, rules_dir)
        if current != proposed.version:
            with sessions() as session, session.begin():
                store_version(session, proposed, "start", now)
                activate(session, proposed.version, by="start", now=now, reason="服务启动 / start")
        return sup, StartReport(proposed.version, "files")
    if current is None:
        raise ConfigError(problems)
    with sessions() as session:
        policy = load_version(session, current, mode)
    sup = Supervisor(policy, rules_dir)
    report = ReloadReport(ok=False, version=current, previous=current, problems=problems)
    _refused(sessions, sup, report, now)
    return sup, StartReport(current, "database", problems)


def follow_database(sessions: sessionmaker[Session], sup: Supervisor, now: datetime) -> str | None:
    """Another process put a version in force: load it from the database and swap (no
    recompute: that process did it). Returns the new version, or None when nothing changed."""
    with sessions() as session:
        current = in_force_version(session)
        if current is None or current == sup.policy.version:
            return None
        policy = load_version(session, current, sup.mode)
    sup.install(policy, now)
    return current
