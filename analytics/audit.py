"""The audit log as the admin page reads it: core.audit's events for this warehouse, with
actions and outcomes in the reader's language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analytics import db
from core import audit

ACTION_LABELS = {"login": ("登录", "log-in"), "logout": ("退出登录", "log-out"),
                 "load": ("导入数据", "load"), "withdraw": ("撤销导入", "withdrawal"),
                 "export": ("导出", "export"), "briefing": ("汇报材料", "briefing")}
OUTCOME_LABELS = {"ok": ("成功", "ok"), "failed": ("失败", "failed"),
                  "locked": ("已锁定", "locked out"), "refused": ("拒绝", "refused"),
                  "partial": ("部分成功", "partly done"), "skipped": ("跳过", "skipped"),
                  "error": ("出错", "error")}
HEADERS = {"id": ("编号", "No."), "at_local": ("时间", "Time"), "user": ("用户", "User"),
           "role": ("角色", "Role"), "action": ("操作", "Action"), "object": ("对象", "Object"),
           "outcome": ("结果", "Outcome"), "details": ("详情", "Details"),
           "at_utc": ("时间(UTC)", "Time (UTC)")}


def log_path() -> Path:
    """The dashboard's audit file (beside its warehouse unless UNION_DASH_AUDIT says)."""
    return audit.resolve(warehouse=db.warehouse_path())


def events(since: date | None = None, until: date | None = None,
           actions: list[str] | None = None, user: str | None = None) -> pl.DataFrame:
    """Events newest first; `actions` empty or None means every action."""
    return audit.events(log_path(), since=since, until=until, action=actions or None,
                        user=user)


def users() -> list[str]:
    return audit.users(log_path())


def labelled(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Actions and outcomes as words, headers in `lang`; codes kept where no word is known."""
    i = 1 if lang == "en" else 0
    out = df.with_columns(
        pl.col("action").replace({k: v[i] for k, v in ACTION_LABELS.items()}),
        pl.col("outcome").replace({k: v[i] for k, v in OUTCOME_LABELS.items()}),
        pl.col("role", "object").fill_null(""))
    return out.rename({c: HEADERS[c][i] for c in out.columns if c in HEADERS})
