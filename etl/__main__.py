"""Command line: `python -m etl init|load|zero-report|batches|withdraw|refresh|upgrade|publish-facts ...` (the sample's is `python -m sample`).

Exit codes of `load`: 0 every row loaded; 3 some rows rejected, the rest loaded; 2 a file
loaded nothing (unreadable, unknown kind, required columns missing), or the copy or the
rejects report could not be written (full disk, read-only folder: the file and the room it
needed are named; the warehouse is unchanged). `withdraw`: 0 done, 2
refused (unknown batch, a later batch depends on it, ...), nothing changed.

What etl says (a file's outcome, a note, a withdrawal) comes back as catalogue messages
(etl/messages.py); the command line says each in Chinese and English on one line.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from pathlib import Path

from core import warehouse as paths
from core.messages import Message, Pair, register, render
from etl import config

os.environ.setdefault(*config.POLARS_ALLOCATOR)  # before anything imports Polars

register("etl.cli", {
    "loaded": ("{files} 个文件，载入 {loaded} 行，拒绝 {rejected} 行，失败文件 {failed} 个",
               "{files} files, {loaded} rows loaded, {rejected} rejected, {failed} files failed"),
    "bad_month": ("月份“{text}”无法识别；请写成 2012-03",
                  "cannot read the month '{text}'; write it as 2012-03"),
    "declared": ("{files} 个站点，登记零报告 {done} 个", "{files} stations, {done} zero reports recorded"),
    "blocked": ("不可撤销：{why}", "cannot be withdrawn: {why}"),
    "batches": ("共 {n} 个批次", "{n} batches"),
    "withdrawn": ("{what}（操作人 {by}）", "{what} (by {by})"),
    "exists": ("{path} 已存在，未改动；请换一个路径或先移走它",
               "{path} exists, left as it is; choose another path or move it away first"),
    "unknown_codes": ("未知的区划代码 {codes}；请填写 GB/T 2260 的 6 位代码{hint}",
                      "unknown region codes {codes}; give 6-digit GB/T 2260 codes{hint}"),
    "nearest": ("，如 {code}（{name}）", ", e.g. {code} ({name})"),
    "no_warehouse": ("数据仓库 {path} 不存在", "no warehouse at {path}"),
    "recomputed": ("已重新计算全部派生表", "every derived table recomputed ({s} s)"),
    "up_to_date": ("数据仓库已是最新，未改动", "the warehouse is up to date, left as it is"),
    "upgraded": ("已按本版本更新数据仓库（原缺 {n} 项：{what}），用时 {s} 秒",
                 "the warehouse brought up to this version (it lacked {n}: {what}) in {s} s"),
    "published": ("已发布 {n} 个分区", "{n} partitions published ({s} s)"),
})


def _both(message: Message) -> str:
    """A message as the command line says it: Chinese / English on one line."""
    return f"{render(message, 'zh')} / {render(message, 'en')}"


def _say(message: Message | str, file: str | None = None) -> None:
    """What a run says as it goes (etl.messages.Say), about `file` when it names one."""
    text = message if isinstance(message, str) else _both(message)
    print(f"{file}: {text}" if file else text, file=sys.stderr, flush=True)


def _print(key: str, about: object = None, **params: object) -> None:
    """A result line, in both languages, after what it is `about` (a batch, a path)."""
    line = _both(Message(f"etl.cli.{key}", params))
    print(line if about is None else f"{about} {line}")


def cmd_load(args: argparse.Namespace) -> int:
    from core import users
    from etl.load import load_files
    from etl.swap import WriteFailed

    try:
        report = load_files(args.paths, args.db, rejects_dir=args.rejects, log=_say,
                            user=args.user, region=users.region_of(args.user))
    except WriteFailed as e:  # full disk, read-only folder: said plainly, nothing changed
        _say(str(e))
        return 2
    loaded = sum(f.rows_loaded for f in report.files)
    rejected = sum(f.rows_rejected for f in report.files)
    failed = [f for f in report.files if f.status == "failed"]
    _print("loaded", files=len(report.files), loaded=loaded, rejected=rejected,
           failed=len(failed))
    return report.exit_code


def cmd_zero_report(args: argparse.Namespace) -> int:
    """零报告: each station declares the month with nothing to report, one batch each."""
    from etl import zero_reports
    from etl.load import load_bytes

    try:
        month = zero_reports.parse_month(args.month)
    except ValueError:
        _say(Message("etl.cli.bad_month", {"text": args.month}))
        return 2
    files = [zero_reports.declaration_file(code, month, args.kind) for code in args.station]
    report = load_bytes(files, args.db, rejects_dir=args.rejects, log=_say, user=args.user)
    done = sum(f.status == "loaded" for f in report.files)
    _print("declared", files=len(files), done=done)
    return report.exit_code


BATCH_COLUMNS = (  # column of etl.withdraw.batches → header (Chinese first)
    ("batch_id", "批次 batch"), ("file_name", "文件 file"), ("table", "报表 table"),
    ("loaded_at", "载入时间 loaded at"), ("rows_loaded", "载入 loaded"),
    ("rows_rejected", "拒绝 rejected"), ("rows_inserted", "新增 inserted"),
    ("rows_updated", "更新 updated"), ("loaded_by", "载入人 by"),
    ("withdrawable", "可撤销 withdrawable"))


def cmd_batches(args: argparse.Namespace) -> int:
    import polars as pl

    from etl import withdraw

    try:
        frame = withdraw.batches(args.db)
    except withdraw.Refused as e:
        _say(str(e))
        return 2
    shown = frame.with_columns(
        table=pl.col("table_name") + "（" + pl.col("kind_zh") + "）",
        loaded_at=pl.col("loaded_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        withdrawable=pl.when("withdrawable").then(pl.lit("是 yes")).otherwise(pl.lit("否 no")),
    ).select(c for c, _ in BATCH_COLUMNS).cast(pl.String).fill_null("")
    rows = [[h for _, h in BATCH_COLUMNS], *shown.rows()]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(BATCH_COLUMNS))]
    for r in rows:
        print("  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths, strict=True))
              .rstrip())
    for batch, zh, en in frame.filter(~pl.col("withdrawable")).select(
            "batch_id", "blocked_zh", "blocked_en").rows():
        _print("blocked", batch, why=Pair(zh, en))
    _print("batches", n=frame.height)
    return 0


def _width(text: str) -> int:
    """Columns a terminal gives the text (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_withdraw(args: argparse.Namespace) -> int:
    from core import users
    from etl import withdraw
    from etl.swap import WriteFailed

    # a dashboard user bound to a region withdraws that region's batches only, here as on
    # the upload page; an operator's own login (not in the user file) has no such limit
    region = users.region_of(args.user)
    try:
        result = withdraw.withdraw(args.db, args.batch, user=args.user, log=_say,
                                   region=region)
    except (withdraw.Refused, WriteFailed) as e:
        _say(str(e))
        return 2
    _print("withdrawn", what=result.message, by=result.withdrawn_by)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    import polars as pl

    from etl import national, regions
    from etl.warehouse import init

    # 654000,654200 as the deployment table writes a scope, or with 、，: each code alone
    args.scope = [c for v in args.scope for c in re.split(r"[,，、;；\s]+", v) if c]
    try:
        init(args.db, args.scope)
    except FileExistsError:
        _say(Message("etl.cli.exists", {"path": args.db}))
        return 2
    except ValueError:
        unknown = national.unknown_codes(args.scope)
        _say(Message("etl.cli.unknown_codes", {"codes": ", ".join(unknown),
                                                "hint": _nearest_hint(unknown)}))
        return 2
    names = national.regions().filter(pl.col("region_code").is_in(args.scope))
    print(f"{args.db}: 空的数据仓库，范围 / empty warehouse for "
          + "、".join(f"{c} {n}" for c, n in names.select("region_code", "name_zh").iter_rows()))
    # the words its pages, templates and exports will use, to check once (core/vocabulary.py)
    words = regions.words_of(national.in_scope(list(args.scope)))
    print(f"用语 / words: 县级 {words.county[0]}（{words.county[1]}），模板列 {words.county_header}，"
          f"资金来源 {words.fund()}（{words.fund('en')}）")
    return 0


def _nearest_hint(unknown: list[str]) -> Message | str:
    """The division nearest the first unknown code that has one (its city or province, or
    the name as written), as an example of a code that works."""
    from etl import national

    found = next(filter(None, map(national.nearest, unknown)), None)
    if found is None:
        return ""
    code, name_zh, name_en = found
    return Message("etl.cli.nearest", {"code": code, "name": Pair(name_zh, name_en)})


def _whole_change(args: argparse.Namespace, change) -> tuple[object, str] | None:
    """`change(args.db)` on an existing warehouse: (its result, seconds as said), or None
    when there is no warehouse or the change could not be written (said)."""
    import time

    from etl.swap import WriteFailed

    if not args.db.exists():
        _say(Message("etl.cli.no_warehouse", {"path": args.db}))
        return None
    started = time.perf_counter()
    try:
        result = change(args.db)
    except WriteFailed as e:
        _say(str(e))
        return None
    return result, f"{time.perf_counter() - started:.1f}"


def cmd_upgrade(args: argparse.Namespace) -> int:
    """A warehouse made by an earlier version brought up to date (etl/warehouse.py)."""
    from core import warehouse_tables
    from etl import warehouse

    done = _whole_change(args, warehouse.upgrade)
    if done is None:
        return 2
    lacked, seconds = done
    if not lacked:
        _print("up_to_date", f"{args.db}:")
    else:
        _print("upgraded", f"{args.db}:", n=len(lacked),
               what=warehouse_tables.named(lacked, 5), s=seconds)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Every derived table made again from the facts (etl/derived.py), swapped in whole."""
    from etl import derived

    done = _whole_change(args, derived.refresh_warehouse)
    if done is None:
        return 2
    _print("recomputed", f"{args.db}:", s=done[1])
    return 0


def cmd_publish_facts(args: argparse.Namespace) -> int:
    """Every fact table's Parquet partitions written again from the warehouse
    (etl/publish.py), under the load's lock."""
    import time

    from etl import publish, swap

    if not args.db.exists():
        _say(Message("etl.cli.no_warehouse", {"path": args.db}))
        return 2
    started = time.perf_counter()
    with swap.exclusive(args.db, _say):
        written = publish.publish_all(args.db)
    _print("published", f"{paths.facts_dir(args.db)}:", n=written,
           s=f"{time.perf_counter() - started:.1f}")
    return 0


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="Station files → warehouse")
    sub = p.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load station files (.xlsx/.csv) into the warehouse")
    load.add_argument("paths", nargs="+", type=Path)
    load.add_argument("--db", type=Path, default=paths.warehouse_path())
    load.add_argument("--rejects", type=Path,
                      help="directory for the rejects report (CSV; default: rejects/ beside "
                      "the warehouse, or UNION_DASH_REJECTS_DIR)")
    load.add_argument("--user", help="who loads the files (default: the OS login name); "
                      "a region-bound dashboard user loads only that region's rows")
    load.set_defaults(run=cmd_load)
    listing = sub.add_parser("batches", help="list the loaded batches (files) of a warehouse")
    listing.add_argument("--db", type=Path, default=paths.warehouse_path())
    listing.set_defaults(run=cmd_batches)
    back = sub.add_parser(
        "withdraw", help="withdraw one loaded batch (撤销导入), restoring the rows it replaced",
        description="Withdraw one loaded batch. Run by an operator on the server: the command "
        "has the server's file rights and asks for no password. --user records who withdraws "
        "it; when NAME is a dashboard user bound to a region (python -m ui.auth add-user NAME "
        "ROLE --region CODE), a batch with rows outside that region is refused, as on the "
        "upload page.")
    back.add_argument("batch", help="the batch id, as `batches` lists it")
    back.add_argument("--db", type=Path, default=paths.warehouse_path())
    back.add_argument("--user", help="who withdraws it (default: the OS login name); a "
                      "region-bound dashboard user withdraws only that region's batches")
    back.set_defaults(run=cmd_withdraw)
    found = paths.help_examples(argv)  # this deployment's codes as the help's examples
    zero = sub.add_parser("zero-report", help="零报告: stations declare a month with nothing "
                          "to report (a batch each, withdrawable like a load)")
    zero.add_argument("--station", nargs="+", required=True, metavar="CODE",
                      help="help-station codes" + (f", e.g. {found.station}" if found else ""))
    zero.add_argument("--month", required=True, help="the month, e.g. 2012-03")
    zero.add_argument("--kind", default="relief", choices=sorted(_zero_kinds()),
                      help="the report that has nothing this month (default: relief)")
    zero.add_argument("--db", type=Path, default=paths.warehouse_path())
    zero.add_argument("--rejects", type=Path,
                      help="directory for the rejects report (CSV; default: rejects/ beside "
                      "the warehouse, or UNION_DASH_REJECTS_DIR)")
    zero.add_argument("--user", help="who declares it (default: the OS login name)")
    zero.set_defaults(run=cmd_zero_report)
    init = sub.add_parser("init", help="make an empty warehouse for a federation's regions")
    init.add_argument("--db", type=Path, default=paths.warehouse_path())
    init.add_argument("--scope", nargs="+", required=True, metavar="CODE",
                      help="GB/T 2260 codes the federation covers: 6 digits, AA0000 a province, "
                      "AABB00 a city, AABBCC a county-level division")
    init.set_defaults(run=cmd_init)
    refresh = sub.add_parser(
        "refresh", help="recompute every derived table (per-person columns, monthly and "
        "season tables, data-quality findings) from the facts",
        description="A load or a withdrawal refreshes the derived tables for what its batch "
        "touched; this makes them all again from the facts, under the same lock and swap "
        "as a load (to check; after an upgrade of the code, `upgrade` does this when needed).")
    refresh.add_argument("--db", type=Path, default=paths.warehouse_path())
    refresh.set_defaults(run=cmd_refresh)
    upgrade = sub.add_parser(
        "upgrade", help="bring a warehouse made by an earlier version up to date (only if it "
        "lacks a table or column this version reads)",
        description="Compares the warehouse with the tables this version records "
        "(core/warehouse_tables.json); if it lacks anything, adds the tables and columns and makes every derived table again (as "
        "refresh), under the lock and swap of a load. `make run` runs it before the dashboard "
        "starts; the dashboard offers it to staff when it finds the warehouse older.")
    upgrade.add_argument("--db", type=Path, default=paths.warehouse_path())
    upgrade.set_defaults(run=cmd_upgrade)
    facts = sub.add_parser(
        "publish-facts", help="write every fact table again as Hive-partitioned Parquet "
        "(<table>/year=<Y>/data.parquet) for Spark, Trino or pyarrow",
        description="A load or a withdrawal writes the partitions its batches touched; this "
        "writes them all (after an upgrade, or when a publish failed). The directory is "
        "UNION_DASH_FACTS_DIR, else <warehouse>.facts beside the warehouse.")
    facts.add_argument("--db", type=Path, default=paths.warehouse_path())
    facts.set_defaults(run=cmd_publish_facts)
    return p


def _zero_kinds() -> list[str]:
    from etl import zero_reports

    return list(zero_reports.KINDS)


def main(argv: list[str] | None = None) -> int:
    args = parser(argv).parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    from core import cli

    cli.run(main)
