"""The approval catalogue (审批事项目录): items, categories, departments, clock rules and fees."""

from approval_core.catalogue.fees import Fee, FeeCharge, ItemFee
from approval_core.catalogue.schemas import (
    Category,
    ClockSettings,
    Department,
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
    "ItemFee",
    "LegalBasis",
    "Material",
    "Step",
    "StopType",
    "load_catalogue",
]
