"""Security headers on every answer; `no-store` on what is personal; HSTS only over TLS; the
HTML receipt keeps its layout under the content security policy."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.context import CoreDeps
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.security.secrets_support import client_of, service_with
from tests.security.support import file_case


def _always(answer: httpx.Response) -> str:
    """The headers every answer carries; returns its Content-Security-Policy."""
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    return policy


def test_an_authenticated_answer_is_not_stored(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    case = file_case(client, people, core)
    for answer in (
        client.get(f"/api/v1/cases/{case['id']}", headers=people.auth("head")),
        client.get("/api/v1/alerts", headers=people.auth("supervisor")),
        client.get(f"/api/v1/cases/{case['id']}/receipts", headers=people.auth("clerk")),
    ):
        assert answer.status_code == 200, answer.text
        policy = _always(answer)
        assert "default-src 'self'" in policy
        assert answer.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in answer.headers


def test_public_views_and_receipts_are_not_stored_and_the_html_receipt_keeps_its_style(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    case = file_case(client, people, core)
    query = {"code": case["query_code"]}
    base = f"/api/v1/public/cases/{case['tracking_no']}"
    view = client.get(base, params=query)
    kind = view.json()["receipts"][0]["kind"]
    page = client.get(f"{base}/receipts/{kind}", params=query | {"format": "html"})
    wrong = client.get(base, params={"code": "0000"})
    for answer in (view, page, wrong):
        _always(answer)
        assert answer.headers["cache-control"] == "no-store"
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = _always(page)
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    styles = re.findall(r"<style>(.*?)</style>", page.text, flags=re.DOTALL)
    assert styles  # the page has its inline style, and the policy allows exactly it
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_the_public_catalogue_may_be_cached_and_errors_carry_the_headers(
    client: TestClient, people: People
) -> None:
    catalogue = client.get("/api/v1/items")
    assert catalogue.status_code == 200
    _always(catalogue)
    assert "no-store" not in catalogue.headers.get("cache-control", "")
    for answer in (
        client.get("/api/v1/no-such-thing"),
        client.get("/api/v1/cases"),
        client.get("/api/v1/cases?limit=0", headers=people.auth("clerk")),
    ):
        assert answer.status_code >= 400
        _always(answer)
        assert answer.headers["cache-control"] == "no-store"


def _digest(block: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/redoc"])
def test_the_docs_pages_run_only_their_own_code_and_cannot_be_framed(
    client: TestClient, path: str
) -> None:
    """No other host anywhere in the policy (an intranet reaches none); scripts from the
    service and exactly the page's inline start script (by hash), never 'unsafe-inline'."""
    page = client.get(path)
    assert page.status_code == 200
    policy = _always(page)
    assert "http" not in policy
    assert "*" not in policy
    directives = _directives(policy)
    scripts = re.findall(r"<script>(.*?)</script>", page.text, flags=re.DOTALL)
    assert directives["script-src"] == ["'self'", *map(_digest, scripts)]
    assert directives["worker-src"] == ["'self'", "blob:"]  # ReDoc's search worker
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    styles = re.findall(r"<style>(.*?)</style>", page.text, flags=re.DOTALL)
    # ReDoc's styled-components writes <style> elements at run time; Swagger UI none.
    inline_styles = ["'unsafe-inline'"] if path == "/redoc" else list(map(_digest, styles))
    assert directives["style-src"] == ["'self'", *inline_styles]


def test_the_docs_start_script_is_allowed_by_its_hash(client: TestClient) -> None:
    """/docs has an inline script (Swagger UI's start) and the policy names its hash."""
    page = client.get("/docs")
    scripts = re.findall(r"<script>(.*?)</script>", page.text, flags=re.DOTALL)
    assert len(scripts) == 1
    assert "SwaggerUIBundle(" in scripts[0]
    assert _digest(scripts[0]) in page.headers["content-security-policy"]


def test_hsts_only_when_the_request_came_over_tls(service: ServiceState) -> None:
    app = create_app(service)
    over_tls = TestClient(app, base_url="https://testserver").get("/api/v1/items")
    assert over_tls.headers["strict-transport-security"].startswith("max-age=")
    plain = TestClient(app).get("/api/v1/items", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in plain.headers  # no trusted proxy configured


def test_hsts_behind_a_trusted_proxy_only(
    db_url: str, sessions: sessionmaker[Session], supervisor: Supervisor, clock: FrozenClock
) -> None:
    """X-Forwarded-Proto counts from a configured proxy, never from a client."""
    service = service_with(db_url, sessions, supervisor, clock, trusted_proxies=["10.0.0.0/8"])
    https = {"X-Forwarded-Proto": "https"}
    proxied = client_of(service, peer="10.0.0.2").get("/api/v1/items", headers=https)
    assert proxied.headers["strict-transport-security"].startswith("max-age=")
    spoofed = client_of(service, peer="203.0.113.5").get("/api/v1/items", headers=https)
    assert "strict-transport-security" not in spoofed.headers
    plain = client_of(service, peer="10.0.0.2").get("/api/v1/items")
    assert "strict-transport-security" not in plain.headers
