"""The upload page's handler: size and type checks, the load, and what the user sees of it.

Uploads go through `etl.load.load_bytes`, the same rules, exit states and atomic swap as
`python -m etl load`. The pages show the new data at once: every cached result is keyed on the
data version, which changes when the warehouse file is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import streamlit as st

from core import literal
from core.cells import neutral_frame
from core.messages import pick, register, render
from core.warehouse import rejects_dir
from ui import alerts_hook, auth
from ui import audit_trail as trail
from ui.etl_actions import FileResult, LoadReport, WriteFailed, load_bytes, mappings
from ui.etl_actions import rejects as rj

SUFFIXES = ("xlsx", "xls", "csv")
REJECTS_FILE = "rejects.csv"
STATUS = {"loaded": ("已载入", "loaded"), "partial": ("部分载入", "partly loaded"),
          "failed": ("未载入", "not loaded"), "skipped": ("已载入过，跳过", "already loaded, skipped"),
          "refused": ("拒收", "refused")}
register("load_status", STATUS)


@dataclass(frozen=True)
class Refused:
    name: str
    zh: str
    en: str


def max_upload_bytes() -> int:
    """The server's upload limit (server.maxUploadSize, MB); the page checks it again."""
    return int(st.get_option("server.maxUploadSize") or 50) * 1024 * 1024


def screen(files: list[tuple[str, bytes]], limit: int) -> tuple[list[tuple[str, bytes]],
                                                                 list[Refused]]:
    """Files fit to load, and those refused before loading (too big, wrong type)."""
    ok, refused = [], []
    for name, data in files:
        if len(data) > limit:
            mb, limit_mb = len(data) / 2**20, limit / 2**20
            refused.append(Refused(
                name, f"文件大小 {mb:.1f} MB，超过上限 {limit_mb:.0f} MB；请按月份或站点拆分后分别上传",
                f"the file is {mb:.1f} MB, over the {limit_mb:.0f} MB limit; split it by month "
                "or station and upload the parts"))
        elif not name.lower().endswith(tuple(f".{s}" for s in SUFFIXES)):
            refused.append(Refused(
                name, "不是站点报表文件：只接受 Excel（.xlsx）或 CSV 文件",
                "not a station export: only Excel (.xlsx) or CSV files are accepted"))
        else:
            ok.append((name, data))
    return ok, refused


def run_load(files: list[tuple[str, bytes]], db_path: Path,
             user: auth.User | None = None) -> LoadReport:
    """Load the files in one atomic swap; rejects also go to the rejects folder. The
    signed-in user is recorded as who loaded them (the local user: the OS login) and in the
    audit log; a user bound to a region loads rows of that region only (the others are
    rejected, with the reason)."""
    who = None if user is None or user.local else trail.who()[0]
    try:
        report = load_bytes(files, db_path, rejects_dir=rejects_dir(db_path), user=who,
                            region=user.region if user else None)
    except WriteFailed as e:  # full disk or read-only folder: nothing changed, say which file
        return LoadReport([FileResult(Path(name), status="failed", message=e.message)
                           for name, _ in files])
    if any(f.status in ("loaded", "partial") for f in report.files):
        alerts_hook.after_change("load", who)  # the rules see the new data (in the background)
    return report


def summary_table(report: LoadReport | None, refused: list[Refused], lang: str) -> pl.DataFrame:
    """One row per file: what it was recognised as, status, rows loaded and rejected, message."""
    kinds = mappings.kinds()
    rows = [{
        "file": f.path.name,
        "kind": pick((kinds[f.kind].name_zh, kinds[f.kind].name_en), lang) if f.kind else "—",
        "status": render(f"load_status.{f.status}", lang), "rows_read": f.rows_read,
        "rows_loaded": f.rows_loaded, "rows_rejected": f.rows_rejected,
        "message": render(f.message, lang) if f.message else "",
    } for f in (report.files if report else [])]
    rows += [{"file": r.name, "kind": "—", "status": render("load_status.refused", lang),
              "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0,
              "message": pick((r.zh, r.en), lang)}
             for r in refused]
    headers = {k: render(f"load_headers.{k}", lang) for k in HEADERS}
    return pl.DataFrame(rows, schema={k: pl.Int64 if k.startswith("rows") else pl.String
                                      for k in headers}).rename(headers)


HEADERS = {"file": ("文件", "file"), "kind": ("识别为", "recognised as"),
           "status": ("状态", "status"), "rows_read": ("读取行数", "rows read"),
           "rows_loaded": ("载入行数", "rows loaded"), "rows_rejected": ("拒绝行数", "rows rejected"),
           "message": ("说明", "message")}
register("load_headers", HEADERS)
REJECT_HEADERS = {"file": ("文件", "file"), "sheet": ("工作表", "sheet"), "row": ("行号", "row"),
                  "id_masked": ("身份证号（遮蔽）", "masked ID"),
                  "column": ("列", "column"), "value": ("值", "value"),
                  "reason_zh": ("原因", "reason"), "reason_en": ("原因（英文）", "reason (English)")}
register("reject_headers", REJECT_HEADERS)


def rejects_table(report: LoadReport | None, refused: list[Refused]) -> pl.DataFrame:
    """Every rejected row and refused file, with where and why (both languages); IDs and
    phone numbers masked as in the report on disk (etl/rejects.py)."""
    frames = [rj.redact(report.rejects.drop("station_code"))] if report else []
    if refused:
        frames.append(pl.DataFrame(
            [{"file": r.name, "sheet": None, "row": None, "column": None, "value": None,
              "reason_zh": r.zh, "reason_en": r.en} for r in refused],
            schema=frames[0].schema if frames else None))
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def rejects_csv(rejects: pl.DataFrame) -> bytes:
    """The rejects report for Excel users: CSV in UTF-8 with a BOM, Chinese headers, IDs
    masked and cells neutral (core/cells.py)."""
    headed = rj.redact(rejects).rename({c: f"{render(f'reject_headers.{c}', 'zh')} {c}"
                                        for c in rejects.columns if c in REJECT_HEADERS})
    return neutral_frame(headed).write_csv().encode("utf-8-sig")


def rejects_download(rejects: pl.DataFrame) -> trail.Build:
    """The rejects report as a download's data, recorded in the audit log when clicked."""
    return trail.recorded(lambda: rejects_csv(rejects), object=REJECTS_FILE,
                          details={"title": "rejects", "format": "csv", "rows": rejects.height,
                                   "disclosure_control": False})


def notes(report: LoadReport | None, lang: str) -> list[str]:
    """What a load noted without rejecting a row (a former division's name resolved to
    today's code, a 合计 row that does not add up), one line per note and file, as Markdown
    that shows the file's name and its cells as typed."""
    colon = pick(("：", ": "), lang)
    return [literal.markdown(f"{f.path.name}{colon}{render(note, lang)}")
            for f in (report.files if report else []) for note in f.notes]
