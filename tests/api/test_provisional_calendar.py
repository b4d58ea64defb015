"""A deadline running into a year nobody has entered: provisional, alerted, then recomputed."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.system.service import list_alerts, recompute_clocks
from supervisor.policy.value import load_policy
from tests.conftest import KEY, RULES, FrozenClock, People
from tests.support import act, bj, submit

ENTERED_2027 = """
years:
  2027:
    source: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
    holidays:
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - {name: 春节, from: 2027-02-05, to: 2027-02-13}
    workdays:
      - 2027-02-14
overrides: []
"""


def test_provisional_deadline_alerts_then_recomputes(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
    tmp_path: Path,
) -> None:
    a = people.actors
    clock.set(bj(2026, 12, 15, 12))
    case_id, _, _ = submit(sessions, core, a["clerk"], "LAWYER-PRACTICE", bj(2026, 12, 14, 9))
    act(sessions, core, a["clerk"], case_id, "register", bj(2026, 12, 14, 10))
    act(sessions, core, a["clerk"], case_id, "accept", bj(2026, 12, 15, 9))
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.clock_provisional is True
        first_version = case.calendar_version
        first_due = case.clock_due_date
        alerts = list_alerts(session)
    assert [x["cause"] for x in alerts] == ["calendar-year-missing:2027"]
    assert alerts[0]["resolved_at"] is None
    status = client.get("/api/v1/system/calendar", headers=people.auth("admin")).json()
    assert status["years"]["2027"] == "provisional"
    assert status["provisional_open_cases"] == 1

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "calendar.yaml").write_text(ENTERED_2027, encoding="utf-8")
    entered = load_policy(rules, "python").deps(KEY, clock)
    with sessions() as session, session.begin():
        summary = recompute_clocks(session, entered)
    assert summary["changed"] == 1  # the provisional mark went
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        alerts = list_alerts(session)
    assert case.clock_provisional is False
    assert case.calendar_version != first_version
    assert case.calendar_version == entered.calendar.version
    # Accepted Tue 2026-12-15 with 30 working days: 12 in December (16-18, 21-25, 28-31), then
    # January 2027 with 元旦 Jan 1 off: 4-8 (17), 11-15 (22), 18-22 (27), 25, 26, 27 => 30 on 01-27.
    assert case.clock_due_date is not None
    assert case.clock_due_date.isoformat() == "2027-01-27"
    assert first_due is not None
    assert alerts[0]["resolved_at"] is not None
