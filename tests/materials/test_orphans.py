"""Housekeeping: `sunlight uploads orphans` finds stored files that no row names (left by a
process killed between writing and committing), leaves young ones and files with rows."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.context import CoreDeps
from approval_core.materials import service as materials
from approval_core.materials.schemas import UploadLimits
from approval_core.materials.storage import FileStore
from tests.conftest import People
from tests.materials.conftest import command, pdf, upload
from tests.support import item_in


def test_orphans_are_listed_then_deleted_and_files_with_rows_are_kept(
    cli_env: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
) -> None:
    limits = UploadLimits(tmp_path / "store")
    monkeypatch.setenv("SUNLIGHT_UPLOAD_DIR", str(limits.directory))
    with sessions() as session, session.begin():
        _, _, kept = materials.submit_with_files(
            session,
            core,
            people.actors["applicant"],
            command(item_in(core, people.department)),
            [upload("APPLICATION", pdf())],
            limits,
        )
    store = FileStore(limits.directory)
    old = store.write(io.BytesIO(pdf()), 10_000, ("a.pdf", "APPLICATION"))  # no row: orphan
    young = store.write(io.BytesIO(pdf()), 10_000, ("b.pdf", "APPLICATION"))
    partial = old.path.with_name("0" * 32 + ".part")  # a write cut short
    partial.write_bytes(b"%PDF-")
    day_ago = time.time() - 25 * 3600
    for path in (old.path, partial, store.path_of(kept[0].storage_key)):
        os.utime(path, (day_ago, day_ago))

    listed = cli_env.invoke(main, ["uploads", "orphans"])
    assert listed.exit_code == 0, listed.output
    assert f"orphan {old.path}" in listed.output
    assert f"orphan {partial}" in listed.output
    assert young.key not in listed.output
    assert kept[0].storage_key not in listed.output
    assert old.path.exists()

    deleted = cli_env.invoke(main, ["uploads", "orphans", "--delete"])
    assert f"deleted {old.path}" in deleted.output
    assert not old.path.exists()
    assert not partial.exists()
    assert young.path.exists()
    assert store.path_of(kept[0].storage_key).exists()
