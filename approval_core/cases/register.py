"""The public register (行政许可法 Art. 40: 准予行政许可的决定应当予以公开).

Two read-only listings anyone may search without logging in:

- the approval decisions: every licence granted (item, holder, decision number, date);
- the register of an item: who holds that licence now, one line per holder (their latest grant).

Only licences (items of kind `licence`) are public. Service items such as legal aid are never
listed: whether someone asked for legal aid is nobody else's business. No identity number, phone,
e-mail or query code leaves this module; the holder is named as on the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from approval_core.timeutil import legal_date

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.page < 1:
            raise InvalidInput("page must be 1 or more", detail_zh="页码须从 1 开始", field="page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidInput(
                f"per_page must be between 1 and {MAX_PER_PAGE}",
                detail_zh=f"每页条数须在 1 至 {MAX_PER_PAGE} 之间",
                field="per_page",
            )


def _licences(deps: CoreDeps, item: str | None) -> list[str]:
    """The public item codes: `item` (which must be a licence) or every licence."""
    if item is None:
        return [code for code, entry in deps.catalogue.items.items() if entry.kind == "licence"]
    entry = deps.catalogue.get(item)
    if entry.kind != "licence":
        raise InvalidInput(
            f"{item} is not an administrative licence; only licences are public (Art. 40)",
            detail_zh=f"{entry.name_zh}不属于行政许可事项，不予公开",
            field="item",
        )
    return [entry.code]


def _granted(deps: CoreDeps, item: str | None, q: str | None) -> Select[Any]:
    stmt = select(Case).where(
        Case.state == "concluded",
        Case.decision == "approved",
        Case.item_code.in_(_licences(deps, item)),
    )
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Case.applicant_name.like(pattern, escape="\\"),
                Case.decision_no.like(pattern, escape="\\"),
            )
        )
    return stmt


def _row(deps: CoreDeps, case: Case) -> dict[str, Any]:
    item = deps.catalogue.get(case.item_code)
    issuer_zh, issuer_en = deps.catalogue.issuing_authority(case.department_code)
    return {
        "item": {"code": item.code, "name_zh": item.name_zh, "name_en": item.name_en},
        "holder": case.applicant_name,
        "decision_no": case.decision_no,
        "decided_on": legal_date(case.last_event_at).isoformat(),
        "issued_by": {"name_zh": issuer_zh, "name_en": issuer_en},
    }


def _paged(session: Session, deps: CoreDeps, stmt: Select[Any], page: Page) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(
        stmt.order_by(Case.last_event_at.desc(), Case.tracking_no)
        .offset((page.page - 1) * page.per_page)
        .limit(page.per_page)
    )
    return {
        "page": page.page,
        "per_page": page.per_page,
        "total": total or 0,
        "items": [_row(deps, case) for case in rows],
    }


def decisions(
    session: Session, deps: CoreDeps, *, item: str | None, q: str | None, page: Page
) -> dict[str, Any]:
    """Licences granted, newest first; `q` matches the holder or the decision number."""
    return _paged(session, deps, _granted(deps, item, q), page)


def holders(
    session: Session, deps: CoreDeps, item: str, *, q: str | None, page: Page
) -> dict[str, Any]:
    """Who holds licence `item`: each holder once, with their latest grant."""
    granted = _granted(deps, item, q).subquery()
    latest = (
        select(func.max(granted.c.last_event_at))
        .where(granted.c.applicant_id_number == Case.applicant_id_number)
        .scalar_subquery()
    )
    stmt = _granted(deps, item, q).where(Case.last_event_at == latest)
    answer = _paged(session, deps, stmt, page)
    entry = deps.catalogue.get(item)
    answer["register"] = {"code": entry.code, "name_zh": entry.name_zh, "name_en": entry.name_en}
    return answer
