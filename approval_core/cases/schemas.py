"""Commands the case service accepts (validated input; the API reuses them as request bodies)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from approval_core.cases.workflow import ACTIONS
from approval_core.inputs import CreditCode, Id, IdNumber, Line, Moment, Phone, Text

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


class LegalRepresentative(BaseModel):
    """法定代表人 (or 负责人) of an organisation applicant."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=200)
    id_number: IdNumber


class Applicant(BaseModel):
    """A person (居民身份证号) or an organisation (统一社会信用代码 and its legal
    representative). Which numbers each kind needs is checked by the case service
    (`checks.check_applicant`), so that the error names the missing field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["person", "organisation"] = "person"
    name: Line = Field(min_length=1, max_length=200)
    id_number: IdNumber | None = None
    credit_code: CreditCode | None = None
    legal_representative: LegalRepresentative | None = None
    phone: Phone | None = Field(default=None, max_length=40)
    email: EmailStr | None = None


class SubmitCommand(BaseModel):
    """申报: file an application for one catalogue item."""

    model_config = ConfigDict(extra="forbid")

    item: Line = Field(min_length=1, max_length=64)
    applicant: Applicant
    materials: list[Line] = Field(default_factory=list, max_length=200)
    submitted_at: Moment | None = None


class ActionCommand(BaseModel):
    """One action on a case (README "A short tour of the API")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: ActionName
    actor: Id | None = Field(default=None, description="user id acting (admin imports only)")
    at: Moment | None = None
    reason: Text | None = Field(default=None, max_length=4000)
    legal_basis: Text | None = Field(default=None, max_length=1000)
    materials: list[Line] | None = Field(default=None, max_length=200)
    stop_type: Line | None = Field(default=None, max_length=32)
    expected_days: int | None = Field(default=None, ge=1, le=365)
    notice_given: bool | None = Field(
        default=None,
        description="stop: whether the applicant was told in writing how long the special "
        "procedure takes (特别程序告知书, 行政许可法 Art. 45); default true, which needs "
        "expected_days. false records a stop without the notice (an anomaly).",
    )
    days: int | None = Field(default=None, ge=1, le=365)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    fee_code: Line | None = Field(default=None, max_length=64)
    decision: Literal["approved", "denied"] | None = None
    decision_no: Line | None = Field(default=None, max_length=64)
    to_step: Line | None = Field(default=None, max_length=32)
    assignee: Id | None = Field(default=None, description="handler user id (assign)")
    documents: list[Line] | None = Field(default=None, max_length=50)
