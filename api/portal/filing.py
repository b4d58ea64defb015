"""Online filing (在线申报): the form of one catalogue item with a file input per material, the
filing itself (the case and its files in one transaction, through the same service function
as the API's POST /api/v1/cases/with-materials) and the 申请材料接收凭证 page with the
tracking number, the query code (shown on this page only) and a link to the receipt's PDF
(served by the case's documents, api/portal/mycases.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import Service, ServiceState
from api.portal.pages import render, secure_cookies
from api.portal.security import RequiredApplicant, mark_page, verify_csrf
from api.portal.uploads import (
    UploadForm,
    refusal_status,
    upload_form,
    uploads_of,
)
from api.uploads import UploadRoute, limits_of, text_field
from approval_core.accounts import service as accounts
from approval_core.cases import service as cases
from approval_core.cases.applicants import mask_id_number
from approval_core.cases.schemas import Applicant, SubmitCommand
from approval_core.catalogue.schemas import Item
from approval_core.context import Actor
from approval_core.db import read_only
from approval_core.errors import Forbidden, InvalidInput, StorageFull, TooLarge
from approval_core.idempotency.service import Answer, once
from approval_core.materials import service as materials
from approval_core.materials.schemas import MaterialFileView, Upload, UploadLimits
from approval_core.materials.storage import TYPE_NAMES
from approval_core.receipts.service import latest_receipt

router = APIRouter(
    prefix="/file",
    include_in_schema=False,
    dependencies=[Depends(mark_page)],
    route_class=UploadRoute,
)

RECEIPT_KIND = "receipt_of_materials"  # 申请材料接收凭证, issued by the submit record
# The query code travels from the filing to its receipt page in this cookie (HttpOnly, only
# sent to that page, for half an hour): shown there and nowhere else, as the API shows it
# only in the answer to the filing.
CODE_COOKIE = "sunlight_filed"
CODE_COOKIE_SECONDS = 30 * 60
_REFUSALS = (InvalidInput, TooLarge, StorageFull)
# Each rendering of the form carries a fresh key: sent twice (a double click, a reload of the
# POST), it files once and both answers lead to the same receipt.
FORM_KEY = "form_key"


@dataclass(frozen=True)
class Filed:
    case_id: str
    tracking_no: str
    code: str


def _applicant(service: ServiceState, actor: Actor) -> Applicant:
    """The account's person or organisation: what the case is filed with."""
    with service.sessions() as session:
        read_only(session)
        account = accounts.account_of(session, actor.user_id or 0)
    if account is None:  # a session for a user without an account: nothing to file with
        raise Forbidden(
            "this user has no applicant account to file with",
            detail_zh="当前用户没有申请人账户，不能在线申报",
            field="item",
        )
    return accounts.applicant_of(account)


def _form_context(
    service: ServiceState, item: Item, applicant: Applicant, limits: UploadLimits
) -> dict[str, object]:
    department = service.core.catalogue.departments[item.department]
    number = applicant.credit_code or applicant.id_number or ""
    return {
        "item": item,
        "department": department,
        "who": applicant,
        "who_number": number if applicant.kind == "organisation" else mask_id_number(number),
        "types": TYPE_NAMES,
        "max_mib": f"{limits.max_bytes / 1024 / 1024:g}",
        "max_files": limits.max_files,
        "window": service.core.catalogue.acceptance_window(item),
        "form_key": secrets.token_urlsafe(18),
    }


def _page(service: ServiceState, actor: Actor, item_code: str) -> dict[str, object]:
    item = service.core.catalogue.get(item_code)  # NotFound: a 404 page
    return _form_context(service, item, _applicant(service, actor), limits_of(service))


@router.get("/{item_code}", response_class=HTMLResponse)
async def filing_form(
    request: Request, item_code: str, applicant: RequiredApplicant, service: Service
) -> Response:
    context = await run_in_threadpool(_page, service, applicant, item_code)
    return render(request, "filing/form.html", context)


def _file(
    service: ServiceState, actor: Actor, item_code: str, uploads: list[Upload], key: str
) -> Filed:
    """One transaction: the case, its files and the submit record carrying their SHA-256
    (nothing of it stays if any part is refused); once per form key."""
    if not uploads:
        raise InvalidInput(
            "choose at least one file: the application needs its materials",
            detail_zh="请至少选择一份材料的文件再提交",
            field="files",
        )
    item = service.core.catalogue.get(item_code)  # NotFound before anything else
    command = SubmitCommand(item=item.code, applicant=_applicant(service, actor))
    limits = limits_of(service)

    def work(session: Session) -> Answer:
        case, code, _ = materials.submit_with_files(
            session, service.core, actor, command, uploads, limits
        )
        return Answer(303, {"id": case.id, "tracking_no": case.tracking_no, "code": code})

    answer = _once(service, actor, f"POST /file/{item.code}", uploads, key, work)
    return Filed(answer.body["id"], answer.body["tracking_no"], answer.body["code"])


def _once(
    service: ServiceState,
    actor: Actor,
    scope: str,
    uploads: list[Upload],
    key: str,
    work: Callable[[Session], Answer],
) -> Answer:
    """`work` in one transaction, at most once per form key (the API's Idempotency-Key
    store): a form sent again with the same files gets the first answer."""
    body = materials.fingerprint(uploads) if key else None
    now = service.now()
    try:
        return once(service.sessions, actor.user_id, key or None, scope, body, now, work)
    except InvalidInput as refused:
        if refused.field != "Idempotency-Key":
            raise
        raise InvalidInput(
            "this form was sent before with other files: the form is new now, send it again",
            detail_zh="此表单此前已用其他文件提交过；表单已更新，请重新选择文件后提交",
            field="files",
        ) from refused


@router.post(
    "/{item_code}",
    response_class=HTMLResponse,
    dependencies=[Depends(upload_form), Depends(verify_csrf)],
)
async def file_case(
    request: Request,
    item_code: str,
    applicant: RequiredApplicant,
    service: Service,
    form: UploadForm,
) -> Response:
    """File the case; a refusal (a file's type or size, a full store) shows the form again
    with the error naming the material and file, and nothing stored."""
    try:
        key = text_field(form, FORM_KEY, 64)
        uploads = uploads_of(form, {FORM_KEY})
        filed = await run_in_threadpool(_file, service, applicant, item_code, uploads, key)
    except _REFUSALS as refused:
        context = await run_in_threadpool(_page, service, applicant, item_code)
        context["error"] = refused
        return render(request, "filing/form.html", context, status=refusal_status(refused))
    service.judge.wake()
    response = RedirectResponse(f"/file/receipt/{filed.case_id}", status_code=303)
    response.set_cookie(
        CODE_COOKIE,
        _sealed(service, filed.case_id, filed.code),
        max_age=CODE_COOKIE_SECONDS,
        path=f"/file/receipt/{filed.case_id}",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


def _seal(service: ServiceState, case_id: str, code: str) -> str:
    message = f"query-code:{case_id}:{code}".encode()
    return hmac.new(service.settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def _sealed(service: ServiceState, case_id: str, code: str) -> str:
    return f"{code}.{_seal(service, case_id, code)}"


def _unsealed(service: ServiceState, case_id: str, value: str | None) -> str | None:
    """The query code the cookie carries for this case, if it is the one we set."""
    code, _, mac = (value or "").partition(".")
    if code and hmac.compare_digest(mac, _seal(service, case_id, code)):
        return code
    return None


def _receipt(service: ServiceState, actor: Actor, case_id: str) -> dict[str, object]:
    with service.sessions() as session:
        read_only(session)
        case = cases.scoped_case(session, actor, case_id)  # NotFound for anybody else
        receipt = latest_receipt(session, service.core, case, RECEIPT_KIND)
        files: list[MaterialFileView] = materials.files_of(session, actor, case_id)
        item = service.core.catalogue.get(case.item_code)
        given = set(case.materials)
        return {
            "case": case,
            "item": item,
            "receipt": receipt,
            "files": [f for f in files if f.action == "submit"],
            "names": {m.code: m for m in item.materials},
            "missing": [m for m in item.mandatory_materials if m.code not in given],
        }


@router.get("/receipt/{case_id}", response_class=HTMLResponse)
async def receipt_page(
    request: Request, case_id: str, applicant: RequiredApplicant, service: Service
) -> Response:
    """申请材料接收凭证 of the applicant's own case; the query code while the cookie the
    filing set lasts."""
    context = await run_in_threadpool(_receipt, service, applicant, case_id)
    context["code"] = _unsealed(service, case_id, request.cookies.get(CODE_COOKIE))
    context["code_minutes"] = CODE_COOKIE_SECONDS // 60
    return render(request, "filing/receipt.html", context)
