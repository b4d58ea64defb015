"""Cases of a service-hall account for the page tests: walked through the real services by
the `people` fixture's staff, then given to the account (applicant_user_id = its user)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.accounts.service import create_account
from approval_core.cases.models import Case
from approval_core.cases.schemas import Applicant
from approval_core.context import Actor, CoreDeps
from tests.conftest import ApplicantLogin, FrozenClock, People
from tests.receipts.support import EXTENSION_ITEM, MISSING, SUPPLEMENT, Walked, walk_full_case
from tests.support import act, bj, mandatory_materials, submit


def give(sessions: sessionmaker[Session], case_id: str, owner: Actor) -> None:
    """The case becomes the account's, as if the account had filed it."""
    with sessions() as session, session.begin():
        session.execute(
            update(Case).where(Case.id == case_id).values(applicant_user_id=owner.user_id)
        )


def another_account(sessions: sessionmaker[Session], core: CoreDeps) -> ApplicantLogin:
    applicant = Applicant(name="钱另人", id_number="110101199003074573", phone="13700001111")
    password = "another-horse-77"
    with sessions() as session, session.begin():
        account = create_account(
            session, core.now(), login="13700001111", password=password, applicant=applicant
        )
        actor = Actor(account.user_id, account.name, "applicant", None)
    return ApplicantLogin(actor, "13700001111", password)


@dataclass
class Cases:
    """The account's concluded case, its case waiting for materials, and someone else's."""

    concluded: Walked
    supplementing: Walked
    foreign: Walked


def supplementing_case(sessions: sessionmaker[Session], core: CoreDeps, people: People) -> Walked:
    """Registered, then asked for two materials (补正中) on 2026-03-16."""
    clerk = people.actors["other_clerk"]
    have = [m for m in mandatory_materials(core, EXTENSION_ITEM) if m not in MISSING]
    cid, number, code = submit(sessions, core, clerk, EXTENSION_ITEM, bj(2026, 3, 16), have)
    act(sessions, core, clerk, cid, "register", bj(2026, 3, 16, 9, 10))
    act(sessions, core, clerk, cid, "request_supplement", bj(2026, 3, 16, 9, 30), **SUPPLEMENT)
    return Walked(cid, number, code)


def stopped_case(sessions: sessionmaker[Session], core: CoreDeps, people: People) -> Walked:
    """Accepted 2026-03-10, in expert review since 2026-03-13: the clock is stopped."""
    clerk, handler = people.actors["other_clerk"], people.actors["other_handler"]
    cid, number, code = submit(sessions, core, clerk, EXTENSION_ITEM, bj(2026, 3, 9))
    act(sessions, core, clerk, cid, "register", bj(2026, 3, 9, 9, 10))
    act(sessions, core, clerk, cid, "accept", bj(2026, 3, 10, 10))
    act(sessions, core, clerk, cid, "assign", bj(2026, 3, 10, 11), assignee=handler.user_id)
    stop = {"stop_type": "expert_review", "expected_days": 10, "reason": "需组织专家评审"}
    act(sessions, core, handler, cid, "stop", bj(2026, 3, 13, 10), **stop)
    return Walked(cid, number, code)


def account_cases(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    owner: ApplicantLogin,
) -> Cases:
    """Three cases at 2026-03-20 09:00 Beijing time; the first two are the account's."""
    concluded = walk_full_case(sessions, core, people, clock)
    supplementing = supplementing_case(sessions, core, people)
    foreign = stopped_case(sessions, core, people)
    give(sessions, concluded.case_id, owner.actor)
    give(sessions, supplementing.case_id, owner.actor)
    return Cases(concluded, supplementing, foreign)
