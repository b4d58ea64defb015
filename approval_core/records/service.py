"""Append records to a case's hash chain, and verify chains (tamper evidence)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.records.models import CaseRecord
from approval_core.timeutil import as_utc

GENESIS = "0" * 64

# The fields a record's hash covers: everything but its id and its own hash.
HASHED_FIELDS = (
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "actor_id",
    "actor_name",
    "actor_role",
    "recorded_by",
    "at",
    "recorded_at",
    "reason",
    "legal_basis",
    "documents_in",
    "documents_out",
    "payload",
    "prev_hash",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def record_hash(record: CaseRecord, key: str) -> str:
    """HMAC-SHA256 over the canonical JSON of the record's content and its predecessor's hash."""
    body = {name: _canonical(getattr(record, name)) for name in HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def append_record(session: Session, record: CaseRecord, *, prev_hash: str, key: str) -> CaseRecord:
    """Chain and add a record; the caller's transaction commits it with the case change."""
    record.prev_hash = prev_hash
    record.hash = record_hash(record, key)
    session.add(record)
    session.flush()
    return record


def records_of(session: Session, case_id: str) -> list[CaseRecord]:
    stmt = select(CaseRecord).where(CaseRecord.case_id == case_id).order_by(CaseRecord.seq)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ChainBreak:
    case_id: str
    seq: int
    problem: str


def verify_chain(records: Sequence[CaseRecord], key: str) -> list[ChainBreak]:
    """Every break in one case's chain: a changed record, a gap, a reordering or a deletion."""
    breaks: list[ChainBreak] = []
    prev = GENESIS
    for expected_seq, record in enumerate(records, start=1):
        if record.seq != expected_seq:
            breaks.append(ChainBreak(record.case_id, record.seq, f"expected seq {expected_seq}"))
        if record.prev_hash != prev:
            breaks.append(ChainBreak(record.case_id, record.seq, "prev_hash does not match"))
        if record_hash(record, key) != record.hash:
            breaks.append(ChainBreak(record.case_id, record.seq, "content does not match hash"))
        prev = record.hash
    return breaks


def verify_all(session: Session, key: str) -> tuple[int, list[ChainBreak]]:
    """Verify every case's chain; returns (records checked, breaks)."""
    stmt = select(CaseRecord).order_by(CaseRecord.case_id, CaseRecord.seq)
    breaks: list[ChainBreak] = []
    count = 0
    current: list[CaseRecord] = []
    for record in session.scalars(stmt):
        count += 1
        if current and current[0].case_id != record.case_id:
            breaks.extend(verify_chain(current, key))
            current = []
        current.append(record)
    if current:
        breaks.extend(verify_chain(current, key))
    return count, breaks
