"""Running a bench/ script as `make bench` and RESULTS.md run it (a subprocess of this Python,
with the session's pseudonym and audit settings), and reading the tables it prints."""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COUNTY = "150702"  # the sample's county whose files make the tiny warehouse


def bench(script: str, *args: object, timeout: float = 240, env: dict | None = None) -> str:
    """Run bench/<script> with `args` (and `env` added to the environment); its stdout (the
    results), after checking it exited 0."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), *map(str, args)],
                         cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **(env or {})})
    assert out.returncode == 0, f"{script} exited {out.returncode}:\n{out.stderr[-4000:]}"
    return out.stdout


def bench_main(script: str, *args: object) -> str:
    """bench/<script>'s main() in this process, as its command line with `args` runs it (the
    arguments parsed from sys.argv); what it printed. For a script whose command line another
    test runs: this saves a Python start and the imports pytest has made already."""
    module = importlib.import_module(f"bench.{script.removesuffix('.py')}")
    out = io.StringIO()
    argv = sys.argv
    sys.argv = [str(ROOT / "bench" / script), *map(str, args)]
    try:
        with contextlib.redirect_stdout(out):
            module.main()
    finally:
        sys.argv = argv
    return out.getvalue()


def table_rows(stdout: str) -> dict[str, list[str]]:
    """A Markdown table's rows by their first cell (the header and rule left out)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in stdout.splitlines() if line.startswith("|")]
    return {r[0]: r[1:] for r in rows[2:]}


def seconds(cell: str) -> float:
    return float(cell.split()[0])
