"""Issued bulletins (监察通报 / 年终考核): stored once, never changed (no update path)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class Bulletin(Base):
    """One issued bulletin: its inputs (period, moment, policy), its bytes and their seal.

    `code` is printed on the bulletin (locator + MAC of the inputs); `seal` is the MAC of the
    code and the content's SHA-256, so a changed byte of the stored content or of its digest
    no longer verifies."""

    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq", name="uq_bulletins_kind_year_seq"),
        UniqueConstraint("kind", "period", name="uq_bulletins_kind_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 监察通报〔2026〕第3号
    kind: Mapped[str] = mapped_column(String(16))  # monthly | annual
    year: Mapped[int] = mapped_column()  # the year of issue (legal date), as in the number
    seq: Mapped[int] = mapped_column()
    period: Mapped[str] = mapped_column(String(16))  # "2026-11" or "2026"
    period_from: Mapped[date] = mapped_column()
    period_to: Mapped[date] = mapped_column()
    by: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[datetime] = mapped_column()  # the figures are the records' as of this moment
    issued_at: Mapped[datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(64))
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(16))  # hmac-sha256 | hmac-sm3
    code: Mapped[str] = mapped_column(String(16), unique=True)
    seal: Mapped[str] = mapped_column(String(128))


class BulletinImmutable(RuntimeError):
    """An issued bulletin was about to be changed or deleted through the ORM."""


@event.listens_for(Bulletin, "before_update")
def _refuse_update(*_: object) -> None:
    raise BulletinImmutable("an issued bulletin is never changed / 已发布的通报不可修改")


@event.listens_for(Bulletin, "before_delete")
def _refuse_delete(*_: object) -> None:
    raise BulletinImmutable("an issued bulletin is never deleted / 已发布的通报不可删除")
