"""Bulletins (监察通报 / 年终考核): list, read (json, html or pdf), reproduce, verify a code.

Issued by the scheduler (supervisor/scheduler.py) or `sunlight evaluate bulletin`; never
changed. Reading is for heads, supervisors, policy staff and administrators (a bulletin is
circulated to every department); the reproduction re-runs the figures, so it is for
supervisors, policy staff and administrators; anyone holding a printed code may verify it.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CurrentActor, Service, require_role, unit_of_work
from api.headers import content_security_policy
from approval_core.errors import InvalidInput, NotFound
from approval_core.receipts.render import ReceiptFontMissing
from supervisor.evaluation import bulletins
from supervisor.evaluation.models import Bulletin
from supervisor.evaluation.render import style_hash

router = APIRouter(prefix="/api/v1", tags=["evaluation"])
_READERS = ("head", "supervisor", "policy", "admin")


def _find(session: Session, number: str) -> Bulletin:
    found = session.scalars(select(Bulletin).where(Bulletin.number == number)).first()
    if found is None:
        raise NotFound(f"no bulletin numbered {number}", detail_zh=f"没有编号为 {number} 的通报")
    return found


@router.get("/bulletins/verify/{code}")
def verify_bulletin(code: str, request: Request, service: Service) -> dict[str, Any]:
    """Anyone may check a printed code: unknown or altered bulletins get 404, repeated misses
    429 (the public look-up's limit)."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        found = bulletins.verify(session, service.core, code)
        if found is None:
            raise HTTPException(404, "no genuine bulletin with this verification code")
        slot.found()
        return {"genuine": True, **bulletins.summary(found)}


@router.get("/bulletins")
def list_bulletins(
    actor: CurrentActor, service: Service, kind: Literal["monthly", "annual"] | None = None
) -> list[dict[str, Any]]:
    """Every issued bulletin, newest first: number, kind, period, moments, digests, code."""
    require_role(actor, *_READERS)
    stmt = select(Bulletin).order_by(Bulletin.issued_at.desc(), Bulletin.id.desc())
    if kind is not None:
        stmt = stmt.where(Bulletin.kind == kind)
    with unit_of_work(service) as session:
        return [bulletins.summary(b) for b in session.scalars(stmt)]


@router.get("/bulletins/{number}", response_model=None)
def get_bulletin(
    number: str, actor: CurrentActor, service: Service, format: str = "json"
) -> dict[str, Any] | Response:
    """One bulletin: its summary (json), or the stored page (html) or document (pdf) as issued."""
    require_role(actor, *_READERS)
    if format not in ("json", "html", "pdf"):
        raise InvalidInput(
            "format must be json, html or pdf", detail_zh="format 须为 json、html 或 pdf",
            field="format",
        )  # fmt: skip
    with unit_of_work(service) as session:
        bulletin = _find(session, number)
        if format == "html":
            policy = content_security_policy((style_hash(),))
            return Response(bulletin.html, media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": policy})  # fmt: skip
        if format == "pdf":
            name = quote(f"{bulletin.number}.pdf")
            disposition = f"inline; filename*=UTF-8''{name}"
            return Response(bulletin.pdf, media_type="application/pdf",
                            headers={"Content-Disposition": disposition})  # fmt: skip
        return bulletins.summary(bulletin)


@router.get("/bulletins/{number}/reproduction")
def reproduce_bulletin(number: str, actor: CurrentActor, service: Service) -> dict[str, Any]:
    """Re-run the bulletin from its period, moment and policy version and compare the bytes:
    `identical` false means the period's records changed (or were entered) after the issue."""
    require_role(actor, "supervisor", "policy", "admin")
    with unit_of_work(service) as session:
        try:
            return bulletins.reproduce(session, service.core, _find(session, number))
        except ReceiptFontMissing as exc:
            raise HTTPException(503, str(exc)) from exc
