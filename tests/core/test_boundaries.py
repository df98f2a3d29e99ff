"""The packages' boundaries: data flows one way (etl never imports analytics or ui; core imports
none of them; analytics, ui and the pages read the warehouse through analytics and its
contract in core, never through etl, but for the one door the upload views write by), no
module imports another that imports it back, however long the way round, and the sample
generator stands apart from the product: nothing in etl/, analytics/, ui/ or the pages imports
it, and it uses the ETL's public names only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [*ROOT.glob("etl/**/*.py"), *ROOT.glob("analytics/**/*.py"), *ROOT.glob("ui/**/*.py"),
           *ROOT.glob("alerts/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]
SAMPLE = sorted(ROOT.glob("sample/*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) of every import statement in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.append((node.module or "", [a.name for a in node.names]))
    return out


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_product_does_not_import_the_sample(path):
    modules = [m for m, _ in _imports(path)]
    assert not [m for m in modules if m == "sample" or m.startswith("sample.")]


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_the_sample_uses_public_etl_names_only(path):
    etl_imports = [(m, names) for m, names in _imports(path) if m.split(".")[0] == "etl"]
    assert not [(m, n) for m, names in etl_imports for n in names if n.startswith("_")]
    # and no private attribute of an imported etl module (mappings._rows, mappings.__file__)
    modules = {n for m, names in etl_imports if m == "etl" for n in names}
    reached = {f"{node.value.id}.{node.attr}" for node in ast.walk(ast.parse(path.read_text("utf-8")))
               if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
               and node.value.id in modules and node.attr.startswith("_")}
    assert not reached


# package → top-level packages it must not import
UPWARD = {"etl": {"analytics", "ui", "pages", "sample", "alerts"},
          "core": {"etl", "analytics", "ui", "pages", "sample", "alerts"},
          "analytics": {"etl", "ui", "pages", "sample", "alerts"},
          "ui": {"etl", "pages", "sample"},
          # alerts reads through analytics like a page; ui and the pages show it, not back
          "alerts": {"etl", "ui", "pages", "sample"},
          "pages": {"etl", "sample"}}
# Modules that may import what their package may not, and why. The dashboard writes to the
# warehouse in one way only: through the ETL's own load, withdrawal, zero report and
# templates, so that an upload keeps the command line's rules, lock, swap and audit.
ALLOWED = {"ui/etl_actions.py": {"etl"}}


@pytest.mark.parametrize("package", sorted(UPWARD))
def test_the_flow_runs_one_way(package):
    paths = [*ROOT.glob(f"{package}/**/*.py")] + ([ROOT / "dashboard.py"] if package == "pages"
                                                  else [])
    bad = [(str(path.relative_to(ROOT)), m) for path in paths for m, _ in _imports(path)
           if m.split(".")[0] in UPWARD[package] - ALLOWED.get(str(path.relative_to(ROOT)), set())]
    assert not bad


def test_the_allowed_doors_are_used():
    """Each exception above still imports what it is allowed (else it is stale), and
    only the ETL's public names."""
    for name, packages in ALLOWED.items():
        imported = {m.split(".")[0]: names for m, names in _imports(ROOT / name)}
        assert packages <= set(imported), name
        assert not [n for p in packages for n in imported[p] if n.startswith("_")], name


def _imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """Like `_imports`, without what a `if __name__ == "__main__":` block imports: run as a
    script, the module is `__main__`, not itself, so that import closes no circle
    (`python -m core.audit verify` runs core/audit_verify.py, which imports core.audit)."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "__name__" in ast.unparse(node.test) and "__main__" in ast.unparse(node.test)
               for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.append((node.module or "", [a.name for a in node.names]))
    return out


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Product module → the product modules it imports, at the top or inside a function
    (a function-level import hides a circle from Python, not from a reader)."""
    modules = {_module_name(p): p for p in PRODUCT + list(ROOT.glob("core/**/*.py"))}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for m, names in _imported_modules(path):
            # `from ui import auth` imports the module ui.auth; `from ui.auth import can`, ui.auth
            targets = [f"{m}.{n}" for n in names if f"{m}.{n}" in modules] or [m]
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_circles_are_found():
    """The finder sees a circle however long the way round (load ↔ quality was one of two)."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["etl", "analytics", "ui", "core", "pages", "alerts"])
def test_no_import_circle(package):
    """No module of the package is part of an import circle (ui/auth ↔ ui/audit_trail was one,
    hidden by imports inside functions)."""
    found = [c for c in circles(import_graph()) if any(m.split(".")[0] == package for m in c)]
    assert not found
