"""`sunlight rules reload` against a small local HTTP server answering like the reload endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli_rules import RELOAD_PATH, rules

PROBLEM = (
    "rules/procedure.yaml:62:18: 未知事实字段 evnt，是否应为 event？ / unknown fact field evnt"
)


class _Endpoint(BaseHTTPRequestHandler):
    """Answers POST like /api/v1/supervision/rules/reload; the answer is set per test."""

    answer: tuple[int, dict[str, Any]] = (200, {})
    seen: list[tuple[str, str | None]] = []

    def do_POST(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        status, body = type(self).answer
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Endpoint.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_reload_reports_a_refusal_and_a_success(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    refused = {"version": "0123abcd", "ok": False, "problems": [PROBLEM]}
    _Endpoint.answer = (200, refused)
    result = runner.invoke(rules, ["reload", "--url", endpoint + "/", "--token", "t-1"])
    assert result.exit_code == 1
    assert _Endpoint.seen == [(RELOAD_PATH, "Bearer t-1")]
    assert "规则版本 / version: 0123abcd" in result.stdout
    assert "重新加载成功 / ok: 否 no" in result.stdout
    assert PROBLEM in result.stderr
    assert "重新加载被拒绝，仍使用版本 0123abcd / reload refused, version 0123abcd stays" in (
        result.stderr
    )

    answer = {"version": "4567ef01", "previous": "0123abcd", "ok": True, "summary": ["事项：…"]}
    answer |= {"clocks": {"recomputed": 3, "changed": 2}}
    _Endpoint.answer = (200, answer)
    monkeypatch.setenv("SUNLIGHT_TOKEN", "t-2")
    ok = runner.invoke(rules, ["reload", "--url", endpoint])
    assert ok.exit_code == 0, ok.output
    assert _Endpoint.seen[-1] == (RELOAD_PATH, "Bearer t-2")
    assert "重新加载成功 / ok: 是 yes" in ok.stdout
    assert "原版本 / was: 0123abcd\n事项：…\n" in ok.stdout
    assert "重算计时 3 件，其中 2 件变化 / clocks recomputed: 3, changed: 2" in ok.stdout

    _Endpoint.answer = (403, {"title": "无权执行此操作", "detail": "role 'handler' may not"})
    forbidden = runner.invoke(rules, ["reload", "--url", endpoint])
    assert forbidden.exit_code == 1
    assert "重新加载被拒绝（HTTP 403）/ reload refused (HTTP 403): role 'handler'" in (
        forbidden.stderr
    )
