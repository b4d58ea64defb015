"""The service hall's foundation: log-in with lockout, sessions, CSRF on forms, the reader's
language, error pages for browsers and problem+json for the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.accounts import service as accounts
from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.cases.schemas import Applicant
from approval_core.errors import InvalidInput
from tests.conftest import ApplicantLogin, FrozenClock
from tests.portal.support import csrf_of, log_in


def _post_login(client: TestClient, login: str, password: str) -> tuple[int, str]:
    page = client.get("/account/login")
    form = {"csrf_token": csrf_of(page.text), "login": login, "password": password}
    answer = client.post("/account/login", data=form, follow_redirects=False)
    return answer.status_code, answer.text


def test_log_in_sets_an_http_only_session_that_log_out_revokes(
    client: TestClient, applicant_account: ApplicantLogin, sessions: sessionmaker[Session]
) -> None:
    page = client.get("/account/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "申请人登录" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "login": "139 1234 5678",  # spaces are dropped from a phone number
        "password": applicant_account.password,
        "next": "/account/login?x=1",
    }
    answer = client.post("/account/login", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/account/login?x=1"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "sunlight_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS it is Secure
    # logged in: the log-in page sends the applicant on, and the header names them
    again = client.get("/account/login", follow_redirects=False)
    assert again.status_code == 303
    logout = client.post(
        "/account/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    with sessions() as session:
        rows = session.query(PortalSession).all()
        assert len(rows) == 1
        assert rows[0].revoked_at is not None
    assert client.get("/account/login", follow_redirects=False).status_code == 200


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, applicant_account: ApplicantLogin, sessions: sessionmaker[Session]
) -> None:
    client.get("/account/login")  # the browser holds the CSRF cookie
    form = {"login": applicant_account.login, "password": applicant_account.password}
    answer = client.post(
        "/account/login", data=form, headers={"accept": "text/html"}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "表单已失效或并非来自本站" in answer.text
    forged = client.post(
        "/account/login", data={**form, "csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403
    with sessions() as session:
        assert session.query(PortalSession).count() == 0


def test_five_wrong_passwords_lock_the_account_for_a_quarter_hour(
    client: TestClient, applicant_account: ApplicantLogin, clock: FrozenClock
) -> None:
    for _ in range(accounts.MAX_FAILURES):
        status, html = _post_login(client, applicant_account.login, "wrong-password-1")
        assert status == 422
        assert "登录名或密码错误" in html
        assert applicant_account.login in html  # the log-in name is kept in the form
        assert "wrong-password-1" not in html  # the password never is
    status, html = _post_login(client, applicant_account.login, applicant_account.password)
    assert status == 422
    assert "账户已锁定" in html
    clock.advance(minutes=16)
    status, _ = _post_login(client, applicant_account.login, applicant_account.password)
    assert status == 303


def test_an_unknown_login_and_a_wrong_password_get_the_same_answer(
    client: TestClient, applicant_account: ApplicantLogin
) -> None:
    unknown = _post_login(client, "13000000000", "whatever-123")
    wrong = _post_login(client, applicant_account.login, "whatever-123")
    assert unknown[0] == wrong[0] == 422
    assert "登录名或密码错误" in unknown[1]
    assert "登录名或密码错误" in wrong[1]


def test_accounts_check_their_input_before_writing(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    person = Applicant(name="钱某", id_number="36010219900101123X")
    cases = [
        ("not-a-login", "long-enough-1", "login"),
        ("13912340000", "short1", "password"),
        ("13912340000", "onlyletterslong", "password"),
    ]
    for login, password, field in cases:
        with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
            accounts.create_account(
                session, clock(), login=login, password=password, applicant=person
            )
        assert refused.value.field == field
    with sessions() as session, session.begin():
        accounts.create_account(
            session, clock(), login="Qian@Example.org", password="long-enough-1", applicant=person
        )
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as twice:
        accounts.create_account(
            session, clock(), login="qian@example.org", password="long-enough-2", applicant=person
        )
    assert twice.value.field == "login"
    with sessions() as session:
        assert session.query(ApplicantAccount).count() == 1
        stored = session.query(ApplicantAccount).one()
        assert stored.login == "qian@example.org"
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")


def test_sessions_expire(
    client: TestClient, applicant_account: ApplicantLogin, clock: FrozenClock
) -> None:
    log_in(client, applicant_account.login, applicant_account.password)
    assert client.get("/account/login", follow_redirects=False).status_code == 303
    clock.advance(seconds=accounts.SESSION_LIFETIME.total_seconds() + 1)
    assert client.get("/account/login", follow_redirects=False).status_code == 200
    assert timedelta(hours=1) < accounts.SESSION_LIFETIME


def test_the_reader_chooses_the_language_and_keeps_it(client: TestClient) -> None:
    english = client.get("/account/login?lang=en")
    assert "Applicant log-in" in english.text
    assert '<html lang="en">' in english.text
    assert any("lang=en" in c for c in english.headers.get_list("set-cookie"))
    assert "Applicant log-in" in client.get("/account/login").text  # the cookie keeps it
    assert "申请人登录" in client.get("/account/login?lang=zh").text


def test_browsers_get_error_pages_and_the_api_keeps_problem_json(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"accept": "text/html,*/*"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "返回首页" in page.text
    api = client.get("/api/v1/no-such-thing", headers={"accept": "text/html,*/*"})
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_static_files_are_served_and_may_be_cached(client: TestClient) -> None:
    css = client.get("/static/portal.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "no-store" not in css.headers.get("cache-control", "")
    page = client.get("/account/login")
    assert "no-store" in page.headers["cache-control"]
