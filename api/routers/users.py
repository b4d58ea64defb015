"""People: who can be assigned (staff see their department); user creation, disabling and token
rotation (admin). A disable or rotation here is seen by this process's token cache at once, by
other processes within SUNLIGHT_TOKEN_CACHE_SECONDS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy import select

from api.deps import CurrentActor, Service, require_role, unit_of_work
from approval_core.inputs import Id, Line
from approval_core.users.models import User
from approval_core.users.service import add_user, disable_user, rotate_token, token_state

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=200)
    role: Line = Field(max_length=32)
    department: Line | None = Field(default=None, max_length=64)
    email: EmailStr | None = None


def _public(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "department": user.department_code,
        "active": user.active,
    }


@router.get("")
def list_users(
    actor: CurrentActor, service: Service, role: Line | None = None
) -> list[dict[str, Any]]:
    """Staff of the caller's department (all departments for admin and supervisors)."""
    require_role(actor, "clerk", "handler", "reviewer", "head", "supervisor", "admin")
    stmt = select(User).order_by(User.id)
    if actor.role not in ("admin", "supervisor"):
        stmt = stmt.where(User.department_code == actor.department)
    if role:
        stmt = stmt.where(User.role == role)
    with unit_of_work(service) as session:
        return [_public(u) for u in session.scalars(stmt)]


@router.post("", status_code=201)
def create_user(body: NewUser, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """Create a user; the token is returned once and stored only as a digest."""
    require_role(actor, "admin")
    with unit_of_work(service) as session:
        user, token = add_user(
            session,
            name=body.name,
            role=body.role,
            department=body.department,
            email=body.email,
            now=service.core.now(),
            known_departments=set(service.core.catalogue.departments),
            token_lifetime=service.settings.token_lifetime,
        )
        return {**_public(user), "token": token, "expires_at": _expiry(user)}


def _expiry(user: User) -> str | None:
    return user.token_expires_at.isoformat() if user.token_expires_at else None


@router.post("/{user_id}/disable")
def disable(user_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """No more login for the user: their token is revoked (admin)."""
    require_role(actor, "admin")
    now = service.now()
    with unit_of_work(service) as session:
        user = disable_user(session, user_id, now)
        shown = {**_public(user), "token": token_state(user, now)}
    service.tokens.forget_user(user_id)
    return shown


@router.post("/{user_id}/token")
def rotate(user_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """A new token for the user, returned once; the old one stops working (admin)."""
    require_role(actor, "admin")
    with unit_of_work(service) as session:
        user, token = rotate_token(session, user_id, service.now(), service.settings.token_lifetime)
        shown = {**_public(user), "token": token, "expires_at": _expiry(user)}
    service.tokens.forget_user(user_id)
    return shown
