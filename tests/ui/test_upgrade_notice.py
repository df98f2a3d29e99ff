"""A warehouse made by an earlier version of the program (here: a loaded one from which a newer
column and a newer table are dropped, as warehouses from before them lack them): what it lacks
is named, the pages that read it say so instead of DuckDB's Binder Error, staff bring it up
to date from the page or with `python -m etl upgrade`, and the result equals the warehouse
the current version made. An up-to-date warehouse is left as it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.briefing.__main__ import main as briefing_main
from core import audit, warehouse_tables
from etl import warehouse
from etl.__main__ import main as etl_main
from tests import messy_files as mf
from tests.apptest_pages import APP
from tests.warehouse_diff import differences
from tests.withdraw_history import A_ROWS, B_ROWS, load_into

# a column the data-quality pages read, and a mart the relief page sums; the findings' version
# stamp is an earlier code's, as it is in a warehouse that code made (etl/quality.py VERSION)
# and a mart's column, which a scoped refresh would not add (seen on a 05:48 warehouse)
DROPPED = ("ALTER TABLE dq_above_standard DROP COLUMN flag_key",
           "ALTER TABLE dq_duplicate_relief DROP COLUMN flag_key", "DROP TABLE relief_mart",
           "UPDATE dq_meta SET version = 'earlier'",
           "ALTER TABLE petitions_mart DROP COLUMN last_received")
LACKED = ["dq_above_standard.flag_key", "dq_duplicate_relief.flag_key",
          "petitions_mart.last_received", "relief_mart"]


@pytest.fixture(scope="module")
def current(tmp_path_factory) -> Path:
    """A warehouse this version made: one relief file loaded."""
    tmp = tmp_path_factory.mktemp("upgrade")
    db = tmp / "current.duckdb"
    load_into(db, mf.write_csv(tmp / "march.csv", A_ROWS))
    return db


def _older(current: Path, tmp_path: Path) -> Path:
    db = tmp_path / "older.duckdb"
    shutil.copyfile(current, db)
    con = duckdb.connect(str(db))
    for statement in DROPPED:
        con.execute(statement)
    con.close()
    return db


def test_a_warehouse_this_version_made_lacks_nothing(current, tmp_path):
    assert warehouse.lacking_in(current) == []
    empty = tmp_path / "empty.duckdb"
    warehouse.init(empty, ["510100"])  # no rows yet: its tables are there all the same
    assert warehouse.lacking_in(empty) == []


def test_the_command_brings_an_older_warehouse_up_to_date(current, tmp_path, capsys):
    db = _older(current, tmp_path)
    assert warehouse.lacking_in(db) == LACKED
    assert etl_main(["upgrade", "--db", str(db)]) == 0
    said = capsys.readouterr().out
    assert "原缺 4 项" in said and "dq_above_standard.flag_key" in said, said
    assert warehouse.lacking_in(db) == []
    # every table as this version makes it (dq_meta holds only when findings were computed)
    assert differences(db, current) == {}
    stamp = db.stat().st_ino, db.stat().st_mtime_ns
    assert etl_main(["upgrade", "--db", str(db)]) == 0
    assert "已是最新" in capsys.readouterr().out
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == stamp  # not even copied


def _dashboard(db: Path, monkeypatch, page: str) -> AppTest:
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at.switch_page(page).run()


def test_pages_say_what_is_lacking_and_staff_bring_it_up_to_date(current, tmp_path,
                                                                 monkeypatch, local_staff):
    db = _older(current, tmp_path)
    at = _dashboard(db, monkeypatch, "pages/quality.py")
    assert not at.exception, [e.value for e in at.exception]  # not the Binder Error
    notice = " ".join(w.value for w in at.warning)
    assert "较早版本" in notice and "4 项" in notice and "python -m etl upgrade" in notice, notice
    assert any("更新数据仓库后即可显示" in i.value for i in at.info), [i.value for i in at.info]

    at.button(key="warehouse_upgrade").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("较早版本" in w.value for w in at.warning)
    assert any("数据仓库已更新（原缺 4 项）" in s.value for s in at.success)
    assert not any("更新数据仓库后即可显示" in i.value for i in at.info)
    assert warehouse.lacking_in(db) == []
    done = audit.events(warehouse=db).filter(action="upgrade").to_dicts()
    assert [(e["object"], e["outcome"], e["user"]) for e in done] == [(str(db), "ok", "local")]


def test_other_roles_are_told_whom_to_ask(current, tmp_path, monkeypatch):
    from ui import auth

    db = _older(current, tmp_path)
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["union_dash_user"] = auth.User("Li", "leader")
    at.run()
    notice = " ".join(w.value for w in at.warning)
    assert "请联系数据管理人员" in notice and str(db) not in notice, notice  # no server path
    assert not [b for b in at.button if b.key == "warehouse_upgrade"]


def test_the_next_load_brings_it_up_to_date_too(current, tmp_path):
    db = _older(current, tmp_path)
    load_into(db, mf.write_csv(tmp_path / "march_corrected.csv", B_ROWS))
    assert warehouse.lacking_in(db) == []


def test_a_briefing_by_command_says_what_to_run(current, tmp_path, capsys):
    """Outside the dashboard (the command, a subscription's briefing) the warehouse is refused
    with the command that brings it up to date, not DuckDB's error from the first query."""
    db = _older(current, tmp_path)
    assert briefing_main(["--region", "150702", "--period", "2012", "--out",
                          str(tmp_path / "b.docx"), "--db", str(db)]) == 2
    said = capsys.readouterr().err
    assert "较早版本" in said and f"python -m etl upgrade --db {db}" in said, said
    assert not (tmp_path / "b.docx").exists()


def test_a_check_that_cannot_run_leaves_the_pages_as_they_are(current, tmp_path, monkeypatch,
                                                                local_staff):
    """The comparison itself failing (here: making the empty warehouse) is logged, not shown:
    the pages of an up-to-date warehouse must not go down with it."""
    def broken() -> frozenset:
        raise OSError("the recorded tables could not be read")

    monkeypatch.setattr(warehouse_tables, "recorded", broken)
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(current, db)
    at = _dashboard(db, monkeypatch, "pages/relief.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not any("较早版本" in w.value for w in at.warning)
