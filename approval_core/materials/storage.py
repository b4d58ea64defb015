"""The file store of uploaded materials: bytes written whole or not at all, typed by content.

A file is streamed into a temporary file in the store's own directory (same file system),
hashed and measured on the way, typed by its first bytes, flushed to disk (fsync), and only
then renamed to its final name: a crash, a full disk or a refusal leaves no partial file under
a final name, and the temporary one is removed. Final names are random (`uuid4` hex), never
the client's: each stored file belongs to exactly one row, so a rolled-back request may delete
what it wrote without touching anybody else's file (a content-addressed name would be shared
by two requests uploading the same bytes).
"""

from __future__ import annotations

import errno
import hashlib
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from approval_core.errors import InvalidInput, StorageFull, TooLarge

CHUNK = 64 * 1024
PARTIAL_SUFFIX = ".part"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# What may be uploaded: the type is told by the bytes, never by the name or the client.
ALLOWED_TYPES = ("application/pdf", "image/jpeg", "image/png", DOCX)
TYPE_NAMES = "PDF, JPEG, PNG, DOCX"
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class Written:
    """A file now stored under `key`, with what was learnt from its bytes."""

    key: str
    path: Path
    sha256: str
    size: int
    content_type: str


def sanitised_name(name: str) -> str:
    """The client's file name as it may be shown: its last path part, NFC, without control
    or format characters, at most 200 characters (the extension kept); "file" if nothing is
    left."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    text = unicodedata.normalize("NFC", last)
    kept = "".join(c for c in text if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    kept = kept.strip(" .")
    if len(kept) > 200:
        stem, dot, ext = kept.rpartition(".")
        kept = f"{stem[: 190 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else kept[:200]
    return kept or "file"


def detect_type(head: bytes, path: Path) -> str | None:
    """The content type the bytes show (the head, and for ZIP containers the file's
    entries), or None for anything not allowed."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def _write_chunk(fd: int, data: bytes) -> None:
    """The write boundary to the operating system (a full disk raises OSError ENOSPC here)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class FileStore:
    """Files under one directory: `<dir>/<key[:2]>/<key>`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, key: str) -> Path:
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.directory / key[:2] / key

    def write(self, stream: BinaryIO, max_bytes: int, label: tuple[str, str]) -> Written:
        """Store the stream's bytes whole, or raise (TooLarge, InvalidInput for a type not
        allowed, StorageFull) leaving nothing behind. `label`: (file name, material code),
        named in the refusal."""
        key = uuid.uuid4().hex
        final = self.path_of(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise _storage_error(exc) from exc
        partial = final.with_name(key + PARTIAL_SUFFIX)
        try:
            digest, size, head = self._copy(stream, partial, max_bytes, label)
            content_type = detect_type(head, partial)
            if content_type is None:
                raise _wrong_type(label)
            os.replace(partial, final)
            _sync_directory(final.parent)
        except BaseException as exc:
            partial.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _storage_error(exc) from exc
            raise
        return Written(key, final, digest, size, content_type)

    def _copy(
        self, stream: BinaryIO, partial: Path, max_bytes: int, label: tuple[str, str]
    ) -> tuple[str, int, bytes]:
        """Stream into `partial` (created new, owner-only), returning hash, size and head."""
        digest, size, head = hashlib.sha256(), 0, b""
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(label, max_bytes)
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                _write_chunk(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        return digest.hexdigest(), size, head

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def keys(self) -> set[str]:
        """Every stored key (for the housekeeping that finds files without a row)."""
        return {p.name for p in self._files() if not p.name.endswith(PARTIAL_SUFFIX)}

    def partials(self) -> list[Path]:
        """Temporary files a killed process left in the middle of a write."""
        return [p for p in self._files() if p.name.endswith(PARTIAL_SUFFIX)]

    def _files(self) -> list[Path]:
        return list(self.directory.glob("??/*")) if self.directory.is_dir() else []


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (the directory entry is on disk)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(exc: OSError) -> Exception:
    if exc.errno in _NO_SPACE:
        return StorageFull(
            "storage full: the file store has no space left; nothing was stored",
            detail_zh="存储空间不足：文件未能保存，本次提交未保存任何内容，请稍后重试",
            field="files",
        )
    return exc


def _too_large(label: tuple[str, str], max_bytes: int) -> TooLarge:
    name, material = label
    mib = f"{max_bytes / 1024 / 1024:g} MiB"
    return TooLarge(
        f"file {name!r} for material {material} is larger than {mib} ({max_bytes} bytes)",
        detail_zh=f"材料 {material} 的文件「{name}」超过大小上限 {mib}（{max_bytes} 字节）",
        field=material,
    )


def _wrong_type(label: tuple[str, str]) -> InvalidInput:
    name, material = label
    return InvalidInput(
        f"file {name!r} for material {material} is not an allowed type by its content "
        f"(allowed: {TYPE_NAMES})",
        detail_zh=f"材料 {material} 的文件「{name}」内容不是允许的格式（允许：{TYPE_NAMES}）",
        field=material,
    )
