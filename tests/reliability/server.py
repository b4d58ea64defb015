"""A real Sunlight server (and worker) in their own processes, on the test database, for the
reliability suite: started, SIGKILLed and started again like an operator's would be."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from approval_core.keys import SecretBox
from approval_core.settings import Settings
from supervisor.notify.outbound import OutboundPolicy
from tests.conftest import REPO, RULES

SERVER_KEY = "reliability-suite-secret-0123456789abcdef-0123456789"  # the records' HMAC key
# The server's settings as the test sees them: the same keys, so the test can seal a contact
# point's secret the server will open.
SERVER_SETTINGS = Settings(environment="test", secret_key=SERVER_KEY, outbound_allow=["127.0.0.1"])
BOX = SecretBox(SERVER_SETTINGS.data_key)
OUTBOUND = OutboundPolicy.from_settings(SERVER_SETTINGS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """`sunlight serve` or `sunlight worker` as a subprocess with its own log file."""

    command: str
    db_url: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SUNLIGHT_DATABASE_URL": self.db_url,
            "SUNLIGHT_SECRET_KEY": SERVER_KEY,
            "SUNLIGHT_ENVIRONMENT": "test",
            "SUNLIGHT_OUTBOUND_ALLOW": "127.0.0.1",
            "SUNLIGHT_RULES_DIR": str(RULES),
            "SUNLIGHT_HOST": "127.0.0.1",
            "SUNLIGHT_PORT": str(self.port),
            "PYTHONPATH": str(REPO),
            **self.extra_env,
        }

    def start(self, wait: bool = True) -> None:
        self.starts += 1
        log = (self.log_dir / f"{self.command}-{self.port}-{self.starts}.log").open("wb")
        args = [sys.executable, "-m", "api.cli", self.command]
        self.process = subprocess.Popen(args, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        path = "/healthz" if self.command == "serve" else "/metrics"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command} exited: {self.logs()[-3000:]}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.command} not ready in {timeout} s: {self.logs()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or the OOM killer would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.log_dir.glob(f"{self.command}-{self.port}-*.log"))
        )


def post(
    http: httpx.Client, url: str, token: str, body: dict[str, Any], key: str
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return http.post(url, json=body, headers=headers)
