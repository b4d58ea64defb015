"""What if (backtest): a known history of cases driven through the real services, replayed
through the policy in force and through a copy of rules/ whose warning starts at 5 working days
left instead of 3. Exactly the case that reached 4 days (and never 3) warns in addition; nothing
vanishes; an unchanged policy changes nothing; and nothing at all is written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.cli_rules import rules
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.db import transaction
from supervisor.alerts.models import Alert
from supervisor.policy import backtest as backtest_module
from supervisor.policy.backtest import (
    READ_ONLY_NOTE,
    BacktestReport,
    backtest,
    read_only_session,
    report_lines,
)
from supervisor.policy.replay import Judging, case_pages, replay_case, timeline
from supervisor.policy.value import Policy, load_policy
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.sweep import sweep
from tests.conftest import RULES, FrozenClock, People
from tests.supervisor.policy.support import RulesDir
from tests.support import act, bj, submit

WATCHED = ("alerts", "alert_events", "facts", "inbox_messages", "deliveries", "cases")
END = bj(2026, 4, 22, 12)  # now, when the backtest runs
LADDER = "warning_days: 3"


class History:
    """Four cases accepted Mon 2 March 2026 (day 1 is 3 March; Qingming 4-6 April):

    - four: LAWYER-PRACTICE (30 days), concluded 8 April (day 26: 4 left, never 3);
    - four_other: APPRAISER-PRACTICE (20 days, another department), concluded 24 March
      (day 16: 4 left, never 3);
    - three: LAWFIRM-ESTABLISH (30 days), concluded 10 April (day 28: it had 3 left on the 9th);
    - overdue: LAWYER-PRACTICE, never concluded: due 14 April, yellow 15, red 21.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        core: CoreDeps,
        people: People,
        clock: FrozenClock,
        supervisor: Supervisor,
    ) -> None:
        self.sessions, self.core, self.people = sessions, core, people
        self.clock, self.supervisor = clock, supervisor
        self.ids: dict[str, str] = {}
        self.tracking: dict[str, str] = {}

    def act(self, name: str, who: str, action: str, moment: datetime, **fields: Any) -> None:
        self.clock.set(moment)
        actor = self.people.actors[who]
        act(self.sessions, self.core, actor, self.ids[name], action, moment, **fields)
        with transaction(self.sessions) as session:
            process_pending(session, self.core, self.supervisor)

    def filed(self, name: str, item: str, team: tuple[str, str]) -> None:
        """Filed, registered, accepted and assigned on 2 March; handled on 10 March."""
        clerk, handler = team
        self.clock.set(bj(2026, 3, 2, 9))
        self.ids[name], self.tracking[name], _ = submit(
            self.sessions, self.core, self.people.actors[clerk], item, bj(2026, 3, 2, 9)
        )
        with transaction(self.sessions) as session:
            process_pending(session, self.core, self.supervisor)
        self.act(name, clerk, "register", bj(2026, 3, 2, 9, 10))
        self.act(name, clerk, "accept", bj(2026, 3, 2, 9, 20))
        assignee = self.people.actors[handler].user_id
        self.act(name, clerk, "assign", bj(2026, 3, 2, 9, 30), assignee=assignee)
        self.act(name, handler, "handle", bj(2026, 3, 10, 10))

    def concluded(self, name: str, day: datetime, reviewer: str, head: str) -> None:
        self.act(name, reviewer, "review", day - timedelta(hours=1))
        self.act(name, head, "conclude", day, decision="approved")

    def build(self) -> History:
        self.filed("four", "LAWYER-PRACTICE", ("clerk", "handler"))
        self.filed("four_other", "APPRAISER-PRACTICE", ("other_clerk", "other_handler"))
        self.filed("three", "LAWFIRM-ESTABLISH", ("clerk", "handler"))
        self.filed("overdue", "LAWYER-PRACTICE", ("clerk", "handler2"))
        ends = {
            bj(2026, 3, 24, 10): ("four_other", "admin", "admin"),
            bj(2026, 4, 8, 10): ("four", "reviewer", "head"),
            bj(2026, 4, 10, 10): ("three", "reviewer", "head"),
        }
        day = bj(2026, 3, 3, 8)
        while day <= END:  # the live system sweeps every morning, and the cases end meanwhile
            self.clock.set(day)
            sweep(self.sessions, self.core, self.supervisor, day)
            for moment, (name, reviewer, head) in ends.items():
                if moment.date() == day.date():
                    self.concluded(name, moment, reviewer, head)
            day += timedelta(days=1)
        self.clock.set(END)
        return self


@pytest.fixture
def history(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> History:
    return History(sessions, core, people, clock, supervisor).build()


@pytest.fixture
def warn_at_five(rules_copy: RulesDir) -> Path:
    """rules/ with the warning from 5 working days left (the ladder's warning_days)."""
    assert rules_copy.text("timeliness.yaml").count(LADDER) == 1
    rules_copy.replace("timeliness.yaml", LADDER, "warning_days: 5", after="ladder:")
    return rules_copy.dir


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the watched tables as the database driver returns it."""
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1")]
            for name in WATCHED
        }


def _run(sessions: sessionmaker[Session], current: Policy, proposed: Policy) -> BacktestReport:
    with read_only_session(sessions) as session:
        return backtest(session, (current, "in force"), (proposed, "proposed"), END)


def test_warning_from_five_days_warns_the_case_at_four_and_writes_nothing(
    engine: Engine,
    sessions: sessionmaker[Session],
    history: History,
    supervisor: Supervisor,
    warn_at_five: Path,
) -> None:
    before = _tables(engine)
    # every watched table has rows (deliveries: the SMS to the applicants, who gave a phone)
    assert [name for name in WATCHED if not before[name]] == []
    report = _run(sessions, supervisor.policy, load_policy(warn_at_five, "python"))
    assert _tables(engine) == before
    four, other = history.ids["four"], history.ids["four_other"]
    assert sorted(c.cause for c in report.appear) == sorted(
        [f"TIME-WARNING|{four}", f"TIME-WARNING|{other}"]
    )
    assert report.vanish == []
    data = report.as_dict()
    assert data["read_only"] is True
    assert data["note"] == READ_ONLY_NOTE
    assert data["cases"] == 4
    assert data["proposed"]["alerts"] == data["current"]["alerts"] + 2
    examples = sorted([history.tracking["four"], history.tracking["four_other"]])
    assert data["appear"] == {
        "total": 2,
        "by_rule": {"TIME-WARNING": {"level": "warning", "count": 2, "examples": examples}},
        "by_level": {"warning": 2},
        "by_department": {"LAWYER-DIV": 1, "PLS-DIV": 1},
        "by_item": {"APPRAISER-PRACTICE": 1, "LAWYER-PRACTICE": 1},
    }
    assert data["vanish"]["total"] == 0
    lines = report_lines(report)
    assert lines[0] == READ_ONLY_NOTE
    assert f"  TIME-WARNING [warning] 2  例 / e.g. {', '.join(examples)}" in lines


def test_the_unchanged_policy_changes_nothing(
    engine: Engine,
    sessions: sessionmaker[Session],
    history: History,
    supervisor: Supervisor,
    rules_copy: RulesDir,
) -> None:
    del history  # (the cases it recorded are replayed)
    before = _tables(engine)
    report = _run(sessions, supervisor.policy, load_policy(rules_copy.dir, "python"))
    assert (report.appear, report.vanish) == ([], [])
    assert report.current.alerts == report.proposed.alerts > 0
    assert _tables(engine) == before


def test_replaying_the_policy_in_force_finds_the_alerts_it_opened(
    sessions: sessionmaker[Session], history: History, supervisor: Supervisor
) -> None:
    """The replay judges where the live system judged: the same causes, case by case."""
    with read_only_session(sessions) as session:
        (page,) = list(case_pages(session, None, None))
        live = {a.cause for a in session.scalars(select(Alert))}
    judging = Judging(supervisor.policy)
    replayed: set[str] = set()
    for case in page:
        replayed |= set(replay_case([judging], timeline(case), END)[0].causes)
    assert replayed == live
    assert f"TIME-RED|{history.ids['overdue']}" in live
    assert f"TIME-WARNING|{history.ids['three']}" in live
    assert not any(c.startswith(f"TIME-WARNING|{history.ids['four']}") for c in live)


def test_a_period_selects_the_cases_received_in_it(
    sessions: sessionmaker[Session], history: History, supervisor: Supervisor, warn_at_five: Path
) -> None:
    del history
    proposed = load_policy(warn_at_five, "python")
    with read_only_session(sessions) as session:
        current, new = (supervisor.policy, "in force"), (proposed, "proposed")
        before = backtest(session, current, new, END, end=bj(2026, 3, 1).date())
        march = backtest(session, current, new, END, bj(2026, 3, 2).date(), bj(2026, 3, 31).date())
    assert (before.cases, before.appear) == (0, [])
    # Replayed up to 31 March: the case at 4 days on 8 April is not there yet.
    assert (march.cases, [c.item for c in march.appear]) == (4, ["APPRAISER-PRACTICE"])


def test_the_cli_prints_the_difference_as_json_and_text(
    runner: CliRunner, engine: Engine, history: History, warn_at_five: Path
) -> None:
    before = _tables(engine)
    args = ["backtest", "--rules", str(warn_at_five), "--to", "2026-04-22"]
    result = runner.invoke(rules, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["note"] == READ_ONLY_NOTE
    assert data["current"]["source"].endswith(f"files in {RULES} (none stored yet)")
    assert data["appear"]["by_rule"]["TIME-WARNING"]["examples"] == sorted(
        [history.tracking["four"], history.tracking["four_other"]]
    )
    assert data["vanish"]["total"] == 0
    text = runner.invoke(rules, args)
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[0] == READ_ONLY_NOTE
    assert "新增的告警 / alerts that would appear: 2" in text.stdout
    assert _tables(engine) == before
    bad = runner.invoke(
        rules,
        ["backtest", "--rules", str(warn_at_five), "--from", "2026-05-01", "--to", "2026-04-01"],
    )
    assert bad.exit_code == 2
    assert "--from is after --to" in bad.output


def test_the_api_backtests_files_sent_or_the_rules_folder(
    client: TestClient, engine: Engine, people: People, history: History, warn_at_five: Path
) -> None:
    before = _tables(engine)
    files = {
        path.relative_to(warn_at_five).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(warn_at_five.rglob("*.yaml"))
    }
    url = "/api/v1/policy/backtest"
    answer = client.post(url, json={"rules_files": files}, headers=people.auth("policy"))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["read_only"], data["note"]) == (True, READ_ONLY_NOTE)
    assert data["appear"]["by_department"] == {"LAWYER-DIV": 1, "PLS-DIV": 1}
    examples = sorted([history.tracking["four"], history.tracking["four_other"]])
    assert data["appear"]["by_rule"]["TIME-WARNING"]["examples"] == examples
    same = client.post(url, json={"to": "2026-04-22"}, headers=people.auth("supervisor"))
    assert same.status_code == 200, same.text
    assert (same.json()["appear"]["total"], same.json()["vanish"]["total"]) == (0, 0)
    period = client.post(url, json={"from": "2026-03-03"}, headers=people.auth("admin"))
    assert period.json()["cases"] == 0
    assert client.post(url, json={}, headers=people.auth("handler")).status_code == 403
    ladder = files["timeliness.yaml"]
    broken = {**files, "timeliness.yaml": ladder.replace("warning_days: 5", "warning_days: x")}
    assert broken != files
    refused = client.post(url, json={"rules_files": broken}, headers=people.auth("policy"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "rules_files"
    assert "rules_files/timeliness.yaml:" in refused.json()["detail"]
    reversed_period = client.post(
        url, json={"from": "2026-04-02", "to": "2026-04-01"}, headers=people.auth("policy")
    )
    assert reversed_period.status_code == 422
    assert _tables(engine) == before


def test_worker_processes_give_the_same_difference(
    monkeypatch: pytest.MonkeyPatch,
    sessions: sessionmaker[Session],
    history: History,
    supervisor: Supervisor,
    warn_at_five: Path,
) -> None:
    del history
    monkeypatch.setattr(backtest_module, "PARALLEL_FROM", 2)  # (4 cases: split them anyway)
    current, proposed = (
        (supervisor.policy, "in force"),
        (load_policy(warn_at_five, "python"), "proposed"),
    )
    with read_only_session(sessions) as session:
        here = backtest(session, current, proposed, END)
        split = backtest(session, current, proposed, END, workers=2)
    assert (here.workers, split.workers) == (1, 2)
    assert split.cases == here.cases == 4
    assert split.current.alerts == here.current.alerts
    assert split.proposed.alerts == here.proposed.alerts
    assert split.as_dict()["appear"] == here.as_dict()["appear"]
    assert split.vanish == here.vanish == []


def test_the_backtest_session_refuses_to_write(
    engine: Engine, sessions: sessionmaker[Session], history: History
) -> None:
    before = _tables(engine)
    with read_only_session(sessions) as session, pytest.raises(DBAPIError):
        session.connection().execute(update(Case).values(state="withdrawn"))
    assert _tables(engine) == before
    with sessions() as session, session.begin():  # the connection writes again afterwards
        session.execute(update(Case).where(Case.id == history.ids["four"]).values(step="review"))
    assert _tables(engine) != before
