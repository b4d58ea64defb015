"""The channels: each sends one outgoing message and says what came back.

Webhooks are signed the Standard Webhooks way; WeCom and DingTalk robots get markdown in their
formats (DingTalk signed when a secret is set) and count a nonzero errcode as a failure;
e-mail goes over SMTP with a Chinese subject, plain text and HTML; Alertmanager gets
`/api/v2/alerts`; SMS goes to a generic HTTP gateway as a provider template with parameters,
signed with HMAC-SHA256. A channel raises nothing: failures come back as `Result(ok=False)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx

from approval_core.settings import Settings
from supervisor.notify.messages import html_body, markdown, subject, text, truncate_utf8

WECOM_LIMIT = 4096  # bytes of markdown content
DINGTALK_LIMIT = 20000  # bytes of a message


@dataclass(frozen=True)
class Outgoing:
    key: str  # the idempotency key: the same on every attempt
    channel: str
    address: str
    secret: str | None
    language: str
    message: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Result:
    ok: bool
    response: str


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "sunlight@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


@dataclass(frozen=True)
class SmsConfig:
    """The HTTP SMS gateway (SUNLIGHT_SMS_GATEWAY_URL, _ACCESS_KEY, _SECRET, _SIGN_NAME)."""

    gateway_url: str = ""
    access_key: str = ""
    secret: str = ""
    sign_name: str = ""


Channel = Callable[[Outgoing, float, datetime], Result]


def sms_config(settings: Settings) -> SmsConfig:
    return SmsConfig(
        settings.sms_gateway_url,
        settings.sms_access_key,
        settings.sms_secret,
        settings.sms_sign_name,
    )


def smtp_config(settings: Settings) -> SmtpConfig:
    """The SMTP server of the settings (SUNLIGHT_SMTP_*)."""
    return SmtpConfig(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_starttls,
    )


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks: "v1," + base64 HMAC-SHA256 over "{id}.{timestamp}.{body}"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_body(out: Outgoing) -> bytes:
    """The documented payload: {"type", "timestamp", "data": the message}."""
    payload = {
        "type": out.message["event"],
        "timestamp": out.created_at.isoformat(),
        "data": dict(out.message),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_webhook(out: Outgoing, timeout: float, now: datetime) -> Result:
    body = webhook_body(out)
    stamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "webhook-id": out.key,
        "webhook-timestamp": str(stamp),
    }
    if out.secret:
        headers["webhook-signature"] = sign_webhook(out.secret, out.key, stamp, body)
    return _post(out.address, body, headers, timeout, errcode=False)


def send_wecom(out: Outgoing, timeout: float, now: datetime) -> Result:  # noqa: ARG001
    content = truncate_utf8(markdown(out.message, out.language), WECOM_LIMIT)
    body = {"msgtype": "markdown", "markdown": {"content": content}}
    return _post(out.address, _json(body), {"content-type": "application/json"}, timeout)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), url-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return urllib.parse.quote_plus(base64.b64encode(digest.digest()).decode())


def send_dingtalk(out: Outgoing, timeout: float, now: datetime) -> Result:
    title = subject(out.message, out.language)[:64]
    content = markdown(out.message, out.language)
    raw = _json({"msgtype": "markdown", "markdown": {"title": title, "text": content}})
    if len(raw) > DINGTALK_LIMIT:  # the whole message counts; leave room for the envelope
        room = DINGTALK_LIMIT - (len(raw) - len(content.encode("utf-8"))) - 64
        content = truncate_utf8(content, room)
        raw = _json({"msgtype": "markdown", "markdown": {"title": title, "text": content}})
    url = out.address
    if out.secret:
        stamp = int(now.timestamp() * 1000)
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}timestamp={stamp}&sign={dingtalk_sign(out.secret, stamp)}"
    return _post(url, raw, {"content-type": "application/json"}, timeout)


def send_alertmanager(out: Outgoing, timeout: float, now: datetime) -> Result:
    alert = out.message.get("alert") or {}
    case = out.message.get("case") or {}
    labels = {
        "alertname": str(alert.get("rule_id", "digest")),
        "severity": str(alert.get("level", "info")),
        "source": "sunlight",
        "department": str(alert.get("department") or ""),
        "case": str(case.get("tracking_no") or ""),
    }
    item = {
        "labels": {k: v for k, v in labels.items() if v},
        "annotations": {
            "summary": str(out.message["subject_zh"]),
            "description": str(out.message["text_zh"]),
            "idempotency_key": out.key,
        },
        # no endsAt: Alertmanager resolves it after its resolve_timeout
        "startsAt": now.isoformat(),
    }
    url = out.address.rstrip("/") + "/api/v2/alerts"
    return _post(url, _json([item]), {"content-type": "application/json"}, timeout, errcode=False)


def sign_sms(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 under the gateway secret over "{timestamp}." + the body."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sms_channel(config: SmsConfig) -> Channel:
    """POST {phone, sign_name, template, params, request_id} to the gateway; success is HTTP 2xx
    with a JSON answer whose `code`, when given, is "OK" or 0 (request_id is the delivery's
    key, the same on every retry, so a gateway can drop a repeat)."""

    def send(out: Outgoing, timeout: float, now: datetime) -> Result:
        sms = out.message.get("sms") or {}
        if not config.gateway_url:
            return Result(False, "SUNLIGHT_SMS_GATEWAY_URL is not set / 未配置短信网关")
        if not sms.get("template"):
            return Result(False, "the message has no SMS template / 消息没有短信模板")
        body = _json(
            {
                "phone": out.address,
                "sign_name": config.sign_name,
                "template": sms["template"],
                "params": sms.get("params") or {},
                "request_id": out.key,
            }
        )
        stamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "x-sms-access-key": config.access_key,
            "x-sms-timestamp": str(stamp),
            "x-sms-signature": sign_sms(config.secret, stamp, body),
        }
        try:
            response = httpx.post(
                config.gateway_url, content=body, headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            return Result(False, f"{type(exc).__name__}: {exc}")
        return Result(_sms_accepted(response), f"{response.status_code} {response.text[:500]}")

    return send


def _sms_accepted(response: httpx.Response) -> bool:
    if not response.is_success:
        return False
    try:
        answer = response.json()
    except ValueError:
        return False
    code = answer.get("code", "OK") if isinstance(answer, dict) else None
    return code == 0 or str(code).upper() in ("OK", "0")


def smtp_channel(config: SmtpConfig) -> Channel:
    def send(out: Outgoing, timeout: float, now: datetime) -> Result:  # noqa: ARG001
        mail = EmailMessage()
        mail["Subject"] = subject(out.message, out.language)
        mail["From"] = config.sender
        mail["To"] = out.address
        mail["Message-ID"] = f"<{out.key}@sunlight>"  # the same on every retry
        mail.set_content(text(out.message, out.language))
        mail.add_alternative(html_body(out.message, out.language), subtype="html")
        try:
            with smtplib.SMTP(config.host, config.port, timeout=timeout) as smtp:
                if config.starttls:
                    smtp.starttls()
                if config.username:
                    smtp.login(config.username, config.password or "")
                refused = smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            return Result(False, f"{type(exc).__name__}: {exc}")
        return Result(not refused, f"250 accepted; refused={refused}" if refused else "250 OK")

    return send


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _post(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float, *, errcode: bool = True
) -> Result:
    try:
        response = httpx.post(url, content=body, headers=dict(headers), timeout=timeout)
    except httpx.HTTPError as exc:
        return Result(False, f"{type(exc).__name__}: {exc}")
    shown = f"{response.status_code} {response.text[:500]}"
    if not response.is_success:
        return Result(False, shown)
    if errcode:  # WeCom and DingTalk answer 200 with {"errcode": n, "errmsg": ...}
        try:
            code = response.json().get("errcode", 0)
        except (ValueError, AttributeError):
            return Result(False, shown)
        return Result(code == 0, shown)
    return Result(True, shown)


def standard_channels(
    smtp: SmtpConfig | None = None, sms: SmsConfig | None = None
) -> dict[str, Channel]:
    return {
        "sms": sms_channel(sms or SmsConfig()),
        "webhook": send_webhook,
        "wecom": send_wecom,
        "dingtalk": send_dingtalk,
        "alertmanager": send_alertmanager,
        "email": smtp_channel(smtp or SmtpConfig()),
    }
