"""`python -m etl load`: exit codes 0/3/2, one clear line per failed file, no tracebacks.

The command runs in this process (`etl.__main__.main`, what `python -m etl` calls) but once,
as its own process: that one checks the exit status the shell sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from etl.__main__ import main
from tests import messy_files as mf
from tests.registry import registered

ROOT = Path(__file__).resolve().parents[2]


def _args(tmp_path: Path, paths) -> list[str]:
    registered(tmp_path / "w.duckdb")
    return ["load", *map(str, paths), "--db", str(tmp_path / "w.duckdb"),
            "--rejects", str(tmp_path / "rej")]


def _cli(tmp_path, capsys, *paths) -> tuple[int, str]:
    """(exit code, stderr) of `python -m etl load PATHS`; an uncaught exception fails here."""
    capsys.readouterr()
    code = main(_args(tmp_path, paths))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("builders, code", [
    ([mf.bom_csv], 0),
    ([mf.gb18030_csv, mf.bad_rows_csv], 3),
    ([mf.missing_column_csv], 2),
    ([mf.bom_csv, mf.utf16_csv], 2),
    ([mf.broken_xlsx, mf.unknown_kind_csv, mf.bad_rows_csv], 2),
])
def test_exit_codes(tmp_path, capsys, builders, code):
    returned, stderr = _cli(tmp_path, capsys, *(b(tmp_path) for b in builders))
    assert returned == code, stderr
    assert "Traceback" not in stderr


def test_the_process_exits_with_the_code(tmp_path):
    paths = [mf.gb18030_csv(tmp_path), mf.bad_rows_csv(tmp_path)]
    run = subprocess.run([sys.executable, "-m", "etl", *_args(tmp_path, paths)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr


def test_one_clear_line_per_failed_file(tmp_path, capsys):
    paths = [mf.missing_column_csv(tmp_path), mf.utf16_csv(tmp_path), mf.broken_xlsx(tmp_path)]
    _, stderr = _cli(tmp_path, capsys, *paths)
    lines = stderr.splitlines()
    for p in paths:
        mine = [line for line in lines if line.startswith(f"{p.name}: ")]
        assert len(mine) == 1 and " / " in mine[0]  # Chinese / English on one line


def test_missing_path_is_a_failed_file(tmp_path, capsys):
    code, stderr = _cli(tmp_path, capsys, tmp_path / "nope.csv")
    assert code == 2 and "nope.csv: " in stderr
    assert "Traceback" not in stderr


def test_init_takes_a_scope_written_with_commas(tmp_path, capsys):
    """`--scope 654000,654200,654300` (伊犁州 with the two 地区 it administers, written as the
    warehouse's own deployment table writes a scope) was refused as 未知的区划代码
    654000,654200,654300, each of them a known code."""
    import duckdb

    db = tmp_path / "w.duckdb"
    assert main(["init", "--db", str(db), "--scope", "654000,654200，654300"]) == 0
    assert "654200 塔城地区" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as con:
        ((scope,),) = con.sql("SELECT value FROM deployment WHERE key = 'scope'").fetchall()
        counties = {c for (c,) in con.sql(
            "SELECT region_code FROM regions WHERE level = 'county'").fetchall()}
    assert scope == "654000,654200,654300"
    assert {"654002", "654201", "654301"} <= counties
