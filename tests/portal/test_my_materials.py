"""The applicant's uploaded files on their case page: listed with their SHA-256 and downloaded
through the page's own route (the API's download function), by the case's applicant only."""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.accounts.service import create_account
from approval_core.cases.schemas import Applicant
from approval_core.context import CoreDeps
from tests.conftest import ApplicantLogin
from tests.materials.conftest import PNG, pdf
from tests.portal.support import csrf_of, log_in


def _file_two(client: TestClient) -> str:
    form = "/file/LAWYER-PRACTICE"
    fields = {"csrf_token": csrf_of(client.get(form).text)}
    files = [
        ("APPLICATION", ("申请书.pdf", pdf(2000), "application/pdf")),
        ("IDENTITY", ("身份证.png", PNG, "image/png")),
    ]
    answer = client.post(form, data=fields, files=files, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    found = re.fullmatch(r"/file/receipt/([0-9a-f-]{36})", answer.headers["location"])
    assert found is not None
    return found.group(1)


def test_the_case_page_lists_the_uploads_and_downloads_them_to_their_owner_only(
    client: TestClient,
    applicant_account: ApplicantLogin,
    service: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
) -> None:
    log_in(client, applicant_account.login, applicant_account.password)
    case_id = _file_two(client)
    page = client.get(f"/my/cases/{case_id}").text
    assert "已上传材料" in page
    links = re.findall(rf'href="(/my/cases/{case_id}/materials/\d+)"', page)
    assert len(links) == 2
    assert hashlib.sha256(PNG).hexdigest() in page
    assert f'href="{links[1]}"' in client.get(f"/file/receipt/{case_id}").text
    got = client.get(links[1])
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/my/cases/{case_id}/materials/999999").status_code == 404
    with sessions() as session, session.begin():
        other = Applicant(name="钱其他", id_number="360102198001010013", phone="13700000000")
        create_account(
            session, core.now(), login="13700000000", password="another-pass-77", applicant=other
        )
    stranger = TestClient(create_app(service))
    log_in(stranger, "13700000000", "another-pass-77")
    assert stranger.get(links[0]).status_code == 404
    anonymous = TestClient(create_app(service))
    assert anonymous.get(links[0], follow_redirects=False).status_code == 303  # to log in
