"""Password reset in the service hall: the applicant asks with their log-in name, a 6-digit code
goes out through the notification outbox (SMS when a gateway is configured, else e-mail), and
the code with a new password sets it. The first page answers the same whether the account
exists or not; the code is valid 15 minutes and for a few tries only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Service, ServiceState
from api.portal.forms import FieldProblem, Labels, required
from api.portal.pages import language, render
from api.portal.security import mark_page, start_session, verify_csrf
from approval_core.accounts import reset as codes
from approval_core.accounts.service import normalise_login
from approval_core.errors import InvalidInput
from approval_core.keys import SecretBox
from supervisor.notify import account_codes

router = APIRouter(prefix="/account", include_in_schema=False, dependencies=[Depends(mark_page)])

LABELS: Labels = {
    "login": ("手机号码或电子邮箱", "Mobile number or e-mail"),
    "code": ("验证码", "Code"),
    "password": ("新密码", "New password"),
    "password2": ("再次输入新密码", "New password again"),
}
Field = Annotated[str, Form(max_length=200)]


def _ask_page(
    request: Request, login: str = "", problems: dict[str, FieldProblem] | None = None
) -> Response:
    context = {"login": login, "problems": problems or {}, "labels": LABELS}
    return render(request, "account/reset.html", context, status=422 if problems else 200)


def _code_page(
    request: Request, login: str, problems: dict[str, FieldProblem] | None = None
) -> Response:
    context: dict[str, Any] = {"login": login, "problems": problems or {}, "labels": LABELS}
    return render(request, "account/reset_code.html", context, status=422 if problems else 200)


@router.get("/reset", response_class=HTMLResponse)
def ask_page(request: Request) -> Response:
    return _ask_page(request)


@router.post("/reset", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def ask(request: Request, service: Service, login: Field = "") -> Response:
    """Send a code if the account exists; the answer is the code page either way."""
    try:
        key = normalise_login(login)
    except InvalidInput as bad:
        problem = FieldProblem("login", bad.detail, bad.detail_zh)
        return _ask_page(request, login, {"login": problem})
    _send_code(service, key, language(request))
    return _code_page(request, key)


def _send_code(service: ServiceState, login: str, lang: str) -> None:
    """A new code in the outbox, in one transaction with the code's hash (nothing when there
    is no such account, no address to send to, or a code went out a minute ago)."""
    settings = service.settings
    now = service.now()
    with service.sessions() as session, session.begin():
        issued = codes.issue_code(session, now, settings.secret_key.encode(), login)
        if issued is None:
            return
        sms_enabled = bool(settings.sms_gateway_url)
        target = account_codes.channel_for(issued.account, login, sms_enabled)
        if target is None:
            return
        account_codes.queue_code(
            session,
            now,
            SecretBox(settings.data_key),
            channel=target[0],
            address=target[1],
            code=issued.code,
            language=lang,
            sms_template=settings.sms_reset_template,
        )


@router.post("/reset/code", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def set_password(
    request: Request,
    service: Service,
    login: Field = "",
    code: Field = "",
    password: Field = "",
    password2: Field = "",
) -> Response:
    """The right code and a good new password: set it, end every other session, log this
    browser in. A wrong code is counted (in its own transaction) and said by its field."""
    problems = required({"code": code, "password": password}, ["code", "password"], LABELS)
    if password and password != password2:
        problems["password2"] = FieldProblem(
            "password2", "the two passwords differ", "两次输入的密码不一致"
        )
    if problems:
        return _code_page(request, login, problems)
    now, key = service.now(), service.settings.secret_key.encode()
    try:
        with service.sessions() as session, session.begin():
            account = codes.reset_password(
                session, now, key, login=login, code=code, password=password
            )
            user_id = account.user_id
    except InvalidInput as refused:
        if refused.field == "code":
            with service.sessions() as session, session.begin():
                codes.count_wrong_code(session, login)
        name = refused.field if refused.field is not None and refused.field in LABELS else "code"
        return _code_page(
            request, login, {name: FieldProblem(name, refused.detail, refused.detail_zh)}
        )
    response = RedirectResponse("/my/cases", status_code=303)
    start_session(request, response, service, user_id)
    return response
