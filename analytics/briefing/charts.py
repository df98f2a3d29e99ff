"""The briefing's charts: pure figures from analytics.figures over the briefing's numbers,
each with the provenance its PNG carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from analytics import export, figures
from analytics.briefing.content import FUND_CODES, TREND_CODES, BriefingData
from analytics.export import Provenance
from analytics.indicators import INDICATORS
from core.messages import register, render

# One title per chart build_charts can make: how many a briefing holds at most.
CHART_TITLES = {
    "trend": ("救助人数与在档困难职工", "Persons relieved and on file"),
    "amount": ("救助金额", "Relief paid"),
    "festival": ("两节慰问人数（按对象）", "Condolence visits by group"),
    "funds": ("帮扶资金（按来源）", "Funds by source"),
    "units": ("救助人数（按下级单位）", "Persons relieved by unit"),
}
register("briefing_chart", CHART_TITLES)

WIDTH, HEIGHT = 680, 380  # CSS px for 150 mm of page: tick labels stay legible


@dataclass(frozen=True)
class Chart:
    title: str
    figure: go.Figure
    provenance: Provenance


def _named(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    names = {c: INDICATORS[c].name(lang) for c in INDICATORS}
    return df.with_columns(pl.col("code").replace_strict(names, default=pl.col("code"))
                           .alias("series"))


def _provenance(b: BriefingData, title: str, codes: tuple[str, ...], lang: str) -> Provenance:
    return Provenance(
        title=title, indicators=[INDICATORS[c].as_dict(lang) for c in codes],
        filters={"region": f"{b.region} {b.name(lang)}", "period": b.period.label(lang)},
        data_version=b.version_words(lang), generated_at=datetime.now().astimezone(), lang=lang,
        sample=b.sample)


def chart_png(chart: Chart, scale: float = 2) -> bytes:
    """The chart as the document shows it: the plot alone, its title and provenance said once
    by the document (the caption 图N under it, the data version under the title, the
    definitions at the end) rather than in every picture."""
    fig = chart.figure.to_dict()
    layout = fig.setdefault("layout", {})
    layout.pop("title", None)
    layout["margin"] = {**(layout.get("margin") or {}), "t": 30}
    # The exporter's renderer without its caption strip (analytics.export.figure_png adds
    # one, with the sample's note, to every stand-alone export).
    return export._render(fig, "png", scale, int(layout.get("width") or WIDTH),
                          int(layout.get("height") or HEIGHT))


def _periods(trend: pl.DataFrame) -> int:
    """How many periods of a trend have a value above zero."""
    return trend.filter(pl.col("value") > 0)["period"].n_unique() if trend.height else 0


def _sized(fig: go.Figure) -> go.Figure:
    fig.update_layout(width=WIDTH, height=max(HEIGHT, fig.layout.height or 0))
    return fig


def build_charts(b: BriefingData, lang: str = "zh") -> list[Chart]:
    """Up to one chart per CHART_TITLES entry; a chart is left out unless it compares something: a trend needs two
    periods with data, a breakdown two groups (one bar or one dot says no more than the
    text)."""
    gran = "year" if b.period.granularity == "year" else "month"
    out: list[Chart] = []

    def add(title: str, codes: tuple[str, ...], fig: go.Figure | None) -> None:
        if fig is not None:
            out.append(Chart(title, _sized(fig), _provenance(b, title, codes, lang)))

    if _periods(b.trend) > 1:
        title = render("briefing_chart.trend", lang)
        add(title, TREND_CODES, figures.trend_figure(
            _named(b.trend, lang), unit="persons", lang=lang, granularity=gran, title=title,
            series="series"))
    if _periods(b.amount_trend) > 1:
        title = render("briefing_chart.amount", lang)
        add(title, ("relief_amount",), figures.trend_figure(
            b.amount_trend, unit="yuan", lang=lang, granularity=gran, title=title,
            name=INDICATORS["relief_amount"].name(lang)))
    fest = b.festival.filter(pl.col("code") == "festival_persons")
    if fest["dim"].n_unique() > 1:
        title = render("briefing_chart.festival", lang)
        fest = fest.with_columns(pl.col("dim").map_elements(
            lambda d: b.label("recipient_group", d, lang), return_dtype=pl.String).alias("label"))
        add(title, ("festival_persons",), figures.bar_figure(
            fest, label="label", unit="persons", lang=lang, title=title,
            name=INDICATORS["festival_persons"].name(lang)))
    if b.funds["dim"].n_unique() > 1:
        title = render("briefing_chart.funds", lang)
        funds = _named(b.funds, lang).with_columns(pl.col("dim").map_elements(
            lambda d: b.label("fund_source", d, lang), return_dtype=pl.String).alias("label"))
        add(title, FUND_CODES, figures.bar_figure(
            funds, label="label", unit="yuan", lang=lang, title=title, series="series"))
    kids = b.children.filter(pl.col("code") == "relieved")
    if kids.height > 1:
        title = render("briefing_chart.units", lang)
        kids = kids.with_columns(pl.col("dim").map_elements(
            lambda d: b.label("region", d, lang), return_dtype=pl.String).alias("label"))
        add(title, ("relieved",), figures.bar_figure(
            kids.sort("value", descending=True), label="label", unit="persons", lang=lang,
            title=title, name=INDICATORS["relieved"].name(lang)))
    return out
