"""The upload page's 撤销导入 section: the loaded batches, and withdrawing one behind a
confirmation naming the file, the rows that go and the earlier batch whose rows come back.

The withdrawal is `etl.withdraw.withdraw`: the same lock, copy and swap as a load, so the
pages see the warehouse before or after it, and every cached result (keyed on the data
version) is made again.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from analytics import db
from core import literal
from core.messages import Message, pick, register, render
from ui import alerts_hook
from ui.etl_actions import withdraw

TEXT = {
    "title": ("撤销导入", "Withdraw a load"),
    "help": ("每个已导入的文件是一个批次。撤销一个批次会删除它的行，并恢复它更正前的行（撤销更正文件即恢复原来的版本）；"
             "撤销后可重新导入同一文件。若之后的批次更正或重复了它的行，须先撤销之后的批次。",
             "Each loaded file is a batch. Withdrawing one removes its rows and restores the rows "
             "it replaced (withdrawing a corrected file brings the earlier version back); the "
             "same file can be loaded again afterwards. If a later batch replaced or repeated "
             "its rows, withdraw that one first."),
    "none": ("尚未导入任何文件。", "No file has been loaded yet."),
    "pick": ("要撤销的批次", "Batch to withdraw"),
    "nothing_to_pick": ("目前没有可以撤销的批次（原因见上表）。",
                        "No batch can be withdrawn now (the table above says why)."),
    "sure": ("我已核对，确认撤销这个批次", "I have checked: withdraw this batch"),
    "go": ("撤销该批次", "Withdraw the batch"),
    "running": ("正在撤销…", "Withdrawing…"),
    "yes": ("是", "yes"), "no": ("否", "no"),
}
HEADERS = {"batch_id": ("批次", "batch"), "file_name": ("文件", "file"), "kind": ("报表", "kind"),
           "loaded_at": ("载入时间", "loaded at"), "rows_loaded": ("载入行数", "rows loaded"),
           "rows_rejected": ("拒绝行数", "rejected"), "rows_inserted": ("新增", "inserted"),
           "rows_updated": ("更新", "updated"), "loaded_by": ("载入人", "loaded by"),
           "withdrawable": ("可撤销", "can withdraw"), "blocked": ("不能撤销的原因", "why not")}
register("withdraw", TEXT)
register("batch_headers", HEADERS)
_OUTCOME = "withdraw_outcome"


def draw(lang: str, user: str | None, region: str | None = None) -> None:
    """The section, in an expander (open while it has an outcome to show); a user bound to
    a region sees and withdraws the batches of that region only."""
    path = db.warehouse_path()
    outcome = st.session_state.get(_OUTCOME)
    with st.expander(render("withdraw.title", lang), expanded=outcome is not None):
        st.caption(render("withdraw.help", lang))
        if outcome is not None:
            ok, message = outcome
            (st.success if ok else st.error)(literal.markdown(render(message, lang)))  # a file
        listing = batches(path, lang, region) if path.exists() else pl.DataFrame()
        if listing.is_empty():
            st.info(render("withdraw.none", lang))
            return
        st.dataframe(listing.drop("_batch", "_ok"), hide_index=True, width="stretch",
                     key="withdraw_batches")
        file_name = render("batch_headers.file_name", lang)
        choices = dict(listing.filter("_ok").select("_batch", file_name).rows())
        if not choices:
            st.caption(render("withdraw.nothing_to_pick", lang))
            return
        batch = st.selectbox(render("withdraw.pick", lang), list(choices), index=None,
                             format_func=lambda b: f"{choices[b]} · {b}", key="withdraw_batch")
        if batch is None:
            return
        st.warning(literal.markdown(render(withdraw.describe(path, batch).message, lang)),
                   icon=":material/undo:")
        sure = st.checkbox(render("withdraw.sure", lang), key="withdraw_sure")
        if st.button(render("withdraw.go", lang), key="withdraw_go", disabled=not sure):
            with st.spinner(render("withdraw.running", lang)):
                st.session_state[_OUTCOME] = run(path, batch, user, region)
            st.session_state.pop("withdraw_sure", None)
            st.rerun()  # the frame redraws too: the filter bar, the data version


def run(path: Path, batch: str, user: str | None,
        region: str | None = None) -> tuple[bool, Message]:
    """Withdraw the batch: (done, what etl said), rendered when shown in the reader's
    language."""
    try:
        result = withdraw.withdraw(path, batch, user=user, region=region)
    except withdraw.Refused as e:
        return False, e.message
    alerts_hook.after_change("withdraw", user)  # findings the batch made may clear now
    return True, result.message


def batches(path: Path, lang: str, region: str | None = None) -> pl.DataFrame:
    """The batches as the section shows them (headers in the language), with `_batch` and
    `_ok` (whether it can be withdrawn) for the picker."""
    return _shown(_batches(str(path), db.warehouse(path).version().token, region), lang)


@st.cache_data(show_spinner=False, max_entries=8)
def _batches(path: str, version: str, region: str | None) -> pl.DataFrame:
    """Keyed on the data version: a load or withdrawal lists anew."""
    return withdraw.batches(Path(path), region)


def _shown(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    yes, no = render("withdraw.yes", lang), render("withdraw.no", lang)
    shown = frame.select(
        "batch_id", "file_name", pl.col(pick(("kind_zh", "kind_en"), lang)).alias("kind"),
        pl.col("loaded_at").dt.strftime("%Y-%m-%d %H:%M"), "rows_loaded", "rows_rejected",
        "rows_inserted", "rows_updated", pl.col("loaded_by").fill_null("—"),
        pl.when("withdrawable").then(pl.lit(yes)).otherwise(pl.lit(no)).alias("withdrawable"),
        pl.col(pick(("blocked_zh", "blocked_en"), lang)).fill_null("").alias("blocked"),
        pl.col("batch_id").alias("_batch"), pl.col("withdrawable").alias("_ok"))
    return shown.rename({c: render(f"batch_headers.{c}", lang) for c in HEADERS})
