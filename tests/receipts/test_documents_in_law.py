"""Every document kind of every catalogue item, rendered to PDF and read back with pdftotext,
states what the law requires (docs/DOMAIN.md "Documents"): the issuing authority and the
division, the title, number, tracking number, date and code; a rejection's and a denial's
reasons, basis and remedies (with their bodies and time limits); a decision's number and date;
an extension's reason; a special procedure's expected duration; a provisional due date marked.
Actions whose document would lack a required field are refused (422 naming it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from approval_core.receipts.render import render_pdf
from approval_core.receipts.schemas import Receipt
from tests.conftest import FrozenClock, People
from tests.receipts.support import all_receipts, values
from tests.support import act, bj, mandatory_materials, submit

REASON = "申请人不符合法定条件"
BASIS = "《中华人民共和国行政许可法》第三十八条第二款"


def _flat_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext missing: apt-get install poppler-utils"
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(done.stdout.decode("utf-8").split())


def _flat(text: str) -> str:
    return "".join(text.split())


def _walk_denied(sessions: sessionmaker[Session], core: CoreDeps, people: People, item: str) -> str:
    """Every document an item can issue on one case: receipt, supplement notice, acceptance,
    special procedure notice, extension notice (where the item allows one), denial."""
    admin = people.actors["admin"]
    materials = mandatory_materials(core, item)
    case_id, _, _ = submit(sessions, core, admin, item, bj(2026, 3, 2, 9), materials[1:])
    steps: list[tuple[str, tuple[int, int, int], dict[str, object]]] = [
        ("register", (3, 2, 10), {}),
        ("request_supplement", (3, 2, 11), {"materials": materials[:1], "reason": "缺少材料"}),
        ("supplement_received", (3, 3, 9), {"materials": materials[:1]}),
        ("accept", (3, 3, 10), {}),
        ("stop", (3, 4, 9), {"stop_type": "expert_review", "expected_days": 7, "reason": "评审"}),
        ("resume", (3, 9, 9), {}),
    ]
    if core.catalogue.max_extension_days(core.catalogue.get(item)) > 0:
        steps += [
            ("extend", (3, 10, 9), {"days": 5, "reason": "需实地核查执业场所"}),
            ("approve_extension", (3, 10, 10), {"days": 5, "reason": "同意"}),
        ]
    steps.append(
        ("conclude", (3, 11, 9), {"decision": "denied", "reason": REASON, "legal_basis": BASIS})
    )
    for action, (m, d, h), fields in steps:
        act(sessions, core, admin, case_id, action, bj(2026, m, d, h), **fields)
    return case_id


def _walk_rejected(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, item: str
) -> str:
    admin = people.actors["admin"]
    case_id, _, _ = submit(sessions, core, admin, item, bj(2026, 3, 2, 9))
    act(sessions, core, admin, case_id, "register", bj(2026, 3, 2, 10))
    reject = {"reason": REASON, "legal_basis": BASIS}
    act(sessions, core, admin, case_id, "reject", bj(2026, 3, 3, 9), **reject)
    return case_id


def _common(receipt: Receipt, core: CoreDeps, item: str) -> list[str]:
    division = core.catalogue.departments[core.catalogue.get(item).department]
    issuer_zh, _ = core.catalogue.issuing_authority(division.code)
    day = receipt.issued_on
    return [
        issuer_zh,
        "承办部门",
        division.name_zh,
        receipt.title_zh,
        receipt.number,
        receipt.tracking_no,
        f"{day.year}年{day.month}月{day.day}日",
        receipt.printed_code,
        core.catalogue.get(item).name_zh,
    ]


def _remedies(core: CoreDeps, item: str) -> list[str]:
    issuer = core.catalogue.issuer
    expected = [
        "救济途径",
        f"{issuer.reconsideration.days}日内向{issuer.reconsideration.body_zh}申请行政复议",
        f"{issuer.litigation.months}个月内向{issuer.litigation.body_zh}提起行政诉讼",
        "第四十六条",
    ]
    objection = core.catalogue.get(item).objection
    if objection is not None:
        expected.append(f"向{objection.body_zh}提出异议")
    return expected


def test_every_document_of_every_item_states_what_the_law_requires(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    clock.set(bj(2026, 4, 30, 9))
    seen: set[tuple[str, str]] = set()
    for code, entry in core.catalogue.items.items():
        denied = all_receipts(sessions, core, _walk_denied(sessions, core, people, code))
        rejected = all_receipts(sessions, core, _walk_rejected(sessions, core, people, code))
        for receipt in [*denied, *rejected]:
            text = _flat_text(render_pdf(receipt), tmp_path)
            got = values(receipt)
            expected = _common(receipt, core, code)
            if receipt.kind in ("rejection", "decision"):
                expected += [REASON, BASIS, *_remedies(core, code)]
            if receipt.kind == "decision":
                expected += ["决定文号", got["决定文号"], "决定日期", "不予准许"]
                assert got["决定文号"].endswith(f"{receipt.tracking_no.removeprefix('SL')}号")
                assert receipt.title_zh == (
                    "不予行政许可决定书" if entry.kind == "licence" else "不予办理决定书"
                )
            if receipt.kind == "extension_notice":
                # The request's reason (Art. 42), not the head's "同意".
                expected += ["延期理由", "需实地核查执业场所", "延期后办结期限"]
            if receipt.kind == "special_procedure_notice":
                expected += ["预计所需时间", "7日"]
            if receipt.kind == "supplement_notice":
                expected += ["需补正的全部材料", core.catalogue.get(code).materials[0].name_zh]
            if receipt.kind == "acceptance":
                expected += ["法定办结期限"]
            for phrase in expected:
                assert _flat(phrase) in text, f"{code} {receipt.kind}: {phrase!r} missing"
            assert "未填写" not in text, f"{code} {receipt.kind}: a field left blank"
            seen.add((code, receipt.kind))
    kinds = {kind for _, kind in seen}
    assert kinds == {
        "receipt_of_materials",
        "supplement_notice",
        "acceptance",
        "special_procedure_notice",
        "extension_notice",
        "decision",
        "rejection",
    }
    assert {code for code, _ in seen} == set(core.catalogue.items)


def test_a_granted_licence_is_numbered_and_founded_on_the_items_statute(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 4, 30, 9))
    admin = people.actors["admin"]
    case_id, tracking_no, _ = submit(sessions, core, admin, "LAWYER-PRACTICE", bj(2026, 3, 2))
    for action, day in (("register", 2), ("accept", 3)):
        act(sessions, core, admin, case_id, action, bj(2026, 3, day, 10))
    act(sessions, core, admin, case_id, "conclude", bj(2026, 3, 20, 10), decision="approved")
    decision = all_receipts(sessions, core, case_id)[-1]
    got = values(decision)
    assert decision.title_zh == "准予行政许可决定书"
    assert decision.department_zh == "江西省司法厅"
    assert got["决定文号"] == f"赣司许〔2026〕{tracking_no.removeprefix('SL')}号"
    assert got["理由"].startswith("经审查，申请人的申请符合法定条件、标准")
    assert "《中华人民共和国律师法》" in got["法律依据"]
    assert got["决定日期"] == "2026年3月20日 / 2026-03-20"
    assert "救济途径" not in got


def test_legal_aid_is_decided_by_the_centre_in_its_own_name_with_the_objection_first(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 4, 30, 9))
    denial = all_receipts(
        sessions, core, _walk_denied(sessions, core, people, "LEGAL-AID-APPLICATION")
    )[-1]
    assert denial.department_zh == "江西省法律援助中心"
    assert denial.title_zh == "不予办理决定书"
    remedies = values(denial)["救济途径"]
    objection = remedies.index("向江西省司法厅提出异议（《中华人民共和国法律援助法》第四十九条）")
    assert objection < remedies.index("对异议处理决定仍不服的") < remedies.index("申请行政复议")
    assert values(denial)["决定文号"].startswith("赣法援〔2026〕")


@pytest.mark.parametrize(
    ("action", "fields", "missing"),
    [
        ("reject", {"legal_basis": BASIS}, "reason"),
        ("reject", {"reason": REASON}, "legal_basis"),
        ("conclude", {"decision": "denied", "legal_basis": BASIS}, "reason"),
        ("conclude", {"decision": "denied", "reason": REASON}, "legal_basis"),
    ],
)
def test_a_document_without_what_the_law_requires_is_refused(
    action: str,
    fields: dict[str, object],
    missing: str,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    clock.set(bj(2026, 4, 30, 9))
    admin = people.actors["admin"]
    case_id, _, _ = submit(sessions, core, admin, "LAWYER-PRACTICE", bj(2026, 3, 2))
    act(sessions, core, admin, case_id, "register", bj(2026, 3, 2, 10))
    if action == "conclude":
        act(sessions, core, admin, case_id, "accept", bj(2026, 3, 3, 10))
    with pytest.raises(InvalidInput) as refused:
        act(sessions, core, admin, case_id, action, bj(2026, 3, 4, 10), **fields)
    assert refused.value.field == missing
    assert missing in refused.value.detail_zh
    assert len(all_receipts(sessions, core, case_id)) == (2 if action == "conclude" else 1)


def test_an_extension_needs_a_reason_from_the_request_or_the_approval(
    client: TestClient, sessions: sessionmaker[Session], core: CoreDeps, people: People
) -> None:
    created = client.post(
        "/api/v1/cases",
        json={
            "item": "APPRAISER-PRACTICE",
            "applicant": {"name": "张三", "id_number": "36010219900101123X"},
            "materials": mandatory_materials(core, "APPRAISER-PRACTICE"),
        },
        headers=people.auth("applicant"),
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/cases/{created.json()['id']}/actions"

    def post(body: dict[str, object]) -> dict[str, object]:
        answer = client.post(url, json=body, headers=people.auth("admin"))
        return {"status": answer.status_code, **answer.json()}

    assert post({"action": "register"})["status"] == 200
    assert post({"action": "accept"})["status"] == 200
    refused = post({"action": "approve_extension", "days": 5})
    assert refused["status"] == 422
    assert refused["errors"] == [{"field": "reason", "message": refused["detail_en"]}]
    assert "延期理由" in str(refused["detail_zh"])
    assert post({"action": "extend", "days": 5, "reason": "需补充鉴定"})["status"] == 200
    assert post({"action": "approve_extension", "days": 5})["status"] == 200
    notice = all_receipts(sessions, core, created.json()["id"])[-1]
    assert values(notice)["延期理由"] == "需补充鉴定"


def test_a_due_date_in_a_year_without_its_holiday_notice_is_marked_provisional(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 12, 30, 9))
    admin = people.actors["admin"]
    case_id, _, _ = submit(sessions, core, admin, "LAWYER-PRACTICE", bj(2026, 12, 21, 9))
    act(sessions, core, admin, case_id, "register", bj(2026, 12, 21, 10))
    act(sessions, core, admin, case_id, "accept", bj(2026, 12, 22, 10))
    acceptance = all_receipts(sessions, core, case_id)[-1]
    due = values(acceptance)["法定办结期限"]
    assert "2027" in due
    assert "暂定" in due
    assert "2027年节假日安排尚未公布" in due
    assert "provisional" in due
