"""`sunlight rules explain`: the fact, each rule with the reasons it fires or not, and the clock
day by day, for a case driven through the real services."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from api.cli_rules import rules
from approval_core.context import CoreDeps
from approval_core.db import transaction
from supervisor.policy.explain import explain_case
from supervisor.policy.value import load_policy
from supervisor.policy.versions import activate, store_version
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.sweep import sweep
from tests.conftest import RULES, FrozenClock, People
from tests.support import act, bj, submit

ITEM = "LAWYER-PRACTICE"  # 30 working days, no extension; handle step 20


def _case(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> str:
    """Accepted Mon 2 March; yellow card on 15 April; an expert review stops the clock on 16."""

    def at(moment: datetime, who: str, action: str, **fields: object) -> None:
        clock.set(moment)
        act(sessions, core, people.actors[who], case_id, action, moment, **fields)
        with transaction(sessions) as session:
            process_pending(session, core, supervisor)

    clock.set(bj(2026, 3, 2, 9))
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], ITEM, bj(2026, 3, 2, 9))
    at(bj(2026, 3, 2, 9, 10), "clerk", "register")
    at(bj(2026, 3, 2, 9, 20), "clerk", "accept")
    at(bj(2026, 3, 2, 9, 30), "clerk", "assign", assignee=people.actors["handler"].user_id)
    clock.set(bj(2026, 4, 15, 9))
    sweep(sessions, core, supervisor, clock())
    at(bj(2026, 4, 16, 10), "handler", "stop", stop_type="expert_review", expected_days=10)
    return case_id


def test_explain_shows_why_the_warning_fires_and_the_days(
    runner: CliRunner,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    case_id = _case(sessions, core, people, clock, supervisor)
    result = runner.invoke(rules, ["explain", case_id, "--as-of", "2026-04-09T12:00"])
    assert result.exit_code == 0, result.output
    policy_line, *lines = result.stdout.splitlines()
    # no policy stored in the database yet: the files of rules/ are used, and said so
    assert policy_line.startswith(f"规则版本 {supervisor.policy.version}（数据库中尚无生效版本")
    assert "按记录重放至该时刻" in lines[1]  # before the stop: rebuilt from the records
    assert "  remaining = 3" in lines
    warning = lines.index(
        "✓ TIME-WARNING [warning] 触发 / fires: 办理时限即将届满 / Time limit about to run out "
        f"({next(r.source for r in supervisor.ruleset.rules if r.id == 'TIME-WARNING')})"
    )
    assert lines[warning + 1 : warning + 5] == [
        "    全部成立 / all of ✓",
        "      running (true) = true ✓",
        "      remaining (3) <= 3 ✓",
        "      remaining (3) >= 0 ✓",
    ]
    assert lines[warning + 5].startswith("    → 事项「律师执业许可」的案件剩余 3 个工作日到期")
    yellow = next(i for i, line in enumerate(lines) if line.startswith("✗ TIME-YELLOW"))
    assert lines[yellow + 2] == "      overdue (0) >= 1 ✗"
    days = {line[:10]: line for line in lines if line[:4] == "2026"}
    assert "0  起算日，不计 / start day, not counted" in days["2026-03-02"]
    assert "收件 / received" in days["2026-03-02"]
    assert "周末 / weekend" in days["2026-03-07"]
    assert "节假日 / holiday" in days["2026-04-06"]
    assert days["2026-04-09"].endswith("27  计入 / counted  ← 查看时刻 / as of")
    assert days["2026-04-14"].endswith("30  预计计入 / projected  ← 到期日 / due date")
    assert "2026-04-15" not in days


def test_explain_shows_the_red_card_of_an_unanswered_yellow(
    runner: CliRunner,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    case_id = _case(sessions, core, people, clock, supervisor)
    result = runner.invoke(rules, ["explain", case_id, "--as-of", "2026-04-21T12:00+08:00"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]  # after the policy line
    assert "按案件当前数据" in lines[1]
    assert "  yellow_unanswered_days = 4" in lines
    red = next(i for i, line in enumerate(lines) if line.startswith("✓ TIME-RED [red]"))
    assert lines[red + 1 : red + 4] == [
        "    任一成立 / any of ✓",
        "      overdue (2) >= 5 ✗",
        "      yellow_unanswered_days (4) > 3 ✓",
    ]
    assert any(line.startswith("✗ TIME-WARNING") for line in lines)
    days = {line[:10]: line for line in lines if line[:4] == "2026"}
    assert "中止开始 / a stop begins" in days["2026-04-16"]
    assert "32  计入 / counted" in days["2026-04-16"]  # the clock ran at 00:00 on the 16th
    assert days["2026-04-17"].endswith(
        "32  中止，不计 / excluded by a stop [expert_review：中止 / stop]"
    )
    assert days["2026-04-21"].endswith(
        "32  中止，不计 / excluded by a stop [expert_review：中止 / stop]  ← 查看时刻 / as of"
    )


def test_the_day_by_day_total_is_the_clock_elapsed(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    case_id = _case(sessions, core, people, clock, supervisor)
    moment = bj(2026, 3, 2, 12)
    with sessions() as session:
        while moment < bj(2026, 5, 10):
            found = explain_case(session, core, supervisor.ruleset, case_id, moment)
            (today,) = [d for d in found.days if "as_of" in d.marks]
            assert today.total == found.clock.elapsed, moment
            assert found.fact["elapsed"] == found.clock.elapsed
            matched = [r.rule_id for r in found.matched]
            assert matched == supervisor.evaluate(found.fact)
            moment += timedelta(days=3)


def test_explain_of_an_unknown_case_fails(
    runner: CliRunner, sessions: sessionmaker[Session]
) -> None:
    del sessions  # requested for the schema of the test database
    result = runner.invoke(rules, ["explain", "no-such-case"])
    assert result.exit_code == 1
    assert "案件 no-such-case 不存在 / no case no-such-case" in result.stderr
    bad = runner.invoke(rules, ["explain", "x", "--as-of", "yesterday"])
    assert bad.exit_code == 2
    assert "须为 ISO 时刻" in bad.output


def test_a_past_verdict_is_reproduced_with_its_version(
    runner: CliRunner,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
    tmp_path: Path,
) -> None:
    """The warning was raised under the version then in force; a later version warns later.
    `--version` explains with the one that made the verdict, the default with the one in force."""
    case_id = _case(sessions, core, people, clock, supervisor)
    rules_copy = tmp_path / "rules"
    shutil.copytree(RULES, rules_copy)
    path = rules_copy / "timeliness.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("warning_days: 3", "warning_days: 2", 1),
        encoding="utf-8",
    )
    first, later = supervisor.policy, load_policy(rules_copy, "python")
    with transaction(sessions) as session:
        for policy in (first, later):
            store_version(session, policy, "test", clock())
            activate(session, policy.version, by="test", now=clock())
    moment = "2026-04-09T12:00"  # 3 working days left
    now = runner.invoke(rules, ["explain", case_id, "--as-of", moment])
    then = runner.invoke(rules, ["explain", case_id, "--as-of", moment, "--version", first.version])
    assert (now.exit_code, then.exit_code) == (0, 0), now.output + then.output
    assert now.stdout.startswith(f"规则版本 {later.version}（生效中）")
    assert then.stdout.startswith(f"规则版本 {first.version}（数据库中保存的版本）")
    assert "✗ TIME-WARNING [warning]" in now.stdout
    assert "✓ TIME-WARNING [warning]" in then.stdout
