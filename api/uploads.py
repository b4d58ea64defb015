"""The bound on a request bringing files, for the API's upload routes and the service hall's
forms alike (`UploadLimits.body_bound`, from SUNLIGHT_UPLOAD_*).

It holds while reading, not after: a body announcing more than the most a request may bring
is refused before a byte of it is read (`refuse_announced`), and a body without (or lying
about) its length is cut off as soon as it passes the bound (`UploadRoute`, whose requests
stream through `BoundedRequest`). Starlette spools each file part to a temporary file (1 MiB
in memory, the rest on disk), so without the cut-off a client could fill the disk with one
request; the core then checks each file's own size and type as it stores it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from api.deps import ServiceState
from approval_core.errors import InvalidInput, TooLarge
from approval_core.inputs import control_character
from approval_core.materials.schemas import UploadLimits


def limits_of(service: ServiceState) -> UploadLimits:
    return UploadLimits.from_settings(service.settings)


def too_large(size: int | str, limits: UploadLimits) -> TooLarge:
    mib = f"{limits.max_bytes / 1024 / 1024:g} MiB"
    return TooLarge(
        f"the request ({size} bytes) is larger than {limits.max_files} files of {mib} each",
        detail_zh=(
            f"提交的内容过大（{size} 字节），超过 {limits.max_files} 个文件、每个 {mib} 的上限"
        ),
        field="files",
    )


def refuse_announced(request: Request, limits: UploadLimits) -> None:
    """413 before reading, when the announced length passes the bound."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.body_bound:
        raise too_large(length, limits)


class BoundedRequest(Request):
    """A request whose body is cut off once it passes the upload bound (read by the form
    parser through `stream()`)."""

    async def stream(self) -> AsyncGenerator[bytes, None]:
        limits = limits_of(self.app.state.service)
        bound, seen = limits.body_bound, 0
        async for chunk in super().stream():
            seen += len(chunk)
            if seen > bound:
                raise too_large(f"> {bound}", limits)
            yield chunk


class UploadRoute(APIRoute):
    """The route class of routers that take files: their requests are `BoundedRequest`s
    (FastAPI's documented way to give routes a custom request class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            return await handler(BoundedRequest(request.scope, request.receive))

        return bounded


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
