"""Command line: `python -m etl load|build|generate ...`.

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


def cmd_build(args: argparse.Namespace) -> int:
    from etl import sample

    report = sample.build(args.db, args.out)
    print(f"{args.db}: {sum(f.rows_loaded for f in report.files)} rows from "
          f"{len(report.files)} files")
    return report.exit_code


def cmd_generate(args: argparse.Namespace) -> int:
    from etl import sample

    files = sample.write_sample(args.out, scale=args.scale)
    print(f"{len(files)} files written to {args.out}")
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
    build = sub.add_parser("build", help="write the sample files and build the warehouse")
    build.add_argument("--db", type=Path, default=config.DEFAULT_DB)
    build.add_argument("--out", type=Path, default=config.SAMPLE_DIR)
    build.set_defaults(run=cmd_build)
    gen = sub.add_parser("generate", help="write sample station files")
    gen.add_argument("--scale", type=int, default=1)
    gen.add_argument("--out", type=Path, default=config.SAMPLE_DIR)
    gen.set_defaults(run=cmd_generate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
