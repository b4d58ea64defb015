"""The supervisor's tables, imported in one place (Alembic autogenerate and tests load it)."""

from supervisor.alerts.models import Alert, AlertEvent, Lease

__all__ = ["Alert", "AlertEvent", "Lease"]
