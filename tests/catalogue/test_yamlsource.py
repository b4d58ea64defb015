"""approval_core.yamlsource on its own: positions, duplicate keys, and pydantic errors in words."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Self

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from approval_core.errors import ConfigError
from approval_core.yamlsource import (
    Mark,
    Problem,
    RuleViolation,
    check,
    display_path,
    field_label,
    load_yaml,
    matching,
    parse_yaml,
    sort_messages,
    suggest,
    validate,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Window(Strict):
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(gt=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise RuleViolation.one(("end",), "{field} 早于 start", "{field} is before start")
        return self


class Dog(Strict):
    kind: Literal["dog"]
    barks: bool


class Cat(Strict):
    kind: Literal["cat"]
    purrs: bool


class Config(Strict):
    name: Annotated[str, matching(r"[a-z]+", "须为小写字母", "must be small letters")]
    windows: list[Window] = []
    by_year: dict[int, Window] = {}
    pet: Annotated[Dog | Cat, Field(discriminator="kind")] | None = None


def errors(text: str) -> list[str]:
    doc = parse_yaml(text, "t.yaml")
    result, found = check(doc, Config)
    assert result is None
    return found


def test_marks_are_one_based_and_name_keys_and_elements() -> None:
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n", "t.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", {"d": 2}]}}
    assert doc.mark(("a",)) == Mark(1, 1)
    assert doc.mark(("a", "b")) == Mark(2, 3)  # the key
    assert doc.value_marks[("a", "b")] == Mark(2, 6)  # its value
    assert doc.mark(("a", "c", 1)) == Mark(5, 7)  # a list element
    assert doc.mark(("a", "c", 1, "d")) == Mark(5, 8)
    assert doc.mark(("a", "nope", "deeper")) == Mark(1, 1)  # nearest existing parent
    assert doc.resolve(("a", "Tag", "b")) == ("a", "b")  # unknown parts are skipped


def test_every_duplicate_key_is_reported() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: 2\n", "t.yaml")
    assert caught.value.problems == [
        "t.yaml:3:1: 键 a 重复（首次出现在第 1 行） / duplicate key a (first at line 1)",
        "t.yaml:6:3: 键 x 重复（首次出现在第 5 行） / duplicate key x (first at line 5)",
    ]


def test_keys_python_cannot_tell_apart_are_duplicates() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("1: a\ntrue: b\n", "t.yaml")
    assert caught.value.problems == [
        "t.yaml:2:1: 键 True 重复（首次出现在第 1 行） / duplicate key True (first at line 1)"
    ]


def test_syntax_errors_point_at_the_cause() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: [1, 2\nb: 3\n", "t.yaml")
    assert caught.value.problems == [
        't.yaml:1:4: 第 1 行的“[”没有对应的“]”，请在末尾补上“]” / the "[" on line 1 is never '
        'closed: add "]" at the end'
    ]


def test_merge_keys_and_aliases() -> None:
    doc = parse_yaml("base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n", "t.yaml")
    assert doc.data["item"] == {"x": 1, "y": 2}


def test_a_date_yaml_cannot_build_stays_as_written() -> None:
    class Dated(Strict):
        day: date
        note: str

    doc = parse_yaml("day: 2027-02-30\nnote: &n 2027-13-01\nagain: *n\n2027-02-31: x\n", "t.yaml")
    assert doc.data == {
        "day": "2027-02-30",
        "note": "2027-13-01",
        "again": "2027-13-01",
        "2027-02-31": "x",
    }
    assert parse_yaml("day: 2027-02-28\n", "t.yaml").data == {"day": date(2027, 2, 28)}
    assert check(parse_yaml("day: 2027-02-30\nnote: 2027-13-01\n", "t.yaml"), Dated)[1] == [
        "t.yaml:1:1: 字段 day 必须是日期（YYYY-MM-DD） / field day must be a date (YYYY-MM-DD)"
    ]


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: &r [1, *r]\n", "t.yaml")
    assert "别名循环引用 / recursive alias" in caught.value.problems[0]


def test_empty_document() -> None:
    doc = parse_yaml("# only a comment\n", "t.yaml")
    assert doc.data is None
    assert errors("# only a comment\n") == [
        "t.yaml:1:1: 文件内容必须是映射（键: 值） / the file must be a mapping"
    ]


def test_missing_unknown_and_mistyped_fields() -> None:
    text = "name: ok\nwindows:\n  - start: 1\n    ende: 2\n  - start: x\n    end: 0\n"
    assert errors(text) == [
        "t.yaml:3:5: 缺少必填字段 end / required field end is missing",
        "t.yaml:4:5: 未知字段 ende，是否应为 end？ / unknown field ende; did you mean end?",
        "t.yaml:5:5: 字段 start 必须是整数 / field start must be an integer",
        "t.yaml:6:5: 字段 end 必须是正整数 / field end must be a positive integer",
    ]


def test_an_unknown_key_without_a_close_match_lists_the_allowed_ones() -> None:
    assert errors("name: ok\ncolour: red\n") == [
        "t.yaml:2:1: 未知字段 colour（可用字段：name, windows, by_year, pet） "
        "/ unknown field colour (allowed: name, windows, by_year, pet)"
    ]


def test_rule_violations_point_at_the_named_field() -> None:
    assert errors("name: ok\nwindows:\n  - start: 5\n    end: 3\n") == [
        "t.yaml:4:5: end 早于 start / end is before start"
    ]


def test_matching_speaks_plain_words() -> None:
    assert errors("name: Ok1\n") == [
        "t.yaml:1:1: 字段 name 须为小写字母 / field name must be small letters"
    ]
    assert errors('name: ""\n') == ["t.yaml:1:1: 字段 name 不能为空 / field name must not be empty"]


def test_dict_values_and_keys() -> None:
    text = "name: ok\nby_year:\n  2026: {start: 1, end: -1}\n  x: {start: 1, end: 2}\n"
    assert errors(text) == [
        "t.yaml:3:20: 字段 end 必须是正整数 / field end must be a positive integer",
        "t.yaml:4:3: 键 x 必须是整数 / key x must be an integer",
    ]


def test_a_yes_key_gets_the_quoting_hint() -> None:
    class Flags(Strict):
        flags: dict[str, int]

    doc = parse_yaml("flags:\n  yes: 1\n", "t.yaml")
    assert check(doc, Flags)[1] == [
        "t.yaml:2:3: 键 1 必须是文本（yes/no/on/off 等会被 YAML 读作布尔值，请加引号） "
        "/ key 1 must be text (YAML reads yes/no/on/off as booleans: quote them)"
    ]


def test_a_discriminated_union_reports_only_the_chosen_member() -> None:
    assert errors("name: ok\npet:\n  kind: dog\n  barks: loud\n  bark: 1\n") == [
        "t.yaml:4:3: 字段 barks 必须是 true 或 false / field barks must be true or false",
        "t.yaml:5:3: 未知字段 bark，是否应为 barks？ / unknown field bark; did you mean barks?",
    ]
    assert errors("name: ok\npet:\n  kind: cow\n") == [
        "t.yaml:2:1: 字段 pet 的 'kind' 必须是以下之一：'dog', 'cat' "
        "/ field pet needs 'kind' to be one of: 'dog', 'cat'"
    ]


def test_pydantic_wording_keeps_english_out_of_the_chinese_half() -> None:
    class Box(Strict):
        kind: Literal["a", "b", "c"]
        size: int = 0

        @field_validator("size")
        @classmethod
        def _small(cls, size: int) -> int:
            if size > 9:
                raise ValueError("too big for a box")
            return size

    assert check(parse_yaml("kind: x\nsize: 10\n", "t.yaml"), Box)[1] == [
        "t.yaml:1:1: 字段 kind 必须是以下之一：'a', 'b', 'c' "
        "/ field kind must be one of: 'a', 'b' or 'c'",
        "t.yaml:2:1: 字段 size 取值无效（原因见英文说明） "
        "/ field size is invalid: too big for a box",
    ]
    assert errors("name: ok\npet:\n  barks: true\n") == [
        "t.yaml:2:1: 字段 pet 缺少用来区分种类的字段 'kind' "
        "/ field pet needs the field 'kind' that tells its kind"
    ]


def test_validate_raises_with_all_problems() -> None:
    doc = parse_yaml("name: 1\nwindows: {}\n", "t.yaml")
    with pytest.raises(ConfigError) as caught:
        validate(doc, Config)
    assert caught.value.problems == [
        "t.yaml:1:1: 字段 name 必须是文本 / field name must be text",
        "t.yaml:2:1: 字段 windows 必须是列表 / field windows must be a list",
    ]
    assert validate(parse_yaml("name: ok\n", "t.yaml"), Config).name == "ok"


def test_load_yaml_shows_paths_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    path = tmp_path / "rules" / "x.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml(path).source == "rules/x.yaml"
    assert display_path(Path("/elsewhere/x.yaml")) == "/elsewhere/x.yaml"
    assert load_yaml(path, source="shown.yaml").source == "shown.yaml"
    with pytest.raises(ConfigError) as caught:
        load_yaml(tmp_path / "rules" / "missing.yaml")
    assert caught.value.problems[0].startswith("rules/missing.yaml:1:1: 无法读取文件")


def test_helpers() -> None:
    assert suggest("promised_limt", ["limit", "promised_limit"]) == "promised_limit"
    assert suggest("zzz", ["limit", "promised_limit"]) is None
    assert field_label(("items", 3, "limit")) == "limit"
    assert field_label(("items", 3, "legal_basis", 0)) == "legal_basis[0]"
    assert field_label(()) == ""
    assert sort_messages(["b:2:1: x", "a:10:1: y", "a:9:3: z", "a:9:3: z"]) == [
        "a:9:3: z",
        "a:10:1: y",
        "b:2:1: x",
    ]
    doc = parse_yaml("a: 1\na2: 2\n", "t.yaml")
    assert doc.format(Problem(("a2",), "中", "en")) == "t.yaml:2:1: 中 / en"
    assert doc.format(Problem(("a",), "中", "en", at=Mark(7, 2))) == "t.yaml:7:2: 中 / en"
