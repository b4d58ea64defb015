"""Materials use cases: file a case with its files, answer a supplement notice with files,
list and fetch a case's files. Each adds and flushes; the caller's transaction commits.

Nothing half-stored: the files are written first (each whole or not at all, storage.py), then
the rows and the record carrying their SHA-256 in the caller's transaction. The files this
session wrote are deleted if its transaction ends without a commit (an error here, in a later
step of the caller, or at the commit itself): the session events below watch for that. Only a
process killed between the write and the commit can leave a file without a row; `orphans()`
finds those for housekeeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from approval_core.cases import service as cases
from approval_core.cases.checks import check_applicant_supplement, check_materials
from approval_core.cases.models import Case
from approval_core.cases.schemas import ActionCommand, SubmitCommand
from approval_core.cases.workflow import CaseState, transition
from approval_core.context import Actor, CoreDeps
from approval_core.errors import InvalidInput, NotFound
from approval_core.materials.models import MaterialFile
from approval_core.materials.schemas import MaterialFileView, Upload, UploadAction, UploadLimits
from approval_core.materials.storage import FileStore, Written, sanitised_name

_WRITTEN = "sunlight_material_files_written"  # session.info: paths to delete on rollback


def submit_with_files(
    session: Session,
    deps: CoreDeps,
    actor: Actor,
    command: SubmitCommand,
    uploads: Sequence[Upload],
    limits: UploadLimits,
) -> tuple[Case, str, list[MaterialFile]]:
    """申报 with the materials' files: the case, its query code and the stored files. The
    materials the case lists are the command's and those of the files; the submit record
    carries every file's SHA-256."""
    _check_count(uploads, limits)
    codes = sorted({*command.materials, *(u.material for u in uploads)})
    command = command.model_copy(update={"materials": codes})
    check_materials(deps, command.item, [u.material for u in uploads], "files")
    cases.check_submission(deps, actor, command)  # refusals before anything is written
    written = _write(session, uploads, limits)
    entries = _entries(uploads, written)
    case, code = cases.submit(session, deps, actor, command, files=entries)
    rows = _add_rows(session, case, actor, "submit", uploads, written, deps.now())
    return case, code, rows


def supplement_with_files(
    session: Session,
    deps: CoreDeps,
    actor: Actor,
    case_id: str,
    uploads: Sequence[Upload],
    limits: UploadLimits,
    *,
    reason: str | None = None,
) -> tuple[Case, list[MaterialFile]]:
    """补正: the supplement received with its files (`supplement_received`, whose record
    carries their SHA-256). An applicant must bring a file for every material the supplement
    notice asked for; staff may attach the scans of a supplement handed in on paper."""
    _check_count(uploads, limits)
    if not uploads:
        raise InvalidInput(
            "no file: upload the supplemented materials, each named by its material code",
            detail_zh="未上传文件：请按材料编码上传补正材料",
            field="files",
        )
    case = cases.scoped_case(session, actor, case_id)  # refusals before anything is written
    check_materials(deps, case.item_code, [u.material for u in uploads], "files")
    current = CaseState(case.state, case.resume_state, case.stop_type)
    transition(current, "supplement_received", actor.role, {})  # (`act` applies it)
    if actor.role == "applicant":
        check_applicant_supplement(session, case, [{"material": u.material} for u in uploads])
    written = _write(session, uploads, limits)
    command = ActionCommand(
        action="supplement_received",
        materials=sorted({u.material for u in uploads}),
        reason=reason,
    )
    case = cases.act(session, deps, actor, case_id, command, files=_entries(uploads, written))
    rows = _add_rows(session, case, actor, "supplement", uploads, written, deps.now())
    return case, rows


def files_of(session: Session, actor: Actor, case_id: str) -> list[MaterialFileView]:
    """The case's files, oldest first, for whoever may see the case."""
    case = cases.scoped_case(session, actor, case_id)
    rows = session.scalars(
        select(MaterialFile).where(MaterialFile.case_id == case.id).order_by(MaterialFile.id)
    )
    return [view(row) for row in rows]


def file_to_send(
    session: Session, actor: Actor, case_id: str, file_id: int, limits: UploadLimits
) -> tuple[MaterialFile, Path]:
    """One file of a case and where its bytes are, for whoever may see the case; NotFound
    for anybody else (the same answer as for a file that does not exist)."""
    case = cases.scoped_case(session, actor, case_id)
    row = session.scalars(
        select(MaterialFile).where(MaterialFile.id == file_id, MaterialFile.case_id == case.id)
    ).first()
    path = FileStore(limits.directory).path_of(row.storage_key) if row is not None else None
    if row is None or path is None or not path.is_file():
        raise NotFound(
            f"no file {file_id} in this case", detail_zh="该材料文件不存在", field="file_id"
        )
    return row, path


def view(row: MaterialFile) -> MaterialFileView:
    return MaterialFileView(
        id=row.id,
        material=row.material_code,
        file_name=row.file_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        action="submit" if row.action == "submit" else "supplement",
        record_seq=row.record_seq,
    )


def orphans(session: Session, limits: UploadLimits, now: datetime, age: timedelta) -> list[Path]:
    """Stored files without a row, and partial files, older than `age` (younger ones may
    belong to a request still running): left only by a process killed between writing and
    committing, or in the middle of a write."""
    store = FileStore(limits.directory)
    known = set(session.scalars(select(MaterialFile.storage_key)))
    cutoff = (now - age).timestamp()
    paths = [store.path_of(key) for key in store.keys() - known] + store.partials()
    return sorted(p for p in paths if p.stat().st_mtime < cutoff)


def _check_count(uploads: Sequence[Upload], limits: UploadLimits) -> None:
    if len(uploads) > limits.max_files:
        raise InvalidInput(
            f"{len(uploads)} files: at most {limits.max_files} per request",
            detail_zh=f"上传了 {len(uploads)} 个文件，每次最多 {limits.max_files} 个",
            field="files",
        )


def _write(session: Session, uploads: Sequence[Upload], limits: UploadLimits) -> list[Written]:
    """Store every upload, or none: a refusal of one deletes those written before it. Each
    stored file is deleted again if the session's transaction ends without a commit."""
    store = FileStore(limits.directory)
    written: list[Written] = []
    try:
        for upload in uploads:
            label = (sanitised_name(upload.filename), upload.material)
            written.append(store.write(upload.stream, limits.max_bytes, label))
            session.info.setdefault(_WRITTEN, []).append(written[-1].path)
    except BaseException:
        for done in written:
            done.path.unlink(missing_ok=True)
        raise
    return written


def _entries(uploads: Sequence[Upload], written: Sequence[Written]) -> list[dict[str, Any]]:
    """What the record keeps of each file (and so what its hash seals)."""
    return [
        {
            "material": upload.material,
            "name": sanitised_name(upload.filename),
            "content_type": done.content_type,
            "size": done.size,
            "sha256": done.sha256,
        }
        for upload, done in zip(uploads, written, strict=True)
    ]


def _add_rows(
    session: Session,
    case: Case,
    actor: Actor,
    action: UploadAction,
    uploads: Sequence[Upload],
    written: Sequence[Written],
    now: datetime,
) -> list[MaterialFile]:
    rows = [
        MaterialFile(
            case_id=case.id,
            material_code=upload.material,
            file_name=sanitised_name(upload.filename),
            content_type=done.content_type,
            size=done.size,
            sha256=done.sha256,
            storage_key=done.key,
            uploaded_at=now,
            uploaded_by=actor.user_id,
            action=action,
            record_seq=case.chain_seq,  # the record just appended
        )
        for upload, done in zip(uploads, written, strict=True)
    ]
    session.add_all(rows)
    session.flush()
    return rows


@event.listens_for(Session, "after_commit")
def _kept(session: Session) -> None:
    """Committed: the files now belong to their rows."""
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_unless_committed(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (after_commit clears the list before
    this runs): delete the files it stored, which no row will ever name."""
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)


def fingerprint(uploads: Sequence[Upload]) -> list[list[str]]:
    """What makes a repeated submission the same request (Idempotency-Key, a form sent
    twice): each file's material, name and bytes (read, then rewound for the store)."""
    found = []
    for upload in uploads:
        digest = hashlib.sha256()
        while chunk := upload.stream.read(64 * 1024):
            digest.update(chunk)
        upload.stream.seek(0)
        found.append([upload.material, upload.filename, digest.hexdigest()])
    return found
