"""HMAC-SM3 for records and receipt codes (SUNLIGHT_RECORD_MAC=hmac-sm3): the algorithm against
published vectors, a chain that changes MAC halfway verifies clean, a changed SM3 record is
caught, and receipt codes made under either MAC verify whatever the setting is now."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.receipts.service import CODE_LEN, LOCATOR_LEN, receipt_facts, receipts_of
from approval_core.receipts.verify import verify_code
from approval_core.records.mac import RecordMac, mac
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.records.verify import verify_records
from supervisor.runtime import Supervisor
from tests import conftest
from tests.conftest import KEY, FrozenClock, People
from tests.receipts.support import DECISION
from tests.support import act, bj, item_in, submit

SHA: RecordMac = "hmac-sha256"
SM3: RecordMac = "hmac-sm3"


def _ints(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_sm3_matches_gb_t_32905() -> None:
    """GB/T 32905-2016 appendix A, examples 1 and 2."""
    assert hashlib.new("sm3", b"abc").digest() == _ints(
        "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0"
    )
    assert hashlib.new("sm3", b"abcd" * 16).digest() == _ints(
        "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732"
    )


# GM/T 0042-2015 appendix D.3 (also in OpenSSL's test/recipes/30-test_evp_data/evpmac_sm3.txt).
HMAC_SM3_VECTORS = [
    (
        bytes(range(1, 33)),
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a",
    ),
    (
        bytes(range(1, 38)),
        b"\xcd" * 50,
        "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae",
    ),
]


@pytest.mark.parametrize(("key", "message", "expected"), HMAC_SM3_VECTORS)
def test_hmac_sm3_matches_gm_t_0042(key: bytes, message: bytes, expected: str) -> None:
    assert mac(SM3, key, message).hex() == expected


@pytest.mark.parametrize("key", [b"k", b"\x0b" * 64, bytes(range(200))])
def test_hmac_sm3_is_rfc_2104_over_sm3(key: bytes) -> None:
    """The construction by hand (block 64; a longer key hashed first), for keys of each size."""
    message = "受理通知书 receipt".encode()
    block = hashlib.new("sm3", key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    inner = hashlib.new("sm3", bytes(b ^ 0x36 for b in block) + message).digest()
    outer = hashlib.new("sm3", bytes(b ^ 0x5C for b in block) + inner).digest()
    assert mac(SM3, key, message) == outer
    assert mac(SHA, key, message) != outer


def _mixed_case(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> str:
    """Submitted, registered and accepted under HMAC-SHA256; the setting then changes to
    HMAC-SM3 and the case is assigned, handled, reviewed and concluded (7 records: 3 + 4)."""
    a, sm3 = people.actors, replace(core, record_mac=SM3)
    clock.set(bj(2026, 4, 30, 18))
    case_id, _, _ = submit(
        sessions, core, a["clerk"], item_in(core, people.department), bj(2026, 3, 2)
    )
    act(sessions, core, a["clerk"], case_id, "register", bj(2026, 3, 2, 10))
    act(sessions, core, a["clerk"], case_id, "accept", bj(2026, 3, 3, 10))
    handler = a["handler"].user_id
    act(sessions, sm3, a["clerk"], case_id, "assign", bj(2026, 3, 3, 11), assignee=handler)
    act(sessions, sm3, a["handler"], case_id, "handle", bj(2026, 3, 10, 10))
    act(sessions, sm3, a["reviewer"], case_id, "review", bj(2026, 3, 11, 10))
    act(sessions, sm3, a["head"], case_id, "conclude", bj(2026, 3, 12, 10), **DECISION)
    return case_id


def _tamper(sessions: sessionmaker[Session], case_id: str, seq: int, **values: object) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == case_id, CaseRecord.seq == seq)
            .values(**values)
        )


def test_a_chain_that_changes_mac_halfway_verifies_clean(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    case_id = _mixed_case(sessions, core, people, clock)
    with sessions() as session:
        records = records_of(session, case_id)
        assert [r.mac for r in records] == [SHA] * 3 + [SM3] * 4
        # The links hold across the change: each record names its predecessor's hash.
        assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    with sessions() as session:
        result = verify_records(session, KEY)
    assert (result.cases, result.records, result.findings) == (1, 7, [])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"payload": {"decision": "denied"}}, "content does not match hash"),
        # Claiming the other MAC does not pass either: the hash was made with SM3.
        ({"mac": SHA}, "content does not match hash"),
        ({"mac": "hmac-md5"}, "cannot be checked: unknown MAC 'hmac-md5'"),
    ],
)
def test_a_changed_sm3_record_is_named(
    change: dict[str, object],
    problem: str,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    case_id = _mixed_case(sessions, core, people, clock)
    _tamper(sessions, case_id, 7, **change)
    with sessions() as session:
        findings = verify_records(session, KEY).findings
    assert [(f.seq, f.problem[: len(problem)]) for f in findings if f.seq is not None] == [
        (7, problem)
    ]


def _code_mac(case: Case, record: CaseRecord, kind: str) -> str:
    """A code's MAC part computed apart: the record's own MAC over the receipt's facts."""
    facts = receipt_facts(case, record, kind)
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    sealed = mac(record.mac, KEY.encode(), b"receipt\0" + text.encode())
    return base64.b32encode(sealed).decode()[: CODE_LEN - LOCATOR_LEN]


def test_receipt_codes_verify_under_both_macs_whatever_the_setting_now(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    case_id = _mixed_case(sessions, core, people, clock)
    with sessions() as session:
        case = session.get_one(Case, case_id)
        printed = receipts_of(session, core, case)
        by_seq = {r.seq: r for r in records_of(session, case_id)}
        macs = {seq: r.mac for seq, r in by_seq.items()}
    assert {macs[r.record_seq] for r in printed} == {SHA, SM3}  # codes of both kinds
    for receipt in printed:  # each code's MAC part is its issuing record's own MAC
        record = by_seq[receipt.record_seq]
        assert receipt.code[LOCATOR_LEN:] == _code_mac(case, record, receipt.kind)
    for setting in (SHA, SM3):
        now = replace(core, record_mac=setting)
        with sessions() as session:
            for receipt in printed:
                found = verify_code(session, now, receipt.printed_code)
                assert found is not None
                assert found[0].number == receipt.number
    # The same facts sealed with the other MAC give another code: each code is its record's.
    sm3_receipt = next(r for r in printed if macs[r.record_seq] == SM3)
    _tamper(sessions, case_id, sm3_receipt.record_seq, mac=SHA)
    with sessions() as session:
        assert verify_code(session, core, sm3_receipt.printed_code) is None


def test_the_setting_seals_records_written_through_the_api(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
    core: CoreDeps,
    people: People,
) -> None:
    settings = conftest.test_settings(db_url, record_mac=SM3)
    service = ServiceState(
        settings=settings, engine=engine, sessions=sessions, supervisor=supervisor, now=clock
    )
    assert service.core.record_mac == SM3
    clock.set(bj(2026, 3, 2, 9))
    item = item_in(core, people.department)
    materials = [m.code for m in core.catalogue.get(item).mandatory_materials]
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "36010219900101123X", "phone": "13800000000"},
        "materials": materials,
    }
    client = TestClient(create_app(service))
    made = client.post("/api/v1/cases", json=body, headers=people.auth("clerk"))
    assert made.status_code == 201, made.text
    listed = client.get(f"/api/v1/cases/{made.json()['id']}/records", headers=people.auth("clerk"))
    assert [r["mac"] for r in listed.json()] == [SM3]
    with sessions() as session:
        assert verify_records(session, KEY).findings == []


def test_the_setting_takes_only_known_macs(db_url: str) -> None:
    # The default: existing deployments seal and verify as before.
    assert conftest.test_settings(db_url).record_mac == SHA
    with pytest.raises(ValidationError, match="record_mac"):
        conftest.test_settings(db_url, record_mac="hmac-md5")
