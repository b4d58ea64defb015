"""What the materials service takes (uploads, limits) and what it answers (file views)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import BaseModel

from approval_core.settings import Settings

UploadAction = Literal["submit", "supplement"]


@dataclass(frozen=True)
class Upload:
    """One file as received: the material code it is for, the name the client gave (only
    shown, never used to store) and its bytes, read from the stream's current position."""

    material: str
    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class UploadLimits:
    """Where files are kept and how much a request may bring (SUNLIGHT_UPLOAD_*)."""

    directory: Path
    max_bytes: int = 10 * 1024 * 1024
    max_files: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(settings.upload_dir, settings.upload_max_bytes, settings.upload_max_files)

    @property
    def body_bound(self) -> int:
        """The most bytes a request with files may have: every file at its limit, plus room
        (1 MiB) for the form's own fields. The API and the service hall refuse more."""
        return self.max_files * self.max_bytes + 1024 * 1024


class MaterialFileView(BaseModel):
    """One stored file of a case, as listed (the bytes: GET .../materials/{id})."""

    id: int
    material: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: int | None
    action: UploadAction
    record_seq: int


class FiledWithFiles(BaseModel):
    """The answer to filing with files: the case, its query code (shown only here) and the
    stored files."""

    id: str
    tracking_no: str
    query_code: str
    state: str
    files: list[MaterialFileView]
