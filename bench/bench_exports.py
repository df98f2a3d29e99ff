"""Exports, disclosure control and briefings: how long each takes.

    python bench/bench_exports.py [--db data/warehouse.duckdb] [--repeat 10]

Prints a Markdown table for bench/RESULTS.md. Figure exports are timed in a fresh process, so
the first one includes starting Chromium.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def figure_rows(repeat: int = 10) -> list[tuple[str, str]]:
    import plotly.graph_objects as go

    from analytics import export

    prov = export.Provenance("两节慰问人数", [{"code": "festival_persons", "name_zh": "两节慰问人数",
                                          "unit": "persons"}], {"地区": "海拉尔区"}, "bench")
    fig = go.Figure(go.Bar(x=[f"站点{i}" for i in range(12)], y=list(range(12))))
    first = timed(lambda: export.figure_png(fig, prov))[0]
    png = timed(lambda: export.figure_png(fig, prov), repeat)
    svg = timed(lambda: export.figure_svg(fig, prov), repeat)
    return [("first PNG in a process (starts Chromium)", f"{first:.2f} s"),
            (f"later PNG, 2700×1560 (median of {repeat})", f"{statistics.median(png):.2f} s"),
            (f"later SVG (median of {repeat})", f"{statistics.median(svg):.2f} s")]


def privacy_rows() -> list[tuple[str, str]]:
    import numpy as np
    import polars as pl

    from analytics.privacy import protect

    rng = np.random.default_rng(1)
    out = []
    for months, regions in ((240, 1), (1, 32), (20, 32), (240, 32)):
        rows = [{"month": f"m{m:03d}", "region": f"r{r:02d}",
                 "persons": int(rng.choice([0, 1, 3, 8, 20, 50, 120],
                                           p=[.05, .03, .03, .19, .3, .3, .1])),
                 "amount_yuan": 1.0}
                for m in range(months) for r in range(regions)]
        df = pl.DataFrame(rows)
        protect(df.head(4))  # the key file read outside the timing
        t = timed(lambda df=df: protect(df), 3)
        r = protect(df)
        out.append((f"protect {months}×{regions} table ({r.perturbed} counts perturbed, "
                    f"{r.suppressed} rows withheld)", f"{statistics.median(t):.3f} s"))
    return out


def briefing_rows(db: Path, repeat: int = 3) -> list[tuple[str, str]]:
    os.environ["UNION_DASH_DB"] = str(db)
    from analytics.briefing import build_briefing

    cold = build_briefing("150702", "2012")
    warm = [build_briefing("150702", "2012").seconds for _ in range(repeat)]
    med = {k: statistics.median(w[k] for w in warm) for k in warm[0]}
    return [
        (f"briefing 150702 2012, {len(cold.chart_titles)} charts, first in a process",
         f"{cold.seconds['total']:.1f} s (queries {cold.seconds['query']:.1f}, "
         f"docx+PNGs {cold.seconds['docx']:.1f})"),
        (f"same briefing again (median of {repeat})",
         f"{med['total']:.1f} s (queries {med['query']:.1f}, docx+PNGs {med['docx']:.1f})"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "data" / "warehouse.duckdb")
    ap.add_argument("--repeat", type=int, default=10,
                    help="later figures timed (the briefing: at most 3)")
    args = ap.parse_args()
    rows = figure_rows(args.repeat) + privacy_rows()
    if args.db.exists():
        rows += briefing_rows(args.db, min(args.repeat, 3))
    print("| what | time |\n|---|---|")
    for what, t in rows:
        print(f"| {what} | {t} |")


if __name__ == "__main__":
    main()
