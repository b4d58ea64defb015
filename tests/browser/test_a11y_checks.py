"""The accessibility checks of tests/browser/a11y.py find what they are for, on pages made
to fail them (and pass a page made to pass them): otherwise the page tests prove nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.a11y import contrast, problems

GOOD = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>
<h1>标题</h1><h2>小节</h2><h3>条目</h3><h2>另一节</h2>
<p style="color:#555">说明文字 / notes</p>
<p style="color:#fff;background:#a00">白字红底</p>
<img alt="印章 / seal" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
<svg role="img" width="20" height="20"><title>二维码 / QR code</title><rect width="5"
 height="5"/></svg>
<svg aria-hidden="true" width="20" height="20"><rect width="5" height="5"/></svg>
<svg role="img" aria-label="收件 8 件" width="40" height="20"><text x="0" y="15"
 fill="#333">8 件</text></svg>
</body></html>"""

BAD = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>
<h2>not first an h1</h2><h4>skips h3</h4>
<p style="color:#aaa">pale text on white</p>
<div style="background:#ffd"><span style="color:#ee0">yellow on cream</span></div>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">
<svg width="20" height="20"><rect width="5" height="5"/></svg>
<svg width="40" height="20"><text x="0" y="15" fill="#ccc">pale chart label</text></svg>
</body></html>"""


@pytest.fixture
def blank(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_contrast_ratio_is_wcags() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 2) == 21.0
    assert round(contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)"), 2) == 4.48
    assert round(contrast("rgba(85, 85, 85, 1)", "rgb(255, 255, 255)"), 2) == 7.46


def test_a_page_that_keeps_the_basics_passes(blank: Page) -> None:
    blank.set_content(GOOD)
    assert problems(blank) == []


def test_each_failing_basic_is_named(blank: Page) -> None:
    blank.set_content(BAD)
    found = problems(blank)
    assert found[0] == "<html lang> is 'en', not zh-CN"
    assert "the first heading is not an h1" in found[1]
    assert found[2].startswith("heading level skipped: h2 → h4")
    assert found[3:6] == ["img without a text alternative"] + ["svg without a text alternative"] * 2
    pale = [line for line in found if line.startswith("contrast")]
    assert len(pale) == 3, found
    assert "'pale text on white'" in pale[0]
    assert "'yellow on cream'" in pale[1]
    assert "'pale chart label'" in pale[2]
    assert len(found) == 9
