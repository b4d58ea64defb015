"""The DB-derived gauges: every known label combination with 0, and figures counted by hand."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.catalogue.service import Catalogue
from approval_core.db import make_engine
from supervisor.alerts.models import Alert
from tests.conftest import FrozenClock
from tests.metrics.support import alert_row, case_row, sample_names, scrape, series, value
from tests.support import bj

LAWYER, LAWYER_DIV = "LAWYER-PRACTICE", "LAWYER-DIV"
APPRAISAL, PLS_DIV = "APPRAISAL-INSTITUTION-ESTABLISH", "PLS-DIV"
STEPS = ("accept", "assign", "conclude", "handle", "register", "review", "supplement")
LEVELS = ("warning", "yellow", "red", "anomaly")


def _pairs(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(code, item.department) for code, item in catalogue.items.items()]


def test_every_known_combination_is_there_with_zero(client: TestClient) -> None:
    text = scrape(client)
    catalogue = client.app.state.service.core.catalogue  # type: ignore[attr-defined]
    pairs = _pairs(catalogue)
    open_cases = series(text, "sunlight_open_cases", "item", "department", "step")
    assert open_cases == {(i, d, s): 0 for i, d in pairs for s in STEPS}
    alerts = series(text, "sunlight_open_alerts", "level", "department", "item")
    assert alerts == {(lv, d, i): 0 for lv in LEVELS for i, d in pairs}
    buckets = series(text, "sunlight_open_cases_by_remaining", "bucket")
    assert buckets == {(b,): 0 for b in ("overdue", "0-3", "4-10", "11+", "not_running")}
    overdue = series(text, "sunlight_overdue_cases", "department")
    assert overdue == {(d,): 0 for d in catalogue.departments}
    stopped = series(text, "sunlight_stopped_clocks", "stop_type")
    assert stopped == {(s,): 0 for s in catalogue.stop_types}
    by_rule = series(text, "sunlight_open_alerts_by_rule", "rule", "level")
    sup = client.app.state.service.supervisor  # type: ignore[attr-defined]
    assert by_rule == {(r.id, r.level): 0 for r in sup.ruleset.rules}
    assert len(by_rule) >= 20
    for name in ("sunlight_notification_backlog", "sunlight_notification_dead_letters"):
        assert value(text, name) == 0
    assert value(text, "sunlight_metrics_db_up") == 1


def _cases() -> list[Case]:
    return [
        # two open cases in the lawyers' division, one of them overdue
        case_row(1, LAWYER, LAWYER_DIV, "handling", "handle", remaining=2),
        case_row(2, LAWYER, LAWYER_DIV, "reviewing", "review", remaining=0, overdue=3),
        # a clock stopped for expert review, one in supplementing (stopped, remaining kept)
        case_row(
            3,
            APPRAISAL,
            PLS_DIV,
            "suspended",
            "handle",
            running=False,
            remaining=8,
            stop_type="expert_review",
        ),
        case_row(
            4,
            APPRAISAL,
            PLS_DIV,
            "supplementing",
            "supplement",
            running=False,
            remaining=15,
            stop_type="supplement",
        ),
        # on the clock with 10 and 11 working days left (bucket edges)
        case_row(5, APPRAISAL, PLS_DIV, "accepted", "assign", remaining=10),
        case_row(6, LAWYER, LAWYER_DIV, "registered", "accept", remaining=11),
        # closed cases count nowhere, overdue or not
        case_row(7, LAWYER, LAWYER_DIV, "concluded", "done", remaining=0, overdue=5),
        case_row(8, APPRAISAL, PLS_DIV, "withdrawn", "done", running=False),
    ]


def _alerts() -> list[Alert]:
    return [
        alert_row("c1", "TIME-YELLOW", "yellow", "open", LAWYER, LAWYER_DIV),
        alert_row("c2", "TIME-RED", "red", "acknowledged", LAWYER, LAWYER_DIV),
        alert_row("c3", "TIME-RED", "red", "responded", LAWYER, LAWYER_DIV),
        alert_row("c4", "PROC-ACCEPT-LATE", "anomaly", "open", APPRAISAL, PLS_DIV),
        # no longer active: resolved, removed (摘牌)
        alert_row("c5", "TIME-WARNING", "warning", "resolved", LAWYER, LAWYER_DIV),
        alert_row("c6", "TIME-YELLOW", "yellow", "removed", APPRAISAL, PLS_DIV),
    ]


def _fill(service: ServiceState) -> None:
    with service.sessions() as session, session.begin():
        session.add_all([*_cases(), *_alerts()])


def test_figures_for_cases_and_alerts_made_by_hand(client: TestClient) -> None:
    _fill(client.app.state.service)  # type: ignore[attr-defined]
    text = scrape(client)
    open_cases = series(text, "sunlight_open_cases", "item", "department", "step")
    assert {k: v for k, v in open_cases.items() if v} == {
        (LAWYER, LAWYER_DIV, "handle"): 1,
        (LAWYER, LAWYER_DIV, "review"): 1,
        (LAWYER, LAWYER_DIV, "accept"): 1,
        (APPRAISAL, PLS_DIV, "handle"): 1,
        (APPRAISAL, PLS_DIV, "supplement"): 1,
        (APPRAISAL, PLS_DIV, "assign"): 1,
    }
    assert series(text, "sunlight_open_cases_by_remaining", "bucket") == {
        ("overdue",): 1,
        ("0-3",): 1,
        ("4-10",): 1,
        ("11+",): 1,
        ("not_running",): 2,
    }
    overdue = series(text, "sunlight_overdue_cases", "department")
    assert {k: v for k, v in overdue.items() if v} == {(LAWYER_DIV,): 1}
    stopped = series(text, "sunlight_stopped_clocks", "stop_type")
    assert {k: v for k, v in stopped.items() if v} == {("expert_review",): 1, ("supplement",): 1}
    alerts = series(text, "sunlight_open_alerts", "level", "department", "item")
    assert {k: v for k, v in alerts.items() if v} == {
        ("yellow", LAWYER_DIV, LAWYER): 1,
        ("red", LAWYER_DIV, LAWYER): 2,
        ("anomaly", PLS_DIV, APPRAISAL): 1,
    }
    by_rule = series(text, "sunlight_open_alerts_by_rule", "rule", "level")
    assert {k: v for k, v in by_rule.items() if v} == {
        ("TIME-YELLOW", "yellow"): 1,
        ("TIME-RED", "red"): 2,
        ("PROC-ACCEPT-LATE", "anomaly"): 1,
    }


def test_without_metrics_db_only_the_process_figures_are_served(service: ServiceState) -> None:
    _fill(service)
    settings = service.settings.model_copy(update={"metrics_db": False})
    off = ServiceState(settings, service.engine, service.sessions, service.supervisor, service.now)
    names = sample_names(scrape(TestClient(create_app(off))))
    for db_figure in (
        "sunlight_open_cases",
        "sunlight_open_alerts",
        "sunlight_overdue_cases",
        "sunlight_metrics_db_up",
        "sunlight_notification_backlog",
    ):
        assert db_figure not in names
    assert {"sunlight_facts_processed_total", "sunlight_rules_info"} <= names
    names_on = sample_names(scrape(TestClient(create_app(service))))
    assert {"sunlight_open_cases", "sunlight_overdue_cases"} <= names_on


def test_calendar_years_entered_or_provisional(client: TestClient, clock: FrozenClock) -> None:
    # chinesecalendar 1.11.0 knows 2004-2026 and rules/calendar.yaml adds no year.
    clock.set(bj(2025, 6, 2))
    text = scrape(client)
    assert series(text, "sunlight_calendar_year_entered", "year") == {("2025",): 1, ("2026",): 1}
    clock.set(bj(2026, 12, 1))
    text = scrape(client)
    assert series(text, "sunlight_calendar_year_entered", "year") == {("2026",): 1, ("2027",): 0}


def test_an_unreadable_database_says_so_and_keeps_the_process_figures(
    service: ServiceState, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")  # no such folder
    sup = service.supervisor
    broken = ServiceState(service.settings, engine, service.sessions, sup, service.now)
    text = scrape(TestClient(create_app(broken)))
    assert value(text, "sunlight_metrics_db_up") == 0
    assert "sunlight_open_cases" not in sample_names(text)  # no zeros that look like good news
    assert value(text, "sunlight_rules_last_reload_success") == 1
