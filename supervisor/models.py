"""The supervisor's tables, imported in one place (Alembic autogenerate and tests load it)."""

from supervisor.alerts.models import Alert, AlertEvent, Lease
from supervisor.evaluation.models import Bulletin
from supervisor.notify.models import (
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    InboxMessage,
    NotifyTimer,
)
from supervisor.policy.models import PolicyActivation, PolicyFile, PolicyVersion

__all__ = [
    "Alert",
    "AlertEvent",
    "Bulletin",
    "ContactPoint",
    "Delivery",
    "DeliveryAttempt",
    "InboxMessage",
    "Lease",
    "NotifyTimer",
    "PolicyActivation",
    "PolicyFile",
    "PolicyVersion",
]
