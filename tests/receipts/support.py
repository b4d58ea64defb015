"""Cases driven through the real services for the receipt tests, at fixed Beijing times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import Actor, CoreDeps
from approval_core.receipts.schemas import Receipt
from approval_core.receipts.service import receipts_of
from tests.conftest import FrozenClock, People
from tests.support import act, bj, mandatory_materials, submit

# APPRAISER-PRACTICE (PLS-DIV): limit 20 working days, extension up to 10.
EXTENSION_ITEM = "APPRAISER-PRACTICE"
MISSING = ["PROFESSIONAL_QUALIFICATION", "IDENTITY"]
REJECT_REASON = "申请人不属于本厅管辖，请向南昌市司法局申请 <b>&</b>"
REJECT_BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（二）项"
SUPPLEMENT = {"materials": MISSING, "reason": "缺少职业资格证明和身份证明"}
STOP = {"stop_type": "expert_review", "expected_days": 10, "reason": "需组织专家评审"}
DECISION = {
    "decision": "approved",
    "decision_no": "赣司鉴〔2026〕12号",
    "legal_basis": "《司法鉴定人登记管理办法》第十二条",
}


@dataclass
class Walked:
    case_id: str
    tracking_no: str
    query_code: str


def walk_full_case(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> Walked:
    """Supplement before acceptance, an expert review stop, an extension, an approval."""
    clock.set(bj(2026, 3, 20, 9))
    clerk, handler, admin = (people.actors[w] for w in ("other_clerk", "other_handler", "admin"))
    have = [m for m in mandatory_materials(core, EXTENSION_ITEM) if m not in MISSING]
    cid, tracking_no, code = submit(sessions, core, clerk, EXTENSION_ITEM, bj(2026, 3, 2), have)
    steps: list[tuple[Actor, str, datetime, dict[str, Any]]] = [
        (clerk, "register", bj(2026, 3, 2, 9, 10), {}),
        (clerk, "request_supplement", bj(2026, 3, 2, 9, 30), SUPPLEMENT),
        (clerk, "supplement_received", bj(2026, 3, 3, 10), {"materials": MISSING}),
        (clerk, "accept", bj(2026, 3, 4, 10), {}),
        (clerk, "assign", bj(2026, 3, 4, 11), {"assignee": handler.user_id}),
        (handler, "stop", bj(2026, 3, 5, 10), STOP),
        (handler, "resume", bj(2026, 3, 9, 10), {}),
        (handler, "extend", bj(2026, 3, 10, 10), {"days": 5, "reason": "案情复杂，需补充专家意见"}),
        (
            admin,
            "approve_extension",
            bj(2026, 3, 10, 11),
            {"days": 5, "reason": "同意延期"},  # the head's remark: not the printed reason
        ),
        (handler, "handle", bj(2026, 3, 11, 10), {}),
        (admin, "review", bj(2026, 3, 11, 15), {}),
        (admin, "conclude", bj(2026, 3, 12, 10), DECISION),
    ]
    for who, action, at, fields in steps:
        act(sessions, core, who, cid, action, at, **fields)
    return Walked(cid, tracking_no, code)


def walk_rejected_case(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock, item: str
) -> Walked:
    clock.set(bj(2026, 3, 20, 9))
    clerk = people.actors["clerk"]
    cid, tracking_no, code = submit(sessions, core, clerk, item, bj(2026, 3, 2))
    act(sessions, core, clerk, cid, "register", bj(2026, 3, 2, 9, 10))
    act(
        sessions,
        core,
        clerk,
        cid,
        "reject",
        bj(2026, 3, 3, 10),
        reason=REJECT_REASON,
        legal_basis=REJECT_BASIS,
    )
    return Walked(cid, tracking_no, code)


def all_receipts(sessions: sessionmaker[Session], core: CoreDeps, case_id: str) -> list[Receipt]:
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return receipts_of(session, core, case)


def values(receipt: Receipt) -> dict[str, str]:
    """The body lines by Chinese label."""
    return {line.label_zh: line.value for line in receipt.lines}
