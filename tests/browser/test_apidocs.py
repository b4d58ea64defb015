"""The API's own documentation, /docs (Swagger UI) and /redoc (ReDoc), as headless chromium
shows them: rendered to the operations from the service's files alone (no CDN, no font host:
an intranet reaches neither), under their Content-Security-Policy with no console error.

Third-party UIs: the accessibility checks of tests/browser/a11y.py are for our own pages and
are not asserted here."""

from __future__ import annotations

from playwright.sync_api import Request

from api.apidocs import REDOC_JS, SWAGGER_CSS, SWAGGER_JS
from tests.browser.conftest import Look

TITLE = "Sunlight 网上审批与电子监察"
# ReDoc's menu always shows Redocly's logo from its CDN (and hides it when it fails to load):
# the page's policy refuses it inside the browser, nothing leaves, the console says so.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _refused_by_policy(look: Look) -> list[str]:
    """Records the requests the Content-Security-Policy stopped before they left."""
    refused: list[str] = []

    def failed(request: Request) -> None:
        if request.failure == "csp":  # chromium blocked it, by the page's policy
            refused.append(request.url)

    look.page.on("requestfailed", failed)
    return refused


def _own_and_clean(look: Look, bundles: tuple[str, ...], refused: list[str]) -> None:
    """The bundles and the document came from the service; anything else was refused by the
    policy before it left the browser (which the console reports, as its only error)."""
    paths = [u.removeprefix(look.base) for u in look.requests]
    for asked in (*bundles, "/openapi.json"):
        assert asked in paths, asked
    assert look.foreign_requests() == refused
    assert len(look.console_errors) == len(refused), look.console_errors
    for url, error in zip(refused, look.console_errors, strict=True):
        assert error.startswith(f"Loading the image '{url}' violates"), error
    assert look.failed == []
    look.figures.append(
        f"browser {look.page.url.removeprefix(look.base)}: {len(look.requests)} requests, "
        f"all to the service but {len(refused)} the page's policy refused"
    )


def test_swagger_ui_shows_the_operations_offline(look: Look) -> None:
    refused = _refused_by_policy(look)
    response = look.open("/docs")
    assert response.status == 200
    page = look.page
    path = '.opblock-summary-path[data-path="/api/v1/cases"]'
    filing = page.locator(f".opblock-post {path}")
    filing.wait_for(state="visible")
    assert page.locator(".info h1.title").inner_text().startswith(TITLE)
    assert page.locator(".opblock").count() > 20  # every operation, not just the first
    filing.click()  # the operation opens with its parameters and the "Try it out" button
    opened = page.locator(f".opblock-post.is-open:has({path})")
    opened.locator("button.try-out__btn").wait_for(state="visible")
    assert "application/problem+json" in opened.inner_text()  # the error answers are shown
    look.screenshot("docs-swagger-ui")
    _own_and_clean(look, (SWAGGER_JS, SWAGGER_CSS), refused)
    assert refused == []


def test_redoc_shows_the_operations_and_searches_offline(look: Look) -> None:
    refused = _refused_by_policy(look)
    response = look.open("/redoc")
    assert response.status == 200
    page = look.page
    heading = page.get_by_role("heading", level=1, name=TITLE)
    heading.wait_for(state="visible")
    assert heading.inner_text().startswith(TITLE)
    assert page.locator("[data-section-id^='operation/']").count() > 20
    # The search runs in a web worker ReDoc starts from a blob: (worker-src allows it).
    page.get_by_placeholder("Search...").fill("cases")
    results = page.locator("[data-role='search:results'] li")
    results.first.wait_for(state="visible")
    assert results.count() > 1
    look.screenshot("docs-redoc", full_page=False)  # the whole page is 80 000 px long
    assert not page.get_by_role("img", name="redocly logo").is_visible()
    _own_and_clean(look, (REDOC_JS,), refused)
    assert refused == [REDOCLY_LOGO]


def test_swagger_ui_tries_an_operation_under_its_policy(look: Look) -> None:
    """ "Try it out" calls the API from the page (same origin, which the policy allows)."""
    refused = _refused_by_policy(look)
    look.open("/docs")
    page = look.page
    catalogue = page.locator(".opblock-get:has(.opblock-summary-path[data-path='/api/v1/items'])")
    catalogue.locator(".opblock-summary-path").click()
    catalogue.locator("button.try-out__btn").click()
    catalogue.locator("button.execute").click()
    status = catalogue.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for(state="visible")
    assert status.inner_text().strip() == "200"
    assert "supervision_phone" in catalogue.locator(".live-responses-table").inner_text()
    assert f"{look.base}/api/v1/items" in look.requests
    catalogue.locator(".live-responses-table").scroll_into_view_if_needed()
    look.screenshot("docs-swagger-ui-try-it-out", full_page=False)
    _own_and_clean(look, (SWAGGER_JS, SWAGGER_CSS), refused)
    assert refused == []
