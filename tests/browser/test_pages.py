"""The service's pages for people, as headless chromium shows them: the public verification
page a document's QR code opens, the printable receipt and the evaluation report. Each test
saves screenshots (var/screenshots/<test>/) and checks what is visible, that the page asks
nothing of any other host, logs no error (a Content-Security-Policy refusal would), and passes
the accessibility basics of tests/browser/a11y.py."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.context import CoreDeps
from approval_core.receipts.schemas import Receipt
from tests.browser.a11y import problems, text_contrasts
from tests.browser.conftest import Look
from tests.conftest import FrozenClock, People
from tests.evaluation.test_supervision_figures import recorded
from tests.receipts.support import Walked, all_receipts, walk_full_case

VERDICTS = ("记录链完整", "Record chain intact", "电子签章有效", "Digital signature valid")


def _decision(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> tuple[Walked, Receipt]:
    walked = walk_full_case(sessions, core, people, clock)
    return walked, all_receipts(sessions, core, walked.case_id)[-1]


def _own_and_clean(look: Look, failed: tuple[str, ...] = ()) -> None:
    assert look.requests, "the page made no request at all"
    assert look.foreign_requests() == []
    assert look.console_errors == []
    assert look.failed == list(failed)
    assert problems(look.page) == []
    texts = text_contrasts(look.page)
    assert len(texts) >= 3  # the contrast check measured the page's texts
    lowest = min(texts, key=lambda t: t.ratio)
    look.figures.append(
        f"browser {look.page.url.removeprefix(look.base)[:60]}: {len(look.requests)} requests "
        f"(all to the service), {len(texts)} texts, lowest contrast {lowest.ratio}:1 "
        f"({lowest.text[:20]!r})"
    )


def test_the_verification_page_of_a_genuine_document(
    look: Look,
    served: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    walked, decision = _decision(sessions, core, people, clock)
    url = served.documents.verify_url(decision)
    assert url.startswith(look.base + "/verify/")  # the QR code leads to this very service
    response = look.open(url.removeprefix(look.base))
    assert response.status == 200
    page = look.page
    heading = page.locator("h1")
    assert heading.is_visible()
    assert heading.inner_text().splitlines() == ["文书查验", "Document verification"]
    text = page.locator("body").inner_text()
    for shown in (*VERDICTS, decision.title_zh, decision.number, walked.tracking_no, "张*"):
        assert shown in text, shown
    assert "张三" not in text  # the applicant's name is masked
    verdicts = page.locator(".verdict.ok")
    assert verdicts.count() == 2
    assert all(verdicts.nth(i).is_visible() for i in range(2))
    # Chinese first: each verdict's Chinese line comes before its English one.
    chain = verdicts.nth(0).inner_text()
    assert chain.index("记录链完整") < chain.index("Record chain intact")
    assert page.locator("tr").count() == 8
    outcome = page.locator("tr", has_text="决定").last.inner_text()
    assert "准予" in outcome
    assert "Granted" in outcome
    look.screenshot("verify-genuine")
    _own_and_clean(look)


def test_the_verification_page_fits_a_phone(
    look: Look,
    served: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    """375 px wide (a small phone, where a QR code is scanned): nothing scrolls sideways."""
    _, decision = _decision(sessions, core, people, clock)
    look.page.set_viewport_size({"width": 375, "height": 812})
    look.open(served.documents.verify_url(decision).removeprefix(look.base))
    width = look.page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 375
    assert look.page.get_by_text(decision.number).is_visible()
    table = look.page.locator("table").bounding_box()
    assert table is not None
    assert table["x"] >= 0
    assert table["x"] + table["width"] <= 375
    look.screenshot("verify-genuine-375px")
    _own_and_clean(look)


def test_the_verification_page_of_an_unknown_code(look: Look) -> None:
    response = look.open("/verify/ABCD-EFGH-JKLM-NPQR")
    assert response.status == 404
    verdict = look.page.locator(".verdict.bad")
    assert verdict.is_visible()
    said = verdict.inner_text()
    assert said.index("未找到与此验证码相符的真实文书") < said.index("No genuine document")
    assert look.page.locator("table").count() == 0  # no facts of any document
    look.screenshot("verify-unknown")
    _own_and_clean(look, failed=(f"404 {response.url}",))


def test_the_printable_receipt(
    look: Look,
    served: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    walked, decision = _decision(sessions, core, people, clock)
    path = (
        f"/api/v1/public/cases/{walked.tracking_no}/receipts/decision"
        f"?code={walked.query_code}&format=html"
    )
    response = look.open(path)
    assert response.status == 200
    page = look.page
    assert page.locator("h1").inner_text() == decision.title_zh
    assert page.get_by_text(decision.number).first.is_visible()
    qr = page.locator(".qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None
    assert min(box["width"], box["height"]) >= 80  # big enough to scan
    link = page.locator("footer a")
    verify_url = served.documents.verify_url(decision)
    assert link.is_visible()
    assert link.inner_text() == verify_url
    assert link.get_attribute("href") == verify_url
    assert page.get_by_text(decision.printed_code).is_visible()
    look.screenshot("receipt-decision")
    _own_and_clean(look)
    # The QR code's address is this service's verification page: follow it.
    look.requests.clear()
    assert look.open(verify_url.removeprefix(look.base)).status == 200
    assert look.page.get_by_text("记录链完整").is_visible()


def test_the_evaluation_report(
    look: Look, sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    recorded(sessions, core, people, clock)
    look.page.set_extra_http_headers(people.auth("supervisor"))
    response = look.open(
        "/api/v1/evaluations?period=2026-Q3&by=department"
        "&as_of=2026-12-01T12:00:00%2B08:00&format=html"
    )
    assert response.status == 200
    page = look.page
    assert page.locator("h1").is_visible()
    charts = page.locator(".charts > svg")
    assert charts.count() == 4
    for index in range(4):
        chart = charts.nth(index)
        assert chart.is_visible()
        assert chart.locator("rect, polyline").count() > 0  # something is drawn
    labels = [charts.nth(i).get_attribute("aria-label") for i in range(4)]
    assert labels[0] == "按时办结率（按月） / On-time rate by month"
    tables = page.locator("table")
    assert tables.count() >= 4  # overview, one per unit, indicators explained
    overview = tables.first.inner_text()
    for shown in ("LAWYER-DIV", "PLS-DIV", "73.69", "32.83", "合格", "不合格"):
        assert shown in overview, shown
    assert page.locator("section.unit").count() == 2
    look.screenshot("evaluation-report")
    _own_and_clean(look)
