"""Command line: `python -m etl init|load ...` (the sample's is `python -m sample`).

Exit codes of `load`: 0 every row loaded; 3 some rows rejected, the rest loaded; 2 a file
loaded nothing (unreadable, unknown kind, required columns missing).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from etl import config

os.environ.setdefault(*config.POLARS_ALLOCATOR)  # before anything imports Polars


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_load(args: argparse.Namespace) -> int:
    from etl.load import load_files

    report = load_files(args.paths, args.db, rejects_dir=args.rejects, log=_say)
    loaded = sum(f.rows_loaded for f in report.files)
    rejected = sum(f.rows_rejected for f in report.files)
    failed = [f for f in report.files if f.status == "failed"]
    print(f"{len(report.files)} 个文件，载入 {loaded} 行，拒绝 {rejected} 行，失败文件 {len(failed)} 个"
          f" / {len(report.files)} files, {loaded} rows loaded, {rejected} rejected, "
          f"{len(failed)} files failed")
    return report.exit_code


def cmd_init(args: argparse.Namespace) -> int:
    import polars as pl

    from etl import national
    from etl.load import init

    try:
        init(args.db, args.scope)
    except FileExistsError:
        _say(f"{args.db} 已存在，未改动；请换一个路径或先移走它 / {args.db} exists, left as it "
             "is; choose another path or move it away first")
        return 2
    except ValueError:
        unknown = national.unknown_codes(args.scope)
        _say(f"未知的区划代码 {', '.join(unknown)}；请填写 GB/T 2260 的 6 位代码，如 150700（呼伦贝尔市）"
             f" / unknown region codes {', '.join(unknown)}; give 6-digit GB/T 2260 codes, "
             "e.g. 150700 (Hulunbuir)")
        return 2
    names = national.regions().filter(pl.col("region_code").is_in(args.scope))
    print(f"{args.db}: 空的数据仓库，范围 / empty warehouse for "
          + "、".join(f"{c} {n}" for c, n in names.select("region_code", "name_zh").iter_rows()))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="Station files → warehouse")
    sub = p.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load station files (.xlsx/.csv) into the warehouse")
    load.add_argument("paths", nargs="+", type=Path)
    load.add_argument("--db", type=Path, default=config.DEFAULT_DB)
    load.add_argument("--rejects", type=Path, default=config.REJECTS_DIR,
                      help="directory for the rejects report (CSV)")
    load.set_defaults(run=cmd_load)
    init = sub.add_parser("init", help="make an empty warehouse for a federation's regions")
    init.add_argument("--db", type=Path, default=config.DEFAULT_DB)
    init.add_argument("--scope", nargs="+", required=True, metavar="CODE",
                      help="GB/T 2260 codes the federation covers, e.g. 150700 (呼伦贝尔市)")
    init.set_defaults(run=cmd_init)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
