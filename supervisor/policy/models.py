"""Policy history in the database: every accepted version with its files, and each time a
version was put in force (by whom, when, why). Rows are only ever added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class PolicyVersion(Base):
    """One version of the policy: the hash of its files, stored once."""

    __tablename__ = "policy_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))
    # what was checked when it was accepted: rule tests passed, or forced with a reason
    tests_passed: Mapped[bool] = mapped_column(default=True)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # items, rules, routes, ...


class PolicyFile(Base):
    """One file of a version, byte for byte."""

    __tablename__ = "policy_files"

    version: Mapped[str] = mapped_column(
        String(64), ForeignKey("policy_versions.version"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class PolicyActivation(Base):
    """A version put in force: the latest row names the policy in force."""

    __tablename__ = "policy_activations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), ForeignKey("policy_versions.version"))
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(200))
    previous: Mapped[str | None] = mapped_column(String(64))
    forced: Mapped[bool] = mapped_column(
        default=False
    )  # its rule tests failed; put in force anyway
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what changed vs `previous`
