"""The service guide in chromium: from the hall's home page to an item's guide and a blank form
downloaded as a person would; readable at phone width; in Chinese and English. Screenshots in
var/screenshots/<test>/."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.browser.a11y import problems
from tests.browser.conftest import Look
from tests.conftest import RULES

FORM = RULES / "forms" / "LAWYER-PRACTICE" / "APPLICATION.pdf"


def _own_and_clean(look: Look, lang: str = "zh-CN") -> None:
    assert look.foreign_requests() == []
    assert look.console_errors == []
    assert look.failed == []
    assert problems(look.page, lang=lang) == []


def test_from_the_home_page_to_a_downloaded_form(look: Look, tmp_path: Path) -> None:
    look.open("/")
    page = look.page
    assert page.locator("h1").inner_text() == "司法行政网上办事大厅"
    assert page.locator("section.category").count() == 6
    _own_and_clean(look)
    look.screenshot("home")
    page.get_by_role("link", name="律师执业许可", exact=True).click()
    page.wait_for_load_state("load")
    assert page.url == look.base + "/guide/LAWYER-PRACTICE"
    assert page.locator("h1").inner_text() == "律师执业许可"
    text = page.locator("main").inner_text()
    basis = "《中华人民共和国律师法》第五条、第六条"
    for shown in ("申请条件", "监督电话", "0791-00000100", basis):
        assert shown in text, shown
    assert page.get_by_role("link", name="在线申报").first.get_attribute("href") == (
        "/file/LAWYER-PRACTICE"
    )
    _own_and_clean(look)
    look.screenshot("guide")
    with page.expect_download() as caught:
        # the link's name ends with the material's (a hidden span, read as a separate word)
        page.get_by_role("link", name=re.compile(r"^下载空白表格\s*：律师执业申请书$")).click()
    download = caught.value
    assert download.suggested_filename == "律师执业申请书.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    got = saved.read_bytes()
    assert got.startswith(b"%PDF-")
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(FORM.read_bytes()).hexdigest()
    _own_and_clean(look)


@pytest.mark.parametrize(
    ("path", "lang", "shot"),
    [
        ("/", "zh-CN", "375-home"),
        ("/?lang=en", "en", "375-home-en"),
        ("/guide/LAWYER-PRACTICE", "zh-CN", "375-guide"),
        ("/guide/LEGAL-AID-APPLICATION?lang=en", "en", "375-guide-en"),
    ],
)
def test_the_guide_at_phone_width(look: Look, path: str, lang: str, shot: str) -> None:
    look.page.set_viewport_size({"width": 375, "height": 740})
    look.open(path)
    width = look.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} scrolls sideways at 375 px ({width} px wide)"
    _own_and_clean(look, lang)
    look.screenshot(shot)


def test_an_unknown_item_in_the_browser(look: Look) -> None:
    response = look.open("/guide/NO-SUCH-ITEM?lang=en")
    assert response.status == 404
    assert "NO-SUCH-ITEM" in look.page.locator("main").inner_text()
    assert problems(look.page, lang="en") == []
    look.screenshot("unknown-item-en")


def test_a_form_is_reached_and_downloaded_with_the_keyboard(look: Look) -> None:
    look.open("/guide/NOTARY-PRACTICE")
    page = look.page
    target = "/guide/NOTARY-PRACTICE/forms/APPLICATION"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail(f"{target} was not reached with the Tab key")
    look.screenshot("keyboard-focus")
    with page.expect_download() as caught:
        page.keyboard.press("Enter")
    assert caught.value.suggested_filename == "担任公证员申请书.pdf"
    _own_and_clean(look)
