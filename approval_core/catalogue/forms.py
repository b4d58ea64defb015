"""Blank forms of the materials (表格下载): the files under rules/forms/ that items.yaml names.

A material that is a form to fill (申请表, 登记表, 承诺书…) names its blank form with `form:`, a
path inside the rules folder (`forms/<ITEM>/<MATERIAL>.pdf`). Policy staff replace the files
with the official ones; `load_catalogue` checks that every named file is there, is not empty and
is what its name says (a .pdf starts as a PDF does), and the catalogue keeps each file's SHA-256
so a changed form changes the catalogue's version and shows in the public view. The files
themselves are part of the policy (every file under rules/ is), which serves them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from approval_core.yamlsource import Problem, YamlDocument, matching

FORMS_DIR = "forms"

# What each kind of form file is served as, and how its content starts.
MEDIA_TYPES: Mapping[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of Word 97-2003 and Excel
_MAGIC: Mapping[str, bytes] = {
    ".pdf": b"%PDF-",
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".odt": _ZIP,
    ".ods": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
}

_FORM_PATH = r"forms(/[A-Za-z0-9][A-Za-z0-9_.-]*)+\.(pdf|docx|xlsx|odt|ods|doc|xls)"
FormPath = Annotated[
    str,
    matching(
        _FORM_PATH,
        "须为 rules 目录下 forms/ 中的文件路径，如 forms/LAWYER-PRACTICE/APPLICATION.pdf"
        "（格式 pdf、docx、xlsx、odt、ods、doc、xls）",
        "must be a file path under forms/ in the rules folder, like "
        "forms/LAWYER-PRACTICE/APPLICATION.pdf (pdf, docx, xlsx, odt, ods, doc or xls)",
    ),
]


@dataclass(frozen=True)
class FormFile:
    """A blank form as the catalogue knows it: where it is, its digest, size and media type."""

    path: str  # relative to the rules folder, POSIX
    sha256: str
    size: int
    media_type: str

    @property
    def filename(self) -> str:
        return PurePosixPath(self.path).name


def media_type(path: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


def read_forms(doc: YamlDocument, rules_dir: Path) -> tuple[dict[str, FormFile], list[Problem]]:
    """Every form the items name (path -> FormFile) and a problem at each `form:` whose file is
    missing, empty, outside the folder or not of its kind. Read on the raw data, so that a
    missing file is reported together with every other fault of the file."""
    forms: dict[str, FormFile] = {}
    problems: list[Problem] = []
    for loc, path in _form_refs(doc.data):
        if path in forms:
            continue
        data, problem = _read_form(rules_dir, path)
        if problem is not None:
            problems.append(Problem(loc, *problem))
        elif data is not None:
            digest = hashlib.sha256(data).hexdigest()
            forms[path] = FormFile(path, digest, len(data), media_type(path))
    return forms, problems


def _form_refs(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    refs: list[tuple[tuple[Any, ...], str]] = []
    items = data.get("items") if isinstance(data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        materials = item.get("materials") if isinstance(item, dict) else None
        for position, material in enumerate(materials if isinstance(materials, list) else []):
            form = material.get("form") if isinstance(material, dict) else None
            # a path of the wrong shape is the model's to report (FormPath)
            if isinstance(form, str) and re.fullmatch(_FORM_PATH, form):
                refs.append((("items", index, "materials", position, "form"), form))
    return refs


def _read_form(rules_dir: Path, path: str) -> tuple[bytes | None, tuple[str, str] | None]:
    target = rules_dir / path
    root = rules_dir.resolve()
    if ".." in PurePosixPath(path).parts or not target.resolve().is_relative_to(root):
        zh = f"表格文件 {path} 不在规则目录内"
        return None, (zh, f"the form file {path} is outside the rules folder")
    if not target.is_file():
        return None, (
            f"表格文件 {path} 不存在（应放在规则目录下的 {path}）",
            f"the form file {path} does not exist (put it at {path} in the rules folder)",
        )
    data = target.read_bytes()
    suffix = PurePosixPath(path).suffix.lower()
    if not data:
        return None, (f"表格文件 {path} 是空文件", f"the form file {path} is empty")
    if not data.startswith(_MAGIC.get(suffix, b"")):
        return None, (
            f"表格文件 {path} 的内容不是 {suffix[1:]} 格式",
            f"the form file {path} is not a {suffix[1:]} file",
        )
    return data, None
