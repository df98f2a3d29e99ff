"""The briefing's charts: pure figures from analytics.figures over the briefing's numbers,
each with the provenance its PNG carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from analytics import figures
from analytics.briefing.content import FUND_CODES, TREND_CODES, BriefingData
from analytics.export import Provenance
from analytics.indicators import INDICATORS

WIDTH, HEIGHT = 900, 420


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
    v = b.version
    version = (f"{v.batches} batches, last loaded {v.loaded_at:%Y-%m-%d %H:%M}"
               if v and v.loaded_at else (v.token if v else ""))
    return Provenance(
        title=title, indicators=[INDICATORS[c].as_dict(lang) for c in codes],
        filters={"region": f"{b.region} {b.name(lang)}", "period": b.period.label(lang)},
        data_version=version, generated_at=datetime.now().astimezone(), lang=lang)


def _sized(fig: go.Figure) -> go.Figure:
    fig.update_layout(width=WIDTH, height=max(HEIGHT, fig.layout.height or 0))
    return fig


def build_charts(b: BriefingData, lang: str = "zh") -> list[Chart]:
    """Up to five charts; a chart without data is left out."""
    zh = lang != "en"
    gran = "year" if b.period.granularity == "year" else "month"
    out: list[Chart] = []

    def add(title: str, codes: tuple[str, ...], fig: go.Figure | None) -> None:
        if fig is not None:
            out.append(Chart(title, _sized(fig), _provenance(b, title, codes, lang)))

    if b.trend.height:
        title = "救助人数与在档困难职工" if zh else "Persons relieved and on file"
        add(title, TREND_CODES, figures.trend_figure(
            _named(b.trend, lang), unit="persons", lang=lang, granularity=gran, title=title,
            series="series"))
    if b.amount_trend.height:
        title = "救助金额" if zh else "Relief paid"
        add(title, ("relief_amount",), figures.trend_figure(
            b.amount_trend, unit="yuan", lang=lang, granularity=gran, title=title,
            name=INDICATORS["relief_amount"].name(lang)))
    fest = b.festival.filter(pl.col("code") == "festival_persons")
    if fest.height:
        title = "两节慰问人数（按对象）" if zh else "Condolence visits by group"
        fest = fest.with_columns(pl.col("dim").map_elements(
            lambda d: b.label("recipient_group", d, lang), return_dtype=pl.String).alias("label"))
        add(title, ("festival_persons",), figures.bar_figure(
            fest, label="label", unit="persons", lang=lang, title=title,
            name=INDICATORS["festival_persons"].name(lang)))
    if b.funds.height:
        title = "帮扶资金（按来源）" if zh else "Funds by source"
        funds = _named(b.funds, lang).with_columns(pl.col("dim").map_elements(
            lambda d: b.label("fund_source", d, lang), return_dtype=pl.String).alias("label"))
        add(title, FUND_CODES, figures.bar_figure(
            funds, label="label", unit="yuan", lang=lang, title=title, series="series"))
    kids = b.children.filter(pl.col("code") == "relieved")
    if kids.height > 1:
        title = "救助人数（按下级单位）" if zh else "Persons relieved by unit"
        kids = kids.with_columns(pl.col("dim").map_elements(
            lambda d: b.label("region", d, lang), return_dtype=pl.String).alias("label"))
        add(title, ("relieved",), figures.bar_figure(
            kids.sort("value", descending=True), label="label", unit="persons", lang=lang,
            title=title, name=INDICATORS["relieved"].name(lang)))
    return out
