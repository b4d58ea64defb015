"""Check a printed receipt's code: genuine, issued by an intact record, content unaltered."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.receipts.schemas import TITLES, Receipt
from approval_core.receipts.service import CODE_ALPHABET, CODE_LEN, LOCATOR_LEN, build_receipt
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of, verify_chain


def normalise_code(code: str) -> str | None:
    """The code without spaces or hyphens, upper case; None if it cannot be a code."""
    text = "".join(ch for ch in code.upper() if ch not in " -")
    if len(text) != CODE_LEN or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


def _record_id(code: str) -> int:
    value = 0
    for ch in code[:LOCATOR_LEN]:
        value = value * 32 + CODE_ALPHABET.index(ch)
    return value


@dataclass(frozen=True)
class CodeCheck:
    """Where a code leads: the issuing record and its case, whether the record chain up to it
    holds, and the receipt when the code is genuine (chain intact and MAC matching)."""

    case: Case
    record: CaseRecord
    chain_holds: bool
    receipt: Receipt | None


def check_code(session: Session, deps: CoreDeps, code: str) -> CodeCheck | None:
    """The record a code locates, checked; None when it is no code or locates no record.

    The receipt is rebuilt from the records as they are now: a record changed since printing
    gives other facts, so the MAC no longer matches, and its chain hash no longer verifies.
    """
    text = normalise_code(code)
    if text is None:
        return None
    record = session.get(CaseRecord, _record_id(text))
    case = session.get(Case, record.case_id) if record is not None else None
    if record is None or case is None:
        return None
    history = [r for r in records_of(session, case.id) if r.seq <= record.seq]
    if verify_chain(history, deps.record_key):
        return CodeCheck(case, record, chain_holds=False, receipt=None)
    for kind in record.documents_out:
        if kind not in TITLES:
            continue
        receipt = build_receipt(deps, case, history, str(kind))
        if hmac.compare_digest(receipt.code, text):
            return CodeCheck(case, record, chain_holds=True, receipt=receipt)
    return CodeCheck(case, record, chain_holds=True, receipt=None)


def verify_code(session: Session, deps: CoreDeps, code: str) -> tuple[Receipt, Case] | None:
    """The receipt this code was printed on, or None when unknown, altered or chain broken."""
    found = check_code(session, deps, code)
    if found is None or found.receipt is None:
        return None
    return found.receipt, found.case


def mask_name(name: str) -> str:
    """张三 -> 张*, 周小明 -> 周**, 欧阳娜娜 -> 欧***: the surname's first character and one * per
    remaining character; enough to recognise, not to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def verification_view(receipt: Receipt, case: Case) -> dict[str, Any]:
    """What anyone holding the printed receipt may see: enough to compare, nothing more."""
    return {
        "genuine": True,
        "kind": receipt.kind,
        "title_zh": receipt.title_zh,
        "title_en": receipt.title_en,
        "number": receipt.number,
        "date": receipt.issued_on.isoformat(),
        "item": {"code": case.item_code, "name_zh": receipt.item_zh, "name_en": receipt.item_en},
        "department": {
            "code": case.department_code,
            "name_zh": receipt.department_zh,
            "name_en": receipt.department_en,
        },
        # a person's name masked; an organisation's name is public (营业执照, 执业许可证)
        "applicant_name": receipt.applicant_name
        if case.applicant_kind == "organisation"
        else mask_name(receipt.applicant_name),
        "digest": receipt.digest,
    }
