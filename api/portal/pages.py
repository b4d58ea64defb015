"""Rendering the service hall's pages: one Jinja2 environment over `templates/`, the reader's
language (Chinese first, `?lang=en` switches and a cookie remembers), the CSRF field and the
logged-in applicant given to every template, and error pages in the reader's language."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api.deps import ServiceState
from api.headers import came_over_tls
from approval_core.accounts import service as accounts
from approval_core.context import Actor
from approval_core.db import read_only

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("zh", "en")
LANG_COOKIE = "lang"
CSRF_COOKIE = "sunlight_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "sunlight_session"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request) -> str:
    """`?lang=` of this request, else the cookie, else Chinese."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGUAGES else "zh"


def secure_cookies(request: Request) -> bool:
    """Cookies are marked Secure when the browser reached us over TLS (directly or through a
    trusted proxy), so they are never sent back in clear."""
    service: ServiceState = request.app.state.service
    return came_over_tls(request.scope, service.limiter.trusted)


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (double-submit cookie): the cookie's value, or a new one that
    `render` sets as the cookie."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_new", None)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.csrf_new = token
    return token


def session_actor(request: Request) -> Actor | None:
    """The applicant the session cookie logs in (looked up once per request; blocking: call
    it from the thread pool)."""
    if hasattr(request.state, "applicant"):
        found: Actor | None = request.state.applicant
        return found
    token = request.cookies.get(SESSION_COOKIE)
    actor = None
    if token:
        service: ServiceState = request.app.state.service
        with service.sessions() as session:
            read_only(session)
            user = accounts.session_user(session, service.now(), token)
            actor = None if user is None else Actor(user.id, user.name, "applicant", None)
    request.state.applicant = actor
    return actor


def _with_lang(request: Request, path: str, lang: str) -> str:
    query = dict(request.query_params)
    query["lang"] = lang
    return f"{path}?{urlencode(query)}"


def context_of(request: Request) -> dict[str, Any]:
    """What every template sees besides its own values."""
    service: ServiceState = request.app.state.service
    lang = language(request)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    def csrf_field() -> Markup:
        token = escape(csrf_token(request))
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')

    return {
        "request": request,
        "lang": lang,
        "t": t,
        "csrf_field": csrf_field,
        "applicant": session_actor(request),
        "now": service.now(),
        "switch_language": _with_lang(request, request.url.path, "en" if lang == "zh" else "zh"),
        "path": request.url.path,
    }


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page, with the language and CSRF cookies set when this request chose or made them."""
    template = _env.get_template(template_name)
    html = template.render({**context_of(request), **(context or {})})
    response = HTMLResponse(html, status_code=status)
    secure = secure_cookies(request)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, language(request), max_age=365 * 86400, samesite="lax", secure=secure
        )
    new = getattr(request.state, "csrf_new", None)
    if new is not None:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=secure)
    return response


def page_error(
    request: Request, status: int, title: tuple[str, str], detail: tuple[str, str]
) -> HTMLResponse:
    """An error as a page: (Chinese, English) title and detail, shown in the reader's language."""
    request.state.portal = True
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status=status,
    )
