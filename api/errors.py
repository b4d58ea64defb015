"""Every error leaves as application/problem+json (RFC 9457), mapped once, here; a page of the
service hall (and a browser asking for an unknown page) gets the same error as an HTML page in
the reader's language instead (`api/portal/pages.py` registers that renderer)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.field_errors import field_error, summary
from approval_core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StorageFull,
    TooLarge,
)

log = logging.getLogger("sunlight.api")
PROBLEM = "application/problem+json"
_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    IllegalTransition: 409,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    StorageFull: 507,
}


# (request, status, title, detail) -> the error as a page; set by api/portal when installed.
PageRenderer = Callable[[Request, int, tuple[str, str], tuple[str, str]], Response]
_page_renderer: list[PageRenderer] = []


def render_pages_with(renderer: PageRenderer) -> None:
    _page_renderer[:] = [renderer]


def _wants_page(request: Request) -> bool:
    """A portal page's error (its routes mark the request), or a browser's request for a
    page that does not exist (outside the JSON API)."""
    if not _page_renderer:
        return False
    if getattr(request.state, "portal", False):
        return True
    accept = request.headers.get("accept", "")
    return not request.url.path.startswith("/api/") and "text/html" in accept


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
) -> Response:
    """A problem document; `title`/`detail` are (Chinese, English), shown per Accept-Language."""
    if _wants_page(request):
        page = _page_renderer[0](request, status, title, detail)
        page.headers.update(headers or {})
        return page
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
        # each error's `message` in the language asked for, beside both texts
        body["errors"] = [
            {**e, "message": e["message_en"] if english else e["message_zh"]} for e in errors
        ]
    if current is not None:
        body["current"] = current
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    errors = (
        [{"field": exc.field, "message_zh": exc.detail_zh, "message_en": exc.detail}]
        if exc.field
        else None
    )
    return problem(
        request,
        status,
        exc.kind,
        (exc.title_zh, exc.title),
        (exc.detail_zh, exc.detail),
        errors,
        current=exc.current,  # the record as it stands, for the client to reload from
    )


def _validation(request: Request, exc: Exception) -> Response:
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
    errors = [field_error(e) for e in raw]
    detail = summary(errors)
    return problem(request, 422, "invalid-input", ("输入无效", "Invalid input"), detail, errors)


# The Chinese for the framework's and the routers' own HTTP texts (English as raised).
_HTTP_ZH: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"missing bearer token"), "未登录：请在 Authorization 头中提供 Bearer 令牌"),
    (re.compile(r"invalid, expired or revoked token"), "令牌无效、已过期或已被吊销，请重新获取"),
    (
        re.compile(r"no case with this tracking number and query code"),
        "没有与该受理编号和查询码对应的案件，请核对后重试",
    ),
    (
        re.compile(r"no genuine receipt with this verification code"),
        "没有与该验证码对应的真实回执，请核对验证码",
    ),
    (
        re.compile(r"too many failed look-ups; try again in (\d+) s"),
        r"查询失败次数过多，请 \1 秒后再试",
    ),
    (re.compile(r".*multipart.*", re.IGNORECASE), "multipart/form-data 请求体无法解析，请检查格式"),
    (re.compile(r"Not Found"), "未找到该地址"),
    (re.compile(r"Method Not Allowed"), "该地址不支持此请求方法"),
)
_HTTP_TITLE_ZH = {
    400: "请求无效",
    401: "未登录或令牌无效",
    403: "无权访问",
    404: "未找到",
    405: "方法不允许",
    413: "请求过大",
    429: "请求过于频繁",
    503: "服务暂不可用",
}


def _http_zh(status: int, text: str) -> str:
    for pattern, zh in _HTTP_ZH:
        if pattern.fullmatch(text):
            return pattern.sub(zh, text)
    return _HTTP_TITLE_ZH.get(status, "请求失败")  # no English inside a Chinese answer


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    text = str(exc.detail)
    return problem(
        request,
        exc.status_code,
        f"http-{exc.status_code}",
        (_HTTP_TITLE_ZH.get(exc.status_code, "请求失败"), text),
        (_http_zh(exc.status_code, text), text),
        headers=dict(exc.headers) if exc.headers else None,
    )


def _stale(request: Request, _exc: Exception) -> Response:
    return problem(
        request,
        409,
        "conflict",
        ("冲突", "Conflict"),
        ("记录已被他人同时修改，请刷新后重试", "The record changed meanwhile; reload and retry"),
    )


# Serialization failure and deadlock: PostgreSQL chose this transaction to lose a race.
_RACE_SQLSTATES = frozenset({"40001", "40P01"})


def _integrity(request: Request, exc: Exception) -> Response:
    """A unique or foreign key violation the service's own checks did not foresee: another
    request wrote the same thing meanwhile. Nothing of this request was written."""
    assert isinstance(exc, DBAPIError)
    if not isinstance(exc, IntegrityError) and _sqlstate(exc) not in _RACE_SQLSTATES:
        return unexpected(request, exc)
    diag = getattr(exc.orig, "diag", None)
    log.warning(
        "request %s lost a race: %s %s",
        getattr(request.state, "request_id", "-"),
        type(exc.orig).__name__,
        getattr(diag, "constraint_name", None) or str(exc.orig).splitlines()[0][:200],
    )
    return problem(
        request,
        409,
        "conflict",
        ("冲突", "Conflict"),
        (
            "数据已被他人同时修改或创建，本次请求未写入任何内容，请刷新后重试",
            "Someone else changed or created the same data meanwhile; nothing of this "
            "request was written. Reload and retry",
        ),
    )


def _sqlstate(exc: DBAPIError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code if isinstance(code, str) else None


def unexpected(request: Request, exc: BaseException) -> Response:
    """Anything nobody foresaw: logged with its traceback under the request id, answered as a
    500 problem carrying that id and nothing of the error itself."""
    request_id = getattr(request.state, "request_id", "-")
    log.error(
        "unexpected error, request %s: %s %r",
        request_id,
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return problem(
        request,
        500,
        "internal-error",
        ("服务器内部错误", "Internal server error"),
        (
            f"服务器内部错误，已记录。请稍后重试；联系我们时请提供请求编号 {request_id}",
            "An unexpected error occurred and was logged. Please retry later; quote request "
            f"id {request_id} when you contact us",
        ),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(DBAPIError, _integrity)
