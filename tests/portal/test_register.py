"""Registering in the service hall: a person and an organisation through its legal
representative, logged in at once; every error by its field in the reader's language, what was
typed kept (never the passwords); the same applicant checks as filing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.users.models import User
from tests.conftest import ApplicantLogin
from tests.portal.support import csrf_of

PERSON = {
    "name": "李注册",
    "id_number": "36010219900101123X",
    "phone": "139 0000 1111",
    "email": "li@example.cn",
    "password": "a-good-pass-42",
    "password2": "a-good-pass-42",
}
ORGANISATION = {
    "kind": "organisation",
    "org_name": "阳光律师事务所",
    "credit_code": "31360000MD0100012R",
    "rep_name": "王代表",
    "rep_id_number": "11010519491231002X",
    "phone": "13900002222",
    "password": "firm-pass-2026",
    "password2": "firm-pass-2026",
}


def _post(
    client: TestClient, form: dict[str, str], path: str = "/account/register"
) -> tuple[int, str, str]:
    page = client.get(path)
    answer = client.post(
        "/account/register", data={**form, "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    return answer.status_code, answer.text, answer.headers.get("location", "")


def _error_by(html: str, name: str) -> str:
    """The error shown next to field `name` (under its label)."""
    found = re.search(rf'<p class="field-error" id="f-{name}-error">([^<]*)</p>', html)
    assert found is not None, f"no error shown by {name}"
    return found.group(1)


def test_a_person_registers_and_is_logged_in(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    status, _, location = _post(client, PERSON)
    assert status == 303
    assert location == "/my/cases"
    with sessions() as session:
        account = session.scalars(select(ApplicantAccount)).one()
        assert account.login == "13900001111"
        assert (account.kind, account.name, account.email) == ("person", "李注册", "li@example.cn")
        assert account.password_hash is not None
        assert "a-good-pass" not in account.password_hash
        user = session.get(User, account.user_id)
        assert user is not None
        assert user.role == "applicant"
        assert session.scalars(select(PortalSession.user_id)).all() == [account.user_id]
    header = client.get("/account/login?lang=zh", follow_redirects=False)
    assert header.status_code == 303  # logged in: the log-in page sends the applicant on


def test_an_organisation_registers_through_its_legal_representative(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = client.get("/account/register?kind=organisation")
    assert "统一社会信用代码" in page.text
    assert "法定代表人身份证号" in page.text
    status, _, location = _post(client, ORGANISATION, "/account/register?kind=organisation")
    assert (status, location) == (303, "/my/cases")
    with sessions() as session:
        account = session.scalars(select(ApplicantAccount)).one()
        assert account.kind == "organisation"
        assert account.id_number == "31360000MD0100012R"
        assert (account.representative_name, account.representative_id_number) == (
            "王代表",
            "11010519491231002X",
        )


def test_each_error_is_shown_by_its_field_and_the_typing_is_kept(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    bad = PERSON | {"id_number": "360102199001011234", "password2": "something-else-1", "name": ""}
    status, html, _ = _post(client, bad)
    assert status == 422
    assert _error_by(html, "name") == "请填写姓名"
    assert _error_by(html, "password2") == "两次输入的密码不一致"
    assert 'value="139 0000 1111"' in html  # kept as typed
    assert 'value="360102199001011234"' in html
    assert "a-good-pass-42" not in html
    assert "something-else-1" not in html
    # with the name given, the identity number's check character is refused by its field
    status, html, _ = _post(client, bad | {"name": "李注册", "password2": PERSON["password"]})
    assert status == 422
    assert "校验" in _error_by(html, "id_number")
    assert 'aria-invalid="true"' in html
    with sessions() as session:
        assert session.scalars(select(ApplicantAccount)).all() == []


def test_errors_in_english_and_a_taken_or_bad_phone(
    client: TestClient, applicant_account: ApplicantLogin
) -> None:
    client.get("/account/register?lang=en")
    status, html, _ = _post(client, PERSON | {"phone": applicant_account.login})
    assert status == 422
    assert _error_by(html, "phone") == "an account with this login exists already"
    status, html, _ = _post(client, PERSON | {"phone": "010-12345678", "password": "short"})
    assert status == 422
    assert "11 digits" in _error_by(html, "phone")
    assert "at least 10 characters" in _error_by(html, "password")


def test_an_organisation_with_a_bad_representative_number_is_told_so_by_that_field(
    client: TestClient,
) -> None:
    form = ORGANISATION | {"rep_id_number": "360102199001011234"}
    status, html, _ = _post(client, form, "/account/register?kind=organisation")
    assert status == 422
    assert "校验" in _error_by(html, "rep_id_number")
    assert 'value="阳光律师事务所"' in html
    assert 'name="kind" value="organisation"' in html
