"""Clients that drive cases through a real server the way a careful client would: every
request carries an Idempotency-Key, and one that got no answer (a refused connection, a
timeout, a 5xx from a dying server) is sent again with the same key until it is answered."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.reliability.server import post

# A free item: the fee charged on it is an anomaly, so every case opens alerts and notifies.
ITEM = "LAWYER-PRACTICE"


@dataclass
class Tokens:
    applicant: str
    clerk: str
    handler: str
    reviewer: str
    head: str
    handler_id: int


@dataclass
class Ledger:
    """What the clients were told: acknowledged actions per case, answers by status."""

    acknowledged: dict[str, list[str]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # answered, but not with success
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, case_id: str, action: str) -> None:
        with self.lock:
            self.acknowledged.setdefault(case_id, []).append(action)

    def actions(self) -> int:
        return sum(len(v) for v in self.acknowledged.values())


def steps(tokens: Tokens) -> list[tuple[str, dict[str, Any]]]:
    return [
        (tokens.clerk, {"action": "register"}),
        (tokens.clerk, {"action": "accept"}),
        (tokens.clerk, {"action": "assign", "assignee": tokens.handler_id}),
        (tokens.clerk, {"action": "charge_fee", "amount": "20.00", "fee_code": "CERT_FEE"}),
        (tokens.handler, {"action": "handle"}),
        (tokens.reviewer, {"action": "review"}),
        (
            tokens.head,
            {"action": "conclude", "decision": "approved", "decision_no": "赣司〔2026〕1号"},
        ),
    ]


@dataclass
class Client:
    base: str
    tokens: Tokens
    materials: list[str]
    ledger: Ledger
    answer_timeout: float = 10.0
    give_up_after: float = 120.0  # a server down that long fails the test

    def _send(self, http: httpx.Client, url: str, token: str, body: dict[str, Any]) -> Any:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                answer = post(http, self.base + url, token, body, key)
            except httpx.TransportError:
                answer = None
            if answer is not None:
                with self.ledger.lock:
                    self.ledger.statuses[answer.status_code] += 1
                if answer.status_code < 500:
                    if answer.status_code >= 300:
                        self.ledger.failures.append(
                            f"{url} {body}: {answer.status_code} {answer.text}"
                        )
                        return None
                    return answer.json()
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer for {url} in {self.give_up_after} s")
            with self.ledger.lock:
                self.ledger.retries += 1
            time.sleep(0.2)

    def run(self, until: float) -> None:
        with httpx.Client(timeout=self.answer_timeout) as http:
            while time.monotonic() < until:
                body = {
                    "item": ITEM,
                    "applicant": {"name": "压测", "id_number": "36010219900101123X"},
                    "materials": self.materials,
                }
                filed = self._send(http, "/api/v1/cases", self.tokens.applicant, body)
                if filed is None:
                    continue
                case_id = str(filed["id"])
                self.ledger.ack(case_id, "submit")
                for token, action in steps(self.tokens):
                    if time.monotonic() >= until:
                        break
                    if self._send(http, f"/api/v1/cases/{case_id}/actions", token, action) is None:
                        break
                    self.ledger.ack(case_id, str(action["action"]))


def drive(clients: list[Client], seconds: float) -> None:
    until = time.monotonic() + seconds
    errors: list[BaseException] = []

    def run(client: Client) -> None:
        try:
            client.run(until)
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
