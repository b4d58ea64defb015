"""Applicant accounts in chromium: register a person by filling the form by its labels and land
logged in; log out and in again; a bad 身份证号 shown by its field; the password reset with the
code read from a real SMTP server; the log-in through the identity platform (a local fake
provider); the register page at 375 px. Every page: a screenshot, accessibility basics, no
foreign requests, no console errors."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.accounts import service as accounts
from approval_core.accounts.models import ApplicantAccount
from approval_core.cases.schemas import Applicant
from supervisor.notify.channels import SmtpConfig, standard_channels
from supervisor.notify.deliver import Deliverer
from tests.browser.a11y import problems
from tests.browser.conftest import Look, portal_login
from tests.conftest import FrozenClock
from tests.notify.conftest import BOX, OUTBOUND
from tests.notify.peers import Mailbox, smtp_server
from tests.portal.fake_oidc import FakePlatform, fake_platform, platform_settings

PASSWORD = "browser-pass-42"


def _clean(look: Look, name: str, lang: str = "zh-CN") -> None:
    """The page as shown now: accessibility basics, nothing foreign, no script errors; kept."""
    assert problems(look.page, lang=lang) == []
    assert look.foreign_requests() == []
    assert look.console_errors == []
    look.screenshot(name)


def _field(page: Page, label: str) -> Locator:
    """The input labelled exactly `label` (a required field's label ends with a star)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def _fill_person(page: Page, id_number: str, phone: str) -> None:
    _field(page, "姓名").fill("陈浏览")
    _field(page, "居民身份证号").fill(id_number)
    _field(page, "手机号码").fill(phone)
    _field(page, "电子邮箱").fill("chen@example.cn")
    _field(page, "密码").fill(PASSWORD)
    _field(page, "再次输入密码").fill(PASSWORD)


def test_register_log_out_and_in_again(look: Look) -> None:
    look.open("/")
    look.open("/account/register")
    page = look.page
    assert page.locator("h1").inner_text() == "注册申请人账户"
    _clean(look, "register-empty")
    _fill_person(page, "360102199001011234", "13966667777")  # a wrong check character
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_load_state("load")
    by_field = page.locator("#f-id_number-error").inner_text()
    assert "校验" in by_field
    assert _field(page, "居民身份证号").get_attribute("aria-invalid") == "true"
    assert _field(page, "手机号码").input_value() == "13966667777"  # kept
    assert _field(page, "密码").input_value() == ""  # never kept
    _clean(look, "register-bad-id-number")
    _fill_person(page, "36010219900101123X", "13966667777")
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/my/cases")
    assert "陈浏览" in page.locator("header").inner_text()  # logged in
    look.screenshot("registered-landed")
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("load")
    assert "陈浏览" not in page.locator("header").inner_text()
    portal_login(look, "13966667777", PASSWORD)
    assert "陈浏览" in page.locator("header").inner_text()
    assert look.foreign_requests() == []
    assert look.console_errors == []


def test_an_organisation_registers_through_its_representative(look: Look) -> None:
    look.open("/account/register")
    page = look.page
    page.get_by_role("link", name="法人或其他组织").click()
    page.wait_for_load_state("load")
    _field(page, "单位名称").fill("阳光律师事务所")
    _field(page, "统一社会信用代码").fill("31360000MD0100012R")
    _field(page, "法定代表人姓名").fill("王代表")
    _field(page, "法定代表人身份证号").fill("11010519491231002X")
    _field(page, "手机号码").fill("13900002222")
    _field(page, "密码").fill(PASSWORD)
    _field(page, "再次输入密码").fill(PASSWORD)
    _clean(look, "register-organisation")
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/my/cases")
    assert "阳光律师事务所" in page.locator("header").inner_text()


def test_the_register_page_at_phone_width(look: Look) -> None:
    look.page.set_viewport_size({"width": 375, "height": 740})
    for path, name in (("/account/register", "register-375"), ("/account/reset", "reset-375")):
        look.open(path)
        width = look.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways at 375 px ({width} px wide)"
        _clean(look, name)
    look.open("/account/register?kind=organisation&lang=en")
    width = look.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the organisation form scrolls sideways ({width} px wide)"
    _clean(look, "register-organisation-375-en", lang="en")


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    yield from smtp_server()


def test_reset_the_password_with_the_code_from_the_mail(
    look: Look,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    mailbox: tuple[Mailbox, int],
) -> None:
    applicant = Applicant(name="刘忘记", id_number="36010219900101123X", email="liu@example.cn")
    with sessions() as session, session.begin():
        accounts.create_account(
            session, clock(), login="liu@example.cn", password="old-password-1", applicant=applicant
        )
    look.open("/account/login")
    page = look.page
    page.get_by_role("link", name="忘记密码").click()
    page.wait_for_load_state("load")
    _clean(look, "reset-ask")
    _field(page, "手机号码或电子邮箱").fill("liu@example.cn")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state("load")
    _clean(look, "reset-code")
    smtp = SmtpConfig(host="127.0.0.1", port=mailbox[1], sender="sunlight@example.gov.cn")
    worker = Deliverer(
        sessions, clock, standard_channels(smtp), rng=random.Random(1), box=BOX,
        outbound=OUTBOUND, smtp_host="127.0.0.1",
    )  # fmt: skip
    assert worker.run_once() == 1  # the worker's deliverer sends the outbox
    body = mailbox[0].to("liu@example.cn")[0].get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"验证码为 (\d{6})", body.get_content())
    assert found is not None
    _field(page, "验证码").fill("999999" if found.group(1) != "999999" else "1")
    _field(page, "新密码").fill("new-password-2")
    _field(page, "再次输入新密码").fill("new-password-2")
    page.get_by_role("button", name="设置新密码并登录").click()
    page.wait_for_load_state("load")
    assert "验证码错误或已失效" in page.locator("#f-code-error").inner_text()
    _clean(look, "reset-wrong-code")
    _field(page, "验证码").fill(found.group(1))
    _field(page, "新密码").fill("new-password-2")
    _field(page, "再次输入新密码").fill("new-password-2")
    page.get_by_role("button", name="设置新密码并登录").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/my/cases")
    assert "刘忘记" in page.locator("header").inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("load")
    portal_login(look, "liu@example.cn", "new-password-2")


@pytest.fixture
def platform(served: ServiceState) -> Iterator[FakePlatform]:
    """The fake identity platform, and the served service configured for it."""
    for running in fake_platform():
        before = served.settings
        served.settings = before.model_copy(update=platform_settings(running))
        try:
            yield running
        finally:
            served.settings = before


def test_log_in_through_the_identity_platform(
    look: Look, platform: FakePlatform, sessions: sessionmaker[Session]
) -> None:
    platform.claims = {"name": "周平台", "id_number": "11010119900307977X"}  # no phone
    look.open("/account/login")
    page = look.page
    _clean(look, "login-with-platform")
    page.get_by_role("link", name="使用省统一身份认证平台登录").click()
    page.wait_for_url("**/account/oidc/complete")  # the platform approved and sent it back
    assert "周平台" in page.locator("main").inner_text()
    assert "110" + "*" * 11 + "977X" in page.locator("main").inner_text()  # masked
    look.requests[:] = [u for u in look.requests if not u.startswith(platform.issuer)]
    _clean(look, "platform-complete")
    _field(page, "手机号码").fill("13988889999")
    page.get_by_role("button", name="建立账户并登录").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/my/cases")
    assert "周平台" in page.locator("header").inner_text()
    with sessions() as session:
        account = session.scalars(select(ApplicantAccount)).one()
        assert account.oidc_subject == "platform-subject-1"
        assert account.login == "13988889999"
    assert look.console_errors == []


def test_an_expired_platform_token_is_refused_with_a_page(
    look: Look, platform: FakePlatform
) -> None:
    platform.claims = {"name": "周平台", "id_number": "11010119900307977X"}
    platform.mode = "expired"
    look.open("/account/login?lang=en")
    page = look.page
    page.get_by_role("link", name="Log in with the province's unified identity platform").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Log-in through the identity platform failed"
    assert "it has expired" in page.locator("main").inner_text()
    assert "Log out" not in page.locator("header").inner_text()
    look.requests[:] = [u for u in look.requests if not u.startswith(platform.issuer)]
    _clean(look, "platform-refused-en", lang="en")
