"""The conclusions table gives the same figures as replaying the records: each concluded case
gets its row with the conclude record; statistics with the rows deleted (every case replayed)
equal those with them, for every unit, now and as of a past moment; a backfill restores them."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.conclusions.models import Conclusion
from approval_core.conclusions.service import backfill
from approval_core.context import CoreDeps
from supervisor.evaluation.statistics import period_bounds
from tests.conftest import FrozenClock, People
from tests.evaluation.test_statistics import END_OF_JULY, LATER, build
from tests.evaluation.test_supervision_figures import recorded


def test_the_table_equals_replaying_the_records(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = recorded(sessions, core, people, clock)  # with alerts, complaints, ratings
    with sessions() as session:
        rows = {c.case_id: c for c in session.scalars(select(Conclusion))}
    # H A B C D E concluded; F rejected and G withdrawn have none.
    assert set(rows) == {history.ids[k] for k in "HABCDE"}
    c = rows[history.ids["C"]]
    assert (c.outcome, c.days_used, c.days_late, c.late, c.early) == (
        "approved",
        33,
        3,
        True,
        False,
    )
    assert c.handler_key == str(people.actors["handler"].user_id)
    d = rows[history.ids["D"]]
    assert (d.days_used, d.stopped_days, d.early, d.late) == (7, 5, True, False)

    moments = (LATER, END_OF_JULY)
    units = ("department", "handler", "item")
    with_table = {(by, m): history.report(by, m) for by in units for m in moments}
    with sessions() as session, session.begin():
        session.execute(delete(Conclusion))
    replayed = {(by, m): history.report(by, m) for by in units for m in moments}
    assert replayed == with_table
    with sessions() as session, session.begin():
        assert backfill(session, core) == 6
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Conclusion)) == 6
    assert {(by, m): history.report(by, m) for by in units for m in moments} == with_table


def test_backfill_from_the_command_line(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    cli_env: CliRunner,
) -> None:
    build(sessions, core, people, clock)
    with sessions() as session, session.begin():
        session.execute(delete(Conclusion))
    result = cli_env.invoke(main, ["evaluate", "backfill-conclusions"])
    assert result.exit_code == 0, result.output
    assert "added 6" in result.output
    again = cli_env.invoke(main, ["evaluate", "backfill-conclusions"])
    assert "added 0" in again.output


def test_cases_concluded_after_the_moment_make_no_empty_rows(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    history = build(sessions, core, people, clock)
    # As of the end of July, B C E are replayed (concluded later); in June they had nothing:
    # only H (LAWYER-DIV) was received and accepted, and PLS-DIV (E) has no row at all.
    june = history.report("department", END_OF_JULY, period_bounds("2026-06"))
    assert [(r.key, r.received, r.accepted) for r in june] == [("LAWYER-DIV", 1, 1)]
