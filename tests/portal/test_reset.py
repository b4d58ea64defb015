"""Password reset by a code sent through the notification outbox: the code arrives at a real SMTP
server (aiosmtpd) or SMS gateway, is read from there and used; the page answers alike for
unknown log-ins; the outbox never holds the code in clear; wrong codes are counted and void it;
a reset lifts the lockout and ends the other sessions."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.accounts import service as accounts
from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.cases.schemas import Applicant
from supervisor.notify.channels import SmsConfig, SmtpConfig, standard_channels
from supervisor.notify.deliver import Deliverer
from supervisor.notify.models import Delivery
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock
from tests.conftest import test_settings as settings_for
from tests.notify.conftest import BOX, OUTBOUND
from tests.notify.peers import Mailbox, smtp_server
from tests.notify.sms_gateway import ACCESS_KEY, SECRET, SIGN_NAME, Gateway, sms_gateway
from tests.portal.support import csrf_of, log_in

MAIL = "wang.reset@example.cn"
PHONE = "13911112222"
OLD, NEW = "old-password-1", "new-password-2"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    yield from smtp_server()


def _account(sessions: sessionmaker[Session], clock: FrozenClock, login: str) -> int:
    applicant = Applicant(name="王重置", id_number="36010219900101123X", phone=PHONE, email=MAIL)
    with sessions() as session, session.begin():
        made = accounts.create_account(
            session, clock(), login=login, password=OLD, applicant=applicant
        )
        return made.user_id


@pytest.fixture
def account(sessions: sessionmaker[Session], clock: FrozenClock) -> int:
    """An account whose log-in is its e-mail address (its phone is known too)."""
    return _account(sessions, clock, MAIL)


def _deliverer(
    sessions: sessionmaker[Session], clock: FrozenClock, port: int, sms: SmsConfig | None = None
) -> Deliverer:
    smtp = SmtpConfig(host="127.0.0.1", port=port, sender="sunlight@example.gov.cn")
    return Deliverer(
        sessions,
        clock,
        standard_channels(smtp, sms),
        rng=random.Random(7),
        box=BOX,
        outbound=OUTBOUND,
        smtp_host="127.0.0.1",
        sms_host="127.0.0.1",
    )


def _ask(client: TestClient, login: str) -> str:
    page = client.get("/account/reset")
    answer = client.post("/account/reset", data={"csrf_token": csrf_of(page.text), "login": login})
    assert answer.status_code == 200, answer.text[:300]
    return str(answer.text)


def _set(client: TestClient, page: str, login: str, code: str, password: str) -> tuple[int, str]:
    form = {
        "csrf_token": csrf_of(page),
        "login": login,
        "code": code,
        "password": password,
        "password2": password,
    }
    answer = client.post("/account/reset/code", data=form, follow_redirects=False)
    return answer.status_code, answer.headers.get("location", answer.text)


def _code_in(text: str) -> str:
    found = re.search(r"验证码为 (\d{6})", text)
    assert found is not None, text
    return str(found.group(1))


def test_the_code_comes_by_mail_and_sets_the_new_password(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    mailbox: tuple[Mailbox, int],
    account: int,
) -> None:
    other = TestClient(client.app)
    log_in(other, MAIL, OLD)  # another browser, logged in before the reset
    with sessions() as session, session.begin():  # and the account locked by wrong passwords
        session.get_one(ApplicantAccount, account).locked_until = clock().replace(year=2027)
    page = _ask(client, MAIL)
    assert "15 分钟内有效" in page
    with sessions() as session:
        row = session.scalars(select(Delivery)).one()
        assert (row.kind, row.channel, row.address) == ("account", "email", MAIL)
        stored = str(row.message) + str(row.secret)
        assert re.search(r"\b\d{6}\b", stored) is None  # the code is only sealed
        assert session.get_one(ApplicantAccount, account).reset_code_hash is not None
    assert _deliverer(sessions, clock, mailbox[1]).run_once() == 1
    mail = mailbox[0].to(MAIL)[0]
    assert "密码重置验证码" in str(mail["Subject"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    code = _code_in(body.get_content())
    status, location = _set(client, page, MAIL, code, NEW)
    assert (status, location) == (303, "/my/cases")
    with sessions() as session:
        changed = session.get_one(ApplicantAccount, account)
        assert changed.locked_until is None
        assert changed.reset_code_hash is None
        open_sessions = session.scalars(
            select(PortalSession).where(PortalSession.revoked_at.is_(None))
        ).all()
        assert len(open_sessions) == 1  # this browser's new one; the other was closed
    assert other.get("/account/login", follow_redirects=False).status_code == 200
    log_in(TestClient(client.app), MAIL, NEW)
    again, _ = _set(client, page, MAIL, code, "another-pass-3")
    assert again == 422  # a code is spent once used


def test_an_unknown_log_in_gets_the_same_page_and_nothing_is_sent(
    client: TestClient, sessions: sessionmaker[Session], account: int
) -> None:
    del account
    known = _ask(client, MAIL)
    unknown = _ask(client, "nobody@example.cn")
    strip = re.compile(r'value="[^"]*"|wang\.reset@example\.cn|nobody@example\.cn')
    assert strip.sub("", known) == strip.sub("", unknown)
    with sessions() as session:
        assert len(session.scalars(select(Delivery)).all()) == 1  # the known one's only
    bad = TestClient(client.app)
    page = bad.get("/account/reset")
    answer = bad.post("/account/reset", data={"csrf_token": csrf_of(page.text), "login": "xyz"})
    assert answer.status_code == 422
    assert "登录名须为手机号码或电子邮箱" in answer.text


def test_wrong_codes_are_counted_and_the_fifth_voids_the_code(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    mailbox: tuple[Mailbox, int],
    account: int,
) -> None:
    page = _ask(client, MAIL)
    _deliverer(sessions, clock, mailbox[1]).run_once()
    body = mailbox[0].to(MAIL)[0].get_body(preferencelist=("plain",))
    assert body is not None
    code = _code_in(body.get_content())
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        status, text = _set(client, page, MAIL, wrong, NEW)
        assert status == 422
        assert "验证码错误或已失效" in text
    status, _ = _set(client, page, MAIL, code, NEW)
    assert status == 422  # the right code, too late
    with sessions() as session:
        assert session.get_one(ApplicantAccount, account).reset_code_hash is None
    clock.advance(minutes=2)
    _ask(client, MAIL)  # a new code may be asked for
    with sessions() as session:
        assert len(session.scalars(select(Delivery)).all()) == 2


def test_a_code_expires_after_a_quarter_hour(
    client: TestClient, sessions: sessionmaker[Session], clock: FrozenClock, account: int
) -> None:
    del account
    page = _ask(client, MAIL)
    with sessions() as session:
        row = session.scalars(select(Delivery)).one()
        code = BOX.open(row.secret or "")
    clock.advance(minutes=15, seconds=1)
    status, text = _set(client, page, MAIL, code, NEW)
    assert status == 422
    assert "验证码错误或已失效" in text


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    yield from sms_gateway()


def test_with_an_sms_gateway_the_code_goes_by_sms(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
    gateway: Gateway,
    mailbox: tuple[Mailbox, int],
) -> None:
    _account(sessions, clock, PHONE)
    settings = settings_for(
        db_url, sms_gateway_url=gateway.url, sms_access_key=ACCESS_KEY, sms_secret=SECRET
    )
    client = TestClient(create_app(ServiceState(settings, engine, sessions, supervisor, clock)))
    page = _ask(client, PHONE)
    sms = SmsConfig(gateway.url, ACCESS_KEY, SECRET, SIGN_NAME)
    assert _deliverer(sessions, clock, mailbox[1], sms).run_once() == 1
    [message] = gateway.with_template("SMS_SUNLIGHT_RESET_CODE")
    assert message["phone"] == PHONE
    code = message["params"]["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert message["params"]["minutes"] == "15"
    assert mailbox[0].mails == []
    status, location = _set(client, page, PHONE, code, NEW)
    assert (status, location) == (303, "/my/cases")
