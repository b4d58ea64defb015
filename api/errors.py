"""Every error leaves as application/problem+json (RFC 9457), mapped once, here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from approval_core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
)

PROBLEM = "application/problem+json"
_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    IllegalTransition: 409,
    Forbidden: 403,
    Conflict: 409,
}


def wants_english(request: Request) -> bool:
    return request.headers.get("accept-language", "").lower().startswith("en")


def problem(
    request: Request,
    status: int,
    kind: str,
    title: tuple[str, str],
    detail: tuple[str, str],
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    current: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem document; `title`/`detail` are (Chinese, English), shown per Accept-Language."""
    english = wants_english(request)
    body: dict[str, Any] = {
        "type": f"https://sunlight.example/problems/{kind}",
        "title": title[1] if english else title[0],
        "status": status,
        "detail": detail[1] if english else detail[0],
        "detail_zh": detail[0],
        "detail_en": detail[1],
    }
    if errors:
        body["errors"] = errors
    if current is not None:
        body["current"] = current
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(
        request,
        status,
        exc.kind,
        (exc.title_zh, exc.title),
        (exc.detail_zh, exc.detail),
        errors,
        current=exc.current,  # the record as it stands, for the client to reload from
    )


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in raw):
        return problem(
            request,
            400,
            "malformed-json",
            ("请求体不是有效的 JSON", "Malformed JSON"),
            ("请求体无法解析为 JSON", "The request body is not valid JSON"),
        )
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
            "message": e["msg"],
            "type": e["type"],
        }
        for e in raw
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem(
        request,
        422,
        "invalid-input",
        ("输入无效", "Invalid input"),
        (f"以下字段有误：{fields}", f"Invalid fields: {fields}"),
        errors,
    )


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    zh = {401: "未登录或令牌无效", 404: "未找到", 405: "方法不允许", 429: "请求过于频繁"}
    text = str(exc.detail)
    return problem(
        request,
        exc.status_code,
        f"http-{exc.status_code}",
        (zh.get(exc.status_code, "请求失败"), text),
        (zh.get(exc.status_code, text), text),
        headers=dict(exc.headers) if exc.headers else None,
    )


def _stale(request: Request, _exc: Exception) -> JSONResponse:
    return problem(
        request,
        409,
        "conflict",
        ("冲突", "Conflict"),
        ("记录已被他人同时修改，请刷新后重试", "The record changed meanwhile; reload and retry"),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(StaleDataError, _stale)
