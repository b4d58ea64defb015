"""Statistics of the recorded history (统计分析): a known history of eight cases driven through
the real services with explicit times, and every figure checked against numbers worked out by
hand below, by department, handler and item; as of a past moment; for other periods; through
the command line and the API (and refused to an applicant).

The calendar of June - August 2026 has no holiday: the working days are Monday to Friday.
Items: LAWYER-PRACTICE and LAWFIRM-ESTABLISH (律师工作管理处 LAWYER-DIV; limit 30, promised 20,
no extension), APPRAISER-PRACTICE (PLS-DIV; limit 20, promised 15, extension up to 10). All
count from acceptance; the acceptance day never counts.

Item and handler; history; clock (working days counted after acceptance):
    H  LAWFIRM-ESTABLISH, handler: submitted and accepted Mon 6-29, approved Thu 7-2.
       Elapsed 3 (6-30, 7-1, 7-2): early, on time.
    A  LAWYER-PRACTICE, handler: accepted Wed 7-1, approved Fri 7-10.
       Elapsed 7 (7-2, 7-3, 7-6..7-10): early, on time.
    B  LAWYER-PRACTICE, handler2: accepted 7-1, denied Wed 8-5.
       Elapsed 25 (22 in July, 8-3..8-5): over the promised 20, on time.
    C  LAWYER-PRACTICE, handler: accepted 7-1, approved Mon 8-17.
       Elapsed 33: due 8-12 (day 30), late by 3 (8-13, 8-14, 8-17).
    D  LAWYER-PRACTICE, handler2: accepted 7-1, expert review Fri 7-3 .. Fri 7-10, approved
       Fri 7-17. Stopped 5 (7-6..7-10); elapsed 7 (7-2, 7-3, 7-13..7-17): early, on time.
    E  APPRAISER-PRACTICE (PLS-DIV), other_handler: accepted 7-1, extension of 10 approved
       Tue 7-21 (before the due date 7-29), approved Wed 8-5.
       Elapsed 25 of 20 + 10: on time, over the promised 15.
    F  LAWYER-PRACTICE, nobody: submitted Thu 7-2, rejected Fri 7-3.
    G  LAWYER-PRACTICE, handler (assigned): submitted Mon 7-6, a supplement notice, accepted
       7-7, withdrawn Wed 7-8.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.context import CoreDeps
from supervisor.evaluation.statistics import Row, period_bounds, statistics
from tests.conftest import FrozenClock, People
from tests.support import act, bj, mandatory_materials, submit

Q3 = (date(2026, 7, 1), date(2026, 9, 30))
END_OF_JULY = bj(2026, 7, 31, 18)  # the past moment: B, C and E not concluded yet
LATER = bj(2026, 12, 1, 12)  # everything recorded
ZERO: dict[str, Any] = {
    "received": 0,
    "accepted": 0,
    "rejected": 0,
    "withdrawn": 0,
    "concluded": 0,
    "approved": 0,
    "denied": 0,
    "concluded_early": 0,
    "on_time": 0,
    "late": 0,
    "days_late": 0,
    "average_days": None,
    "stopped": 0,
    "stopped_days": 0,
    "extensions": 0,
    "supplements": 0,
    "p90_days": None,
    "alerts_warning": 0,
    "alerts_yellow": 0,
    "alerts_red": 0,
    "anomalies": 0,
    "anomalies_by_rule": {},
    "cards_removed": 0,
    "card_response_hours": None,
    "complaints": 0,
    "complaints_accepted_in_time": 0,
    "complaints_accepted_late": 0,
    "remedies_decided": 0,
    "remedies_against": 0,
    "ratings": 0,
    "ratings_satisfied": 0,
    "satisfaction_rate": None,
}


def expect(**figures: Any) -> dict[str, Any]:
    """A row's figures: the ones named, every other one zero (or None for the average)."""
    unknown = set(figures) - set(ZERO)
    assert not unknown, unknown
    return {**ZERO, **figures}


def table(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """key -> figures (name aside)."""
    out = {}
    for row in rows:
        data = row.as_dict()
        key = data.pop("key")
        data.pop("name_zh")
        out[key] = data
    return out


class History:
    """The eight cases above, driven in two phases: up to the end of July, then August."""

    def __init__(self, sessions: sessionmaker[Session], core: CoreDeps, people: People) -> None:
        self.sessions, self.core, self.people = sessions, core, people
        self.a = people.actors
        self.ids: dict[str, str] = {}

    def act(self, case: str, who: str, action: str, at: Any, **fields: Any) -> None:
        act(self.sessions, self.core, self.a[who], self.ids[case], action, at, **fields)

    def start(self, case: str, item: str, clerk: str, day: int, month: int = 7) -> None:
        """Submitted at 9:00 and registered at 9:30 on `day`."""
        self.ids[case], _, _ = submit(
            self.sessions, self.core, self.a[clerk], item, bj(2026, month, day, 9)
        )
        self.act(case, clerk, "register", bj(2026, month, day, 9, 30))

    def accepted(
        self, case: str, item: str, clerk: str, handler: str, day: int, month: int = 7
    ) -> None:
        """Submitted, registered, accepted at 11:00 and assigned at 14:00 on `day`."""
        self.start(case, item, clerk, day, month)
        self.act(case, clerk, "accept", bj(2026, month, day, 11))
        assignee = self.a[handler].user_id
        self.act(case, clerk, "assign", bj(2026, month, day, 14), assignee=assignee)

    def finish(
        self, case: str, handler: str, reviewer: str, dates: list[tuple[int, int]], decision: str
    ) -> None:
        """handle, review and conclude on the (month, day) `dates`, at 9:00."""
        (hm, hd), (rm, rd), (cm, cd) = dates
        self.act(case, handler, "handle", bj(2026, hm, hd, 9))
        self.act(case, reviewer, "review", bj(2026, rm, rd, 9))
        head = "head" if reviewer == "reviewer" else "admin"
        number = f"赣司许〔2026〕{len(case)}{case}号"
        self.act(case, head, "conclude", bj(2026, cm, cd, 9), decision=decision, decision_no=number)

    def until_end_of_july(self) -> None:
        lawyer, firm, appraiser = "LAWYER-PRACTICE", "LAWFIRM-ESTABLISH", "APPRAISER-PRACTICE"
        self.accepted("H", firm, "clerk", "handler", 29, month=6)
        self.finish("H", "handler", "reviewer", [(7, 1), (7, 1), (7, 2)], "approved")
        self.accepted("A", lawyer, "clerk", "handler", 1)
        self.finish("A", "handler", "reviewer", [(7, 8), (7, 9), (7, 10)], "approved")
        self.accepted("B", lawyer, "clerk", "handler2", 1)
        self.accepted("C", lawyer, "clerk", "handler", 1)
        self.accepted("D", lawyer, "clerk", "handler2", 1)
        basis = "行政许可法第四十五条"
        self.act("D", "handler2", "stop", bj(2026, 7, 3, 15), stop_type="expert_review",
                 expected_days=5, legal_basis=basis)  # fmt: skip
        self.act("D", "handler2", "resume", bj(2026, 7, 10, 9))
        self.finish("D", "handler2", "reviewer", [(7, 15), (7, 16), (7, 17)], "approved")
        self.accepted("E", appraiser, "other_clerk", "other_handler", 1)
        why = "案情复杂 / complex case"
        self.act("E", "other_handler", "extend", bj(2026, 7, 20, 9), days=10, reason=why)
        self.act("E", "admin", "approve_extension", bj(2026, 7, 21, 9), days=10, reason=why,
                 legal_basis="行政许可法第四十二条")  # fmt: skip
        self.start("F", lawyer, "clerk", 2)
        self.act("F", "clerk", "reject", bj(2026, 7, 3, 9), reason="不属于本机关职权 / not ours",
                 legal_basis="行政许可法第三十二条")  # fmt: skip
        self.start("G", lawyer, "clerk", 6)
        missing = mandatory_materials(self.core, lawyer)[:1]
        self.act("G", "clerk", "request_supplement", bj(2026, 7, 6, 11), materials=missing)
        self.act("G", "clerk", "supplement_received", bj(2026, 7, 7, 9))
        self.act("G", "clerk", "accept", bj(2026, 7, 7, 10))
        self.act("G", "clerk", "assign", bj(2026, 7, 7, 11), assignee=self.a["handler"].user_id)
        self.act("G", "clerk", "withdraw", bj(2026, 7, 8, 9), reason="申请人撤回 / withdrawn")

    def august(self) -> None:
        self.finish("B", "handler2", "reviewer", [(8, 3), (8, 4), (8, 5)], "denied")
        self.finish("C", "handler", "reviewer", [(8, 13), (8, 14), (8, 17)], "approved")
        self.finish("E", "other_handler", "admin", [(8, 3), (8, 4), (8, 5)], "approved")

    def report(self, by: Any, as_of: Any = LATER, period: tuple[date, date] = Q3) -> list[Row]:
        with self.sessions() as session:
            return statistics(session, self.core, period[0], period[1], by, as_of)


def build(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> History:
    clock.set(LATER)  # every action recorded when it happened (recorded_at = at)
    history = History(sessions, core, people)
    history.until_end_of_july()
    history.august()
    return history


# Q3, as of LATER, by department.
# LAWYER-DIV: received A B C D F G (H came in June) = 6; accepted A B C D G = 5 (H in June);
# rejected F; withdrawn G; concluded H A B C D = 5 (B denied); early H A D = 3 (within 20);
# on time H A B D = 4; late C by 3; average (3 + 7 + 25 + 33 + 7) / 5 = 15.0; stopped D, its 5
# days; one supplement notice (G). p90 (nearest rank, the 5th of 3 7 7 25 33): 33.
LAWYER_DIV_Q3 = expect(received=6, accepted=5, rejected=1, withdrawn=1, concluded=5, approved=4,
                       denied=1, concluded_early=3, on_time=4, late=1, days_late=3,
                       average_days=15.0, p90_days=33, stopped=1, stopped_days=5,
                       supplements=1)  # fmt: skip
# PLS-DIV: E only: received, accepted, its extension approved, concluded on time (25 of 20 + 10)
# but over the promised 15; average 25.0.
PLS_DIV_Q3 = expect(received=1, accepted=1, concluded=1, approved=1, on_time=1,
                    average_days=25.0, p90_days=25, extensions=1)  # fmt: skip


def test_by_department_item_and_handler(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = build(sessions, core, people, clock)
    rows = history.report("department")
    assert table(rows) == {"LAWYER-DIV": LAWYER_DIV_Q3, "PLS-DIV": PLS_DIV_Q3}
    assert [row.name_zh for row in rows] == [
        core.catalogue.departments["LAWYER-DIV"].name_zh,
        core.catalogue.departments["PLS-DIV"].name_zh,
    ]
    assert rows[0].name_zh == "律师工作管理处"

    by_item = history.report("item")
    assert table(by_item) == {
        # APPRAISER-PRACTICE is PLS-DIV's E.
        "APPRAISER-PRACTICE": PLS_DIV_Q3,
        # LAWFIRM-ESTABLISH: H only (received and accepted in June): concluded in 3, early.
        "LAWFIRM-ESTABLISH": expect(
            concluded=1, approved=1, concluded_early=1, on_time=1, average_days=3.0, p90_days=3
        ),  # fmt: skip
        # LAWYER-PRACTICE: LAWYER-DIV without H: concluded A B C D; early A D; on time A B D;
        # average (7 + 25 + 33 + 7) / 4 = 18.0.
        "LAWYER-PRACTICE": expect(
            received=6,
            accepted=5,
            rejected=1,
            withdrawn=1,
            concluded=4,
            approved=3,
            denied=1,
            concluded_early=2,
            on_time=3,
            late=1,
            days_late=3,
            average_days=18.0,
            p90_days=33,
            stopped=1,
            stopped_days=5,
            supplements=1,
        ),  # fmt: skip
    }
    assert by_item[0].name_zh == "司法鉴定人执业登记"

    a = people.actors
    by_handler = table(history.report("handler"))
    assert by_handler == {
        # handler: H A C concluded (A H early and on time, C late by 3), G assigned then
        # withdrawn (received, accepted, its supplement notice); average (3 + 7 + 33) / 3.
        str(a["handler"].user_id): expect(
            received=3,
            accepted=3,
            withdrawn=1,
            concluded=3,
            approved=3,
            concluded_early=2,
            on_time=2,
            late=1,
            days_late=3,
            average_days=14.33,
            p90_days=33,
            supplements=1,
        ),  # fmt: skip
        # handler2: B (denied, on time, 25) and D (stopped 5 days, early, 7): average 16.0.
        str(a["handler2"].user_id): expect(
            received=2,
            accepted=2,
            concluded=2,
            approved=1,
            denied=1,
            concluded_early=1,
            on_time=2,
            average_days=16.0,
            p90_days=25,
            stopped=1,
            stopped_days=5,
        ),  # fmt: skip
        str(a["other_handler"].user_id): PLS_DIV_Q3,
        # F was rejected before anybody was assigned.
        "-": expect(received=1, rejected=1),
    }
    names = {row.key: row.name_zh for row in history.report("handler")}
    assert names[str(a["handler2"].user_id)] == "handler2 测试"
    assert names["-"] == "未分配"


def test_a_past_report_is_unchanged_by_later_actions(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    clock.set(LATER)
    history = History(sessions, core, people)
    history.until_end_of_july()
    before = {by: history.report(by, END_OF_JULY) for by in ("department", "handler", "item")}
    # As of the end of July: H A D concluded (3 + 7 + 7 days: average 17 / 3 = 5.67), all
    # early and on time; B C E still open; E's extension already approved.
    assert table(before["department"]) == {
        "LAWYER-DIV": expect(
            received=6,
            accepted=5,
            rejected=1,
            withdrawn=1,
            concluded=3,
            approved=3,
            concluded_early=3,
            on_time=3,
            average_days=5.67,
            p90_days=7,
            stopped=1,
            stopped_days=5,
            supplements=1,
        ),  # fmt: skip
        "PLS-DIV": expect(received=1, accepted=1, extensions=1),
    }
    history.august()
    after = {by: history.report(by, END_OF_JULY) for by in ("department", "handler", "item")}
    assert after == before
    # ... while as of now the August conclusions count.
    assert table(history.report("department")) == {
        "LAWYER-DIV": LAWYER_DIV_Q3,
        "PLS-DIV": PLS_DIV_Q3,
    }


def test_the_period_keeps_what_happened_in_it(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = build(sessions, core, people, clock)
    # August: only the conclusions of B (denied, 25, on time), C (33, late by 3) and E.
    assert table(history.report("department", period=period_bounds("2026-08"))) == {
        "LAWYER-DIV": expect(
            concluded=2,
            approved=1,
            denied=1,
            on_time=1,
            late=1,
            days_late=3,
            average_days=29.0,
            p90_days=33,
        ),  # fmt: skip
        "PLS-DIV": expect(concluded=1, approved=1, on_time=1, average_days=25.0, p90_days=25),
    }
    # June: H received and accepted (concluded in July).
    june = period_bounds("2026-06")
    assert june == (date(2026, 6, 1), date(2026, 6, 30))
    assert table(history.report("department", period=june)) == {
        "LAWYER-DIV": expect(received=1, accepted=1)
    }
    # One day, Fri 7-3: D stopped, F rejected.
    day = (date(2026, 7, 3), date(2026, 7, 3))
    assert table(history.report("department", period=day)) == {
        "LAWYER-DIV": expect(rejected=1, stopped=1)
    }
    # Q4: nothing.
    assert history.report("department", period=period_bounds("2026-Q4")) == []
    assert period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert period_bounds("2026-Q3") == Q3


def test_cli_and_api_answer_the_same(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
    cli_env: CliRunner,
) -> None:
    build(sessions, core, people, clock)
    query = {"from": "2026-07-01", "to": "2026-09-30", "by": "department",
             "as_of": "2026-12-01T12:00:00+08:00"}  # fmt: skip
    answer = client.get("/api/v1/statistics", params=query, headers=people.auth("supervisor"))
    assert answer.status_code == 200, answer.text
    rows = {row.pop("key"): row for row in answer.json()["rows"]}
    assert rows["LAWYER-DIV"].pop("name_zh") == "律师工作管理处"
    rows["PLS-DIV"].pop("name_zh")
    assert rows == {"LAWYER-DIV": LAWYER_DIV_Q3, "PLS-DIV": PLS_DIV_Q3}

    # A head: their own department only; another's is refused.
    head = client.get("/api/v1/statistics", params=query, headers=people.auth("head"))
    assert head.status_code == 200, head.text
    assert [row["key"] for row in head.json()["rows"]] == [people.department]
    other = {**query, "department": people.other_department}
    refused = client.get("/api/v1/statistics", params=other, headers=people.auth("head"))
    assert refused.status_code == 403

    # An applicant may not; a period ending before it begins is refused naming "to".
    applicant = client.get("/api/v1/statistics", params=query, headers=people.auth("applicant"))
    assert applicant.status_code == 403
    assert applicant.headers["content-type"].startswith("application/problem+json")
    backwards = {**query, "from": "2026-09-30", "to": "2026-07-01"}
    bad = client.get("/api/v1/statistics", params=backwards, headers=people.auth("supervisor"))
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["to"]

    args = ["evaluate", "statistics", "--period", "2026-Q3", "--by", "department",
            "--as-of", "2026-12-01T12:00", "--format", "json"]  # fmt: skip
    result = cli_env.invoke(main, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["from"], document["to"]) == ("2026-07-01", "2026-09-30")
    cli_rows = {row.pop("key"): row for row in document["rows"]}
    for row in cli_rows.values():
        row.pop("name_zh")
    assert cli_rows == {"LAWYER-DIV": LAWYER_DIV_Q3, "PLS-DIV": PLS_DIV_Q3}

    text = cli_env.invoke(main, [*args[:-1], "table"])
    assert text.exit_code == 0, text.output
    assert "律师工作管理处" in text.output
    wrong = cli_env.invoke(main, ["evaluate", "statistics", "--period", "2026-Q5"])
    assert wrong.exit_code == 2
    assert "--period" in wrong.output
