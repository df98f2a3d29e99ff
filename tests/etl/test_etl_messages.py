"""etl's words are catalogue messages (etl/messages.py): every "etl.*" key renders in both
languages with its parameters, every key etl says is registered, and no etl module builds a
sentence once per language (a (Chinese, English) pair of f-strings or of sentences outside a
registered table, an error raised with two texts, a pair picked in place)."""

from __future__ import annotations

import ast
import importlib
import re
import string
from pathlib import Path

import pytest

from core import messages

ROOT = Path(__file__).resolve().parents[2]
# etl/checks: each check's name and rule are its contract, stored in both languages in
# dq_checks beside its SQL (etl/checks/contract.py), not a message etl hands back.
SOURCES = sorted(p for p in (ROOT / "etl").rglob("*.py") if "checks" not in p.parts)
ERRORS = {"ParseError", "FileError", "MissingColumns", "Refused", "Said", "WriteFailed"}
SAYS = ERRORS | {"Message", "render", "_say"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[；，。：！？“”（]")  # a sentence, not a name (救助发放, 自治区)
_KEY = re.compile(r"^etl\.[a-z_]+\.[a-z_0-9]+$")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@pytest.fixture(scope="module")
def etl_catalogue() -> dict[str, tuple[str, str]]:
    for path in sorted((ROOT / "etl").rglob("*.py")):
        importlib.import_module(_module(path))
    return {k: v for k, v in messages.catalogue().items() if k.startswith("etl.")}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_etl_message_renders_in_both_languages_with_its_parameters(etl_catalogue):
    assert len(etl_catalogue) > 150  # files, sheets, cells, withdrawals, the CLI, templates
    for key, pair in etl_catalogue.items():
        params = {f: f"<{f}>" for text in pair for f in _fields(text)}
        for lang, template in zip(messages.LANGS, pair, strict=True):
            said = messages.render(messages.Message(key, params), lang)
            assert said.strip(), (key, lang)
            assert all(f"<{f}>" in said for f in _fields(template)), (key, lang, said)
            assert "{" not in said.replace("{county}", ""), (key, lang, said)  # all filled


def test_a_file_result_renders_in_the_readers_language():
    from etl import load, sheets

    result = load.FileResult(Path("a.csv"), message=messages.Message(
        "etl.load.loaded", {"rows": 3, "new": 2, "updated": 1, "unchanged": 0,
                            "rejected": messages.Message("etl.load.rejected", {"n": 1})}))
    result.notes.append(sheets.skipped_lines([("3月", 8, "total", "合计 2000")])[0])
    assert messages.render(result.message, "zh") == result.message_zh == (
        "已载入 3 行（新增 2，更新 1，未变 0），拒绝 1 行；请按拒绝清单修改后重新上传")
    assert result.message_en.startswith("loaded 3 rows (2 new, 1 updated, 0 unchanged), "
                                        "rejected 1 rows;")
    assert result.warnings == [("未作为数据：3月 第 8 行（合计行）“合计 2000”",
                                "not data: 3月 row 8 (totals row)")]
    assert result.line == f"a.csv: {result.message_zh} / {result.message_en}"


def _said_keys(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """Literal keys etl hands to Message, render or an error, and the fixed start of keys
    made by an f-string ("etl.skipped.{what}"): (line, key or start, whether a start)."""
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and getattr(
                node.func, "id", getattr(node.func, "attr", None)) in SAYS):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                and _KEY.match(arg.value):
            out.append((node.lineno, arg.value, False))
        elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant) \
                and str(arg.values[0].value).startswith("etl."):
            out.append((node.lineno, str(arg.values[0].value), True))
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_key_etl_says_is_registered(path, etl_catalogue):
    keys = _said_keys(ast.parse(path.read_text("utf-8")))
    unknown = [(line, k) for line, k, start in keys
               if not (any(c.startswith(k) for c in etl_catalogue) if start
                       else k in etl_catalogue)]
    assert not unknown


def _text(node: ast.AST) -> str | None:
    """The fixed text of a string or f-string, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def _registered_tables(tree: ast.Module) -> set[int]:
    """ids of the dict literals that are registered: `register("etl.x", {...})`, or a
    module-level dict registered by name."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "id", None) == "register" and len(n.args) == 2]
    named = {a.id for c in calls for a in c.args[1:] if isinstance(a, ast.Name)}
    tables = {id(c.args[1]) for c in calls if isinstance(c.args[1], ast.Dict)}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if {getattr(t, "id", None) for t in targets} & named:
                tables.add(id(node.value))
    return tables


def _pairs_built_per_language(tree: ast.Module) -> list[int]:
    """Lines of (Chinese, English) pairs outside registered tables that are sentences:
    f-strings, or a Chinese text with a sentence's punctuation."""
    inside, registered = set(), _registered_tables(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and id(node) in registered:
            inside |= {id(v) for v in node.values}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Tuple) or len(node.elts) != 2 or id(node) in inside:
            continue
        zh, en = (_text(e) for e in node.elts)
        if zh is None or en is None or not _CJK.search(zh) or not re.search("[A-Za-z]{2}", en):
            continue
        formatted = any(isinstance(e, ast.JoinedStr) for e in node.elts)
        if formatted or _SENTENCE.search(zh):
            lines.append(node.lineno)
    return lines


def _raised_with_two_texts(tree: ast.Module) -> list[int]:
    """`FileError(zh, en)` and the like: an error said twice instead of by its key."""
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
            and getattr(n.func, "id", getattr(n.func, "attr", None)) in ERRORS
            and len(n.args) >= 2 and all(_text(a) is not None for a in n.args[:2])]


def _picked_in_place(tree: ast.Module) -> list[int]:
    """`pick(("…", "…"), lang)`: a pair written where it is said, not registered."""
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
            and getattr(n.func, "id", None) == "pick" and n.args
            and isinstance(n.args[0], ast.Tuple)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_etl_module_builds_a_sentence_per_language(path):
    tree = ast.parse(path.read_text("utf-8"))
    assert not _pairs_built_per_language(tree), "register the sentence and say its key"
    assert not _raised_with_two_texts(tree), "raise the error with a catalogue key"
    assert not _picked_in_place(tree), "register the pair and render its key"


def test_the_rules_catch_what_they_name():
    """The three checks above, on the forms etl used before the catalogue."""
    before = ast.parse(
        'def f(name, lang):\n'
        '    raise FileError(f"不支持的文件类型“{name}”", f"Unsupported file type \'{name}\'")\n'
        'def g(n, lang):\n'
        '    return (f"拒绝 {n} 行", f"rejected {n} rows")\n'
        'def h(lang):\n'
        '    return pick(("文字，自由填写", "free text"), lang)\n'
        'REASON = ("撤销日期早于成立日期；请核对", "the closing date is before the opening date")\n'
        'NOUNS = {"relief": ("救助发放", "relief payments")}\n'
        'register("etl.x", {"ok": ("已载入 {n} 行，", "loaded {n} rows,")})\n')
    assert _raised_with_two_texts(before) == [2]
    assert sorted(_pairs_built_per_language(before)) == [4, 6, 7]  # not a name, a table
    assert _picked_in_place(before) == [6]
