"""The audit log as the admin page reads it: core.audit's events for this warehouse, with
actions and outcomes in the reader's language, and whether the log is whole (core/audit_verify.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from analytics import db
from core import audit, audit_chain, audit_verify
from core.messages import pick, register, render
from core.warehouse import audit_path

ACTION_LABELS = {"login": ("登录", "log-in"), "logout": ("退出登录", "log-out"),
                 "load": ("导入数据", "load"), "withdraw": ("撤销导入", "withdrawal"),
                 "upgrade": ("更新数据仓库", "warehouse upgrade"),
                 "export": ("导出", "export"), "briefing": ("汇报材料", "briefing"),
                 "audit": ("审计日志", "audit log"),
                 # alerts/: a rule fired or cleared, each delivery attempt, a rule saved
                 "alert": ("预警", "alert"), "alert_delivery": ("预警发送", "alert delivery"),
                 "alert_rule": ("预警规则", "alert rule"),
                 # a subscription saved or removed, and each scheduled briefing it sent
                 "alert_subscription": ("订阅汇报材料", "subscription")}
OUTCOME_LABELS = {"ok": ("成功", "ok"), "failed": ("失败", "failed"),
                  "locked": ("已锁定", "locked out"), "refused": ("拒绝", "refused"),
                  "partial": ("部分成功", "partly done"), "skipped": ("跳过", "skipped"),
                  "error": ("出错", "error"), "started": ("已开始", "started"),
                  "reconciled": ("已完成（据仓库补记）", "done (reconciled from the warehouse)"),
                  "interrupted": ("未完成（中断）", "not done (interrupted)"),
                  "fired": ("触发", "fired"), "cleared": ("解除", "cleared"),
                  "sent": ("已发送", "sent"), "retried": ("失败，已重试", "failed, retried"),
                  "saved": ("已保存", "saved"), "removed": ("已删除", "removed")}
HEADERS = {"id": ("编号", "No."), "at_local": ("时间", "Time"), "user": ("用户", "User"),
           "role": ("角色", "Role"), "action": ("操作", "Action"), "object": ("对象", "Object"),
           "outcome": ("结果", "Outcome"), "details": ("详情", "Details"),
           "at_utc": ("时间(UTC)", "Time (UTC)")}
register("audit_action", ACTION_LABELS)
register("audit_outcome", OUTCOME_LABELS)
register("audit_headers", HEADERS)
register("audit_log", {"head": ("末条 {n}：{hash}", "head {n}: {hash}")})


def log_path() -> Path:
    """The dashboard's audit file (beside its warehouse unless UNION_DASH_AUDIT says)."""
    return audit_path()


def events(since: date | None = None, until: date | None = None,
           actions: list[str] | None = None, user: str | None = None) -> pl.DataFrame:
    """Events newest first; `actions` empty or None means every action."""
    return audit.events(log_path(), since=since, until=until, action=actions or None,
                        user=user)


def integrity(lang: str) -> tuple[bool | None, list[str]]:
    """(whole, lines): the log checked against its chain and this warehouse's batches, the
    verdict, each finding with its event number and the head, in `lang`; whole is None
    when it cannot be checked (no log yet, no key)."""
    path, warehouse = log_path(), db.warehouse_path()
    stamp = (lang, str(path), *(_stamp(f) for f in (
        path, path.with_name(path.name + "-wal"), warehouse)))
    verdict = _checked.get(stamp)
    if verdict is None:  # 20,000 events take 0.7 s: once per state of the files
        verdict = _verdict(path, warehouse, lang)
        _checked.clear()
        _checked[stamp] = verdict
    return verdict


_checked: dict[tuple, tuple[bool | None, list[str]]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _verdict(path: Path, warehouse: Path, lang: str) -> tuple[bool | None, list[str]]:
    try:
        report = audit_verify.verify(path, warehouse=warehouse)
    except audit_verify.CannotVerify as e:
        return None, [pick((e.zh, e.en), lang)]
    lines = [audit_chain.summary(report, lang)]
    lines += [audit_chain.describe(p, lang) for p in report.problems]
    if report.head is not None:
        lines.append(render("audit_log.head", lang, n=report.head, hash=report.head_hash))
    return report.whole, lines


def users() -> list[str]:
    return audit.users(log_path())


def labelled(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Actions and outcomes as words, headers in `lang`; codes kept where no word is known."""
    out = df.with_columns(
        pl.col("action").replace({k: render(f"audit_action.{k}", lang) for k in ACTION_LABELS}),
        pl.col("outcome").replace({k: render(f"audit_outcome.{k}", lang)
                                   for k in OUTCOME_LABELS}),
        pl.col("role", "object").fill_null(""))
    return out.rename({c: render(f"audit_headers.{c}", lang) for c in out.columns if c in HEADERS})
