"""Build a case's receipts from its records, and verify a printed receipt by its code.

A receipt is never stored: it is derived from the record that issued it (the record's
documents_out names its kind), so the same records always give the same receipt. Its
verification code is a keyed HMAC over the record-derived facts (codes, not catalogue wording,
so that editing a name in rules/items.yaml does not make genuine receipts fail). The code also
locates the record: its first 6 characters are the record id in base32, the last 10 the MAC.
The MAC is the issuing record's own (HMAC-SHA256 or HMAC-SM3, `CaseRecord.mac`), so a code
printed before SUNLIGHT_RECORD_MAC changed still verifies after.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.queries import mask_id_number
from approval_core.catalogue.schemas import Item
from approval_core.context import CoreDeps
from approval_core.errors import NotFound
from approval_core.receipts.content import BUILDERS, Source
from approval_core.receipts.schemas import KINDS, NUMBER_CODES, TITLES, Line, Receipt
from approval_core.records.mac import DEFAULT_MAC, mac
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from approval_core.timeutil import as_utc, legal_date

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
LOCATOR_LEN = 6  # record ids below 32**6 (about 1.07e9)
MAC_LEN = 10  # 50 bits; wrong guesses are also rate limited by the API
CODE_LEN = LOCATOR_LEN + MAC_LEN


def receipt_number(case: Case, record: CaseRecord, kind: str) -> str:
    """Department, year, kind, tracking number and record seq: unique and reproducible."""
    year = legal_date(record.at).year
    return f"{case.department_code}-{year}-{NUMBER_CODES[kind]}-{case.tracking_no}-{record.seq:02d}"


def receipt_facts(case: Case, record: CaseRecord, kind: str) -> dict[str, Any]:
    """The content a code vouches for: the issuing record and the case's identity."""
    return {
        "kind": kind,
        "number": receipt_number(case, record, kind),
        "case_id": case.id,
        "tracking_no": case.tracking_no,
        "item": case.item_code,
        "department": case.department_code,
        "applicant_name": case.applicant_name,
        "applicant_id_number": case.applicant_id_number,
        "record_seq": record.seq,
        "action": record.action,
        "at": as_utc(record.at).isoformat(),
        "reason": record.reason,
        "legal_basis": record.legal_basis,
        "documents_out": record.documents_out,
        "payload": record.payload,
    }


def _canonical(facts: dict[str, Any]) -> bytes:
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _locator(record_id: int) -> str:
    if not 0 < record_id < 32**LOCATOR_LEN:
        raise ValueError(f"record id {record_id} does not fit a receipt code")
    chars = []
    for _ in range(LOCATOR_LEN):
        chars.append(CODE_ALPHABET[record_id % 32])
        record_id //= 32
    return "".join(reversed(chars))


def verification_code(key: str, record: CaseRecord, facts: dict[str, Any]) -> str:
    """The record's locator and the MAC of `facts` under the record's own MAC algorithm."""
    sealed = mac(record.mac or DEFAULT_MAC, key.encode(), b"receipt\0" + _canonical(facts))
    return _locator(record.id) + base64.b32encode(sealed).decode()[:MAC_LEN]


def build_receipt(deps: CoreDeps, case: Case, history: Sequence[CaseRecord], kind: str) -> Receipt:
    """The receipt of `kind` issued by the last record of `history`."""
    record = history[-1]
    item = deps.catalogue.get(case.item_code)
    department = deps.catalogue.departments[case.department_code]
    facts = receipt_facts(case, record, kind)
    title_zh, title_en = _decision_title(item, record) if kind == "decision" else TITLES[kind]
    issuer_zh, issuer_en = deps.catalogue.issuing_authority(case.department_code)
    handled_by = Line("承办部门", "Handled by", f"{department.name_zh}（{department.name_en}）")
    lines = [handled_by, *BUILDERS[kind](Source(deps, case, history))]
    return Receipt(
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        number=facts["number"],
        issued_on=legal_date(record.at),
        tracking_no=case.tracking_no,
        record_seq=record.seq,
        department_zh=issuer_zh,  # the header: the authority the document is issued under
        department_en=issuer_en,
        department_address=f"{department.address_zh} / {department.address_en}",
        department_phone=department.contact_phone,
        supervision_phone=department.supervision_phone,
        applicant_name=case.applicant_name,
        applicant_id_masked=mask_id_number(case.applicant_id_number),
        item_zh=item.name_zh,
        item_en=item.name_en,
        lines=tuple(lines),
        notes=(f"查询编号 / Tracking number: {case.tracking_no}",),
        code=verification_code(deps.record_key, record, facts),
        digest=hashlib.sha256(_canonical(facts)).hexdigest(),
    )


def _decision_title(item: Item, record: CaseRecord) -> tuple[str, str]:
    """准予/不予行政许可决定书 for a licence (行政许可法 Art. 38); 准予/不予办理决定书 for a
    service item (legal aid, certificates), which is not a 行政许可."""
    granted = record.payload.get("decision") == "approved"
    if item.kind == "licence":
        if granted:
            return "准予行政许可决定书", "Decision to Grant an Administrative Licence"
        return "不予行政许可决定书", "Decision to Refuse an Administrative Licence"
    if granted:
        return "准予办理决定书", "Decision to Grant the Application"
    return "不予办理决定书", "Decision to Refuse the Application"


def _kinds_of(record: CaseRecord) -> list[str]:
    return [str(k) for k in record.documents_out if k in TITLES]


def receipts_of(session: Session, deps: CoreDeps, case: Case) -> list[Receipt]:
    """Every receipt the case's records issued, oldest first."""
    records = records_of(session, case.id)
    return [
        build_receipt(deps, case, records[: index + 1], kind)
        for index, record in enumerate(records)
        for kind in _kinds_of(record)
    ]


def latest_receipt(session: Session, deps: CoreDeps, case: Case, kind: str) -> Receipt:
    """The newest receipt of `kind`; NotFound for an unknown kind or none issued yet."""
    if kind not in TITLES:
        raise NotFound(
            f"unknown receipt kind {kind!r}; known: {', '.join(KINDS)}",
            detail_zh=f"未知的回执类型：{kind}",
            field="kind",
        )
    records = records_of(session, case.id)
    for index in range(len(records) - 1, -1, -1):
        if kind in _kinds_of(records[index]):
            return build_receipt(deps, case, records[: index + 1], kind)
    raise NotFound(
        f"case {case.tracking_no} has no {kind} receipt yet",
        detail_zh=f"该案件尚未出具{TITLES[kind][0]}",
        field="kind",
    )
