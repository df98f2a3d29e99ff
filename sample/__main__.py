"""Command line of the sample: `python -m sample build|generate ...`.

`build` exits as `python -m etl load` does: 0 every row loaded, 3 some rows rejected (the
sample's deliberately bad rows are, so 3 is its normal exit), 2 a file loaded nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core import warehouse as paths
from etl import config

# before anything imports Polars
os.environ.setdefault(*(config.GENERATE_ALLOCATOR if sys.argv[1:2] == ["generate"]
                        else config.POLARS_ALLOCATOR))

SAMPLE_DIR = Path(os.environ.get("UNION_DASH_SAMPLE_DIR", paths.DATA / "sample"))


def cmd_build(args: argparse.Namespace) -> int:
    from sample.build import build

    report = build(args.db, args.out)
    print(f"{args.db}: {sum(f.rows_loaded for f in report.files)} rows from "
          f"{len(report.files)} files")
    return report.exit_code


def cmd_generate(args: argparse.Namespace) -> int:
    from sample.build import write_sample

    files = write_sample(args.out, scale=args.scale)
    print(f"{len(files)} files written to {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sample",
                                description="The bundled sample: station files → warehouse")
    sub = p.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write the sample files and build the warehouse")
    build.add_argument("--db", type=Path, default=paths.warehouse_path())
    build.add_argument("--out", type=Path, default=SAMPLE_DIR)
    build.set_defaults(run=cmd_build)
    gen = sub.add_parser("generate", help="write sample station files")
    gen.add_argument("--scale", type=int, default=1)
    gen.add_argument("--out", type=Path, default=SAMPLE_DIR)
    gen.set_defaults(run=cmd_generate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    from core import cli

    cli.run(main)
