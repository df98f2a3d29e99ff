"""干预评估 Intervention effects: pick a measure, an outcome and a method (suggested from the
design), see the estimate with its interval, the counterfactual, the event-study plot, the
pre-trend test, a placebo and one plain sentence. Layout only: the work is in analytics."""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics.effects import data as effect_data
from analytics.effects import figures as effect_figures
from analytics.effects import sentence, suggest_design, warning_text
from analytics.effects.run import Settings, analyse
from analytics.effects.text import effect_figures as card_values
from analytics.effects.text import p_text
from analytics.filters import Filters
from analytics.indicators import DIM_LABEL_DOMAIN
from core import literal
from core.messages import pick, render
from ui import data, empty
from ui.charts import show_chart
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
f, lang, token = page.filters, page.lang, page.token
METHODS = ("its", "did", "event_study")


@st.cache_data(show_spinner=False, max_entries=8)
def _registry(token: str) -> pl.DataFrame:
    return effect_data.interventions()


@st.cache_data(show_spinner=False, max_entries=64)
def _panel(code: str, counties: tuple[str, ...], cuts: tuple, scope: str, token: str):
    outcome = effect_data.outcomes()[code]
    every = Filters(region=scope, scope=scope).all_months()  # the panel reads every month
    return effect_data.county_month_panel(outcome, counties, every, cuts=dict(cuts))


@st.cache_data(show_spinner=False, max_entries=64)
def _analysis(method: str, code: str, panel: pl.DataFrame, starts: tuple, comparison: tuple,
              settings: Settings, token: str):
    return analyse(method, effect_data.outcomes()[code], panel, dict(starts), comparison,
                   settings)


st.title(render("app.page_effects", lang))
st.caption(render("effects.intro", lang) + render("effects.all_months", lang))
rows = _registry(token)
# Measures rolled out in many regions first: they carry the richest designs.
groups = effect_data.intervention_groups(rows).sort(["scopes", "first_start"],
                                                     descending=[True, False])
regions = effect_data.regions_within(data.regions(token), f.scope)  # a county user: theirs
names = dict(zip(regions["region_code"], regions[pick(("name_zh", "name_en"), lang)],
                 strict=True))
outcomes = effect_data.outcomes()
counties = tuple(regions.filter(pl.col("level") == "county")["region_code"])


def _label(g: str) -> str:
    row = groups.filter(pl.col("group") == g).row(0, named=True)
    name = row[pick(("name_zh", "name_en"), lang)]
    return f"{name}（{render('effects.scopes', lang, n=row['scopes'], start=row['first_start'])}）"


if groups.is_empty():
    empty.notice(render("effects.no_interventions", lang), lang)
    st.stop()
left, right = st.columns(2)
group = left.selectbox(
    render("effects.intervention", lang), groups["group"].to_list(), key="ef_group",
    format_func=_label)
kind = groups.filter(pl.col("group") == group)["kind"].item()
default = list(outcomes).index(effect_data.DEFAULT_OUTCOME.get(kind, "relief_count"))
code = right.selectbox(render("effects.outcome", lang), list(outcomes), index=default,
                       key=f"ef_outcome_{group}",
                       format_func=lambda c: outcomes[c].name(lang))
outcome = outcomes[code]
needed = [m.table for m in (outcome.numerator, outcome.denominator) if m is not None]
if not set(needed) <= empty.coverage().loaded:  # else a flat zero series would be "estimated"
    empty.notice(empty.message({tb: "empty" for tb in needed
                                if tb not in empty.coverage().loaded}, lang) or "", lang)
    st.stop()
cuts = {}
with st.expander(render("effects.cuts", lang), expanded=False):
    for dim in (d for d in outcome.cut_dims if d in DIM_LABEL_DOMAIN):
        labels = data.labels(DIM_LABEL_DOMAIN[dim], token)
        picked = st.multiselect(render(f"app.dim_{dim}", lang),
                                list(labels), key=f"ef_cut_{dim}",
                                format_func=lambda c, lb=labels: pick(lb[c], lang))
        if picked:
            cuts[dim] = tuple(picked)

# Every month, not the sidebar's period: trends before and after the start need the whole series.
panel = _panel(code, counties, tuple(sorted(cuts.items())), f.scope, token)
design = suggest_design(effect_data.scopes_of(rows, group), regions, panel=panel)
if not design.treated:
    st.info(render("effects.no_treated", lang))
    st.stop()
method = st.radio(render("effects.method", lang), METHODS, index=METHODS.index(design.method),
                  horizontal=True, key=f"ef_method_{group}",
                  format_func=lambda m: render(f"effects.method_{m}", lang))
st.caption(render("effects.suggested", lang, method=render(f"effects.method_{design.method}", lang),
              reason=render(f"effects.{design.reason}", lang)))
st.caption(render("effects.treated_regions", lang,
              names="、".join(literal.markdown(names[c]) for c in design.treated)))
comparison: list[str] = []
if method != "its":
    untreated = [c for c in counties if c not in design.starts]
    comparison = st.multiselect(render("effects.comparison", lang), untreated, default=design.comparison,
                                key=f"ef_comparison_{group}", format_func=names.get)
    if not comparison and method == "did":
        st.warning(render("effects.need_comparison", lang))
        st.stop()

with st.expander(render("effects.settings", lang)):
    a, b, c = st.columns(3)
    seasonality = a.slider(render("effects.seasonality", lang), 0, 3, 2, key="ef_season")
    hac = b.selectbox(render("effects.hac", lang), ("auto", "on", "off"), key="ef_hac",
                      format_func=lambda h: render(f"effects.hac_{h}", lang))
    slope = c.checkbox(render("effects.slope_change", lang), value=True, key="ef_slope")
    width = a.select_slider(render("effects.period_width", lang), (1, 3, 6, 12), value=3, key="ef_width")
settings = Settings(seasonality=seasonality, hac=hac, slope_change=slope, period_width=width)

try:
    analysis = _analysis(method, code, panel, tuple(sorted(design.starts.items())),
                         tuple(comparison), settings, token)
except (ValueError, KeyError, RuntimeError) as exc:  # e.g. too few periods for the model
    st.error(render("effects.failed", lang, error=exc))
    st.stop()
result, placebo = analysis.result, analysis.placebo

label = outcome.name(lang)
text = sentence(result, label, lang=lang, per=render("effects.per_month", lang))
(st.warning if not result.causal_ok else st.success if result.significant else st.info)(text)
est, interval = card_values(result, lang)
plain = {"delta_color": "off", "delta_arrow": "off", "border": True}
cards = st.columns(4)
cards[0].metric(render("effects.effect_ratio" if result.scale == "ratio" else "effects.effect", lang), est,
                delta=f"{render('effects.ci', lang)} {interval}", **plain)
cards[1].metric(render("effects.p_value", lang), p_text(result.p_value), border=True)
pretrend = result.diagnostics.pretrend_p
cards[2].metric(render("effects.pretrend", lang),
                p_text(pretrend) if pretrend is not None else render("effects.not_applicable", lang),
                border=True)
cards[3].metric(render("effects.placebo", lang), card_values(placebo, lang)[0] if placebo else "—",
                delta=f"p={p_text(placebo.p_value)}" if placebo else None,
                help=render("effects.placebo_help", lang), **plain)
for w in result.warnings:
    st.caption(f":material/warning: {warning_text(w, result, lang)}")

start = min(design.starts.values())
codes = [outcome.catalogue] if outcome.catalogue else []
named = [outcome.as_dict(lang)]  # what the exports say the series count
title = render("effects.counterfactual_title", lang, outcome=label)
width = settings.period_width
if method == "its":
    fig = effect_figures.its_figure(result, start, lang=lang, title=title, y_title=label)
    show_chart(page, fig, result.series, key="ef_its", title=title, codes=codes,
               indicators=named)
else:
    left, right = st.columns(2)
    with left:
        if method == "did":
            series = effect_figures.did_series(analysis.data, result)
            fig = effect_figures.did_figure(series, start, lang=lang, title=title, y_title=label)
        else:
            series = effect_figures.event_series(analysis.data, result, width, settings.window)
            fig = effect_figures.event_counterfactual_figure(
                series, lang=lang, title=title, y_title=label, months_per_period=width)
        show_chart(page, fig, series, key="ef_counterfactual", title=title, codes=codes,
                   indicators=named)
    dynamic = result if method == "event_study" else analysis.dynamic
    with right:
        if dynamic is not None:
            event_title = render("effects.event_title", lang, outcome=label)
            fig = effect_figures.event_figure(dynamic, lang=lang, title=event_title,
                                              months_per_period=width)
            show_chart(page, fig, dynamic.periods, key="ef_event", title=event_title, codes=codes,
                       indicators=named)
st.caption(render("effects.estimator", lang, text=result.estimator))
for note in analysis.notes:
    st.caption(note)
