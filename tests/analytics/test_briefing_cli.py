"""`python -m analytics.briefing` as the README writes it, on a fresh deployment's warehouse
(`--db`, or UNION_DASH_DB), and a plain message, not a traceback, without a warehouse.

One run is a process of its own (it must exit cleanly, the chart renderer stopped); the others
call the command's `main` in this process, which parses the same arguments and reads the same
environment, without a Python start and a renderer of their own (4 processes took 70 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.briefing.__main__ import main as briefing_main
from etl.__main__ import main as etl_main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("fresh") / "hulunbuir.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", "150700"]) == 0
    return db


def _briefing(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "UNION_DASH_DB"} | env
    return subprocess.run([sys.executable, "-m", "analytics.briefing", *args], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=300)


def _in_process(monkeypatch: pytest.MonkeyPatch, *args: str, **env: str) -> int:
    """`main(args)` with `env` as the environment's UNION_DASH_DB (restored afterwards, and
    the one `--db` sets too)."""
    monkeypatch.delenv("UNION_DASH_DB", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return briefing_main(list(args))


def test_briefing_of_a_fresh_deployment_by_db_or_env(fresh, tmp_path, monkeypatch):
    by_db = _briefing("--region", "150702", "--period", "2012", "--out",
                      str(tmp_path / "a.docx"), "--db", str(fresh))
    assert by_db.returncode == 0, by_db.stderr
    assert (tmp_path / "a.docx").stat().st_size > 0
    assert "Traceback" not in by_db.stderr, by_db.stderr  # the renderer stopped before exit
    assert _in_process(monkeypatch, "--region", "150702", "--period", "2012", "--out",
                       str(tmp_path / "b.docx"), UNION_DASH_DB=str(fresh)) == 0
    assert (tmp_path / "b.docx").stat().st_size > 0


def test_no_warehouse_or_unknown_region_is_said_plainly(fresh, tmp_path, monkeypatch, capsys):
    missing = _in_process(monkeypatch, "--region", "150702", "--period", "2012", "--out",
                          str(tmp_path / "c.docx"), UNION_DASH_DB=str(tmp_path / "none.duckdb"))
    err = capsys.readouterr().err
    assert missing == 2 and "--db" in err and "UNION_DASH_DB" in err
    elsewhere = _in_process(monkeypatch, "--region", "440106", "--period", "2012", "--out",
                            str(tmp_path / "d.docx"), "--db", str(fresh))
    assert elsewhere == 2 and "440106" in capsys.readouterr().err
