"""Applicants: persons with a 居民身份证号, organisations with a 统一社会信用代码 and their legal
representative; what staff, receipts and the public query show of them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.support import bj, item_in, mandatory_materials

ORGANISATION = {
    "kind": "organisation",
    "name": "江西明理律师事务所",
    "credit_code": "31360000md0100012r",  # taken upper-cased
    "legal_representative": {"name": "郑明理", "id_number": "36010219900101123x"},
    "phone": "0791-86123456",
}


def _post(client: TestClient, people: People, core: CoreDeps, applicant: dict[str, Any]) -> Any:
    item = item_in(core, people.department)
    body = {"item": item, "applicant": applicant, "materials": mandatory_materials(core, item)}
    return client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))


def test_an_organisation_files_with_its_credit_code_and_representative(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    filed = _post(client, people, core, ORGANISATION)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    with sessions() as session:
        row = session.get(Case, case_id)
        assert row is not None
        assert row.applicant_kind == "organisation"
        assert row.applicant_id_number == "31360000MD0100012R"
        assert row.applicant_representative_name == "郑明理"
        assert row.applicant_representative_id_number == "36010219900101123X"
    seen = client.get(f"/api/v1/cases/{case_id}", headers=people.auth("clerk")).json()
    assert seen["applicant"] == {
        "kind": "organisation",
        "kind_label": {"zh": "法人或其他组织", "en": "organisation"},
        "name": "江西明理律师事务所",
        "credit_code": "31360000MD0100012R",
        "legal_representative": {"name": "郑明理", "id_number": "360***********123X"},
        "phone": "0791-86123456",
        "email": None,
    }
    receipt = client.get(
        f"/api/v1/cases/{case_id}/receipts/receipt_of_materials", headers=people.auth("clerk")
    )
    assert receipt.status_code == 200, receipt.text
    assert "31360000MD0100012R" in receipt.text
    assert "郑明理" in receipt.text
    code = receipt.json()["verification_code"]
    verified = client.get(f"/api/v1/receipts/verify/{code}")
    assert verified.status_code == 200, verified.text
    assert verified.json()["applicant_name"] == "江西明理律师事务所"  # an organisation: not masked


def test_a_person_shows_a_masked_identity_number(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    person = {"name": "张三", "id_number": "36010219900101123X", "phone": "+86 13800138000"}
    filed = _post(client, people, core, person)
    assert filed.status_code == 201, filed.text
    seen = client.get(f"/api/v1/cases/{filed.json()['id']}", headers=people.auth("clerk")).json()
    assert seen["applicant"]["kind"] == "person"
    assert seen["applicant"]["id_number"] == "360***********123X"
    assert "credit_code" not in seen["applicant"]


def _refused(client: TestClient, people: People, core: CoreDeps, applicant: Any) -> str:
    answer = _post(client, people, core, applicant)
    assert answer.status_code == 422, answer.text
    return str(answer.json()["errors"][0]["field"])


def test_each_kind_gives_its_own_numbers_and_nothing_is_written_otherwise(
    client: TestClient,
    people: People,
    core: CoreDeps,
    clock: FrozenClock,
    sessions: sessionmaker[Session],
) -> None:
    clock.set(bj(2026, 3, 2, 9))
    person = {"name": "张三", "id_number": "36010219900101123X"}
    cases = [
        ({"name": "张三"}, "applicant.id_number"),
        ({**person, "credit_code": "31360000MD0100012R"}, "applicant.credit_code"),
        ({**ORGANISATION, "credit_code": None}, "applicant.credit_code"),
        ({**ORGANISATION, "legal_representative": None}, "applicant.legal_representative"),
        ({**ORGANISATION, "id_number": "36010219900101123X"}, "applicant.id_number"),
        (
            {**ORGANISATION, "legal_representative": {"name": "郑明理", "id_number": "3601"}},
            "applicant.legal_representative.id_number",
        ),
        # well formed, check digit right, but born after today (2026-03-02)
        ({**person, "id_number": "360102202703011239"}, "applicant.id_number"),
        ({**person, "kind": "company"}, "applicant.kind"),
    ]
    for applicant, field in cases:
        assert _refused(client, people, core, applicant) == field, applicant
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
