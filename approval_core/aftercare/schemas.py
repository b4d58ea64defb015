"""Inputs of post-supervision: complaint, complaint step, remedy, rating."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from approval_core.aftercare.kinds import Channel, RatingLevel, RemedyKind, RemedyOutcome
from approval_core.inputs import Day, Line, Text

StepAction = Literal["accept", "reject", "handle", "conclude"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ComplaintIn(_Strict):
    """投诉: about a case (case_id) or a department (department)."""

    channel: Channel
    complainant: Line = Field(min_length=1, max_length=200)
    contact: Line | None = Field(default=None, max_length=200)
    content: Text = Field(min_length=1, max_length=5000)
    case_id: Line | None = Field(default=None, max_length=64)
    department: Line | None = Field(default=None, max_length=64)


class ComplaintStepIn(_Strict):
    action: StepAction
    note: Text | None = Field(default=None, max_length=5000)
    outcome: Text | None = Field(default=None, max_length=5000)


class RemedyIn(_Strict):
    """行政复议 / 行政诉讼 / 行政赔偿 linked to a case."""

    kind: RemedyKind
    reference: Line = Field(min_length=1, max_length=120)
    body: Line = Field(min_length=1, max_length=200)
    filed_on: Day
    outcome: RemedyOutcome | None = None
    decided_on: Day | None = None
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    note: Text | None = Field(default=None, max_length=5000)


class RemedyOutcomeIn(_Strict):
    outcome: RemedyOutcome
    decided_on: Day
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    note: Text | None = Field(default=None, max_length=5000)


class RatingIn(_Strict):
    level: RatingLevel
    comment: Text | None = Field(default=None, max_length=2000)
