"""Statistics of supervision and post-supervision: alerts by level, anomalies by rule, removed
cards and their response times, complaints accepted in time or late, reconsideration and
litigation outcomes, ratings and the satisfaction rate; checked against numbers worked out by
hand below, by department, handler and item, and as of a past moment. The cases are the eight
of test_statistics.py (A handler; B, D handler2; C handler, late; E other_handler, PLS-DIV;
H handler, LAWFIRM-ESTABLISH); on top of them:

Alerts (opened by the rules; here written as the Judge writes them):
    warning TIME-WARNING on A, Mon 7-6 10:00
    yellow TIME-YELLOW on C, Mon 7-20 10:00; 回告 by handler Tue 7-21 10:00 (24 h); removed 7-22
    red TIME-RED on C, Thu 8-13 10:00; 回告 16:00 (6 h); removed Fri 8-14
    anomalies: PROC-A on E (7-22), PROC-B on B (7-23), PROC-A on B (7-24)
Complaints (5 working days to accept; the day it arrives not counted):
    about A, received Mon 7-6 (due 7-13), accepted Wed 7-8: in time
    about E, received Mon 7-6 (due 7-13), accepted Mon 7-20: late
    about LAWYER-DIV (no case), received Tue 7-7, never accepted
Remedies: reconsideration of C decided 9-10 revoked (against); litigation of B decided 9-15
    kept; compensation of A decided 9-1 (not a reconsideration or litigation); reconsideration
    of E pending.
Ratings: H 非常不满意 (7-3), A 非常满意 (7-11), D 满意 (7-18), C 不满意 (8-18), E 基本满意 (8-6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from approval_core.aftercare.complaints import file_complaint, take_step
from approval_core.aftercare.remedies import add_remedy, decide_remedy, rate
from approval_core.aftercare.schemas import (
    ComplaintIn,
    ComplaintStepIn,
    RatingIn,
    RemedyIn,
    RemedyOutcomeIn,
)
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from supervisor.alerts import service as alerts
from supervisor.alerts.models import Alert
from supervisor.evaluation.statistics import Row
from tests.conftest import FrozenClock, People
from tests.evaluation.test_statistics import END_OF_JULY, LATER, History, build
from tests.support import bj

NEW = ("alerts_warning", "alerts_yellow", "alerts_red", "anomalies", "anomalies_by_rule",
       "cards_removed", "card_response_hours", "complaints", "complaints_accepted_in_time",
       "complaints_accepted_late", "remedies_decided", "remedies_against", "ratings",
       "ratings_satisfied", "satisfaction_rate")  # fmt: skip


def figures(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """key -> the supervision figures that are not zero / empty (a rate of 0.0 is kept)."""
    out = {}
    for row in rows:
        data = {name: getattr(row, name) for name in NEW}
        data = {
            k: v for k, v in data.items() if v not in (None, {}) and not (type(v) is int and v == 0)
        }
        if data:
            out[row.key] = data
    return out


class Supervision:
    def __init__(self, history: History, clock: FrozenClock) -> None:
        self.h, self.clock = history, clock
        self.sessions, self.core, self.a = history.sessions, history.core, history.people.actors

    def alert(self, case: str, rule: str, level: str, at: datetime) -> int:
        with self.sessions() as session, session.begin():
            row = session.get(Case, self.h.ids[case])
            assert row is not None
            alert = Alert(
                cause=f"{rule}:{row.id}", subject=row.id, rule_id=rule, ruleset_version="test",
                level=level, status="open", case_id=row.id, item_code=row.item_code,
                department_code=row.department_code, responsible_user_id=row.handler_id,
                legal_basis="行政许可法第四十二条", title_zh=rule, title_en=rule,
                message_zh=rule, message_en=rule, response_days=None if level == "warning" else 3,
                opened_at=at, updated_at=at,
            )  # fmt: skip
            session.add(alert)
            session.flush()
            return alert.id

    def card(self, case: str, level: str, opened: datetime, hours: int, removed: datetime) -> None:
        alert_id = self.alert(case, f"TIME-{level.upper()}", level, opened)
        responded = datetime.fromtimestamp(opened.timestamp() + hours * 3600, opened.tzinfo)
        with self.sessions() as session, session.begin():
            alerts.respond(session, self.a["handler"], alert_id, "已整改 / fixed", responded)
        with self.sessions() as session, session.begin():
            alerts.remove(session, self.a["supervisor"], alert_id, "已整改 / fixed", removed)

    def complaint(
        self, who: str, case: str | None, at: datetime, accepted: datetime | None
    ) -> None:
        self.clock.set(at)
        body = ComplaintIn(channel="letter", complainant="张三", content="办理太慢 / too slow",
                           case_id=self.h.ids[case] if case else None,
                           department=None if case else "LAWYER-DIV")  # fmt: skip
        with self.sessions() as session, session.begin():
            complaint_id = file_complaint(session, self.core, self.a[who], body).id
        if accepted is not None:
            self.clock.set(accepted)
            with self.sessions() as session, session.begin():
                step = ComplaintStepIn(action="accept")
                take_step(session, self.core, self.a["supervisor"], complaint_id, step)

    def remedy(self, case: str, kind: str, outcome: str | None, decided: Any) -> None:
        body = RemedyIn(kind=kind, reference=f"{kind}-{case}", body="江西省人民政府",
                        filed_on=bj(2026, 8, 20).date())  # fmt: skip
        with self.sessions() as session, session.begin():
            row = session.get(Case, self.h.ids[case])
            assert row is not None
            remedy = add_remedy(session, self.core, self.a["supervisor"], row, body)
            if outcome is not None:
                amount = 1000 if outcome == "compensated" else None
                decision = RemedyOutcomeIn(outcome=outcome, decided_on=decided, amount=amount)
                decide_remedy(session, self.a["supervisor"], row, remedy.id, decision)

    def rating(self, case: str, level: str, at: datetime) -> None:
        self.clock.set(at)
        with self.sessions() as session, session.begin():
            row = session.get(Case, self.h.ids[case])
            assert row is not None
            rate(session, self.core, row, RatingIn(level=level))

    def record(self) -> None:
        self.alert("A", "TIME-WARNING", "warning", bj(2026, 7, 6, 10))
        self.card("C", "yellow", bj(2026, 7, 20, 10), 24, bj(2026, 7, 22, 10))
        self.card("C", "red", bj(2026, 8, 13, 10), 6, bj(2026, 8, 14, 10))
        self.alert("E", "PROC-A", "anomaly", bj(2026, 7, 22, 10))
        self.alert("B", "PROC-B", "anomaly", bj(2026, 7, 23, 10))
        self.alert("B", "PROC-A", "anomaly", bj(2026, 7, 24, 10))
        self.complaint("clerk", "A", bj(2026, 7, 6, 10), bj(2026, 7, 8, 10))
        self.complaint("other_clerk", "E", bj(2026, 7, 6, 10), bj(2026, 7, 20, 10))
        self.complaint("clerk", None, bj(2026, 7, 7, 10), None)
        self.clock.set(LATER)
        self.remedy("C", "reconsideration", "revoked", bj(2026, 9, 10).date())
        self.remedy("B", "litigation", "kept", bj(2026, 9, 15).date())
        self.remedy("A", "compensation", "compensated", bj(2026, 9, 1).date())
        self.remedy("E", "reconsideration", None, None)
        self.rating("H", "非常不满意", bj(2026, 7, 3, 10))
        self.rating("A", "非常满意", bj(2026, 7, 11, 10))
        self.rating("D", "满意", bj(2026, 7, 18, 10))
        self.rating("C", "不满意", bj(2026, 8, 18, 10))
        self.rating("E", "基本满意", bj(2026, 8, 6, 10))
        self.clock.set(LATER)


def recorded(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> History:
    history = build(sessions, core, people, clock)
    Supervision(history, clock).record()
    return history


# LAWYER-DIV, Q3: the warning on A, both cards on C (removed; responses 24 h and 6 h: 15.0),
# the anomalies on B; complaints about A (in time) and about the department; C revoked and B
# kept; ratings H A D C of which A and D satisfied.
LAWYER_DIV = {"alerts_warning": 1, "alerts_yellow": 1, "alerts_red": 1, "anomalies": 2,
              "anomalies_by_rule": {"PROC-A": 1, "PROC-B": 1}, "cards_removed": 2,
              "card_response_hours": 15.0, "complaints": 2, "complaints_accepted_in_time": 1,
              "remedies_decided": 2, "remedies_against": 1, "ratings": 4,
              "ratings_satisfied": 2, "satisfaction_rate": 0.5}  # fmt: skip
# PLS-DIV: E's anomaly, its complaint accepted late, its rating (基本满意).
E_ONLY = {"anomalies": 1, "anomalies_by_rule": {"PROC-A": 1}, "complaints": 1,
          "complaints_accepted_late": 1, "ratings": 1, "ratings_satisfied": 1,
          "satisfaction_rate": 1.0}  # fmt: skip


def test_supervision_figures_by_department_handler_and_item(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = recorded(sessions, core, people, clock)
    assert figures(history.report("department")) == {"LAWYER-DIV": LAWYER_DIV, "PLS-DIV": E_ONLY}
    a = people.actors
    assert figures(history.report("handler")) == {
        # handler: H A C: the warning, both cards, A's complaint, C revoked; ratings H A C
        # with A satisfied: 1 / 3.
        str(a["handler"].user_id): {"alerts_warning": 1, "alerts_yellow": 1, "alerts_red": 1,
                                    "cards_removed": 2, "card_response_hours": 15.0,
                                    "complaints": 1, "complaints_accepted_in_time": 1,
                                    "remedies_decided": 1, "remedies_against": 1, "ratings": 3,
                                    "ratings_satisfied": 1, "satisfaction_rate": 0.3333},
        # handler2: B and D: B's anomalies, B's litigation kept, D's rating.
        str(a["handler2"].user_id): {"anomalies": 2,
                                     "anomalies_by_rule": {"PROC-A": 1, "PROC-B": 1},
                                     "remedies_decided": 1, "ratings": 1,
                                     "ratings_satisfied": 1, "satisfaction_rate": 1.0},
        str(a["other_handler"].user_id): E_ONLY,
        # the complaint about the department names no case, so nobody's
        "-": {"complaints": 1},
    }  # fmt: skip
    assert figures(history.report("item")) == {
        "APPRAISER-PRACTICE": E_ONLY,
        # H alone: 非常不满意
        "LAWFIRM-ESTABLISH": {"ratings": 1, "satisfaction_rate": 0.0},
        # LAWYER-DIV without H's rating and the department's complaint: ratings A D C.
        "LAWYER-PRACTICE": {**LAWYER_DIV, "complaints": 1, "ratings": 3,
                            "satisfaction_rate": 0.6667},
        "-": {"complaints": 1},
    }  # fmt: skip


def test_supervision_figures_as_of_a_past_moment(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = recorded(sessions, core, people, clock)
    # As of the end of July: the red card, C's and E's ratings and the remedies came later.
    assert figures(history.report("department", END_OF_JULY)) == {
        "LAWYER-DIV": {"alerts_warning": 1, "alerts_yellow": 1, "anomalies": 2,
                       "anomalies_by_rule": {"PROC-A": 1, "PROC-B": 1}, "cards_removed": 1,
                       "card_response_hours": 24.0, "complaints": 2,
                       "complaints_accepted_in_time": 1, "ratings": 3, "ratings_satisfied": 2,
                       "satisfaction_rate": 0.6667},
        "PLS-DIV": {"anomalies": 1, "anomalies_by_rule": {"PROC-A": 1}, "complaints": 1,
                    "complaints_accepted_late": 1},
    }  # fmt: skip
