"""Fixtures of the browser tests: the real service under uvicorn on a free loopback port (on
the test database, rules and frozen clock) and a page of Debian's headless chromium driven by
playwright, which records every request the page makes and saves a screenshot per look."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from supervisor.runtime import Supervisor
from tests.conftest import REPO, FrozenClock, test_settings
from tests.metrics.support import free_port, serving

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (the Makefile installs it)
# Where the screenshots stay after the run (var/ is the project's ignored work folder);
# SUNLIGHT_SCREENSHOTS chooses another.
SCREENSHOTS = Path(os.environ.get("SUNLIGHT_SCREENSHOTS", REPO / "var" / "screenshots"))


def _chromium() -> str:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found is not None:
        return found
    reason = "chromium not found: install the Debian package chromium (`make test` does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


# Module scope: while playwright's sync API is open, its event loop is the thread's running
# loop and asyncio.run() (pyHanko's signing, for one) refuses to start; it must be closed
# before the next module's tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless chromium per test module, launched on the Debian executable (no
    download)."""
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def served(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
) -> Iterator[ServiceState]:
    """The app served by uvicorn on loopback; its public URL (printed on documents and in
    their QR codes) is that address, as in development."""
    port = free_port()
    settings = test_settings(db_url, host="127.0.0.1", port=port)
    state = ServiceState(settings, engine, sessions, supervisor, clock)
    with serving(create_app(state), port):
        yield state


@dataclass
class Look:
    """A browser page on the served app: what it requested, what it logged, its screenshots."""

    page: Page
    base: str
    shots: Path
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # answers >= 400 to the page's own requests
    figures: list[str] = field(default_factory=list)  # lines for the run's summary

    def open(self, path: str) -> Response:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None, path
        return response

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """A full-page PNG (else the viewport's) kept under SCREENSHOTS (overwritten by the
        next run)."""
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 1000, path  # a real picture, not an empty file
        return path

    def foreign_requests(self) -> list[str]:
        """Requests to anywhere but the service itself (fonts, scripts, trackers...)."""
        own = urlsplit(self.base).netloc
        # A blob: URL names the origin that made it (ReDoc's search worker is the page's own).
        return [
            u
            for u in self.requests
            if urlsplit(u.removeprefix("blob:")).netloc != own and not u.startswith("data:")
        ]


# The browser asks for /favicon.ico by itself; the service has none (404), which is no fault.
_BROWSER_OWN = ("/favicon.ico",)


def _console(seen: Look, message: ConsoleMessage) -> None:
    # "Failed to load resource" repeats an answer >= 400, which `failed` records with its URL.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        seen.console_errors.append(message.text)


def _failed(seen: Look, response: Response) -> None:
    if response.status >= 400 and urlsplit(response.url).path not in _BROWSER_OWN:
        seen.failed.append(f"{response.status} {response.url}")


def _shot_folder(node_name: str) -> Path:
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def look(
    browser: Browser, served: ServiceState, request: pytest.FixtureRequest, figures: list[str]
) -> Iterator[Look]:
    """A fresh browser context (desktop size, Chinese first) per test."""
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    seen = Look(page, served.settings.public_url, _shot_folder(request.node.name))
    seen.figures = figures
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: _console(seen, m))
    page.on("response", lambda r: _failed(seen, r))
    try:
        yield seen
    finally:
        context.close()


def portal_login(look: Look, login: str, password: str) -> None:
    """Log the browser in through the service hall's log-in form, as a person would."""
    look.open("/account/login")
    look.page.get_by_label("手机号码或电子邮箱").fill(login)
    look.page.get_by_label("密码").fill(password)
    look.page.get_by_role("button", name="登录").click()
    look.page.wait_for_load_state("load")
    assert "/account/login" not in look.page.url, "the log-in was refused"
