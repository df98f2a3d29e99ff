"""`python -m core.audit verify [--log PATH] [--db WAREHOUSE] [--head ID:HASH]`: is the audit
log whole since its first event?

Exit 0 whole, 1 not (each finding with its event number), 2 when it cannot tell (no log, no
key). What it finds and what it cannot: the hash chain (core/audit_chain.py) shows an edited
event, a removed one anywhere but at the end, an event added by hand, and a file rewritten or
replaced without the key. Events cut off the end are found from the log's own counter (which
a careful hand can lower too) and, with the warehouse, from its batches: a batch loaded since
the log began with no load event. A whole log replaced by someone holding the key, or an
old copy of the log put back, shows only against a head noted earlier (`--head`, printed by
every run): keep it somewhere the log's writers cannot reach.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from core import audit, audit_chain, engine
from core.audit_chain import Problem, Report
from core.messages import register, render
from core.warehouse import warehouse_path

_ROW = ("id", "at_utc", "at_local", "user", "role", "action", "object", "details", "outcome",
        "prev_hash", "hash")


class CannotVerify(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def verify(log: Path | str | None = None, *, warehouse: Path | str | None = None,
           head: tuple[int, str] | None = None) -> Report:
    """Check the chain of `log` (default: the one beside `warehouse`), and, given the
    warehouse, that each of its batches loaded since the log began has a load event; with
    `head` (id, hash), that this event is still there unchanged. CannotVerify without a log
    or a key."""
    target = audit.resolve(log, warehouse)
    if not target.exists():
        raise CannotVerify(f"没有审计日志：{target}", f"no audit log at {target}")
    key = audit_chain.load_key(create=False)
    if key is None:
        raise CannotVerify(
            f"没有审计日志的密钥（{audit_chain.KEY_ENV} 或 {audit_chain.key_file()}），无法校验",
            f"no key for the audit log ({audit_chain.KEY_ENV} or {audit_chain.key_file()}): "
            "cannot verify")
    with audit._connect(target) as con:  # noqa: SLF001 - the log's own connection
        rows = [dict(zip(_ROW, r, strict=True)) for r in con.execute(
            f"SELECT {', '.join(_ROW)} FROM events ORDER BY id")]
        counter = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'"
                              ).fetchone()
    report = audit_chain.check(rows, key, counter[0] if counter else None)
    report.pending = len(audit.open_intents(target))
    if head is not None:
        at, digest = head
        if not any(r["id"] == at and r["hash"] == digest for r in rows):
            report.problems.append(Problem("anchor", at))
    if warehouse is not None and Path(warehouse).exists():
        _compare_batches(report, rows, Path(warehouse))
    return report


def warehouse_batches(warehouse: Path) -> dict[str, dict]:
    """The warehouse's load_batches by batch id (read-only), each as its facts."""
    con = engine.connect(":memory:")
    try:
        # ATTACH takes no bound parameter; the path is the caller's, quoted as a literal.
        con.sql(f"ATTACH '{engine.literal(warehouse)}' AS w (READ_ONLY)")
        if not con.sql("SELECT 1 FROM duckdb_tables() WHERE database_name = 'w' "
                       "AND table_name = 'load_batches'").fetchall():
            return {}
        frame = con.sql("SELECT * FROM w.load_batches").pl()
    finally:
        con.close()
    wanted = ("batch_id", "file_name", "content_sha256", "table_name", "loaded_at",
              "rows_loaded", "rows_rejected", "loaded_by")
    return {row["batch_id"]: {k: row[k] for k in wanted if k in row}
            for row in frame.to_dicts()}


def _compare_batches(report: Report, rows: list[dict], warehouse: Path) -> None:
    """A batch the warehouse holds, loaded after the log's first event, with no load event
    naming it: its events were removed (a batch loaded before the log began is no finding)."""
    batches = warehouse_batches(warehouse)
    report.batches_checked = len(batches)
    named = {json.loads(r["details"]).get("batch") for r in rows
             if r["action"] == "load" and r["details"]}
    begun = datetime.fromisoformat(rows[0]["at_utc"]) if rows else None
    for batch, facts in sorted(batches.items()):
        loaded = facts.get("loaded_at")
        if batch in named or loaded is None:
            continue
        loaded = loaded.astimezone(UTC) if loaded.tzinfo else loaded.astimezone().astimezone(UTC)
        # loaded_at has whole seconds: a batch of the log's first second is given the benefit
        if begun is None or loaded > begun.replace(microsecond=0):
            report.problems.append(Problem("batch", batch=batch))


register("audit_verify", {
    "head": ("末条 {n}:{hash}（记下它，下次可用 --head 核对）",
             "head {n}:{hash} (note it; check it later with --head)"),
    "pending": ("{n} 次导入或撤销已开始、尚无结果（下次启动时据仓库补记）",
                "{n} load(s) or withdrawal(s) started with no outcome yet (answered from the "
                "warehouse at the next start)"),
    "batches": ("已与仓库的 {n} 个批次核对", "compared with the warehouse's {n} batches"),
})


def lines(report: Report, lang: str) -> list[str]:
    """The verdict, each finding and the head, in one language."""
    out = [audit_chain.summary(report, lang)]
    out += [f"- {audit_chain.describe(p, lang)}" for p in report.problems]
    if report.head is not None:
        out.append(render("audit_verify.head", lang, n=report.head, hash=report.head_hash))
    if report.pending:
        out.append(render("audit_verify.pending", lang, n=report.pending))
    if report.batches_checked is not None:
        out.append(render("audit_verify.batches", lang, n=report.batches_checked))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.audit")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("verify", help="is the audit log whole since its first event?")
    cmd.add_argument("--log", type=Path, help="the audit file (default: beside --db)")
    cmd.add_argument("--db", type=Path, help="the warehouse: its log, and its batches compared")
    cmd.add_argument("--head", help="ID:HASH noted from an earlier run: still there?")
    cmd.add_argument("--lang", choices=("zh", "en"), default=None,
                     help="one language (default: Chinese, then English)")
    args = parser.parse_args(argv)
    head = None
    if args.head:
        at, _, digest = args.head.partition(":")
        head = (int(at), digest)
    if args.log is None and args.db is None:  # the dashboard's warehouse
        args.db = warehouse_path()
    try:
        report = verify(args.log, warehouse=args.db, head=head)
    except CannotVerify as e:
        print(e.zh if args.lang == "zh" else e.en if args.lang == "en" else f"{e.zh} / {e.en}",
              file=sys.stderr)
        return 2
    for lang in (args.lang,) if args.lang else ("zh", "en"):
        print("\n".join(lines(report, lang)))
    return 0 if report.whole else 1
