"""analytics.quality over a small file warehouse: region scoping, periods, rows behind flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from analytics import quality as q
from analytics.filters import ALL_MONTHS, COUNTRY, Filters
from tests.quality_fixtures import allocation, hardship, masked, relief, warehouse


@pytest.fixture(scope="module")
def dq_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("dq") / "warehouse.duckdb"
    con = warehouse(
        path=str(path),
        relief_rows=[
            # Hailar: a duplicate across two stations, and central funds to a model worker
            relief("a", "2012-01-10", type="festival_condolence"),
            relief("a", "2012-01-12", type="festival_condolence", station="150702002"),
            relief("m", "2012-03-01", fund="central_special", group="model_worker",
                   amount=800),
            # Bairin Left: relief after exit, and more central funds than received
            relief("d", "2013-05-01", station="150422000", fund="central_special",
                   amount=3000),
        ],
        files=[hardship("a", "2010-01-01"), hardship("m", "2010-01-01"),
               hardship("d", "2008-01-01", "2012-12-31", county="150422")],
        allocations=[allocation("150422", 2013, "central_special", 2000, 2000),
                     allocation("150422", 2012, "local_matching", 50000, 0)],
        rejects=[{"batch_id": "b1", "file_name": "x.xlsx", "sheet": "1月", "excel_row": 5,
                  "column_name": "身份证号码", "value": "1.50702E+17",
                  "reason_zh": "身份证号被存为数字", "reason_en": "ID stored as a number",
                  "station_code": "150702001", "loaded_at": datetime(2024, 3, 2)},
                 *({"batch_id": "b1", "file_name": "x.xlsx", "sheet": "1月", "excel_row": 6 + i,
                    "column_name": "金额", "value": v, "reason_zh": f"无法识别的金额“{v}”；请只填数字，如 1200.00",
                    "reason_en": f"Unreadable amount '{v}'; enter a number such as 1200.00",
                    "station_code": "150702001", "loaded_at": datetime(2024, 3, 2)}
                   for i, v in enumerate(["1千元", "abc"]))])
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("UNION_DASH_DB", str(path))
    yield path
    mp.undo()


def _in(region):
    return replace(ALL_MONTHS, region=region)


def _by_code(df):
    return {r["code"]: (r["findings"], r["rows"], r["amount_yuan"]) for r in df.iter_rows(named=True)}


def test_summary_scopes_by_region(dq_db):
    country = _by_code(q.summary("quality"))
    assert country["duplicate_relief"] == (1, 2, 1000.0)
    assert country["relief_after_exit"] == (1, 1, 3000.0)
    hailar = _by_code(q.summary("quality", _in("150702")))
    assert hailar["duplicate_relief"][0] == 1 and hailar["relief_after_exit"][0] == 0
    chifeng = _by_code(q.summary("compliance", _in("150400")))
    assert chifeng["disbursed_over_received"] == (1, 1, 1000.0)
    assert chifeng["matching_not_arrived"] == (1, 1, 50000.0)
    assert chifeng["fund_out_of_scope"][0] == 0
    station = _by_code(q.summary("quality", _in("150702002")))
    assert station["duplicate_relief"][:2] == (1, 1)


def test_summary_respects_the_period(dq_db):
    early = _by_code(q.summary("compliance", Filters(start=date(2012, 1, 1), end=date(2012, 12, 1))))
    assert early["fund_out_of_scope"][0] == 1
    # Hailar's 2012 central funds have no allocation at all; Bairin Left's excess is 2013's
    assert early["disbursed_over_received"] == (1, 1, 800.0)
    assert _by_code(q.summary("compliance"))["disbursed_over_received"][0] == 2
    assert early["matching_not_arrived"][0] == 1


def test_findings_and_groups_show_masked_ids_only(dq_db):
    groups = q.flag_groups("duplicate_relief")
    assert groups.select("id_masked", "stations", "rows").rows() == [
        (masked("a"), "150702001,150702002", 2)]
    for code in q.ROW_TABLES:
        cols = q.findings(code).columns
        assert "person_key" not in cols and "batch_id" not in cols, code


def test_rows_behind_an_overspend(dq_db):
    rows = q.overspend_rows(q.finding_view("150422", 2013, "central_special", COUNTRY))
    assert rows.select("id_masked", "amount_yuan").rows()[0][0] == masked("d")
    assert q.overspend_rows(q.finding_view("150422", 2012, "central_special", COUNTRY)).height == 0


def test_station_months_and_rejects(dq_db):
    cells = q.station_months(_in("150702"))
    assert set(cells["station_code"]) == {"150702001", "150702002"}
    assert cells["station_zh"][0].endswith("帮扶站")
    rej = q.rejects_by_reason(_in("150702"))
    assert sorted(rej.select("reason_zh", "rows").rows()) == [
        ("无法识别的金额…；请只填数字，如 …", 2), ("身份证号被存为数字", 1)]
    assert "Unreadable amount …; enter a number such as …" in set(rej["reason_en"])
    assert q.rejects_by_reason(_in("451030")).height == 0


def test_rules_are_readable(dq_db):
    assert "central_special" in set(q.fund_rules()["fund_source"])
    assert q.relief_standards().height >= 5
    assert q.checks().height == 10


def test_findings_are_numbered_across_the_table(tmp_path, monkeypatch):
    """A group's number (flag_id, made at read time from the stored flag_key) is its place
    among all the findings, the same in every view: b's duplicate is #2 in the country and
    in the view of the one county where one of its rows is."""
    path = tmp_path / "numbered.duckdb"
    warehouse(path=str(path), relief_rows=[
        relief("b", "2012-03-05"), relief("b", "2012-03-25", station="150402000"),
        relief("a", "2012-01-10", type="festival_condolence"),
        relief("a", "2012-01-12", type="festival_condolence", station="150702002"),
        relief("a", "2012-05-10"), relief("a", "2012-05-12", station="150702002")]).close()
    monkeypatch.setenv("UNION_DASH_DB", str(path))
    found = q.findings("duplicate_relief")
    assert "flag_key" not in found.columns and found.columns[0] == "flag_id"
    assert found.select("flag_id", "id_masked", "campaign").unique(maintain_order=True).rows() \
        == [(1, masked("a"), "2012两节"), (2, masked("a"), "2012-05"), (3, masked("b"), "2012-03")]
    assert q.flag_groups("duplicate_relief", _in("150402"))["flag_id"].to_list() == [3]
    assert q.summary("quality", _in("150402")).filter(
        code="duplicate_relief")["findings"].to_list() == [1]
