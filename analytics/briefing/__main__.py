"""python -m analytics.briefing --region CODE --period PERIOD --out FILE.docx
[--db PATH] [--lang zh|en] [--pdf]"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analytics.briefing",
                                 description="Write a Word briefing (汇报材料) for a region and period.")
    ap.add_argument("--region", required=True, help=f"region code (GB/T 2260){_example(argv)}")
    ap.add_argument("--period", required=True, help="2012, 2012Q3 or 2012-05")
    ap.add_argument("--out", required=True, type=Path, help="the .docx to write")
    ap.add_argument("--db", type=Path, help="warehouse (default: UNION_DASH_DB or data/)")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--pdf", action="store_true", help="also write a PDF (needs LibreOffice)")
    args = ap.parse_args(argv)
    if args.db:
        os.environ["UNION_DASH_DB"] = str(args.db)  # analytics.db reads it at call time
    from analytics import db
    from analytics.export import close_renderer

    path = db.warehouse_path()
    if not path.exists():  # said plainly, not a traceback from the first query
        print(f"error: no warehouse at {path}: pass --db PATH or set UNION_DASH_DB "
              "(a new one: python -m etl init --db PATH --scope CODE)", file=sys.stderr)
        return 2
    try:
        return _write(args)
    finally:
        close_renderer()


def _example(argv: list[str] | None) -> str:
    """', e.g. 440604 (禅城区)': a region of the warehouse the command reads (for --help)."""
    from core.warehouse import help_examples

    found = help_examples(argv)
    return f", e.g. {found.region}" if found else ""


def _write(args: argparse.Namespace) -> int:
    from analytics.briefing import build_briefing, parse_period, to_pdf

    try:
        period = parse_period(args.period)
        briefing = build_briefing(args.region, period, lang=args.lang)
    except (KeyError, ValueError) as exc:  # an unknown region, a malformed period
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(briefing.docx)
    print(f"{args.out}: {len(briefing.chart_titles)} charts, "
          f"{briefing.seconds['total']:.1f} s")
    if args.pdf:
        pdf = args.out.with_suffix(".pdf")
        pdf.write_bytes(to_pdf(briefing.docx))
        print(pdf)
    return 0


if __name__ == "__main__":
    from core import cli

    cli.run(main)
