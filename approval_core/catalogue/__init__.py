"""The approval catalogue (审批事项目录): items, categories, departments and clock rules."""

from approval_core.catalogue.schemas import (
    Category,
    ClockSettings,
    Department,
    Fee,
    FeeCharge,
    Item,
    LegalBasis,
    Material,
    Step,
    StopType,
)
from approval_core.catalogue.service import Catalogue, load_catalogue

__all__ = [
    "Catalogue",
    "Category",
    "ClockSettings",
    "Department",
    "Fee",
    "FeeCharge",
    "Item",
    "LegalBasis",
    "Material",
    "Step",
    "StopType",
    "load_catalogue",
]
