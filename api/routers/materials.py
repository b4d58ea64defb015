"""Application materials as files: file a case with them, answer a supplement notice with
them, list a case's files and download one (for the case's applicant and department staff)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from api.deps import CurrentActor, Service, ServiceState, unit_of_work
from api.routers.cases import IdempotencyKey, answer_response
from api.uploads import UploadRoute, limits_of, refuse_announced, text_field
from approval_core.cases.schemas import SubmitCommand
from approval_core.context import Actor
from approval_core.errors import InvalidInput
from approval_core.idempotency.service import Answer, once
from approval_core.inputs import Id
from approval_core.materials import service as materials
from approval_core.materials.schemas import (
    FiledWithFiles,
    MaterialFileView,
    Upload,
    UploadLimits,
)

# Requests stream through the upload bound: a body without (or lying about) its length is cut
# off once it passes what a request may bring (`api/uploads.py`).
router = APIRouter(prefix="/api/v1/cases", tags=["materials"], route_class=UploadRoute)

_FILES = {"type": "string", "format": "binary"}


def _multipart(fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The OpenAPI request body: named fields, and one file part per material code."""
    schema = {
        "type": "object",
        "properties": fields,
        "additionalProperties": _FILES,
        "required": required,
    }
    content = {"multipart/form-data": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


_SUBMIT_BODY = _multipart(
    {"command": {"type": "string", "description": "the SubmitCommand, as JSON"}}, ["command"]
)
_SUPPLEMENT_BODY = _multipart(
    {"reason": {"type": "string", "description": "optional note (说明)", "maxLength": 4000}}, []
)


@router.post(
    "/with-materials",
    status_code=201,
    response_model=FiledWithFiles,
    openapi_extra=_SUBMIT_BODY,
)
async def submit_with_materials(
    request: Request,
    actor: CurrentActor,
    service: Service,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """申报 with the materials' files (multipart/form-data): a `command` field (the JSON of
    POST /api/v1/cases) and one file part per material, named by its material code. Each
    file's type is told by its content (PDF, JPEG, PNG, DOCX); the submit record carries
    every file's SHA-256. The query code is shown only here. Send an Idempotency-Key to retry
    safely (the same command and the same files get the first answer)."""
    limits = limits_of(service)
    form = await _form(request, limits)
    try:
        command = _command(form)
        uploads = _uploads(form, {"command"})
        answer = await run_in_threadpool(
            _file_case, service, actor, command, uploads, limits, idempotency_key
        )
    finally:
        await form.close()
    service.judge.wake()
    return answer_response(answer, {"Location": f"/api/v1/cases/{answer.body['id']}"})


def _file_case(
    service: ServiceState,
    actor: Actor,
    command: SubmitCommand,
    uploads: list[Upload],
    limits: UploadLimits,
    key: str | None,
) -> Answer:
    def work(session: Session) -> Answer:
        case, code, rows = materials.submit_with_files(
            session, service.core, actor, command, uploads, limits
        )
        files = [materials.view(row).model_dump(mode="json") for row in rows]
        body = {"id": case.id, "tracking_no": case.tracking_no, "query_code": code}
        return Answer(201, {**body, "state": case.state, "files": files})

    return once(
        service.sessions,
        actor.user_id,
        key,
        "POST /api/v1/cases/with-materials",
        _fingerprint(command, uploads) if key is not None else None,
        service.core.now(),
        work,
    )


def _fingerprint(command: SubmitCommand, uploads: list[Upload]) -> dict[str, Any]:
    """What makes a retry the same request: the command and each file's part and bytes."""
    return {"command": command.model_dump(mode="json"), "files": materials.fingerprint(uploads)}


@router.post("/{case_id}/materials", openapi_extra=_SUPPLEMENT_BODY)
async def supplement_with_materials(
    case_id: str, request: Request, actor: CurrentActor, service: Service
) -> list[MaterialFileView]:
    """补正: answer a supplement notice with the files (multipart/form-data, one part per
    material, named by its material code); records `supplement_received` with their SHA-256.
    The applicant must bring every material the notice asked for."""
    limits = limits_of(service)
    form = await _form(request, limits)
    try:
        reason = text_field(form, "reason", 4000) or None
        uploads = _uploads(form, {"reason"})
        rows = await run_in_threadpool(
            _supplement, service, actor, case_id, uploads, limits, reason
        )
    finally:
        await form.close()
    service.judge.wake()
    return rows


def _supplement(
    service: ServiceState,
    actor: Actor,
    case_id: str,
    uploads: list[Upload],
    limits: UploadLimits,
    reason: str | None,
) -> list[MaterialFileView]:
    with unit_of_work(service) as session:
        _, rows = materials.supplement_with_files(
            session, service.core, actor, case_id, uploads, limits, reason=reason
        )
        return [materials.view(row) for row in rows]


@router.get("/{case_id}/materials")
def list_materials(case_id: str, actor: CurrentActor, service: Service) -> list[MaterialFileView]:
    """The case's files (name, detected type, size, SHA-256, the record carrying it)."""
    with unit_of_work(service) as session:
        return materials.files_of(session, actor, case_id)


@router.get(
    "/{case_id}/materials/{file_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
def download_material(
    case_id: str, file_id: Id, actor: CurrentActor, service: Service
) -> FileResponse:
    """One file, as an attachment of its detected type (never shown inline)."""
    limits = limits_of(service)
    with unit_of_work(service) as session:
        row, path = materials.file_to_send(session, actor, case_id, file_id, limits)
        name, content_type = row.file_name, row.content_type
    return FileResponse(
        path,
        media_type=content_type,
        filename=name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def _form(request: Request, limits: UploadLimits) -> FormData:
    """The multipart body, read within the upload bound (`api/uploads.py`: refused before it
    is read when its announced length passes it, cut off while reading otherwise); Starlette
    spools the parts to temporary files, which `form.close()` removes."""
    refuse_announced(request, limits)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput(
            "send multipart/form-data: the files, each named by its material code",
            detail_zh="请以 multipart/form-data 提交：每个文件以其材料编码命名",
            field="files",
        )
    try:
        return await request.form(max_files=limits.max_files + 1, max_fields=limits.max_files + 2)
    except HTTPException as exc:  # Starlette's own refusal of the form (400)
        if "Too many" not in str(exc.detail):
            raise  # malformed multipart: a 400 problem (api/errors.py)
        raise InvalidInput(
            f"too many parts: at most {limits.max_files} files per request",
            detail_zh=f"文件过多：每次最多上传 {limits.max_files} 个文件",
            field="files",
        ) from exc


def _command(form: FormData) -> SubmitCommand:
    text = form.get("command")
    if not isinstance(text, str):
        raise InvalidInput(
            "command is required: the application as JSON (as for POST /api/v1/cases)",
            detail_zh="缺少 command 字段：以 JSON 填写申请（与 POST /api/v1/cases 相同）",
            field="command",
        )
    try:
        return SubmitCommand.model_validate_json(text)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "command", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


def _uploads(form: FormData, fields: set[str]) -> list[Upload]:
    """Every other part is a file named by its material code."""
    uploads: list[Upload] = []
    others = ", ".join(sorted(fields))
    for name, value in form.multi_items():
        if name in fields:
            continue
        if not isinstance(value, UploadFile):
            raise InvalidInput(
                f"{name} must be a file (parts other than {others} are files named by their "
                "material code)",
                detail_zh=f"{name} 应为文件（除 {others} 外，每部分为以材料编码命名的文件）",
                field=name,
            )
        uploads.append(Upload(name, value.filename or "file", value.file))
    return uploads
