"""The running totals of /metrics (metric_deltas) against the rows they count.

After a history of actions, sweeps, alert steps, conclusions and ratings through the API, the
totals a scrape reads equal the GROUP BY over the rows; the reconciliation finds nothing to
repair, and repairs a drift made by hand; the increments fold into one row per key.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.tallies.models import MetricDelta
from approval_core.tallies.service import OPEN_CASES, totals
from supervisor.metrics.state import StateCollector, Tallies
from supervisor.metrics.totals import compact_totals, reconcile
from supervisor.scheduler import Jobs
from tests.conftest import FrozenClock, People
from tests.metrics.support import scrape, series, value
from tests.support import bj, mandatory_materials, settle

LAWYER, LAWYER_DIV = "LAWYER-PRACTICE", "LAWYER-DIV"  # 30 working days, promised less
ID_NUMBER = "36010219900101123X"


def _post(client: TestClient, people: People, who: str, url: str, **body: Any) -> Any:
    response = client.post(url, json=body, headers=people.auth(who))
    assert response.status_code in (200, 201), response.text
    settle(client)
    return response.json()


def _file(client: TestClient, people: People, core: CoreDeps, *steps: str) -> dict[str, Any]:
    body = {
        "item": LAWYER,
        "applicant": {"name": "张三", "id_number": ID_NUMBER},
        "materials": mandatory_materials(core, LAWYER),
    }
    filed: dict[str, Any] = _post(client, people, "applicant", "/api/v1/cases", **body)
    for step in steps:
        _act(client, people, filed["id"], step)
    return filed


ACTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "register": ("clerk", {}),
    "accept": ("clerk", {}),
    "handle": ("handler", {}),
    "review": ("reviewer", {}),
    "conclude": ("head", {"decision": "approved"}),
    "stop": (
        "handler",
        {"stop_type": "expert_review", "expected_days": 5, "legal_basis": "行政许可法第四十五条"},
    ),
    "request_supplement": ("clerk", {"materials_missing": []}),
    "withdraw": ("clerk", {"reason": "申请人撤回"}),
}


def _act(client: TestClient, people: People, case_id: str, action: str) -> None:
    who, extra = ACTIONS.get(action, ("clerk", {"assignee": people.actors["handler"].user_id}))
    _post(client, people, who, f"/api/v1/cases/{case_id}/actions", action=action, **extra)


def _both(service: ServiceState) -> tuple[Tallies, Tallies]:
    """The figures of a scrape from the running totals, and from the rows."""
    by_totals = StateCollector(service.engine, service.supervisor, "totals").read()
    by_rows = StateCollector(service.engine, service.supervisor, "rows").read()
    return by_totals, by_rows


def _history(
    client: TestClient, people: People, core: CoreDeps, clock: FrozenClock
) -> dict[str, Any]:
    """Cases in many steps, sweeps that open and close cards, a card answered, conclusions
    early and late, a withdrawal and a rating."""
    clock.set(bj(2026, 3, 2, 9))
    early = _file(client, people, core, "register", "accept", "assign", "handle", "review")
    _act(client, people, early["id"], "conclude")
    late = _file(client, people, core, "register", "accept", "assign")
    stopped = _file(client, people, core, "register", "accept", "assign", "stop")
    _file(client, people, core, "register")
    gone = _file(client, people, core, "register", "accept")
    _act(client, people, gone["id"], "withdraw")
    for day in ((4, 9, 12), (4, 15, 9), (4, 21, 9)):  # warning, yellow, red for `late`
        clock.set(bj(2026, *day))
        _post(client, people, "admin", "/api/v1/supervision/sweep", as_of=clock().isoformat())
    alerts = client.get(f"/api/v1/alerts?case_id={late['id']}", headers=people.auth("supervisor"))
    yellow = next(a for a in alerts.json() if a["rule_id"] == "TIME-YELLOW")
    _post(client, people, "handler", f"/api/v1/alerts/{yellow['id']}/ack")
    for action in ("handle", "review", "conclude"):
        _act(client, people, late["id"], action)
    public = f"/api/v1/public/cases/{early['tracking_no']}"
    rated = client.post(
        f"{public}/rating", params={"code": early["query_code"]}, json={"level": "满意"}
    )
    assert rated.status_code == 201, rated.text
    return {"stopped": stopped}


def test_totals_equal_the_rows_after_a_history(
    client: TestClient, service: ServiceState, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    _history(client, people, core, clock)
    by_totals, by_rows = _both(service)
    assert by_totals == by_rows
    assert sum(by_totals.open_cases.values()) == 2  # stopped, and one waiting to be accepted
    assert by_totals.stopped["expert_review"] == 1
    assert sum(by_totals.alerts.values()) > 0
    assert reconcile(service.sessions).ok
    text = scrape(client)
    concluded = series(text, "sunlight_cases_concluded_total", "department", "item", "timeliness")
    assert {k: v for k, v in concluded.items() if v} == {
        (LAWYER_DIV, LAWYER, "early"): 1,
        (LAWYER_DIV, LAWYER, "late"): 1,
    }
    assert (LAWYER_DIV, LAWYER, "on_time") in concluded
    ratings = series(text, "sunlight_ratings_total", "level")
    assert {k: v for k, v in ratings.items() if v} == {("满意",): 1}
    assert len(ratings) == 5
    assert value(text, "sunlight_open_cases_by_remaining", bucket="not_running") >= 1


def test_compaction_folds_increments_and_keeps_the_figures(
    client: TestClient, service: ServiceState, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    _history(client, people, core, clock)
    sessions = service.sessions
    with sessions() as session:
        before = totals(session)
        rows = session.scalar(select(func.count()).select_from(MetricDelta)) or 0
    removed = compact_totals(sessions)
    with sessions() as session:
        after_rows = session.scalar(select(func.count()).select_from(MetricDelta))
        assert totals(session) == before
    assert removed > 0
    assert after_rows == len(before) == rows - removed
    assert compact_totals(sessions) == 0
    by_totals, by_rows = _both(service)
    assert by_totals == by_rows


def _drift_by_hand(sessions: sessionmaker[Session], case_id: str) -> None:
    """A case changed behind the triggers' back, and a running total off by 5."""
    with sessions() as session, session.begin():
        session.add(MetricDelta(metric=OPEN_CASES, labels="X|Y|handle|0-3|", delta=5))
    with sessions() as session, session.begin():
        dialect = session.get_bind().dialect.name
        off = "ALTER TABLE cases DISABLE TRIGGER tr_cases_totals_update"
        on = "ALTER TABLE cases ENABLE TRIGGER tr_cases_totals_update"
        if dialect == "postgresql":
            session.execute(text(off))
        else:  # SQLite cannot disable a trigger: move the row's change out of its sight
            session.execute(text("DROP TRIGGER tr_cases_totals_update"))
        session.execute(update(Case).where(Case.id == case_id).values(state="handling"))
        if dialect == "postgresql":
            session.execute(text(on))
        else:
            # On the same connection: another pooled connection may still hold the schema
            # with the trigger in it (SQLite checks a CREATE against the schema it has read)
            # and refuse to create it again.
            session.execute(text(_sqlite_trigger()))


def _sqlite_trigger() -> str:
    from importlib import import_module

    migration = import_module("approval_core.migrations.versions.0013_metric_deltas")
    table, metric, key, columns = migration._WATCHED[0]
    return str(migration._sqlite(table, metric, key, columns)[1])


def test_reconciliation_repairs_a_drift_made_by_hand(
    client: TestClient, service: ServiceState, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    stopped = _history(client, people, core, clock)["stopped"]
    _drift_by_hand(service.sessions, stopped["id"])
    by_totals, by_rows = _both(service)
    assert by_totals != by_rows
    result = reconcile(service.sessions)
    drift = result.drift[OPEN_CASES]
    assert drift["X|Y|handle|0-3|"] == (5, 0)
    assert drift[f"{LAWYER}|{LAWYER_DIV}|handle|not_running|expert_review"] == (1, 0)
    assert len(drift) == 3
    by_totals, by_rows = _both(service)
    assert by_totals == by_rows
    assert reconcile(service.sessions).ok


def test_the_triggers_are_there_at_head(engine: Engine) -> None:
    """A later SQLite batch migration that recreates cases or alerts drops them silently."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tr_%_totals_%'"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        names = set(conn.execute(text(query)).scalars())
    expected = {f"tr_{t}_totals_{e}" for t in ("cases", "alerts") for e in ("insert", "update")}
    assert expected <= names


def test_only_the_leader_folds_and_reconciles(
    client: TestClient, service: ServiceState, people: People, core: CoreDeps, clock: FrozenClock
) -> None:
    _history(client, people, core, clock)
    leader = Jobs(service.sessions, core, service.supervisor, holder="a")
    other = Jobs(service.sessions, core, service.supervisor, holder="b")
    assert leader.sweep_if_leader() is not None  # takes the lease
    assert other.totals_if_leader() is None
    assert other.reconcile_if_leader() is None
    folded = leader.totals_if_leader()
    assert folded is not None
    assert folded > 0
    reconciled = leader.reconcile_if_leader()
    assert reconciled is not None
    assert reconciled.ok
