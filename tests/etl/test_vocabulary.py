"""Each federation in its own words: the level labels and the provincial fund's label come
from the divisions in scope (core/vocabulary.py), and a Sichuan city, a city of another
autonomous region and a municipality's district see no 旗, no other region's fund word and
no 示例数据 in the labels, templates, exports, pages and briefings; the sample keeps its own words."""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from core import vocabulary
from core.vocabulary import compose, is_county_header, words_of
from etl import load, mappings, national, templates, warehouse
from tests.deployment_files import PLACES, Place, forbidden, station_files


def _words(*scope: str) -> vocabulary.Words:
    table = national.in_scope(list(scope))
    return words_of(table.select("region_code", "level", "name_zh").iter_rows())


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(("scope", "county", "fund"), [
    (("510600",), "区（市）县", "省级专项"),      # 德阳市: 旌阳区, 中江县, 广汉市 (Sichuan usage)
    (("510100",), "区（市）县", "省级专项"),      # 成都市
    (("640100",), "县（市、区）", "自治区专项"),  # 银川市 (宁夏): 兴庆区, 永宁县, 灵武市
    (("110105",), "区", "市级专项"),             # 北京市朝阳区
    (("310115",), "区", "市级专项"),             # 上海市浦东新区
    (("440100",), "区", "省级专项"),             # 广州市: districts only
    (("500000",), "区县", "市级专项"),           # 重庆市: 区县 as Chongqing writes it
    (("150700",), "旗（市、区）", "自治区专项"),  # 呼伦贝尔市: banners, cities, districts
    (("150000",), "旗县（市、区）", "自治区专项"),  # 内蒙古
    (("450000", "510000"), "县（市、区）", "省级专项"),  # a province and a region: 省级
])
def test_words_follow_the_divisions_in_scope(scope, county, fund):
    w = _words(*scope)
    assert (w.county[0], w.provincial_fund[0]) == (county, fund)
    if "15" not in {c[:2] for c in scope}:
        assert "旗" not in w.county[0] and "banner" not in w.county[1].lower()


@pytest.mark.parametrize(("scope", "province", "city"), [
    (("510000",), "省", "市（州）"),          # 四川: 21 cities and 3 autonomous prefectures
    (("513200",), "省", "自治州"),            # 阿坝州 alone
    (("150000",), "自治区", "盟市"),          # 内蒙古: 盟 and 市
    (("110105",), "市", "市"),
    (("450000", "510000"), "省（区）", "市（州）"),
])
def test_province_and_city_levels_follow_the_scope_too(scope, province, city):
    w = _words(*scope)
    assert (w.province[0], w.city[0]) == (province, city)


def test_the_sample_keeps_its_words():
    from sample.regions import SCOPE

    w = _words(*SCOPE)
    assert w.county == ("旗县（市、区）", "Banner, county, city or district")
    assert w.province[0] == "自治区" and w.fund() == "自治区专项"
    assert w.county_header == "所属旗县（市、区）"


def test_compose_leaves_out_the_types_a_deployment_lacks():
    common = (("县", True), ("市", False), ("区", False), ("旗", False))
    assert compose("county", {"县", "区"}, common)[0] == "县（区）"
    assert compose("county", {"县", "市", "区"}, common)[0] == "县（市、区）"
    assert compose("county", {"市", "区"}, common) == ("市（区）", "City or district")
    assert compose("county", {"区"}, common) == ("区", "District")
    sichuan = vocabulary.COUNTY_STYLES["51"]
    assert compose("county", {"区", "县"}, sichuan)[0] == "区县"
    assert compose("county", {"区", "市", "县"}, sichuan)[0] == "区（市）县"


def test_a_county_level_type_is_read_from_the_name():
    assert vocabulary.type_of("county", "莫力达瓦达斡尔族自治旗") == "旗"
    assert vocabulary.type_of("county", "峨边彝族自治县") == "县"
    assert vocabulary.type_of("county", "神农架林区") == "区"
    assert vocabulary.type_of("county", "六枝特区") == "区"
    assert vocabulary.type_of("city", "阿坝藏族羌族自治州") == "州"
    assert vocabulary.type_of("city", "直辖县级行政区划") is None
    assert vocabulary.type_of("province", "宁夏回族自治区") == "区"


@pytest.mark.parametrize("header", ["所属旗县区", "所属区（市）县", "所属县（市、区）", "所属区县",
                                    "所属县区", "区县", "旗县", "县(市、区)", "所属区", "旗县市区"])
def test_every_regions_county_header_is_accepted(header):
    key = mappings.normalise_header(header)
    assert is_county_header(key)
    from etl.headers import match_row

    match = match_row(["站点名称", header, "成立日期"], 0)
    assert match is not None and match.kind == "station"
    assert {c.name for c in match.columns.values()} == {"name_zh", "county", "established_on"}


@pytest.mark.parametrize("header", ["所属市", "所属地区名称", "市辖区代码", "所属乡镇"])
def test_other_headers_are_not_the_county(header):
    assert not is_county_header(mappings.normalise_header(header))


def test_rule_texts_take_the_deployments_words():
    w = _words("510600")
    assert w.fill("{county}×年度×资金来源；{provincial_fund}资金{不变}") == \
        "区（市）县×年度×资金来源；省级专项资金{不变}"
    assert w.label("fund_source", "provincial_special", "x", "y") == w.provincial_fund
    assert w.label("fund_source", "union_own", "工会自筹", "own") == ("工会自筹", "own")


# ---------------------------------------------------------------- three deployments


@pytest.fixture(scope="module", params=list(PLACES))
def deployment(request, tmp_path_factory) -> tuple[Place, Path]:
    p = PLACES[request.param]
    where = tmp_path_factory.mktemp(request.param)
    db = where / "w.duckdb"
    warehouse.init(db, [p.scope])
    report = load.load_files(station_files(where, p), db, rejects_dir=where / "rej")
    assert report.exit_code == 0, [f.line for f in report.files] + report.rejects.to_dicts()
    assert report.skipped.height == 3  # 合计, the signatures and the note, listed as skipped
    return p, db


def test_files_in_local_words_load_and_the_fund_is_one_code(deployment):
    p, db = deployment
    con = duckdb.connect(str(db), read_only=True)
    try:
        funds = con.execute("SELECT fund_source, sum(amount_yuan) FROM relief GROUP BY 1 "
                            "ORDER BY 1").fetchall()
        label = con.execute("SELECT label_zh FROM labels WHERE domain = 'fund_source' AND "
                            "code = 'provincial_special'").fetchall()
        levels = con.execute("SELECT label_zh FROM labels WHERE domain = 'level' AND "
                             "code = 'county'").fetchall()
        rules = " ".join(r[0] for r in con.execute(
            "SELECT rule_zh FROM dq_checks UNION ALL SELECT rule_zh FROM dq_fund_rules"
        ).fetchall())
    finally:
        con.close()
    assert [(f, float(a)) for f, a in funds] == [
        ("central_special", 600.0), ("provincial_special", 1300.0), ("union_own", 300.0)]
    assert label == [(p.fund,)] and levels == [(p.county,)]
    assert p.county in rules and p.fund in rules and not forbidden(p, rules)
    assert "{" not in rules


def test_the_dashboard_words_and_templates(deployment, monkeypatch):
    from analytics import vocabulary as av
    from analytics.indicators import INDICATORS
    from ui import registry_view as rv

    p, db = deployment
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    assert av.level_label("county") == p.county and av.fund_label() == p.fund
    definition = INDICATORS["fund_execution"].definition("zh")
    assert p.fund in definition and not forbidden(p, definition)
    assert rv.headers()["county_zh"] == f"所属{p.county}"
    texts, registry = {}, _registry()  # the deployment's stations and counties
    for kind in mappings.kinds():
        for lang in ("zh", "en"):
            data = rv.template(kind, *registry, lang)
            texts[kind, lang] = _workbook_text(data)
            assert not forbidden(p, texts[kind, lang]), (kind, lang, forbidden(p, texts[kind, lang]))
            if any(c.type == "county" for c in mappings.columns(kind)):
                assert f"所属{p.county}" in _header(data)
    assert p.fund in texts["relief", "zh"]  # the relief template's fund-source list


def _registry():
    from analytics import registry

    return registry.help_stations(), registry.counties()


def _workbook_text(data: bytes) -> str:
    """Every part of the .xlsx package as text, markup included: the cells (shared strings),
    the drop-down lists, prompts and error messages of the validations, the comments, the
    sheet names. Read from the XML, not through openpyxl: loading the 78 templates of the
    three deployments took 6 s of CPU, this 0.1 s."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(html.unescape(book.read(name).decode("utf-8"))
                         for name in book.namelist() if name.endswith((".xml", ".vml")))


def _header(data: bytes) -> list:
    """The first row of the first sheet (openpyxl's read-only mode reads only that row)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(next(book.worksheets[0].iter_rows(max_row=1, values_only=True)))
    finally:
        book.close()


def test_an_export_says_the_deployments_words_and_no_sample(deployment, monkeypatch):
    from analytics import export, queries, reference
    from analytics.filters import Filters
    from ui import charts

    p, db = deployment
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    f = Filters(region=p.scope, start=date(2026, 1, 1), end=date(2026, 1, 1))
    for lang in ("zh", "en"):
        prov = charts.provenance("资金来源", ["relief_amount", "fund_execution"], f, lang)
        labels = reference.labels("fund_source")
        table = queries.breakdown(["relief_amount"], f, "fund_source").with_columns(
            dim=pl.col("dim").replace({k: v[0] for k, v in labels.items()}))
        text = export.data_csv(table, prov).decode("utf-8-sig") + prov.caption()
        assert not forbidden(p, text), forbidden(p, text)
        assert ("数据截至2026年" if lang == "zh" else "Data as of ") in text
        assert "batches" not in text or lang == "en"
    assert p.fund in text


def test_a_missing_county_column_names_what_it_found_and_accepts(deployment, tmp_path):
    p, db = deployment
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    bad = tmp_path / "名录.csv"
    bad.write_text("站点名称,所在县区名称,成立日期\n某站,朝阳区,2018-03-01\n", encoding="utf-8")
    report = load.load_files([bad], copy, rejects_dir=tmp_path)
    assert report.exit_code == 2
    zh, en = report.rejects["reason_zh"][0], report.rejects["reason_en"][0]
    assert "所在县区名称" in zh and "站点名称" in zh  # the columns it found
    assert "所属旗县区" in zh and "所属区（市）县" in zh  # names it accepts
    assert "所在县区名称" in en and "accepted headers" in en


def test_the_briefing_says_the_deployments_words(deployment, monkeypatch):
    """德阳市 (省级专项, 区（市）县), 银川市 (自治区专项) and 北京市朝阳区 (市级专项): the
    briefing's fund sentence says the deployment's word; no 旗, no other region's fund word,
    no 示例数据 anywhere in the document (moved from tests/analytics/test_briefing.py, where
    it loaded the same files into a warehouse of its own)."""
    from docx import Document

    from analytics.briefing import build_briefing

    p, db = deployment
    monkeypatch.setenv("UNION_DASH_DB", str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        county = con.execute("SELECT DISTINCT county_code FROM relief").fetchone()[0]
    b = build_briefing(county, "2026")
    doc = Document(io.BytesIO(b.docx))
    text = "\n".join([q.text for q in doc.paragraphs]
                     + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert f"发放救助资金2200元，其中{p.fund}1300元、中央财政专项600元、工会自筹300元。" in text
    assert "2026年两节慰问4人，发放慰问金2200元。" in text  # no group stated: none named
    with zipfile.ZipFile(io.BytesIO(b.docx)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert not forbidden(p, xml) and "sample data" not in xml


def test_pages_say_the_deployments_words(deployment, local_staff):
    from tests.apptest_pages import open_dashboard

    p, db = deployment
    at = open_dashboard(db, local_staff, "pages/funds.py", region=p.scope)
    labels = [s.label for s in at.selectbox]
    shown = "\n".join(labels + [str(o) for s in at.selectbox for o in s.options]
                      + [w.value for w in at.warning] + [c.value for c in at.caption])
    assert not forbidden(p, shown), forbidden(p, shown)
    assert p.fund in shown  # the fund-source drop-down
    assert any("数据截至" in c.value for c in at.sidebar.caption)


def test_the_sample_deployment_keeps_its_words_and_its_note(tmp_path, monkeypatch):
    from analytics import export
    from analytics.export import Provenance
    from sample.regions import SCOPE

    db = tmp_path / "w.duckdb"
    warehouse.init(db, list(SCOPE), sample=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT label_zh FROM labels WHERE domain = 'fund_source' AND "
                           "code = 'provincial_special'").fetchall() == [("自治区专项",)]
    finally:
        con.close()
    book = openpyxl.load_workbook(io.BytesIO(templates.template_bytes(
        "station", {}, "zh", _words(*SCOPE))))
    assert [c.value for c in book.worksheets[0][1]][2] == "所属旗县（市、区）"
    marked = Provenance("t", sample=True)
    assert ("note", export.SAMPLE_NOTE) in marked.records() and "示例数据" in marked.caption()
    plain = Provenance("t")
    assert "示例数据" not in str(plain.records()) + plain.caption()


def test_init_says_the_words_it_will_use(tmp_path, capsys):
    from etl.__main__ import main as etl_main

    assert etl_main(["init", "--db", str(tmp_path / "w.duckdb"), "--scope", "640100"]) == 0
    out = capsys.readouterr().out
    assert "县级 县（市、区）" in out and "所属县（市、区）" in out and "资金来源 自治区专项" in out


def test_a_city_special_fund_is_local_money_outside_a_municipality(tmp_path):
    """市级专项 is the provincial fund in 北京市 (above); in 德阳市 it is the city's own
    money: 地方财政配套 (local_matching), never the province's 省级专项."""
    p = replace(PLACES["deyang"], fund_as_written="市级专项")
    db = tmp_path / "w.duckdb"
    warehouse.init(db, [p.scope])
    report = load.load_files(station_files(tmp_path, p), db, rejects_dir=tmp_path / "rej")
    assert report.exit_code == 0, report.rejects.to_dicts()
    con = duckdb.connect(str(db), read_only=True)
    try:
        funds = con.execute("SELECT fund_source, sum(amount_yuan) FROM relief GROUP BY 1 "
                            "ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [(f, float(a)) for f, a in funds] == [
        ("central_special", 600.0), ("local_matching", 1300.0), ("union_own", 300.0)]
