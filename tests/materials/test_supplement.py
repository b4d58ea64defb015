"""The applicant answers a supplement notice by uploading every material it asked for; the
supplement_received record carries the files' SHA-256 and ends the clock stop."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.cases.schemas import ActionCommand
from approval_core.context import CoreDeps
from approval_core.errors import Forbidden, IllegalTransition, InvalidInput
from approval_core.materials import service as materials
from approval_core.materials.schemas import UploadLimits
from approval_core.records.service import records_of, verify_chain
from approval_core.records.verify import verify_records
from tests.conftest import KEY, FrozenClock, People
from tests.materials.conftest import PNG, command, pdf, rows, stored, upload
from tests.support import act, item_in, mandatory_materials

ASKED = ["IDENTITY", "FIRM_CONSENT"]


def _waiting_for_supplement(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> str:
    """A case filed online with two materials missing, registered, and told to supplement."""
    item = item_in(core, people.department)
    given = [m for m in mandatory_materials(core, item) if m not in ASKED]
    with sessions() as session, session.begin():
        case, _, _ = materials.submit_with_files(
            session,
            core,
            people.actors["applicant"],
            command(item),
            [upload(m, pdf()) for m in given],
            limits,
        )
        case_id = case.id
    clerk = people.actors["clerk"]
    act(sessions, core, clerk, case_id, "register", core.now())
    act(sessions, core, clerk, case_id, "request_supplement", core.now(), materials=ASKED)
    return case_id


def test_the_applicant_answers_the_notice_with_every_material_and_the_stop_ends(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    limits: UploadLimits,
    clock: FrozenClock,
) -> None:
    case_id = _waiting_for_supplement(sessions, core, people, limits)
    clock.advance(days=2)
    files = [upload("IDENTITY", PNG, "身份证.png"), upload("FIRM_CONSENT", pdf(3000))]
    with sessions() as session, session.begin():
        case, rows_ = materials.supplement_with_files(
            session, core, people.actors["applicant"], case_id, files, limits
        )
        assert case.state == "registered"  # back where the notice found it
        assert {r.action for r in rows_} == {"supplement"}
    with sessions() as session:
        records = records_of(session, case_id)
        case_row = session.get(Case, case_id)
        assert case_row is not None
        assert set(ASKED) <= set(case_row.materials)
    last = records[-1]
    assert (last.action, last.actor_role) == ("supplement_received", "applicant")
    assert last.at == clock.moment
    assert [f["sha256"] for f in last.payload["files"]] == [
        hashlib.sha256(PNG).hexdigest(),
        hashlib.sha256(pdf(3000)).hexdigest(),
    ]
    assert verify_chain(records, KEY) == []
    with sessions() as session:  # `sunlight records verify`: the chain and the case row
        assert verify_records(session, KEY).findings == []


def test_a_partial_answer_is_refused_naming_what_is_missing_and_nothing_is_kept(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    case_id = _waiting_for_supplement(sessions, core, people, limits)
    before = stored(limits.directory)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        materials.supplement_with_files(
            session, core, people.actors["applicant"], case_id, [upload("IDENTITY", PNG)], limits
        )
    assert refused.value.field == "files"
    assert "FIRM_CONSENT" in refused.value.detail_zh
    assert stored(limits.directory) == before
    assert rows(sessions)[0] == len(before)


def test_the_applicant_cannot_end_the_stop_without_files(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    case_id = _waiting_for_supplement(sessions, core, people, limits)
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        cases.act(
            session,
            core,
            people.actors["applicant"],
            case_id,
            ActionCommand(action="supplement_received", materials=ASKED),
        )
    assert refused.value.field == "files"
    # staff record a supplement handed in on paper, as before
    act(sessions, core, people.actors["clerk"], case_id, "supplement_received", core.now())


def test_uploads_outside_a_supplement_or_by_a_role_without_the_step_are_refused_unwritten(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    case_id = _waiting_for_supplement(sessions, core, people, limits)
    before = stored(limits.directory)
    files = [upload(m, pdf()) for m in ASKED]
    with sessions() as session, session.begin(), pytest.raises(Forbidden):
        materials.supplement_with_files(
            session, core, people.actors["supervisor"], case_id, files, limits
        )
    act(sessions, core, people.actors["clerk"], case_id, "supplement_received", core.now())
    with sessions() as session, session.begin(), pytest.raises(IllegalTransition):
        materials.supplement_with_files(
            session, core, people.actors["applicant"], case_id, files, limits
        )
    assert stored(limits.directory) == before
