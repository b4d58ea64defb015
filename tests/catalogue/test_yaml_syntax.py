"""YAML syntax faults as policy staff meet them: each cause named, in Chinese and English, at the
line and column to fix, and every fault of a file listed at once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from approval_core.calendar import parse_calendar
from approval_core.catalogue import load_catalogue
from approval_core.errors import ConfigError
from approval_core.yamlsource import load_yaml
from approval_core.yamlwording import _WORDING, HINTS, PHRASES, SYNTAX_TEXTS
from supervisor.rulebook import check_rulebook
from tests.catalogue.support import RULES

# Words a Chinese text may hold besides those taken from the file: YAML, the encoding, examples.
ALLOWED_IN_CHINESE = {"YAML", "UTF", "limit", "true", "false", "null", "yes", "no", "on", "off"}
ALLOWED_IN_CHINESE |= {"YYYY", "MM", "DD", "HH"}


def problems(tmp_path: Path, text: str) -> list[str]:
    """The messages for `text` written to t.yaml; each has a Chinese half without English."""
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path, source="t.yaml")
    for message in caught.value.problems:
        zh = message.split(": ", 1)[1].split(" / ", 1)[0]
        assert all(word in ALLOWED_IN_CHINESE or word in text for word in english(zh)), message
    return caught.value.problems


def english(text: str) -> list[str]:
    """The words in Latin letters of `text`, placeholders such as {line} left out."""
    return re.findall(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}", "", text))


def fw_colon(line: int) -> str:
    return (
        f"第 {line} 行使用了全角冒号“：”，YAML 需要半角冒号“:”后跟一个空格 / line {line} uses a "
        'full-width colon "："; YAML needs a half-width colon ":" followed by a space'
    )


def fw_comma(line: int) -> str:
    return (
        f"第 {line} 行在括号内使用了全角逗号“，”，YAML 需要用半角逗号“,”分隔各项 "
        f'/ line {line} uses a full-width comma "，" inside brackets; YAML separates entries '
        'with a half-width comma ","'
    )


def tab_indent(line: int) -> str:
    return (
        f"第 {line} 行用制表符缩进，YAML 只能用空格缩进，请把制表符换成空格 / line {line} is "
        "indented with a tab; YAML indents with spaces only: replace the tab with spaces"
    )


def dq_open(line: int) -> str:
    return (
        f'第 {line} 行开始的双引号 " 没有结束，请在文字末尾补上 "（文字里的双引号写作 \\"） / the '
        f'double quote " opened on line {line} is never closed: add " at the end of the text '
        '(write \\" for a quote inside it)'
    )


def test_a_full_width_colon_meant_as_the_mapping_colon(tmp_path: Path) -> None:
    text = "clock:\n  max_extensions： 1\n  cutoff: null\n"
    assert problems(tmp_path, text) == [f"t.yaml:2:17: {fw_colon(2)}"]
    # in a list item or a flow mapping YAML reads it as text: still reported where it is
    assert problems(tmp_path, "materials:\n  - code： ID_CARD\n") == [f"t.yaml:2:9: {fw_colon(2)}"]
    assert problems(tmp_path, "when: {field： a, eq: 1}\n") == [f"t.yaml:1:13: {fw_colon(1)}"]


def test_full_width_punctuation_in_texts_and_comments_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    text = "# clock：法定计时，见下\nname_zh: 说明：“补正”通知，共 3 项 # 注：无\nlist: [补正]\n"
    path.write_text(text, encoding="utf-8")
    assert load_yaml(path).data == {"name_zh": "说明：“补正”通知，共 3 项", "list": ["补正"]}


def test_a_full_width_comma_in_a_flow_list(tmp_path: Path) -> None:
    # [handler，head] is one item for YAML; {field: a，eq: 1} does not parse: both are named
    assert problems(tmp_path, "concerns: [handler，head]\n") == [f"t.yaml:1:19: {fw_comma(1)}"]
    assert problems(tmp_path, "level: red\nwhen: {field: a，eq: 1}\n") == [
        f"t.yaml:2:16: {fw_comma(2)}"
    ]


def test_curly_quotes_where_quotes_were_needed(tmp_path: Path) -> None:
    assert problems(tmp_path, "title_zh: “补正: 通知”\n") == [
        "t.yaml:1:11: 第 1 行的 “ 是中文引号，YAML 只认半角引号 \" 或 '，请改为半角引号 / line 1 "
        "uses the curly quote “; YAML only accepts straight quotes \" or ': retype it"
    ]


def test_tabs_for_indentation_and_between_words(tmp_path: Path) -> None:
    assert problems(tmp_path, "clock:\n\tcutoff: null\n") == [f"t.yaml:2:1: {tab_indent(2)}"]
    assert problems(tmp_path, "clock:\n  cutoff:\tnull\n") == [
        "t.yaml:2:10: 第 2 行第 10 列有制表符，YAML 在这里只能用空格，请换成空格 / line 2 has a "
        "tab at column 10; YAML only allows spaces here: use a space"
    ]


def test_a_line_indented_deeper_than_its_neighbour(tmp_path: Path) -> None:
    text = "clock:\n  cutoff: null\n   max_extensions: 1\n"
    assert problems(tmp_path, text) == [
        "t.yaml:3:4: 第 3 行比上一行多缩进了 1 个空格：同一层的键必须对齐，"
        "只有上一行以冒号结尾时下一行才缩进 "
        "/ line 3 is indented deeper than the line above (by 1): keys at one level line up,"
        " and only a line ending in a colon is followed by deeper ones"
    ]


def test_a_line_that_lines_up_with_no_level(tmp_path: Path) -> None:
    text = "clock:\n    cutoff: null\n  max_extensions: 1\n"
    assert problems(tmp_path, text) == [
        "t.yaml:3:3: 第 3 行缩进了 2 个空格，与上面各层都对不齐：同一层的键必须用同样多的空格缩进 "
        "/ line 3 is indented by 2 spaces, which lines up with no level above: keys at one "
        "level need the same indentation"
    ]


def test_a_key_indented_like_the_list_items_above(tmp_path: Path) -> None:
    assert problems(tmp_path, "materials:\n  - code: A\n  name_zh: 身份证\n") == [
        "t.yaml:3:3: 第 3 行与上面的列表项“-”缩进相同，却不是列表项：同一层不能既有列表项又有键；"
        "如果它属于上面的列表项，请与“-”后面的文字对齐 / line 3 is indented like the list item "
        '"-" above but is not one: a level holds list items or keys, not both; if it belongs '
        'to the item above, line it up with the text after the "-"'
    ]


def test_an_unclosed_double_quote_points_at_the_quote(tmp_path: Path) -> None:
    text = 'name_zh: 补正\nname_en: "Supplement\nnote_zh: 说明\n'
    assert problems(tmp_path, text) == [f"t.yaml:2:10: {dq_open(2)}"]
    assert problems(tmp_path, 'name_en: "Supplement”\n') == [
        't.yaml:1:10: 第 1 行开始的双引号 " 没有结束，请在文字末尾补上 "（文字里的双引号写作 \\"）'
        '；这一行的 ” 是中文引号，不能用来结束 / the double quote " opened on line 1 is never '
        'closed: add " at the end of the text (write \\" for a quote inside it); the ” on this '
        "line is a curly quote and cannot close it"
    ]


def test_an_unclosed_single_quote(tmp_path: Path) -> None:
    assert problems(tmp_path, "cutoff: '17:30\nclock_stops: []\n") == [
        "t.yaml:1:9: 第 1 行开始的单引号 ' 没有结束，请在文字末尾补上 '（文字里的单引号写作 ''） / "
        "the single quote ' opened on line 1 is never closed: add ' at the end of the text "
        "(write '' for a quote inside it)"
    ]


def test_an_unclosed_bracket_points_at_the_bracket(tmp_path: Path) -> None:
    assert problems(tmp_path, "concerns: [handler, head\nlevel: red\n") == [
        't.yaml:1:11: 第 1 行的“[”没有对应的“]”，请在末尾补上“]” / the "[" on line 1 is never '
        'closed: add "]" at the end'
    ]
    assert problems(tmp_path, "level: red\nwhen: {field: a, eq: 1\n") == [
        't.yaml:2:7: 第 2 行的“{”没有对应的“}”，请在末尾补上“}” / the "{" on line 2 is never '
        'closed: add "}" at the end'
    ]
    assert problems(tmp_path, "concerns: [handler, head］\nlevel: red\n") == [
        "t.yaml:1:11: 第 1 行的“[”没有对应的“]”，请在末尾补上“]”"
        "（这一行的“］”是全角字符，请改为半角“]”） "
        '/ the "[" on line 1 is never closed: add "]" at the end ("］" on this line is '
        'full-width: type "]")'
    ]


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    text = (
        "clock:\n"
        '  title_zh: "补正\n'  # 2: unclosed quote, where the parser stops
        "  max_extensions： 1\n"  # 3: full-width colon
        "\tcutoff: null\n"  # 4: tab
        "supervision：\n"  # 5: full-width colon
        "\tconcerns: [handler，head]\n"  # 6: tab and full-width comma
        "  level: [red\n"  # 7: unclosed bracket
        "  legal_basis: x\n"
    )
    assert problems(tmp_path, text) == [
        f"t.yaml:2:13: {dq_open(2)}",
        f"t.yaml:3:17: {fw_colon(3)}",
        f"t.yaml:4:1: {tab_indent(4)}",
        f"t.yaml:5:12: {fw_colon(5)}",
        f"t.yaml:6:1: {tab_indent(6)}",
        f"t.yaml:6:20: {fw_comma(6)}",
        't.yaml:7:10: 第 7 行的“[”没有对应的“]”，请在末尾补上“]” / the "[" on line 7 is never '
        'closed: add "]" at the end',
    ]


def test_quotes_and_brackets_continued_on_deeper_lines_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    text = 'a: "one\n  two"\nb: [x,\n  y]\nc: {}\nd: []\n'
    path.write_text(text + "e： 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path, source="t.yaml")
    assert caught.value.problems == [f"t.yaml:7:2: {fw_colon(7)}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "items:\n  - code: A\n    limit 20\n    name_zh: 甲\n",
            "t.yaml:3:5: 第 3 行缺少冒号：键后面要写半角冒号“:”和一个空格（如 limit: 20）；"
            "如果这一行是上一项的延续，请检查缩进 "
            '/ line 3 lacks a colon: write ":" and a space after the key '
            "(like limit: 20); if the line continues the one above, check the indentation",
            id="missing-colon",
        ),
        pytest.param(
            "limit:20\nname_zh: 甲\n",
            "t.yaml:1:6: 第 1 行的冒号“:”后面缺少空格，请写成“limit: 值” / line 1 needs a space "
            'after the colon: write "limit: value"',
            id="no-space-after-colon",
        ),
        pytest.param(
            "title_zh: 注意: 须补正\n",
            "t.yaml:1:13: 第 1 行的值里含有“: ”，YAML 会把它当成新的键：请给整个值加上引号 "
            '/ the value on line 1 contains ": ", which YAML reads as a new key: put the whole '
            "value in quotes",
            id="colon-in-value",
        ),
        pytest.param(
            "note_en: 'the applicant's file'\n",
            "t.yaml:1:24: 第 1 行引号内的文字里又出现了 '，引号在这里提前结束了："
            "单引号内的 ' 要写成 ''，"
            '双引号内的 " 要写成 \\" / on line 1 the quoted text contains \', which ends it '
            "early: write '' inside single quotes, \\\" inside double quotes",
            id="quote-inside-quotes",
        ),
        pytest.param(
            "concerns: [handler]]\n",
            't.yaml:1:20: 第 1 行多了一个“]”，前面没有与之配对的括号 / line 1 has an extra "]" '
            "that closes no bracket",
            id="extra-bracket",
        ),
        pytest.param(
            "when: {levels: [red]} 黄牌\nto: [head]\n",
            "t.yaml:1:23: 第 1 行的“}”后面还有多余的内容：请删除，或把它移到括号里面 "
            '/ line 1 goes on after the closing "}": delete the rest, or move it inside the '
            "brackets",
            id="text-after-brackets",
        ),
        pytest.param(
            "  clock:\n    cutoff: null\nsupervision: 1\n",
            "t.yaml:1:3: 第 1 行缩进了 2 个空格：最外层的键要从行首写起，不能缩进 "
            "/ line 1 is indented by 2 spaces: top-level keys start at the beginning of the line",
            id="first-key-indented",
        ),
        pytest.param(
            "supervision: 1\n- rules\n",
            "t.yaml:2:1: 第 2 行的列表项“-”位置不对：列表项要缩进在它所属的键下面，"
            "各项的“-”上下对齐 / "
            'line 2: the list item "-" is out of place: indent list items under their key, with '
            "the dashes lined up",
            id="list-item-out-of-place",
        ),
        pytest.param(
            "message_zh: @handler 请回告\n",
            "t.yaml:1:13: 第 1 行的值以“@”开头，YAML 不允许这样写：请给整个值加上引号 "
            "/ the value on "
            'line 1 starts with "@", which YAML does not allow: put the whole value in quotes',
            id="reserved-character",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            "t.yaml:2:1: 第 2 行的“---”开始了第二个文档，一个文件只能有一个文档：请删除这一行 "
            "/ line 2: "
            '"---" starts a second document, but a file holds one: delete the line',
            id="second-document",
        ),
        pytest.param(
            "a: *base\n",
            "t.yaml:1:4: 第 1 行引用的别名 *base 没有定义（需先用 &base 定义） / line 1 uses the "
            "alias *base, which is not defined (define it with &base first)",
            id="undefined-alias",
        ),
        pytest.param(
            'a: "C:\\qq"\n',
            "t.yaml:1:8: 第 1 行双引号内的反斜杠“\\”后面跟了无效的字符："
            "要写反斜杠本身请连写两个，或改用单引号 "
            "/ line 1: invalid character after a backslash in double quotes: write two "
            "backslashes for one, or use single quotes",
            id="bad-escape",
        ),
        pytest.param(
            "a: 1\nb: x\x07\n",
            "t.yaml:2:5: 第 2 行第 5 列有一个看不见的控制字符（#x0007），请删除它 / line 2 has an "
            "invisible control character (#x0007) at column 5: delete it",
            id="control-character",
        ),
        pytest.param(
            "a: &\n",
            "t.yaml:1:5: 第 1 行 YAML 语法错误（锚点“&”的名称只能用字母和数字）："
            "请检查本行与上一行的缩进、冒号和引号 "
            "/ line 1: YAML syntax error (while scanning an anchor, expected alphabetic "
            "or numeric character, but found '\\n'): check the indentation, colons and quotes of "
            "this line and the one above",
            id="other-faults-in-general-words",
        ),
    ],
)
def test_parser_faults_in_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [expected]


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_bytes("a: 1\nname_zh: 补正\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_yaml(tmp_path / "t.yaml", source="t.yaml")
    assert caught.value.problems == [
        "t.yaml:2:10: 文件不是 UTF-8 编码（第 2 行第 10 列起），请在编辑器中用 UTF-8 编码另存 "
        "/ the file is not UTF-8 text (from line 2, column 10): save it as UTF-8"
    ]
    with pytest.raises(ConfigError) as caught:
        load_yaml(tmp_path / "missing.yaml", source="missing.yaml")
    assert caught.value.problems == [
        "missing.yaml:1:1: 无法读取文件（文件不存在） / cannot read the file: No such file or "
        "directory"
    ]


def test_the_chinese_of_every_text_holds_no_english_words() -> None:
    for zh, _ in [*SYNTAX_TEXTS.values(), *HINTS.values(), *_WORDING.values()]:
        assert set(english(zh)) <= ALLOWED_IN_CHINESE, zh
    for _, zh in PHRASES:
        assert set(english(zh)) <= ALLOWED_IN_CHINESE, zh


def test_the_real_rule_files_report_a_full_width_colon_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(RULES, tmp_path / "rules")
    path = tmp_path / "rules" / "timeliness.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("  max_extensions: 1")
    path.write_text(text[:at] + "  max_extensions： 1" + text[at + 19 :], encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    expected = f"rules/timeliness.yaml:{line}:17: {fw_colon(line)}"
    with pytest.raises(ConfigError) as caught:
        load_catalogue(tmp_path / "rules")
    assert caught.value.problems == [expected]
    found = check_rulebook(tmp_path / "rules")
    assert [m for m in found if m.startswith("rules/timeliness.yaml")] == [expected]


def test_the_calendar_file_speaks_the_same_words() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_calendar("years:\n  2027：\n    source: x\n".encode(), "calendar.yaml")
    assert caught.value.problems == [f"calendar.yaml:2:7: {fw_colon(2)}"]
