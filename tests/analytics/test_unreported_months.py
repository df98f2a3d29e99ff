"""A month no help station of the region reported is unknown, not 0: its files have not come
yet, or were withdrawn. Before, the monthly trend of 救助人数/救助金额 read 0 in such a month
(inside the months the warehouse held relief for), 救助覆盖率 read 0.0%, a later month's 同比
was taken against that 0, and a month every station declared empty (零报告) read nothing at
all. Now a month some station sent rows or a 零报告 for is 0 where nothing was paid, and one
no station spoke for is a gap, in the trend, the KPIs and the chart's downloads alike.

The deployment: 广州市 天河区, two stations; relief in 2025-01 and 2026-01 (五山), 2026-02
(石牌) and 2026-04 (五山); nothing for 2026-03; a 零报告 of both stations for 2026-05; a
register of the five persons from 2025-06."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from analytics import coverage, export, queries
from analytics.filters import Filters
from etl import load
from etl.__main__ import main as etl_main
from tests.deployment_files import AMOUNTS, STATIONS, fresh, roster
from tests.messy_files import make_id

WUSHAN, SHIPAI = "440106001", "440106002"  # the registry's codes, in its order
MONTHS = [date(2026, m, 1) for m in range(1, 9)]
PAID = sum(AMOUNTS)  # each roster: five persons


def _months(region: str) -> Filters:
    return Filters(region=region, start=MONTHS[0], end=MONTHS[-1], granularity="month")


def _month(region: str, month: int) -> Filters:
    return Filters(region=region, start=date(2026, month, 1), end=date(2026, month, 1),
                   granularity="month")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("unreported")
    files = [roster(where / "2025-01.csv", "天河区五山街道帮扶站", day="2025-01-1"),
             roster(where / "2026-01.csv", "天河区五山街道帮扶站", day="2026-01-1"),
             roster(where / "2026-02.csv", "天河区石牌街道帮扶站", day="2026-02-1"),
             roster(where / "2026-04.csv", "天河区五山街道帮扶站", day="2026-04-1")]
    db, report = fresh(where, "440100", STATIONS, *files)
    assert report.exit_code == 0
    register = ["序号,姓名,身份证号码,性别,帮扶站点,困难类别,建档日期"]
    for i in range(len(AMOUNTS)):
        pid = make_id(f"44010619{80 + i}0101{100 + i:03d}")  # roster's persons
        register.append(f"{i + 1},张{i},{pid},男,天河区五山街道帮扶站,低收入,2025-06-01")
    (where / "建档花名册.csv").write_text("\n".join(register) + "\n", encoding="utf-8")
    assert load.load_files([where / "建档花名册.csv"], db, rejects_dir=where / "rej").exit_code == 0
    assert etl_main(["zero-report", "--station", WUSHAN, SHIPAI, "--month", "2026-05",
                     "--kind", "relief", "--db", str(db)]) == 0
    return db


@pytest.fixture
def on_deployment(deployment, monkeypatch):
    monkeypatch.setenv("UNION_DASH_DB", str(deployment))


def _series(df: pl.DataFrame, code: str, column: str = "value") -> dict[date, float | None]:
    rows = df.filter(pl.col("code") == code).select("period", column).iter_rows()
    return dict(rows)


@pytest.mark.parametrize("region", ["440100", "440106"])
def test_a_month_no_station_reported_is_a_gap_a_declared_one_is_zero(on_deployment, region):
    trend = queries.trend(["relieved", "relief_amount"], _months(region))
    persons, paid = _series(trend, "relieved"), _series(trend, "relief_amount")
    assert list(persons) == MONTHS
    assert [persons[m] for m in MONTHS] == [5, 5, None, 5, 0, None, None, None]
    assert [paid[m] for m in MONTHS] == [PAID, PAID, None, PAID, 0, None, None, None]


def test_a_station_is_a_gap_in_a_month_only_the_other_reported(on_deployment):
    persons = _series(queries.trend(["relieved"], _months(WUSHAN)), "relieved")
    assert [persons[m] for m in MONTHS[:5]] == [5, None, None, 5, 0]
    shipai = _series(queries.trend(["relieved"], _months(SHIPAI)), "relieved")
    assert [shipai[m] for m in MONTHS[:5]] == [None, 5, None, None, 0]


def test_a_year_ago_nobody_reported_is_no_base_for_the_yoy(on_deployment):
    trend = queries.trend(["relieved", "relief_amount"], _months("440106"))
    before = _series(trend, "relieved", "year_ago")
    assert before[date(2026, 1, 1)] == 5  # 2025-01 was reported
    assert before[date(2026, 2, 1)] is None and before[date(2026, 4, 1)] is None  # not 0


def test_kpis_of_a_month_nobody_reported_are_unknown_and_of_a_declared_one_zero(on_deployment):
    codes = ["relieved", "relief_amount", "coverage", "amount_per_person"]
    march = {r["code"]: r for r in queries.kpis(codes, _month("440106", 3)).iter_rows(named=True)}
    assert [march[c]["value"] for c in codes] == [None, None, None, None]  # coverage was 0.0
    assert march["relieved"]["previous"] == 5  # 环比 base: February, reported
    april = {r["code"]: r for r in queries.kpis(codes, _month("440106", 4)).iter_rows(named=True)}
    assert april["coverage"]["value"] == pytest.approx(1.0)
    assert april["relieved"]["previous"] is None and april["coverage"]["previous"] is None
    may = {r["code"]: r for r in queries.kpis(codes, _month("440106", 5)).iter_rows(named=True)}
    assert [may[c]["value"] for c in codes] == [0, 0, 0, None]  # nothing paid; no average


def test_a_declared_month_has_relief_to_show_an_unreported_one_has_none(on_deployment):
    """The pages ask coverage.in_view whether to draw a section or say why it is empty: a
    month every station declared empty is shown (its 0s), one nobody reported is not."""
    assert coverage.in_view(_month("440106", 5), ("relief",)) == {"relief": "rows"}  # 'none'
    assert coverage.in_view(_month("440106", 3), ("relief",)) == {"relief": "none"}
    assert coverage.reported_months(_months("440106"), "relief") == {
        date(2025, 1, 1), *(date(2026, m, 1) for m in (1, 2, 4, 5))}


def test_a_unit_that_did_not_report_has_no_coverage_in_a_breakdown(on_deployment):
    """By sub-region (the map, the briefing's 表2, the attention list): 五山街道 keeps the
    register; in February only 石牌 reported, so 五山's coverage is unknown, not 0.0%."""
    def by_unit(month: int) -> dict[tuple[str, str], float | None]:
        df = queries.breakdown(["coverage", "relieved"], _month("440106", month), "region")
        return {(r["dim"], r["code"]): r["value"] for r in df.iter_rows(named=True)}

    wushan, shipai = WUSHAN + "000", SHIPAI + "000"  # their 街道, as the registry made them
    feb = by_unit(2)
    assert (wushan, "coverage") in feb and feb[(wushan, "coverage")] is None  # was 0.0
    assert feb[(shipai, "relieved")] == 5
    assert by_unit(4)[(wushan, "coverage")] == pytest.approx(1.0)
    assert by_unit(5)[(wushan, "coverage")] == 0  # declared: nobody relieved


def test_the_trend_chart_download_leaves_the_month_empty(on_deployment):
    """The chart's table as its CSV download makes it (the page's cached view, the release
    for a staff user and for a researcher's disclosure control, then the CSV)."""
    from ui import charts, data, sections
    from ui.downloads import release

    codes = ["relieved", "relief_amount"]
    g = _months("440106")
    token = data.version().token
    _, table = sections._trend_view(tuple(codes), g, "zh", "t", False, token)
    provenance = charts.provenance("t", codes, g, "zh")
    for role in ("staff", "researcher"):
        got = release(table, provenance, role=role,
                      parts=lambda: data.trend_parts(tuple(codes), g, token))
        csv = pl.read_csv(io.BytesIO(export.data_csv(got.table, provenance)),
                          comment_prefix="#", try_parse_dates=True)
        rows = {r["period"]: r for r in csv.iter_rows(named=True)}
        assert rows[date(2026, 3, 1)]["relieved"] is None, role
        assert rows[date(2026, 3, 1)]["relief_amount"] is None, role
        assert rows[date(2026, 8, 1)]["relieved"] is None, role
        if role == "staff":
            assert rows[date(2026, 5, 1)]["relieved"] == 0
            assert rows[date(2026, 4, 1)]["relief_amount"] == PAID


@pytest.mark.parametrize(("month", "shown"), [("2026-03", "—"), ("2026-05", "0人")])
def test_the_relief_cards_read_dash_for_an_unreported_month_and_0_for_a_declared_one(
        deployment, local_staff, month, shown):
    from tests.apptest_pages import open_dashboard

    at = open_dashboard(deployment, local_staff, "pages/relief.py", region="440106",
                        **{"from": month, "to": month, "gran": "month"})
    cards = {m.label: m for m in at.metric}
    assert cards["救助人数"].value == shown
    assert cards["救助覆盖率"].value == ("—" if shown == "—" else "0.0%")
