"""tests/assert_cache.py writes what pytest's import hook reads: the rewritten test module."""

from __future__ import annotations

from pathlib import Path

from _pytest.assertion import rewrite

from tests import assert_cache


def test_the_written_bytecode_is_the_one_pytest_reads(tmp_path: Path):
    module = tmp_path / "test_example.py"
    module.write_text("def test_one():\n    x = 1\n    assert x == 2, 'told'\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("X = 1\n", encoding="utf-8")  # not a test module
    assert assert_cache.write(tmp_path) == 1
    pyc = tmp_path / "__pycache__" / ("test_example" + rewrite.PYC_TAIL)
    read = rewrite._read_pyc(module, pyc)
    assert read is not None and read == rewrite._rewrite_test(module, None)[1]
    assert "@pytest_ar" in read.co_names  # the asserts are rewritten ones
    assert not any(p.name.startswith("helper") for p in (tmp_path / "__pycache__").iterdir())
    module.write_text("def test_one():\n    x = 2\n    assert x == 2, 'told'\n", encoding="utf-8")
    assert rewrite._read_pyc(module, pyc) is None  # edited since: pytest rewrites it again
