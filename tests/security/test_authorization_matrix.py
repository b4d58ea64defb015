"""The authorisation matrix (`api/authorization.py`) walked through the real app: every route ×
every role × a target of the caller's own and of another department, and every route without a
token; every route of the app must have a row (a new endpoint without one fails here)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import fastapi.routing
import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.authorization import BY_ROUTE, MATRIX, NONE, PUBLIC, Access
from approval_core.aftercare import complaints, remedies
from approval_core.aftercare.schemas import ComplaintIn, RemedyIn
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.db import transaction
from approval_core.materials.models import MaterialFile
from approval_core.materials.schemas import UploadLimits
from approval_core.materials.storage import FileStore
from approval_core.users.service import ROLES, add_user
from supervisor.alerts.models import Alert
from supervisor.evaluation import bulletins
from supervisor.notify import service as notify
from supervisor.notify.models import Delivery, InboxMessage
from supervisor.policy.versions import store_version
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import People
from tests.notify.conftest import BOX, OUTBOUND
from tests.support import act, item_in, mandatory_materials, submit

APPLICANT = {"name": "张三", "id_number": "36010219900101123X"}
SCOPES = ("own", "other")
BYSTANDER = "handler2"  # "somebody else" for contact points and the inbox


@dataclass
class World:
    """Real targets in two departments ("own" is the people's department, "other" the other)."""

    client: TestClient
    people: People
    sessions: sessionmaker[Session]
    core: CoreDeps
    item: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    alert: dict[str, int] = field(default_factory=dict)
    complaint: dict[str, int] = field(default_factory=dict)
    remedy: dict[str, int] = field(default_factory=dict)
    contact: dict[str, int] = field(default_factory=dict)  # who -> a contact point of theirs
    message: dict[str, int] = field(default_factory=dict)  # who -> an inbox message of theirs
    public: dict[str, str] = field(default_factory=dict)
    version: str = ""
    bulletin: dict[str, str] = field(default_factory=dict)  # number and code of an issued one
    files: dict[str, int] = field(default_factory=dict)  # scope -> a stored file of its case
    _serial: count[int] = field(default_factory=count)

    def colleague(self) -> int:
        """A new handler of the people's department, for routes that change a user."""
        with transaction(self.sessions) as session:
            user, _ = add_user(
                session,
                name=f"同事 {next(self._serial)}",
                role="handler",
                department=self.people.department,
                now=self.core.now(),
                known_departments=set(self.core.catalogue.departments),
            )
            return user.id

    def uid(self, who: str) -> int:
        user_id = self.people.actors[who].user_id
        assert user_id is not None
        return user_id

    def file(self, item: str, materials: list[str] | None = None) -> dict[str, Any]:
        """An application filed online by the applicant (every mandatory material by default)."""
        materials = self.materials(item) if materials is None else materials
        body = {"item": item, "applicant": APPLICANT, "materials": materials}
        answer = self.client.post("/api/v1/cases", json=body, headers=self.people.auth("applicant"))
        assert answer.status_code == 201, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def materials(self, item: str) -> list[str]:
        return mandatory_materials(self.core, item)

    def material_file(self, scope: str) -> int:
        """A stored file of the scope's case (made once)."""
        if scope not in self.files:
            service = self.client.app.state.service  # type: ignore[attr-defined]
            limits = UploadLimits.from_settings(service.settings)
            written = FileStore(limits.directory).write(io.BytesIO(PDF), 1024, ("a.pdf", "A"))
            with transaction(self.sessions) as session:
                row = MaterialFile(
                    case_id=self.case[scope],
                    material_code="APPLICATION",
                    file_name="a.pdf",
                    content_type=written.content_type,
                    size=written.size,
                    sha256=written.sha256,
                    storage_key=written.key,
                    uploaded_at=self.core.now(),
                    uploaded_by=None,
                    action="submit",
                    record_seq=1,
                )
                session.add(row)
                session.flush()
                self.files[scope] = row.id
        return self.files[scope]

    def dead_letter(self) -> int:
        now = self.core.now()
        with transaction(self.sessions) as session:
            row = Delivery(
                key=f"matrix-dead-{next(self._serial)}",
                kind="alert",
                user_id=self.uid("head"),
                channel="email",
                address="head@example.gov.cn",
                message={},
                status="dead",
                attempts=5,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row.id


def _open_case(world: World, scope: str, supervisor: Supervisor) -> None:
    """A case accepted with a material missing, hence an alert of its department."""
    people, core, sessions = world.people, world.core, world.sessions
    department = people.department if scope == "own" else people.other_department
    item = world.item[scope]
    materials = mandatory_materials(core, item)[:-1]
    clerk = people.actors["clerk" if scope == "own" else "other_clerk"]
    if scope == "own":  # the applicant's own case
        filed = world.file(item, materials)
        case_id = filed["id"]
        world.public = {"tracking_no": filed["tracking_no"], "code": filed["query_code"]}
    else:
        case_id, _, _ = submit(sessions, core, clerk, item, core.now(), materials=materials)
    act(sessions, core, clerk, case_id, "register", core.now())
    act(sessions, core, clerk, case_id, "accept", core.now())
    with transaction(sessions) as session:
        process_pending(session, core, supervisor)
        alert = session.scalars(
            select(Alert).where(Alert.case_id == case_id, Alert.department_code == department)
        ).first()
        assert alert is not None
        world.case[scope], world.alert[scope] = case_id, alert.id
        supervisor_actor, admin = people.actors["supervisor"], people.actors["admin"]
        complaint = complaints.file_complaint(
            session,
            core,
            supervisor_actor,
            ComplaintIn(channel="phone", complainant="李四", content="等待太久", case_id=case_id),
        )
        case = session.get(Case, case_id)
        assert case is not None
        remedy = remedies.add_remedy(
            session,
            core,
            admin,
            case,
            RemedyIn(
                kind="reconsideration",
                reference="赣府复〔2026〕3号",
                body="江西省人民政府",
                filed_on=core.now().date(),
            ),
        )
        world.complaint[scope], world.remedy[scope] = complaint.id, remedy.id


def _build_world(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    supervisor: Supervisor,
) -> World:
    world = World(client, people, sessions, core)
    world.item = {
        "own": item_in(core, people.department),
        "other": item_in(core, people.other_department),
    }
    for scope in SCOPES:
        _open_case(world, scope, supervisor)
    query = {"code": world.public["code"]}
    url = f"/api/v1/public/cases/{world.public['tracking_no']}/receipts"
    (receipt, *_) = client.get(url, params=query).json()
    world.public |= {"kind": receipt["kind"], "verification": receipt["verification_code"]}
    now = core.now()
    with transaction(sessions) as session:
        for who in (*ROLES, BYSTANDER):
            point = notify.add_contact(
                session,
                world.uid(who),
                channel="email",
                address=f"{who}@example.gov.cn",
                now=now,
                box=BOX,
                outbound=OUTBOUND,
            )
            message = InboxMessage(
                key=f"matrix-{who}",
                user_id=world.uid(who),
                kind="alert",
                subject="告警",
                body="告警",
                created_at=now,
            )
            session.add(message)
            session.flush()
            world.contact[who], world.message[who] = point.id, message.id
        store_version(session, supervisor.policy, "matrix test", now)
        world.version = supervisor.policy.version
        issued = bulletins.issue(session, core, "monthly", "2026-02", now, by="matrix test")
        assert issued is not None
        world.bulletin = {"number": issued.number, "code": issued.code}
    return world


@dataclass
class Ask:
    """One cell's request: the world seen by `role` for its `scope` ("own" or "other")."""

    w: World
    role: str
    scope: str

    @property
    def case(self) -> str:
        return self.w.case[self.scope]

    @property
    def alert(self) -> int:
        return self.w.alert[self.scope]

    @property
    def complaint(self) -> int:
        return self.w.complaint[self.scope]

    @property
    def person(self) -> str:
        """The caller ("own") or somebody else ("other")."""
        return self.role if self.scope == "own" else BYSTANDER

    @property
    def code(self) -> dict[str, str]:
        return {"code": self.w.public["code"]}


@dataclass
class Req:
    """What a route needs besides its method and template (filled from `path`)."""

    path: Mapping[str, object] = field(default_factory=dict)
    json: Any = None
    query: dict[str, str] | None = None
    listed: Callable[[Any], bool] | None = None  # on a list: is the target in the answer?
    # the use case's own refusal, reached only past authorisation: (status, field it names)
    passed: tuple[int, str] | None = None
    data: dict[str, str] | None = None  # multipart form fields (with `files`)
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None


def _listed(wanted: object, rows: Callable[[Any], Any] = lambda body: body) -> Any:
    return lambda body: any(row["id"] == wanted for row in rows(body))


def _action(a: Ask) -> Req:
    """An action the workflow lets the role take (supervisors and policy staff have none)."""
    if a.role == "applicant":  # withdrawing ends a case: a fresh one of the applicant's
        case_id = a.w.file(a.w.item["own"])["id"] if a.scope == "own" else a.case
        return Req({"case_id": case_id}, {"action": "withdraw"})
    if a.role == "reviewer":
        return Req({"case_id": a.case}, {"action": "extend", "days": 5})
    return Req({"case_id": a.case}, {"action": "charge_fee", "amount": "10.00"})


def _complaint(a: Ask) -> Req:
    channel = "online" if a.role == "applicant" else "phone"
    body = {"channel": channel, "complainant": "李四", "content": "等待太久", "case_id": a.case}
    return Req(json=body)


def _new_case(a: Ask) -> Req:
    item = a.w.item[a.scope]
    return Req(json={"item": item, "applicant": APPLICANT, "materials": a.w.materials(item)})


PDF = b"%PDF-1.4\n%%EOF\n"


def _pdf(material: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(material, ("申请书.pdf", PDF, "application/pdf"))]


def _new_case_with_files(a: Ask) -> Req:
    command = json.dumps({"item": a.w.item[a.scope], "applicant": APPLICANT})
    return Req(data={"command": command}, files=_pdf("APPLICATION"))


REMEDY = {"kind": "litigation", "reference": "(2026)赣01行初1号", "body": "南昌市中级人民法院"}
CONTACT = {"channel": "email", "address": "new@example.gov.cn"}
# Routes with path parameters, a body or a target; any other route is asked with nothing.
RECIPES: dict[str, Callable[[Ask], Req]] = {
    "GET /api/v1/items/{code}": lambda a: Req({"code": a.w.item["own"]}),
    "GET /api/v1/public/cases/{tracking_no}": lambda a: Req(a.w.public, query=a.code),
    "GET /api/v1/public/cases/{tracking_no}/receipts": lambda a: Req(a.w.public, query=a.code),
    "GET /api/v1/public/cases/{tracking_no}/receipts/{kind}": lambda a: Req(
        a.w.public, query=a.code
    ),
    "POST /api/v1/public/cases/{tracking_no}/rating": lambda a: Req(
        a.w.public, {"level": "满意"}, a.code
    ),
    "POST /api/v1/public/cases/{tracking_no}/notifications": lambda a: Req(
        a.w.public, {"channel": "sms", "receive": True}, a.code
    ),
    "GET /api/v1/receipts/verify/{code}": lambda a: Req({"code": a.w.public["verification"]}),
    "GET /verify/{code}": lambda a: Req({"code": a.w.public["verification"]}),
    "GET /api/v1/public/register/{item}": lambda _: Req({"item": "LAWYER-PRACTICE"}),
    "GET /api/v1/bulletins/verify/{code}": lambda a: Req({"code": a.w.bulletin["code"]}),
    "GET /api/v1/bulletins": lambda a: Req(
        listed=lambda body: any(b["number"] == a.w.bulletin["number"] for b in body)
    ),
    "GET /api/v1/bulletins/{number}": lambda a: Req({"number": a.w.bulletin["number"]}),
    "GET /api/v1/bulletins/{number}/reproduction": lambda a: Req(
        {"number": a.w.bulletin["number"]}
    ),
    "POST /api/v1/cases": _new_case,
    "GET /api/v1/cases": lambda a: Req(
        query={"limit": "500"}, listed=_listed(a.case, lambda body: body["items"])
    ),
    "GET /api/v1/cases/{case_id}": lambda a: Req({"case_id": a.case}),
    "GET /api/v1/statistics": lambda _: Req(
        query={"from": "2026-03-01", "to": "2026-03-31", "by": "department"}
    ),
    "GET /api/v1/evaluations": lambda _: Req(query={"period": "2026-03", "by": "department"}),
    "POST /api/v1/cases/{case_id}/actions": _action,
    "GET /api/v1/cases/{case_id}/records": lambda a: Req({"case_id": a.case}),
    "POST /api/v1/cases/with-materials": _new_case_with_files,
    # (the case is not waiting for a supplement: staff and the applicant pass to a 409)
    "POST /api/v1/cases/{case_id}/materials": lambda a: Req(
        {"case_id": a.case}, files=_pdf("APPLICATION")
    ),
    "GET /api/v1/cases/{case_id}/materials": lambda a: Req({"case_id": a.case}),
    "GET /api/v1/cases/{case_id}/materials/{file_id}": lambda a: Req(
        {"case_id": a.case, "file_id": a.w.material_file(a.scope)}
    ),
    "GET /api/v1/cases/{case_id}/receipts": lambda a: Req({"case_id": a.case}),
    "GET /api/v1/cases/{case_id}/receipts/{kind}": lambda a: Req(
        {"case_id": a.case, "kind": "receipt_of_materials"}
    ),
    "GET /api/v1/cases/{case_id}/aftercare": lambda a: Req({"case_id": a.case}),
    "POST /api/v1/cases/{case_id}/remedies": lambda a: Req(
        {"case_id": a.case}, {**REMEDY, "filed_on": "2026-03-02"}
    ),
    "POST /api/v1/cases/{case_id}/remedies/{remedy_id}/outcome": lambda a: Req(
        {"case_id": a.case, "remedy_id": a.w.remedy[a.scope]},
        {"outcome": "kept", "decided_on": "2026-03-02"},
    ),
    "POST /api/v1/cases/{case_id}/rating": lambda a: Req({"case_id": a.case}, {"level": "满意"}),
    "POST /api/v1/complaints": _complaint,
    "GET /api/v1/complaints": lambda a: Req(listed=_listed(a.complaint)),
    "GET /api/v1/complaints/{complaint_id}": lambda a: Req({"complaint_id": a.complaint}),
    "POST /api/v1/complaints/{complaint_id}/steps": lambda a: Req(
        {"complaint_id": a.complaint}, {"action": "accept"}
    ),
    "GET /api/v1/alerts": lambda a: Req(query={"limit": "1000"}, listed=_listed(a.alert)),
    "GET /api/v1/alerts/{alert_id}": lambda a: Req({"alert_id": a.alert}),
    "POST /api/v1/alerts/{alert_id}/ack": lambda a: Req({"alert_id": a.alert}),
    "POST /api/v1/alerts/{alert_id}/respond": lambda a: Req(
        {"alert_id": a.alert}, {"response": "已补齐 / completed"}
    ),
    "POST /api/v1/alerts/{alert_id}/remove": lambda a: Req(
        {"alert_id": a.alert}, {"reason": "已核实 / verified"}
    ),
    "GET /api/v1/users": lambda a: Req(
        listed=_listed(a.w.uid("handler" if a.scope == "own" else "other_handler"))
    ),
    "POST /api/v1/users": lambda a: Req(
        json={"name": "新同事", "role": "handler", "department": a.w.people.department}
    ),
    # (a colleague made for the call: disabling or re-issuing for someone the walk uses would
    # lock them out of the next cells)
    "POST /api/v1/users/{user_id}/disable": lambda a: Req({"user_id": a.w.colleague()}),
    "POST /api/v1/users/{user_id}/token": lambda a: Req({"user_id": a.w.colleague()}),
    "GET /api/v1/users/{user_id}/contacts": lambda a: Req({"user_id": a.w.uid(a.person)}),
    "POST /api/v1/users/{user_id}/contacts": lambda a: Req({"user_id": a.w.uid(a.person)}, CONTACT),
    "DELETE /api/v1/users/{user_id}/contacts/{contact_id}": lambda a: Req(
        {"user_id": a.w.uid(a.person), "contact_id": a.w.contact[a.person]}
    ),
    "GET /api/v1/inbox": lambda a: Req(listed=_listed(a.w.message[a.person])),
    "POST /api/v1/inbox/{message_id}/read": lambda a: Req({"message_id": a.w.message[a.person]}),
    "POST /api/v1/notifications/deliveries/{delivery_id}/replay": lambda a: Req(
        {"delivery_id": a.w.dead_letter()}
    ),
    "GET /api/v1/policy/versions/{version}/files/{path:path}": lambda a: Req(
        {"version": a.w.version, "path": "items.yaml"}
    ),
    "GET /api/v1/policy/diff": lambda a: Req(query={"from": a.w.version, "format": "text"}),
    # a reversed period: refused (422 naming `from`) past the role check, without replaying
    "POST /api/v1/policy/backtest": lambda _: Req(
        json={"from": "2026-04-02", "to": "2026-04-01"}, passed=(422, "from")
    ),
}


def _call(access: Access, ask: Ask) -> tuple[str, Req]:
    """The URL and the rest of the request of one cell."""
    recipe = RECIPES.get(access.key)
    req = recipe(ask) if recipe is not None else Req()
    template = access.path.replace(":path}", "}")
    return template.format(**req.path), req


def _problem_kind(answer: httpx.Response) -> str:
    """The last part of a problem document's type ("forbidden", "not-found", "http-401")."""
    if not answer.headers.get("content-type", "").startswith("application/problem+json"):
        return ""
    return str(answer.json().get("type", "")).rsplit("/", 1)[-1]


def outcome(answer: httpx.Response, req: Req) -> str:
    """The outcome class of an answer, in the matrix's words."""
    status, kind = answer.status_code, _problem_kind(answer)
    if (status, kind) in ((401, "http-401"), (403, "forbidden"), (404, "not-found")):
        return str(status)
    if req.passed is not None and status == req.passed[0] and kind == "invalid-input":
        fields = [error.get("field") for error in answer.json().get("errors", [])]
        return "ok" if fields == [req.passed[1]] else f"{status} naming {fields}"
    if 200 <= status < 300 or status == 409:
        if req.listed is None:
            return "ok"
        return "ok" if req.listed(answer.json()) else "404"
    return f"unexpected {status} {answer.text[:300]}"


def _cells(access: Access) -> list[tuple[str | None, str, str]]:
    """(role or None for anonymous, scope, expected outcome) for one route."""
    if access.target == PUBLIC:
        return [(who, "own", "ok") for who in (None, *ROLES)]
    cells: list[tuple[str | None, str, str]] = [(None, "own", "401")]
    for role in ROLES:
        cells.append((role, "own", access.own[role]))
        if access.target != NONE:
            cells.append((role, "other", access.other[role]))
    return cells


def test_every_route_answers_every_role_as_the_matrix_says(
    client: TestClient,
    people: People,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    supervisor: Supervisor,
    figures: list[str],
) -> None:
    assert set(RECIPES) <= set(BY_ROUTE), "a request for a route the matrix does not have"
    world = _build_world(client, people, sessions, core, supervisor)
    wrong: list[str] = []
    checked = 0
    for access in MATRIX:
        for who, scope, expected in _cells(access):
            url, req = _call(access, Ask(world, who or "admin", scope))
            headers = people.auth(who) if who is not None else {}
            answer = client.request(
                access.method,
                url,
                json=req.json,
                data=req.data,
                files=req.files,
                params=req.query,
                headers=headers,
            )
            got = outcome(answer, req)
            checked += 1
            if got != expected:
                wrong.append(
                    f"{access.key} as {who or 'anonymous'} ({scope}): {got}, not {expected}"
                )
    figures.append(f"authorisation matrix: {len(MATRIX)} routes, {checked} cells checked")
    assert not wrong, "\n".join(wrong)


def test_every_route_of_the_app_has_a_row(client: TestClient) -> None:
    # Recent FastAPI (0.165 here) includes routers lazily: app.routes holds the included
    # routers, which iter_route_contexts opens; in older ones app.routes is the flat list.
    flatten = getattr(fastapi.routing, "iter_route_contexts", iter)
    app: FastAPI = client.app  # type: ignore[assignment]
    # The service hall's pages (api/portal) take no bearer token: a page is the applicant's
    # by the session cookie and calls the same service functions; tests/portal covers them.
    routes = {
        f"{method} {getattr(route, 'path', None)}"
        for route in flatten(app.routes)
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
        and not getattr(getattr(route, "endpoint", None), "__module__", "").startswith("api.portal")
    }
    assert len(routes) > 50  # the routes inside the included routers were found
    assert routes - set(BY_ROUTE) == set(), "routes without a row in api/authorization.py"
    assert set(BY_ROUTE) - routes == set(), "rows of api/authorization.py the app does not have"
