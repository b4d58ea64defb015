"""A moment given without its offset is ambiguous for legal dates: every query parameter that
takes one answers 422 naming the field (it used to be a 500 for /alerts?since=)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import People


@pytest.mark.parametrize(
    ("method", "path", "field", "who"),
    [
        ("get", "/api/v1/alerts", "since", "supervisor"),
        ("get", "/api/v1/alerts", "until", "supervisor"),
        ("post", "/api/v1/supervision/sweep", "as_of", "admin"),
        ("get", "/api/v1/cases/no-such-case", "as_of", "head"),
    ],
)
def test_a_moment_without_offset_is_a_422_naming_the_field(
    client: TestClient, people: People, method: str, path: str, field: str, who: str
) -> None:
    answer = client.request(
        method, path, params={field: "2026-03-02T09:00:00"}, headers=people.auth(who)
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["errors"][0]["field"] == field
    assert problem["detail"] == f"{field} 必须带时区，例如 2026-03-02T09:00:00+08:00"
    fine = client.request(
        method, path, params={field: "2026-03-02T09:00:00+08:00"}, headers=people.auth(who)
    )
    assert fine.status_code in (200, 404)  # (the case does not exist)
