"""Public statistics (数据统计): monthly aggregates per item from the known history of
test_statistics.py, for anyone without a login, with no personal data, kept five minutes.

By month (2026), worked out from the history:
    June: LAWFIRM-ESTABLISH H received.
    July: LAWYER-PRACTICE received A B C D F G (6), concluded A (7 days) and D (7), both on time;
          LAWFIRM-ESTABLISH H concluded (3 days, on time); APPRAISER-PRACTICE E received.
    August: LAWYER-PRACTICE B (25, on time) and C (33, late) concluded: rate 0.5, average 29.0;
          APPRAISER-PRACTICE E concluded (25, on time).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.evaluation.test_statistics import LATER, build
from tests.support import submit


def months(document: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """month -> item -> figures (name aside)."""
    out = {}
    for month in document["months"]:
        rows = {row.pop("item"): row for row in month["items"]}
        for row in rows.values():
            row.pop("name_zh")
        if rows:
            out[month["month"]] = rows
    return out


def figures(received: int, concluded: int, rate: float | None, days: float | None) -> Any:
    return {"received": received, "concluded": concluded, "on_time_rate": rate,
            "average_days": days}  # fmt: skip


def test_monthly_figures_per_item_for_anyone(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
) -> None:
    history = build(sessions, core, people, clock)
    answer = client.get("/api/v1/public/statistics", params={"year": 2026})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert [m["month"] for m in document["months"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months(document) == {
        "2026-06": {"LAWFIRM-ESTABLISH": figures(1, 0, None, None)},
        "2026-07": {
            "APPRAISER-PRACTICE": figures(1, 0, None, None),
            "LAWFIRM-ESTABLISH": figures(0, 1, 1.0, 3.0),
            "LAWYER-PRACTICE": figures(6, 2, 1.0, 7.0),
        },
        "2026-08": {
            "APPRAISER-PRACTICE": figures(0, 1, 1.0, 25.0),
            "LAWYER-PRACTICE": figures(0, 2, 0.5, 29.0),
        },
    }
    # No personal data: no person's name, no case id or tracking number.
    text = answer.text
    assert "测试" not in text  # every test user's name ends with it
    assert not any(case_id in text for case_id in history.ids.values())
    assert answer.headers["x-content-type-options"] == "nosniff"

    one = client.get("/api/v1/public/statistics", params={"year": 2026, "item": "LAWYER-PRACTICE"})
    assert one.status_code == 200, one.text
    assert {item for rows in months(one.json()).values() for item in rows} == {"LAWYER-PRACTICE"}


def test_kept_five_minutes(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
) -> None:
    build(sessions, core, people, clock)
    first = client.get("/api/v1/public/statistics").json()  # this year: 2026
    assert months(copy.deepcopy(first)).get("2026-12") is None
    submit(sessions, core, people.actors["clerk"], "LAWYER-PRACTICE", LATER)
    clock.advance(minutes=4)
    assert client.get("/api/v1/public/statistics").json() == first  # kept
    clock.advance(minutes=2)
    later = months(client.get("/api/v1/public/statistics").json())
    assert later["2026-12"] == {"LAWYER-PRACTICE": figures(1, 0, None, None)}


def test_bad_queries_name_the_field(client: TestClient) -> None:
    for params, field in (({"year": 1999}, "year"), ({"year": "x"}, "year"),
                          ({"item": "NO-SUCH-ITEM"}, "item")):  # fmt: skip
        answer = client.get("/api/v1/public/statistics", params=params)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field]
