"""pytest's rewritten bytecode of every test module and conftest.py, written once before a run
(`make test`): `python -m tests.assert_cache`.

pytest rewrites the asserts of each test module it imports and keeps the result beside it
(__pycache__/*-pytest-*.pyc), except where PYTHONDONTWRITEBYTECODE is set (this sandbox, and
CI images like it): then every worker process of the suite parsed and rewrote all of them
again at collection, ~2.5 CPU-s a worker. pytest reads a kept file even then, so this writes
them with pytest's own functions (the same bytes its import hook writes: a hash-checked pyc,
so an edited module is rewritten again at import). A pytest whose private functions are not
these: nothing is written, and the workers rewrite as before."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_rewritten(path: Path) -> bool:
    """What pytest's import hook rewrites here: the test modules (python_files' default,
    test_*.py; pytest.ini sets no other) and the conftest.py files."""
    return path.name.startswith("test_") or path.name == "conftest.py"


def write(root: Path = TESTS) -> int:
    """Write the rewritten bytecode of every test module and conftest.py under `root`; how
    many were written (0: pytest's private functions are not these)."""
    try:
        from _pytest.assertion import rewrite

        tail, get_cache_dir = rewrite.PYC_TAIL, rewrite.get_cache_dir
        rewrite_test, write_pyc_fp = rewrite._rewrite_test, rewrite._write_pyc_fp
    except (ImportError, AttributeError) as e:
        print(f"tests.assert_cache: not written ({e}); pytest rewrites at import", file=sys.stderr)
        return 0
    written = 0
    for path in sorted(root.rglob("*.py")):
        if not _is_rewritten(path):
            continue
        # config None: the rewrite without the assertion-pass hook, as pytest.ini leaves it
        source_hash, code = rewrite_test(path, None)
        pyc = get_cache_dir(path) / (path.name[:-3] + tail)
        pyc.parent.mkdir(exist_ok=True)
        part = pyc.with_name(f"{pyc.name}.{os.getpid()}")
        with open(part, "wb") as fp:
            write_pyc_fp(fp, source_hash, code)
        os.replace(part, pyc)  # whole or not at all, as pytest writes it
        written += 1
    return written


if __name__ == "__main__":
    write()
