"""The `metric_deltas` table: signed increments of a figure, keyed by (metric, labels).

A figure is the SUM of its rows. Rows are written in the transaction that changes what they
count (by triggers for open cases and active alerts, by the use case for concluded cases and
ratings), so a figure never disagrees with the data it counts, whichever process wrote it. The
leader folds them into one row per key now and then (`approval_core.tallies.service.compact`).
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class MetricDelta(Base):
    __tablename__ = "metric_deltas"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(40))
    # The label values joined by "|", in the order the metric names them.
    labels: Mapped[str] = mapped_column(String(400))
    delta: Mapped[int] = mapped_column()
