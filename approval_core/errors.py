"""Domain errors. They carry no HTTP codes: `api/errors.py` maps each kind once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the core raises on purpose.

    `field` names the input at fault (for problem+json field errors); `title_zh` / `detail_zh`
    are shown to people, `detail` is the English text. `current` is the record's state as it
    stands now (e.g. status and version), for a refusal caused by that state.
    """

    kind = "domain-error"
    title = "Request refused"
    title_zh = "请求被拒绝"

    def __init__(
        self,
        detail: str,
        *,
        detail_zh: str | None = None,
        field: str | None = None,
        current: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh or detail
        self.field = field
        self.current = current


class NotFound(DomainError):
    kind = "not-found"
    title = "Not found"
    title_zh = "未找到"


class InvalidInput(DomainError):
    kind = "invalid-input"
    title = "Invalid input"
    title_zh = "输入无效"


class IllegalTransition(DomainError):
    kind = "illegal-transition"
    title = "Action not allowed in the current state"
    title_zh = "当前状态下不允许此操作"


class Forbidden(DomainError):
    kind = "forbidden"
    title = "Not allowed for your role"
    title_zh = "无权执行此操作"


class TooLarge(DomainError):
    """An upload over the size limit (nothing of it is kept)."""

    kind = "too-large"
    title = "Too large"
    title_zh = "文件过大"


class StorageFull(DomainError):
    """The file store has no space left: nothing of the request is kept or written."""

    kind = "storage-full"
    title = "Storage full"
    title_zh = "存储空间不足"


class Conflict(DomainError):
    kind = "conflict"
    title = "Conflict"
    title_zh = "冲突"


class VersionConflict(Conflict):
    """Someone else changed the record since it was read (or since the version the client
    expected): nothing was written; `current` carries the record as it stands."""

    kind = "version-conflict"
    title = "Changed by someone else"
    title_zh = "已被他人修改"


class ConfigError(Exception):
    """A rule or configuration file is malformed: carries file, line and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
