"""`sunlight uploads`: housekeeping of the file store of uploaded materials."""

from __future__ import annotations

from datetime import timedelta

import click

from approval_core.db import make_engine, make_session_factory, transaction
from approval_core.materials.schemas import UploadLimits
from approval_core.materials.service import orphans
from approval_core.settings import get_settings
from approval_core.timeutil import utcnow


@click.group()
def uploads() -> None:
    """上传材料 / uploaded materials (SUNLIGHT_UPLOAD_DIR)."""


@uploads.command("orphans")
@click.option(
    "--older-than-hours",
    type=click.FloatRange(min=1),
    default=24.0,
    show_default=True,
    help="leave younger files alone (a request may still be committing them)",
)
@click.option("--delete", is_flag=True, help="delete them (default: only list them)")
def orphans_command(older_than_hours: float, delete: bool) -> None:
    """List (or delete) stored files that no row names. A rolled-back request deletes its
    own files; only a process killed between writing a file and committing leaves one."""
    settings = get_settings()
    sessions = make_session_factory(make_engine(settings.database_url))
    with transaction(sessions) as session:
        found = orphans(
            session,
            UploadLimits.from_settings(settings),
            utcnow(),
            timedelta(hours=older_than_hours),
        )
    for path in found:
        if delete:
            path.unlink(missing_ok=True)
        click.echo(f"{'deleted' if delete else 'orphan'} {path}")
    click.echo(f"{len(found)} 个无记录的文件 / files without a row")
