"""The service hall's log-in page in chromium: labelled, keyboard-usable, readable at phone
width, in Chinese and English, and a wrong password shown as such."""

from __future__ import annotations

from tests.browser.a11y import problems
from tests.browser.conftest import Look, portal_login
from tests.conftest import ApplicantLogin


def test_log_in_and_out_in_the_browser(look: Look, applicant_account: ApplicantLogin) -> None:
    look.open("/account/login")
    page = look.page
    page.get_by_label("手机号码或电子邮箱").fill(applicant_account.login)
    page.get_by_label("密码").fill("not-the-password-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    assert "登录名或密码错误" in page.locator("[role=alert]").inner_text()
    assert problems(page) == []
    look.screenshot("login-refused")
    portal_login(look, applicant_account.login, applicant_account.password)
    look.open("/account/login?next=/account/login?again=1")  # logged in: sent on
    header = page.locator("header").inner_text()
    assert applicant_account.actor.name in header
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("load")
    assert "登录" in page.locator("header").inner_text()
    assert look.foreign_requests() == []
    assert look.console_errors == []


def test_the_log_in_page_at_phone_width_in_english(look: Look) -> None:
    look.page.set_viewport_size({"width": 375, "height": 740})
    look.open("/account/login?lang=en")
    page = look.page
    assert page.locator("h1").inner_text() == "Applicant log-in"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px wide)"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    assert problems(page, lang="en") == []
    look.screenshot("login-375-en")
