"""The one message catalogue (core/messages.py): every message has both languages with the same
placeholders, nothing outside it picks a (zh, en) pair by `lang == "en"`, and no module keeps
its own look-up function over a (zh, en) table."""

from __future__ import annotations

import ast
import importlib
import string
from pathlib import Path

import pytest

from core import messages

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("etl", "analytics", "ui", "core", "alerts", "pages")
SOURCES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")) + [ROOT / "dashboard.py"]


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _registering() -> list[Path]:
    """The modules that register a domain: importing them (running a page's script) fills
    the catalogue."""
    return [p for p in SOURCES if p.name != "messages.py" or p.parent.name != "core"
            if "register(" in p.read_text("utf-8")]


def _register_only(path: Path) -> None:
    """A page is a script: run only its module-level `register(...)` statements."""
    tree = ast.parse(path.read_text("utf-8"))
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
             and getattr(n.value.func, "id", "") == "register"]
    named = {a.id for c in calls for a in c.value.args if isinstance(a, ast.Name)}
    tables = [n for n in tree.body if isinstance(n, ast.Assign)
              and {getattr(t, "id", None) for t in n.targets} & named]
    keep = tables + calls
    code = compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec")
    exec(code, {"register": messages.register})  # noqa: S102 - the product's own tables


@pytest.fixture(scope="module")
def catalogue():
    for path in _registering():
        if path.parent.name == "pages" or path.name == "dashboard.py":
            _register_only(path)
        else:
            importlib.import_module(_module(path))
    return messages.catalogue()


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_domain_is_registered(catalogue):
    domains = {key.split(".", 1)[0] for key in catalogue}
    assert {"app", "effects"} <= domains
    assert all("." in key for key in catalogue)


# Words only Chinese grammar needs: "同比增长5%（上年同期为…）" names the base period, the
# English "up 5% year on year (was …)" says it in {basis} already.
ZH_ONLY = {"alert.change": {"base_period"}}


def test_every_message_has_both_languages_and_the_same_placeholders(catalogue):
    one_sided = [k for k, (zh, en) in catalogue.items() if not zh.strip() or not en.strip()]
    assert not one_sided
    missing = {k: _fields(zh) - _fields(en) - ZH_ONLY.get(k, set())
               for k, (zh, en) in catalogue.items()}
    assert not {k: v for k, v in missing.items() if v}


def test_render_and_pick():
    assert messages.render("app.trend_of", "zh", name="救助人次") == "救助人次趋势"
    assert messages.render("app.trend_of", "en", name="Relief") == "Relief: trend"
    assert messages.pick(("是", "yes"), "en") == "yes" and messages.pick(("是", "yes"), "x") == "是"
    with pytest.raises(KeyError, match="app.no_such_key"):
        messages.render("app.no_such_key", "zh")
    with pytest.raises(ValueError):
        messages.register("app", {"kpis": ("别的", "other")})


def test_a_message_with_parts_renders_in_either_language():
    """A key and params from etl (a withdrawal's result), its parts (Messages, a tuple of
    them, a Pair) rendered in the reader's language at the edge."""
    messages.register("test_parts", {"whole": ("{who}删除{n}行{back}", "{who} removed {n} rows{back}"),
                                     "back": ("，恢复{n}行", ", {n} back")})
    back = tuple(messages.Message("test_parts.back", {"n": n}) for n in (2, 3))
    msg = messages.Message("test_parts.whole", {"who": messages.Pair("张三", "Zhang"), "n": 5,
                                                "back": back})
    assert messages.render(msg, "zh") == "张三删除5行，恢复2行，恢复3行"
    assert messages.render(msg, "en") == "Zhang removed 5 rows, 2 back, 3 back"
    assert messages.render(messages.Message("test_parts.whole", {"who": "x", "n": 1, "back": ()}),
                           "en") == "x removed 1 rows"


def _lang_is_en(node: ast.AST) -> bool:
    """`lang == "en"` (or `x.lang == "en"`), as a test or as an index."""
    return (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Eq)
            and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value == "en")


def _indexes_a_pair(node: ast.AST) -> bool:
    """`pair[1 if lang == "en" else 0]`, `pair[lang == "en"]`, `pair[i]` with `i = 1 if …`."""
    if not isinstance(node, ast.Subscript):
        return False
    index = node.slice
    if _lang_is_en(index):
        return True
    return (isinstance(index, ast.IfExp) and _lang_is_en(index.test)
            and isinstance(index.body, ast.Constant) and index.body.value in (0, 1))


def _pair_index_assignments(tree: ast.AST) -> list[int]:
    """`i = 1 if lang == "en" else 0`: an index chosen by language."""
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.IfExp) and _lang_is_en(n.value.test)
            and isinstance(n.value.body, ast.Constant) and n.value.body.value in (0, 1)
            and isinstance(n.value.orelse, ast.Constant) and n.value.orelse.value in (0, 1)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_indexes_a_pair_by_language(path):
    if path == ROOT / "core" / "messages.py":
        return
    tree = ast.parse(path.read_text("utf-8"))
    lines = [n.lineno for n in ast.walk(tree) if _indexes_a_pair(n)]
    assert not lines + _pair_index_assignments(tree), "use core.messages.pick or render"


def _returns_a_pick_from_a_table(func: ast.FunctionDef, tables: set[str]) -> bool:
    """A function that looks a key up in a module-level (zh, en) table by language."""
    uses_table = any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
                     and n.value.id in tables for n in ast.walk(func))
    by_lang = any(_lang_is_en(n) or isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                  and n.func.id == "pick" for n in ast.walk(func))
    # TEXT[key][i]: a pair taken from the table, then one of its two by an index
    indexed = any(isinstance(n, ast.Subscript) and isinstance(n.value, ast.Subscript)
                  and isinstance(n.value.value, ast.Name) and n.value.value.id in tables
                  and not isinstance(n.slice, ast.Constant) for n in ast.walk(func))
    return uses_table and by_lang or indexed


def _pair_tables(tree: ast.Module) -> set[str]:
    """Module-level dicts whose values are (str, str) tuples."""
    out = set()
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else (
            node.target if isinstance(node, ast.AnnAssign) else None)
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict) or not value.values:
            continue
        if all(isinstance(v, ast.Tuple) and len(v.elts) == 2
               and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
               for v in value.values):
            out.add(target.id)
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_keeps_its_own_lookup(path):
    tree = ast.parse(path.read_text("utf-8"))
    tables = _pair_tables(tree)
    own = [f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
           and _returns_a_pick_from_a_table(f, tables)]
    assert not own, "register the table in core.messages and render its keys"


def _rendered_keys(tree: ast.AST) -> list[str]:
    """The literal keys of `render("domain.key", …)` calls (both arms of a conditional)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "render" and node.args:
            arg = node.args[0]
            arms = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            out += [a.value for a in arms if isinstance(a, ast.Constant)]
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_rendered_key_is_in_the_catalogue(path, catalogue):
    keys = _rendered_keys(ast.parse(path.read_text("utf-8")))
    assert not [k for k in keys if k not in catalogue]
