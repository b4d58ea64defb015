"""The public catalogue with its disclosure fields (no login)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Service

router = APIRouter(prefix="/api/v1/items", tags=["items"])


@router.get("")
def list_items(service: Service) -> list[dict[str, Any]]:
    catalogue = service.core.catalogue
    return [catalogue.public_view(code) for code in catalogue.items]


@router.get("/{code}")
def get_item(code: str, service: Service) -> dict[str, Any]:
    return service.core.catalogue.public_view(code)
