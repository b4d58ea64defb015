"""Password-reset codes to applicants, through the same delivery outbox as every other message
(a `deliveries` row of kind `account`, sent by the deliverer after commit, at least once, with
its attempts kept). The row never holds the code in clear: the texts say `{code}` and the code
itself is sealed with SUNLIGHT_DATA_KEY in the row's `secret`, opened only for the attempt
(`fill_code`). Not subject to the applicant's opt-outs (退订 stops case news, not a code the
person asked for) nor to quiet hours (it is wanted now).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from approval_core.accounts.models import ApplicantAccount
from approval_core.accounts.reset import CODE_LIFETIME
from approval_core.keys import SecretBox
from supervisor.notify.models import Delivery

KIND = "account"
PLACEHOLDER = "{code}"
DEFAULT_SMS_TEMPLATE = "SMS_SUNLIGHT_RESET_CODE"


def channel_for(account: ApplicantAccount, typed: str, sms_enabled: bool) -> tuple[str, str] | None:
    """(channel, address) for the code: the kind of log-in name the person typed first (their
    phone by SMS when a gateway is configured, else their mailbox), then the other."""
    options = [("sms", account.phone if sms_enabled else None), ("email", account.email)]
    if "@" in typed:
        options.reverse()
    for channel, address in options:
        if address:
            return channel, address
    return None


def code_message(minutes: int, sms_template: str) -> dict[str, Any]:
    return {
        "event": "account.reset_code",
        "kind": KIND,
        "sealed_code": True,
        "subject_zh": "网上办事大厅密码重置验证码",
        "subject_en": "Your password reset code",
        "text_zh": f"您的密码重置验证码为 {PLACEHOLDER}，{minutes} 分钟内有效。"
        "如非本人操作，请忽略本消息，您的密码不会改变。",
        "text_en": f"Your password reset code is {PLACEHOLDER}, valid for {minutes} minutes. "
        "If you did not ask for it, ignore this message: your password stays as it is.",
        "sms": {"template": sms_template, "params": {"code": PLACEHOLDER, "minutes": str(minutes)}},
        "case": None,
    }


def queue_code(
    session: Session,
    now: datetime,
    box: SecretBox,
    *,
    channel: str,
    address: str,
    code: str,
    language: str,
    sms_template: str = DEFAULT_SMS_TEMPLATE,
) -> Delivery:
    """One delivery of the code, due now, in the caller's transaction."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    row = Delivery(
        key=f"code_{uuid.uuid4().hex}",
        kind=KIND,
        alert_id=None,
        user_id=None,
        channel=channel,
        address=address,
        secret=box.seal(code),
        language=language if language in ("zh", "en") else "zh",
        message=code_message(minutes, sms_template),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def fill_code(message: Mapping[str, Any], code: str) -> dict[str, Any]:
    """The message with its sealed code written in (for the attempt only)."""
    filled = dict(message)
    for name in ("text_zh", "text_en"):
        filled[name] = str(message[name]).replace(PLACEHOLDER, code)
    sms = dict(message.get("sms") or {})
    params = {k: code if v == PLACEHOLDER else v for k, v in (sms.get("params") or {}).items()}
    filled["sms"] = sms | {"params": params}
    return filled
