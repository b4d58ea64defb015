"""Helpers of the security tests: problem documents, row counts, a filed case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.db import Base
from tests.conftest import People
from tests.support import item_in, mandatory_materials

PROBLEM = "application/problem+json"
BIG = 2**31  # one more than the largest database integer


def assert_problem(answer: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The answer is a problem document with `status` (naming `field` when given) and the
    request id of its X-Request-ID header."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM), answer.headers
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    assert body["detail_zh"]
    assert body["detail_en"]
    assert body["request_id"] == answer.headers["x-request-id"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field or f.startswith(f"{field}.") for f in fields), (field, body)
    return body


def row_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Rows in every table: what a refused request must leave as it was."""
    with sessions() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


@contextmanager
def nothing_written(sessions: sessionmaker[Session]) -> Iterator[None]:
    before = row_counts(sessions)
    yield
    assert row_counts(sessions) == before


def file_case(client: TestClient, people: People, core: CoreDeps) -> dict[str, Any]:
    """A case filed by the applicant through the API: id, tracking_no, query_code, state."""
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, item),
    }
    answer = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
