"""Reloading rules is all or nothing: a broken file is refused with its line, the rules in force
keep working, and a good change takes effect with its new version on the alerts it raises."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import ServiceState
from approval_core.context import CoreDeps
from supervisor.policy.versions import history
from supervisor.runtime import Supervisor
from tests.conftest import RULES, FrozenClock, People
from tests.support import bj, mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


@pytest.fixture
def own_client(service: ServiceState, rules_copy: Path) -> tuple[TestClient, Supervisor]:
    sup = Supervisor.from_dir(rules_copy, mode="dual")
    own = ServiceState(service.settings, service.engine, service.sessions, sup, service.now)
    return TestClient(create_app(own)), sup


def _incomplete_acceptance(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> list[dict[str, Any]]:
    body = {
        "item": ITEM,
        "applicant": {"name": "王五", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, ITEM)[:1],
    }
    case_id = client.post("/api/v1/cases", json=body, headers=people.auth("applicant")).json()["id"]
    for action in ("register", "accept"):
        clock.advance(minutes=1)
        response = client.post(
            f"/api/v1/cases/{case_id}/actions",
            json={"action": action},
            headers=people.auth("clerk"),
        )
        assert response.status_code == 200
    settle(client)
    alerts = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    return list(alerts.json())


def test_a_broken_file_is_refused_and_the_old_rules_keep_working(
    own_client: tuple[TestClient, Supervisor],
    rules_copy: Path,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
) -> None:
    client, sup = own_client
    clock.set(bj(2026, 3, 2, 9))
    version = sup.ruleset.version
    path = rules_copy / "procedure.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace(
        "{field: missing_materials_count, gt: 0}", "{field: missing_material_count, gt: 0}", 1
    )
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    line = broken[: broken.index("missing_material_count")].count("\n") + 1
    response = client.post("/api/v1/supervision/rules/reload", headers=people.auth("admin"))
    body = response.json()
    assert body["ok"] is False
    assert body["version"] == version
    assert any(
        p.startswith(f"rules/procedure.yaml:{line}:") or f"procedure.yaml:{line}:" in p
        for p in body["problems"]
    ), body["problems"]
    assert any("missing_materials_count" in p for p in body["problems"])  # did you mean
    status = client.get("/api/v1/supervision/rules", headers=people.auth("supervisor")).json()
    assert (status["last_reload_ok"], status["reload_failures"]) == (False, 1)
    alerts = _incomplete_acceptance(client, people, core, clock)
    assert [(a["rule_id"], a["ruleset_version"]) for a in alerts] == [
        ("PROC-ACCEPT-INCOMPLETE", version)
    ]


def test_a_good_change_takes_effect(
    own_client: tuple[TestClient, Supervisor],
    rules_copy: Path,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
) -> None:
    client, sup = own_client
    clock.set(bj(2026, 3, 2, 9))
    version = sup.ruleset.version
    path = rules_copy / "procedure.yaml"
    text = path.read_text(encoding="utf-8")
    # Policy staff decide that an incomplete acceptance is no longer an anomaly by itself.
    path.write_text(
        text.replace(
            "{field: missing_materials_count, gt: 0}", "{field: missing_materials_count, gt: 10}", 1
        ),
        encoding="utf-8",
    )
    response = client.post("/api/v1/supervision/rules/reload", headers=people.auth("policy"))
    # The shipped rule tests still expect the anomaly: the reload refuses, naming the test.
    answer = response.json()
    assert (answer["ok"], sup.ruleset.version) == (False, version)
    assert "rules/tests/procedure.yaml:15 手续不全即受理为异常，材料齐全则不报" in "\n".join(
        answer["problems"]
    )
    reason = {"force_reason": "新政策：缺件超过十项才报异常，测试随后更新"}
    response = client.post(
        "/api/v1/supervision/rules/reload", headers=people.auth("policy"), json=reason
    )
    answer = response.json()
    assert (answer["ok"], answer["forced"], answer["reason"]) == (
        True,
        True,
        reason["force_reason"],
    )
    assert sup.ruleset.version != version
    assert answer["changes"]["rules"]["changed"].keys() == {"PROC-ACCEPT-INCOMPLETE"}
    assert _incomplete_acceptance(client, people, core, clock) == []
    refused = client.post("/api/v1/supervision/rules/reload", headers=people.auth("handler"))
    assert refused.status_code == 403


def test_the_watcher_reloads_a_changed_file(service: ServiceState, rules_copy: Path) -> None:
    from supervisor.scheduler import Jobs

    sup = Supervisor.from_dir(rules_copy, mode="python")
    jobs = Jobs(service.sessions, service.core, sup)
    assert jobs.watch_rules() is False  # first look: notes the files
    version = sup.ruleset.version
    path = rules_copy / "timeliness.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "# 已复核 / reviewed\n", encoding="utf-8")  # tests still pass
    assert jobs.watch_rules() is True
    changed = sup.ruleset.version
    assert changed != version
    with service.sessions() as session:
        assert [h["by"] for h in history(session)] == ["file-watcher"]
    # A change the shipped rule tests catch (warnings from 4 days left) is refused, as is a
    # broken file: the good change stays in force.
    path.write_text(text.replace("warning_days: 3", "warning_days: 4", 1), encoding="utf-8")
    assert jobs.watch_rules() is False
    assert (sup.status.ok, sup.ruleset.version) == (False, changed)
    path.write_text(text.replace("warning_days: 3", "warning_days: many", 1), encoding="utf-8")
    assert jobs.watch_rules() is False
    assert (sup.status.ok, sup.ruleset.version) == (False, changed)
