"""Tampering with the evidence in the database is detected and named: an edited record, a
deleted last record, reordered records, an edited case row (`sunlight records verify`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of, verify_chain
from approval_core.records.verify import Finding, verify_records
from tests.conftest import KEY, FrozenClock, People
from tests.support import full_run, item_in

# full_run's records: 1 submit, 2 register, 3 accept, 4 assign, 5 stop, 6 resume, 7 handle,
# 8 review, 9 conclude (approved); the case ends concluded.
LAST = 9


def _edit_decision(session: Session, case_id: str) -> None:
    """The conclusion's payload rewritten from approved to denied."""
    session.execute(
        update(CaseRecord)
        .where(CaseRecord.case_id == case_id, CaseRecord.seq == LAST)
        .values(payload={"decision": "denied", "decision_no": "赣司〔2026〕1号"})
    )


def _delete_last(session: Session, case_id: str) -> None:
    session.execute(delete(CaseRecord).where(CaseRecord.case_id == case_id, CaseRecord.seq == LAST))


def _swap_handle_and_review(session: Session, case_id: str) -> None:
    """Records 7 and 8 exchange their sequence numbers (through a free number: seq is unique)."""
    for old, new in ((7, -1), (8, 7), (-1, 8)):
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == case_id, CaseRecord.seq == old)
            .values(seq=new)
        )


def _edit_state(session: Session, case_id: str) -> None:
    session.execute(update(Case).where(Case.id == case_id).values(state="reviewed"))


Tamper = Callable[[Session, str], None]
# What is done, and what verify must say: the record at fault (None: the case row) and the
# problem (each finding also names the case by its tracking number).
TAMPERINGS: dict[str, tuple[Tamper, int | None, str]] = {
    "edited record": (_edit_decision, LAST, "content does not match hash"),
    "deleted last record": (_delete_last, None, f"record(s) {LAST}-{LAST} are missing"),
    "reordered records": (_swap_handle_and_review, 7, "prev_hash does not match"),
    "edited case row": (
        _edit_state,
        None,
        "the case row's state is 'reviewed', the records replay to 'concluded'",
    ),
}


def _names(findings: list[Finding], seq: int | None, text: str) -> bool:
    return any(f.seq == seq and text in f.problem for f in findings)


def _cases(
    n: int, sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> list[tuple[str, str]]:
    """`n` concluded cases: (id, tracking number)."""
    item = item_in(core, people.department)
    ids = [full_run(sessions, core, people, clock, item) for _ in range(n)]
    with sessions() as session:
        return [(i, session.get_one(Case, i).tracking_no) for i in ids]


def test_an_untouched_database_verifies_clean(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    _cases(2, sessions, core, people, clock)
    with sessions() as session:
        result = verify_records(session, KEY)
    assert (result.cases, result.records, result.findings) == (2, 2 * LAST, [])


@pytest.mark.parametrize("what", list(TAMPERINGS))
def test_each_tampering_is_named(
    what: str,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    (case_id, tracking_no), (other_id, _) = _cases(2, sessions, core, people, clock)
    tamper, seq, text = TAMPERINGS[what]
    with sessions() as session, session.begin():
        tamper(session, case_id)
    with sessions() as session:
        result = verify_records(session, KEY)
    assert _names(result.findings, seq, text), result.findings
    assert {(f.case_id, f.tracking_no) for f in result.findings} == {(case_id, tracking_no)}
    assert other_id not in {f.case_id for f in result.findings}


def test_the_chain_alone_misses_a_deleted_last_record(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    """What is left is a valid shorter chain: only the case row's head and count show the
    loss, and the state the remaining records replay to."""
    ((case_id, _),) = _cases(1, sessions, core, people, clock)
    with sessions() as session, session.begin():
        _delete_last(session, case_id)
    with sessions() as session:
        assert verify_chain(records_of(session, case_id), KEY) == []
    with sessions() as session:
        problems = [f.problem for f in verify_records(session, KEY).findings]
    assert problems == [
        f"the chain head on the case row is record {LAST} but the last record is {LAST - 1}: "
        f"record(s) {LAST}-{LAST} are missing",
        f"the case row counts {LAST} records, {LAST - 1} are stored",
        "the case row's state is 'concluded', the records replay to 'reviewed'",
        "the case row's step is 'done', the records replay to 'conclude'",
        "the case row's decision is 'approved', the records replay to None",
    ]


def test_records_verify_names_every_tampered_case_and_prints_the_counts(
    cli_env: CliRunner,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    figures: list[str],
) -> None:
    cases = _cases(len(TAMPERINGS) + 1, sessions, core, people, clock)
    clean = cli_env.invoke(main, ["records", "verify"])
    assert clean.exit_code == 0, clean.output
    total = f"{len(cases)} cases and {len(cases) * LAST} records checked"
    assert clean.output == f"{total}, 0 breaks in 0 cases\n"
    *tampered, (_, untouched) = cases
    with sessions() as session, session.begin():
        for (tamper, *_), (case_id, _) in zip(TAMPERINGS.values(), tampered, strict=True):
            tamper(session, case_id)
    result = cli_env.invoke(main, ["records", "verify"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    detected = 0
    for (what, (_, seq, text)), (_, tracking_no) in zip(TAMPERINGS.items(), tampered, strict=True):
        where = f"record {seq}" if seq is not None else "case row"
        named = [line for line in lines if line.startswith(f"BREAK {tracking_no} ")]
        assert [line for line in named if f" {where}: " in line and text in line], (what, named)
        detected += 1
    assert not [line for line in lines if untouched in line]
    assert lines[-1].endswith(f"breaks in {len(TAMPERINGS)} cases")
    figures.append(
        f"tampering detected and named: {detected} of {len(TAMPERINGS)} "
        f"({', '.join(TAMPERINGS)}); {lines[-1]}"
    )
