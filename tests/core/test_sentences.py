"""The briefing's sentences come from the message catalogue (core/messages.py), built once for
both languages: its modules neither branch on the language (`lang == "en"`, `lang != "en"`)
nor glue words into f-strings or `+` chains, where a sentence would be written twice again,
once per language. Number and date forms (analytics/fmt.py) choose by `pick`, not by a test of
the language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BRIEFING = ROOT / "analytics" / "briefing"
SENTENCES = [BRIEFING / f"{name}.py" for name in ("text", "goals", "problems", "document", "charts")]
NO_BRANCH = [*SENTENCES, BRIEFING / "period.py", BRIEFING / "__init__.py",
             ROOT / "analytics" / "fmt.py"]

WORDS = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]|[A-Za-z]{2,}")  # Chinese, a Latin word
KEY_PREFIX = re.compile(r"^[a-z_]+\.$")  # f"briefing.{key}": a message key, not words


def _compares_language(node: ast.AST) -> bool:
    return (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Eq, ast.NotEq))
            and any(isinstance(c, ast.Constant) and c.value in ("en", "zh")
                    for c in [node.left, *node.comparators]))


def _glued_words(node: ast.AST) -> bool:
    """An f-string or a `+` whose literal text holds words: a sentence put together in code."""
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        return any(WORDS.search(p) and not KEY_PREFIX.match(p) for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                   and WORDS.search(side.value) for side in (node.left, node.right))
    return False


def _lines(path: Path, found) -> list[int]:
    return [n.lineno for n in ast.walk(ast.parse(path.read_text("utf-8"))) if found(n)]


@pytest.mark.parametrize("path", NO_BRANCH, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_branch_on_the_language(path):
    assert not _lines(path, _compares_language), "use core.messages.render or pick"


@pytest.mark.parametrize("path", SENTENCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sentence_glued_in_code(path):
    assert not _lines(path, _glued_words), "register the words as a message and render it"


def test_the_checks_find_what_they_look_for():
    """Each check flags the idioms it forbids and passes the ones the modules use."""
    def flagged(code: str, found) -> bool:
        return any(found(n) for n in ast.walk(ast.parse(code)))

    assert flagged('x = a if lang == "en" else b', _compares_language)
    assert flagged('zh = lang != "en"', _compares_language)
    assert not flagged('x = pick((a, b), lang)', _compares_language)
    assert flagged('t = f"{label}慰问{n}人"', _glued_words)
    assert flagged('t = f"In {label}, {name} relieved {n}"', _glued_words)
    assert flagged('t = "，" + change', _glued_words)
    assert not flagged('k = f"briefing.{key}"', _glued_words)
    assert not flagged('n = f"{value:,.0f}"', _glued_words)
