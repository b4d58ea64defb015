"""Append records to a case's hash chain, and verify chains (tamper evidence)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.records.mac import DEFAULT_MAC, MacUnavailable, RecordMac, mac
from approval_core.records.models import GENESIS, CaseRecord
from approval_core.timeutil import as_utc

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
    """The record's MAC (its `mac`: HMAC-SHA256 or HMAC-SM3) over the canonical JSON of its
    content and its predecessor's hash, in hex; MacUnavailable if this host lacks that MAC."""
    body = {name: _canonical(getattr(record, name)) for name in HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return mac(record.mac or DEFAULT_MAC, key.encode(), text.encode()).hex()


class ChainHead(Protocol):
    """What a chain is appended to: the case row's head (the last record's seq and hash)."""

    chain_seq: int
    chain_hash: str


def chain_record(
    head: ChainHead, record: CaseRecord, *, key: str, record_mac: RecordMac = DEFAULT_MAC
) -> CaseRecord:
    """Chain a record after `head` and move the head to it, without reading earlier records
    (no I/O: the caller writes the record and the head with the case change, see
    `approval_core/cases/rows.py`; the row's optimistic version keeps concurrent appends to
    one chain single-winner). The record is sealed with `record_mac` (the deployment's
    setting) and keeps naming it."""
    record.mac = record_mac
    record.seq = head.chain_seq + 1
    record.prev_hash = head.chain_hash
    record.hash = record_hash(record, key)
    head.chain_seq, head.chain_hash = record.seq, record.hash
    return record


def records_of(session: Session, case_id: str) -> list[CaseRecord]:
    stmt = select(CaseRecord).where(CaseRecord.case_id == case_id).order_by(CaseRecord.seq)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ChainBreak:
    case_id: str
    seq: int
    problem: str
    problem_zh: str


def verify_chain(records: Sequence[CaseRecord], key: str) -> list[ChainBreak]:
    """Every break in one case's chain: a changed record, a gap, a reordering or a deletion
    (except of the last records: `records.verify` compares the case row's chain head)."""
    breaks: list[ChainBreak] = []
    prev = GENESIS
    for expected_seq, record in enumerate(records, start=1):
        here = (record.case_id, record.seq)
        if record.seq != expected_seq:
            breaks.append(
                ChainBreak(
                    *here, f"expected seq {expected_seq}", f"序号应为 {expected_seq}（有记录缺失）"
                )
            )
        if record.prev_hash != prev:
            breaks.append(
                ChainBreak(*here, "prev_hash does not match", "与前一条记录的链接（prev_hash）不符")
            )
        try:
            intact = record_hash(record, key) == record.hash
        except MacUnavailable as exc:  # e.g. an SM3 record read on a host without SM3
            breaks.append(ChainBreak(*here, f"cannot be checked: {exc}", f"无法校验：{exc}"))
        else:
            if not intact:
                breaks.append(
                    ChainBreak(*here, "content does not match hash", "记录内容与其哈希不符")
                )
        prev = record.hash
    return breaks
