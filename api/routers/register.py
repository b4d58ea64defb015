"""The public register (行政许可法 Art. 40): licences granted and their holders, no login.
What is listed and what never is: approval_core/cases/register.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Service, unit_of_work
from approval_core.cases import register
from approval_core.inputs import Line

router = APIRouter(prefix="/api/v1/public", tags=["public"])

Search = Annotated[
    Line | None, Query(max_length=100, description="holder name or decision number (part of)")
]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=register.MAX_PER_PAGE)]


@router.get("/decisions")
def public_decisions(
    service: Service,
    item: Annotated[Line | None, Query(max_length=64)] = None,
    q: Search = None,
    page: PageNo = 1,
    per_page: PerPage = 20,
) -> dict[str, Any]:
    """准予行政许可决定公开: licences granted, newest first (item, holder, number, date)."""
    with unit_of_work(service) as session:
        return register.decisions(
            session, service.core, item=item, q=q, page=register.Page(page, per_page)
        )


@router.get("/register/{item}")
def public_register(
    item: str, service: Service, q: Search = None, page: PageNo = 1, per_page: PerPage = 20
) -> dict[str, Any]:
    """The holders of licence `item` (执业人员、机构名录), each once with their latest grant."""
    with unit_of_work(service) as session:
        return register.holders(
            session, service.core, item, q=q, page=register.Page(page, per_page)
        )
