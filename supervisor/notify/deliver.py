"""The deliverer: sends pending deliveries after commit, with retries, and keeps every attempt.

A run claims due deliveries (a claim expires, so a delivery whose sender died is picked up
again: at least once, never lost), sends each outside any transaction with its channel's
timeout, then records the attempt. A failure is retried after an exponential backoff with
jitter; after `max_attempts` the delivery is dead (a dead letter) until someone replays it.
Just before each attempt the destination is checked again (supervisor/notify/outbound.py) and
the contact point's secret opened with the data key; either failing is a failed attempt. A
message to an applicant who has since opted out of its channel is cancelled when claimed.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.keys import SecretBox
from approval_core.settings import Settings
from supervisor.notify.account_codes import fill_code
from supervisor.notify.applicants import KIND as APPLICANT
from supervisor.notify.applicants import opted_out
from supervisor.notify.channels import (
    Channel,
    Outgoing,
    Result,
    SmtpConfig,
    sms_config,
    smtp_config,
    standard_channels,
)
from supervisor.notify.models import Delivery, DeliveryAttempt
from supervisor.notify.outbound import URL_CHANNELS, OutboundPolicy, url_host

TIMEOUTS = {
    "email": 20.0,
    "webhook": 10.0,
    "wecom": 5.0,
    "dingtalk": 5.0,
    "alertmanager": 5.0,
    "sms": 10.0,
}
OPTED_OUT = "opted out by the applicant / 申请人已退订"


@dataclass
class Deliverer:
    sessions: sessionmaker[Session]
    now: Callable[[], datetime]
    channels: Mapping[str, Channel] = field(default_factory=standard_channels)
    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    claim_for: timedelta = timedelta(minutes=5)
    timeouts: Mapping[str, float] = field(default_factory=lambda: dict(TIMEOUTS))
    rng: random.Random = field(default_factory=random.Random)
    # Told of every attempt's channel and outcome (e.g. the process's metrics).
    on_attempt: Callable[[str, bool], None] | None = None
    # Opens the stored secrets; where sending is allowed; the SMTP server e-mail goes through.
    box: SecretBox = field(kw_only=True)
    outbound: OutboundPolicy = field(kw_only=True)
    smtp_host: str = field(kw_only=True, default="127.0.0.1")
    sms_host: str = field(kw_only=True, default="")  # the SMS gateway's

    @classmethod
    def from_settings(
        cls,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        settings: Settings,
        smtp: SmtpConfig | None = None,
    ) -> Deliverer:
        smtp = smtp or smtp_config(settings)
        sms = sms_config(settings)
        return cls(
            sessions,
            now,
            standard_channels(smtp, sms),
            box=SecretBox(settings.data_key),
            outbound=OutboundPolicy.from_settings(settings),
            smtp_host=smtp.host,
            sms_host=url_host(sms.gateway_url) or "",
        )

    def backoff(self, attempts: int) -> timedelta:
        """Exponential (base * 2^(n-1), capped) with jitter: between half and all of it."""
        full = min(self.max_delay, self.base_delay * 2 ** max(attempts - 1, 0))
        jittered: timedelta = full * self.rng.uniform(0.5, 1.0)
        return jittered

    def run_once(self, limit: int = 100) -> int:
        """Send what is due; returns the number delivered."""
        delivered = 0
        for out, delivery_id in self._claim(limit):
            channel = self.channels.get(out.channel)
            started = time.monotonic()
            result = self._send(channel, out)
            elapsed = int((time.monotonic() - started) * 1000)
            self._record(delivery_id, result, elapsed)
            if self.on_attempt is not None:
                self.on_attempt(out.channel, result.ok)
            delivered += result.ok
        return delivered

    def _send(self, channel: Channel | None, out: Outgoing) -> Result:
        """One attempt. Any error (a malformed secret, a channel's bug) is this delivery's
        failed attempt, recorded, retried and dead-lettered like a refusal: it never stops the
        run or the deliveries queued behind it."""
        if channel is None:
            return Result(False, f"no channel {out.channel}")
        try:
            host = self._host(out)
            if not host:
                return Result(False, f"no destination configured for {out.channel}")
            refused = self.outbound.check_send(host)
            if refused:
                return Result(False, refused)
            if out.secret is not None:
                secret = self.box.open(out.secret)
                out = dataclasses.replace(out, secret=secret)
                if out.message.get("sealed_code"):  # a reset code (account_codes.py)
                    filled = fill_code(out.message, secret)
                    out = dataclasses.replace(out, message=filled, secret=None)
            return channel(out, self.timeouts.get(out.channel, 10.0), self.now())
        except Exception as exc:  # noqa: BLE001 (recorded on the delivery, see above)
            return Result(False, f"error before or while sending: {type(exc).__name__}: {exc}")

    def _host(self, out: Outgoing) -> str | None:
        if out.channel in URL_CHANNELS:
            return url_host(out.address)
        return self.sms_host if out.channel == "sms" else self.smtp_host

    def _claim(self, limit: int) -> list[tuple[Outgoing, int]]:
        now = self.now()
        with self.sessions() as session, session.begin():
            stmt = (
                select(Delivery)
                .where(
                    Delivery.status == "pending",
                    Delivery.next_attempt_at <= now,
                    or_(Delivery.claimed_until.is_(None), Delivery.claimed_until <= now),
                )
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list(session.scalars(stmt))
            stopped = _opted_out(session, rows)
            claimed = []
            for row in rows:
                if row.id in stopped:
                    _cancel(session, row, now)
                    continue
                row.claimed_until = now + self.claim_for
                claimed.append((_outgoing(row), row.id))
            return claimed

    def _record(self, delivery_id: int, result: Result, elapsed_ms: int) -> None:
        now = self.now()
        with self.sessions() as session, session.begin():
            row = session.get(Delivery, delivery_id)
            if row is None or row.status != "pending":
                return
            row.attempts += 1
            row.claimed_until = None
            outcome = "delivered"
            if result.ok:
                row.status, row.delivered_at, row.last_error = "delivered", now, None
            elif row.attempts >= self.max_attempts:
                row.status, row.last_error, outcome = "dead", result.response, "dead"
            else:
                row.last_error, outcome = result.response, "failed"
                row.next_attempt_at = now + self.backoff(row.attempts)
            session.add(
                DeliveryAttempt(
                    delivery_id=row.id,
                    at=now,
                    channel=row.channel,
                    outcome=outcome,
                    response=result.response[:2000],
                    duration_ms=elapsed_ms,
                )
            )


def _opted_out(session: Session, rows: list[Delivery]) -> set[int]:
    """The applicant messages among `rows` whose applicant opted out since they were queued."""
    wanted = {
        row.id: (row.channel, (row.message.get("case") or {}).get("tracking_no"), row.address)
        for row in rows
        if row.kind == APPLICANT
    }
    if not wanted:
        return set()
    stopped = opted_out(session, wanted.values())
    return {i for i, w in wanted.items() if w in stopped}


def _cancel(session: Session, row: Delivery, now: datetime) -> None:
    row.status, row.last_error = "cancelled", OPTED_OUT
    session.add(
        DeliveryAttempt(
            delivery_id=row.id,
            at=now,
            channel=row.channel,
            outcome="cancelled",
            response=OPTED_OUT,
            duration_ms=0,
        )
    )


def _outgoing(row: Delivery) -> Outgoing:
    return Outgoing(
        key=row.key,
        channel=row.channel,
        address=row.address,
        secret=row.secret,
        language=row.language,
        message=dict(row.message),
        created_at=row.created_at,
    )
