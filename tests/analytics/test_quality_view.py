"""The quality pages' figures and tables as pure functions of their data."""

from __future__ import annotations

from datetime import date

import polars as pl

from analytics import figures
from ui import quality_view as qv


def _cells() -> pl.DataFrame:
    return pl.DataFrame({
        "station_code": ["150702001"] * 4 + ["150702002"] * 4,
        "station_zh": ["正阳"] * 4 + [None] * 4, "station_en": ["Zhengyang"] * 4 + [None] * 4,
        "county_code": ["150702"] * 8,
        "month": [date(2012, m, 1) for m in (1, 2, 3, 4)] * 2,
        "rows": [3, 0, 0, 2, 1, 1, 0, 4], "amount_yuan": [1.0] * 8,
        "status": ["reported", "missing", "missing", "late", "reported", "reported", "empty",
                   "reported"]})


def test_completeness_heatmap_codes_each_cell_by_status():
    fig = figures.completeness_figure(_cells(), "zh")
    heat = fig.data[0]
    assert list(heat.x) == ["2012-01", "2012-02", "2012-03", "2012-04"]
    assert list(heat.y) == ["正阳", "150702002"]  # a station without a name keeps its code
    assert [list(r) for r in heat.z] == [[3, 0, 0, 1], [3, 3, 2, 3]]
    assert heat.text[0][1] == "漏报 · 0" and heat.text[1][2] == "当月无救助 · 0"
    # each status code lands in a band of its own colour
    bands = {c: colour for c, colour, *_ in figures.STATUSES.values()}
    for code, colour in bands.items():
        position = (code + 0.5) / len(bands)
        (band,) = [b for a, b in zip(heat.colorscale, heat.colorscale[1:], strict=False)
                   if a[0] <= position <= b[0] and a[1] == b[1]]
        assert band[1] == colour


def test_zero_reports_have_their_own_colour_and_legend_entry():
    cells = _cells().with_columns(
        status=pl.when((pl.col("station_code") == "150702002") & (pl.col("rows") == 0))
        .then(pl.lit("declared")).otherwise("status"))
    fig = figures.completeness_figure(cells, "zh")
    heat = fig.data[0]
    declared = figures.STATUSES["declared"][0]
    assert heat.z[1][2] == declared and heat.text[1][2] == "零报告 · 0"
    assert len({colour for _, colour, *_ in figures.STATUSES.values()}) == len(figures.STATUSES)
    legend = {t.name: t.marker.color for t in fig.data[1:]}
    assert legend == {"已报": "#27ae60", "零报告": figures.STATUSES["declared"][1],
                      "当月无救助": "#d5d8dc", "迟报": "#f39c12", "漏报": "#c0392b"}
    assert [t.name for t in figures.completeness_figure(cells, "en").data[1:]][:2] == [
        "reported", "zero report (nothing to report)"]


def test_completeness_heatmap_in_english():
    heat = figures.completeness_figure(_cells(), "en").data[0]
    assert heat.y[0] == "Zhengyang" and heat.text[0][3] == "late · 2"


def test_rejects_chart_stacks_reasons_by_month():
    rej = pl.DataFrame({"month": [date(2024, 3, 1), date(2024, 3, 1), date(2024, 4, 1)],
                        "station_code": ["a", "b", "a"],
                        "reason_zh": ["金额无法识别", "金额无法识别", "身份证号错误"],
                        "reason_en": ["bad amount", "bad amount", "bad ID"],
                        "rows": [2, 3, 1]})
    fig = figures.rejects_figure(rej, "en")
    by_name = {t.name: (list(t.x), list(t.y)) for t in fig.data}
    assert by_name == {"bad amount": (["2024-03"], [5]), "bad ID": (["2024-04"], [1])}
    assert fig.layout.barmode == "stack"


def test_headers_are_unique_in_each_language():
    for i in (0, 1):
        names = [h[i] for h in qv.HEADERS.values()]
        assert len(names) == len(set(names))


def test_the_tables_months_read_as_the_pages_write_them():
    """漏报和迟报月份 said 2026-02-01 (a date); every other page says 2026年2月."""
    df = pl.DataFrame({"month": [date(2026, 2, 1)], "status": ["missing"],
                       "rows": [0]})
    assert qv.labelled(df, "zh", "t").to_dicts() == [{"月份": "2026年2月", "状态": "漏报",
                                                      "笔数": 0}]
    assert qv.labelled(df, "en", "t")["month"].to_list() == ["Feb 2026"]


def test_a_station_shows_its_code_and_its_name_once_each(monkeypatch):
    """The 帮扶站点 column showed the station's name beside the 站点名称 column (the name
    twice, the code nowhere); a table without a name column gets one beside the code."""
    monkeypatch.setattr(qv.data, "labels", lambda domain, token: {
        "150702001": ("正阳街道帮扶站", "Zhengyang Station")})
    gaps = pl.DataFrame({"station_code": ["150702001"], "station_zh": ["正阳街道帮扶站"],
                         "month": [date(2026, 2, 1)], "status": ["missing"], "rows": [0]})
    assert qv.labelled(gaps, "zh", "t").row(0, named=True) == {
        "站点代码": "150702001", "站点名称": "正阳街道帮扶站", "月份": "2026年2月",
        "状态": "漏报", "笔数": 0}
    rejects = pl.DataFrame({"month": ["2026-02"], "station_code": ["150702001"],
                            "reason_zh": ["金额无法识别"], "rows": [1]})
    for lang, name in (("zh", "正阳街道帮扶站"), ("en", "Zhengyang Station")):
        shown = qv.labelled(rejects, lang, "t")
        assert shown.row(0) == ("2026-02", "150702001", name, "金额无法识别", 1)
