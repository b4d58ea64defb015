"""Following cases in the service hall, in chromium: my cases, a case's steps and legal clock,
a document downloaded, a concluded case rated, a complaint filed, the anonymous progress query,
and the case page at phone width. Each step saves a screenshot (var/screenshots/<test>/)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from tests.browser.a11y import problems
from tests.browser.conftest import Look, portal_login
from tests.conftest import ApplicantLogin, FrozenClock, People
from tests.portal.casework import Cases, account_cases
from tests.receipts.support import DECISION, STOP


def _cases(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    owner: ApplicantLogin,
) -> Cases:
    return account_cases(sessions, core, people, clock, owner)


def _clean(look: Look, lang: str = "zh-CN") -> None:
    assert problems(look.page, lang=lang) == []
    assert look.foreign_requests() == []
    assert look.console_errors == []


def test_my_cases_a_case_a_document_a_rating_and_a_complaint(
    look: Look,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    applicant_account: ApplicantLogin,
) -> None:
    cases = _cases(sessions, core, people, clock, applicant_account)
    portal_login(look, applicant_account.login, applicant_account.password)
    page = look.page
    look.open("/my/cases")
    rows = page.locator(".case-row")
    assert rows.count() == 2
    waiting = rows.filter(has_text=cases.supplementing.tracking_no)
    assert waiting.get_by_role("link", name="补正材料").is_visible()
    done = rows.filter(has_text=cases.concluded.tracking_no)
    assert done.get_by_role("link", name="评价").is_visible()
    _clean(look)
    look.screenshot("1-my-cases")

    done.get_by_role("link", name="司法鉴定人执业登记").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "司法鉴定人执业登记"
    steps = page.locator("ol.steps > li")
    assert steps.count() == 13
    assert "作出决定" in steps.last.inner_text()
    assert DECISION["legal_basis"] in steps.last.inner_text()
    clock_box = page.locator("dl.clock")
    assert "法定办理时限" in clock_box.inner_text()
    assert str(STOP["reason"]) in page.locator("ul.stops").inner_text()
    _clean(look)
    look.screenshot("2-case")

    link = page.locator('a[href$="/documents/decision?format=pdf"]')
    with page.expect_download() as fetched:
        link.click()
    download = fetched.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_role("link", name="评价本次办理").click()
    page.wait_for_load_state("load")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("评价意见（选填）").fill("窗口指导清楚，办理及时。")
    _clean(look)
    look.screenshot("3-rating-form")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state("load")
    assert "感谢您的评价" in page.locator("[role=status]").inner_text()
    assert "满意" in page.locator("#rating + p").inner_text()
    look.screenshot("4-rated")

    page.get_by_role("link", name="在线投诉").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("投诉人姓名").input_value() == applicant_account.actor.name
    page.get_by_label("投诉内容").fill("延期告知书送达较晚，希望今后及时告知。")
    _clean(look)
    look.screenshot("5-complaint-form")
    page.get_by_role("button", name="提交投诉").click()
    page.wait_for_load_state("load")
    assert "投诉已提交" in page.locator("[role=status]").inner_text()
    complaint = page.locator(".complaint")
    assert "延期告知书送达较晚" in complaint.inner_text()
    assert "已登记，待受理" in complaint.inner_text()
    _clean(look)
    look.screenshot("6-complaint-filed")
    assert look.failed == []


def test_the_anonymous_progress_query(
    look: Look,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    applicant_account: ApplicantLogin,
) -> None:
    cases = _cases(sessions, core, people, clock, applicant_account)
    walked = cases.concluded
    page = look.page
    look.open("/progress")
    page.get_by_label("受理编号").fill(walked.tracking_no)
    page.get_by_label("查询码").fill("WRONG123")
    _clean(look)
    look.screenshot("1-progress-form")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("load")
    assert "没有与该受理编号和查询码对应的案件" in page.locator("[role=alert]").inner_text()
    assert page.get_by_label("受理编号").input_value() == walked.tracking_no
    assert page.get_by_label("查询码").input_value() == ""
    _clean(look)
    look.screenshot("2-progress-wrong-code")
    page.get_by_label("查询码").fill(walked.query_code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "司法鉴定人执业登记"
    assert page.locator("ol.steps > li").count() == 13
    assert "已办结" in page.locator("main").inner_text()
    assert page.locator('a[href*="/receipts/decision?code="]').count() == 2
    _clean(look)
    look.screenshot("3-progress-found")
    assert [f.split()[0] for f in look.failed] == ["404"]  # the wrong code, and only it


def test_the_case_page_at_phone_width(
    look: Look,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    applicant_account: ApplicantLogin,
) -> None:
    cases = _cases(sessions, core, people, clock, applicant_account)
    portal_login(look, applicant_account.login, applicant_account.password)
    look.page.set_viewport_size({"width": 375, "height": 740})
    for path, lang, name in (
        (f"/my/cases/{cases.concluded.case_id}", "zh-CN", "case-375"),
        (f"/my/cases/{cases.supplementing.case_id}?lang=en", "en", "case-375-en"),
        ("/my/cases", "en", "my-cases-375-en"),
    ):
        look.open(path)
        width = look.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways at 375 px ({width} px wide)"
        _clean(look, lang)
        look.screenshot(name)
