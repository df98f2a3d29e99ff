"""Empty states: what a page shows where the tables a section needs hold no rows.

A federation's warehouse starts empty and fills one kind of station file at a time, so each
section asks `section()` first: with rows in the view it draws; without, one message says which
file kind to load (the Chinese names of etl/mappings/kinds.csv) and links to 数据导入, instead
of charts and cards of zeros.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics import coverage as cov
from analytics import fmt, vocabulary
from analytics.indicators import INDICATORS
from analytics.reference import region_level
from analytics.scan import available
from core.messages import pick, register, render
from ui import auth, data
from ui.etl_actions import kinds
from ui.page_context import PageContext

UPLOAD_PAGE = "pages/upload.py"

# Fact table → what its rows are, as "尚无…数据" and "no … data" say it.
WHAT: dict[str, tuple[str, str]] = {
    "relief": ("救助发放", "relief payment"),
    "hardship_files": ("困难职工建档", "hardship-worker register"),
    "fund_allocations": ("帮扶资金下拨到位", "fund allocation"),
    "loans": ("无息借款", "interest-free loan"),
    "training": ("技能培训", "training"),
    "placements": ("就业安置", "job placement"),
    "medical_cards": ("医疗优惠卡", "medical card"),
    "medical_benefits": ("医疗减免", "medical discount"),
    "petitions": ("信访诉求", "petition"),
    "union_coverage": ("三个普遍统计", "union coverage"),
    "npc_activities": ("人大代表履职", "NPC deputy activity"),
}

TEXT = {
    "empty": ("尚无{what}数据。请在“数据导入”页上传{files}。",
              "No {what} data yet. Upload the {files} on the Upload page."),
    "empty_ask": ("尚无{what}数据。请联系数据管理人员在“数据导入”页上传{files}。",
                  "No {what} data yet. Ask the data staff to upload the {files}."),
    "none_here": ("所选地区和时间范围内没有{what}数据（现有数据：{span}）。请在筛选栏调整时间范围或地区，"
                  "或上传这一时期的{files}。",
                  "No {what} data for this region and period (data on file: {span}). Change the "
                  "period or region in the filter bar, or upload the {files} for this period."),
    "as_above": ("同上。", "As above."),
    "not_kept": ("{what}数据不按帮扶站点记录。请在筛选栏选择{county}或更高层级。",
                 "{what} data are not kept by help station. Choose a {county} or a higher "
                 "level in the filter bar."),
    "nothing": ("数据仓库中还没有数据。请在“数据导入”页上传帮扶站点报送的文件，例如{files}；"
                "各页面随导入的数据逐步显示。",
                "The warehouse holds no data yet. Upload the files the help stations send on "
                "the Upload page, for example the {files}; each page shows its part as the "
                "data arrive."),
    "link": ("前往数据导入", "Go to Upload"),
    "card_help": ("暂无数据：{reason}", "No data: {reason}"),
    "kind": ("文件类型", "File kind"), "rows": ("已导入行数", "Rows loaded"),
    "span": ("时间范围", "Months"), "table": ("数据表", "Table"),
}
# Why a chart or card that has its tables' rows still has nothing to show.
WHY = {
    "station_leaf": ("帮扶站点没有下级地区，无法按下级地区细分。",
                     "A help station has no sub-regions to break down into."),
    "no_station": ("{what}数据不记录帮扶站点和乡镇街道，无法细分到{county}以下。"
                   "在筛选栏选择上一级地区，可按{county}查看。",
                   "{what} data do not record the help station or township, so they cannot "
                   "be broken down below the {county}. Choose a higher region in the filter "
                   "bar to see them by {county}."),
    "no_dim": ("{what}数据不记录“{dim}”，无法按它细分。",
               "{what} data do not record {dim}, so they cannot be broken down by it."),
    "dim_unfilled": ("所选范围内的{what}数据没有填写“{dim}”（报表未含此列或未填），无法按它细分；"
                     "请在报表中填写{dim}后重新导入。",
                     "The {what} data in this range leave {dim} empty (the files lack the "
                     "column or left it blank), so they cannot be broken down by it; fill in "
                     "{dim} in the files and load them again."),
    "placement_6m": ("还没有可计算的学员：只计结业已满六个月（以数据中最后的开班月份{last}为准）"
                     "且跟踪了就业结果的学员，所选时间范围内的学员结业未满六个月或未跟踪。",
                     "No trainee to count yet: only those who completed at least six months "
                     "before the last course start on file ({last}) and whose outcome was "
                     "followed up count, and none in this period has."),
    "days_to_close": ("还没有可计算的诉求：只计已办结、且受理日期早于数据中最后受理的月份（{last}）"
                      "180天以上的诉求，所选时间范围内没有这样的诉求。",
                      "No petition to count yet: only closed petitions received at least 180 "
                      "days before the last one on file ({last}) count, and none in this "
                      "period is."),
    "no_base": ("所选地区和时间范围内分母为零，无法计算。口径：{definition}",
                "The base is zero for this region and period, so it cannot be computed. "
                "Definition: {definition}"),
}
# Worst first: one message per section, about the tables in its worst state.
_ORDER = ("empty", "none", "not_kept")
register("empty", TEXT)
register("empty_why", WHY)
register("empty_what", WHAT)


def _sep(lang: str) -> str:
    return pick(("、", ", "), lang)


def what(tables: Sequence[str], lang: str) -> str:
    return _sep(lang).join(render(f"empty_what.{t}", lang) for t in tables)


def files(tables: Sequence[str], lang: str) -> str:
    """The file kinds that fill `tables`, as kinds.csv names them."""
    by_table = {k.table_name: k for k in kinds().values()}
    return _sep(lang).join(pick((by_table[t].name_zh, by_table[t].name_en), lang)
                           for t in tables)


def coverage() -> cov.Coverage:
    """What the warehouse holds, within the signed-in user's region."""
    return data.coverage(data.version().token, auth.user_region())


def statuses(page: PageContext, tables: Sequence[str]) -> dict[str, str]:
    """Each table → rows | none | empty | not_kept in the page's view."""
    return data.in_view(page.filters, tuple(tables), page.token)


def message(state: dict[str, str], lang: str) -> str | None:
    """The sentence for tables not all with rows (None when they all have rows)."""
    for kind in _ORDER:
        hit = sorted((t for t, s in state.items() if s == kind), key=cov.FACT_TABLES.index)
        if not hit:
            continue
        if kind == "empty":
            key = "empty.empty" if _may_upload() else "empty.empty_ask"
            return render(key, lang, what=what(hit, lang), files=files(hit, lang))
        if kind == "not_kept":
            county = vocabulary.level_label("county", lang)  # the deployment's word
            return render("empty.not_kept", lang, what=what(hit, lang),
                          county=pick((county, county.lower()), lang))  # mid-sentence
        lo, hi = coverage().span(hit)
        return render("empty.none_here", lang, what=what(hit, lang), files=files(hit, lang),
                  span=fmt.month_range(lo, hi, lang))
    return None


def section(page: PageContext, tables: Sequence[str], *, need: str = "all") -> bool:
    """True when the section may draw: every table (`need="any"`: one of them) has rows in
    the view. Otherwise draw its one empty-state message and a link to 数据导入; False."""
    state = statuses(page, tables)
    ok = [s == "rows" for s in state.values()]
    if all(ok) or (need == "any" and any(ok)):
        return True
    text = message(state, page.lang) or ""
    if text in page.said:  # a page of four sections said it four times (维权诉求 at a station)
        st.caption(render("empty.as_above", page.lang))
        return False
    page.said.add(text)
    notice(text, page.lang, link=any(s != "not_kept" for s in state.values()))
    return False


def notice(text: str, lang: str, *, link: bool = True) -> None:
    st.info(text, icon=":material/upload_file:")
    if link:
        upload_link(lang)


def upload_link(lang: str) -> None:
    """A link to 数据导入 for users who may open it. A page run on its own (AppTest of one
    page file) has no navigation to link into: the message stands alone there."""
    if not _may_upload():
        return
    try:
        st.page_link(UPLOAD_PAGE, label=render("empty.link", lang),
                     icon=":material/upload_file:")
    except StreamlitAPIException:  # StreamlitPageNotFoundError: no st.navigation this run
        pass


def _may_upload() -> bool:
    user = auth.current_user()
    return user is not None and auth.can_see(user.role, UPLOAD_PAGE)


def nothing_loaded(lang: str) -> bool:
    """True (after saying so, with the link) when no fact table holds a row."""
    if not coverage().empty:
        return False
    common = ("relief", "hardship_files", "fund_allocations", "petitions")
    notice(render("empty.nothing", lang, files=files(common, lang)), lang)
    return True


def missing_note(tables: Sequence[str], lang: str) -> None:
    """One message naming the tables of a mixed section (the overview's cards) that hold no
    rows at all, so a "—" card is explained once."""
    loaded = coverage().loaded
    gone = [t for t in dict.fromkeys(tables) if t not in loaded]
    if gone:
        notice(message(dict.fromkeys(gone, "empty"), lang) or "", lang)


def card_reason(tables: Sequence[str], state: dict[str, str], lang: str) -> str | None:
    """Why an indicator's card shows "—" instead of a value (None: it has its data)."""
    if all(state.get(t) == "rows" for t in tables):
        return None
    return render("empty.card_help", lang, reason=message({t: state[t] for t in tables}, lang))


def loaded_table(lang: str) -> pl.DataFrame:
    """File kind, rows loaded and months held, per fact table (the upload page's overview)."""
    c = coverage()
    by_table = {k.table_name: k for k in kinds().values()}
    rows = [(pick((by_table[t].name_zh, by_table[t].name_en), lang), c.rows.get(t, 0),
             fmt.month_range(*c.months[t], lang) if t in c.months else "—")
            for t in cov.FACT_TABLES]
    return pl.DataFrame(rows, orient="row", schema={render("empty.kind", lang): pl.String,
                                                    render("empty.rows", lang): pl.Int64,
                                                    render("empty.span", lang): pl.String})


def value_reason(code: str, lang: str) -> str | None:
    """Why an indicator whose tables hold rows in the view has no value ("—"): a rate's base
    is zero, or (placement within six months, the median days to close) no cohort has had
    its six months yet."""
    ind = INDICATORS[code]
    # counted only some months before the last on file: say which month that is
    lagged = {"placement_6m": "training", "days_to_close": "petitions"}
    if code in lagged:
        months = coverage().months.get(lagged[code])
        last = fmt.period(months[1], "month", lang) if months else "—"
        return render(f"empty_why.{code}", lang, last=last)
    if ind.denominator is not None:
        return render("empty_why.no_base", lang, definition=ind.definition(lang))
    return None


def chart_reason(page: PageContext, codes: Sequence[str], by: str | None) -> str | None:
    """Why a chart of `codes` (cut `by` a dimension) has nothing to draw, when the reason is
    the table's make-up or the indicator's definition; None for the general message."""
    f, lang = page.filters, page.lang
    ind = INDICATORS[codes[0]]
    if by and not available(ind.numerator, f, by):
        what_ = what([ind.numerator.table], lang)
        what_ = pick((what_, what_[:1].upper() + what_[1:]), lang)  # starts a sentence
        if by == "region" and region_level(f.region) == "station":
            return render("empty_why.station_leaf", lang)
        if by == "region":
            county = vocabulary.level_label("county", lang)
            return render("empty_why.no_station", lang, what=what_,
                          county=pick((county, county.lower()), lang))
        return render("empty_why.no_dim", lang, what=what_, dim=render(f"app.dim_{by}", lang))
    if by and by != "region" and data.dim_unrecorded(codes[0], f, by, page.token):
        return render("empty_why.dim_unfilled", lang, what=what([ind.numerator.table], lang),
                      dim=render(f"app.dim_{by}", lang))
    return next((r for c in codes if (r := value_reason(c, lang))), None)
