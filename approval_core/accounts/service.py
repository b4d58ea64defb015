"""Applicant accounts: create, log in (with lockout), browser sessions. The account's person or
organisation is checked by the same rules as a filing's applicant (`cases/applicants.py`), so
what an account holds can be filed as it is."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.accounts.passwords import (
    DUMMY_HASH,
    hash_password,
    needs_rehash,
    password_matches,
)
from approval_core.cases.applicants import check_applicant
from approval_core.cases.schemas import Applicant, LegalRepresentative
from approval_core.errors import InvalidInput
from approval_core.timeutil import LEGAL_TZ
from approval_core.users.models import User
from approval_core.users.service import add_user

MIN_PASSWORD = 10
MAX_FAILURES = 5  # wrong passwords in a row before the account is locked
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_login(raw: str) -> str:
    """A mainland mobile number (spaces, dashes and +86 dropped) or a lower-cased e-mail
    address; anything else is refused naming the field."""
    value = raw.strip()
    digits = re.sub(r"[\s-]", "", value).removeprefix("+86")
    if _MOBILE.fullmatch(digits):
        return digits
    if _EMAIL.fullmatch(value):
        return value.lower()
    raise InvalidInput(
        "login must be a mobile phone number or an e-mail address",
        detail_zh="登录名须为手机号码或电子邮箱",
        field="login",
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD} characters",
            detail_zh=f"密码至少 {MIN_PASSWORD} 个字符",
            field="password",
        )
    if password.strip() != password or password.isdigit() or password.isalpha():
        raise InvalidInput(
            "the password must mix letters with digits or signs, without leading or trailing "
            "spaces",
            detail_zh="密码须同时包含字母和数字（或符号），且首尾不能是空格",
            field="password",
        )


def create_account(
    session: Session, now: datetime, *, login: str, password: str | None, applicant: Applicant
) -> ApplicantAccount:
    """Register an applicant: their `users` row (role applicant, with no usable API token)
    and the account. `password` None: an account of the identity platform, which logs in only
    through it. Everything is checked before anything is written."""
    key = _new_login(session, login)
    if password is not None:
        check_password(password)
    check_applicant(applicant, now.astimezone(LEGAL_TZ).date())
    user, _ = add_user(
        session, name=applicant.name, role="applicant", department=None, now=now,
        known_departments=set(), email=applicant.email, token_lifetime=timedelta(0),
    )  # fmt: skip
    return attach_account(session, now, user.id, login=key, password=password, applicant=applicant)


def _new_login(session: Session, login: str) -> str:
    key = normalise_login(login)
    if session.scalar(select(ApplicantAccount.user_id).where(ApplicantAccount.login == key)):
        raise InvalidInput(
            "an account with this login exists already",
            detail_zh="该登录名已注册",
            field="login",
        )
    return key


def attach_account(
    session: Session,
    now: datetime,
    user_id: int,
    *,
    login: str,
    password: str | None,
    applicant: Applicant,
) -> ApplicantAccount:
    """The account of an existing applicant user (the demo's, whose cases it then lists)."""
    key = _new_login(session, login)
    representative = applicant.legal_representative
    account = ApplicantAccount(
        user_id=user_id,
        login=key,
        phone=applicant.phone or (key if "@" not in key else None),
        email=applicant.email or (key if "@" in key else None),
        password_hash=hash_password(password) if password is not None else None,
        kind=applicant.kind,
        name=applicant.name,
        id_number=(applicant.credit_code or applicant.id_number or ""),
        representative_name=representative.name if representative else None,
        representative_id_number=representative.id_number if representative else None,
        failed_logins=0,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def _wrong() -> InvalidInput:
    return InvalidInput("wrong login or password", detail_zh="登录名或密码错误", field="password")


def authenticate(session: Session, now: datetime, login: str, password: str) -> ApplicantAccount:
    """The account whose password this is. After MAX_FAILURES wrong passwords in a row the
    account is locked for LOCKOUT, right password or not; the caller commits the count even
    when this raises (`failed_login` is written in the caller's transaction first)."""
    try:
        key = normalise_login(login)
    except InvalidInput:
        password_matches(DUMMY_HASH, password)
        raise _wrong() from None
    account = session.scalars(select(ApplicantAccount).where(ApplicantAccount.login == key)).first()
    if account is None or account.password_hash is None:
        password_matches(DUMMY_HASH, password)
        raise _wrong()
    if account.locked_until is not None and account.locked_until > now:
        minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
        raise InvalidInput(
            f"too many wrong passwords: the account is locked for {minutes} more minute(s); "
            "reset the password to unlock it now",
            detail_zh=f"密码错误次数过多，账户已锁定，请 {minutes} 分钟后再试，或重置密码",
            field="password",
        )
    if not password_matches(account.password_hash, password):
        raise _wrong()
    account.failed_logins = 0
    account.locked_until = None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def record_failure(session: Session, now: datetime, login: str) -> None:
    """Count a wrong password (in its own transaction, kept though the log-in failed)."""
    try:
        key = normalise_login(login)
    except InvalidInput:
        return
    account = session.scalars(select(ApplicantAccount).where(ApplicantAccount.login == key)).first()
    if account is None or (account.locked_until is not None and account.locked_until > now):
        return
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILURES:
        account.locked_until = now + LOCKOUT
        account.failed_logins = 0


def account_of(session: Session, user_id: int) -> ApplicantAccount | None:
    return session.get(ApplicantAccount, user_id)


def applicant_of(account: ApplicantAccount) -> Applicant:
    """The account's person or organisation as a filing's applicant."""
    if account.kind == "organisation":
        return Applicant(
            kind="organisation",
            name=account.name,
            credit_code=account.id_number,
            legal_representative=LegalRepresentative(
                name=account.representative_name or "",
                id_number=account.representative_id_number or "",
            ),
            phone=account.phone,
            email=account.email,
        )
    return Applicant(
        name=account.name, id_number=account.id_number, phone=account.phone, email=account.email
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, now: datetime, user_id: int) -> str:
    """A new browser session; returns the cookie's token (stored only as its digest)."""
    token = secrets.token_urlsafe(32)
    session.add(
        PortalSession(
            token_hash=_digest(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return token


def session_user(session: Session, now: datetime, token: str) -> User | None:
    """The active applicant a cookie's token logs in, unless expired or logged out."""
    row = session.get(PortalSession, _digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.role != "applicant":
        return None
    return user


def close_session(session: Session, now: datetime, token: str) -> None:
    session.execute(
        update(PortalSession)
        .where(PortalSession.token_hash == _digest(token), PortalSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def close_all_sessions(session: Session, now: datetime, user_id: int) -> None:
    """Log the applicant out everywhere (after a password reset)."""
    session.execute(
        update(PortalSession)
        .where(PortalSession.user_id == user_id, PortalSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
