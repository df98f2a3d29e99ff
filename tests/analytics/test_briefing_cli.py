"""`python -m analytics.briefing` as the README writes it, on a fresh deployment's warehouse
(`--db`, or UNION_DASH_DB), and a plain message, not a traceback, without a warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_briefing_of_a_fresh_deployment_by_db_or_env(fresh, tmp_path):
    by_db = _briefing("--region", "150702", "--period", "2012", "--out",
                      str(tmp_path / "a.docx"), "--db", str(fresh))
    assert by_db.returncode == 0, by_db.stderr
    assert (tmp_path / "a.docx").stat().st_size > 0
    assert "Traceback" not in by_db.stderr, by_db.stderr  # the renderer stopped before exit
    by_env = _briefing("--region", "150702", "--period", "2012", "--out",
                       str(tmp_path / "b.docx"), UNION_DASH_DB=str(fresh))
    assert by_env.returncode == 0 and (tmp_path / "b.docx").exists(), by_env.stderr


def test_no_warehouse_or_unknown_region_is_said_plainly(fresh, tmp_path):
    missing = _briefing("--region", "150702", "--period", "2012", "--out",
                        str(tmp_path / "c.docx"), UNION_DASH_DB=str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "--db" in missing.stderr and "UNION_DASH_DB" in missing.stderr
    elsewhere = _briefing("--region", "440106", "--period", "2012", "--out",
                          str(tmp_path / "d.docx"), "--db", str(fresh))
    assert elsewhere.returncode == 2 and "440106" in elsewhere.stderr
    assert "Traceback" not in elsewhere.stderr
