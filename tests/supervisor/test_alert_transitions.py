"""The alert lifecycle table, walked over every (status, action) pair through the real paths:
people's actions through the API, the rules' actions through the Judge. Allowed moves land in
the table's target with one history row; the others are refused (409 with the alert's current
state, or left alone by the Judge) and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.errors import Forbidden, IllegalTransition, InvalidInput
from supervisor.alerts.lifecycle import ACTIONS, transition
from supervisor.alerts.models import STATUSES, Alert, AlertEvent
from supervisor.alerts.service import cause_of
from supervisor.judging import Judge, Subject
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People

# Written out here, not read from the table: the test checks the table's data.
EXPECTED = {
    ("open", "acknowledge"): "acknowledged",
    ("open", "respond"): "responded",
    ("acknowledged", "respond"): "responded",
    ("open", "remove"): "removed",
    ("acknowledged", "remove"): "removed",
    ("responded", "remove"): "removed",
    ("open", "resolve"): "resolved",
    ("acknowledged", "resolve"): "resolved",
    ("responded", "resolve"): "resolved",
    ("resolved", "reopen"): "open",
}
PEOPLE = {
    "acknowledge": ("ack", "head"),
    "respond": ("respond", "head"),
    "remove": ("remove", "supervisor"),
}
BODIES: dict[str, dict[str, str]] = {
    "respond": {"response": "已整改 / fixed"},
    "remove": {"reason": "已核实 / verified"},
}
WARNING = "TIME-WARNING"  # resolves by itself when its cause goes


def test_the_table_names_every_action_and_status() -> None:
    assert set(ACTIONS) == {"acknowledge", "respond", "remove", "resolve", "reopen"}
    assert {s for pair in EXPECTED for s in pair[:1]} <= set(STATUSES)
    with pytest.raises(InvalidInput) as unknown:
        transition(_Row("open"), "escalate", None)
    assert unknown.value.field == "action"


class _Row:
    """The fields `transition` reads, for the pure checks."""

    def __init__(self, status: str) -> None:
        self.id, self.status, self.version = 1, status, 3
        self.department_code, self.responsible_user_id, self.responded_by = "D", None, None


def warning_alert(
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    status: str,
    subject: str,
    department: str,
    clock: FrozenClock,
) -> int:
    rule = supervisor.policy.ruleset.by_id()[WARNING]
    with sessions() as session, session.begin():
        alert = Alert(
            cause=cause_of(rule, {}, subject),
            subject=subject,
            rule_id=WARNING,
            ruleset_version=supervisor.policy.version,
            level="warning",
            status=status,
            department_code=department,
            concerns=[],
            legal_basis="",
            title_zh="临近期限",
            title_en="Deadline near",
            message_zh="",
            message_en="",
            fact={},
            opened_at=clock(),
            updated_at=clock(),
        )
        session.add(alert)
        session.flush()
        return alert.id


def _after(sessions: sessionmaker[Session], alert_id: int) -> tuple[str, int, list[Any]]:
    with sessions() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        events = session.execute(
            select(AlertEvent.action, AlertEvent.from_status, AlertEvent.to_status).where(
                AlertEvent.alert_id == alert_id
            )
        ).all()
        return alert.status, alert.version, [tuple(e) for e in events]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["acknowledge", "respond", "remove"])
def test_people_moves_over_every_status(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    status: str,
    action: str,
) -> None:
    alert_id = warning_alert(sessions, supervisor, status, "case-1", people.department, clock)
    path, who = PEOPLE[action]
    answer = client.post(
        f"/api/v1/alerts/{alert_id}/{path}", json=BODIES.get(action), headers=people.auth(who)
    )
    target = EXPECTED.get((status, action))
    if target is not None:
        assert answer.status_code == 200, answer.text
        assert (answer.json()["status"], answer.json()["version"]) == (target, 2)
        assert _after(sessions, alert_id) == (target, 2, [(action, status, target)])
        return
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith("/illegal-transition")
    assert problem["current"] == {"id": alert_id, "status": status, "version": 1}
    assert status in problem["detail"]  # names the state it cannot leave that way
    assert _after(sessions, alert_id) == (status, 1, [])


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["resolve", "reopen"])
def test_rule_moves_over_every_status(
    people: People,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    status: str,
    action: str,
) -> None:
    """resolve: the warning's cause is gone (nothing matched); reopen: it is back."""
    alert_id = warning_alert(sessions, supervisor, status, "case-2", people.department, clock)
    target = EXPECTED.get((status, action))
    with sessions() as session, session.begin():
        alert = session.get(Alert, alert_id)
        assert alert is not None
        if target is None:
            with pytest.raises(IllegalTransition) as refused:
                transition(alert, action, None)
            assert refused.value.current == {"id": alert_id, "status": status, "version": 1}
        else:
            assert transition(alert, action, None) == target
        with pytest.raises(Forbidden):  # never by a person, even an administrator
            transition(alert, action, people.actors["admin"])
        judge = Judge.for_subjects(session, supervisor, clock(), ["case-2"])
        matched = [WARNING] if action == "reopen" else []
        judge.apply(Subject("case-2", None, None), {"department": people.department}, matched)
        judge.finish()
    if target is None:  # the Judge leaves it as it is
        assert _after(sessions, alert_id) == (status, 1, [])
    else:
        assert _after(sessions, alert_id) == (target, 2, [(action, status, target)])


def test_the_judge_finds_alerts_by_their_subject_column(
    sessions: sessionmaker[Session], supervisor: Supervisor, clock: FrozenClock, people: People
) -> None:
    """`complaint:1` must not pick up `complaint:12` (the old LIKE on the cause could)."""
    ids = {
        key: warning_alert(sessions, supervisor, "open", key, people.department, clock)
        for key in ("complaint:1", "complaint:12")
    }
    with sessions() as session:
        judge = Judge.for_subjects(session, supervisor, clock(), ["complaint:1"])
        found = [a.id for subject in judge.alerts.values() for a in subject.values()]
        assert found == [ids["complaint:1"]]
        by_index = select(func.count()).where(Alert.subject == "complaint:12")
        assert session.scalar(by_index) == 1
