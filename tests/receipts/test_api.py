"""The receipt routes: staff (scoped like the case), the applicant's public query, verify."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from approval_core.context import CoreDeps
from tests.conftest import People
from tests.support import item_in, mandatory_materials

PROBLEM = "application/problem+json"
REASON = "不属于本厅职权范围，请向 <市司法局> 申请"
BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（二）项"


def _rejected_case(client: TestClient, people: People, core: CoreDeps) -> dict[str, Any]:
    """Filed by the applicant, registered and rejected by the clerk through the API."""
    item = item_in(core, people.department)
    body = {
        "item": item,
        "applicant": {"name": "张三", "id_number": "360102199001011234"},
        "materials": mandatory_materials(core, item),
    }
    created = client.post("/api/v1/cases", json=body, headers=people.auth("applicant"))
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    rejection = {"action": "reject", "reason": REASON, "legal_basis": BASIS}
    for action in ({"action": "register"}, rejection):
        response = client.post(
            f"/api/v1/cases/{cid}/actions", json=action, headers=people.auth("clerk")
        )
        assert response.status_code == 200, response.text
    return dict(created.json())


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return dict(response.json())


def test_staff_list_and_download_in_every_format(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    cid = _rejected_case(client, people, core)["id"]
    listed = client.get(f"/api/v1/cases/{cid}/receipts", headers=people.auth("clerk")).json()
    assert [r["kind"] for r in listed] == ["receipt_of_materials", "rejection"]
    assert all(r["date"] == "2026-03-02" for r in listed)
    assert all(len(r["verification_code"]) == 19 for r in listed)  # XXXX-XXXX-XXXX-XXXX
    url = f"/api/v1/cases/{cid}/receipts/rejection"
    as_json = client.get(url, headers=people.auth("clerk")).json()
    assert as_json["number"] == listed[1]["number"]
    reason = {"label_zh": "不予受理理由", "label_en": "Reason for non-acceptance", "value": REASON}
    assert reason in as_json["lines"]
    page = client.get(url, params={"format": "html"}, headers=people.auth("clerk"))
    assert page.headers["content-type"].startswith("text/html")
    assert "请向 &lt;市司法局&gt; 申请" in page.text
    pdf = client.get(url, params={"format": "pdf"}, headers=people.auth("applicant"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_other_department_unknown_kind_and_not_yet_issued_are_404(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    cid = _rejected_case(client, people, core)["id"]
    other = people.auth("other_handler")
    assert _problem(client.get(f"/api/v1/cases/{cid}/receipts", headers=other), 404)
    assert _problem(client.get(f"/api/v1/cases/{cid}/receipts/rejection", headers=other), 404)
    clerk = people.auth("clerk")
    unknown = _problem(client.get(f"/api/v1/cases/{cid}/receipts/invoice", headers=clerk), 404)
    assert unknown["errors"][0]["field"] == "kind"
    _problem(client.get(f"/api/v1/cases/{cid}/receipts/decision", headers=clerk), 404)
    wrong_format = client.get(f"/api/v1/cases/{cid}/receipts/rejection?format=doc", headers=clerk)
    _problem(wrong_format, 422)
    assert client.get(f"/api/v1/cases/{cid}/receipts").status_code == 401


def test_public_receipts_need_the_query_code(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    created = _rejected_case(client, people, core)
    base = f"/api/v1/public/cases/{created['tracking_no']}/receipts"
    listed = client.get(base, params={"code": created["query_code"]})
    assert [r["kind"] for r in listed.json()] == ["receipt_of_materials", "rejection"]
    own = client.get(f"{base}/rejection", params={"code": created["query_code"]}).json()
    assert own["kind"] == "rejection"
    checked = client.get(f"/api/v1/receipts/verify/{own['verification_code']}").json()
    assert checked["number"] == own["number"] == listed.json()[1]["number"]
    pdf = client.get(f"{base}/rejection", params={"code": created["query_code"], "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    wrong = _problem(client.get(f"{base}/rejection", params={"code": "WRONG123"}), 404)
    unknown = client.get("/api/v1/public/cases/SL0/receipts/rejection", params={"code": "X"})
    assert wrong["detail"] == _problem(unknown, 404)["detail"]
    assert client.get(f"{base}/rejection").status_code == 422  # no code at all
    for _ in range(10):
        client.get(base, params={"code": "WRONG123"})
    _problem(client.get(base, params={"code": created["query_code"]}), 429)


def test_verify_a_printed_code(client: TestClient, people: People, core: CoreDeps) -> None:
    cid = _rejected_case(client, people, core)["id"]
    clerk = people.auth("clerk")
    receipt = client.get(f"/api/v1/cases/{cid}/receipts/rejection", headers=clerk).json()
    printed = receipt["verification_code"]
    checked = client.get(f"/api/v1/receipts/verify/{printed}")
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["genuine"] is True
    assert body["number"] == receipt["number"]
    assert body["kind"] == "rejection"
    assert body["date"] == receipt["issued_on"]
    assert body["item"]["name_zh"] == receipt["item_zh"]
    assert body["department"]["name_zh"] == receipt["department_zh"]
    assert body["applicant_name"] == "张*"
    assert body["digest"] == receipt["digest"]
    # Typed by hand: lower case, no hyphens.
    loose = client.get(f"/api/v1/receipts/verify/{printed.replace('-', '').lower()}")
    assert loose.json()["number"] == receipt["number"]
    flipped = printed[:-1] + ("A" if printed[-1] != "A" else "B")
    _problem(client.get(f"/api/v1/receipts/verify/{flipped}"), 404)
    _problem(client.get("/api/v1/receipts/verify/AAAB-CDEF-GHIJ-KLMN"), 404)
    _problem(client.get("/api/v1/receipts/verify/not-a-code"), 404)
