"""Users and their bearer tokens: create, find the user behind a token, list token states,
disable a user (tokens revoked, no login) and rotate a token (new one, old one revoked)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from approval_core.cases.labels import ROLE_LABELS, zh
from approval_core.errors import InvalidInput, NotFound
from approval_core.users.models import User

DEFAULT_TOKEN_LIFETIME = timedelta(days=90)  # the service passes SUNLIGHT_TOKEN_LIFETIME_DAYS
ROLES = ("applicant", "clerk", "handler", "reviewer", "head", "supervisor", "policy", "admin")
# Roles whose work belongs to one department.
DEPARTMENT_ROLES = ("clerk", "handler", "reviewer", "head")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    name: str,
    role: str,
    department: str | None,
    now: datetime,
    known_departments: set[str],
    email: str | None = None,
    token: str | None = None,
    token_lifetime: timedelta | None = DEFAULT_TOKEN_LIFETIME,
) -> tuple[User, str]:
    """Create a user; returns it with its token (shown once, stored only as a digest).
    `token_lifetime` None: the token never expires (development demo tokens only)."""
    if role not in ROLES:
        raise InvalidInput(
            f"role must be one of {', '.join(ROLES)}",
            detail_zh=(
                f"角色无效：{role}，应为以下之一：{'、'.join(zh(ROLE_LABELS, r) for r in ROLES)}"
            ),
            field="role",
        )
    if role in DEPARTMENT_ROLES and not department:
        raise InvalidInput(
            f"a {role} belongs to a department", detail_zh="该角色必须指定部门", field="department"
        )
    if department and department not in known_departments:
        raise InvalidInput(
            f"unknown department {department!r}; known: {', '.join(sorted(known_departments))}",
            detail_zh=f"未知部门：{department}，应为以下之一：{'、'.join(sorted(known_departments))}",
            field="department",
        )
    if not name.strip():
        raise InvalidInput("name must not be empty", detail_zh="姓名不能为空", field="name")
    token = token or secrets.token_urlsafe(24)
    user = User(
        name=name.strip(),
        role=role,
        department_code=department,
        email=email,
        token_hash=token_digest(token),
        token_issued_at=now,
        token_expires_at=now + token_lifetime if token_lifetime else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user, token


def user_by_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user whose token this is, unless the token expired or was revoked."""
    stmt = select(User).where(
        User.token_hash == token_digest(token),
        User.active.is_(True),
        User.token_revoked_at.is_(None),
        or_(User.token_expires_at.is_(None), User.token_expires_at > now),
    )
    return session.scalars(stmt).first()


def token_state(user: User, now: datetime) -> str:
    """disabled, revoked, expired, valid (with an expiry) or no_expiry (demo tokens)."""
    if not user.active:
        return "disabled"
    if user.token_revoked_at is not None:
        return "revoked"
    if user.token_expires_at is None:
        return "no_expiry"
    return "valid" if user.token_expires_at > now else "expired"


def overview(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every user with the state of their token, never the token or its digest."""
    rows: Sequence[User] = session.scalars(select(User).order_by(User.id)).all()
    return [
        {
            "id": u.id,
            "name": u.name,
            "role": u.role,
            "department": u.department_code,
            "active": u.active,
            "token": token_state(u, now),
            "issued_at": _iso(u.token_issued_at),
            "expires_at": _iso(u.token_expires_at),
            "revoked_at": _iso(u.token_revoked_at),
        }
        for u in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound(f"no user {user_id}", detail_zh=f"用户不存在：{user_id}", field="user_id")
    return user


def disable_user(session: Session, user_id: int, now: datetime) -> User:
    """No more login: the token is revoked and the user inactive (idempotent)."""
    user = _get(session, user_id)
    user.active = False
    user.token_revoked_at = user.token_revoked_at or now
    session.flush()
    return user


def rotate_token(
    session: Session, user_id: int, now: datetime, lifetime: timedelta | None
) -> tuple[User, str]:
    """A new token (returned once) replaces the old one, which stops working at once."""
    user = _get(session, user_id)
    if not user.active:
        raise InvalidInput(
            f"user {user_id} is disabled; a disabled user gets no token",
            detail_zh="该用户已停用，不能发放令牌",
            field="user_id",
        )
    token = secrets.token_urlsafe(32)
    user.token_hash = token_digest(token)
    user.token_issued_at = now
    user.token_expires_at = now + lifetime if lifetime else None
    user.token_revoked_at = None
    session.flush()
    return user, token
