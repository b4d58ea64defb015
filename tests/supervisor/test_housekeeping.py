"""Housekeeping prunes judged facts past their retention and old idempotency keys, and keeps
what is still needed: unjudged and parked facts, refused changes (their only evidence), and
anything recent. Judging and replay work the same afterwards."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.outbox.models import Fact
from approval_core.records.verify import verify_records
from supervisor.housekeeping import housekeeping
from supervisor.processing import MAX_ATTEMPTS
from tests.conftest import KEY, FrozenClock, People
from tests.support import act, item_in, settle, submit


def _facts(sessions: sessionmaker[Session]) -> list[tuple[int, str, bool]]:
    """(id, kind, judged) of every fact, oldest first."""
    with sessions() as session:
        rows = session.execute(select(Fact.id, Fact.kind, Fact.processed_at).order_by(Fact.id))
        return [(fact_id, kind, done is not None) for fact_id, kind, done in rows]


def test_old_judged_facts_go_the_evidence_stays(
    client: TestClient,
    people: People,
    core: CoreDeps,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
) -> None:
    a = people.actors
    item = item_in(core, people.department)
    old, _, _ = submit(sessions, core, a["clerk"], item, clock())
    for who, action, fields in (
        ("clerk", "register", {}),
        ("clerk", "accept", {}),
        ("clerk", "assign", {"assignee": a["handler"].user_id}),
        ("handler", "handle", {}),
        ("reviewer", "review", {}),
        ("head", "conclude", {"decision": "approved", "decision_no": "赣司〔2026〕9号"}),
    ):
        act(sessions, core, a[who], old, action, clock(), **fields)
    # A change to a concluded case is refused, and kept as a fact only (no record).
    refused = client.post(
        f"/api/v1/cases/{old}/actions",
        json={"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"},
        headers=people.auth("clerk"),
    )
    assert refused.status_code == 409
    settle(client)
    with sessions() as session, session.begin():  # the oldest fact: parked long ago
        first = session.scalar(select(func.min(Fact.id)))
        session.execute(
            update(Fact).where(Fact.id == first).values(processed_at=None, attempts=MAX_ATTEMPTS)
        )
    clock.advance(days=40)
    recent, _, _ = submit(sessions, core, a["clerk"], item, clock())  # not judged yet
    before = _facts(sessions)

    pruned = housekeeping(sessions, clock(), retention_days=30)

    after = _facts(sessions)
    kept = [f for f in before if not f[2] or f[1] == "case.change_after_conclusion"]
    assert after == kept
    assert {f[1] for f in after} == {"case.submit", "case.change_after_conclusion"}
    assert pruned.facts == len(before) - len(after) == 6  # register ... conclude
    with sessions() as session:
        assert verify_records(session, KEY).findings == []  # the records are untouched
    settle(client)  # and judging goes on as ever
    assert all(f[2] for f in _facts(sessions) if f[0] != first)


def test_idempotency_keys_are_pruned_after_a_day(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "孙八", "id_number": "36010219900101123X"},
        "materials": [m.code for m in core.catalogue.get(item).mandatory_materials],
    }
    headers = people.auth("applicant") | {"Idempotency-Key": "k1"}
    assert client.post("/api/v1/cases", json=body, headers=headers).status_code == 201
    assert housekeeping(sessions, core.now() + timedelta(hours=2), 30).idempotency_keys == 0
    assert housekeeping(sessions, core.now() + timedelta(days=2), 30).idempotency_keys == 1
