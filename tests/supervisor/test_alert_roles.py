"""Who may read, answer and remove a card: answering (回告) and reading (已阅) are for the
responsible department; removing (摘牌) is for the supervision office, never by the person who
answered."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.db import transaction
from approval_core.users.service import add_user
from supervisor.alerts.models import Alert
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.support import act, item_in, mandatory_materials, submit


def _anomaly(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, supervisor: Supervisor
) -> int:
    """PROC-ACCEPT-INCOMPLETE in the people's department."""
    item = item_in(core, people.department)
    clerk = people.actors["clerk"]
    materials = mandatory_materials(core, item)[:-1]
    case_id, _, _ = submit(sessions, core, clerk, item, core.now(), materials=materials)
    act(sessions, core, clerk, case_id, "register", core.now())
    act(sessions, core, clerk, case_id, "accept", core.now())
    with transaction(sessions) as session:
        process_pending(session, core, supervisor)
    with sessions() as session:
        alert = session.scalars(
            select(Alert).where(Alert.rule_id == "PROC-ACCEPT-INCOMPLETE")
        ).one()
        return alert.id


def test_only_the_responsible_department_answers_and_others_remove(
    client: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    supervisor: Supervisor,
    clock: FrozenClock,
) -> None:
    alert_id = _anomaly(sessions, core, people, supervisor)
    url = f"/api/v1/alerts/{alert_id}"
    answer = {"response": "已补齐材料 / materials completed"}
    for who in ("policy", "supervisor"):  # they watch; they do not answer
        assert client.post(f"{url}/ack", headers=people.auth(who)).status_code == 403
        refused = client.post(f"{url}/respond", headers=people.auth(who), json=answer)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "只有责任部门可以回告此告警"
    # another department does not even see it
    assert client.post(f"{url}/ack", headers=people.auth("other_handler")).status_code == 404
    assert client.post(f"{url}/ack", headers=people.auth("handler")).status_code == 200
    responded = client.post(f"{url}/respond", headers=people.auth("head"), json=answer)
    assert responded.json()["status"] == "responded"
    # a supervisor who is also recorded as the responder may not remove (separation of duties)
    with sessions() as session, session.begin():
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.responded_by = people.actors["supervisor"].user_id
    removal = {"reason": "已核实 / verified"}
    refused = client.post(f"{url}/remove", headers=people.auth("supervisor"), json=removal)
    assert (refused.status_code, refused.json()["detail"]) == (403, "回告人不得自行摘牌")
    with sessions() as session, session.begin():
        departments = {people.department, people.other_department}
        _, token = add_user(
            session,
            name="监察员 乙",
            role="supervisor",
            department=None,
            now=clock(),
            known_departments=departments,
        )
    removed = client.post(
        f"{url}/remove", headers={"Authorization": f"Bearer {token}"}, json=removal
    )
    assert removed.json()["status"] == "removed"
