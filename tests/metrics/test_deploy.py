"""The deploy/ files checked by the real tools, and a real scrape checked by promtool."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import ServiceState
from tests.conftest import REPO
from tests.metrics.support import sample_names, scrape, tool

DEPLOY = REPO / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "sunlight.json"
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset"}
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")


def run(*args: str | Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], input=stdin, capture_output=True, text=True, timeout=60
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panel_exprs() -> list[tuple[str, str]]:
    """(panel title, expr) of every query of every panel."""
    return [
        (panel["title"], target["expr"])
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
    ]


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads (functions, keywords and labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)  # matchers, ranges
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", text):  # not 5m's m
        after = text[match.end() :].lstrip()
        if not after.startswith("(") and match.group() not in PROMQL_WORDS:
            names.add(match.group())
    return names


def test_metric_names_are_read_out_of_expressions() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{x="y"}[5m])))'
        " / on (job) group_left (version) b and bool c offset 5m"
    )
    assert metric_names(expr) == {"a_bucket", "b", "c"}


def test_rules_are_valid_and_their_unit_tests_pass() -> None:
    promtool = tool("promtool")
    folder = DEPLOY / "prometheus"
    assert "SUCCESS: 6 rules found" in run(promtool, "check", "rules", folder / "alerts.yml")
    assert "SUCCESS" in run(promtool, "test", "rules", folder / "alerts.test.yml")
    assert "SUCCESS" in run(promtool, "check", "config", folder / "prometheus.yml")


def test_every_alert_rule_has_unit_tests() -> None:
    rules = (DEPLOY / "prometheus/alerts.yml").read_text(encoding="utf-8")
    tests = (DEPLOY / "prometheus/alerts.test.yml").read_text(encoding="utf-8")
    names = re.findall(r"^\s*- alert: (\w+)", rules, re.MULTILINE)
    assert len(names) == 6
    for name in names:
        # each alert is tested firing (a non-empty exp_alerts) and silent (exp_alerts: [])
        blocks = re.findall(rf"alertname: {name}\n\s*exp_alerts:( \[\])?", tests)
        assert "" in blocks, f"{name} never tested firing"
        assert " []" in blocks, f"{name} never tested silent"


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (
            ["alertname=SunlightRedCardsHigh", "department=LAWYER-DIV", "severity=critical"],
            "supervision-office,lawyer-division",
        ),
        (
            ["alertname=SunlightRedCardsHigh", "department=PLS-DIV", "severity=critical"],
            "supervision-office,public-legal-services",
        ),
        (["alertname=SunlightSweepStale", "severity=critical"], "ops-pager"),
        (["alertname=SunlightRulesReloadFailed", "severity=warning"], "ops-default"),
    ],
)
def test_alertmanager_example_is_valid_and_routes(labels: list[str], receivers: str) -> None:
    amtool = tool("amtool")
    config = DEPLOY / "alertmanager/alertmanager.yml"
    assert "SUCCESS" in run(amtool, "check-config", config)
    routed = run(amtool, "config", "routes", "test", f"--config.file={config}", *labels)
    assert routed.splitlines()[0].strip() == receivers


def test_a_real_scrape_passes_promtool_check_metrics(
    client: TestClient, demo: ServiceState
) -> None:
    promtool = tool("promtool")
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "sunlight_open_cases{" in response.text
    run(promtool, "check", "metrics", stdin=response.text)
    assert demo.settings.metrics_db


def test_the_dashboard_is_provisionable() -> None:
    board = dashboard()
    assert board["uid"] == "sunlight-watch"
    assert board["schemaVersion"] >= 39
    assert "__inputs" not in board
    assert "__requires" not in board
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert panel["targets"], panel["title"]
    titles = " ".join(p["title"] for p in panels)
    for subject in ("department", "Overdue", "expire", "Anomalies", "On-time", "Notifications"):
        assert subject.lower() in titles.lower(), subject
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert "办结与评价 Conclusions and ratings" in rows
    exprs = " ".join(expr for _, expr in panel_exprs())
    for counter in ("sunlight_cases_concluded_total", "sunlight_ratings_total"):
        assert counter in exprs, counter
    provisioning = DEPLOY / "grafana/provisioning"
    assert "type: prometheus" in (provisioning / "datasources/prometheus.yaml").read_text()
    assert "type: file" in (provisioning / "dashboards/sunlight.yaml").read_text()


def test_every_panel_query_names_only_exported_metrics(
    service: ServiceState, demo: ServiceState
) -> None:
    client = TestClient(create_app(service))
    scrape(client)  # the HTTP series exist once a request was answered
    exported = sample_names(scrape(client))
    used: set[str] = set()
    for title, expr in panel_exprs():
        names = metric_names(expr)
        assert names, (title, expr)
        assert names <= exported, (title, names - exported)
        used |= names
    variable = dashboard()["templating"]["list"][1]["definition"]
    assert re.sub(r"label_values\((\w+),.*", r"\1", variable) in exported
    assert len(used) >= 15
    assert demo.supervisor is service.supervisor
