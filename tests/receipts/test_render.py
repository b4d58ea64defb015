"""Rendering: printable HTML escapes everything; the PDF embeds a CJK font and carries the text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.receipts import render
from approval_core.receipts.render import ReceiptFontMissing, render_html, render_pdf
from tests.conftest import FrozenClock, People
from tests.receipts.support import REJECT_REASON, all_receipts, walk_full_case, walk_rejected_case
from tests.support import item_in


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """Text extracted by poppler's pdftotext (installed by `make install` / .ci/run)."""
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext missing: apt-get install poppler-utils"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def test_html_escapes_every_value(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    walked = walk_rejected_case(sessions, core, people, clock, item_in(core, people.department))
    rejection = all_receipts(sessions, core, walked.case_id)[1]
    page = render_html(rejection)
    assert "<b>&</b>" not in page
    assert "请向南昌市司法局申请 &lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "<h1>不予受理告知书（不受理回执）</h1>" in page
    assert rejection.printed_code in page
    assert rejection.number in page
    assert page.startswith("<!DOCTYPE html>")


def test_pdf_carries_the_chinese_text(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    extension = all_receipts(sessions, core, walked.case_id)[4]
    pdf = render_pdf(extension)
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # the TrueType font is embedded, not referenced
    text = _pdf_text(pdf, tmp_path)
    flat = "".join(text.split())
    for expected in (
        "延期告知书",
        "NoticeofExtension",
        "案情复杂，需补充专家意见",
        "2026年4月13日",
        core.catalogue.departments["PLS-DIV"].name_zh,
        "张三",
        extension.printed_code,
    ):
        assert expected in flat, expected
    assert render_pdf(extension) == pdf  # reproducible bytes


def test_pdf_of_a_rejection_keeps_markup_as_text(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    walked = walk_rejected_case(sessions, core, people, clock, item_in(core, people.department))
    text = _pdf_text(render_pdf(all_receipts(sessions, core, walked.case_id)[1]), tmp_path)
    assert "".join(REJECT_REASON.split()) in "".join(text.split())


def test_a_missing_font_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render, "CJK_FONT", tmp_path / "absent.ttc")
    with pytest.raises(ReceiptFontMissing, match="fonts-wqy-zenhei"):
        render.font_path()
