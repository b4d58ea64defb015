"""The API's own documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served with every
file they need from this service (`api/static/apidocs/`, vendored from npm): a government
intranet reaches no CDN and no font host, and a page that loads its script from one is blank.

The pages are FastAPI's own (`get_swagger_ui_html`, `get_redoc_html`) pointed at the vendored
files. Their inline start script and style are fixed text, built once: each page's
Content-Security-Policy allows exactly those blocks by hash, no 'unsafe-inline' script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from api.headers import docs_content_security_policy

STATIC_DIR = Path(__file__).parent / "static" / "apidocs"
STATIC_URL = "/static/apidocs"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
SWAGGER_JS = f"{STATIC_URL}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{STATIC_URL}/swagger-ui/swagger-ui.css"
FAVICON = f"{STATIC_URL}/swagger-ui/favicon-32x32.png"
REDOC_JS = f"{STATIC_URL}/redoc/redoc.standalone.js"

_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", flags=re.DOTALL)


@dataclass(frozen=True)
class Page:
    """A documentation page's HTML and the policy that lets exactly its inline blocks run."""

    html: str
    policy: str

    def response(self) -> HTMLResponse:
        return HTMLResponse(self.html, headers={"Content-Security-Policy": self.policy})


def inline_hashes(html: str, tag: str) -> tuple[str, ...]:
    """'sha256-…' of each inline `<script>` or `<style>` block (one without attributes)."""
    return tuple(
        "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for found_tag, body in _INLINE.findall(html)
        if found_tag == tag
    )


def _page(answer: HTMLResponse, any_inline_style: bool = False) -> Page:
    html = bytes(answer.body).decode()
    styles = None if any_inline_style else inline_hashes(html, "style")
    return Page(html, docs_content_security_policy(inline_hashes(html, "script"), styles))


def pages(title: str, openapi_url: str) -> dict[str, Page]:
    """The three pages by path, pointed at the vendored files only."""
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - Swagger UI",
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=FAVICON,
        oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        # No badge asking validator.swagger.io about our document.
        swagger_ui_parameters={"validatorUrl": None},
    )
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{title} - ReDoc",
        redoc_js_url=REDOC_JS,
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
    return {
        DOCS_URL: _page(swagger),
        OAUTH2_REDIRECT_URL: _page(get_swagger_ui_oauth2_redirect_html()),
        REDOC_URL: _page(redoc, any_inline_style=True),  # styled-components' run-time styles
    }


def install(app: FastAPI) -> None:
    """Serve /docs, /docs/oauth2-redirect and /redoc, and the vendored files under
    /static/apidocs. The app must be built with docs_url=None and redoc_url=None.

    The files' mount goes first among the routes: a later, wider `/static` mount (the
    portal's own files) would otherwise answer /static/apidocs/… with 404."""
    if app.docs_url is not None or app.redoc_url is not None or app.openapi_url is None:
        raise RuntimeError("build the app with docs_url=None, redoc_url=None and an openapi_url")
    files = StaticFiles(directory=STATIC_DIR, follow_symlink=False)
    app.router.routes.insert(0, Mount(STATIC_URL, app=files, name="apidocs"))
    for path, page in pages(app.title, app.openapi_url).items():
        app.add_api_route(path, page.response, include_in_schema=False, response_class=HTMLResponse)
