"""数据导入 Upload: station files (xlsx, csv) into the warehouse, with every rejected row shown.

The load is `etl.load.load_bytes` (atomic, idempotent: a file loaded before is skipped); the
data-quality checks are recomputed as part of it.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from analytics import db
from ui import auth, empty
from ui import upload_view as uv
from ui.filters import current

auth.require("upload")
_, lang = current()
L = 1 if lang == "en" else 0

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
    "start": ("数据仓库中还没有数据。从这里开始：选择帮扶站点报送的文件（如救助发放花名册）导入；"
              "各页面随导入的数据逐步显示，尚无数据的部分会说明需要哪类文件。",
              "The warehouse holds no data yet. Start here: choose the files the help stations "
              "send (a relief roster, for example) and load them; each page shows its part as "
              "the data arrive and says which file kind its empty parts need."),
    "held": ("已导入的数据", "Data loaded so far"),
}


def tr(key: str, **values: object) -> str:
    return TEXT[key][L].format(**values)


st.title(tr("title"))
st.caption(tr("intro"))
held = empty.coverage()
if held.empty:
    st.info(tr("start"), icon=":material/upload_file:")
limit = uv.max_upload_bytes()
files = st.file_uploader(tr("uploader"), type=list(uv.SUFFIXES), accept_multiple_files=True,
                         key="upload_files", help=tr("limit", mb=limit // 2**20))
st.caption(tr("limit", mb=limit // 2**20))

if st.button(tr("go"), key="upload_go", type="primary", disabled=not files):
    ok, refused = uv.screen([(f.name, f.getvalue()) for f in files], limit)
    with st.spinner(tr("running")):
        report = uv.run_load(ok, db.warehouse_path()) if ok else None
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
        st.success(tr("all_ok"))
    elif loaded:
        st.warning(tr("some_bad"))
    else:
        st.error(tr("nothing"))
    st.subheader(tr("results"))
    st.dataframe(uv.summary_table(report, refused, lang), hide_index=True, width="stretch",
                 key="upload_summary")
    rejects = uv.rejects_table(report, refused)
    if not rejects.is_empty():
        st.subheader(tr("rejects"))
        shown = rejects.drop("reason_zh" if L else "reason_en").with_columns(
            pl.col(pl.String).fill_null(""))
        st.dataframe(shown.rename({c: uv.REJECT_HEADERS[c][L] for c in shown.columns}),
                     hide_index=True, width="stretch", key="upload_rejects")
        st.download_button(tr("download"), data=uv.rejects_csv(rejects),
                           file_name="rejects.csv", mime="text/csv", key="upload_rejects_csv",
                           on_click="ignore", icon=":material/download:")

# What the warehouse holds, per file kind (below the outcome: the results come first).
with st.expander(tr("held"), expanded=held.empty):
    st.dataframe(empty.loaded_table(lang), hide_index=True, width="stretch", key="upload_held")
