"""Password reset by a one-time code: a 6-digit code is issued for a log-in name (the caller
sends it through the notification outbox), kept only as a keyed hash for 15 minutes, and
accepted at most MAX_CODE_TRIES times; the right code sets a new password, lifts the lockout
and ends every session of the account.

`reset_code_hash` holds "{wrong tries}:{HMAC-SHA256 of the code}" (base64url), so the tries are
counted beside the code without another column, and a copy of the database does not give the
code away (a 6-digit code's plain hash is found by trying all million).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.accounts.models import ApplicantAccount
from approval_core.accounts.passwords import hash_password
from approval_core.accounts.service import check_password, close_all_sessions, normalise_login
from approval_core.errors import InvalidInput

CODE_LIFETIME = timedelta(minutes=15)
MAX_CODE_TRIES = 5  # wrong codes before the code is void and a new one must be asked for
RESEND_AFTER = timedelta(seconds=60)  # a new code at most once a minute (no SMS flooding)


@dataclass(frozen=True)
class IssuedCode:
    """A code to send: to the account's phone and/or mailbox (the caller chooses the channel)."""

    account: ApplicantAccount
    code: str


def _digest(key: bytes, user_id: int, code: str) -> str:
    mac = hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue_code(session: Session, now: datetime, key: bytes, login: str) -> IssuedCode | None:
    """A new code for the account of `login`, or None when there is no such account or a code
    was issued less than RESEND_AFTER ago. The caller answers the same either way, so the page
    does not tell who has an account. A badly formed log-in name is refused naming `login`."""
    account = session.scalars(
        select(ApplicantAccount).where(ApplicantAccount.login == normalise_login(login))
    ).first()
    if account is None:
        return None
    issued_at = account.reset_expires_at - CODE_LIFETIME if account.reset_expires_at else None
    if issued_at is not None and now < issued_at + RESEND_AFTER:
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    account.reset_code_hash = f"0:{_digest(key, account.user_id, code)}"
    account.reset_expires_at = now + CODE_LIFETIME
    session.flush()
    return IssuedCode(account, code)


def _refused() -> InvalidInput:
    return InvalidInput(
        "the code is wrong or no longer valid: check it, or ask for a new one",
        detail_zh="验证码错误或已失效，请核对，或重新获取验证码",
        field="code",
    )


def check_code(session: Session, now: datetime, key: bytes, login: str, code: str) -> int:
    """The user id whose code this is; a wrong code counts a try (the caller commits the count
    even when this raises: see `count_wrong_code`), and after MAX_CODE_TRIES the code is void."""
    try:
        wanted = normalise_login(login)
    except InvalidInput:
        raise _refused() from None
    account = session.scalars(
        select(ApplicantAccount).where(ApplicantAccount.login == wanted)
    ).first()
    if account is None or not account.reset_code_hash or account.reset_expires_at is None:
        raise _refused()
    tries, _, stored = account.reset_code_hash.partition(":")
    expired = account.reset_expires_at <= now or int(tries) >= MAX_CODE_TRIES
    given = _digest(key, account.user_id, code.strip())
    if expired or not hmac.compare_digest(stored, given):
        raise _refused()
    return account.user_id


def count_wrong_code(session: Session, login: str) -> None:
    """One more wrong try of the account's code (in its own transaction); the last allowed try
    voids the code."""
    try:
        wanted = normalise_login(login)
    except InvalidInput:
        return
    account = session.scalars(
        select(ApplicantAccount).where(ApplicantAccount.login == wanted)
    ).first()
    if account is None or not account.reset_code_hash:
        return
    tries, _, stored = account.reset_code_hash.partition(":")
    if int(tries) + 1 >= MAX_CODE_TRIES:
        account.reset_code_hash, account.reset_expires_at = None, None
    else:
        account.reset_code_hash = f"{int(tries) + 1}:{stored}"


def reset_password(
    session: Session, now: datetime, key: bytes, *, login: str, code: str, password: str
) -> ApplicantAccount:
    """Set a new password with the code: the password is checked first (a weak one does not
    use up the code), then the code; the code is spent, the lockout lifted and every session
    of the account closed."""
    check_password(password)
    user_id = check_code(session, now, key, login, code)
    account = session.get(ApplicantAccount, user_id)
    assert account is not None
    account.password_hash = hash_password(password)
    account.reset_code_hash, account.reset_expires_at = None, None
    account.failed_logins, account.locked_until = 0, None
    close_all_sessions(session, now, user_id)
    session.flush()
    return account
