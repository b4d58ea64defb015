"""Filing with files through the core service: the SHA-256 in the records, refusals that store
nothing (type by content, size, count, full disk), no file outliving a rolled-back transaction."""

from __future__ import annotations

import errno
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput, StorageFull, TooLarge
from approval_core.materials import service as materials
from approval_core.materials import storage
from approval_core.materials.models import MaterialFile
from approval_core.materials.schemas import UploadLimits
from approval_core.records.service import records_of, verify_chain
from tests.conftest import KEY, People
from tests.materials.conftest import EXE, PNG, command, docx, pdf, rows, stored, upload
from tests.support import item_in


def test_files_are_stored_with_their_sha256_which_the_submit_record_carries(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    first, second = pdf(5000), PNG
    uploads = [
        upload("APPLICATION", first, "../../etc/申请书.pdf"),
        upload("IDENTITY", second, "C:\\Users\\张三\\身份证.png"),
    ]
    with sessions() as session, session.begin():
        case, _, files = materials.submit_with_files(
            session, core, people.actors["applicant"], command(item), uploads, limits
        )
        case_id = case.id
        assert case.materials == ["APPLICATION", "IDENTITY"]
    with sessions() as session:
        records = records_of(session, case_id)
        kept = session.scalars(select(MaterialFile).order_by(MaterialFile.id)).all()
    entries = records[0].payload["files"]
    assert [e["sha256"] for e in entries] == [
        hashlib.sha256(first).hexdigest(),
        hashlib.sha256(second).hexdigest(),
    ]
    assert [(e["name"], e["content_type"]) for e in entries] == [
        ("申请书.pdf", "application/pdf"),
        ("身份证.png", "image/png"),
    ]
    assert [f.sha256 for f in kept] == [e["sha256"] for e in entries]
    assert {f.record_seq for f in kept} == {1}
    assert verify_chain(records, KEY) == []
    # stored under random names, never the client's, with exactly the bytes sent
    paths = stored(limits.directory)
    assert {p.name for p in paths} == {f.storage_key for f in files}
    assert all(len(p.name) == 32 and "申请书" not in str(p) for p in paths)
    assert sorted(p.read_bytes() for p in paths) == sorted([first, second])


def test_a_docx_is_told_by_its_entries_and_a_bare_zip_is_refused(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    applicant = people.actors["applicant"]
    with sessions() as session, session.begin():
        _, _, files = materials.submit_with_files(
            session, core, applicant, command(item), [upload("APPLICATION", docx())], limits
        )
        assert files[0].content_type == storage.DOCX
    bare = b"PK\x03\x04" + b"\x00" * 100
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        materials.submit_with_files(
            session, core, applicant, command(item), [upload("IDENTITY", bare)], limits
        )
    assert refused.value.field == "IDENTITY"


def test_a_program_renamed_pdf_is_refused_naming_file_and_material_and_nothing_is_kept(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    uploads = [upload("APPLICATION", pdf()), upload("IDENTITY", EXE, "身份证.pdf")]
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        materials.submit_with_files(
            session, core, people.actors["applicant"], command(item), uploads, limits
        )
    assert refused.value.field == "IDENTITY"
    assert "身份证.pdf" in refused.value.detail_zh
    assert "IDENTITY" in refused.value.detail_zh
    assert "身份证.pdf" in refused.value.detail
    assert stored(limits.directory) == []  # the good first file went too
    assert rows(sessions) == (0, 0)


def test_an_oversize_file_is_refused_with_nothing_stored(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    body = pdf(limits.max_bytes + 1)  # one byte over
    with sessions() as session, session.begin(), pytest.raises(TooLarge) as refused:
        materials.submit_with_files(
            session,
            core,
            people.actors["applicant"],
            command(item),
            [upload("APPLICATION", body)],
            limits,
        )
    assert refused.value.field == "APPLICATION"
    assert stored(limits.directory) == []
    assert rows(sessions) == (0, 0)
    # exactly at the limit is accepted
    with sessions() as session, session.begin():
        materials.submit_with_files(
            session,
            core,
            people.actors["applicant"],
            command(item),
            [upload("APPLICATION", pdf(limits.max_bytes))],
            limits,
        )
    assert rows(sessions) == (1, 1)


def test_too_many_files_are_refused_before_any_is_written(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    uploads = [upload("APPLICATION", pdf()) for _ in range(limits.max_files + 1)]
    with sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        materials.submit_with_files(
            session, core, people.actors["applicant"], command(item), uploads, limits
        )
    assert refused.value.field == "files"
    assert str(limits.max_files) in refused.value.detail
    assert stored(limits.directory) == []


def test_a_failure_in_the_transaction_after_the_files_were_written_leaves_no_file(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    item = item_in(core, people.department)
    uploads = [upload("APPLICATION", pdf()), upload("IDENTITY", PNG)]
    with pytest.raises(Exception, match="no_such_table"):  # noqa: PT011, PT012 (the DB's own)
        with sessions() as session, session.begin():
            materials.submit_with_files(
                session, core, people.actors["applicant"], command(item), uploads, limits
            )
            assert len(stored(limits.directory)) == 2  # written, not yet committed
            session.execute(text("INSERT INTO no_such_table VALUES (1)"))
    assert stored(limits.directory) == []
    assert rows(sessions) == (0, 0)


def test_a_failure_at_commit_leaves_no_file(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, limits: UploadLimits
) -> None:
    """The commit itself fails (a row breaking a unique constraint, flushed at commit)."""
    item = item_in(core, people.department)
    applicant = people.actors["applicant"]
    with sessions() as session, session.begin():
        _, _, first = materials.submit_with_files(
            session, core, applicant, command(item), [upload("APPLICATION", pdf())], limits
        )
        taken = first[0].storage_key
    with pytest.raises(Exception, match="(?i)unique|duplicate"):  # noqa: PT011, PT012
        with sessions() as session, session.begin():
            _, _, files = materials.submit_with_files(
                session, core, applicant, command(item), [upload("IDENTITY", PNG)], limits
            )
            files[0].storage_key = taken  # flushed by the commit: refused by the database
    assert [p.name for p in stored(limits.directory)] == [taken]
    assert rows(sessions) == (1, 1)


def _full_disk(path: Path) -> Iterator[Path]:
    """A real 64 KiB file system at `path` (tmpfs), when this process may mount one."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _full_disk(tmp_path / "small")


def test_a_full_disk_is_a_clear_error_with_no_partial_file_and_no_row(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, small_disk: Path
) -> None:
    limits = UploadLimits(small_disk, max_bytes=1024 * 1024, max_files=5)
    item = item_in(core, people.department)
    uploads = [upload("APPLICATION", pdf(20_000)), upload("IDENTITY", pdf(200_000))]
    with sessions() as session, session.begin(), pytest.raises(StorageFull) as refused:
        materials.submit_with_files(
            session, core, people.actors["applicant"], command(item), uploads, limits
        )
    assert "存储空间不足" in refused.value.detail_zh
    assert stored(small_disk) == []
    assert rows(sessions) == (0, 0)


def test_no_space_at_the_write_boundary_is_a_storage_full_error(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    limits: UploadLimits,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where a small file system cannot be mounted: the operating system's answer to a write
    on a full disk (ENOSPC), simulated at the one place the store writes."""
    real = storage._write_chunk
    calls = []

    def disk_fills(fd: int, data: bytes) -> None:
        calls.append(len(data))
        real(fd, data[:100])  # part of it fits, as on a disk filling up
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_chunk", disk_fills)
    item = item_in(core, people.department)
    with sessions() as session, session.begin(), pytest.raises(StorageFull):
        materials.submit_with_files(
            session,
            core,
            people.actors["applicant"],
            command(item),
            [upload("APPLICATION", pdf(limits.max_bytes))],
            limits,
        )
    assert len(calls) == 1
    assert stored(limits.directory) == []
    assert rows(sessions) == (0, 0)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/申请书.pdf", "申请书.pdf"),
        ("C:\\Users\\张三\\身份证.png", "身份证.png"),
        ("a\x00b\u202e.pdf", "ab.pdf"),  # NUL and a right-to-left override removed
        ("..", "file"),
        ("x" * 300 + ".pdf", "x" * 187 + ".pdf"),  # shortened, the extension kept
    ],
)
def test_the_clients_file_name_is_kept_only_as_a_harmless_name(given: str, shown: str) -> None:
    assert storage.sanitised_name(given) == shown
