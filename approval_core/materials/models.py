"""The material file row: one uploaded file of a case, its hash and where its bytes are kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from approval_core.db import Base


class MaterialFile(Base):
    __tablename__ = "material_files"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    # The name the client gave, without any path and control characters (shown, never used
    # to store: the bytes are kept under `storage_key`).
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the bytes
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)  # random, see storage.py
    uploaded_at: Mapped[datetime] = mapped_column()
    uploaded_by: Mapped[int | None] = mapped_column()  # user id, as the records' actor_id
    action: Mapped[str] = mapped_column(String(16))  # "submit" or "supplement"
    record_seq: Mapped[int] = mapped_column()  # the case record carrying its SHA-256
