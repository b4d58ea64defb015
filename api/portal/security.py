"""Who is at the browser and whether a form came from our own page: the applicant's session
cookie (server-side session, `approval_core/accounts`), the CSRF check of every form, and
log-in / log-out. An applicant is the same `Actor` the JSON API gives a token holder of role
applicant, so every service function authorises the page exactly as it does the API."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import ServiceState
from api.portal.pages import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    secure_cookies,
    session_actor,
)
from approval_core.accounts import service as accounts
from approval_core.context import Actor
from approval_core.errors import Forbidden


class LoginRequired(Exception):
    """A page for logged-in applicants was asked for without a session: the portal answers
    with a redirect to the log-in page, which comes back here afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def mark_page(request: Request) -> None:
    """Every portal route's first dependency: errors of this request become pages."""
    request.state.portal = True


async def verify_csrf(request: Request) -> None:
    """Every form's POST: its hidden `csrf_token` must equal the browser's CSRF cookie, which
    another site can neither read nor set (double-submit cookie, SameSite=Lax)."""
    request.state.portal = True
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    kept = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not kept or not hmac.compare_digest(sent, kept):
        raise Forbidden(
            "the form expired or did not come from this site: reload the page and send it again",
            detail_zh="表单已失效或并非来自本站，请刷新页面后重新提交",
            field=CSRF_FIELD,
        )


async def optional_applicant(request: Request) -> Actor | None:
    """The logged-in applicant, or None."""
    request.state.portal = True
    if not request.cookies.get(SESSION_COOKIE):
        request.state.applicant = None
        return None
    return await run_in_threadpool(session_actor, request)


async def required_applicant(
    request: Request, actor: Annotated[Actor | None, Depends(optional_applicant)]
) -> Actor:
    if actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return actor


OptionalApplicant = Annotated[Actor | None, Depends(optional_applicant)]
RequiredApplicant = Annotated[Actor, Depends(required_applicant)]


def login_url(next_path: str) -> str:
    return f"/account/login?next={quote(next_path, safe='')}"


def safe_next(next_path: str | None) -> str:
    """Where to go after logging in: a path of this site only (no open redirect)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith(("//", "/\\")):
        return "/my/cases"
    return next_path


def start_session(
    request: Request, response: Response, service: ServiceState, user_id: int
) -> None:
    """Log the browser in: a new server-side session (a fresh token, so a token planted
    before log-in is worthless) in its own transaction, and its HttpOnly cookie."""
    with service.sessions() as session, session.begin():
        token = accounts.open_session(session, service.now(), user_id)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )


def end_session(request: Request, response: Response, service: ServiceState) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with service.sessions() as session, session.begin():
            accounts.close_session(session, service.now(), token)
    response.delete_cookie(SESSION_COOKIE, path="/")
