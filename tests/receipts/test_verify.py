"""Verification: a genuine code verifies; a changed record or a made-up code does not."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.receipts.verify import mask_name, normalise_code, verify_code
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of, verify_chain
from tests.conftest import FrozenClock, People
from tests.receipts.support import all_receipts, walk_full_case, walk_rejected_case
from tests.support import item_in


def _verifies(sessions: sessionmaker[Session], core: CoreDeps, code: str) -> str | None:
    """The number of the receipt `code` verifies, or None."""
    with sessions() as session:
        found = verify_code(session, core, code)
        return found[0].number if found else None


def _tamper(sessions: sessionmaker[Session], case_id: str, seq: int, **values: object) -> None:
    """Change a record behind the service's back, as someone with database access could."""
    with sessions() as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == case_id, CaseRecord.seq == seq)
            .values(**values)
        )


def test_every_genuine_code_verifies(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    for receipt in all_receipts(sessions, core, walked.case_id):
        assert _verifies(sessions, core, receipt.printed_code) == receipt.number


def test_a_changed_reason_fails_verification_and_breaks_the_chain(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_rejected_case(sessions, core, people, clock, item_in(core, people.department))
    received, rejection = all_receipts(sessions, core, walked.case_id)
    _tamper(sessions, walked.case_id, rejection.record_seq, reason="材料齐全，予以受理")
    assert _verifies(sessions, core, rejection.code) is None
    with sessions() as session:
        breaks = verify_chain(records_of(session, walked.case_id), core.record_key)
    assert [(b.seq, b.problem) for b in breaks] == [(3, "content does not match hash")]
    # The receipt printed before the changed record is still genuine.
    assert _verifies(sessions, core, received.code) == received.number


def test_a_changed_material_list_fails_verification(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    supplement = all_receipts(sessions, core, walked.case_id)[1]
    _tamper(sessions, walked.case_id, supplement.record_seq, payload={"materials": ["IDENTITY"]})
    assert _verifies(sessions, core, supplement.code) is None
    rebuilt = all_receipts(sessions, core, walked.case_id)[1]
    assert rebuilt.code != supplement.code
    assert rebuilt.digest != supplement.digest


def test_made_up_and_malformed_codes_fail(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_rejected_case(sessions, core, people, clock, item_in(core, people.department))
    genuine = all_receipts(sessions, core, walked.case_id)[1].code
    # Right record locator, wrong MAC; a locator of no record; wrong length and alphabet.
    assert _verifies(sessions, core, genuine[:6] + "A" * 10) is None
    assert _verifies(sessions, core, "7777777777777777") is None
    assert _verifies(sessions, core, genuine[:-1]) is None
    assert normalise_code("abcd-efgh 2345-6701") is None  # 0 and 1 are not base32
    assert normalise_code("abcd-efgh 2345-6723") == "ABCDEFGH23456723"


def test_a_code_made_with_another_key_fails(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_rejected_case(sessions, core, people, clock, item_in(core, people.department))
    genuine = all_receipts(sessions, core, walked.case_id)[1].code
    other = CoreDeps(core.catalogue, core.calendar, "another-key", core.now)
    with sessions() as session:
        assert verify_code(session, other, genuine) is None


def test_names_are_masked() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("周小明") == "周**"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("王") == "王*"
