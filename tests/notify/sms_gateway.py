"""A fake SMS gateway for the tests: a real local HTTP server speaking the generic gateway
contract (supervisor/notify/channels.py sms_channel), checking the access key and the
HMAC-SHA256 signature, and able to fail."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCESS_KEY = "AK-sunlight-test"
SECRET = "sms-test-secret-0123456789"
SIGN_NAME = "阳光审批"


@dataclass
class Gateway:
    """What arrived (verified requests only), and how to answer: "ok", "fail" (HTTP 503) or
    "refuse" (HTTP 200 with a provider error code)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    mode: str = "ok"
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"

    def with_template(self, template: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["template"] == template]

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        if self.mode == "fail":
            return 503, {"code": "ServiceUnavailable", "message": "try later"}
        stamp = headers.get("x-sms-timestamp", "")
        expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        if headers.get("x-sms-access-key") != ACCESS_KEY or not hmac.compare_digest(
            expected.hexdigest(), headers.get("x-sms-signature", "")
        ):
            self.problems.append("signature does not verify")
            return 403, {"code": "SignatureDoesNotMatch"}
        if self.mode == "refuse":
            return 200, {"code": "isv.BUSINESS_LIMIT_CONTROL", "message": "触发流控"}
        self.messages.append(json.loads(body))
        return 200, {"code": "OK", "biz_id": f"biz-{len(self.messages)}"}


def sms_gateway() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("content-length", 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = gateway.answer(headers, self.rfile.read(length))
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (fixed name)
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
