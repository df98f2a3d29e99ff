"""数据导入 Upload: station files (xlsx, csv) into the warehouse, with every rejected row shown.

The load is `etl.load.load_bytes` (atomic, idempotent: a file loaded before is skipped); the
data-quality checks are recomputed as part of it. A loaded batch can be withdrawn again
(ui/withdraw_view.py).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import db, registry
from analytics.filters import COUNTRY
from core.messages import pick, register, render
from ui import empty, uploader
from ui import registry_view as rv
from ui import upload_view as uv
from ui import withdraw_view as wv
from ui import zero_report_view as zv
from ui.page_context import open_page

page = open_page(__file__)  # refuses a role the page is not for (ui/pages_registry.py)
user = page.user
who = None if user.local else user.name  # who loads: else the OS login (etl.load)
lang = page.lang

TEXT = {
    "title": ("数据导入", "Upload station files"),
    "intro": ("上传帮扶站点报送的 Excel 或 CSV 文件（可多选，GBK 或 UTF-8 均可）。每个文件单独成批；"
              "通过校验的行载入，未通过的行列在下方并可下载拒绝清单，修改后重新上传即可，不会重复计数。",
              "Upload the Excel or CSV files stations send (several at once; GBK or UTF-8). Each "
              "file is one batch: valid rows load, rejected rows are listed below with a "
              "downloadable report; fix them and upload again — nothing is counted twice."),
    "uploader": ("选择文件", "Choose files"),
    "limit": ("单个文件不超过 {mb} MB。", "At most {mb} MB per file."),
    "go": ("导入", "Load"),
    "running": ("正在导入…", "Loading…"),
    "results": ("导入结果", "Result per file"),
    "rejects": ("被拒绝的行及原因", "Rejected rows and reasons"),
    "download": ("下载拒绝清单（CSV）", "Download the rejects report (CSV)"),
    "all_ok": ("全部文件已载入，各页面已显示最新数据。", "Every file loaded; all pages show the new data."),
    "some_bad": ("部分文件或行未载入，请查看下表。其余数据已载入，各页面已显示最新数据。",
                 "Some files or rows did not load; see below. The rest loaded and every page "
                 "shows the new data."),
    "nothing": ("没有载入任何数据。", "Nothing was loaded."),
    "templates": ("空白模板", "Blank templates"),
    "templates_help": ("每种报表一个 Excel 模板：中文表头、代码下拉选项（含本会已登记的站点）、填写说明；"
                       "身份证号码列为文本格式。", "One Excel template per kind: Chinese headers, "
                       "drop-downs for codes and this federation's stations, instructions; ID "
                       "columns formatted as text."),
    "kind": ("报表种类", "Kind of table"),
    "get_template": ("下载模板", "Download the template"),
    "unknown": ("文件中有未登记的帮扶站点", "The files name help stations that are not registered"),
    "unknown_help": ("核对每个站点的{county}（能从站名或本会唯一的{county}判断的已预填，可修改；空白的请选择），"
                     "确认后登记这些站点并重新导入上面的文件。未确认不会登记任何站点。",
                     "Check each station's {county} (filled in where the station's name or this "
                     "federation's only {county} tells it; change it if wrong, choose it where "
                     "blank), then register them and load the files above again. Nothing is "
                     "registered without this step."),
    "register": ("登记这些站点并重新导入", "Register these stations and load again"),
    "registry": ("帮扶站点名录", "Help-station registry"),
    "registry_help": ("已登记的站点。可直接修改或在末尾添加行（代码可留空，自动编号），保存后作为一个批次载入。",
                      "The registered stations. Edit them or add rows at the end (leave the "
                      "code empty to have one assigned); saving loads them as one batch."),
    "save_registry": ("保存站点名录", "Save the registry"),
    "no_stations": ("尚未登记任何帮扶站点。请上传“帮扶站点名录”，或在下表添加站点。",
                    "No help station is registered yet. Upload a help-station registry "
                    "(帮扶站点名录) or add stations in the table below."),
    "start": ("数据仓库中还没有数据。从这里开始：先上传“帮扶站点名录”（或在页面下方的站点名录中添加站点），"
              "再选择帮扶站点报送的文件（如救助发放花名册）导入；"
              "各页面随导入的数据逐步显示，尚无数据的部分会说明需要哪类文件。",
              "The warehouse holds no data yet. Start here: register your help stations (a "
              "帮扶站点名录 file, or the registry table below), then choose the files the stations "
              "send (a relief roster, for example) and load them; each page shows its part as "
              "the data arrive and says which file kind its empty parts need."),
    "held": ("已导入的数据", "Data loaded so far"),
}
register("upload", TEXT)


st.title(render("upload.title", lang))
st.caption(render("upload.intro", lang))
held = empty.coverage()
if held.empty:
    st.info(render("upload.start", lang), icon=":material/upload_file:")
limit = uv.max_upload_bytes()
files = uploader.file_uploader(render("upload.uploader", lang), key="upload_files", lang=lang,
                               types=list(uv.SUFFIXES), accept_multiple_files=True,
                               help=render("upload.limit", lang, mb=limit // 2**20))

if st.button(render("upload.go", lang), key="upload_go", type="primary", disabled=not files):
    ok, refused = uv.screen([(f.name, f.getvalue()) for f in files], limit)
    with st.spinner(render("upload.running", lang)):
        report = uv.run_load(ok, db.warehouse_path(), user) if ok else None
    # The outcome of an action, kept so it survives the next rerun (language switch etc.).
    st.session_state["upload_outcome"] = (report, refused)
    if report is not None and any(r.status in ("loaded", "partial") for r in report.files):
        st.rerun()  # the frame redraws too: the filter bar's months, the banner, the version

outcome = st.session_state.get("upload_outcome")
if outcome:
    report, refused = outcome
    loaded = report is not None and any(f.status in ("loaded", "partial") for f in report.files)
    clean = not refused and report is not None and report.exit_code == 0
    if clean:
        st.success(render("upload.all_ok", lang))
    elif loaded:
        st.warning(render("upload.some_bad", lang))
    else:
        st.error(render("upload.nothing", lang))
    st.subheader(render("upload.results", lang))
    st.dataframe(uv.summary_table(report, refused, lang), hide_index=True, width="stretch",
                 key="upload_summary")
    for note in uv.notes(report, lang):
        st.info(note, icon=":material/info:")
    zv.show_skipped(report, lang)  # 合计, signature and 注： lines: not data, listed
    rejects = uv.rejects_table(report, refused)
    if not rejects.is_empty():
        st.subheader(render("upload.rejects", lang))
        shown = rejects.drop(pick(("reason_en", "reason_zh"), lang)).with_columns(
            pl.col(pl.String).fill_null(""))
        st.dataframe(shown.rename({c: render(f"reject_headers.{c}", lang) for c in shown.columns}),
                     hide_index=True, width="stretch", key="upload_rejects")
        st.download_button(render("upload.download", lang), data=uv.rejects_download(rejects),
                           file_name=uv.REJECTS_FILE, mime="text/csv", key="upload_rejects_csv",
                           on_click="ignore", icon=":material/download:")

# What the warehouse holds, per file kind (below the outcome: the results come first).
with st.expander(render("upload.held", lang), expanded=held.empty):
    st.dataframe(empty.loaded_table(lang), hide_index=True, width="stretch", key="upload_held")
wv.draw(lang, who, user.region)  # 撤销导入: the batches, and withdrawing one after a confirmation
# ---------------------------------------------------------------- station registry, templates
scope = user.region or COUNTRY  # a county's staff see and register their county's stations
stations, counties = registry.help_stations(scope), registry.counties(scope)
declared = zv.draw(lang, user, stations)  # 零报告: a month with nothing to report
if declared is not None:
    st.session_state["upload_outcome"] = (declared, [])
    st.rerun()
unknown = rv.unknown_stations(outcome[0] if outcome else None, counties)
if not unknown.is_empty():
    st.subheader(render("upload.unknown", lang))
    st.caption(render("upload.unknown_help", lang, county=rv.county_word(lang)))
    confirmed = st.data_editor(
        unknown.to_pandas(), key="upload_unknown", hide_index=True, width="stretch",
        column_config={"name_zh": st.column_config.TextColumn(rv.headers()["name_zh"]),
                       "county_zh": st.column_config.SelectboxColumn(
                           rv.headers()["county_zh"], options=list(counties.values()))})
    if st.button(render("upload.register", lang), key="upload_register", type="primary"):
        registry_file = (rv.REGISTRY_FILE, rv.registry_csv(pl.from_pandas(confirmed)))
        again = [(f.name, f.getvalue()) for f in files or []]
        with st.spinner(render("upload.running", lang)):
            report = uv.run_load([registry_file, *again], db.warehouse_path(), user)
        st.session_state["upload_outcome"] = (report, [])
        st.rerun()

st.subheader(render("upload.templates", lang))
st.caption(render("upload.templates_help", lang))
kinds = rv.kind_names(lang)
kind = st.selectbox(render("upload.kind", lang), list(kinds), key="upload_template_kind",
                    format_func=kinds.get)
st.download_button(render("upload.get_template", lang), key="upload_template",
                   icon=":material/download:", data=lambda: rv.template(kind, stations, counties, lang), on_click="ignore",
                   file_name=rv.template_name(kind, lang),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(render("upload.registry", lang))
st.caption(render("upload.registry_help", lang))
if stations.is_empty():
    st.info(render("upload.no_stations", lang))
edited = st.data_editor(
    stations.drop("county_code").to_pandas(), key="upload_registry", num_rows="dynamic",
    hide_index=True, width="stretch", column_config=rv.editor_columns(counties),
    placeholder="")  # an empty cell empty, not the grid's grey "None"
if st.button(render("upload.save_registry", lang), key="upload_save_registry"):
    with st.spinner(render("upload.running", lang)):
        report = uv.run_load([(rv.REGISTRY_FILE, rv.registry_csv(pl.from_pandas(edited)))],
                             db.warehouse_path(), user)
    st.session_state["upload_outcome"] = (report, [])
    st.rerun()
