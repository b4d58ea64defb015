"""Correlation ids, and the last line of defence against unexpected errors.

Every request gets an id: the client's X-Request-ID when it is well formed, else a new one. It
is on the request (`request.state.request_id`), in every problem document, in the answer's
X-Request-ID header and in the log lines about the request. Anything raised that no handler
mapped becomes a problem+json 500 carrying the id (`api/errors.unexpected`, which logs the
traceback) instead of Starlette's plain-text "Internal Server Error".
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import unexpected

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and . _ : - (UUIDs, trace ids); anything else is replaced, never echoed.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_of(scope: Scope) -> str:
    """The client's X-Request-ID if well formed, else a fresh one."""
    sent = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if sent is not None and _WELL_FORMED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:  # the answer is already on its way: only the server can log it
                raise
            await unexpected(Request(scope), exc)(scope, receive, sending)
