"""A fact that fails to judge for any cause is counted, retried, parked after MAX_ATTEMPTS with
a system alert, and never holds up later facts; judging after a commit never changes the
answer to the request whose action committed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from approval_core.system.models import SystemAlert
from supervisor.processing import MAX_ATTEMPTS, process_pending
from supervisor.runtime import Supervisor
from tests.conftest import People
from tests.support import item_in, settle, submit


def _poison(sessions: sessionmaker[Session], case_id: str) -> int:
    """Its item vanished from the catalogue (as after an edit of items.yaml)."""
    with sessions() as session, session.begin():
        fact = session.scalars(select(Fact).where(Fact.case_id == case_id)).one()
        payload: dict[str, Any] = dict(fact.payload)
        payload["case"] = {**payload["case"], "item": "NO-SUCH-ITEM"}
        fact.payload = payload
        return fact.id


def test_a_poison_fact_is_parked_while_the_next_is_judged(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, supervisor: Supervisor
) -> None:
    item = item_in(core, people.department)
    bad, _, _ = submit(sessions, core, people.actors["clerk"], item, core.now())
    bad_fact = _poison(sessions, bad)
    good, _, _ = submit(sessions, core, people.actors["clerk"], item, core.now())
    with sessions() as session, session.begin():
        assert process_pending(session, core, supervisor) == 1  # the good one, at once
    for _ in range(MAX_ATTEMPTS + 2):
        with sessions() as session, session.begin():
            assert process_pending(session, core, supervisor) == 0
    with sessions() as session:
        facts = {f.case_id: f for f in session.scalars(select(Fact))}
        alerts = {a.cause: a for a in session.scalars(select(SystemAlert))}
    assert facts[good].processed_at is not None
    assert (facts[bad].processed_at, facts[bad].attempts) == (None, MAX_ATTEMPTS)
    parked = alerts[f"fact-parked:{bad_fact}"]
    assert (parked.kind, parked.resolved_at) == ("fact_parked", None)
    assert "NO-SUCH-ITEM" in parked.message_en


def test_judging_after_commit_never_changes_the_answer(
    client: TestClient,
    people: People,
    core: CoreDeps,
    supervisor: Supervisor,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = item_in(core, people.department)
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, core.now())

    def failing(*_args: Any) -> list[str]:
        raise RuntimeError("judging broke after the commit")

    monkeypatch.setattr(supervisor, "evaluate", failing)
    response = client.post(
        f"/api/v1/cases/{case_id}/actions",
        json={"action": "register"},
        headers=people.auth("clerk"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "registered"
    settle(client)  # the judge fails on its own time, not the request's
    with sessions() as session:
        pending = session.scalars(select(Fact).where(Fact.processed_at.is_(None))).all()
    assert {f.attempts for f in pending} == {1}  # counted, left for the poller
