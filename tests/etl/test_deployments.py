"""Any federation's own data: a fresh deployment for 广州市, its station registry and a
roster from one of its stations; old division names; unknown stations; `etl init`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from analytics import queries, reference
from analytics.filters import Filters
from core import engine
from etl import load, warehouse
from etl.__main__ import main as etl_main
from tests.deployment_files import AMOUNTS, STATIONS, roster
from tests.deployment_files import guangzhou as gz_deployment


@pytest.fixture(scope="module")
def guangzhou(tmp_path_factory) -> tuple[Path, load.LoadReport]:
    return gz_deployment(tmp_path_factory.mktemp("gz"))


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with engine.attached(db) as con:  # ~5 ms of CPU a read, against ~20 for a connection
        return con.execute(sql, params or []).fetchall()


def test_fresh_deployment_loads_its_own_stations_and_roster(guangzhou):
    db, report = guangzhou
    assert report.exit_code == 0, [f.line for f in report.files]
    stations = rows(db, "SELECT region_code, parent_code FROM regions WHERE level = 'station' "
                    "ORDER BY 1")
    # codes assigned as county + three digits; each under its 街道 (county + 3 + 000)
    assert stations == [("440106001", "440106001000"), ("440106002", "440106002000")]
    towns = rows(db, "SELECT name_zh, parent_code FROM regions WHERE level = 'township' "
                 "ORDER BY 1")
    assert towns == [("五山街道", "440106"), ("石牌街道", "440106")]
    # the scope only: 广州市's 11 districts, not the nation's 2,800 counties
    assert rows(db, "SELECT count(*) FROM regions WHERE level = 'county'") == [(11,)]
    assert rows(db, "SELECT value FROM deployment WHERE key = 'sample'") == [("0",)]


def test_overview_numbers_of_the_new_deployment(guangzhou, monkeypatch):
    db, _ = guangzhou
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    f = Filters(region="440106", start=date(2026, 1, 1), end=date(2026, 1, 1))
    kpi = queries.kpis(["relieved", "relief_amount"], f)
    values = dict(zip(kpi["code"], kpi["value"], strict=True))
    assert values == {"relieved": 5, "relief_amount": sum(AMOUNTS)}
    assert reference.root_region() == "440100"  # the filter bar starts at the federation
    names = reference.regions().filter(pl.col("region_code") == "440106")
    assert names["name_en"][0] == "Tianhe District"  # pinyin fallback of the package's name


def test_a_corrected_registry_keeps_the_codes_it_gave(guangzhou, tmp_path):
    db, _ = guangzhou
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    again = tmp_path / "stations2.csv"
    again.write_text(STATIONS + "天河区沙河街道帮扶站,天河区,沙河街道,2020-01-01\n",
                     encoding="utf-8")
    assert load.load_files([again], copy, rejects_dir=tmp_path).exit_code == 0
    assert rows(copy, "SELECT station_code, name_zh FROM help_stations ORDER BY 1") == [
        ("440106001", "天河区五山街道帮扶站"), ("440106002", "天河区石牌街道帮扶站"),
        ("440106003", "天河区沙河街道帮扶站")]


def test_unregistered_station_is_rejected_with_the_registration_hint(guangzhou, tmp_path):
    db, _ = guangzhou
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    report = load.load_files([roster(tmp_path / "r.csv", "天河区猎德街道帮扶站", day="2026-02-1")],
                             copy, rejects_dir=tmp_path)
    assert report.exit_code == 2  # every row rejected: nothing loaded
    reasons = set(report.rejects["reason_zh"])
    assert len(reasons) == 1
    reason = reasons.pop()
    assert "未知的帮扶站点“天河区猎德街道帮扶站”" in reason and "帮扶站点名录" in reason
    assert "440106001" in reason  # the example is this deployment's, not the sample's


def test_registry_code_must_be_its_countys(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.init(db, ["440100"])
    bad = tmp_path / "s.csv"
    bad.write_text("站点代码,站点名称,所属旗县区\n440105001,天河区某站,天河区\n"
                   "440106009,天河区另一站,天河区\n", encoding="utf-8")
    report = load.load_files([bad], db, rejects_dir=tmp_path)
    assert report.exit_code == 3
    assert report.rejects["row"].to_list() == [2]
    assert "440106" in report.rejects["reason_zh"][0]


@pytest.mark.parametrize("spelling", ["田阳县", "451021"])
def test_a_2012_roster_with_a_former_county_loads_into_todays_code(tmp_path, spelling):
    db = tmp_path / "w.duckdb"
    warehouse.init(db, ["451000"])
    stations = tmp_path / "s.csv"
    stations.write_text("站点代码,站点名称,所属旗县区\n451003001,田阳区那坡镇帮扶站,田阳区\n",
                        encoding="utf-8")
    old = roster(tmp_path / "r.csv", "451003001", county=spelling, prefix="451021",
                 day="2012-01-1")
    report = load.load_files([stations, old], db, rejects_dir=tmp_path)
    assert report.exit_code == 0, [f.line for f in report.files]
    assert rows(db, "SELECT DISTINCT county_code FROM relief") == [("451003",)]
    notes = [zh for zh, _ in report.files[1].warnings]
    assert any(spelling in n and "451003" in n and "2019" in n for n in notes), notes


def test_init_refuses_an_existing_path_and_unknown_codes(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", "999999"]) == 2
    assert not db.exists()
    assert etl_main(["init", "--db", str(db), "--scope", "150700"]) == 0
    assert etl_main(["init", "--db", str(db), "--scope", "150700"]) == 2
    assert "已存在" in capsys.readouterr().err


@pytest.mark.parametrize(("typed", "suggested"), [
    ("510199", "510100（成都市）"), ("4401", "440100（广州市）"), ("乌鲁木齐", "650100（乌鲁木齐市）")])
def test_init_suggests_a_code_near_what_was_typed(tmp_path, capsys, typed, suggested):
    """An unknown code's message gives as example the division of its city or province (or
    the name typed), never one fixed place for every federation."""
    assert etl_main(["init", "--db", str(tmp_path / "w.duckdb"), "--scope", typed]) == 2
    said = capsys.readouterr().err
    assert f"未知的区划代码 {typed}" in said and suggested in said, said
    assert "呼伦贝尔" not in said and "Hulunbuir" not in said, said


def test_init_suggests_nothing_for_digits_of_no_province(tmp_path, capsys):
    assert etl_main(["init", "--db", str(tmp_path / "w.duckdb"), "--scope", "770101"]) == 2
    said = capsys.readouterr().err
    assert "请填写 GB/T 2260 的 6 位代码 /" in said and "如 " not in said, said


def test_one_step_registration_then_the_same_file_loads(guangzhou, tmp_path):
    """What the upload page does: the unknown stations of a report, confirmed with their
    county, become a registry file loaded with the same roster again."""
    from ui import registry_view as rv

    db, _ = guangzhou
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    mixed = roster(tmp_path / "r.csv", "天河区五山街道帮扶站", day="2026-03-1")
    text = mixed.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace("天河区五山街道帮扶站", "天河区猎德街道帮扶站")
    mixed.write_text("\n".join(text) + "\n", encoding="utf-8")
    first = load.load_bytes([(mixed.name, mixed.read_bytes())], copy, rejects_dir=tmp_path)
    assert first.exit_code == 3 and first.files[0].rows_loaded == 4
    counties = {"440106": "天河区", "440103": "荔湾区"}
    unknown = rv.unknown_stations(first, counties)
    assert unknown.to_dicts() == [{"name_zh": "天河区猎德街道帮扶站", "county_zh": "天河区"}]
    files = [(rv.REGISTRY_FILE, rv.registry_csv(unknown)), (mixed.name, mixed.read_bytes())]
    again = load.load_bytes(files, copy, rejects_dir=tmp_path)
    assert again.exit_code == 0, [f.line for f in again.files]
    assert (again.files[1].rows_inserted, again.files[1].rows_unchanged) == (1, 4)
    # loaded whole now: the same file once more is skipped
    assert load.load_bytes(files[1:], copy).files[0].status == "skipped"


@pytest.mark.parametrize("scoped", ["empty_init", "guangzhou"])
def test_every_page_of_a_federations_deployment(scoped, guangzhou, tmp_path, local_staff):
    """`etl init` alone, and 广州市 with one roster: every page opens without an exception,
    the filter bar starts at the federation, no sample banner; English names under the
    switch."""
    from tests.apptest_pages import ALL_PAGES, open_dashboard

    if scoped == "empty_init":
        db = tmp_path / "w.duckdb"
        warehouse.init(db, ["150700"])
    else:
        db = guangzhou[0]
    for page in ALL_PAGES:
        at = open_dashboard(db, local_staff, page, region="440106" if scoped == "guangzhou" else "")
        assert not any("示例数据" in w.value for w in at.warning), page
    first = open_dashboard(db, local_staff, ALL_PAGES[0], lang="en")
    county = first.selectbox(key="f_county")
    assert "f_province" not in [s.key for s in first.selectbox]  # the root is the scope
    wanted = "Tianhe District" if scoped == "guangzhou" else "Hailar District"
    assert wanted in county.options


def test_a_warehouse_from_before_the_registry_keeps_its_regions(tmp_path):
    """Its stations (made by code then) become registry rows, its counties its scope."""
    from tests import golden_warehouse

    db = golden_warehouse.build(tmp_path / "old.duckdb")
    before = rows(db, "SELECT region_code, parent_code, level FROM regions ORDER BY 1")
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE help_stations; DROP TABLE deployment")  # as before the registry
    con.close()
    warehouse.ensure_warehouse(db)
    after = rows(db, "SELECT region_code, parent_code, level FROM regions ORDER BY 1")
    assert after == before
    assert rows(db, "SELECT count(*) FROM help_stations") == [
        (sum(level == "station" for _, _, level in before),)]
    assert rows(db, "SELECT value FROM deployment WHERE key = 'sample'") == [("1",)]
