"""Users bound to a region: a district's staff see, export, brief and load their district only,
whatever the URL says. On a 广州市 deployment (not the sample) with two districts' rosters."""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import analytics
from analytics import (
    access,
    coverage,
    disclosure_parts,
    findings,
    quality,
    queries,
    queries_attention,
    queries_petitions,
    reference,
    scan,
    targets,
)
from analytics import registry as reg
from analytics.briefing.content import gather
from analytics.briefing.period import parse_period
from analytics.briefing.problems import gather_problems
from analytics.filters import Filters
from etl import load
from etl.__main__ import main as etl_main
from tests.messy_files import make_id
from ui import auth
from ui.auth.__main__ import main as auth_cli

ROOT = Path(__file__).resolve().parents[2]
MINE, OTHER = "440106", "440104"  # 天河区 (the user's), 越秀区 (not theirs)
STATIONS = """站点名称,所属旗县区,所属乡镇街道,成立日期
天河区五山街道帮扶站,天河区,五山街道,2018-03-01
越秀区北京街道帮扶站,越秀区,北京街道,2018-03-01
"""
HEADER = "序号,姓名,身份证号码,帮扶站点,帮扶类型,资金来源,金额（元）,发放日期"
JAN = Filters(region=MINE, start=date(2026, 1, 1), end=date(2026, 1, 1), scope=MINE)


def roster(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    """(station, id prefix, amount) rows of January 2026."""
    lines = [HEADER]
    for i, (station, prefix, amount) in enumerate(rows):
        pid = make_id(f"{prefix}19{80 + i % 20}0101{100 + i:03d}")
        lines.append(f"{i + 1},张{i},{pid},{station},两节慰问,工会自筹,{amount},2026-01-{10 + i % 9}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MY_ROWS = [("天河区五山街道帮扶站", MINE, 500 + 100 * i) for i in range(5)]
OTHER_ROWS = [("越秀区北京街道帮扶站", OTHER, 7777) for _ in range(3)]


@pytest.fixture(scope="module")
def guangzhou(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("gz_users")
    db = where / "w.duckdb"
    assert etl_main(["init", "--db", str(db), "--scope", "440100"]) == 0
    (where / "stations.csv").write_text(STATIONS, encoding="utf-8")
    report = load.load_files([where / "stations.csv",
                              roster(where / "relief.csv", MY_ROWS + OTHER_ROWS)],
                             db, rejects_dir=where / "rej")
    assert report.exit_code == 0, [f.line for f in report.files]
    return db


@pytest.fixture
def reading(guangzhou, monkeypatch) -> Path:
    monkeypatch.setenv("UNION_DASH_DB", str(guangzhou))
    return guangzhou


# ---------------------------------------------------------------- accounts


def test_add_user_with_a_region_and_list_it(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "auth.yaml"
    auth.add_user("Tianhe", "staff", "Geheim-7531", cfg, region=MINE)
    user = auth.user_from(auth.read_config(cfg), "tianhe")
    assert user == auth.User("Tianhe", "staff", region=MINE)
    auth.add_user("Boss", "admin", "Geheim-7531", cfg)
    assert auth.user_from(auth.read_config(cfg), "boss").region is None
    with pytest.raises(ValueError, match="region"):
        auth.add_user("x", "staff", "Geheim-7531", cfg, region="天河区")
    # the listing through `main` (what `python -m ui.auth` runs) in this process: the command
    # in a process of its own is tested in tests/ui/test_auth.py
    monkeypatch.setenv("UNION_DASH_AUTH", str(cfg))
    capsys.readouterr()
    auth_cli(["list-users"])
    listed = capsys.readouterr().out
    assert "tianhe staff 440106" in listed and "boss admin *" in listed


# ---------------------------------------------------------------- analytics refuses


def _refusers(f: Filters) -> dict[str, object]:
    """Every public analytics entry taking a region, called with `f`'s region and scope."""
    finding = quality.finding_view(f.region, 2026, "union", f.scope)
    return {
        "kpis": lambda: queries.kpis(["relieved"], f),
        "trend": lambda: queries.trend(["relieved"], f),
        "breakdown": lambda: queries.breakdown(["relieved"], f, "region"),
        "through": lambda: queries.through(["festival_persons"], f, f.end_day),
        "evaluate": lambda: queries.evaluate([], f, scan.kpi_buckets(f)),
        "interventions": lambda: queries.interventions(f),
        "in_view": lambda: coverage.in_view(f, ("relief",)),
        "reported_months": lambda: coverage.reported_months(f, "relief"),
        "attention": lambda: queries_attention.attention(f),
        "matching_gaps": lambda: queries_attention.matching_gaps(f),
        "mediation_funnel": lambda: queries_petitions.mediation_funnel(f),
        "quality.summary": lambda: quality.summary("quality", f),
        "quality.findings": lambda: quality.findings("amount_outlier", f),
        "quality.flag_groups": lambda: quality.flag_groups("duplicate_relief", f),
        "quality.station_months": lambda: quality.station_months(f),
        "quality.rejects": lambda: quality.rejects_by_reason(f),
        "quality.overspend": lambda: quality.overspend_rows(finding),
        "briefing": lambda: gather(f.region, parse_period("2026-01"), f.scope),
        "targets.progress": lambda: targets.progress(None, f, 2026),
        "findings.indicator_by_unit": lambda: findings.indicator_by_unit(["relieved"], f),
        "findings.petition_counts": lambda: findings.petition_counts(f),
        "findings.matching_arrears": lambda: findings.matching_arrears(f),
        "findings.silent_stations": lambda: findings.silent_stations(f),
        "briefing.problems": lambda: gather_problems(f, (None, None)),
        "dim_unrecorded": lambda: queries.dim_unrecorded("coverage", f, "category"),
        "disclosure_parts.trend_parts": lambda: disclosure_parts.trend_parts(["coverage"], f),
        "disclosure_parts.breakdown_parts":
            lambda: disclosure_parts.breakdown_parts(["relief_amount"], f, "region"),
    }


@pytest.mark.parametrize("name", list(_refusers(JAN)))
def test_every_entry_refuses_a_region_outside_the_scope(name, reading):
    outside = replace(JAN, region=OTHER)
    with pytest.raises(access.OutOfScope):
        _refusers(outside)[name]()
    wider = replace(JAN, region="440100")  # the city above: wider than the scope
    with pytest.raises(access.OutOfScope):
        _refusers(wider)[name]()
    if name != "quality.overspend":  # takes a county
        _refusers(replace(JAN, region="440106001"))[name]()  # a station inside: fine
    _refusers(JAN)[name]()


def test_no_analytics_function_takes_filters_unchecked():
    """A new public function taking Filters must be added to `_refusers` (and check)."""
    import importlib
    import pkgutil

    tested = {"kpis", "trend", "breakdown", "through", "evaluate", "interventions", "in_view",
              "reported_months",
              "attention", "matching_gaps", "mediation_funnel", "summary", "findings",
              "flag_groups", "station_months", "rejects_by_reason", "overspend_rows",
              "progress", "indicator_by_unit", "petition_counts", "matching_arrears",
              "silent_stations", "gather_problems", "trend_parts", "breakdown_parts",
              "dim_unrecorded"}
    helpers = {"kpi_buckets", "period_buckets", "scan", "indicator_values", "long_view",
               "render", "gap_column", "check", "available"}  # called by checked ones, or no query
    found = set()
    for mod in pkgutil.walk_packages(analytics.__path__, "analytics."):
        if ".effect" in mod.name or mod.name.endswith("__main__"):
            continue
        module = importlib.import_module(mod.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != mod.name or name.startswith("_"):
                continue
            if any("Filters" in str(p.annotation) for p in inspect.signature(fn).parameters.values()):
                found.add(name)
    assert found - helpers <= tested, found - helpers - tested


def test_scan_refuses_too(reading):
    from analytics.indicators import INDICATORS

    m = INDICATORS["relief_amount"].numerator
    with pytest.raises(access.OutOfScope):
        scan.scan([m], replace(JAN, region=OTHER), scan.kpi_buckets(JAN)[:1])


def test_the_district_sees_its_own_numbers(reading):
    kpi = queries.kpis(["relieved", "relief_amount"], JAN)
    assert dict(zip(kpi["code"], kpi["value"], strict=True)) == {
        "relieved": 5, "relief_amount": sum(a for *_, a in MY_ROWS)}
    held = coverage.coverage(MINE)
    assert held.rows["relief"] == len(MY_ROWS)  # not the city's 8 rows
    assert coverage.coverage().rows["relief"] == len(MY_ROWS) + len(OTHER_ROWS)
    assert set(reg.help_stations(MINE)["county_code"]) == {MINE}
    assert reg.counties(MINE) == {MINE: "天河区"}


def test_a_link_never_widens_the_scope(reading):
    f = Filters.from_query({"region": "000000"}, base=JAN)
    assert f.scope == MINE and f.region == "000000"
    with pytest.raises(access.OutOfScope):
        access.check(f)


# ---------------------------------------------------------------- pages, whatever the URL


PAGES = ["overview", "relief", "funds", "training", "petitions", "effects", "upload",
         "quality", "compliance", "briefing"]


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "metric", "text"):
        for el in at.get(kind):
            parts.append(str(getattr(el, "value", "")) + str(getattr(el, "label", "")))
    for box in [*at.selectbox, *at.multiselect]:
        parts += [str(o) for o in box.options]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(chart.proto.spec if hasattr(chart, "proto") else "")
    return "\n".join(parts)


@pytest.mark.parametrize("link", [{"region": "000000"}, {"region": OTHER},
                                  {"region": "440104001"}])
def test_every_page_shows_the_district_only(link, reading, monkeypatch, tmp_path):
    monkeypatch.setenv("UNION_DASH_AUTH", str(tmp_path / "none.yaml"))  # local, no logins
    asked: list[tuple[str, str]] = []
    real = access.check_region

    def recording(region, scope="000000"):
        asked.append((region, scope))
        return real(region, scope)

    monkeypatch.setattr(access, "check_region", recording)
    st.cache_data.clear()  # else a page served from the cache asks analytics nothing
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["union_dash_user"] = auth.User("Tianhe", "staff", region=MINE)
    at.query_params.update(link)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("不在您的权限范围内" in e.value for e in at.error)
    county = next(s for s in at.sidebar.selectbox if s.label == "乡镇街道")
    assert county.options == ["五山街道"]  # the filter bar starts inside the district
    seen = [_texts(at)]
    for page in PAGES[1:]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        seen.append(_texts(at))
    text = "\n".join(seen).replace(f"链接中的地区 {link['region']} ", "")  # the refusal
    where = [line for line in text.splitlines() if "越秀" in line or OTHER in line]
    assert not where, where[:5]
    assert "越秀" not in text and OTHER not in text and "7,777" not in text
    assert asked and all(scope == MINE and access.within(region, MINE)
                         for region, scope in asked), set(asked)


# ---------------------------------------------------------------- uploads


def test_an_upload_loads_the_district_rows_only(guangzhou, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(guangzhou.read_bytes())
    more = roster(tmp_path / "feb.csv", [("天河区五山街道帮扶站", MINE, 901),
                                         ("越秀区北京街道帮扶站", OTHER, 902)])
    report = load.load_files([more], db, rejects_dir=tmp_path / "rej", region=MINE)
    (result,) = report.files
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    reason = result.rejects.filter(pl.col("row").is_not_null())
    assert reason["reason_zh"][0].startswith("不在您的权限范围内：您的账号只能导入天河区（440106）")
    assert reason["column"][0] == "帮扶站点" and reason["value"][0] == "越秀区北京街道帮扶站"
    # The same file from the city's staff: not skipped as loaded before, the rest loads.
    again = load.load_files([more], db, rejects_dir=tmp_path / "rej")
    assert again.files[0].status == "loaded" and again.files[0].rows_rejected == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        amounts = con.sql("SELECT amount_yuan::INT FROM relief WHERE amount_yuan IN (901, 902) "
                          "ORDER BY 1").fetchall()
    finally:
        con.close()
    assert amounts == [(901,), (902,)]  # each once


def test_an_unknown_station_is_rejected_once_for_being_unknown(guangzhou, tmp_path):
    """A row naming a station not registered yet: its place cannot be read, so its reason is
    that (with how to register it), not a second one that it lies outside the user's region."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(guangzhou.read_bytes())
    more = roster(tmp_path / "feb.csv", [("天河区五山街道帮扶站", MINE, 903),
                                         ("天河区猎德街道帮扶站", MINE, 904)])
    (result,) = load.load_files([more], db, rejects_dir=tmp_path / "rej", region=MINE).files
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    reasons = result.rejects.filter(pl.col("row").is_not_null())["reason_zh"].to_list()
    assert len(reasons) == 1 and reasons[0].startswith("未知的帮扶站点“天河区猎德街道帮扶站”"), reasons


def test_a_registry_upload_cannot_add_another_district_station(guangzhou, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(guangzhou.read_bytes())
    extra = tmp_path / "stations.csv"
    extra.write_text("站点名称,所属旗县区,所属乡镇街道\n天河区石牌街道帮扶站,天河区,石牌街道\n"
                     "越秀区六榕街道帮扶站,越秀区,六榕街道\n", encoding="utf-8")
    (result,) = load.load_files([extra], db, rejects_dir=tmp_path / "rej", region=MINE).files
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)


def test_effects_compare_the_district_only(reading):
    from analytics.effects import data as effect_data

    outcome = effect_data.outcomes()["relief_count"]
    with pytest.raises(access.OutOfScope):
        effect_data.county_month_panel(outcome, [MINE, OTHER], JAN.all_months())
    panel = effect_data.county_month_panel(outcome, [MINE], JAN.all_months())
    assert set(panel["region_code"]) == {MINE}
    mine = effect_data.regions_within(reference.regions(), MINE)
    assert set(mine.filter(pl.col("level") == "county")["region_code"]) == {MINE}
    assert "440100" in set(mine["region_code"])  # a city-wide measure still reaches it


def test_a_district_user_withdraws_only_batches_of_the_district(guangzhou, tmp_path):
    import os

    from core import audit
    from etl import withdraw

    db = tmp_path / "w.duckdb"
    db.write_bytes(guangzhou.read_bytes())
    mine = roster(tmp_path / "mine.csv", [("天河区五山街道帮扶站", MINE, 1234)])
    (own,) = load.load_files([mine], db, rejects_dir=tmp_path / "rej", region=MINE).files
    listed = withdraw.batches(db, region=MINE)["batch_id"].to_list()
    assert listed == [own.batch_id]  # not the city's registry nor the two-district roster
    everything = withdraw.batches(db)["batch_id"].to_list()
    mixed = everything[-1]  # the first batch: the city's registry
    with pytest.raises(withdraw.Refused, match="权限范围"):
        withdraw.withdraw(db, mixed, user="tianhe", region=MINE)
    done = withdraw.withdraw(db, own.batch_id, user="tianhe", region=MINE)
    assert done.plan.rows_removed == 1
    log = audit.events(os.environ["UNION_DASH_AUDIT"], action="withdraw")
    mine_events = log.filter(pl.col("user") == "tianhe")
    assert set(mine_events["outcome"]) == {"started", "ok", "error"}  # intent, done, refused
    assert own.batch_id in mine_events["object"].to_list()
