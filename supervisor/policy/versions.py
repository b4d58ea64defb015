"""Policy versions in the database: store a version with its files, put one in force, read
the history, and load any stored version back as a Policy (to reproduce a past verdict, to
start on the last good policy, or in a sweep worker)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.errors import NotFound
from supervisor.policy.models import PolicyActivation, PolicyFile, PolicyVersion
from supervisor.policy.value import Policy, build_policy
from supervisor.verdicts import Mode


def policy_summary(policy: Policy) -> dict[str, Any]:
    """A short description of a version (for lists)."""
    return {
        "files": sorted(policy.files),
        "items": len(policy.catalogue.items),
        "rules": len(policy.ruleset.rules),
        "routes": len(policy.routing.routes) if policy.routing else 0,
        "calendar_version": policy.calendar.version,
    }


def is_stored(session: Session, version: str) -> bool:
    return session.get(PolicyVersion, version) is not None


def store_version(
    session: Session, policy: Policy, by: str, now: datetime, tests_passed: bool = True
) -> bool:
    """Keep `policy` and its files (once per version); True when it was new."""
    if is_stored(session, policy.version):
        return False
    session.add(
        PolicyVersion(
            version=policy.version,
            created_at=now,
            created_by=by,
            tests_passed=tests_passed,
            summary=policy_summary(policy),
        )
    )
    session.flush()
    for path, data in sorted(policy.files.items()):
        digest = hashlib.sha256(data).hexdigest()
        session.add(PolicyFile(version=policy.version, path=path, sha256=digest, content=data))
    session.flush()
    return True


def activate(
    session: Session,
    version: str,
    *,
    by: str,
    now: datetime,
    forced: bool = False,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
) -> PolicyActivation:
    """Record that `version` (stored) is put in force now."""
    row = PolicyActivation(
        version=version,
        at=now,
        by=by,
        previous=in_force_version(session),
        forced=forced,
        reason=reason,
        changes=changes or {},
    )
    session.add(row)
    session.flush()
    return row


def in_force_version(session: Session) -> str | None:
    """The version put in force last (None: the database never had a policy)."""
    stmt = select(PolicyActivation.version).order_by(PolicyActivation.id.desc()).limit(1)
    return session.scalar(stmt)


def files_of(session: Session, version: str) -> dict[str, bytes]:
    rows = session.scalars(select(PolicyFile).where(PolicyFile.version == version)).all()
    if not rows:
        raise NotFound(
            f"no policy version {version}",
            detail_zh=f"没有规则版本 {version}",
        )
    return {row.path: bytes(row.content) for row in rows}


def load_version(session: Session, version: str, mode: Mode = "durable") -> Policy:
    """A stored version as a Policy (its files checked and compiled again)."""
    return build_policy(files_of(session, version), mode, origin=f"policy-{version}")


def history(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """Activations, newest first, each with its version's details."""
    stmt = (
        select(PolicyActivation, PolicyVersion)
        .join(PolicyVersion, PolicyVersion.version == PolicyActivation.version)
        .order_by(PolicyActivation.id.desc())
        .limit(limit)
    )
    current = in_force_version(session)
    out: list[dict[str, Any]] = []
    for activation, version in session.execute(stmt):
        out.append(
            {
                "activation": activation.id,
                "version": activation.version,
                "in_force": activation.version == current and not out,
                "at": activation.at.isoformat(),
                "by": activation.by,
                "previous": activation.previous,
                "forced": activation.forced,
                "reason": activation.reason,
                "tests_passed": version.tests_passed,
                "created_at": version.created_at.isoformat(),
                "summary": version.summary,
                "changes": activation.changes,
            }
        )
    return out
