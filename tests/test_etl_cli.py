"""`python -m etl load`: exit codes 0/3/2, one clear line per failed file, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import messy_files as mf
from tests.registry import registered

ROOT = Path(__file__).resolve().parent.parent


def _cli(tmp_path, *paths):
    registered(tmp_path / "w.duckdb")
    return subprocess.run(
        [sys.executable, "-m", "etl", "load", *map(str, paths), "--db",
         str(tmp_path / "w.duckdb"), "--rejects", str(tmp_path / "rej")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("builders, code", [
    ([mf.bom_csv], 0),
    ([mf.gb18030_csv, mf.bad_rows_csv], 3),
    ([mf.missing_column_csv], 2),
    ([mf.bom_csv, mf.utf16_csv], 2),
    ([mf.broken_xlsx, mf.unknown_kind_csv, mf.bad_rows_csv], 2),
])
def test_exit_codes(tmp_path, builders, code):
    run = _cli(tmp_path, *(b(tmp_path) for b in builders))
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr


def test_one_clear_line_per_failed_file(tmp_path):
    paths = [mf.missing_column_csv(tmp_path), mf.utf16_csv(tmp_path), mf.broken_xlsx(tmp_path)]
    run = _cli(tmp_path, *paths)
    lines = run.stderr.splitlines()
    for p in paths:
        mine = [line for line in lines if line.startswith(f"{p.name}: ")]
        assert len(mine) == 1 and " / " in mine[0]  # Chinese / English on one line


def test_missing_path_is_a_failed_file(tmp_path):
    run = _cli(tmp_path, tmp_path / "nope.csv")
    assert run.returncode == 2 and "nope.csv: " in run.stderr
    assert "Traceback" not in run.stderr
