"""Fixtures for uploads: the store's limits in a directory of the test, files by content."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.cases.schemas import Applicant, SubmitCommand
from approval_core.materials.models import MaterialFile
from approval_core.materials.schemas import Upload, UploadLimits

APPLICANT = {"name": "张三", "id_number": "36010219900101123X"}


def pdf(size: int = 2000) -> bytes:
    """A PDF by its first bytes, `size` bytes long."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    return head + b"0" * (size - len(head) - len(tail)) + tail


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200  # a Windows program


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(material: str, data: bytes, name: str = "材料.pdf") -> Upload:
    return Upload(material, name, io.BytesIO(data))


def command(item: str, materials: list[str] | None = None) -> SubmitCommand:
    applicant = Applicant(name="张三", id_number="36010219900101123X")
    return SubmitCommand(item=item, applicant=applicant, materials=materials or [])


@pytest.fixture
def limits(tmp_path: Path) -> UploadLimits:
    return UploadLimits(tmp_path / "uploads", max_bytes=64 * 1024, max_files=6)


def stored(directory: Path) -> list[Path]:
    """Every file under the store's directory, partial ones included."""
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def rows(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(material file rows, cases) in the database."""
    with sessions() as session:
        files = session.scalar(select(func.count()).select_from(MaterialFile)) or 0
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
        return files, cases
