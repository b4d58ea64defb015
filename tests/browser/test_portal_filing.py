"""Online filing in chromium: an applicant files an item with two real files (a PDF and a
PNG), gets the 申请材料接收凭证 with tracking number and query code, is told to supplement by
the clerk and uploads the asked materials; the form at phone width."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.materials.models import MaterialFile
from tests.browser.a11y import problems
from tests.browser.conftest import Look, portal_login
from tests.conftest import ApplicantLogin, People
from tests.support import act

ITEM = "LAWYER-PRACTICE"


@pytest.fixture(autouse=True)
def upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The served app keeps uploads in the test's folder (set before `served` reads its
    settings), never in the repository's var/."""
    folder = tmp_path / "uploads"
    monkeypatch.setenv("SUNLIGHT_UPLOAD_DIR", str(folder))
    return folder


def _pdf(path: Path, text: str) -> Path:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    path.write_bytes(bytes(document.output()))
    return path


def _png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (11, 79, 138)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _log_in(look: Look, account: ApplicantLogin) -> None:
    portal_login(look, account.login, account.password)
    # the log-in lands on /my/cases, another page of the hall (not this test's, maybe not
    # on this branch yet): what counts here is what the filing pages ask for
    look.failed.clear()


def _fits_phone(look: Look, name: str) -> None:
    """The page at 375 px: no sideways scroll (long hashes and names wrap); a screenshot."""
    look.page.set_viewport_size({"width": 375, "height": 740})
    width = look.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} scrolls sideways at 375 px ({width} px wide)"
    look.screenshot(name)
    look.page.set_viewport_size({"width": 1024, "height": 768})


def _clean(look: Look, lang: str = "zh-CN") -> None:
    assert problems(look.page, lang=lang) == []
    assert look.foreign_requests() == []
    assert look.console_errors == []
    assert look.failed == []


def _file_two(look: Look, tmp_path: Path) -> str:
    """File the item with a PDF and a PNG; returns the case id from the receipt's URL."""
    page = look.page
    look.open(f"/file/{ITEM}")
    assert "赵申请" in page.locator("dl.applicant").inner_text()
    page.set_input_files("#m-APPLICATION", str(_pdf(tmp_path / "申请书.pdf", "Application")))
    page.set_input_files("#m-IDENTITY", str(_png(tmp_path / "身份证.png")))
    _clean(look)
    look.screenshot("filing-form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("load")
    assert "/file/receipt/" in page.url
    return page.url.rsplit("/", 1)[-1]


def test_file_with_two_uploads_then_answer_the_supplement_notice(
    look: Look,
    applicant_account: ApplicantLogin,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    tmp_path: Path,
    upload_dir: Path,
) -> None:
    _log_in(look, applicant_account)
    case_id = _file_two(look, tmp_path)
    page = look.page
    assert page.locator("h1").inner_text() == "申请材料接收凭证"
    tracking = page.locator("#tracking-no").inner_text()
    code = page.locator("#query-code").inner_text()
    assert tracking.startswith("SL")
    assert len(code) == 8
    assert "申请书.pdf" in page.locator("table.files").inner_text()
    assert "身份证.png" in page.locator("table.files").inner_text()
    _clean(look)
    look.screenshot("filing-receipt")
    _fits_phone(look, "filing-receipt-375")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载凭证（PDF，已电子签章）").click()
    assert download.value.suggested_filename.endswith(".pdf")

    clerk = people.actors["clerk"]
    act(sessions, core, clerk, case_id, "register", core.now())
    asked = ["QUALIFICATION_CERT", "INTERNSHIP_ASSESSMENT"]
    reason = "请补交法律职业资格证书和实习考核合格材料"
    act(
        sessions,
        core,
        clerk,
        case_id,
        "request_supplement",
        core.now(),
        materials=asked,
        reason=reason,
    )

    look.open(f"/my/cases/{case_id}")  # the case page (我的办件) links to the supplement
    page.get_by_role("link", name="补正材料", exact=True).click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/my/cases/{case_id}/supplement")
    assert reason in page.locator("dl.facts").inner_text()
    page.set_input_files("#m-QUALIFICATION_CERT", str(_pdf(tmp_path / "资格证书.pdf", "Cert")))
    page.set_input_files("#m-INTERNSHIP_ASSESSMENT", str(_png(tmp_path / "考核.png")))
    _clean(look)
    look.screenshot("supplement-form")
    page.get_by_role("button", name="提交补正材料").click()
    page.wait_for_load_state("load")
    assert "补正材料已收到" in page.locator("[role=status]").inner_text()
    assert "资格证书.pdf" in page.locator("table.files").inner_text()
    _clean(look)
    look.screenshot("supplement-received")
    _fits_phone(look, "supplement-received-375")
    look.open(f"/my/cases/{case_id}")  # the case goes on: its steps show the supplement
    assert "收到补正材料" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="补正材料", exact=True).count() == 0
    with sessions() as session:
        kept = session.scalars(select(MaterialFile).where(MaterialFile.case_id == case_id)).all()
    assert sorted(f.action for f in kept) == ["submit", "submit", "supplement", "supplement"]
    assert len([p for p in upload_dir.rglob("*") if p.is_file()]) == 4


def test_the_filing_form_at_phone_width_in_english(
    look: Look, applicant_account: ApplicantLogin, tmp_path: Path
) -> None:
    page = look.page
    page.set_viewport_size({"width": 375, "height": 740})
    look.open(f"/file/{ITEM}?lang=en")  # logged out: to the log-in (Chinese), then back
    assert "/account/login" in page.url
    page.get_by_label("手机号码或电子邮箱").fill(applicant_account.login)
    page.get_by_label("密码").fill(applicant_account.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/file/{ITEM}?lang=en")
    assert page.locator("h1").inner_text().startswith("File online")
    for label in ("Application for a lawyer's practising licence", "optional"):
        assert label in page.locator("main form").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form scrolls sideways at 375 px ({width} px wide)"
    _clean(look, lang="en")
    look.screenshot("filing-form-375-en")
    # a file that is no PDF though named so is refused on the form, naming it
    fake = tmp_path / "notes.pdf"
    fake.write_text("only text, not a PDF")
    page.set_input_files("#m-IDENTITY", str(fake))
    page.get_by_role("button", name="File the application").click()
    page.wait_for_load_state("load")
    alert = page.locator("[role=alert]").inner_text()
    assert "notes.pdf" in alert
    assert "not an allowed type" in alert
    assert page.locator("#m-IDENTITY-error").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert [f.split(" ")[0] for f in look.failed] == ["422"]
    assert problems(page, lang="en") == []
    look.screenshot("filing-refused-375-en")
