"""The process's own metrics: facts, evaluations, alerts opened, sweeps, rules, HTTP routes."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.deps import ServiceState
from api.routers.metrics import serve_metrics
from approval_core.outbox.models import Fact
from supervisor.alerts.models import Alert
from supervisor.engine import EngineError
from supervisor.metrics.process import CHANNELS
from supervisor.runtime import Supervisor
from tests.conftest import RULES, FrozenClock, People
from tests.metrics.support import free_port, scrape, series, value
from tests.support import mandatory_materials, settle

ITEM = "LAWYER-PRACTICE"


def _incomplete_case(client: TestClient, people: People, own: ServiceState) -> str:
    """Filed without all materials, registered and accepted: an anomaly (受理材料不全)."""
    body = {
        "item": ITEM,
        "applicant": {"name": "王五", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(own.core, ITEM)[:1],
    }
    response = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    case_id = str(response.json()["id"])
    for action in ("register", "accept"):
        response = client.post(
            f"/api/v1/cases/{case_id}/actions",
            json={"action": action},
            headers=people.auth("clerk"),
        )
        assert response.status_code == 200, response.text
    settle(client)
    return case_id


def test_facts_evaluations_and_alerts_opened_are_counted(
    own_client: TestClient, own_service: ServiceState, people: People
) -> None:
    before = scrape(own_client)
    assert value(before, "sunlight_facts_processed_total") == 0
    assert series(before, "sunlight_alerts_opened_total", "level") == {
        (level,): 0 for level in ("warning", "yellow", "red", "anomaly")
    }
    _incomplete_case(own_client, people, own_service)
    text = scrape(own_client)
    with own_service.sessions() as session:
        facts = session.scalar(select(func.count()).select_from(Fact))
        levels = dict(
            session.execute(select(Alert.level, func.count()).group_by(Alert.level)).all()
        )
    assert facts == 3  # submitted, registered, accepted
    assert levels == {"anomaly": 1}
    assert value(text, "sunlight_facts_processed_total") == 3
    assert value(text, "sunlight_alerts_opened_total", level="anomaly") == 1
    assert value(text, "sunlight_alerts_opened_total", level="red") == 0
    assert value(text, "sunlight_rule_evaluation_seconds_count") == 3
    assert value(text, "sunlight_rule_evaluation_seconds_bucket", le="+Inf") == 3


def test_a_sweep_records_its_duration_and_success_time(
    own_client: TestClient, people: People, clock: FrozenClock
) -> None:
    assert value(scrape(own_client), "sunlight_sweep_last_success_timestamp_seconds") == 0
    response = own_client.post("/api/v1/supervision/sweep", headers=people.auth("admin"))
    assert response.status_code == 200, response.text
    text = scrape(own_client)
    assert value(text, "sunlight_sweep_duration_seconds_count") == 1
    stamp = value(text, "sunlight_sweep_last_success_timestamp_seconds")
    assert stamp == clock().timestamp()


def test_notification_counters_are_declared_for_every_channel(own_client: TestClient) -> None:
    text = scrape(own_client)
    for name in ("sunlight_notifications_sent_total", "sunlight_notifications_failed_total"):
        assert series(text, name, "channel") == {(c,): 0 for c in CHANNELS}


def test_http_requests_are_counted_by_route_template(
    own_client: TestClient, own_service: ServiceState, people: People
) -> None:
    first = _incomplete_case(own_client, people, own_service)
    second = _incomplete_case(own_client, people, own_service)
    for case_id in (first, second):
        response = own_client.get(f"/api/v1/cases/{case_id}", headers=people.auth("head"))
        assert response.status_code == 200
    own_client.get("/api/v1/cases/no-such-case", headers=people.auth("head"))
    own_client.get(f"/nowhere/{first}")
    text = scrape(own_client)
    requests = series(text, "sunlight_http_requests_total", "route", "method", "status")
    assert requests[("/api/v1/cases/{case_id}", "GET", "200")] == 2
    assert requests[("/api/v1/cases/{case_id}", "GET", "404")] == 1
    assert requests[("/api/v1/cases/{case_id}/actions", "POST", "200")] == 4
    assert requests[("/api/v1/cases", "POST", "201")] == 2
    assert requests[("unmatched", "GET", "404")] == 1
    assert not [route for route, _, _ in requests if first in route or second in route]
    durations = series(text, "sunlight_http_request_duration_seconds_count", "route")
    assert durations[("/api/v1/cases/{case_id}",)] == 3


def test_two_apps_keep_their_own_http_counters(service: ServiceState) -> None:
    one, two = TestClient(create_app(service)), TestClient(create_app(service))
    one.get("/healthz")
    one.get("/healthz")
    two.get("/healthz")
    count = "sunlight_http_requests_total"
    assert value(scrape(one), count, route="/healthz", method="GET", status="200") == 2
    assert value(scrape(two), count, route="/healthz", method="GET", status="200") == 1


def test_a_refused_reload_and_engine_errors_show(
    service: ServiceState,
    people: People,
    tmp_path: Path,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    sup = Supervisor.from_dir(rules, mode="durable")
    own = ServiceState(service.settings, service.engine, service.sessions, sup, service.now)
    client = TestClient(create_app(own))
    text = scrape(client)
    assert series(text, "sunlight_rules_info", "version") == {(sup.ruleset.version,): 1}
    assert value(text, "sunlight_rules_last_reload_success") == 1
    assert value(text, "sunlight_engine_errors_total") == 0
    (rules / "procedure.yaml").write_text("rules: [oops\n", encoding="utf-8")
    response = client.post("/api/v1/supervision/rules/reload", headers=people.auth("admin"))
    assert response.json()["ok"] is False
    engine = sup.policy.verdicts.engine
    assert engine is not None

    def failing(_fact: object) -> list[str]:
        raise EngineError("simulated failure in durable-rules", "evaluate")

    monkeypatch.setattr(engine, "evaluate", failing)
    with pytest.raises(EngineError):
        sup.evaluate({"subject": "case", "item": "X"})
    text = scrape(client)
    assert value(text, "sunlight_rules_last_reload_success") == 0
    assert value(text, "sunlight_rules_last_reload_timestamp_seconds") == clock().timestamp()
    assert series(text, "sunlight_rules_info", "version") == {(sup.ruleset.version,): 1}
    assert value(text, "sunlight_engine_errors_total") == 1


def test_the_worker_serves_its_own_metrics(own_service: ServiceState) -> None:
    port = free_port()
    stop = serve_metrics(own_service, "127.0.0.1", port)
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        stop()
    assert value(text, "sunlight_facts_processed_total") == 0
    assert value(text, "sunlight_metrics_db_up") == 1
    assert "sunlight_open_cases{" in text
    assert "sunlight_http_requests_total" not in text  # no API in the worker
