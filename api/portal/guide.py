"""The service guide (办事指南): the hall's home page with every item by category, one item's
guide (conditions, materials with their blank forms, flow, limits, fees, division, phones) and
the download of a blank form, served from the policy in force (the bytes its version names)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Service
from api.portal.pages import page_error, render
from api.portal.security import mark_page
from approval_core.catalogue import Catalogue, Item, Material
from approval_core.clock.units import UNIT_TEXT_EN, UNIT_TEXT_ZH

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])

_COUNTED_FROM = {
    "acceptance": ("自受理之日起", "from acceptance"),
    "receipt": ("自收到申请之日起", "from receipt of the application"),
}
_ACTORS = {
    "clerk": ("窗口受理人员", "Clerk"),
    "handler": ("承办人", "Handler"),
    "reviewer": ("审核人", "Reviewer"),
    "head": ("负责人", "Head"),
}
_KINDS = {"licence": ("行政许可", "Licence"), "service": ("公共服务", "Public service")}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, service: Service) -> Response:
    catalogue = service.supervisor.policy.catalogue
    categories = [
        {"category": category, "items": catalogue.items_in(code)}
        for code, category in catalogue.categories.items()
    ]
    return render(request, "guide/home.html", {"categories": categories})


@router.get("/guide/{code}", response_class=HTMLResponse)
def guide(request: Request, service: Service, code: str) -> Response:
    catalogue = service.supervisor.policy.catalogue
    item = catalogue.get(code)  # NotFound: a 404 page in the reader's language
    return render(request, "guide/item.html", _guide_context(catalogue, item))


@router.get("/guide/{code}/forms/{material}")
def download_form(request: Request, service: Service, code: str, material: str) -> Response:
    """The material's blank form as an attachment, from the files of the policy in force."""
    policy = service.supervisor.policy
    item = policy.catalogue.get(code)
    found = next((m for m in item.materials if m.code == material), None)
    form = policy.catalogue.forms.get(found.form) if found and found.form else None
    if found is None or form is None:
        return page_error(
            request,
            404,
            ("没有这份表格", "No such form"),
            (
                f"事项 {item.name_zh} 的材料 {material} 没有可下载的表格。",
                f"The material {material} of {item.name_en} has no form to download.",
            ),
        )
    name = f"{found.name_zh}{form.filename[form.filename.rindex('.') :]}"
    headers = {
        "Content-Disposition": _attachment(form.filename, name),
        "Cache-Control": "no-cache",
        "ETag": f'"{form.sha256}"',
    }
    return Response(policy.files[form.path], media_type=form.media_type, headers=headers)


def _attachment(fallback: str, name: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the Chinese name as
    RFC 5987 / RFC 6266 `filename*` (UTF-8, percent-encoded)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _guide_context(catalogue: Catalogue, item: Item) -> dict[str, Any]:
    fee = catalogue.fee(item.code)
    return {
        "item": item,
        "kind": _KINDS[item.kind],
        "category": catalogue.categories[item.category],
        "department": catalogue.departments[item.department],
        "issuer": catalogue.issuing_authority(item.department),
        "materials": [_material(catalogue, item, m) for m in item.materials],
        "steps": [(step, _ACTORS[step.actor]) for step in item.flow],
        "limits": {
            "unit": (UNIT_TEXT_ZH[item.limit_unit], UNIT_TEXT_EN[item.limit_unit]),
            "counted_from": _COUNTED_FROM[item.limit_from],
            "acceptance_window": catalogue.acceptance_window(item),
            "max_extension_days": catalogue.max_extension_days(item),
        },
        "fee": fee,
        "remedies": catalogue.remedies(item),
    }


def _material(catalogue: Catalogue, item: Item, material: Material) -> dict[str, Any]:
    form = catalogue.forms.get(material.form) if material.form else None
    return {
        "material": material,
        "form": form,
        "url": f"/guide/{item.code}/forms/{material.code}" if form else None,
    }
