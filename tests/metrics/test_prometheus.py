"""A real Prometheus scrapes the service (demo data) and answers every query of the dashboard.

The service runs under uvicorn on a free loopback port; Prometheus runs from the Debian package
with the shipped prometheus.yml (scrape interval 1 s, target and rule path rewritten) and the
shipped alert rules loaded.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from api.app import create_app
from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.cases.workflow import OPEN_STATES
from tests.metrics.support import free_port, serving, tool
from tests.metrics.test_deploy import DEPLOY, dashboard, panel_exprs

# What Grafana would put in for its variables: an interval of a few scrapes, all departments.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "5m",
    "$department": ".*",
}


def wait_for(what: str, check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(demo: ServiceState) -> Iterator[str]:
    """The app with the demo data, served by uvicorn on loopback; yields host:port."""
    port = free_port()
    with serving(create_app(demo), port):
        yield f"127.0.0.1:{port}"


def _config(target: str) -> dict[str, Any]:
    """The shipped prometheus.yml, pointed at `target`, scraping every second."""
    config: dict[str, Any] = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(DEPLOY / "prometheus" / name) for name in config["rule_files"]]
    config.pop("alerting")  # no Alertmanager here
    (job,) = config["scrape_configs"]
    job["static_configs"][0]["targets"] = [target]
    return config


@pytest.fixture
def prometheus(served: str, tmp_path: Path) -> Iterator[str]:
    """A real Prometheus scraping `served`; yields its base URL."""
    binary = tool("prometheus")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(_config(served)), encoding="utf-8")
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def _get(url: str, **params: str) -> Any:
    response = httpx.get(url, params=params, timeout=5)
    assert response.status_code == 200, (url, params, response.text)
    return response.json()


def query(base: str, expr: str) -> list[dict[str, Any]]:
    body = _get(f"{base}/api/v1/query", query=expr)
    assert body["status"] == "success", (expr, body)
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/-/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _target_up(base: str) -> bool:
    targets = _get(f"{base}/api/v1/targets")["data"]["activeTargets"]
    return len(targets) == 1 and targets[0]["health"] == "up"


def _scrapes(base: str) -> float:
    result = query(base, "count_over_time(up[1m])")
    return float(result[0]["value"][1]) if result else 0.0


def test_every_dashboard_query_returns_data(prometheus: str, demo: ServiceState) -> None:
    wait_for("Prometheus to be ready", lambda: _ready(prometheus))
    wait_for("the target to be up", lambda: _target_up(prometheus))
    wait_for("three scrapes (for rate())", lambda: _scrapes(prometheus) >= 3)
    empty = []
    for title, expr in panel_exprs():
        for variable, replacement in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, replacement)
        assert "$" not in expr, (title, expr)
        if not query(prometheus, expr):
            empty.append((title, expr))
    assert empty == []
    assert len(panel_exprs()) >= 25
    # the figures come through Prometheus unchanged
    with demo.sessions() as session:
        open_cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.state.in_(OPEN_STATES))
        )
    (result,) = query(prometheus, "sum(sunlight_open_cases)")
    assert float(result["value"][1]) == open_cases == 10
    variable = dashboard()["templating"]["list"][1]
    assert variable["definition"] == "label_values(sunlight_open_cases, department)"
    departments = query(prometheus, "group by (department) (sunlight_open_cases)")
    assert len(departments) == len(demo.core.catalogue.departments)
    rules = _get(f"{prometheus}/api/v1/rules")
    groups = rules["data"]["groups"]
    assert sum(len(g["rules"]) for g in groups) == 6
    assert all(r["health"] == "ok" for g in groups for r in g["rules"]), groups
