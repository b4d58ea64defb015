"""Every kind of rule file takes effect by reload and only by reload: fees, the calendar, the
clock settings, notification routes and the supervision ladder. Each edit is saved first and
shown to change nothing (answers, alerts, notifications), then reloaded and shown to change
what it should, with the reload answer naming the change. A broken file refuses the whole
policy: nothing of it takes effect, the version in force stays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.system.models import SystemAlert
from supervisor.policy.reload import reload_policy
from supervisor.runtime import Supervisor
from tests.conftest import KEY, FrozenClock, People
from tests.supervisor.policy.support import RulesDir
from tests.support import act, bj, item_in, settle, submit

# A free item of the first department (LAWYER-DIV) that no shipped rule test uses, so making it
# chargeable is accepted without forcing.
FEE_ITEM = "LAWFIRM-ESTABLISH"
FEE_ENTRY = f"  - item: {FEE_ITEM}  # 律师事务所设立许可\n    free: true\n"
CHARGEABLE = f"""  - item: {FEE_ITEM}  # 律师事务所设立许可
    free: false
    charges:
      - code: CERT_FEE
        name_zh: 执业许可证书工本费
        name_en: Licence certificate fee
        amount_yuan: 10
        basis:
          - statute: 测试用收费依据
            statute_en: A fee basis for this test
            article: 第一条
            article_en: Art. 1
"""
HOLIDAY = date(2026, 3, 10)  # a Tuesday, a working day in the statutory calendar
FORCE = "测试：新规定已施行，规则测试随后更新"

Own = tuple[TestClient, ServiceState]


@pytest.fixture
def own(service: ServiceState, rules_copy: RulesDir) -> Own:
    """The service judging with the policy of a writable copy of rules/ (which it reloads)."""
    sup = Supervisor.from_dir(rules_copy.dir, mode="python")
    state = ServiceState(service.settings, service.engine, service.sessions, sup, service.now)
    return TestClient(create_app(state)), state


def _accepted(state: ServiceState, people: People, clock: FrozenClock, item: str) -> str:
    """A case of `item` filed, registered and accepted now through the real services, with the
    policy in force, and judged as the service judges after a commit."""
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(state.sessions, state.core, clerk, item, clock())
    act(state.sessions, state.core, clerk, case_id, "register", clock())
    act(state.sessions, state.core, clerk, case_id, "accept", clock())
    state.judge.settle()
    return case_id


def _reload(client: TestClient, people: People, *, forced: bool) -> dict[str, Any]:
    """POST /api/v1/policy/reload as policy staff; `forced`: the shipped rule tests refuse this
    edit, so it needs (and records) a reason."""
    body = {"force_reason": FORCE} if forced else {}
    answer = client.post("/api/v1/policy/reload", headers=people.auth("policy"), json=body)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    assert report["ok"] is True, report
    assert report["changed"] is True
    assert report["version"] == report["proposed"] != report["previous"]
    assert report["forced"] is forced, report["test_failures"]
    assert bool(report["test_failures"]) is forced
    return report


def _clock(client: TestClient, people: People, case_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/cases/{case_id}", headers=people.auth("head"))
    assert answer.status_code == 200, answer.text
    clock: dict[str, Any] = answer.json()["clock"]
    return clock


def _alerts(client: TestClient, people: People, case_id: str) -> dict[str, dict[str, Any]]:
    """The case's alerts by rule."""
    rows = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    assert rows.status_code == 200, rows.text
    return {a["rule_id"]: a for a in rows.json()}


def _charge(
    client: TestClient, people: People, clock: FrozenClock, case_id: str, amount: str
) -> None:
    clock.advance(minutes=1)
    body = {"action": "charge_fee", "amount": amount, "fee_code": "CERT_FEE"}
    answer = client.post(
        f"/api/v1/cases/{case_id}/actions", json=body, headers=people.auth("clerk")
    )
    assert answer.status_code == 200, answer.text
    settle(client)


def _sweep(client: TestClient, people: People, as_of: datetime) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/supervision/sweep",
        params={"as_of": as_of.isoformat()},
        headers=people.auth("admin"),
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _inbox_alerts(client: TestClient, people: People, who: str) -> set[int]:
    answer = client.get("/api/v1/inbox", headers=people.auth(who))
    assert answer.status_code == 200, answer.text
    return {m["alert_id"] for m in answer.json() if m["alert_id"] is not None}


def test_fees_a_free_item_made_chargeable(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    assert state.core.catalogue.get(FEE_ITEM).department == people.department
    old = state.supervisor.policy.version
    first = _accepted(state, people, clock, FEE_ITEM)
    rules_copy.replace("fees.yaml", FEE_ENTRY, CHARGEABLE)

    # Saved, not reloaded: the item is still free, in the catalogue and to the supervisor.
    fee = client.get(f"/api/v1/items/{FEE_ITEM}").json()["fee"]
    assert (fee["free"], fee["charges"]) == (True, [])
    _charge(client, people, clock, first, "10")
    charged = _alerts(client, people, first)
    assert set(charged) == {"FEE-FREE-ITEM-CHARGED"}
    assert charged["FEE-FREE-ITEM-CHARGED"]["ruleset_version"] == old
    assert state.supervisor.policy.version == old

    report = _reload(client, people, forced=False)
    assert report["changes"]["files"]["changed"] == ["fees.yaml"]
    assert list(report["changes"]["items"]["changed"]) == [FEE_ITEM]
    change = report["changes"]["items"]["changed"][FEE_ITEM]
    assert list(change) == ["fee"]
    assert (change["fee"]["from"]["free"], change["fee"]["to"]["free"]) == (True, False)
    assert [(c["code"], c["amount_yuan"]) for c in change["fee"]["to"]["charges"]] == [
        ("CERT_FEE", "10")
    ]
    assert any(line.startswith("事项：") and FEE_ITEM in line for line in report["summary"])

    fee = client.get(f"/api/v1/items/{FEE_ITEM}").json()["fee"]
    assert fee["free"] is False
    assert [(c["code"], c["amount_yuan"]) for c in fee["charges"]] == [("CERT_FEE", "10")]
    # The same charge on another case is now lawful; the new standard is the one judged by.
    second = _accepted(state, people, clock, FEE_ITEM)
    _charge(client, people, clock, second, "10")
    assert not [rule for rule in _alerts(client, people, second) if rule.startswith("FEE-")]
    _charge(client, people, clock, second, "15")
    above = _alerts(client, people, second)
    assert set(above) == {"FEE-ABOVE-STANDARD"}
    assert above["FEE-ABOVE-STANDARD"]["ruleset_version"] == report["version"]
    assert "收费 15.00 元，超过收费标准 10.00 元" in above["FEE-ABOVE-STANDARD"]["message_zh"]


def test_calendar_a_working_day_made_a_holiday_moves_the_due_date(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    old = state.supervisor.policy.version
    case_id = _accepted(state, people, clock, item_in(state.core, people.department))
    before = _clock(client, people, case_id)
    assert before["started_on"] < HOLIDAY.isoformat() < before["due_date"]
    assert state.core.calendar.is_workday(HOLIDAY)
    rules_copy.replace(
        "calendar.yaml",
        "overrides: []",
        f"overrides:\n  - date: {HOLIDAY}\n    kind: holiday\n    reason: 测试：临时放假一天\n",
    )

    assert _clock(client, people, case_id) == before  # saved, not reloaded
    assert state.supervisor.policy.version == old

    # The shipped history tests count days across 10 March: they fail, so it is forced.
    report = _reload(client, people, forced=True)
    assert report["changes"]["calendar"] == {
        "added": [HOLIDAY.isoformat()],
        "removed": [],
        "changed": {},
    }
    assert report["changes"]["files"]["changed"] == ["calendar.yaml"]
    assert report["clocks"]["recomputed"] >= 1
    assert report["clocks"]["changed"] >= 1
    assert report["clocks"]["policy_version"] == report["version"]

    calendar = state.core.calendar
    assert not calendar.is_workday(HOLIDAY)
    after = _clock(client, people, case_id)
    old_due = date.fromisoformat(before["due_date"])
    assert after["due_date"] == calendar.add_workdays(old_due, 1).isoformat()
    assert after["due_date"] > before["due_date"]
    assert after["calendar_version"] != before["calendar_version"]
    with state.sessions() as session:  # the stored clock moved in the reload itself
        case = session.get(Case, case_id)
        assert case is not None
        assert case.clock_due_date == date.fromisoformat(after["due_date"])
        assert case.policy_version == report["version"]


def test_clock_settings_a_cutoff_makes_the_due_date_end_earlier(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    old = state.supervisor.policy.version
    case_id = _accepted(state, people, clock, item_in(state.core, people.department))
    due = date.fromisoformat(_clock(client, people, case_id)["due_date"])
    rules_copy.replace("timeliness.yaml", "cutoff: null", 'cutoff: "17:30"')

    # Saved, not reloaded: at 18:00 on the due date the case is still in time (24:00 cut-off).
    clock.set(bj(due.year, due.month, due.day, 18))
    before = _clock(client, people, case_id)
    assert (before["remaining"], before["overdue"]) == (0, 0)
    next_day = due + timedelta(days=1)
    assert datetime.fromisoformat(before["overdue_at"]) == bj(
        next_day.year, next_day.month, next_day.day, 0
    )
    assert _sweep(client, people, clock())["judged"] >= 1
    assert "TIME-YELLOW" not in _alerts(client, people, case_id)
    assert state.supervisor.policy.version == old

    # The shipped history tests expect overdue days counted with a 24:00 cut-off: forced.
    report = _reload(client, people, forced=True)
    assert report["changes"]["clock"] == {"cutoff": {"from": None, "to": "17:30:00"}}
    assert report["changes"]["files"]["changed"] == ["timeliness.yaml"]
    assert "计时设置 / clock settings: cutoff" in report["summary"]
    assert report["clocks"]["changed"] >= 1

    after = _clock(client, people, case_id)
    assert (after["due_date"], after["remaining"], after["overdue"]) == (due.isoformat(), -1, 1)
    assert datetime.fromisoformat(after["overdue_at"]) == bj(due.year, due.month, due.day, 17, 30)
    _sweep(client, people, clock())  # (the recomputed clock's fact, judged first, is enough)
    yellow = _alerts(client, people, case_id)["TIME-YELLOW"]
    assert (yellow["status"], yellow["ruleset_version"]) == ("open", report["version"])


def test_notifications_a_new_route_tells_someone_not_told_before(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    old = state.supervisor.policy.version
    first = _accepted(state, people, clock, item_in(state.core, people.department))
    group = "    roles: [supervisor]\n"
    rules_copy.replace("notifications.yaml", group, group + "  管理员:\n    roles: [admin]\n")
    rules_copy.replace(
        "notifications.yaml",
        "digest:\n",
        "  - name: 收费异常另告管理员\n"
        "    when: {rules: [FEE-FREE-ITEM-CHARGED]}\n"
        "    to: [group:管理员]\n\n"
        "digest:\n",
    )

    # Saved, not reloaded: the fee anomaly reaches the people it concerns, not the admin.
    _charge(client, people, clock, first, "10")
    told = _alerts(client, people, first)["FEE-FREE-ITEM-CHARGED"]["id"]
    assert told in _inbox_alerts(client, people, "head")
    assert told in _inbox_alerts(client, people, "supervisor")
    assert _inbox_alerts(client, people, "admin") == set()
    assert state.supervisor.policy.version == old

    report = _reload(client, people, forced=False)
    assert report["changes"]["routes"] == {
        "added": ["收费异常另告管理员"],
        "removed": [],
        "changed": {},
    }
    assert report["changes"]["files"]["changed"] == ["notifications.yaml"]
    assert _inbox_alerts(client, people, "admin") == set()  # nothing is told again by a reload

    second = _accepted(state, people, clock, item_in(state.core, people.department))
    _charge(client, people, clock, second, "10")
    new = _alerts(client, people, second)["FEE-FREE-ITEM-CHARGED"]
    assert new["ruleset_version"] == report["version"]
    assert _inbox_alerts(client, people, "admin") == {new["id"]}
    assert {told, new["id"]} <= _inbox_alerts(client, people, "head")


def test_supervision_ladder_warning_days_by_the_sweep(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    old = state.supervisor.policy.version
    case_id = _accepted(state, people, clock, item_in(state.core, people.department))
    rules_copy.replace("timeliness.yaml", "warning_days: 3", "warning_days: 10")

    # Saved, not reloaded: 8 working days left is no warning, neither when the case is judged
    # after an action nor by the sweep.
    clock.set(bj(2026, 4, 1, 12))
    assert _clock(client, people, case_id)["remaining"] == 8
    handler = people.actors["handler"].user_id
    assign = {"action": "assign", "assignee": handler}
    answer = client.post(
        f"/api/v1/cases/{case_id}/actions", json=assign, headers=people.auth("clerk")
    )
    assert answer.status_code == 200, answer.text
    _sweep(client, people, clock())
    assert "TIME-WARNING" not in _alerts(client, people, case_id)
    assert state.supervisor.policy.version == old

    # The shipped tests say "4 days left: no warning": forced.
    report = _reload(client, people, forced=True)
    changed = report["changes"]["rules"]["changed"]
    assert list(changed) == ["TIME-WARNING"]
    condition = changed["TIME-WARNING"]["condition"]
    assert "op='lte', value=3" in condition["from"]
    assert "op='lte', value=10" in condition["to"]
    assert changed["TIME-WARNING"]["params.warning_days"] == {"from": 3, "to": 10}
    assert report["rescheduled"] >= 1

    _sweep(client, people, clock())  # (the recomputed clock's fact, judged first, is enough)
    warning = _alerts(client, people, case_id)["TIME-WARNING"]
    assert (warning["status"], warning["ruleset_version"]) == ("open", report["version"])
    assert "剩余 8 个工作日" in warning["message_zh"]
    assert warning["responsible_user_id"] == handler


def test_a_broken_file_refuses_the_whole_policy(
    own: Own, rules_copy: RulesDir, people: People, clock: FrozenClock
) -> None:
    client, state = own
    old = state.supervisor.policy.version
    case_id = _accepted(state, people, clock, item_in(state.core, people.department))
    before = _clock(client, people, case_id)
    # A valid calendar edit and, in another file, a full-width colon.
    rules_copy.replace(
        "calendar.yaml",
        "overrides: []",
        f"overrides:\n  - date: {HOLIDAY}\n    kind: holiday\n    reason: 测试：临时放假一天\n",
    )
    rules_copy.replace("fees.yaml", "free: true", "free： true", after=FEE_ENTRY.split("#")[0])
    broken = f"{rules_copy.dir.parent}/{rules_copy.line('fees.yaml', 'free： true')}:"

    report = reload_policy(
        state.sessions, state.supervisor, KEY, clock(), by="测试", force_reason=FORCE
    )
    assert report.ok is False
    assert any(problem.startswith(broken) for problem in report.problems), report.problems
    assert (report.version, report.previous, report.proposed) == (old, old, None)
    assert (report.changed, report.changes, report.clocks) == (False, {}, {})
    assert state.supervisor.policy.version == old
    assert state.supervisor.status.ok is False
    # Nothing of it took effect, not even the valid calendar edit.
    assert _clock(client, people, case_id) == before
    assert client.get("/api/v1/policy/versions", headers=people.auth("policy")).json() == []
    status = client.get("/api/v1/policy", headers=people.auth("admin")).json()
    assert (status["version"], status["database_in_force"]) == (old, None)
    assert status["last_reload_ok"] is False
    with state.sessions() as session:
        alert = session.scalars(
            select(SystemAlert).where(SystemAlert.cause == "policy-refused")
        ).one()
        assert (alert.resolved_at, alert.details["in_force"]) == (None, old)

    # Fixed: the whole policy goes in force, and the refusal is resolved.
    rules_copy.replace("fees.yaml", "free： true", "free: true")
    fixed = reload_policy(
        state.sessions, state.supervisor, KEY, clock(), by="测试", force_reason=FORCE
    )
    assert fixed.ok is True, fixed.problems
    assert fixed.changes["calendar"]["added"] == [HOLIDAY.isoformat()]
    assert _clock(client, people, case_id)["due_date"] > before["due_date"]
    with state.sessions() as session:
        alert = session.scalars(
            select(SystemAlert).where(SystemAlert.cause == "policy-refused")
        ).one()
        assert alert.resolved_at is not None
