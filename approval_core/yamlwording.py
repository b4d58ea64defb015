"""Every text said about a rule file: YAML syntax faults and pydantic's errors, Chinese first.

`SYNTAX_TEXTS` words the faults that `yamlscan` and `yamlsyntax` find. `wording` turns one pydantic
error type into a sentence about the field (or mapping key) at fault, so that policy staff read
"字段 limit 必须是正整数 / field limit must be a positive integer" and never pydantic's English in
the Chinese half; a type missing from the table still gets a Chinese sentence ("取值无效"), with
pydantic's own text in the English half only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# --- YAML syntax faults ------------------------------------------------------------------------
# Each text names the line, so that a message copied without its position still says where.
SYNTAX_TEXTS: dict[str, tuple[str, str]] = {
    "fw_colon": (
        "第 {line} 行使用了全角冒号“：”，YAML 需要半角冒号“:”后跟一个空格",
        'line {line} uses a full-width colon "："; YAML needs a half-width colon ":" '
        "followed by a space",
    ),
    "fw_comma": (
        "第 {line} 行在括号内使用了全角逗号“，”，YAML 需要用半角逗号“,”分隔各项",
        'line {line} uses a full-width comma "，" inside brackets; YAML separates entries '
        'with a half-width comma ","',
    ),
    "fw_space": (
        "第 {line} 行使用了全角空格，YAML 只认半角空格，请改为半角空格",
        "line {line} uses a full-width space; YAML only accepts half-width spaces: retype it",
    ),
    "curly": (
        "第 {line} 行的 {char} 是中文引号，YAML 只认半角引号 \" 或 '，请改为半角引号",
        "line {line} uses the curly quote {char}; YAML only accepts straight quotes \" or ': "
        "retype it",
    ),
    "tab_indent": (
        "第 {line} 行用制表符缩进，YAML 只能用空格缩进，请把制表符换成空格",
        "line {line} is indented with a tab; YAML indents with spaces only: replace the tab "
        "with spaces",
    ),
    "tab": (
        "第 {line} 行第 {col} 列有制表符，YAML 在这里只能用空格，请换成空格",
        "line {line} has a tab at column {col}; YAML only allows spaces here: use a space",
    ),
    "no_space": (
        "第 {line} 行的冒号“:”后面缺少空格，请写成“{key}: 值”",
        'line {line} needs a space after the colon: write "{key}: value"',
    ),
    "dash_space": (
        "第 {line} 行的“-”后面缺少空格，列表项要写成“- 内容”",
        'line {line} needs a space after the "-": write list items as "- text"',
    ),
    "control": (
        "第 {line} 行第 {col} 列有一个看不见的控制字符（{code}），请删除它",
        "line {line} has an invisible control character ({code}) at column {col}: delete it",
    ),
    "dq_open": (
        '第 {line} 行开始的双引号 " 没有结束，请在文字末尾补上 "（文字里的双引号写作 \\"）{hint}',
        'the double quote " opened on line {line} is never closed: add " at the end of the '
        'text (write \\" for a quote inside it){hint}',
    ),
    "sq_open": (
        "第 {line} 行开始的单引号 ' 没有结束，请在文字末尾补上 '（文字里的单引号写作 ''）{hint}",
        "the single quote ' opened on line {line} is never closed: add ' at the end of the "
        "text (write '' for a quote inside it){hint}",
    ),
    "quote_inside": (
        "第 {line} 行引号内的文字里又出现了 {char}，引号在这里提前结束了："
        "单引号内的 ' 要写成 ''，双引号内的 \" 要写成 \\\"",
        "on line {line} the quoted text contains {char}, which ends it early: write '' inside "
        'single quotes, \\" inside double quotes',
    ),
    "bracket_open": (
        "第 {line} 行的“{char}”没有对应的“{close}”，请在末尾补上“{close}”{hint}",
        'the "{char}" on line {line} is never closed: add "{close}" at the end{hint}',
    ),
    "flow_sep": (
        "第 {line} 行括号内此处应为半角逗号“,”或“{close}”："
        "各项之间用逗号分隔，含有“: ”的值要加引号",
        'line {line}: "," or "{close}" expected here: separate entries with commas and quote '
        'values that contain ": "',
    ),
    "extra_close": (
        "第 {line} 行多了一个“{char}”，前面没有与之配对的括号",
        'line {line} has an extra "{char}" that closes no bracket',
    ),
    "no_colon": (
        "第 {line} 行缺少冒号：键后面要写半角冒号“:”和一个空格（如 limit: 20）；"
        "如果这一行是上一项的延续，请检查缩进",
        'line {line} lacks a colon: write ":" and a space after the key (like limit: 20); '
        "if the line continues the one above, check the indentation",
    ),
    "colon_in_value": (
        "第 {line} 行的值里含有“: ”，YAML 会把它当成新的键：请给整个值加上引号",
        'the value on line {line} contains ": ", which YAML reads as a new key: put the whole '
        "value in quotes",
    ),
    "colon_here": (
        "第 {line} 行此处不能有冒号“:”：请检查本行与上一行的缩进是否对齐、上一行的冒号后是否有空格",
        "line {line}: no colon may stand here; check that this line and the one above are "
        "indented alike and that the colon above is followed by a space",
    ),
    "deeper": (
        "第 {line} 行比上一行多缩进了 {more} 个空格：同一层的键必须对齐，"
        "只有上一行以冒号结尾时下一行才缩进",
        "line {line} is indented deeper than the line above (by {more}): keys at one level line "
        "up, and only a line ending in a colon is followed by deeper ones",
    ),
    "misaligned": (
        "第 {line} 行缩进了 {indent} 个空格，与上面各层都对不齐：同一层的键必须用同样多的空格缩进",
        "line {line} is indented by {indent} spaces, which lines up with no level above: keys "
        "at one level need the same indentation",
    ),
    "after_close": (
        "第 {line} 行的“{char}”后面还有多余的内容：请删除，或把它移到括号里面",
        'line {line} goes on after the closing "{char}": delete the rest, or move it inside '
        "the brackets",
    ),
    "top_indented": (
        "第 {line} 行缩进了 {indent} 个空格：最外层的键要从行首写起，不能缩进",
        "line {line} is indented by {indent} spaces: top-level keys start at the beginning of "
        "the line",
    ),
    "dash": (
        "第 {line} 行的列表项“-”位置不对：列表项要缩进在它所属的键下面，各项的“-”上下对齐",
        'line {line}: the list item "-" is out of place: indent list items under their key, '
        "with the dashes lined up",
    ),
    "list_key": (
        "第 {line} 行与上面的列表项“-”缩进相同，却不是列表项：同一层不能既有列表项又有键；"
        "如果它属于上面的列表项，请与“-”后面的文字对齐",
        'line {line} is indented like the list item "-" above but is not one: a level holds '
        "list items or keys, not both; if it belongs to the item above, line it up with the "
        'text after the "-"',
    ),
    "cannot_start": (
        "第 {line} 行的值以“{char}”开头，YAML 不允许这样写：请给整个值加上引号",
        'the value on line {line} starts with "{char}", which YAML does not allow: put the '
        "whole value in quotes",
    ),
    "bad_escape": (
        "第 {line} 行双引号内的反斜杠“\\”后面跟了无效的字符："
        "要写反斜杠本身请连写两个，或改用单引号",
        "line {line}: invalid character after a backslash in double quotes: write two "
        "backslashes for one, or use single quotes",
    ),
    "alias": (
        "第 {line} 行引用的别名 *{name} 没有定义（需先用 &{name} 定义）",
        "line {line} uses the alias *{name}, which is not defined (define it with &{name} first)",
    ),
    "documents": (
        "第 {line} 行的“---”开始了第二个文档，一个文件只能有一个文档：请删除这一行",
        'line {line}: "---" starts a second document, but a file holds one: delete the line',
    ),
    "tag": (
        "第 {line} 行的值以“!”开头，会被当作标签：如果这是文字，请加上引号",
        'the value on line {line} starts with "!" and is read as a tag: if it is text, put it '
        "in quotes",
    ),
    "generic": (
        "第 {line} 行 YAML 语法错误（{what}）：请检查本行与上一行的缩进、冒号和引号",
        "line {line}: YAML syntax error ({what}): check the indentation, colons and quotes of "
        "this line and the one above",
    ),
}
# Added to a text of `SYNTAX_TEXTS` that ends in {hint}, when the line shows the cause.
HINTS: dict[str, tuple[str, str]] = {
    "curly_close": (
        "；这一行的 {char} 是中文引号，不能用来结束",
        "; the {char} on this line is a curly quote and cannot close it",
    ),
    "fw_close": (
        "（这一行的“{wrong}”是全角字符，请改为半角“{close}”）",
        ' ("{wrong}" on this line is full-width: type "{close}")',
    ),
}
# PyYAML's wording, in the order tried, as the generic fault names it in Chinese.
PHRASES: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", "此处不能有冒号“:”"),
    ("could not find expected ':'", "找不到应有的冒号“:”"),
    ("cannot start any token", "值的开头有不允许的字符"),
    ("tab character", "有制表符"),
    ("expected <block end>", "缩进不对，这里的内容不属于上面任何一层"),
    ("expected ',' or", "括号内此处应为逗号或右括号"),
    ("while scanning a quoted scalar", "引号内的文字没有正确结束"),
    ("unexpected end of stream", "文件在未写完处结束"),
    ("expected the node content", "此处缺少值"),
    ("while scanning a block scalar", "多行文字（| 或 >）的写法有误"),
    ("while scanning an anchor", "锚点“&”的名称只能用字母和数字"),
    ("while scanning an alias", "别名“*”的名称只能用字母和数字"),
    ("found duplicate anchor", "锚点名称重复"),
    ("expected '<document start>'", "文档结束后还有多余内容"),
    ("while scanning a directive", "以“%”开头的指令写法有误"),
    ("while scanning a tag", "以“!”开头的标签写法有误"),
    ("found unhashable key", "键不能是列表或映射"),
)

# --- pydantic errors ---------------------------------------------------------------------------
_SAME_WORDING: list[tuple[str, tuple[str, str]]] = [
    ("int_type int_parsing int_from_float", ("必须是整数", "must be an integer")),
    ("float_type float_parsing decimal_type decimal_parsing", ("必须是数字", "must be a number")),
    ("bool_type bool_parsing", ("必须是 true 或 false", "must be true or false")),
    ("list_type tuple_type set_type frozen_set_type", ("必须是列表", "must be a list")),
    (
        "dict_type mapping_type model_type model_attributes_type",
        ("必须是映射（键: 值）", "must be a mapping"),
    ),
    (
        "date_type date_parsing date_from_datetime_inexact date_from_datetime_parsing",
        (
            "必须是日期（YYYY-MM-DD）",
            "must be a date (YYYY-MM-DD)",
        ),
    ),
    (
        "datetime_type datetime_parsing datetime_from_date_parsing",
        (
            "必须是日期时刻（YYYY-MM-DD HH:MM）",
            "must be a date and time (YYYY-MM-DD HH:MM)",
        ),
    ),
    ("time_type time_parsing", ('必须是加引号的时刻（"HH:MM"）', 'must be a quoted "HH:MM"')),
    ("finite_number float_finite", ("必须是有限的数字", "must be a finite number")),
    ("int_parsing_size", ("数值太大", "is too large a number")),
    ("string_type str_type", ("必须是文本", "must be text")),
]
_WORDING: dict[str, tuple[str, str]] = {
    **{kind: words for kinds, words in _SAME_WORDING for kind in kinds.split()},
    "key:string_type": (
        "必须是文本（yes/no/on/off 等会被 YAML 读作布尔值，请加引号）",
        "must be text (YAML reads yes/no/on/off as booleans: quote them)",
    ),
    "union_tag_invalid": (
        "的 {discriminator} 必须是以下之一：{expected_tags}",
        "needs {discriminator} to be one of: {expected_tags}",
    ),
    "union_tag_not_found": (
        "缺少用来区分种类的字段 {discriminator}",
        "needs the field {discriminator} that tells its kind",
    ),
    "none_required": ("必须为空（null）", "must be null"),
    "greater_than": ("必须大于 {gt}", "must be greater than {gt}"),
    "greater_than:0": ("必须是正整数", "must be a positive integer"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "greater_than_equal:0": ("不能为负数", "must not be negative"),
    "less_than": ("必须小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "multiple_of": ("必须是 {multiple_of} 的倍数", "must be a multiple of {multiple_of}"),
    "string_too_short": ("至少需要 {min_length} 个字符", "needs at least {min_length} characters"),
    "string_too_short:1": ("不能为空", "must not be empty"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} entries"),
    "too_short:1": ("不能为空", "must not be empty"),
    "string_too_long": ("不能超过 {max_length} 个字符", "must be at most {max_length} characters"),
    "too_long": ("不能超过 {max_length} 项", "must have at most {max_length} entries"),
    "string_pattern_mismatch": ("格式不符（{pattern}）", "must match {pattern}"),
    "literal_error": ("必须是以下之一：{choices}", "must be one of: {expected}"),
    "enum": ("必须是以下之一：{choices}", "must be one of: {expected}"),
    "decimal_max_digits": ("最多 {max_digits} 位数字", "must have at most {max_digits} digits"),
    "decimal_max_places": (
        "最多 {decimal_places} 位小数",
        "must have at most {decimal_places} decimal places",
    ),
    "decimal_whole_digits": (
        "整数部分最多 {whole_digits} 位",
        "must have at most {whole_digits} digits before the point",
    ),
}
# Said instead when a type is missing above; pydantic's own text goes to the English half.
_FALLBACK = ("取值无效（原因见英文说明）", "is invalid: {msg}")


def wording(
    kind: str, name: str, ctx: Mapping[str, Any], msg: str, *, key: bool
) -> tuple[str, str]:
    """Chinese and English of one pydantic error about `name` ("" for the whole file), a field
    or, with `key`, a mapping key; an entry "kind:bound" (like greater_than:0) wins over "kind"."""
    if not name:
        subject_zh, subject_en = "文件内容", "the file "
    else:
        subject_zh = f"{'键' if key else '字段'} {name} "
        subject_en = f"{'key' if key else 'field'} {name} "
    bound = next((ctx[k] for k in ("gt", "ge", "lt", "le", "min_length") if k in ctx), None)
    found = (key and _WORDING.get(f"key:{kind}")) or _WORDING.get(f"{kind}:{bound}")
    zh, en = found or _WORDING.get(kind) or _FALLBACK
    if kind in ("value_error", "assertion_error"):
        zh, en = _FALLBACK[0], f"is invalid: {ctx.get('error', msg)}"
    # values, not templates: braces in them stay as they are
    values = {**ctx, "msg": msg, "choices": _choices(str(ctx.get("expected", "")))}
    return subject_zh + zh.format_map(values), subject_en + en.format_map(values)


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" without the English "or": "'a', 'b', 'c'"."""
    head, sep, last = expected.rpartition(" or ")
    return f"{head}, {last}" if sep else expected
