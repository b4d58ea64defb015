"""Log-in and log-out of applicants (the service hall's account pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Service
from api.portal.pages import render
from api.portal.security import (
    OptionalApplicant,
    end_session,
    mark_page,
    safe_next,
    start_session,
    verify_csrf,
)
from approval_core.accounts import service as accounts
from approval_core.errors import InvalidInput

router = APIRouter(prefix="/account", include_in_schema=False, dependencies=[Depends(mark_page)])


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, applicant: OptionalApplicant, next: str | None = None) -> Response:
    if applicant is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "account/login.html", {"next": safe_next(next), "login": ""})


@router.post("/login", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def login(
    request: Request,
    service: Service,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A wrong password is counted in its own transaction (kept though the log-in fails);
    the page says what was wrong, keeps the log-in name and never the password."""
    now = service.now()
    try:
        with service.sessions() as session, session.begin():
            account = accounts.authenticate(session, now, login, password)
            user_id = account.user_id
    except InvalidInput as refused:
        with service.sessions() as session, session.begin():
            accounts.record_failure(session, now, login)
        context = {"next": safe_next(next), "login": login, "error": refused}
        return render(request, "account/login.html", context, status=422)
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, service, user_id)
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request, service: Service) -> Response:
    response = RedirectResponse("/", status_code=303)
    end_session(request, response, service)
    return response
