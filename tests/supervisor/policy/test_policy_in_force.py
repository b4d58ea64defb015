"""The policy in force: edits take effect by reload and only by reload (clocks of open cases
moved in the same step), every version is kept with its files, a broken file at start keeps
the service on the last good version, and a database that never had a policy refuses."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.app import build_state, create_app
from api.deps import ServiceState
from approval_core.context import CoreDeps
from approval_core.errors import ConfigError
from approval_core.settings import Settings
from approval_core.system.models import SystemAlert
from supervisor.policy.diff import diff_policies, summary_lines
from supervisor.policy.value import load_policy
from supervisor.runtime import Supervisor
from tests.conftest import KEY, RULES, FrozenClock, People
from tests.support import act, item_in, submit


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _set_limit(rules: Path, item: str, days: int) -> int:
    """Set the statutory limit of `item` in items.yaml; returns the old one."""
    path = rules / "items.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"code: {item}\n")
    found = re.compile(r"\n    limit: (\d+)").search(text, start)
    assert found is not None
    path.write_text(text[: found.start(1)] + str(days) + text[found.end(1) :], encoding="utf-8")
    return int(found.group(1))


@pytest.fixture
def own(service: ServiceState, rules_copy: Path) -> tuple[TestClient, ServiceState]:
    sup = Supervisor.from_dir(rules_copy, mode="python")
    state = ServiceState(service.settings, service.engine, service.sessions, sup, service.now)
    return TestClient(create_app(state)), state


def test_an_items_edit_takes_effect_by_reload_only_and_moves_the_clocks(
    own: tuple[TestClient, ServiceState],
    rules_copy: Path,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    client, state = own
    item = item_in(core, people.department)
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    act(sessions, core, people.actors["clerk"], case_id, "register", clock())
    act(sessions, core, people.actors["clerk"], case_id, "accept", clock())
    auth = people.auth("head")
    before = client.get(f"/api/v1/cases/{case_id}", headers=auth).json()["clock"]
    old_limit = _set_limit(rules_copy, item, 45)
    # Saved, not reloaded: nothing changes.
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth).json()["clock"] == before
    assert client.get(f"/api/v1/items/{item}").json()["time_limits"]["statutory"] == old_limit

    reason = {"force_reason": "测试：延长时限"}
    answer = client.post("/api/v1/policy/reload", headers=people.auth("policy"), json=reason)
    report = answer.json()
    assert report["ok"] is True, report
    assert report["changes"]["items"]["changed"][item]["time_limits.statutory"] == {
        "from": old_limit,
        "to": 45,
    }
    assert report["clocks"]["changed"] >= 1
    after = client.get(f"/api/v1/cases/{case_id}", headers=auth).json()["clock"]
    assert (after["limit"], before["limit"]) == (45, old_limit)
    assert after["due_date"] > before["due_date"]
    assert client.get(f"/api/v1/items/{item}").json()["time_limits"]["statutory"] == 45

    versions = client.get("/api/v1/policy/versions", headers=people.auth("supervisor")).json()
    assert (versions[0]["version"], versions[0]["in_force"]) == (report["version"], True)
    assert versions[0]["by"].startswith("policy 测试")
    text = client.get(
        "/api/v1/policy/diff",
        params={"from": report["version"], "to": report["version"], "format": "text"},
        headers=people.auth("supervisor"),
    )
    assert (text.status_code, text.text) == (200, "")
    stored = client.get(
        f"/api/v1/policy/versions/{report['version']}/files/items.yaml",
        headers=people.auth("policy"),
    )
    assert stored.content == (rules_copy / "items.yaml").read_bytes()
    assert state.supervisor.policy.version == report["version"]


def _settings(db_url: str, rules: Path) -> Settings:
    return Settings(database_url=db_url, rules_dir=rules, secret_key=KEY, environment="test")


def test_a_broken_file_at_start_keeps_the_last_good_version(
    db_url: str,
    rules_copy: Path,
    sessions: sessionmaker[Session],
    people: People,
    clock: FrozenClock,
) -> None:
    first = build_state(_settings(db_url, rules_copy), now=clock)
    good = first.supervisor.policy.version
    first.engine.dispose()
    timeliness = rules_copy / "timeliness.yaml"
    timeliness.write_text(
        timeliness.read_text(encoding="utf-8").replace("warning_days: 3", "warning_days： 3", 1),
        encoding="utf-8",
    )
    state = build_state(_settings(db_url, rules_copy), now=clock)
    try:
        assert state.supervisor.policy.version == good
        assert state.supervisor.status.ok is False
        assert any("timeliness.yaml" in p for p in state.supervisor.status.problems)
        client = TestClient(create_app(state))
        assert client.get("/api/v1/items").status_code == 200  # the service answers
        with sessions() as session:
            alert = session.scalars(
                select(SystemAlert).where(SystemAlert.cause == "policy-refused")
            ).one()
        assert alert.resolved_at is None
        assert good in alert.message_en
        status = client.get("/api/v1/policy", headers=people.auth("admin")).json()
        assert (status["version"], status["last_reload_ok"]) == (good, False)
    finally:
        state.engine.dispose()


@pytest.mark.usefixtures("sessions")  # an empty database
def test_a_database_that_never_had_a_policy_refuses_to_start(
    db_url: str, rules_copy: Path, clock: FrozenClock
) -> None:
    (rules_copy / "fees.yaml").write_text("fees: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        build_state(_settings(db_url, rules_copy), now=clock)
    assert any(p.startswith(f"{rules_copy}/fees.yaml:") for p in refused.value.problems)


def test_the_difference_names_notification_settings(rules_copy: Path) -> None:
    before = load_policy(rules_copy, "python")
    path = rules_copy / "notifications.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('at: "08:30"', 'at: "09:00"', 1),
        encoding="utf-8",
    )
    changes = diff_policies(before, load_policy(rules_copy, "python"))
    digest = changes["routing"]["digest"]
    assert (digest["from"]["at"], digest["to"]["at"]) == ("08:30", "09:00")
    assert changes["files"]["changed"] == ["notifications.yaml"]
    assert "通知设置 / notification settings: digest" in summary_lines(changes)
