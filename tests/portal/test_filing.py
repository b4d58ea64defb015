"""Online filing in the service hall: the form of an item, filing with uploaded files (one
transaction: the case, the files, their SHA-256 in the submit record), the receipt page with
the query code, refusals shown on the form with nothing stored, and answering a supplement
notice by upload (only on one's own case)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.accounts.service import create_account
from approval_core.cases.models import Case
from approval_core.cases.schemas import Applicant
from approval_core.context import CoreDeps
from approval_core.records.models import CaseRecord
from approval_core.records.service import records_of
from supervisor.runtime import Supervisor
from tests import conftest
from tests.conftest import ApplicantLogin, FrozenClock, People
from tests.materials.conftest import EXE, PNG, pdf, rows, stored
from tests.portal.support import csrf_of, log_in
from tests.support import act

ITEM = "LAWYER-PRACTICE"  # LAWYER-DIV, the people fixture's department
MAX_BYTES = 64 * 1024
MAX_FILES = 4
FORM = f"/file/{ITEM}"


@pytest.fixture
def service(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
    tmp_path: Path,
) -> ServiceState:
    """The test service with small upload limits (64 KiB a file, 4 files a request)."""
    limits = {"upload_max_bytes": MAX_BYTES, "upload_max_files": MAX_FILES}
    settings = conftest.test_settings(db_url, upload_dir=tmp_path / "uploads", **limits)
    return ServiceState(settings, engine, sessions, supervisor, clock)


@pytest.fixture
def store(service: ServiceState) -> Path:
    return service.settings.upload_dir


@pytest.fixture
def logged_in(client: TestClient, applicant_account: ApplicantLogin) -> TestClient:
    log_in(client, applicant_account.login, applicant_account.password)
    return client


def _post(
    client: TestClient,
    path: str,
    files: list[tuple[str, tuple[str, bytes, str]]],
    data: dict[str, str] | None = None,
    csrf: bool = True,
) -> tuple[int, str, str]:
    """Send a form with files as the page's browser would: (status, location, body)."""
    fields = dict(data or {})
    if csrf:
        fields["csrf_token"] = csrf_of(client.get(path).text)
    answer = client.post(path, data=fields, files=files, follow_redirects=False)
    return answer.status_code, answer.headers.get("location", ""), answer.text


def _two_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("APPLICATION", ("申请书.pdf", pdf(3000), "application/pdf")),
        ("IDENTITY", ("身份证.png", PNG, "image/png")),
        ("QUALIFICATION_CERT", ("", b"", "application/octet-stream")),  # left empty
    ]


def _filed(client: TestClient) -> tuple[str, str]:
    """File the case with two files; (case id, receipt page HTML)."""
    status, location, html = _post(client, FORM, _two_files())
    assert status == 303, re.findall(r'<div class="alert".*?</div>', html, re.S)
    found = re.fullmatch(r"/file/receipt/([0-9a-f-]{36})", location)
    assert found is not None, location
    return found.group(1), client.get(location).text


def test_the_form_shows_the_account_as_applicant_and_a_file_input_per_material(
    logged_in: TestClient,
) -> None:
    page = logged_in.get(FORM)
    assert page.status_code == 200
    html = page.text
    assert "赵申请" in html  # the account's name, read-only
    assert "360***********123X" in html  # the ID number masked
    assert "不能在本表修改" in html
    for code in ("APPLICATION", "QUALIFICATION_CERT", "IDENTITY", "EMPLOYER_CONSENT"):
        assert f'type="file" id="m-{code}" name="{code}" multiple' in html
    assert html.count(">必交<") == 5
    assert html.count(">选交<") == 1
    assert "PDF, JPEG, PNG, DOCX" in html
    assert "0.0625 MiB" in html
    assert 'enctype="multipart/form-data"' in html
    english = logged_in.get(FORM + "?lang=en").text
    assert "Application materials" in english
    assert "required" in english


def test_filing_with_two_files_makes_the_applicants_case_with_their_hashes_in_the_record(
    logged_in: TestClient,
    applicant_account: ApplicantLogin,
    sessions: sessionmaker[Session],
    store: Path,
) -> None:
    case_id, receipt = _filed(logged_in)
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.applicant_user_id == applicant_account.actor.user_id
        assert case.applicant_name == "赵申请"
        assert case.materials == ["APPLICATION", "IDENTITY"]
        submit = records_of(session, case_id)[0]
        tracking_no = case.tracking_no
    assert submit.action == "submit"
    hashes = {f["material"]: f["sha256"] for f in submit.payload["files"]}
    assert hashes == {
        "APPLICATION": hashlib.sha256(pdf(3000)).hexdigest(),
        "IDENTITY": hashlib.sha256(PNG).hexdigest(),
    }
    assert len(stored(store)) == 2
    assert "申请材料接收凭证" in receipt
    assert f'<dd id="tracking-no">{tracking_no}</dd>' in receipt
    code = re.search(r'<dd id="query-code">([A-Z0-9]{8})</dd>', receipt)
    assert code is not None
    assert hashes["APPLICATION"] in receipt
    assert "身份证.png" in receipt
    assert "尚缺必交材料" in receipt  # filed incomplete: the clerk will ask to supplement
    # the code shown is the case's: the public progress query takes it
    public = logged_in.get(f"/api/v1/public/cases/{tracking_no}", params={"code": code.group(1)})
    assert public.status_code == 200
    nothing_asked = logged_in.get(f"/my/cases/{case_id}/supplement")
    assert "该办件没有补正材料通知" in nothing_asked.text
    assert 'type="file"' not in nothing_asked.text
    pdf_answer = logged_in.get(f"/my/cases/{case_id}/documents/receipt_of_materials")
    assert pdf_answer.status_code == 200
    assert pdf_answer.content.startswith(b"%PDF-")


def test_a_form_sent_twice_files_once(
    logged_in: TestClient, sessions: sessionmaker[Session], store: Path
) -> None:
    page = logged_in.get(FORM).text
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert key is not None
    fields = {"csrf_token": csrf_of(page), "form_key": key.group(1)}
    first = logged_in.post(FORM, data=fields, files=_two_files(), follow_redirects=False)
    again = logged_in.post(FORM, data=fields, files=_two_files(), follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert rows(sessions) == (2, 1)
    assert len(stored(store)) == 2
    # the same form with other files: refused, and the form comes back with a new key
    other = [("APPLICATION", ("另一份.pdf", pdf(4000), "application/pdf"))]
    changed = logged_in.post(FORM, data=fields, files=other, follow_redirects=False)
    assert changed.status_code == 422
    assert "此表单此前已用其他文件提交过" in changed.text
    assert key.group(1) not in changed.text
    assert rows(sessions) == (2, 1)


def test_the_query_code_is_shown_only_to_the_browser_that_filed(
    logged_in: TestClient, applicant_account: ApplicantLogin, service: ServiceState
) -> None:
    case_id, receipt = _filed(logged_in)
    assert 'id="query-code"' in receipt
    other_browser = TestClient(create_app(service))
    log_in(other_browser, applicant_account.login, applicant_account.password)
    again = other_browser.get(f"/file/receipt/{case_id}")
    assert again.status_code == 200
    assert 'id="tracking-no"' in again.text
    assert 'id="query-code"' not in again.text
    assert "不再显示" in again.text


def test_a_file_of_a_type_not_allowed_is_refused_naming_it_and_nothing_is_stored(
    logged_in: TestClient, sessions: sessionmaker[Session], store: Path
) -> None:
    files = [
        ("APPLICATION", ("申请书.pdf", pdf(), "application/pdf")),
        ("IDENTITY", ("photo.pdf", EXE, "application/pdf")),  # a program named .pdf
    ]
    status, _, html = _post(logged_in, FORM, files)
    assert status == 422
    assert "「申请人的身份证明」材料 IDENTITY 的文件「photo.pdf」内容不是允许的格式" in html
    assert 'id="m-IDENTITY-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="m-APPLICATION-error"' not in html
    assert rows(sessions) == (0, 0)
    assert stored(store) == []


def test_a_file_over_the_size_limit_is_refused_naming_it_and_nothing_is_stored(
    logged_in: TestClient, sessions: sessionmaker[Session], store: Path
) -> None:
    files = [
        ("APPLICATION", ("申请书.pdf", pdf(), "application/pdf")),
        ("IDENTITY", ("扫描件.pdf", pdf(MAX_BYTES + 1), "application/pdf")),
    ]
    status, _, html = _post(logged_in, FORM, files)
    assert status == 413
    assert "材料 IDENTITY 的文件「扫描件.pdf」超过大小上限" in html
    assert rows(sessions) == (0, 0)
    assert stored(store) == []


def test_a_body_over_the_bound_is_refused_before_it_is_read(
    logged_in: TestClient, sessions: sessionmaker[Session]
) -> None:
    csrf = csrf_of(logged_in.get(FORM).text)
    bound = MAX_FILES * MAX_BYTES + 1024 * 1024
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(bound + 1)}
    answer = logged_in.post(FORM, content=b"--x--\r\n", headers=headers)
    assert answer.status_code == 413
    assert "提交的内容过大" in answer.text
    # without a length (chunked), it is cut off once the bytes pass the bound
    head = (
        f'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        '--x\r\nContent-Disposition: form-data; name="IDENTITY"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-"
    ).encode()

    def endless() -> Iterator[bytes]:
        yield head
        for _ in range(bound // 65536 + 2):
            yield b"0" * 65536

    chunked = logged_in.post(
        FORM, content=endless(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert chunked.status_code == 413
    assert rows(sessions) == (0, 0)


def test_more_files_than_allowed_are_refused(
    logged_in: TestClient, sessions: sessionmaker[Session], store: Path
) -> None:
    files = [("APPLICATION", (f"{n}.pdf", pdf(), "application/pdf")) for n in range(5)]
    status, _, html = _post(logged_in, FORM, files)
    assert status == 422
    assert "每次最多 4 个" in html
    assert rows(sessions) == (0, 0)
    assert stored(store) == []


def test_a_form_without_files_or_without_its_csrf_token_is_refused(
    logged_in: TestClient, sessions: sessionmaker[Session], store: Path
) -> None:
    status, _, html = _post(logged_in, FORM, [("APPLICATION", ("", b"", "text/plain"))])
    assert status == 422
    assert "请至少选择一份材料的文件" in html
    logged_in.get(FORM)  # the browser holds its CSRF cookie
    status, _, html = _post(logged_in, FORM, _two_files(), csrf=False)
    assert status == 403
    assert "表单已失效或并非来自本站" in html
    assert rows(sessions) == (0, 0)
    assert stored(store) == []


def test_not_logged_in_the_form_sends_to_the_log_in_and_files_nothing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = client.get(FORM, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/account/login?next=%2Ffile%2FLAWYER-PRACTICE"
    client.get("/account/login")  # a CSRF cookie, but no session
    token = client.cookies.get("sunlight_csrf")
    assert token is not None
    answer = client.post(
        FORM, data={"csrf_token": token}, files=_two_files(), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/account/login")
    assert rows(sessions) == (0, 0)


def test_an_unknown_item_is_a_404_page(logged_in: TestClient) -> None:
    page = logged_in.get("/file/NO-SUCH-ITEM")
    assert page.status_code == 404
    assert "审批事项 NO-SUCH-ITEM 不存在" in page.text


def _asked_to_supplement(
    client: TestClient, sessions: sessionmaker[Session], core: CoreDeps, people: People
) -> str:
    case_id, _ = _filed(client)
    clerk = people.actors["clerk"]
    act(sessions, core, clerk, case_id, "register", core.now())
    act(
        sessions,
        core,
        clerk,
        case_id,
        "request_supplement",
        core.now(),
        materials=["QUALIFICATION_CERT", "FIRM_CONSENT"],
        reason="缺法律职业资格证书和律所同意接收的证明",
    )
    return case_id


def test_the_applicant_answers_the_supplement_notice_by_upload(
    logged_in: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    case_id = _asked_to_supplement(logged_in, sessions, core, people)
    path = f"/my/cases/{case_id}/supplement"
    page = logged_in.get(path)
    assert page.status_code == 200
    assert "缺法律职业资格证书和律所同意接收的证明" in page.text
    assert 'name="QUALIFICATION_CERT"' in page.text
    assert 'name="FIRM_CONSENT"' in page.text
    assert 'name="IDENTITY"' not in page.text  # only what the notice asks for
    notice = logged_in.get(f"/my/cases/{case_id}/documents/supplement_notice")
    assert notice.content.startswith(b"%PDF-")
    assert f"/my/cases/{case_id}/documents/supplement_notice?format=pdf" in page.text
    # one of the two asked for: refused, naming the missing one
    partial = [("QUALIFICATION_CERT", ("证书.pdf", pdf(), "application/pdf"))]
    status, _, html = _post(logged_in, path, partial)
    assert status == 422
    assert "FIRM_CONSENT" in html
    status, _, html = _post(logged_in, path, partial, {"note": "a\x00b"})
    assert status == 422
    assert "note 须为不超过 2000 字的文本，不能包含控制字符" in html
    clock.advance(minutes=10)
    both = [*partial, ("FIRM_CONSENT", ("同意函.png", PNG, "image/png"))]
    status, location, _ = _post(logged_in, path, both, {"note": "已补齐"})
    assert (status, location) == (303, path)
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.state != "supplementing"
        last = session.scalars(
            select(CaseRecord).where(CaseRecord.case_id == case_id).order_by(CaseRecord.seq.desc())
        ).first()
    assert last is not None
    assert last.action == "supplement_received"
    assert {f["sha256"] for f in last.payload["files"]} == {
        hashlib.sha256(pdf()).hexdigest(),
        hashlib.sha256(PNG).hexdigest(),
    }
    twice = _post(logged_in, path, both, {"note": "已补齐"})  # a double click
    assert twice[:2] == (303, path)
    assert rows(sessions) == (4, 1)  # two filed, two supplemented: the second click added none
    done = logged_in.get(path).text
    assert "补正材料已收到" in done
    assert "同意函.png" in done
    assert 'type="file"' not in done


def test_another_applicant_cannot_open_or_answer_someone_elses_supplement(
    logged_in: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    service: ServiceState,
) -> None:
    case_id = _asked_to_supplement(logged_in, sessions, core, people)
    with sessions() as session, session.begin():
        other = Applicant(name="钱其他", id_number="360102198001010013", phone="13700000000")
        create_account(
            session, core.now(), login="13700000000", password="another-pass-77", applicant=other
        )
    stranger = TestClient(create_app(service))
    log_in(stranger, "13700000000", "another-pass-77")
    path = f"/my/cases/{case_id}/supplement"
    assert stranger.get(path).status_code == 404
    assert stranger.get(f"/file/receipt/{case_id}").status_code == 404
    files = [("QUALIFICATION_CERT", ("x.pdf", pdf(), "application/pdf"))]
    status, _, _ = _post(stranger, path, files)
    assert status == 404
    with sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.state == "supplementing"
