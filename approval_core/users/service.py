"""Create users with a bearer token and find the user behind a token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.errors import InvalidInput
from approval_core.users.models import User

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
) -> tuple[User, str]:
    """Create a user; returns it with its token (shown once, stored only as a digest)."""
    if role not in ROLES:
        raise InvalidInput(
            f"role must be one of {', '.join(ROLES)}", detail_zh=f"角色无效：{role}", field="role"
        )
    if role in DEPARTMENT_ROLES and not department:
        raise InvalidInput(
            f"a {role} belongs to a department", detail_zh="该角色必须指定部门", field="department"
        )
    if department and department not in known_departments:
        raise InvalidInput(
            f"unknown department {department!r}; known: {', '.join(sorted(known_departments))}",
            detail_zh=f"未知部门：{department}",
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
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user, token


def user_by_token(session: Session, token: str) -> User | None:
    stmt = select(User).where(User.token_hash == token_digest(token), User.active.is_(True))
    return session.scalars(stmt).first()
