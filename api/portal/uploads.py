"""Forms with files in the service hall: the body of a multipart POST read within the upload
limits (SUNLIGHT_UPLOAD_*), before the CSRF check reads its token from it, and its file parts
handed to the materials core (`approval_core/materials`) as `Upload`s.

The limits hold while reading (`api/uploads.py`, shared with the API's upload routes);
Starlette's spooled files are closed with the form when the request ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData, UploadFile

from api.portal.pages import CSRF_FIELD
from api.uploads import limits_of, refuse_announced
from approval_core.errors import DomainError, InvalidInput, StorageFull, TooLarge
from approval_core.materials.schemas import Upload

# Empty file inputs (a material left without a file) are parts too: this many more than
# the files a request may bring are parsed, then dropped (`uploads_of`).
EMPTY_INPUTS_ROOM = 64
# How a refusal of the core is answered when the form is shown again.
_STATUS: tuple[tuple[type[DomainError], int], ...] = ((TooLarge, 413), (StorageFull, 507))


async def upload_form(request: Request) -> AsyncIterator[FormData]:
    """The form of a POST with files, parsed within the limits; put it before `verify_csrf`
    in the route's dependencies so that the check reads this parse. Its spooled files are
    closed when the request ends."""
    limits = limits_of(request.app.state.service)
    refuse_announced(request, limits)
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
