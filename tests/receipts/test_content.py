"""Each kind of receipt, built from a case driven through the real services."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.receipts.support import (
    EXTENSION_ITEM,
    MISSING,
    REJECT_BASIS,
    REJECT_REASON,
    all_receipts,
    values,
    walk_full_case,
    walk_rejected_case,
)
from tests.support import bj, item_in, submit


def test_a_full_case_issues_each_notice_once_in_order(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    receipts = all_receipts(sessions, core, walked.case_id)
    assert [r.kind for r in receipts] == [
        "receipt_of_materials",
        "supplement_notice",
        "acceptance",
        "special_procedure_notice",
        "extension_notice",
        "decision",
    ]
    # Record seqs: submit 1, request_supplement 3, accept 5, stop 7, approve_extension 10,
    # conclude 13.
    assert [r.record_seq for r in receipts] == [1, 3, 5, 7, 10, 13]
    first = receipts[0]
    assert first.number == f"PLS-DIV-2026-JS-{walked.tracking_no}-01"
    assert first.issued_on == date(2026, 3, 2)
    # Issued under the department as a legal body; the division that handled it named first.
    assert first.department_zh == core.catalogue.issuer.name_zh == "江西省司法厅"
    assert first.lines[0].label_zh == "承办部门"
    assert first.lines[0].value.startswith(core.catalogue.departments["PLS-DIV"].name_zh)
    assert first.item_zh == core.catalogue.get(EXTENSION_ITEM).name_zh
    assert first.applicant_name == "张三"
    assert first.applicant_id_masked == "360***********1234"
    assert len({r.code for r in receipts}) == len(receipts)
    assert all(len(r.code) == 16 for r in receipts)
    # Reproducible: the same records give the same receipts.
    assert all_receipts(sessions, core, walked.case_id) == receipts


def test_receipt_of_materials_and_supplement_notice_name_the_materials(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    received, supplement = all_receipts(sessions, core, walked.case_id)[:2]
    names = {m.code: m.name_zh for m in core.catalogue.get(EXTENSION_ITEM).materials}
    got = values(received)
    assert "2026-03-02 09:00" in got["收件时间"]
    assert names["APPLICATION"] in got["收到材料"]
    assert names["IDENTITY"] not in got["收到材料"]
    assert "5 个工作日" in got["受理期限"]
    notice = values(supplement)
    listed = notice["需补正的全部材料"].split("\n")
    assert len(listed) == len(MISSING)
    for number, (code, line) in enumerate(zip(MISSING, listed, strict=True), start=1):
        assert line.startswith(f"{number}. {names[code]}（")
    assert notice["理由"] == "缺少职业资格证明和身份证明"
    assert supplement.issued_on == date(2026, 3, 2)


def test_acceptance_states_the_due_date(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    accepted = all_receipts(sessions, core, walked.case_id)[2]
    got = values(accepted)
    # Accepted Wed 03-04 (not counted); 20 working days from Thu 03-05 with no holiday in March:
    # 03-05..06 (2), 09..13 (7), 16..20 (12), 23..27 (17), 30, 31, 04-01 (20).
    assert got["法定办结期限"] == "2026年4月1日 / 2026-04-01"
    assert "法定 20 个工作日" in got["办理时限"]
    assert accepted.title_zh == "受理决定书（受理回执）"


def test_special_procedure_notice_names_type_basis_and_duration(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    stop = all_receipts(sessions, core, walked.case_id)[3]
    got = values(stop)
    assert got["特别程序"] == "专家评审（Expert review）"
    assert "《中华人民共和国行政许可法》第四十五条" in got["法律依据"]
    assert got["预计所需时间"] == "10 日 / 10 days"
    assert "不计入办理时限" in got["时限"]
    assert got["理由"] == "需组织专家评审"


def test_extension_notice_gives_reason_and_new_deadline(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    extension = all_receipts(sessions, core, walked.case_id)[4]
    got = values(extension)
    assert got["延期理由"] == "案情复杂，需补充专家意见"
    assert got["延长期限"] == "5 个工作日 / 5 working days"
    # Counted: 03-05 (1); the expert review excludes 03-06 and 03-09; 03-10 (2) ... 04-03 (20).
    assert got["原办结期限"] == "2026年4月3日 / 2026-04-03"
    # + 5: 04-04..06 are the Qingming holiday; 04-07..10 (24), 04-13 (25).
    assert got["延期后办结期限"] == "2026年4月13日 / 2026-04-13"
    assert "第四十二条" in got["法律依据"]


def test_decision_carries_outcome_and_number(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    decision = all_receipts(sessions, core, walked.case_id)[5]
    got = values(decision)
    assert decision.title_zh == "准予行政许可决定书"
    assert got["决定"] == "准予 / granted"
    assert got["决定文号"] == "赣司鉴〔2026〕12号"
    assert got["法律依据"] == "《司法鉴定人登记管理办法》第十二条"
    assert "救济途径" not in got


def test_rejection_gives_reason_basis_and_remedies(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    item = item_in(core, people.department)
    walked = walk_rejected_case(sessions, core, people, clock, item)
    kinds = [r.kind for r in all_receipts(sessions, core, walked.case_id)]
    assert kinds == ["receipt_of_materials", "rejection"]
    rejection = all_receipts(sessions, core, walked.case_id)[1]
    got = values(rejection)
    assert got["不予受理理由"] == REJECT_REASON
    assert "南昌市司法局" in got["不予受理理由"]
    assert got["法律依据"] == REJECT_BASIS
    assert "行政复议" in got["救济途径"]
    assert rejection.number == f"LAWYER-DIV-2026-BSL-{walked.tracking_no}-03"


def test_receipt_of_materials_for_an_item_counted_from_receipt(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    """NOTARY-PRACTICE has no acceptance window: its 20 days run from receipt."""
    clock.set(bj(2026, 3, 3, 9))
    clerk = people.actors["other_clerk"]
    cid, _, _ = submit(sessions, core, clerk, "NOTARY-PRACTICE", bj(2026, 3, 2))
    got = values(all_receipts(sessions, core, cid)[0])
    assert "受理期限" not in got
    assert got["办理时限"] == "自收件之日起 20 个工作日 / 20 working days from receipt"
