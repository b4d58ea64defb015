"""Alert texts: {field} placeholders filled from the fact, exactly as str.format would."""

from __future__ import annotations

import string
from typing import Any

import pytest

from supervisor.alerts.service import render

FACT: dict[str, Any] = {"overdue": 3, "item_name": "律师执业许可", "ratio": 2.5, "due": None}


def _general(template: str, fact: dict[str, Any]) -> str:
    """The reference: the general formatter, unknown fields left as written."""

    class Missing(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return string.Formatter().vformat(template, (), Missing(fact))
    except (ValueError, IndexError):
        return template


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{item_name}已超期 {overdue} 个工作日", "律师执业许可已超期 3 个工作日"),
        ("{unknown} stays", "{unknown} stays"),
        ("{overdue:>3}|{ratio:.2f}", "  3|2.50"),
        ("{item_name!r}", "'律师执业许可'"),
        ("{{literal}} {overdue}", "{literal} 3"),
        ("{due}", "None"),
        ("unbalanced {", "unbalanced {"),
        ("{ratio:d}", "{ratio:d}"),  # a bad format spec: the template as written
        ("{0} positional", "{0} positional"),
        ("{overdue.real}", "3"),  # attribute access: the general formatter's way
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, FACT) == expected
    assert render(template, FACT) == _general(template, FACT)
