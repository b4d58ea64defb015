"""Correlation ids, and the last line of defence against unexpected errors.

Every request gets an id: the client's X-Request-ID when it is well formed, else a new one. It
is on the request (`request.state.request_id`), in every problem document, in the answer's
X-Request-ID header and in the log lines about the request. Anything raised that no handler
mapped becomes a problem+json 500 carrying the id (`api/errors.unexpected`, which logs the
traceback) instead of Starlette's plain-text "Internal Server Error". Both are done by the
outermost middleware (`api/middleware.EdgeMiddleware`).
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers
from starlette.types import Scope

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and . _ : - (UUIDs, trace ids); anything else is replaced, never echoed.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_of(scope: Scope) -> str:
    """The client's X-Request-ID if well formed, else a fresh one."""
    sent = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if sent is not None and _WELL_FORMED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex
