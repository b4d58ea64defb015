"""Helpers of the service hall's HTTP tests: read the CSRF field of a page and log in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient, login: str, password: str) -> None:
    """Log the client in through the log-in form, as a browser would."""
    page = client.get("/account/login")
    form = {"csrf_token": csrf_of(page.text), "login": login, "password": password}
    answer = client.post("/account/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
