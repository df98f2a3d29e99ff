"""目标任务: the 目标任务表 kind (template, load, bad rows, withdrawal) and progress against
target (完成率, 序时进度 by calendar and by Spring Festival season, the ranking), in a
deployment outside the sample (德阳市 510600) and in the sample (西林县's documented targets)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from analytics import queries, targets
from analytics.briefing import goals
from analytics.briefing.content import gather
from analytics.briefing.period import parse_period
from analytics.briefing.text import paragraphs_en, paragraphs_zh
from analytics.filters import Filters
from analytics.indicators import CATALOGUE, INDICATORS
from core.festival import festival_day
from etl import load, mappings, templates, withdraw
from etl.__main__ import main as etl_main
from etl.parse import make_id

CITY, JINGYANG, ZHONGJIANG, LUOJIANG = "510600", "510603", "510623", "510604"
# persons starting a course per county and month of 2025 (January to September)
TRAINED = {JINGYANG: [1, 1, 1, 1, 1, 1, 1, 1, 0], ZHONGJIANG: [1, 0, 1, 0, 1, 0, 1, 0, 1]}
GOALS = [("2025", "德阳市", "培训人数", "20"), ("2025", JINGYANG, "trained", "10"),
         ("2025", "中江县", "培训人数", "10人"), ("2025", "罗江区", "培训人数", "10"),
         ("2025", "旌阳区", "和谐企业占比", "80%"),
         ("2025", "旌阳区", "两节慰问人数", "50", "2026")]  # the year's 两节: next festival


def _roster(path: Path) -> Path:
    lines = ["身份证号码,所属地区,培训项目,培训机构,开班日期,是否结业"]
    n = 0
    for county, months in TRAINED.items():
        for month, count in enumerate(months, start=1):
            for _ in range(count):
                n += 1
                pid = make_id(f"{county}1980{month:02d}01{n:03d}")
                lines.append(f"{pid},{county},电工,企业,2025-{month:02d}-1{n % 9},是")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _filled_template(path: Path, rows: list[tuple]) -> Path:
    """The blank 目标任务表 template as the upload page offers it, filled in Excel-like."""
    book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes("target")))
    sheet = book.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)
    book.save(path)
    return path


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def deyang(tmp_path_factory) -> tuple[Path, load.LoadReport]:
    where = tmp_path_factory.mktemp("deyang")
    db = where / "w.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", CITY]) == 0
    report = load.load_files([_roster(where / "培训花名册.csv"),
                              _filled_template(where / "目标任务表.xlsx", GOALS)],
                             db, rejects_dir=where / "rej")
    return db, report


@pytest.fixture
def at_deyang(deyang, monkeypatch) -> Path:
    monkeypatch.setenv("UNION_DASH_DB", str(deyang[0]))
    return deyang[0]


def _view(end: date, region: str = CITY) -> Filters:
    return Filters(region=region, start=date(2025, 1, 1), end=end)


def _row(frame: pl.DataFrame, region: str, code: str = "trained") -> dict:
    return frame.filter((pl.col("region_code") == region)
                        & (pl.col("indicator") == code)).row(0, named=True)


# ---------------------------------------------------------------- the file kind


def test_catalogue_and_etl_value_list_agree():
    """etl reads indicator names from values.csv (it may not import analytics): the list
    must be the catalogue's, code for code and name for name."""
    listed = {c: (zh, en) for d, c, zh, en in mappings.labels() if d == "indicator"}
    assert listed == {i.code: (i.name_zh, i.name_en) for i in CATALOGUE}


def test_template_round_trip_loads_every_row(deyang):
    db, report = deyang
    assert report.exit_code == 0, [f.line for f in report.files]
    assert report.files[1].kind == "target"
    got = _rows(db, "SELECT year, region_code, indicator, target, season FROM targets "
                "ORDER BY region_code, indicator")
    assert got == [(2025, CITY, "trained", 20.0, None),
                   (2025, JINGYANG, "festival_persons", 50.0, 2026),
                   (2025, JINGYANG, "harmonious_share", 0.8, None),
                   (2025, JINGYANG, "trained", 10.0, None),
                   (2025, LUOJIANG, "trained", 10.0, None),
                   (2025, ZHONGJIANG, "trained", 10.0, None)]


def test_template_headers_are_the_kinds_first_synonyms():
    book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes("target", lang="en")))
    heads = [c.value for c in book.worksheets[0][1]]
    assert heads == [c.headers[0] for c in mappings.columns("target")]
    assert templates.template_name("target") == "目标任务表_模板.xlsx"


def test_bad_rows_are_rejected_with_their_reasons(deyang, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(deyang[0].read_bytes())
    bad = tmp_path / "目标任务表_有误.csv"
    with bad.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["年度", "地区", "指标", "目标值"])
        w.writerows([("2025", "旌阳区", "救助人数", "120"),          # good
                     ("2025", "旌阳区", "先进个人数", "3"),            # not in the catalogue
                     ("2025", "中江县", "培训人数", "-5"),             # negative
                     (str(date.today().year + 3), "中江县", "培训人数", "5"),  # too far ahead
                     ("1985", "中江县", "培训人数", "5"),             # before the data's era
                     ("2025", "成都市", "培训人数", "5"),             # another city's region
                     ("2025", "中江县", "培训人数", "很多")])          # not a number
    report = load.load_files([bad], db, rejects_dir=tmp_path / "rej")
    result = report.files[0]
    assert result.status == "partial" and result.rows_loaded == 1
    reasons = {r["row"]: (r["column"], r["reason_zh"], r["reason_en"])
               for r in result.rejects.iter_rows(named=True)}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert reasons[3][0] == "指标" and "先进个人数" in reasons[3][1] and "培训人数" in reasons[3][1]
    assert reasons[4][0] == "目标值" and "负数" in reasons[4][1] and "negative" in reasons[4][2]
    assert "超出范围" in reasons[5][1] and "out of range" in reasons[6][2]
    assert "成都市" in reasons[7][1] and "不在本系统的地区范围内" in reasons[7][1]
    assert "outside this deployment" in reasons[7][2]
    assert "无法识别的目标值" in reasons[8][1]


def test_a_targets_file_is_withdrawn_and_a_correction_undone(deyang, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(deyang[0].read_bytes())
    fixed = _filled_template(tmp_path / "目标任务表_调整.xlsx",
                             [("2025", "旌阳区", "培训人数", "12"),
                              ("2025", "广汉市", "培训人数", "6")])
    report = load.load_files([fixed], db, rejects_dir=tmp_path / "rej")
    assert report.exit_code == 0
    batch = report.files[0].batch_id
    sql = "SELECT region_code, target FROM targets WHERE indicator = 'trained' ORDER BY 1"
    assert dict(_rows(db, sql))[JINGYANG] == 12.0
    done = withdraw.withdraw(db, batch, user="tester")
    assert done.plan.rows_removed == 2 and done.plan.rows_restored == 1
    assert dict(_rows(db, sql)) == {CITY: 20.0, JINGYANG: 10.0, LUOJIANG: 10.0,
                                    ZHONGJIANG: 10.0}
    first = next(b for b in withdraw.batches(db)["batch_id"] if b != batch
                 and _rows(db, f"SELECT count(*) FROM targets WHERE batch_id = '{b}'")[0][0])
    withdraw.withdraw(db, first, user="tester")
    assert _rows(db, "SELECT count(*) FROM targets") == [(0,)]


# ---------------------------------------------------------------- progress


def test_completion_and_calendar_elapsed_share(at_deyang):
    frame = targets.progress(None, _view(date(2025, 9, 1)), 2025)
    city, jingyang, zhongjiang = (_row(frame, r) for r in (CITY, JINGYANG, ZHONGJIANG))
    assert city["is_total"] and not jingyang["is_total"]
    assert (jingyang["actual"], zhongjiang["actual"], city["actual"]) == (8, 5, 13)
    assert jingyang["completion"] == pytest.approx(0.8)
    assert city["completion"] == pytest.approx(13 / 20)
    assert jingyang["elapsed_share"] == pytest.approx(9 / 12)  # data through September
    assert jingyang["ahead_pp"] == pytest.approx((0.8 - 0.75) * 100)
    assert zhongjiang["ahead_pp"] == pytest.approx((0.5 - 0.75) * 100)
    assert jingyang["as_of"] == date(2025, 9, 30)
    luojiang = _row(frame, LUOJIANG)  # a target and no course: 0 done, behind
    assert luojiang["actual"] == 0 and luojiang["completion"] == 0


def test_elapsed_share_stops_at_the_filters_end(at_deyang):
    frame = targets.progress(None, _view(date(2025, 6, 1)), 2025)
    jingyang = _row(frame, JINGYANG)
    assert jingyang["elapsed_share"] == pytest.approx(0.5)
    assert jingyang["actual"] == 6  # January to June only
    assert jingyang["as_of"] == date(2025, 6, 30)
    # the actual is the catalogue's own figure for the same months
    same = queries.kpis(["trained"], _view(date(2025, 6, 1), JINGYANG))["value"][0]
    assert jingyang["actual"] == same


def test_a_rate_has_completion_and_no_elapsed_share(at_deyang):
    rate = _row(targets.progress(None, _view(date(2025, 9, 1)), 2025), JINGYANG,
                "harmonious_share")
    assert rate["target"] == pytest.approx(0.8)
    assert rate["elapsed_share"] is None and rate["ahead_pp"] is None


def test_a_seasonal_target_for_the_next_festival_counts_that_season(at_deyang):
    """A 2025 plan's 两节 falls in the 2026 Spring Festival season (春节季 2026): by the end
    of September 2025 that season has only begun."""
    row = _row(targets.progress(None, _view(date(2025, 9, 1)), 2025), JINGYANG,
               "festival_persons")
    d25, d26, d27 = festival_day(2025), festival_day(2026), festival_day(2027)
    start, end = d25 + (d26 - d25) / 2, d26 + (d27 - d26) / 2
    assert row["season"] == 2026 and row["year"] == 2025
    assert row["elapsed_share"] == pytest.approx((date(2025, 10, 1) - start).days
                                                 / (end - start).days)
    assert row["actual"] is None  # no relief on file at all: unknown, not 0


def test_no_targets_for_another_year(at_deyang):
    assert targets.progress(None, _view(date(2025, 9, 1)), 2024).is_empty()


def test_ranking_orders_sub_regions_by_completion(at_deyang):
    frame = targets.progress(None, _view(date(2025, 9, 1)), 2025)
    ranked = targets.ranking(frame, "trained")
    assert ranked["region_code"].to_list() == [JINGYANG, ZHONGJIANG, LUOJIANG]
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert CITY not in ranked["region_code"].to_list()  # the region itself is not ranked
    tied = pl.DataFrame({"region_code": ["a", "b", "c"], "is_total": [False] * 3,
                         "indicator": ["trained"] * 3, "completion": [0.5, 0.9, 0.5]})
    assert targets.ranking(tied, "trained")["rank"].to_list() == [1, 2, 2]


def test_ranking_export_derives_completion_from_the_published_counts(at_deyang):
    """The 排名通报's file goes through disclosure control before 完成率 and ranks are
    computed, so a leader's file never gives the exact count back through 完成率."""
    from analytics.export import Provenance
    from ui import downloads, targets_view

    ranked = targets.ranking(targets.progress(None, _view(date(2025, 9, 1)), 2025), "trained")
    base = ranked.select("region_code", "target", pl.col("actual").alias("trained"),
                         "elapsed_share")
    told = Provenance("排名通报", [INDICATORS["trained"].as_dict()], {"region": CITY})
    staff = targets_view._derived(downloads.release(base, told, role="staff").table, "trained")
    assert staff["completion_pct"].to_list() == [80.0, 50.0, 0.0]
    assert staff["ahead_pp"].to_list() == [5.0, -25.0, -75.0]
    leader = downloads.release(base, told, role="leader")
    assert leader.protected and leader.table is not None
    for row in targets_view._derived(leader.table, "trained").iter_rows(named=True):
        if row["trained"] is None:  # withheld: no 完成率 to give it away
            assert row["completion_pct"] is None and row["rank"] is None
        else:
            assert row["completion_pct"] == round(row["trained"] / row["target"] * 100, 1)


def test_season_elapsed_share_follows_the_spring_festival():
    ind = INDICATORS["festival_persons"]
    d24, d25, d26 = festival_day(2024), festival_day(2025), festival_day(2026)
    start, end = d24 + (d25 - d24) / 2, d25 + (d26 - d25) / 2
    on_the_day = targets._elapsed(ind, d25, 2025, 2025)
    assert on_the_day == pytest.approx((d25 + timedelta(days=1) - start).days
                                       / (end - start).days)
    assert 0.4 < on_the_day < 0.6  # the festival lies mid-season, not in January's 1/12
    assert targets._elapsed(ind, start - timedelta(days=2), 2025, 2025) == 0.0
    assert targets._elapsed(ind, end, 2025, 2025) == 1.0
    # the calendar for other work: 31 January is one twelfth of the year
    assert targets._elapsed(INDICATORS["trained"], date(2025, 1, 31), 2025, None) == \
        pytest.approx(1 / 12)


def test_behind_and_ahead_in_words():
    assert targets.ahead_words(2.7, "zh") == "超序时进度2.7个百分点"
    assert targets.ahead_words(-13.04, "zh") == "落后序时进度13.0个百分点"
    assert targets.ahead_words(0.01, "zh") == "与序时进度持平"
    assert targets.ahead_words(-4.26, "en") == "4.3 points behind schedule"
    assert targets.ahead_words(None, "zh") == ""


# ---------------------------------------------------------------- the sample


def test_sample_carries_the_documents_targets_for_xilin(sample_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    f = Filters(region="451030", start=date(2012, 1, 1), end=date(2012, 12, 1))
    frame = targets.progress(None, f, 2012)
    trained, harmonious = _row(frame, "451030"), _row(frame, "451030", "harmonious_share")
    assert trained["target"] == 1000 and harmonious["target"] == pytest.approx(0.8)
    assert trained["actual"] == queries.kpis(["trained"], f)["value"][0]
    assert trained["elapsed_share"] == 1.0  # the whole of 2012 is on file
    festival = _row(frame, "451030", "festival_persons")
    assert festival["season"] == 2012 and festival["elapsed_share"] == 1.0
    # at the end of January 2012 the 2012 season is past its middle, the year at 1/12
    january = targets.progress(None, replace(f, end=date(2012, 1, 1)), 2012)
    d11, d12, d13 = festival_day(2011), festival_day(2012), festival_day(2013)
    start, end = d11 + (d12 - d11) / 2, d12 + (d13 - d12) / 2
    season = _row(january, "451030", "festival_persons")
    assert season["elapsed_share"] == pytest.approx((date(2012, 2, 1) - start).days
                                                    / (end - start).days)
    # the season's persons up to the view's end, as 序时进度 counts: not the whole season
    assert season["actual"] == _rows(sample_db, f"""
        SELECT count(DISTINCT person_key) FROM relief WHERE county_code = '451030'
          AND relief_type = 'festival_condolence'
          AND relief_date BETWEEN DATE '{start}' AND DATE '2012-01-31'""")[0][0]
    assert season["actual"] <= queries.kpis(["festival_persons"], f)["value"][0]
    assert _row(january, "451030")["elapsed_share"] == pytest.approx(1 / 12)


def test_briefing_states_progress_in_the_documents_style():
    row = {"indicator": "trained", "target": 1000.0, "actual": 860.0, "completion": 0.86,
           "elapsed_share": 0.833, "ahead_pp": 2.7, "season": None, "is_total": True}
    assert goals.sentence_zh(row) == "全年培训目标1000人，已完成860人，完成86.0%，超序时进度2.7个百分点"
    assert goals.sentence_en(row) == ("People trained: the year's target 1,000, done 860 "
                                      "(86.0% of target), 2.7 points ahead of schedule")
    rate = {**row, "indicator": "harmonious_share", "target": 0.8, "actual": 0.7,
            "completion": 0.875, "elapsed_share": None, "ahead_pp": None}
    assert goals.sentence_zh(rate) == "和谐企业占比目标80.0%，实际70.0%，完成87.5%"
    frame = pl.DataFrame([row, {**row, "is_total": False}])
    assert goals.paragraph(frame).count("全年培训") == 1  # sub-regions are not the region's


def test_sample_briefing_of_xilin_says_its_targets(sample_db, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    b = gather("451030", parse_period("2012"))
    heading, text = paragraphs_zh(b)[-1]
    assert heading.endswith("目标任务完成情况")
    trained = b.goals.filter(pl.col("indicator") == "trained").row(0, named=True)
    assert f"全年培训目标1000人，已完成{trained['actual']:.0f}人" in text
    assert "和谐企业占比目标80.0%" in text
    assert paragraphs_en(b)[-1][0].endswith("Progress against targets")


def test_overview_states_progress_and_ranks_the_counties(sample_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"),
                           default_timeout=180)
    at.query_params.update({"region": "451000", "from": "2012-01", "to": "2012-06"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    f = Filters(region="451000", start=date(2012, 1, 1), end=date(2012, 6, 1))
    row = _row(targets.progress(None, f, 2012), "451000")
    line = next(m.value for m in at.markdown if m.value.startswith("**培训人数**"))
    assert f"完成率{row['completion'] * 100:.1f}%" in line and "序时进度50.0%" in line
    assert targets.ahead_words(row["ahead_pp"]) in line
    table = next(d.value for d in at.dataframe if "名次" in d.value.columns)
    picked = at.selectbox(key="ov_targets_pick").value  # the indicator ranked
    ranked = targets.ranking(targets.progress(None, f, 2012), picked)
    assert table["名次"].tolist() == ranked["rank"].to_list()
    assert "西林县" in table["地区"].tolist()


def test_template_offers_the_city_above_the_counties(at_deyang):
    """The upload page's 目标任务表 template: a city federation's 地区 drop-down offers its
    city and counties, not the province around it (nor the country)."""
    from analytics import registry
    from ui import registry_view

    counties = registry.counties()
    assert registry_view.region_choices(counties) == ["德阳市"]
    assert registry_view.region_choices({JINGYANG: "旌阳区"}) == []  # a county's user
    offered = registry_view.template_choices(pl.DataFrame({"name_zh": []}), counties)["region"]
    assert offered[0] == "德阳市" and set(counties.values()) <= set(offered)


# ---------------------------------------------------------------- a season cut by the view


def test_a_view_ending_mid_season_counts_the_season_up_to_its_end(tmp_path, monkeypatch):
    """The 2012 season runs from mid-2011 to mid-2012; a view ending January 2012 counts its
    two-festival work up to 31 January (persons and yuan), as its 序时进度 does, not the
    payments of February and March that the whole season holds."""
    from tests.quality_fixtures import relief, warehouse

    county, a, b = "150702", "150702001", "150702002"
    d11, d12, d13 = festival_day(2011), festival_day(2012), festival_day(2013)
    start, end = d11 + (d12 - d11) / 2, d12 + (d13 - d12) / 2
    festival = {"type": "festival_condolence"}
    rows = [relief("p0", (start - timedelta(days=1)).isoformat(), station=a, **festival),
            relief("p1", "2011-12-20", station=a, amount=800, **festival),
            relief("p2", "2012-01-10", station=a, amount=600, **festival),
            relief("p1", "2012-01-31", station=a, amount=200, **festival),
            relief("p3", "2012-02-05", station=b, amount=900, **festival),
            relief("p4", "2012-03-01", station=a, amount=700, **festival),
            relief("p5", "2012-06-10", station=b)]  # data on file through June
    db = tmp_path / "w.duckdb"
    con = warehouse(path=str(db), relief_rows=rows)
    con.executemany("INSERT INTO targets VALUES (2012, ?, ?, ?, NULL, 'b1')",
                    [(county, "festival_persons", 10), (a, "festival_persons", 4),
                     (b, "festival_persons", 4), (county, "festival_amount", 4000)])
    con.close()
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    january = targets.progress(None, Filters(region=county, start=date(2012, 1, 1),
                                              end=date(2012, 1, 1)), 2012)
    persons = _row(january, county, "festival_persons")
    assert persons["season"] == 2012 and persons["as_of"] == date(2012, 1, 31)
    assert persons["actual"] == 2  # p1 and p2; not p3, p4 (later) nor p0 (season 2011)
    assert _row(january, a, "festival_persons")["actual"] == 2
    assert _row(january, b, "festival_persons")["actual"] == 0  # its payment is in February
    assert _row(january, county, "festival_amount")["actual"] == 800 + 600 + 200
    share = (date(2012, 2, 1) - start).days / (end - start).days
    assert persons["elapsed_share"] == pytest.approx(share)
    assert persons["completion"] == pytest.approx(2 / 10)
    assert persons["ahead_pp"] == pytest.approx((2 / 10 - share) * 100)
    # the view to June: the whole season so far, February and March included
    june = targets.progress(None, Filters(region=county, start=date(2012, 1, 1),
                                           end=date(2012, 6, 1)), 2012)
    assert _row(june, county, "festival_persons")["actual"] == 4
    assert _row(june, county, "festival_amount")["actual"] == 800 + 600 + 200 + 900 + 700
