"""Every table, imported in one place for Alembic (the supervisor's tables live in its package)."""

from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.aftercare.models import Complaint, Rating, Remedy
from approval_core.cases.models import Case
from approval_core.conclusions.models import Conclusion
from approval_core.db import Base
from approval_core.idempotency.models import RememberedAnswer
from approval_core.materials.models import MaterialFile
from approval_core.outbox.models import Fact
from approval_core.records.models import CaseRecord
from approval_core.system.models import RateCounter, SystemAlert
from approval_core.tallies.models import MetricDelta
from approval_core.users.models import User

__all__ = [
    "ApplicantAccount",
    "Base",
    "Case",
    "CaseRecord",
    "Complaint",
    "Conclusion",
    "Fact",
    "MaterialFile",
    "MetricDelta",
    "PortalSession",
    "RateCounter",
    "Rating",
    "RememberedAnswer",
    "Remedy",
    "SystemAlert",
    "User",
]
