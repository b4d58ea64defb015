"""Backdated entries through the API: an acceptance entered days after the moment it names
(hiding a late acceptance) needs a reason and opens PROC-BACKDATED-ENTRY; within the
tolerance of rules/timeliness.yaml (clock.backdate_tolerance_hours) nothing is asked or raised."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from supervisor.alerts.models import Alert
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.support import bj, counts, mandatory_materials

ITEM = "LAWYER-PRACTICE"
RULE = "PROC-BACKDATED-ENTRY"


def _registered(client: TestClient, people: People, core: CoreDeps, clock: FrozenClock) -> str:
    """Filed and registered on Mon 2026-03-02, as it happened."""
    clock.set(bj(2026, 3, 2, 9))
    body = {
        "item": ITEM,
        "applicant": {"name": "李四", "id_number": "36010219900101123X"},
        "materials": mandatory_materials(core, ITEM),
    }
    created = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    case_id = str(created.json()["id"])
    clock.advance(minutes=10)
    registered = client.post(
        f"/api/v1/cases/{case_id}/actions",
        json={"action": "register"},
        headers=people.auth("clerk"),
    )
    assert registered.status_code == 200, registered.text
    return case_id


def _accept(client: TestClient, people: People, case_id: str, at: datetime, **fields: Any) -> Any:
    return client.post(
        f"/api/v1/cases/{case_id}/actions",
        json={"action": "accept", "at": at.isoformat(), **fields},
        headers=people.auth("clerk"),
    )


def _anomalies(
    client: TestClient,
    people: People,
    case_id: str,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    supervisor: Supervisor,
) -> dict[str, dict[str, Any]]:
    """The case's open anomalies by rule, after judging every pending fact."""
    with sessions() as session, session.begin():
        process_pending(session, core, supervisor)
    rows = client.get(f"/api/v1/alerts?case_id={case_id}", headers=people.auth("supervisor"))
    return {a["rule_id"]: a for a in rows.json() if a["level"] == "anomaly"}


def test_a_late_acceptance_backdated_into_the_window_needs_a_reason_and_is_reported(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
) -> None:
    case_id = _registered(client, people, core, clock)
    # Thu 03-12: the 5-working-day acceptance window ended on 03-09. The clerk enters the
    # acceptance as of Wed 03-04, inside the window, 8 days and 2 hours before now.
    clock.set(bj(2026, 3, 12, 11))
    claimed = bj(2026, 3, 4, 9)
    before = counts(sessions, case_id)
    refused = _accept(client, people, case_id, claimed)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["reason"]
    assert "补录" in refused.json()["detail"]
    assert counts(sessions, case_id) == before  # nothing written

    reason = "纸质受理单当日未录入 / the paper acceptance was not entered that day"
    accepted = _accept(client, people, case_id, claimed, reason=reason)
    assert accepted.status_code == 200, accepted.text
    record = client.get(f"/api/v1/cases/{case_id}/records", headers=people.auth("head")).json()[-1]
    assert (record["action"], record["reason"]) == ("accept", reason)
    assert datetime.fromisoformat(record["recorded_at"]) - datetime.fromisoformat(
        record["at"]
    ) == timedelta(days=8, hours=2)

    open_anomalies = _anomalies(client, people, case_id, sessions, core, supervisor)
    # Judged as of the moment it names, the acceptance is in time: only the backdating shows.
    assert "PROC-ACCEPT-LATE" not in open_anomalies
    alert = open_anomalies[RULE]
    assert alert["status"] == "open"
    assert "194.0 小时" in alert["message_zh"]
    with sessions() as session:
        fact = session.get_one(Alert, alert["id"]).fact  # what the rule compared
    assert (fact["backdated_hours"], fact["backdate_tolerance_hours"]) == (
        194.0,
        core.catalogue.clock.backdate_tolerance_hours,
    )


def test_within_the_tolerance_no_reason_is_asked_and_nothing_is_raised(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
) -> None:
    tolerance = timedelta(hours=core.catalogue.clock.backdate_tolerance_hours)
    case_id = _registered(client, people, core, clock)
    clock.set(bj(2026, 3, 4, 11))
    just_over = _accept(client, people, case_id, clock() - tolerance - timedelta(minutes=1))
    assert just_over.status_code == 422, just_over.text
    at_the_limit = _accept(client, people, case_id, clock() - tolerance)
    assert at_the_limit.status_code == 200, at_the_limit.text
    assert RULE not in _anomalies(client, people, case_id, sessions, core, supervisor)
