"""Commands the case service accepts (validated input; the API reuses them as request bodies)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from approval_core.cases.workflow import ACTIONS

ActionName = Literal[
    "register",
    "accept",
    "reject",
    "request_supplement",
    "supplement_received",
    "assign",
    "handle",
    "review",
    "stop",
    "resume",
    "extend",
    "approve_extension",
    "return",
    "conclude",
    "withdraw",
    "charge_fee",
]
assert set(ActionName.__args__) == set(ACTIONS)  # type: ignore[attr-defined]


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=4, max_length=64)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None


class SubmitCommand(BaseModel):
    """申报: file an application for one catalogue item."""

    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=64)
    applicant: Applicant
    materials: list[str] = Field(default_factory=list, max_length=200)
    submitted_at: datetime | None = None

    @field_validator("submitted_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone offset, e.g. 2026-03-02T09:00:00+08:00")
        return value


class ActionCommand(BaseModel):
    """One action on a case (README "A short tour of the API")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: ActionName
    actor: int | None = Field(default=None, description="user id acting (admin imports only)")
    at: datetime | None = None
    reason: str | None = Field(default=None, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=1000)
    materials: list[str] | None = Field(default=None, max_length=200)
    stop_type: str | None = Field(default=None, max_length=32)
    expected_days: int | None = Field(default=None, ge=1, le=365)
    days: int | None = Field(default=None, ge=1, le=365)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    fee_code: str | None = Field(default=None, max_length=64)
    decision: Literal["approved", "denied"] | None = None
    decision_no: str | None = Field(default=None, max_length=64)
    to_step: str | None = Field(default=None, max_length=32)
    assignee: int | None = Field(default=None, description="handler user id (assign)")
    documents: list[str] | None = Field(default=None, max_length=50)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone offset, e.g. 2026-03-02T09:00:00+08:00")
        return value
