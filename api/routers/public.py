"""The applicant's public query: tracking number + query code, no login, rate limited."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from api.deps import Service, unit_of_work
from api.ratelimit import Slot
from api.receipt_response import Format, receipt_response
from approval_core.cases import queries
from approval_core.cases.models import Case
from approval_core.receipts.service import latest_receipt, receipts_of
from supervisor.notify import applicants

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/cases/{tracking_no}")
def public_case(tracking_no: str, code: str, request: Request, service: Service) -> dict[str, Any]:
    """Progress, deadline, clock segments and the receipts to download. Wrong codes and
    unknown numbers get the same 404; repeated failures get 429."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        view = queries.public_view(session, service.core, case)
        view["receipts"] = [r.summary() for r in receipts_of(session, service.core, case)]
        return view


def _find(session: Session, slot: Slot, service: Service, tracking_no: str, code: str) -> Case:
    """The case for number + code; only a wrong number or code keeps its rate-limit slot
    (api/ratelimit.py: taken before the look-up, in the database, shared by processes)."""
    case = queries.find_public(session, service.core, tracking_no, code)
    if case is None:
        raise HTTPException(404, "no case with this tracking number and query code")
    slot.found()
    return case


@router.get("/cases/{tracking_no}/receipts")
def public_receipts(
    tracking_no: str, code: str, request: Request, service: Service
) -> list[dict[str, Any]]:
    """The receipts the applicant can download: kind, number, date, verification code."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        return [r.summary() for r in receipts_of(session, service.core, case)]


@router.get("/cases/{tracking_no}/receipts/{kind}", response_model=None)
def public_receipt(
    tracking_no: str,
    kind: str,
    code: str,
    request: Request,
    service: Service,
    format: Format = "json",
) -> Any:
    """The latest receipt of `kind` for the applicant; `format` json (default), html or pdf."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        receipt = latest_receipt(session, service.core, case, kind)
    return receipt_response(receipt, format)


class NotificationChoice(BaseModel):
    """退订 / 恢复: stop (`receive` false) or resume messages on a channel, or on both ("all")."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email", "all"]
    receive: bool


class ChannelChoice(BaseModel):
    address: str | None  # masked: 138****0000, z***@example.cn
    receive: bool


class NotificationChoices(BaseModel):
    tracking_no: str
    channels: dict[str, ChannelChoice]


@router.post("/cases/{tracking_no}/notifications")
def choose_notifications(
    tracking_no: str, code: str, body: NotificationChoice, request: Request, service: Service
) -> NotificationChoices:
    """The applicant opts out of (or back into) the SMS and e-mail messages about the case,
    with tracking number + query code; answers what each channel now receives."""
    channels = ["sms", "email"] if body.channel == "all" else [body.channel]
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        case = _find(session, slot, service, tracking_no, code)
        now = service.now()
        return NotificationChoices.model_validate(
            applicants.choose(session, case, channels, body.receive, now)
        )
