"""Forms with files in the service hall: the body of a multipart POST read within the upload
limits (SUNLIGHT_UPLOAD_*), before the CSRF check reads its token from it, and its file parts
handed to the materials core (`approval_core/materials`) as `Upload`s.

The limits hold while reading, not after: a body announcing more than the most a request may
bring is refused before a byte of it is read, and a body without (or lying about) its length
is cut off as soon as it passes that bound. Starlette spools each file part to a temporary
file (1 MiB in memory, the rest on disk), closed with the form when the request ends; the core
then checks each file's own size and type as it stores it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from api.deps import ServiceState
from api.portal.pages import CSRF_FIELD
from approval_core.errors import DomainError, InvalidInput, StorageFull, TooLarge
from approval_core.inputs import control_character
from approval_core.materials.schemas import Upload, UploadLimits

# Empty file inputs (a material left without a file) are parts too: this many more than
# the files a request may bring are parsed, then dropped (`uploads_of`).
EMPTY_INPUTS_ROOM = 64
# How a refusal of the core is answered when the form is shown again.
_STATUS: tuple[tuple[type[DomainError], int], ...] = ((TooLarge, 413), (StorageFull, 507))


def limits_of(service: ServiceState) -> UploadLimits:
    return UploadLimits.from_settings(service.settings)


def _too_large(size: int | str, limits: UploadLimits) -> TooLarge:
    mib = f"{limits.max_bytes / 1024 / 1024:g} MiB"
    return TooLarge(
        f"the form ({size} bytes) is larger than {limits.max_files} files of {mib} each",
        detail_zh=(
            f"提交的内容过大（{size} 字节），超过 {limits.max_files} 个文件、每个 {mib} 的上限"
        ),
        field="files",
    )


class BoundedRequest(Request):
    """A request whose body is cut off once it passes the upload bound (read by the form
    parser through `stream()`)."""

    async def stream(self) -> AsyncGenerator[bytes, None]:
        limits = limits_of(self.app.state.service)
        bound, seen = limits.body_bound, 0
        async for chunk in super().stream():
            seen += len(chunk)
            if seen > bound:
                raise _too_large(f"> {bound}", limits)
            yield chunk


class UploadRoute(APIRoute):
    """The route class of routers with file forms: their requests are `BoundedRequest`s
    (FastAPI's documented way to give routes a custom request class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            return await handler(BoundedRequest(request.scope, request.receive))

        return bounded


async def upload_form(request: Request) -> AsyncIterator[FormData]:
    """The form of a POST with files, parsed within the limits; put it before `verify_csrf`
    in the route's dependencies so that the check reads this parse. Its spooled files are
    closed when the request ends."""
    limits = limits_of(request.app.state.service)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.body_bound:
        raise _too_large(length, limits)
    try:
        form = await request.form(
            max_files=limits.max_files + EMPTY_INPUTS_ROOM, max_fields=16, max_part_size=64 * 1024
        )
    except HTTPException as exc:  # too many parts, a field too long, a broken body
        raise InvalidInput(
            f"the form could not be read: {exc.detail}",
            detail_zh="表单无法读取（文件或字段过多，或内容不完整），请刷新页面后重新提交",
            field="files",
        ) from exc
    try:
        yield form
    finally:
        await form.close()


UploadForm = Annotated[FormData, Depends(upload_form)]


def uploads_of(form: FormData, fields: set[str]) -> list[Upload]:
    """Every file part, named by its material code (the form's file inputs are named so).
    Inputs left empty (no file chosen: no name and no bytes, or an empty field) are dropped;
    a part that is text where a file belongs is refused, naming it."""
    uploads: list[Upload] = []
    for name, value in form.multi_items():
        if name in fields or name == CSRF_FIELD:
            continue
        if value == "":  # an empty input some clients send as a field, not a file
            continue
        if not isinstance(value, UploadFile):
            raise InvalidInput(
                f"{name} must be a file",
                detail_zh=f"{name} 应为文件",
                field=name,
            )
        if not value.filename and not value.size:
            continue
        uploads.append(Upload(name, value.filename or "file", value.file))
    return uploads


def refusal_status(error: DomainError) -> int:
    """The status of a form shown again with the core's refusal."""
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 422)


def text_field(form: FormData, name: str, limit: int) -> str:
    """A text field of the form, stripped; refused when longer than `limit` or holding
    control characters (line breaks and tabs allowed)."""
    value = form.get(name)
    if value is None:
        return ""
    if (
        not isinstance(value, str)
        or len(value) > limit
        or control_character(value, free_text=True) is not None
    ):
        raise InvalidInput(
            f"{name} must be text of at most {limit} characters, without control characters",
            detail_zh=f"{name} 须为不超过 {limit} 字的文本，不能包含控制字符",
            field=name,
        )
    return value.strip()
