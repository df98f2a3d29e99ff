"""The shared filter bar (sidebar) and its URL: a copied link opens the same view.

The URL holds codes only (`?region=150702&from=2012-01&to=2012-12&gran=month&lang=en`), so a
link means the same in either language. Widgets are not bound with `bind="query-params"`:
bound selectboxes put the displayed label in the URL, which changes with the language. Instead
the URL seeds the widgets once per session and is rewritten from them on every run.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date

import polars as pl
import streamlit as st

from analytics import access, fmt, vocabulary
from analytics.filters import COUNTRY, GRANULARITIES, Filters
from core.messages import LANGS, pick, render
from ui import auth, data, frame

LEVELS = ("province", "city", "county", "township", "station")
_KEYS = {lvl: f"f_{lvl}" for lvl in LEVELS}
# The levels a box offers: the 市 box also the county-level divisions a province governs
# directly (仙桃市 429004 beside 武汉市; etl/national.py hangs them under the province).
_BOX = {"city": ("city", "county")}
_WIDGETS = (*_KEYS.values(), "f_period", "f_gran", "f_source", "f_cat", "show_iv")
_KEPT = "_filter_values"  # the filter widgets' last values, outside Streamlit's widget state


def language() -> str:
    """The language switch (first thing in the sidebar); 中文 by default."""
    if "lang" not in st.session_state:
        q = st.query_params.get("lang")
        st.session_state["lang"] = q if q in LANGS else "zh"
    lang = st.sidebar.segmented_control(
        render("app.language"), LANGS, key="lang", required=True,
        default=_shown("lang", LANGS, "zh"),
        format_func=lambda c: "中文" if c == "zh" else "English")
    return lang if lang in LANGS else "zh"


# Every filter widget is drawn with its current value as its default too. Streamlit sends a
# value set in session state in the run that set it only; a browser that skipped that run
# (a slow one, superseded by the login's cookie rerun) drew the plain defaults instead and
# sent them back on the next click: the link's region and period fell back to the default
# view. The widgets are keyed, so a changed default does not make them new widgets.

def _shown(key: str, options, fallback):
    value = st.session_state.get(key)
    return value if value in options else fallback


def _index(key: str, options: list) -> int | None:
    value = _shown(key, options, None)
    return None if value is None else options.index(value)


def _months(token: str) -> list[date]:
    """The months holding any fact row (the current year in an empty warehouse)."""
    return data.data_months(token)


def _chain(code: str, regions: pl.DataFrame) -> dict[str, str]:
    """level → code of `code` and its ancestors, each in the box that offers it: a county a
    province with cities governs directly in the 市 box (a municipality's in the county box)."""
    by_code = {r["region_code"]: r for r in regions.iter_rows(named=True)}
    out = {}
    while code in by_code and by_code[code]["level"] != "country":
        level, parent = by_code[code]["level"], by_code[code]["parent_code"]
        if (level == "county" and by_code.get(parent, {}).get("level") == "province"
                and _has_kids("city", parent, regions)):
            level = "city"
        out[level] = code
        code = parent
    return out


def set_region(code: str) -> None:
    """Point the region widgets at `code` (call from a callback, before they are drawn)."""
    regions = data.regions(data.version().token)
    chain = _chain(code, regions)
    for lvl in LEVELS:
        st.session_state[_KEYS[lvl]] = chain.get(lvl)


def user_scope(token: str) -> str:
    """The region the signed-in user may see: their login's region, or the deployment's
    scope when that lies below it (or the user has none). Stops the run, with a message, when
    the login's region is not in this warehouse (fail closed)."""
    root = data.root_region(token)
    user = auth.current_user()
    mine = user.region if user else None
    if mine is None or access.within(root, mine):
        return root
    if mine not in set(data.regions(token)["region_code"]):
        st.error(render("app.region_unknown", code=mine))
        st.stop()
    return mine


def _keep_values() -> None:
    st.session_state[_KEPT] = {k: st.session_state[k] for k in _WIDGETS if k in st.session_state}


def _restore_values() -> None:
    """Put back filter values Streamlit dropped. A run stopped for a rerun (the login's cookie
    component asks for one at once, and on a busy server it lands mid-run) can end before
    the widgets are drawn; Streamlit then forgets the values seeded for them, and the link's
    region and period fell back to the defaults."""
    for key, value in (st.session_state.get(_KEPT) or {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def _seed_from_url(token: str, months: list[date], scope: str) -> None:
    """Seed the widgets from the URL until a run has drawn them all (`filter_bar` marks it):
    a run ended early for a rerun or a page switch seeds again, from the same URL."""
    if st.session_state.get("_seeded"):
        _restore_values()
        return
    q = {k: st.query_params.get(k) for k in ("region", "from", "to", "gran", "source", "cat")}
    f = Filters.from_query(q, base=replace(default_filters(months), region=scope, scope=scope))
    if not access.within(f.region, scope):  # refused, and said so: never widened
        st.session_state["_refused_region"] = f.region
        f = replace(f, region=scope)
    set_region(f.region)
    start = min(max(f.start, months[0]), months[-1])
    end = max(min(f.end, months[-1]), start)
    # A link's months outside the data are clamped to them; the sidebar says so.
    st.session_state["_clamped"] = (f.start, f.end) != (start, end)
    st.session_state.update({"f_period": (start, end), "f_gran": f.granularity,
                             "f_source": f.fund_source, "f_cat": f.category,
                             "show_iv": st.query_params.get("iv") != "0"})
    _keep_values()


def default_filters(months: list[date]) -> Filters:
    """The whole country over the last full year of data, by month; all the months when
    the data hold no full year yet (a first load of a few months)."""
    end = months[-1]
    last_year = end.year if end.month == 12 else end.year - 1
    if date(last_year, 1, 1) < months[0]:
        return Filters(start=months[0], end=end, granularity="month")
    return Filters(start=date(last_year, 1, 1), end=date(last_year, 12, 1), granularity="month")


def _keep_period_in(months: list[date]) -> None:
    """After a load changed the months on offer, a period outside them goes back to the
    default view (the slider cannot show values it does not offer)."""
    period = st.session_state.get("f_period")
    if isinstance(period, tuple | list) and not set(period) <= set(months):
        f = default_filters(months)
        st.session_state["f_period"] = (f.start, f.end)


def _say_refused(region: str, root: str, regions: pl.DataFrame, lang: str) -> None:
    """The refusal of a link's region, until the user picks a region of their own."""
    refused = st.session_state.get("_refused_region")
    if refused and region != root:
        st.session_state.pop("_refused_region")
    elif refused:
        st.sidebar.error(render("app.region_refused", lang, code=refused, name=_name(root, regions, lang)))


def _name(code: str, regions: pl.DataFrame, lang: str) -> str:
    row = regions.filter(pl.col("region_code") == code)
    return row[pick(("name_zh", "name_en"), lang)][0] if row.height else code


def _level_of(code: str, regions: pl.DataFrame) -> str:
    return regions.filter(pl.col("region_code") == code)["level"][0]


def _has_kids(level: str, parent: str, regions: pl.DataFrame) -> bool:
    return not regions.filter((pl.col("parent_code") == parent)
                              & (pl.col("level") == level)).is_empty()


def _region_select(level: str, parent: str, regions: pl.DataFrame, lang: str) -> str | None:
    kids = regions.filter((pl.col("parent_code") == parent)
                          & pl.col("level").is_in(_BOX.get(level, (level,))))
    names = dict(zip(kids["region_code"], kids[pick(("name_zh", "name_en"), lang)],
                     strict=True))
    key = _KEYS[level]
    if st.session_state.get(key) not in names:
        st.session_state[key] = None
    return st.sidebar.selectbox(level_label(level, lang), list(names), key=key,
                                index=_index(key, list(names)),
                                placeholder=render("app.all", lang), format_func=names.get)


def level_label(level: str, lang: str) -> str:
    """A level's label: the deployment's words for province, city and county (区（市）县,
    旗县（市、区）…), the message catalogue's for township and station."""
    if level in vocabulary.LEVELS:
        return vocabulary.level_label(level, lang)
    return render(f"app.{level}", lang)


def _code_select(label: str, domain: str, key: str, token: str, lang: str) -> str | None:
    labels = data.labels(domain, token)
    if st.session_state.get(key) not in labels:
        st.session_state[key] = None
    return st.sidebar.selectbox(label, list(labels), key=key, index=_index(key, list(labels)),
                                placeholder=render("app.all", lang),
                                format_func=lambda c: pick(labels[c], lang))


def filter_bar(lang: str) -> Filters:
    """Draw the filter bar, keep the URL in step, and return the filters."""
    token = data.version().token
    months = _months(token)
    root = user_scope(token)  # the deployment's scope, or the user's region below it
    _seed_from_url(token, months, root)
    _keep_period_in(months)
    regions = data.regions(token)
    st.sidebar.subheader(render("app.filters", lang))
    region = root
    root_depth = LEVELS.index(_level_of(root, regions)) + 1 if root != COUNTRY else 0
    for level in LEVELS[root_depth:]:
        if not _has_kids(level, region, regions):
            continue  # e.g. a county without townships: its stations come next
        picked = _region_select(level, region, regions, lang)
        if picked is None and level != "township":
            break
        region = picked or region
    _say_refused(region, root, regions, lang)
    # The current period as the slider's default (see _shown), else the default view: a
    # range default, without which a browser draws a single knob at the start.
    view = default_filters(months)
    shown = st.session_state.get("f_period")
    if not (isinstance(shown, tuple | list) and set(shown) <= set(months)):
        shown = (view.start, view.end)
    labels = _month_labels(tuple(months), lang)
    period = st.sidebar.select_slider(
        render("app.period", lang), months, key="f_period", value=tuple(shown),
        format_func=lambda m: labels.get(m) or fmt.period(m, "month", lang))
    if not isinstance(period, tuple | list):  # a range widget handed back one end (AppTest)
        last = st.session_state.get("filters")
        if last is None or not {last.start, last.end} <= set(months):
            last = default_filters(months)
        period = (last.start, last.end)
    start, end = period
    if st.session_state.get("_clamped"):
        st.sidebar.caption(render("app.period_clamped", lang,
                             range=fmt.month_range(months[0], months[-1], lang)))
    gran = st.sidebar.segmented_control(
        render("app.granularity", lang), GRANULARITIES, key="f_gran", required=True,
        default=_shown("f_gran", GRANULARITIES, "month"),
        format_func=lambda g: render(f"app.gran_{g}", lang))
    if gran not in GRANULARITIES:  # a page switch under AppTest can hand back a list
        gran = (st.session_state.get("filters") or default_filters(months)).granularity
    source = _code_select(render("app.fund_source", lang), "fund_source", "f_source", token, lang)
    cat = _code_select(render("app.category", lang), "hardship_category", "f_cat", token, lang)
    st.sidebar.caption(render("app.cuts_note", lang))
    st.sidebar.toggle(render("app.show_interventions", lang), key="show_iv",
                      value=bool(st.session_state.get("show_iv", True)))
    f = Filters(region=region, start=start, end=end, granularity=gran, fund_source=source,
                category=cat, scope=auth.user_region())
    st.session_state["filters"] = f
    _keep_values()
    _write_url(f, lang)
    st.session_state["_seeded"] = True
    return f


@functools.lru_cache(maxsize=64)
def _month_labels(months: tuple[date, ...], lang: str) -> dict[date, str]:
    """The period slider's words for its months, made once per process and data range: the
    slider formats every month (some 700 calls a run on the sample's 20 years)."""
    return {m: fmt.period(m, "month", lang) for m in months}


def _write_url(f: Filters, lang: str) -> None:
    want = {**f.to_query(), **({"lang": lang} if lang != "zh" else {}),
            **({"iv": "0"} if not st.session_state.get("show_iv", True) else {})}
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def current() -> tuple[Filters, str]:
    """The filters and language the frame drew this run (pages call this)."""
    frame.require()
    f = st.session_state.get("filters")
    if f is None:  # a page run without the filter bar (AppTest of one page): every month
        token = data.version().token
        months, scope = _months(token), user_scope(token)
        f = Filters(region=scope, start=months[0], end=months[-1], scope=auth.user_region())
    return f, st.session_state.get("lang", "zh")


def scope_line(f: Filters, regions: pl.DataFrame, lang: str) -> str:
    """The region and period a page shows, in one line ("海拉尔区 · 2012年1月至2012年12月"):
    on a phone the sidebar that says so is folded away."""
    name = _name(f.region, regions, lang)
    if f.region == COUNTRY and name == COUNTRY:  # a deployment without one top region
        name = render("app.all_regions", lang)
    return f"{name} · {fmt.month_range(f.start, f.end, lang)}"


def say_scope(f: Filters, lang: str) -> None:
    """The scope line at the top of the page, on every width."""
    st.caption(scope_line(f, data.regions(data.version().token), lang))


def with_granularity(f: Filters, granularity: str) -> Filters:
    return replace(f, granularity=granularity)
