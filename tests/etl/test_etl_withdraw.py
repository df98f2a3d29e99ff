"""Withdrawing a load: load A, load B (A corrected), withdraw B → the warehouse after A, table
for table (EXCEPT ALL both ways); refusals, the command line, atomicity, loading again."""

from __future__ import annotations

import hashlib
import io
import shutil
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core import engine, schema
from core import warehouse as paths
from etl import __main__ as cli
from etl import load, mappings, swap, withdraw
from etl.mappings import normalise_header
from etl.parse import make_id
from tests import messy_files as mf
from tests.registry import registered
from tests.warehouse_diff import differences
from tests.withdraw_history import A_ROWS, B_ROWS, copy_state, load_into


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with engine.attached(db) as con:  # ~5 ms of CPU a read, against ~20 for a connection
        return con.execute(sql, params or []).fetchall()


def test_withdrawing_a_correction_gives_back_the_warehouse_after_a(loaded, tmp_path):
    db = copy_state(loaded, "b", tmp_path)
    b = loaded["b"]
    assert (b.rows_inserted, b.rows_updated, b.rows_unchanged) == (2, 2, 3)
    plan = withdraw.describe(db, b.batch_id)
    assert (plan.rows_removed, plan.rows_restored, plan.persons_removed) == (4, 2, 1)
    assert plan.restored == ((loaded["a"].batch_id, "march.csv", 2),) and plan.blocked is None
    assert "march_corrected.csv" in plan.confirmation() and "恢复批次" in plan.confirmation()
    result = withdraw.withdraw(db, b.batch_id, user="bob")
    assert (result.withdrawn_by, result.persons_removed) == ("bob", 1)
    assert differences(db, loaded["dir"] / "after_a.duckdb") == {}


def test_loading_again_after_withdrawing(loaded, tmp_path):
    db = copy_state(loaded, "b", tmp_path)
    withdraw.withdraw(db, loaded["b"].batch_id)
    again = load_into(db, loaded["files"]["b"])  # not skipped as loaded before
    assert again.status == "loaded"
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (2, 2, 3)
    # the same rows as the first time; only the batch id and the times differ
    rows = "SELECT * EXCLUDE (batch_id) FROM relief ORDER BY relief_id"
    assert _query(db, rows) == _query(loaded["dir"] / "after_b.duckdb", rows)


def test_batches_lists_who_loaded_what(loaded, tmp_path):
    db = copy_state(loaded, "b", tmp_path)
    frame = withdraw.batches(db)
    a, b = loaded["a"].batch_id, loaded["b"].batch_id
    assert frame["batch_id"].to_list()[:2] == [b, a]  # newest first; the registry last
    mine = frame.filter(pl.col("batch_id").is_in([a, b])).sort("loaded_at", "batch_id")
    assert mine.select("file_name", "kind_zh", "rows_loaded", "rows_inserted", "rows_updated",
                       "loaded_by", "withdrawable").rows() == [
        ("march.csv", "救助发放花名册", 5, 5, 0, "alice", False),
        ("march_corrected.csv", "救助发放花名册", 7, 2, 2, load.os_login(), True)]
    assert b in mine["blocked_zh"][0] and "withdraw it first" in mine["blocked_en"][0]
    registry = frame.filter(pl.col("table_name") == "help_stations").row(0, named=True)
    assert not registry["withdrawable"] and "帮扶站点" in registry["blocked_zh"]


def test_refusals_leave_the_warehouse_as_it_was(loaded, tmp_path):
    db = copy_state(loaded, "b", tmp_path)
    sha = _sha(db)
    with pytest.raises(withdraw.Refused, match="没有批次 nope.*no batch nope"):
        withdraw.withdraw(db, "nope")
    with pytest.raises(withdraw.Refused, match=f"请先撤销.*{loaded['b'].batch_id}"):
        withdraw.withdraw(db, loaded["a"].batch_id)
    with pytest.raises(withdraw.Refused, match="does-not-exist"):
        withdraw.batches(tmp_path / "does-not-exist.duckdb")
    assert _sha(db) == sha and not list(tmp_path.glob(".w.duckdb.loading-*"))


def test_a_batch_repeated_unchanged_by_a_later_one_is_refused(loaded, tmp_path):
    """A later file with A's rows unchanged (and one more) depends on A's rows too."""
    db = copy_state(loaded, "a", tmp_path)
    more = load_into(db, mf.write_csv(tmp_path / "march_more.csv", [*A_ROWS, B_ROWS[5]]))
    assert (more.rows_inserted, more.rows_updated, more.rows_unchanged) == (1, 0, 5)
    with pytest.raises(withdraw.Refused, match=f"{more.batch_id}.*repeated rows"):
        withdraw.withdraw(db, loaded["a"].batch_id)


def test_a_warehouse_from_before_the_archive(loaded, tmp_path):
    """A warehouse written before withdrawals existed (no archives, no loaded_by) lists its
    batches, refuses to withdraw one whose replaced rows were not kept, and gets the
    archives and the column on its next change."""
    db = copy_state(loaded, "b", tmp_path)
    con = duckdb.connect(str(db))
    for table in schema.LOADED:
        con.sql(f"DROP TABLE {schema.archive(table)}")
    con.sql("DROP TABLE unchanged_rows")
    con.sql("ALTER TABLE load_batches DROP COLUMN loaded_by")
    con.close()
    frame = withdraw.batches(db)
    assert frame["loaded_by"].null_count() == frame.height
    blocked = frame.filter(pl.col("batch_id") == loaded["b"].batch_id)["blocked_en"][0]
    assert "2 rows whose earlier content was not kept" in blocked
    with pytest.raises(withdraw.Refused, match="原内容未保存"):
        withdraw.withdraw(db, loaded["b"].batch_id)
    late = load_into(db, mf.station_csv(tmp_path, "april.csv", "150702001", mf.ID_C, "2012-04-01"))
    assert _query(db, "SELECT count(*) FROM relief_replaced") == [(0,)]
    assert _query(db, "SELECT loaded_by FROM load_batches WHERE batch_id = ?",
                  [late.batch_id]) == [(load.os_login(),)]
    withdraw.withdraw(db, late.batch_id)  # nothing it replaced: it can go


def test_a_warehouse_from_before_zero_reports_lists_its_batches(loaded, tmp_path):
    """The listing (the upload page's 撤销导入) reads a warehouse as it is, without the
    zero_reports table an older one lacks until its next load: once it failed on it."""
    db = copy_state(loaded, "b", tmp_path)
    con = duckdb.connect(str(db))
    con.sql("DROP TABLE zero_reports")
    con.close()
    frame = withdraw.batches(db)
    assert set(frame["batch_id"]) >= {loaded["a"].batch_id, loaded["b"].batch_id}
    assert frame.filter(pl.col("table_name") == "help_stations")["withdrawable"].to_list() == [
        False]  # its stations are named by the relief rows


@pytest.mark.parametrize("point", ["rows_withdrawn", "before_swap"])
def test_a_fault_during_a_withdrawal_changes_nothing(loaded, tmp_path, monkeypatch, point):
    db = copy_state(loaded, "b", tmp_path)
    sha = _sha(db)

    def crash(at: str) -> None:
        if at == point:
            raise RuntimeError("injected fault")
    monkeypatch.setattr(swap, "FAULT_HOOK", crash)
    with pytest.raises(RuntimeError, match="injected"):
        withdraw.withdraw(db, loaded["b"].batch_id)
    assert _sha(db) == sha and not list(tmp_path.glob(".w.duckdb.loading-*"))


# ---------------------------------------------------------------- the station registry

REGISTRY_HEADER = ["站点代码", "站点名称", "所属旗县区", "所属乡镇街道", "成立日期", "撤销日期"]


def _registry(tmp: Path) -> Path:
    """A registry file: one station renamed, one new."""
    rows = [["150702001", "海拉尔区正阳街道帮扶中心站", "海拉尔区", "正阳街道", "2005-01-01", ""],
            ["150702090", "海拉尔区试点帮扶站", "海拉尔区", "", "2020-01-01", ""]]
    return mf.write_csv(tmp / "帮扶站点名录_更正.csv", rows, title=False, header=REGISTRY_HEADER)


def test_withdrawing_a_registry_batch(tmp_path):
    """Refused while a roster names the station it registered; after the roster, it goes
    and the regions (and their labels) are as before it."""
    db = registered(tmp_path / "w.duckdb")
    shutil.copyfile(db, tmp_path / "before.duckdb")
    fixed = load_into(db, _registry(tmp_path))
    assert (fixed.rows_inserted, fixed.rows_updated) == (1, 1)
    assert _query(db, "SELECT count(*) FROM regions WHERE region_code = '150702090'") == [(1,)]
    roster = load_into(db, mf.station_csv(tmp_path, "new.csv", "150702090", mf.ID_C, "2021-01-05"))
    with pytest.raises(withdraw.Refused, match=f"1 个帮扶站点仍被批次 {roster.batch_id}"):
        withdraw.withdraw(db, fixed.batch_id)
    withdraw.withdraw(db, roster.batch_id)
    withdraw.withdraw(db, fixed.batch_id)  # its station is no longer named
    assert differences(db, tmp_path / "before.duckdb") == {}


def test_a_corrected_row_keyed_by_a_primary_key_comes_back(tmp_path):
    """`interventions` has a primary key: the restored row takes the key of the row
    withdrawn in the same transaction."""
    header = ["编号", "类型", "名称", "适用地区", "开始日期"]
    rows = [["FIN-1", "财政政策", "专项资金增加", "内蒙古自治区", "2010-07-01"],
            ["UNI-1", "工会举措", "合作医院", "海拉尔区", "2008-07-01"]]
    db = tmp_path / "w.duckdb"
    load_into(db, mf.write_csv(tmp_path / "iv.csv", rows, title=False, header=header))
    shutil.copyfile(db, tmp_path / "after_a.duckdb")
    rows[0][2] = "专项资金增加（更正）"
    fixed = load_into(db, mf.write_csv(tmp_path / "iv_fixed.csv", rows, title=False, header=header))
    assert fixed.rows_updated == 1
    withdraw.withdraw(db, fixed.batch_id)
    assert differences(db, tmp_path / "after_a.duckdb") == {}


def test_every_loaded_table_has_an_archive():
    assert set(schema.LOADED) == {k.table_name for k in mappings.kinds().values()}


# ---------------------------------------------------------------- the command line


def test_command_line(loaded, tmp_path, capsys):
    db = copy_state(loaded, "b", tmp_path)
    assert cli.main(["batches", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("批次 batch") and "relief（救助发放花名册）" in listing
    assert f"{loaded['a'].batch_id} 不可撤销：" in listing and "alice" in listing
    assert cli.main(["withdraw", loaded["a"].batch_id, "--db", str(db)]) == 2
    assert "请先撤销" in capsys.readouterr().err
    assert cli.main(["withdraw", loaded["b"].batch_id, "--db", str(db), "--user", "carol"]) == 0
    assert "已撤销批次" in capsys.readouterr().out
    assert cli.main(["batches", "--db", str(tmp_path / "missing.duckdb")]) == 2
    assert cli.main(["load", str(loaded["files"]["b"]), "--db", str(db), "--rejects",
                     str(tmp_path / "rej"), "--user", "dave"]) == 0
    assert _query(db, "SELECT loaded_by FROM load_batches WHERE file_name = "
                  "'march_corrected.csv'") == [("dave",)]


def test_command_line_refusal_of_an_unknown_batch(loaded, tmp_path, capsys, monkeypatch):
    """Through the command line's exit (core.cli.run) in this process: a Python process of
    its own only imported the code again (`python -m etl` in a process of its own stays
    tested: tests/etl/test_etl_cli.py, test_etl_load.py, tests/core/test_audit_chain.py's
    withdrawal)."""
    from core import cli as core_cli

    db = copy_state(loaded, "b", tmp_path)
    monkeypatch.setattr(sys, "argv", ["etl", "withdraw", "nope", "--db", str(db)])
    with pytest.raises(SystemExit) as done:
        core_cli.run(cli.main)
    run = capsys.readouterr()
    assert done.value.code == 2 and "Traceback" not in run.err
    assert "没有批次 nope" in run.err and "no batch nope" in run.err


# ---------------------------------------------------------------- at the sample's size


def _resubmission(sample_dir: Path, tmp: Path) -> Path:
    """The last month of a sample station file sent again: three amounts corrected, two
    persons new, one more row of a known person, the other rows as they were."""
    path = sample_dir / "relief" / "150402_红山区_救助发放花名册_2015-2024.csv"
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = pl.read_csv(io.StringIO(text), infer_schema=False)
    date, amount, pid = (next(c for c in rows.columns if normalise_header(c).startswith(s))
                         for s in ("发放日期", "金额", "身份证"))  # headers vary by file
    month = rows.filter(pl.col(date).str.starts_with("2024-12"))
    fixed = month.with_columns(pl.when(pl.int_range(pl.len()) < 3)
                               .then((pl.col(amount).cast(pl.Float64) + 100).cast(pl.String))
                               .otherwise(pl.col(amount)).alias(amount))
    new = month.head(3).with_columns(
        pl.Series(pid, [make_id("15040219990909971"), make_id("15040219990909982"),
                        month[pid][0]]),
        pl.Series("性别", ["男", "女", month["性别"][0]]),  # as the IDs say
        pl.lit("2024-12-30").alias(date))
    out = tmp / "150402_红山区_救助发放花名册_2024-12_更正.csv"
    pl.concat([fixed, new]).write_csv(out)
    return out


def test_round_trip_on_the_sample_warehouse(sample_build, tmp_path):
    sample_db, sample_dir, _ = sample_build
    db = tmp_path / "w.duckdb"
    shutil.copyfile(sample_db, db)
    # and the facts the build published, as beside a deployed warehouse: without them the
    # load would publish every partition again (~2.5 s of CPU), not the ones it touched
    shutil.copytree(paths.facts_dir(sample_db), paths.facts_dir(db))
    before = sample_db  # read only
    b = load.load_files([_resubmission(sample_dir, tmp_path)], db,
                        rejects_dir=tmp_path / "rej").files[0]
    assert b.status == "loaded" and b.rows_updated == 3 and b.rows_inserted == 3, b.line
    plan = withdraw.describe(db, b.batch_id)
    assert plan.rows_restored == 3 and plan.persons_removed == 2
    withdraw.withdraw(db, b.batch_id)
    assert differences(db, before) == {}
