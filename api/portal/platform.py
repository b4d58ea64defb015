"""Log-in through the province's unified identity platform (OpenID Connect): the browser is sent
to the platform with state, nonce and a PKCE challenge kept in a short-lived sealed cookie,
comes back with a code, and the verified ID token's subject logs in its account. The first
log-in of an unknown subject creates the account from the token's claims (name, 身份证号, phone),
or asks the applicant to complete what the platform did not say."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Service, ServiceState
from api.portal import platform_client as oidc
from api.portal.forms import FieldProblem, from_domain, from_validation, required
from api.portal.pages import page_error, render, secure_cookies
from api.portal.register import LABELS
from api.portal.security import mark_page, safe_next, start_session, verify_csrf
from approval_core.accounts import platform as accounts
from approval_core.accounts.service import normalise_login
from approval_core.cases.schemas import Applicant
from approval_core.errors import InvalidInput
from approval_core.keys import SecretBox

router = APIRouter(
    prefix="/account/oidc", include_in_schema=False, dependencies=[Depends(mark_page)]
)
FLOW_COOKIE = "sunlight_oidc"  # state, nonce, PKCE verifier and where to go afterwards
NEW_COOKIE = "sunlight_oidc_new"  # a verified identity still without an account
LIFETIME = timedelta(minutes=10)
FIELDS = ("name", "id_number", "phone", "email")
TITLE = ("统一身份认证登录未成功", "Log-in through the identity platform failed")


def _seal(service: ServiceState, data: dict[str, Any]) -> str:
    """Encrypted and authenticated (Fernet under SUNLIGHT_DATA_KEY): the browser can neither
    read the 身份证号 nor change a value."""
    body = {**data, "at": service.now().timestamp()}
    return SecretBox(service.settings.data_key).seal(json.dumps(body, ensure_ascii=False))


def _open(service: ServiceState, value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        data = json.loads(SecretBox(service.settings.data_key).open(value))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    issued = datetime.fromtimestamp(float(data.get("at", 0)), tz=service.now().tzinfo)
    return data if service.now() - issued <= LIFETIME else None


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",  # sent on the platform's redirect back (a top-level GET)
        secure=secure_cookies(request),
        path="/account/oidc",
    )


def _refused(request: Request, refusal: oidc.PlatformRefused) -> Response:
    response = page_error(request, refusal.status, TITLE, (refusal.zh, refusal.en))
    response.delete_cookie(FLOW_COOKIE, path="/account/oidc")
    return response


def _callback_url(service: ServiceState) -> str:
    return service.settings.public_url + "/account/oidc/callback"


@router.get("/start")
def start(request: Request, service: Service, next: str | None = None) -> Response:
    if not oidc.configured(service.settings):
        not_set = ("本系统未配置统一身份认证登录", "log-in through the platform is not configured")
        return page_error(request, 404, TITLE, not_set)
    flow = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": safe_next(next),
    }
    try:
        target = oidc.authorization_url(
            service.settings, _callback_url(service), flow["state"], flow["nonce"], flow["verifier"]
        )
    except oidc.PlatformRefused as refusal:
        return _refused(request, refusal)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(request, response, FLOW_COOKIE, _seal(service, flow))
    return response


@router.get("/callback")
def callback(
    request: Request,
    service: Service,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Back from the platform: the state must be this browser's, the code gives a verified
    ID token, whose subject logs in (or is registered)."""
    flow = _open(service, request.cookies.get(FLOW_COOKIE))
    try:
        if flow is None or not secrets.compare_digest(str(flow.get("state")), state):
            raise oidc.PlatformRefused(
                "登录请求已失效或不是从本站发起的，请重新登录",
                "the log-in request expired or did not start here: please log in again",
            )
        if error or not code:
            error = error[:100]  # the platform's word, shown escaped and short
            raise oidc.PlatformRefused(
                f"平台未完成授权（{error or '没有授权码'}）",
                f"the platform did not authorise the log-in ({error or 'no code'})",
            )
        token = oidc.exchange(service.settings, code, _callback_url(service), flow["verifier"])
        claims = oidc.verify(service.settings, token, str(flow["nonce"]))
    except oidc.PlatformRefused as refusal:
        return _refused(request, refusal)
    issuer = oidc.provider(service.settings).issuer
    response = _log_in_or_register(request, service, issuer, claims, str(flow["next"]))
    response.delete_cookie(FLOW_COOKIE, path="/account/oidc")
    return response


def _from_claims(settings_claim: str, claims: dict[str, Any]) -> dict[str, str]:
    values = {
        "name": claims.get("name"),
        "id_number": claims.get(settings_claim),
        "phone": claims.get("phone_number"),
        "email": claims.get("email"),
    }
    return {k: str(v).strip() for k, v in values.items() if isinstance(v, str) and v.strip()}


def _log_in_or_register(
    request: Request, service: ServiceState, issuer: str, claims: dict[str, Any], next_path: str
) -> Response:
    subject = str(claims["sub"])
    with service.sessions() as session:
        known = accounts.account_of_subject(session, issuer, subject)
        user_id = known.user_id if known is not None else None
    if user_id is None:
        given = _from_claims(service.settings.oidc_id_number_claim, claims)
        user_id, problems = _create(service, issuer, subject, given)
        if user_id is None:  # the applicant completes what is missing or refused
            pending = {
                "iss": issuer,
                "sub": subject,
                "given": given,
                "open": sorted(problems),
                "next": next_path,
            }
            response = RedirectResponse("/account/oidc/complete", status_code=303)
            _set_cookie(request, response, NEW_COOKIE, _seal(service, pending))
            return response
    response = RedirectResponse(next_path, status_code=303)
    start_session(request, response, service, user_id)
    return response


def _create(
    service: ServiceState, issuer: str, subject: str, values: dict[str, str]
) -> tuple[int | None, dict[str, FieldProblem]]:
    """The new account's user id, or the problems of what is known so far."""
    problems = required(values, ["name", "id_number", "phone"], LABELS)
    if problems:
        return None, problems
    try:
        login = normalise_login(values["phone"])
        applicant = Applicant.model_validate(
            {**values, "phone": login, "email": values.get("email") or None}
        )
    except ValidationError as exc:
        return None, from_validation(exc, {f: f for f in FIELDS}, LABELS)
    except InvalidInput as bad:
        return None, {"phone": from_domain(bad, {"login": "phone"}, LABELS)}
    try:
        with service.sessions() as session, session.begin():
            account = accounts.create_platform_account(
                session, service.now(), issuer=issuer, subject=subject, login=login,
                applicant=applicant,
            )  # fmt: skip
            return account.user_id, {}
    except InvalidInput as refused:
        names = {f: f for f in FIELDS} | {"login": "phone"}
        problem = from_domain(refused, names, LABELS)
        return None, {problem.field: problem}


def _complete_page(
    request: Request,
    pending: dict[str, Any],
    typed: dict[str, str],
    problems: dict[str, FieldProblem],
) -> Response:
    """The form: the platform's values shown as they are, the open fields to fill in."""
    context = {
        "given": _fixed(pending),
        "open": _editable(pending),
        "values": typed,
        "problems": problems,
        "labels": LABELS,
    }
    return render(request, "account/platform_complete.html", context, 422 if problems else 200)


def _editable(pending: dict[str, Any]) -> list[str]:
    """The fields the applicant fills in: the open ones, and the e-mail if not given."""
    wanted = set(pending["open"]) | ({"email"} - set(pending["given"]))
    return [f for f in FIELDS if f in wanted]


def _fixed(pending: dict[str, Any]) -> dict[str, str]:
    """The platform's values the applicant does not change (all but the open fields)."""
    given: dict[str, str] = pending["given"]
    return {k: v for k, v in given.items() if k not in pending["open"]}


@router.get("/complete", response_class=HTMLResponse)
def complete_page(request: Request, service: Service) -> Response:
    pending = _open(service, request.cookies.get(NEW_COOKIE))
    if pending is None:
        return RedirectResponse("/account/login", status_code=303)
    given: dict[str, str] = pending["given"]
    return _complete_page(request, pending, {k: given.get(k, "") for k in _editable(pending)}, {})


Field = Annotated[str, Form(max_length=200)]


@router.post("/complete", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def complete(
    request: Request,
    service: Service,
    name: Field = "",
    id_number: Field = "",
    phone: Field = "",
    email: Field = "",
) -> Response:
    """Create the account from the platform's values and the ones typed; a refused value
    becomes a field to fill in (kept in the sealed cookie)."""
    pending = _open(service, request.cookies.get(NEW_COOKIE))
    if pending is None:
        return RedirectResponse("/account/login", status_code=303)
    typed = {"name": name, "id_number": id_number, "phone": phone, "email": email}
    typed = {k: v.strip() for k, v in typed.items() if k in _editable(pending)}
    values = _fixed(pending) | {k: v for k, v in typed.items() if v}
    user_id, problems = _create(service, str(pending["iss"]), str(pending["sub"]), values)
    if user_id is None:
        pending["open"] = sorted(set(pending["open"]) | set(problems))
        typed = {k: values.get(k, "") for k in _editable(pending)}
        response = _complete_page(request, pending, typed, problems)
        _set_cookie(request, response, NEW_COOKIE, _seal(service, pending))
        return response
    response = RedirectResponse(safe_next(str(pending.get("next"))), status_code=303)
    response.delete_cookie(NEW_COOKIE, path="/account/oidc")
    start_session(request, response, service, user_id)
    return response
