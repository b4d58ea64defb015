"""Tables of applicant accounts: the credentials beside the account's `users` row, and the
browser sessions of the service hall (a cookie's token, stored as its SHA-256 digest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class ApplicantAccount(Base):
    """One applicant who registered (or came through the province's identity platform).
    `login` is the normalised phone number or e-mail address used to log in. An organisation's
    account is held by its legal representative (`representative_*`)."""

    __tablename__ = "applicant_accounts"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    login: Mapped[str] = mapped_column(String(200), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: identity platform only
    kind: Mapped[str] = mapped_column(String(16))  # person | organisation
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(64))  # 身份证号 or 统一社会信用代码
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_id_number: Mapped[str | None] = mapped_column(String(18))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    reset_code_hash: Mapped[str | None] = mapped_column(String(64))
    reset_expires_at: Mapped[datetime | None] = mapped_column()
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()


class PortalSession(Base):
    """A logged-in browser: the cookie holds the token, the table only its digest, so a copy
    of the database logs nobody in; log-out revokes it."""

    __tablename__ = "portal_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
