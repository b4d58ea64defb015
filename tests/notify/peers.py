"""Real peers for the notification tests: an SMTP server (aiosmtpd) and an HTTP receiver that
verifies Standard Webhooks signatures and DingTalk's signed mode, and can be made to fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"a-test-secret-of-32-bytes-length").decode()
DINGTALK_SECRET = "SECtest-dingtalk-secret"


@dataclass
class Mailbox:
    """What the SMTP server received, parsed."""

    mails: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802, ARG002
        raw = envelope.original_content or b""
        mail = message_from_bytes(raw, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["To"] == address]


def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers per path: "ok", "fail" (HTTP 500), or "errcode" (200 with errcode 310000)."""

    received: list[Received] = field(default_factory=list)
    mode: str = "ok"
    problems: list[str] = field(default_factory=list)
    port: int = 0
    release: threading.Event = field(default_factory=threading.Event)  # ends a "hang"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def answer(self, got: Received) -> tuple[int, dict[str, Any]]:
        if self.mode == "hang":  # the request arrived; the answer never comes in time
            self.release.wait(30)
        if self.mode == "fail":
            return 500, {"error": "down for maintenance"}
        if got.path.startswith("/webhook"):
            self._check_webhook(got)
        if got.path.startswith("/dingtalk"):
            self._check_dingtalk(got)
        if self.mode == "errcode" or self.problems:
            return 200, {"errcode": 310000, "errmsg": "sign not match / 格式错误"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _check_webhook(self, got: Received) -> None:
        msg_id, stamp = got.headers["webhook-id"], got.headers["webhook-timestamp"]
        key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
        signed = f"{msg_id}.{stamp}.".encode() + got.body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [s.split(",", 1)[1] for s in got.headers["webhook-signature"].split(" ")]
        if not any(hmac.compare_digest(expected, s) for s in offered):
            self.problems.append("webhook signature does not verify")

    def _check_dingtalk(self, got: Received) -> None:
        stamp, sign = got.query.get("timestamp", ""), got.query.get("sign", "")
        digest = hmac.new(
            DINGTALK_SECRET.encode(), f"{stamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
        ).digest()
        if sign != base64.b64encode(digest).decode():  # parse_qs has url-decoded it
            self.problems.append("dingtalk sign does not verify")
        body = got.json()
        if body.get("msgtype") != "markdown" or not body["markdown"].get("title"):
            self.problems.append("dingtalk body is not a markdown message")


def http_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("content-length", 0))
            got = Received(
                url.path,
                {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            receiver.received.append(got)
            status, answer = receiver.answer(got)
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (fixed name)
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def alertmanager(folder: Path) -> Iterator[str]:
    """A real Alertmanager (Debian's prometheus-alertmanager) on a free port; its base URL."""
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        reason = "prometheus-alertmanager not installed (Debian package prometheus-alertmanager)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    config = folder / "alertmanager.yml"
    config.write_text("route:\n  receiver: none\nreceivers:\n  - name: none\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("alertmanager did not become ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
