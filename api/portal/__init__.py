"""The online service hall (网上办事大厅): pages for applicants, rendered by the same service
over the same service layer and authorisation as the JSON API. `install(app)` mounts the static
files and every page router listed in PORTAL_ROUTERS; see docs/PORTAL.md."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api import errors
from api.portal import (
    account,
    feedback,
    filing,
    guide,
    mycases,
    platform,
    progress,
    register,
    reset,
    supplement,
)
from api.portal.pages import page_error
from api.portal.security import LoginRequired, login_url

STATIC = Path(__file__).parent / "static"
PORTAL_ROUTERS = (
    guide,
    account,
    register,
    reset,
    platform,
    mycases,
    feedback,
    progress,
    filing,
    supplement,
)


def _to_login(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def install(app: FastAPI) -> None:
    for module in PORTAL_ROUTERS:
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _to_login)
    errors.render_pages_with(page_error)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
