"""The packages' boundaries: data flows one way (etl never imports analytics or ui; core imports
none of them), and the sample generator stands apart from the product: nothing in etl/,
analytics/, ui/ or the pages imports it, and it uses the ETL's public names only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = [*ROOT.glob("etl/**/*.py"), *ROOT.glob("analytics/**/*.py"), *ROOT.glob("ui/**/*.py"),
           *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]
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
UPWARD = {"etl": {"analytics", "ui", "pages", "sample"},
          "core": {"etl", "analytics", "ui", "pages", "sample"},
          "analytics": {"ui", "pages", "sample"}}


@pytest.mark.parametrize("package", sorted(UPWARD))
def test_the_flow_runs_one_way(package):
    bad = [(str(path.relative_to(ROOT)), m) for path in ROOT.glob(f"{package}/**/*.py")
           for m, _ in _imports(path) if m.split(".")[0] in UPWARD[package]]
    assert not bad


def test_no_import_circle_between_etl_modules():
    """An etl module importing another that imports it back (load ↔ quality was one)."""
    graph = {}
    for path in ROOT.glob("etl/*.py"):
        mods = set()
        for m, names in _imports(path):
            if m == "etl":
                mods |= set(names)
            elif m.startswith("etl."):
                mods.add(m.split(".")[1])
        graph[path.stem] = mods
    circles = {tuple(sorted((a, b))) for a, deps in graph.items() for b in deps
               if a != b and a in graph.get(b, set())}
    assert not circles
