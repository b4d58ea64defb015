"""The chain head on the case row: appending reads no record, the row's derived columns equal
a replay of all the records, concurrent actions stay single-winner, the migration backfills."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.cases.replay import replay
from approval_core.cases.rows import read_case, write_event
from approval_core.cases.schemas import ActionCommand
from approval_core.cases.snapshot import counters_of, event_to_json
from approval_core.context import CoreDeps
from approval_core.errors import IllegalTransition
from approval_core.migrations import downgrade, upgrade
from approval_core.outbox.models import Fact
from approval_core.records.models import GENESIS, CaseRecord
from approval_core.records.service import records_of
from approval_core.records.verify import verify_records
from tests.conftest import KEY, FrozenClock, People
from tests.support import act, bj, full_run, item_in, submit

_CASE_KEYS = [column.key for column in Case.__table__.columns]


@pytest.fixture
def item(core: CoreDeps, people: People) -> str:
    return item_in(core, people.department)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_case_row_holds_the_last_records_seq_and_hash(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    with sessions() as session:
        case = session.get_one(Case, case_id)
        (first,) = records_of(session, case_id)
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (case.chain_seq, case.chain_hash) == (1, first.hash)
    clock.advance(minutes=5)
    act(sessions, core, people.actors["clerk"], case_id, "register", clock())
    with sessions() as session:
        case = session.get_one(Case, case_id)
        second = records_of(session, case_id)[-1]
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert (case.chain_seq, case.chain_hash, case.record_count) == (2, second.hash, 2)


def test_an_action_reads_no_record(
    engine: Engine,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    item: str,
) -> None:
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(sessions, core, clerk, item, clock())
    for action in ("register", "accept"):
        clock.advance(minutes=5)
        act(sessions, core, clerk, case_id, action, clock())
    clock.advance(minutes=5)
    with _statements(engine) as seen:
        act(sessions, core, clerk, case_id, "charge_fee", clock(), amount=10)
    sql = [s.lstrip().upper() for s in seen]
    assert [s for s in sql if s.startswith("SELECT") and "CASE_RECORDS" in s] == []
    # (on PostgreSQL the record is written by the same statement as the row and the fact)
    assert [s for s in sql if "INSERT INTO CASE_RECORDS" in s]
    with sessions() as session:
        assert verify_records(session, KEY).findings == []


def test_an_action_writes_its_row_record_and_fact_in_one_statement_on_postgresql(
    engine: Engine,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    item: str,
) -> None:
    """One round trip for the three rows on PostgreSQL; three statements on SQLite."""
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(sessions, core, clerk, item, clock())
    clock.advance(minutes=5)
    with _statements(engine) as seen:
        act(sessions, core, clerk, case_id, "register", clock())
    writes = [s.lstrip().upper() for s in seen if not s.lstrip().upper().startswith("SELECT")]
    writes = [s for s in writes if s.split()[0] in ("WITH", "INSERT", "UPDATE")]
    if engine.dialect.name == "postgresql":
        assert len(writes) == 1
        (write,) = writes
        assert write.startswith("WITH")
        for part in ("UPDATE CASES", "INSERT INTO CASE_RECORDS", "INSERT INTO FACTS"):
            assert part in write
    else:
        assert [w.split("(")[0].strip() for w in writes] == [
            "UPDATE CASES SET MATERIALS=?, STATE=?, STEP=?, RESUME_STATE=?, STOP_TYPE=?, "
            "ASSIGNEE_ID=?, HANDLER_ID=?, REVIEWER_ID=?, DECISION=?, DECISION_NO=?, "
            "LAST_EVENT_AT=?, RECORD_COUNT=?, CHAIN_SEQ=?, CHAIN_HASH=?, CLOCK_STARTED_ON=?, "
            "CLOCK_DUE_DATE=?, CLOCK_ELAPSED=?, CLOCK_REMAINING=?, CLOCK_OVERDUE=?, "
            "CLOCK_RUNNING=?, CLOCK_DEEMED_ACCEPTED=?, CLOCK_PROVISIONAL=?, "
            "CALENDAR_VERSION=?, POLICY_VERSION=?, CLOCK_COMPUTED_AT=?, CLOCK_EVENTS=?, "
            "COUNTERS=?, VERSION=? WHERE CASES.ID = ? AND CASES.VERSION = ?",
            "INSERT INTO CASE_RECORDS",
            "INSERT INTO FACTS",
        ]
    with sessions() as session:
        (fact,) = session.scalars(
            select(Fact).where(Fact.case_id == case_id, Fact.kind == "case.register")
        )
        record = records_of(session, case_id)[-1]
        case = session.get_one(Case, case_id)
    assert (fact.record_id, record.action, case.state) == (record.id, "register", "registered")
    assert fact.payload["event"]["record_seq"] == record.seq == case.chain_seq == 2


def test_an_event_on_a_row_changed_meanwhile_writes_nothing(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    """The compare-and-set on the row's version guards the record and the fact too."""
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(sessions, core, clerk, item, clock())
    with sessions() as session:
        stale = session.get_one(Case, case_id)
        (first,) = records_of(session, case_id)
        session.expunge_all()
    clock.advance(minutes=5)
    act(sessions, core, clerk, case_id, "register", clock())  # the row moves on
    with sessions() as session:
        before = (len(records_of(session, case_id)), session.scalar(select(func.count(Fact.id))))
    record = CaseRecord(
        **{c.key: getattr(first, c.key) for c in CaseRecord.__table__.columns if c.key != "id"}
    )
    record.seq, record.action = 2, "charge_fee"
    event_row = {"kind": "case.charge_fee", "payload": {"event": {}}, "created_at": clock()}
    with pytest.raises(StaleDataError), sessions() as session, session.begin():
        write_event(session, stale, record, event_row, new=False)
    with sessions() as session:
        after = (len(records_of(session, case_id)), session.scalar(select(func.count(Fact.id))))
        assert session.get_one(Case, case_id).state == "registered"
    assert after == before


def test_the_rows_clock_inputs_and_counters_equal_a_replay_of_every_record(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    """Folded one record at a time from the row, they match a fold of the whole chain."""
    a = people.actors
    clerk, handler, head = a["clerk"], a["handler"], a["head"]
    clock.set(bj(2026, 4, 30, 18))
    case_id, _, _ = submit(sessions, core, clerk, item, bj(2026, 3, 2, 9))
    missing = {"materials": [core.catalogue.get(item).mandatory_materials[0].code]}
    steps: list[tuple[Any, str, int, dict[str, Any]]] = [
        (clerk, "register", 2, {}),
        (clerk, "request_supplement", 2, missing),
        (clerk, "supplement_received", 3, {}),
        (clerk, "charge_fee", 3, {"amount": "12.50"}),
        (clerk, "accept", 4, {}),
        (clerk, "assign", 4, {"assignee": handler.user_id}),
        (handler, "stop", 5, {"stop_type": "expert_review", "expected_days": 3}),
        (handler, "resume", 9, {}),
        (handler, "extend", 10, {"days": 5, "reason": "案情复杂"}),
        (head, "approve_extension", 10, {"days": 5}),
        (handler, "handle", 11, {}),
        (a["reviewer"], "return", 12, {"to_step": "handle", "reason": "补充核查"}),
        (handler, "charge_fee", 12, {"amount": 30}),
        (handler, "handle", 13, {}),
        (a["reviewer"], "review", 16, {}),
        (head, "conclude", 17, {"decision": "approved"}),
    ]
    for minute, (who, action, day, fields) in enumerate(steps):
        act(sessions, core, who, case_id, action, bj(2026, 3, day, 10, minute), **fields)
    with sessions() as session:
        case = session.get_one(Case, case_id)
        records = records_of(session, case_id)
    replayed = replay(records)
    assert case.clock_events == [event_to_json(e) for e in replayed.events]
    assert case.counters == counters_of(records)
    assert Decimal(case.counters["fee_total"]) == Decimal("42.50")
    assert (case.counters["returns"], case.counters["stops"]) == (1, 1)
    assert case.counters["supplement_notices_before_acceptance"] == 1


def _race(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, case_id: str, **fields: Any
) -> list[BaseException | None]:
    """Six clerks do the same action on one case at once; each one's error or None."""
    action = fields.pop("action")

    def one(_: int) -> BaseException | None:
        try:
            act(sessions, core, people.actors["clerk"], case_id, action, core.now(), **fields)
        except (IllegalTransition, StaleDataError) as exc:
            return exc
        return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(6)))


def test_concurrent_registrations_have_one_winner_and_the_chain_stays_whole(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    outcomes = _race(sessions, core, people, case_id, action="register")
    assert outcomes.count(None) == 1
    with sessions() as session:
        result = verify_records(session, KEY)
        case = session.get_one(Case, case_id)
    assert (result.records, result.findings) == (2, [])
    assert (case.state, case.chain_seq) == ("registered", 2)


def test_concurrent_appends_to_one_chain_each_get_their_own_place(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    """Every fee may be charged: each append follows the head another one moved, none is lost."""
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    outcomes = _race(sessions, core, people, case_id, action="charge_fee", amount=1)
    won = outcomes.count(None)
    assert won == len(outcomes)  # each one waited for the one before, then appended
    with sessions() as session:
        result = verify_records(session, KEY)
        case = session.get_one(Case, case_id)
        seqs = [r.seq for r in records_of(session, case_id)]
    assert result.findings == []
    assert seqs == list(range(1, won + 2))
    assert Decimal(case.counters["fee_total"]) == won


def test_the_migration_backfills_the_chain_head_from_the_records(
    engine: Engine,
    db_url: str,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    item: str,
) -> None:
    case_id = full_run(sessions, core, people, clock, item)
    with sessions() as session, session.begin():
        session.execute(update(Case).values(chain_seq=0, chain_hash="x"))
    engine.dispose()  # no pooled connection holds the table while it is altered
    downgrade(db_url, "0006")
    try:
        with engine.connect() as conn:
            columns = conn.execute(text("SELECT * FROM cases")).keys()
        assert "chain_seq" not in columns
    finally:
        upgrade(db_url)
    with sessions() as session:
        assert verify_records(session, KEY).findings == []
    with sessions() as session:
        case = session.get_one(Case, case_id)
        last = records_of(session, case_id)[-1]
    assert (case.chain_seq, case.chain_hash) == (9, last.hash)


def test_a_case_read_by_its_row_stands_in_the_session_as_a_query_would_seat_it(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    with sessions() as session:
        expected = {key: getattr(session.get_one(Case, case_id), key) for key in _CASE_KEYS}
    with sessions() as session, session.begin():
        case = read_case(session, case_id, for_update=True)
        assert case is not None
        assert {key: getattr(case, key) for key in _CASE_KEYS} == expected
        assert case in session
        assert not session.dirty
        assert not session.new
        assert session.get(Case, case_id) is case  # one object per row, as with a query
        assert read_case(session, case_id) is case
        case.step = "changed"  # a change the session writes, as for a queried object
        assert read_case(session, case_id) is case  # the object, not the row
        assert case.step == "changed"
    with sessions() as session:
        stored = session.get_one(Case, case_id)
        assert stored.step == "changed"
        assert stored.version == expected["version"] + 1  # the version check still applies
        assert read_case(session, "no-such-case") is None


def test_an_expired_case_is_read_again(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    case_id, _, _ = submit(sessions, core, people.actors["clerk"], item, clock())
    with sessions() as session, session.begin():
        case = read_case(session, case_id)
        assert case is not None
        session.execute(update(Case).where(Case.id == case_id).values(step="elsewhere"))
        session.expire(case)
        again = read_case(session, case_id)
        assert again is case
        assert again.step == "elsewhere"


def test_a_change_made_before_an_action_in_its_transaction_is_kept(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> None:
    """As a query's autoflush would: the change is written before the action reads the row
    (the demo links its cases to the demo applicant this way)."""
    clerk = people.actors["clerk"]
    case_id, _, _ = submit(sessions, core, clerk, item, clock())
    clock.advance(minutes=5)
    with sessions() as session, session.begin():
        session.get_one(Case, case_id).applicant_phone = "13900000000"
        cases.act(session, core, clerk, case_id, ActionCommand(action="register", at=clock()))
    with sessions() as session:
        stored = session.get_one(Case, case_id)
        assert stored.applicant_phone == "13900000000"
        assert stored.state == "registered"
