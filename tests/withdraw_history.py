"""A withdrawal's history: a March roster A, its correction B, and the warehouse after each,
as tests/etl/test_etl_withdraw.py and tests/etl/test_withdraw_cli_region.py take them (the
`loaded` fixture is in tests/etl/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl import load
from etl.parse import make_id
from tests import messy_files as mf
from tests.registry import registered

ID_NEW = make_id("15070219990909977")  # a person first seen in B


def row(n: int, pid: str, kind: str, source: str, amount: str, date: str,
         station: str = "150702001") -> list[str]:
    return [str(n), f"职工{n}", pid, station, "", kind, source, amount, date, "", ""]


A_ROWS = [row(i, pid, "临时救助", "工会自筹", f"{100 * i}", "2012-03-01")
          for i, pid in enumerate([mf.ID_A, mf.ID_B, mf.ID_C, mf.ID_D, mf.ID_E], start=1)]
B_ROWS = [A_ROWS[0], row(2, mf.ID_B, "临时救助", "工会自筹", "999", "2012-03-01"),  # changed
          A_ROWS[2], row(4, mf.ID_D, "临时救助", "中央专项", "400", "2012-03-01"),  # changed
          A_ROWS[4], row(6, mf.ID_A, "医疗救助", "工会自筹", "700", "2012-03-02"),  # added
          row(7, ID_NEW, "临时救助", "工会自筹", "300", "2012-03-05", "150702002")]  # new person


def load_into(db: Path, *paths: Path, user: str | None = None) -> load.FileResult:
    report = load.load_files(list(paths), registered(db), rejects_dir=db.parent / "rej",
                             user=user)
    assert report.exit_code == 0, [f.line for f in report.files]
    return report.files[-1]


def copy_state(loaded: dict, state: str, tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(loaded["dir"] / f"after_{state}.duckdb", db)
    return db
