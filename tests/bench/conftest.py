"""The tiny warehouse the bench scripts run on, made once per test run for every pytest-xdist
worker: the bench tests are split over modules so that workers run them side by side, and
each of those modules would otherwise load the same files again (16-30 s each)."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sample import regions as sample_regions
from tests.bench.scripts import COUNTY, bench


def _made_once(where: Path, make: Callable[[Path], None]) -> Path:
    """`where`, made by `make(where)` by the first worker to ask (the others wait on a lock
    and take it as made); an attempt that failed is not taken as made: the next one starts over."""
    where.parent.mkdir(parents=True, exist_ok=True)
    done = where.with_name(where.name + ".done")
    with open(where.with_name(where.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(where, ignore_errors=True)
                where.mkdir()
                make(where)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return where


@pytest.fixture(scope="session")
def tiny_files(sample_build, run_dir: Path) -> Path:
    """Station files of one county as `sample generate` writes them (station registry, the
    county's hardship register and its relief roster of 2015-2024): ~22k rows."""
    files = sample_build[1]

    def copy(out: Path) -> None:
        for kind, pattern in (("stations", "*.csv"), ("hardship", f"{COUNTY}_*.csv"),
                              ("relief", f"{COUNTY}_*2015-2024.csv")):
            (out / kind).mkdir()
            for path in (files / kind).glob(pattern):
                shutil.copy(path, out / kind / path.name)

    return _made_once(run_dir / "bench_files", copy)


@pytest.fixture(scope="session")
def pages_all(tiny_files: Path, sample_db: Path, run_dir: Path) -> tuple[Path, str]:
    """`bench_pages.py all` as `make bench` runs it, at a tiny scale: the tiny files loaded
    into a fresh warehouse made for the sample's counties (unscoped, every later load of a
    copy made the English names of the nation's ~3,000 counties again: 2-3 CPU-s a script),
    the overview recorded on the sample and replayed on it. Its warehouse is only read or
    copied by the tests that take it. Its temporary files go to work/tmp (the test checks
    none is left there)."""

    def run(work: Path) -> None:
        (work / "tmp").mkdir()
        stdout = bench("bench_pages.py", "all", "--sample", sample_db, "--out", work,
                       "--files", tiny_files, "--repeats", "1", "--pages", "overview",
                       "--views", "default", "--scope", ",".join(sample_regions.SCOPE),
                       env={"TMPDIR": str(work / "tmp")})
        (work / "stdout.txt").write_text(stdout, encoding="utf-8")

    work = _made_once(run_dir / "bench_pages", run)
    return work / "bench.duckdb", (work / "stdout.txt").read_text(encoding="utf-8")
