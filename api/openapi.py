"""The OpenAPI document declares the error answers: every operation lists the problem+json
answers it can give (RFC 9457, the `Problem` schema), so clients and fuzzers know them.

Which statuses apply is read from the operation itself: 422 and 500 everywhere (any parameter
may be refused, anything may fail), 400 with a JSON body (malformed JSON), 401/403 with a bearer
token, 404 with path parameters or a token (scoped look-ups), 409 for authenticated changes,
429 for the public look-ups the rate limiter guards.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.errors import PROBLEM


class FieldError(BaseModel):
    field: str = Field(description="the input at fault, dotted (e.g. applicant.name)")
    message: str = Field(description="what is wrong and what is expected, per Accept-Language")
    message_zh: str
    message_en: str
    type: str | None = Field(default=None, description="the validation error type, if any")


class Problem(BaseModel):
    """application/problem+json (RFC 9457); `title`/`detail` follow Accept-Language."""

    type: str
    title: str
    status: int
    detail: str
    detail_zh: str
    detail_en: str
    errors: list[FieldError] | None = None
    request_id: str | None = Field(
        default=None, description="also in the X-Request-ID header and the server's log"
    )


_DESCRIPTIONS = {
    400: "Malformed request (e.g. the body is not JSON) 请求无效",
    401: "Missing or invalid bearer token 未登录或令牌无效",
    403: "Not allowed for this role or department 无权执行此操作",
    404: "Not found 未找到",
    409: "Conflict: illegal in the current state, or changed meanwhile 冲突",
    422: "Invalid input, naming the field 输入无效",
    413: "A file or the request over the upload limits 文件过大",
    429: "Too many failed look-ups; retry later 请求过于频繁",
    500: "Unexpected error, logged under the request id 服务器内部错误",
    507: "Storage full: nothing was stored 存储空间不足",
}
_RATE_LIMITED = ("/api/v1/public/", "/api/v1/receipts/verify/")


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer with (see the module docstring)."""
    statuses = {422, 500}
    authenticated = bool(operation.get("security"))
    has_path_parameters = any(p.get("in") == "path" for p in operation.get("parameters", []))
    if "requestBody" in operation:
        statuses.add(400)
        if "multipart/form-data" in operation["requestBody"].get("content", {}):
            statuses |= {413, 507}  # uploads (api/routers/materials.py)
    if authenticated:
        statuses |= {401, 403, 404}
        if method != "get":
            statuses.add(409)
    if has_path_parameters:
        statuses.add(404)
    if path.startswith(_RATE_LIMITED):
        statuses |= {404, 429}
    return sorted(statuses)


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {**defs, "Problem": schema}


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with the error answers added (FastAPI's own 422 replaced)."""
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(_problem_schemas())
    content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation):
                answers[str(status)] = {"description": _DESCRIPTIONS[status], "content": content}
    return doc


def install(app: FastAPI) -> None:
    """Serve `document(app)` as /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
