"""What the data-quality and compliance pages share: tables and the findings' sections.
Their cached queries are in ui/data.py, figures in analytics/figures.py, downloads in
ui/downloads.py.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import export, fmt
from analytics import quality as q
from analytics.figures import STATUSES  # the quality grid's cell statuses and colours
from core.messages import pick, register, render
from ui import data, downloads, empty
from ui.filters import level_label
from ui.page_context import PageContext

# Column headers of the findings tables (codes stay in exports' second header line).
HEADERS: dict[str, tuple[str, str]] = {
    "flag_id": ("问题编号", "finding"), "id_masked": ("身份证号（脱敏）", "masked ID"),
    "relief_id": ("救助记录", "relief row"),
    "station_code": ("站点代码", "station code"), "relief_date": ("发放日期", "date"),
    "relief_type": ("救助类型", "relief type"), "recipient_group": ("救助对象", "recipient group"),
    "fund_source": ("资金来源", "fund source"), "amount_yuan": ("金额（元）", "amount (yuan)"),
    "campaign": ("批次", "campaign"), "stations": ("发放站点", "stations"),
    "n_stations": ("站点数", "number of stations"), "exited_on": ("脱困日期", "exited on"),
    "days_after_exit": ("脱困后天数", "days after exit"), "rule": ("规则", "rule"),
    "score": ("得分", "score"), "threshold": ("阈值", "threshold"),
    "group_median_yuan": ("组中位数（元）", "group median (yuan)"),
    "outside": ("超出范围", "outside"), "year": ("年度", "year"),
    "relief_rows": ("救助笔数", "relief rows"), "disbursed_yuan": ("发放合计（元）", "paid (yuan)"),
    "allocated_yuan": ("下拨（元）", "allocated (yuan)"),
    "received_yuan": ("到位（元）", "received (yuan)"), "excess_yuan": ("超出（元）", "excess (yuan)"),
    "no_allocation": ("无下拨记录", "no allocation"),
    "shortfall_yuan": ("未到位（元）", "shortfall (yuan)"), "arrival_rate": ("到位率", "arrival rate"),
    "period": ("期间类型", "period"), "period_key": ("期间", "period key"),
    "standard_yuan": ("标准（元）", "standard (yuan)"),
    "person_total_yuan": ("每人合计（元）", "total per person (yuan)"),
    "rows": ("笔数", "rows"), "month": ("月份", "month"), "reason_zh": ("原因", "reason"),
    "reason_en": ("原因（英文）", "reason (English)"),
    "station_zh": ("站点名称", "station name"), "station_en": ("站点名称（英文）", "station name (en)"),
    "status": ("状态", "status"),
}
_CODED = {"relief_type": "relief_type", "recipient_group": "recipient_group",
          "fund_source": "fund_source", "county_code": "region"}
_WORDS = {"outside": {"relief_type": ("救助类型", "relief type"),
                      "recipient_group": ("救助对象", "recipient group")},
          "rule": {"robust_z": ("稳健z分数", "robust z-score"), "p99x3": ("超过P99的3倍", "> 3x P99")},
          "period": {"campaign": ("慰问季", "festival season"), "year": ("年度", "year")},
          "status": {k: (v[2], v[3]) for k, v in STATUSES.items()}}
register("findings_headers", HEADERS)
_HIDDEN = ("relief_id",)  # a hash: kept in exports for tracing, not worth a column on screen


def labelled(df: pl.DataFrame, lang: str, token: str) -> pl.DataFrame:
    """Coded values as labels and headers in the reader's language, dates as text."""
    df = _station_named(df, lang, token)
    for column, domain in _CODED.items():
        if column in df.columns:
            labels = {k: pick(v, lang) for k, v in data.labels(domain, token).items()}
            df = df.with_columns(pl.col(column).replace(labels))
    for column, words in _WORDS.items():
        if column in df.columns:
            shown = {k: pick(v, lang) for k, v in words.items()}
            df = df.with_columns(pl.col(column).replace(shown))
    if df.schema.get("month") == pl.Date:  # 2026年2月, as the filter bar and charts say it
        df = df.with_columns(pl.col("month").map_elements(
            lambda m: fmt.period(m, "month", lang), return_dtype=pl.String))
    df = df.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
    # the county column in the deployment's words (区（市）县, 旗县（市、区）…)
    headers = {c: render(f"findings_headers.{c}", lang) for c in HEADERS}
    headers["county_code"] = level_label("county", lang)
    return df.rename({c: headers[c] for c in df.columns if c in headers})


def _station_named(df: pl.DataFrame, lang: str, token: str) -> pl.DataFrame:
    """A station's code and its name once each, side by side, as the registry shows them:
    the code was replaced by its name, which beside the table's own name column said the
    name twice and the code nowhere (a 重庆市 trial's 漏报和迟报月份)."""
    if "station_code" not in df.columns:
        return df
    name = pick(("station_zh", "station_en"), lang)
    if name not in df.columns:
        labels = {k: pick(v, lang) for k, v in data.labels("region", token).items()}
        df = df.with_columns(pl.col("station_code").cast(pl.String)
                             .replace_strict(labels, default=None, return_dtype=pl.String)
                             .alias(name))
    rest = [c for c in df.columns if c != name]
    at = rest.index("station_code") + 1
    return df.select(*rest[:at], name, *rest[at:])


def show_table(df: pl.DataFrame, lang: str, token: str, *, key: str) -> None:
    shown = df.drop([c for c in _HIDDEN if c in df.columns])
    st.dataframe(labelled(shown, lang, token), hide_index=True, width="stretch", key=key)


def audit_downloads(page: PageContext, df: pl.DataFrame, title: str, *, key: str) -> None:
    """CSV (UTF-8 with BOM) and XLSX of flagged rows for the auditor; staff only
    (ui/downloads.row_downloads)."""
    f, lang, token = page.filters, page.lang, page.token
    prov = export.Provenance(title=title, filters={k: str(v) for k, v in f.to_query().items()},
                             data_version=data.version().describe(lang), lang=lang,
                             sample=data.is_sample(token))
    downloads.row_downloads(df, prov, stem=f"{title}_{f.region}_{f.start:%Y%m}-{f.end:%Y%m}",
                            key=key, query=f.to_query())


TEXT = {
    "none": ("当前地区和时间范围内没有发现此类问题。", "No findings of this kind for these filters."),
    "pick": ("查看问题明细", "Show the rows behind a finding"),
    "rows_behind": ("问题明细（脱敏）", "Rows behind it (masked IDs)"),
    "findings": ("个问题", " findings"),
    "rule": ("规则", "Rule"),
    "not_computed": ("尚未导入任何数据：数据质量与资金合规检查在每次导入时计算。请先在“数据导入”页上传"
                     "帮扶站点报送的文件。", "No data loaded yet: the data-quality and compliance "
                     "checks run each time data are loaded. Upload the stations' files on the "
                     "Upload page first."),
}
register("checks", TEXT)


CHECK_TABLES = q.CHECK_TABLES


def checks_ready(page: PageContext) -> bool:
    """True when a load has computed the checks; else say what to load first."""
    if data.checks_computed(page.token):
        return True
    empty.notice(render("checks.not_computed", page.lang), page.lang)
    return False


def page_head(page: PageContext, domain: str, title: str,
              intro: str) -> tuple[dict[str, str], dict[str, str]]:
    """Title, intro and the findings' summary of a checks page (数据质量, 资金合规); returns
    (rule, name) texts by check code. Stops the page while no load has computed the checks."""
    st.title(title)
    st.caption(intro)
    if not checks_ready(page):
        st.stop()
    summary = summary_metrics(page, domain)
    rule, name = pick(("rule_zh", "rule_en"), page.lang), pick(("name_zh", "name_en"), page.lang)
    rules = {r["code"]: r[rule] for r in summary.iter_rows(named=True)}
    names = {r["code"]: r[name] for r in summary.iter_rows(named=True)}
    return rules, names


def summary_metrics(page: PageContext, domain: str) -> pl.DataFrame:
    """One metric per check of `domain`; returns the summary for the tabs. A check whose
    tables hold no rows in the view shows "—": its 0 would be no data, not no problem."""
    lang = page.lang
    s = data.check_summary(domain, page.filters, page.token)
    state = empty.statuses(page, list(dict.fromkeys(t for c in s["code"]
                                              for t in q.CHECK_TABLES[c])))
    name = pick(("name_zh", "name_en"), lang)
    cols = st.columns(min(len(s), 5) or 1)
    for i, r in enumerate(s.iter_rows(named=True)):
        reason = empty.card_reason(q.CHECK_TABLES[r["code"]], state, lang)
        rule = r[name.replace("name", "rule")]
        cols[i % len(cols)].metric(r[name], "—" if reason else f"{r['findings']:,}",
                                   help=f"{rule}\n\n{reason}" if reason else rule, delta=None)
    return s


def findings_section(page: PageContext, code: str, rule: str) -> None:
    """A check's findings: grouped where one finding has several rows, with exports."""
    f, lang, token = page.filters, page.lang, page.token
    st.caption(f"{render('checks.rule', lang)}: {rule}")
    if not empty.section(page, q.CHECK_TABLES[code]):
        return
    detail = data.check_findings(code, f, token)
    if detail.is_empty():
        st.info(render("checks.none", lang))
        return
    if code in ("duplicate_relief", "above_standard"):
        groups = data.flag_groups(code, f, token)
        show_table(groups, lang, token, key=f"{code}_groups")
        chosen = st.selectbox(render("checks.pick", lang), groups["flag_id"].to_list(),
                              key=f"{code}_pick",
                            format_func=lambda i: _group_label(groups, i))
        st.markdown(f"**{render('checks.rows_behind', lang)}**")
        show_table(detail.filter(pl.col("flag_id") == chosen), lang, token, key=f"{code}_rows")
    else:
        show_table(detail, lang, token, key=f"{code}_rows")
    audit_downloads(page, labelled(detail, lang, token), code, key=f"dl_{code}")


def _group_label(groups: pl.DataFrame, flag_id: int) -> str:
    row = groups.filter(pl.col("flag_id") == flag_id).row(0, named=True)
    return f"#{flag_id} {row['id_masked']} · {row.get('campaign') or row.get('period_key')}"
