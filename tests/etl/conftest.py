"""Fixtures of the etl tests."""

from __future__ import annotations

import shutil

import pytest

from tests import messy_files as mf
from tests.withdraw_history import A_ROWS, B_ROWS, load_into


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict:
    """Warehouse files after A and after B (copied per test), the files and batch ids."""
    tmp = tmp_path_factory.mktemp("withdraw")
    files = {"a": mf.write_csv(tmp / "march.csv", A_ROWS),
             "b": mf.write_csv(tmp / "march_corrected.csv", B_ROWS)}
    db = tmp / "w.duckdb"
    a = load_into(db, files["a"], user="alice")
    shutil.copyfile(db, tmp / "after_a.duckdb")
    b = load_into(db, files["b"])
    shutil.copyfile(db, tmp / "after_b.duckdb")
    return {"dir": tmp, "files": files, "a": a, "b": b}
