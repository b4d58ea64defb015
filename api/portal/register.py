"""Registering an applicant account in the service hall: a person, or an organisation through
its legal representative. The account's applicant is checked by the same rules as a filing's
(`accounts.create_account`); every error is shown next to its field, everything typed is kept
except the passwords, and a new account is logged in at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Service
from api.portal.forms import FieldProblem, Labels, from_domain, from_validation, required
from api.portal.pages import render
from api.portal.security import OptionalApplicant, mark_page, start_session, verify_csrf
from approval_core.accounts import service as accounts
from approval_core.cases.schemas import Applicant
from approval_core.errors import InvalidInput

router = APIRouter(prefix="/account", include_in_schema=False, dependencies=[Depends(mark_page)])

LABELS: Labels = {
    "name": ("姓名", "Full name"),
    "id_number": ("居民身份证号", "Resident identity card number"),
    "org_name": ("单位名称", "Organisation name"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "rep_name": ("法定代表人姓名", "Legal representative's name"),
    "rep_id_number": ("法定代表人身份证号", "Legal representative's identity card number"),
    "phone": ("手机号码", "Mobile number"),
    "email": ("电子邮箱", "E-mail"),
    "password": ("密码", "Password"),
    "password2": ("再次输入密码", "Password again"),
}
# The model's field (and the service's error field) -> the form field, per kind.
NAMES = {
    "person": {"name": "name", "id_number": "id_number", "phone": "phone", "email": "email"},
    "organisation": {
        "name": "org_name",
        "credit_code": "credit_code",
        "legal_representative": "rep_name",
        "legal_representative.name": "rep_name",
        "legal_representative.id_number": "rep_id_number",
        "phone": "phone",
        "email": "email",
    },
}
REQUIRED = {
    "person": ["name", "id_number", "phone"],
    "organisation": ["org_name", "credit_code", "rep_name", "rep_id_number", "phone"],
}
KEPT = (
    "name",
    "id_number",
    "org_name",
    "credit_code",
    "rep_name",
    "rep_id_number",
    "phone",
    "email",
)


def _kind(value: str | None) -> str:
    return "organisation" if value == "organisation" else "person"


def _page(
    request: Request, kind: str, values: dict[str, str], problems: dict[str, FieldProblem]
) -> Response:
    context: dict[str, Any] = {
        "kind": kind,
        "values": values,
        "problems": problems,
        "labels": LABELS,
    }
    return render(request, "account/register.html", context, status=422 if problems else 200)


@router.get("/register", response_class=HTMLResponse)
def register_page(
    request: Request, applicant: OptionalApplicant, kind: str | None = None
) -> Response:
    if applicant is not None:
        return RedirectResponse("/my/cases", status_code=303)
    return _page(request, _kind(kind), {}, {})


Field = Annotated[str, Form(max_length=200)]


@router.post("/register", dependencies=[Depends(verify_csrf)], response_class=HTMLResponse)
def register(
    request: Request,
    service: Service,
    kind: Field = "person",
    name: Field = "",
    id_number: Field = "",
    org_name: Field = "",
    credit_code: Field = "",
    rep_name: Field = "",
    rep_id_number: Field = "",
    phone: Field = "",
    email: Field = "",
    password: Field = "",
    password2: Field = "",
) -> Response:
    kind = _kind(kind)
    given = (name, id_number, org_name, credit_code, rep_name, rep_id_number, phone, email)
    typed = {k: v.strip() for k, v in zip(KEPT, given, strict=True)}
    problems = _form_problems(kind, typed, password, password2)
    applicant = None
    if not problems:
        try:
            applicant = _applicant(kind, typed)
        except ValidationError as exc:
            problems = from_validation(exc, NAMES[kind], LABELS)
    if applicant is None or problems:
        return _page(request, kind, typed, problems)
    now = service.now()
    try:
        with service.sessions() as session, session.begin():
            account = accounts.create_account(
                session, now, login=typed["phone"], password=password, applicant=applicant
            )
            user_id = account.user_id
    except InvalidInput as refused:
        names = NAMES[kind] | {"login": "phone", "password": "password"}
        problem = from_domain(refused, names, LABELS)
        return _page(request, kind, typed, {problem.field: problem})
    response = RedirectResponse("/my/cases", status_code=303)
    start_session(request, response, service, user_id)
    return response


def _form_problems(
    kind: str, typed: dict[str, str], password: str, password2: str
) -> dict[str, FieldProblem]:
    """What the form itself can tell: empty fields, a mobile number that cannot log in, a
    weak password, the two passwords differing."""
    problems = required(typed | {"password": password}, [*REQUIRED[kind], "password"], LABELS)
    if "phone" not in problems:
        try:
            if "@" in accounts.normalise_login(typed["phone"]):
                raise InvalidInput("", field="login")
        except InvalidInput:
            problems["phone"] = FieldProblem(
                "phone",
                "a mainland mobile number of 11 digits, e.g. 13800000000 (it is your log-in name)",
                "请填写 11 位手机号码，如 13800000000（用作登录名）",
            )
    if "password" not in problems:
        try:
            accounts.check_password(password)
        except InvalidInput as weak:
            problems["password"] = FieldProblem("password", weak.detail, weak.detail_zh)
    if password and password != password2:
        problems["password2"] = FieldProblem(
            "password2", "the two passwords differ", "两次输入的密码不一致"
        )
    return problems


def _applicant(kind: str, typed: dict[str, str]) -> Applicant:
    """The form as a filing's applicant (raises pydantic's ValidationError)."""
    phone = accounts.normalise_login(typed["phone"])
    email = typed["email"] or None
    if kind == "organisation":
        representative = {"name": typed["rep_name"], "id_number": typed["rep_id_number"]}
        return Applicant.model_validate(
            {
                "kind": "organisation",
                "name": typed["org_name"],
                "credit_code": typed["credit_code"],
                "legal_representative": representative,
                "phone": phone,
                "email": email,
            }
        )
    return Applicant.model_validate(
        {"name": typed["name"], "id_number": typed["id_number"], "phone": phone, "email": email}
    )
