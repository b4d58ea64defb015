"""Helpers for the metrics tests: read a scrape, find the Prometheus tools, make rows."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from approval_core.cases.models import Case
from supervisor.alerts.models import Alert

MOMENT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def series(text: str, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """The samples called `name`, keyed by the values of `labels` (in that order)."""
    found: dict[tuple[str, ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                assert set(sample.labels) == set(labels), (name, sample.labels)
                found[tuple(sample.labels[label] for label in labels)] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """The one sample called `name` with exactly these labels."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    raise AssertionError(f"no sample {name}{labels}")


def sample_names(text: str) -> set[str]:
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def tool(name: str) -> str:
    """The path of a Prometheus tool; missing fails in CI (CI=true) and skips elsewhere."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = (
        f"{name} not found: install the Debian packages prometheus and prometheus-alertmanager "
        "(`make test` does it)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    """An ASGI app under uvicorn on 127.0.0.1:port, in a thread, for the block."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start in 15 s"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def case_row(
    n: int,
    item: str,
    department: str,
    state: str,
    step: str,
    *,
    running: bool = True,
    remaining: int = 10,
    overdue: int = 0,
    stop_type: str | None = None,
) -> Case:
    """A case row with the stored clock figures the collector reads."""
    return Case(
        id=f"00000000-0000-0000-0000-{n:012d}",
        tracking_no=f"T{n:08d}",
        query_code_hash="x",
        item_code=item,
        department_code=department,
        applicant_name="测试",
        applicant_id_number="0",
        materials=[],
        state=state,
        step=step,
        stop_type=stop_type,
        submitted_at=MOMENT,
        last_event_at=MOMENT,
        clock_running=running,
        clock_remaining=remaining,
        clock_overdue=overdue,
        clock_events=[],
        counters={},
    )


def alert_row(
    cause: str, rule_id: str, level: str, status: str, item: str, department: str
) -> Alert:
    return Alert(
        cause=cause,
        subject=cause,
        rule_id=rule_id,
        ruleset_version="test",
        level=level,
        status=status,
        item_code=item,
        department_code=department,
        concerns=[],
        legal_basis="",
        title_zh="",
        title_en="",
        message_zh="",
        message_en="",
        fact={},
        opened_at=MOMENT,
        updated_at=MOMENT,
    )
