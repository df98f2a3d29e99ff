"""Where the warehouse and its companions live, and the stamp that tells one warehouse file
from the next: the half of the warehouse contract that is not its tables (core/schema.py).

Every path is read from the environment at call time, here only, so the ETL's command line,
the dashboard, the sample generator and tests that set `UNION_DASH_DB` after import agree:
- the warehouse: `UNION_DASH_DB`, else data/warehouse.duckdb in the repository;
- rejected rows of a load: `UNION_DASH_REJECTS_DIR`, else `rejects/` beside the warehouse
  (data/rejects for the default one): a federation's reports stay with its warehouse;
- the audit log: `UNION_DASH_AUDIT`, else beside the warehouse (core/audit.py says why);
- the published Parquet facts: `UNION_DASH_FACTS_DIR`, else `<warehouse>.facts` beside it
  (etl/publish.py).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from core.messages import pick, register, render

register("data_version", {
    "none": ("尚未载入数据", "No data loaded yet"),
    "as_of": ("数据截至{day} {hm}，共{n}批", "Data as of {day} {hm}, {n} {batches}")})

# Imports nothing heavy (no Polars, DuckDB): the command lines read the paths before they set
# Polars' allocator (etl/config.py).
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"  # the default home of the warehouse, rejects and the sample's files
DB_ENV = "UNION_DASH_DB"
REJECTS_ENV = "UNION_DASH_REJECTS_DIR"
AUDIT_ENV = "UNION_DASH_AUDIT"
AUDIT_SUFFIX = ".audit.sqlite"
FACTS_ENV = "UNION_DASH_FACTS_DIR"
FACTS_SUFFIX = ".facts"


def warehouse_path() -> Path:
    """The warehouse file, from `UNION_DASH_DB` at call time (tests and `--db` set it)."""
    return _as_path(os.environ.get(DB_ENV))


@functools.lru_cache(maxsize=64)
def _as_path(setting: str | None) -> Path:
    # Cached: a page asks for the path a hundred times, and a Path costs a few microseconds.
    return Path(setting) if setting else DATA / "warehouse.duckdb"


def rejects_dir(warehouse: Path | str | None = None) -> Path:
    """Where a load into `warehouse` (default: `warehouse_path()`) writes the rows it rejected:
    `UNION_DASH_REJECTS_DIR` at call time, else `rejects/` beside the warehouse. A deployment
    whose warehouse lives elsewhere had its reports written into the program's data/ folder."""
    if os.environ.get(REJECTS_ENV):
        return Path(os.environ[REJECTS_ENV])
    return Path(warehouse or warehouse_path()).parent / "rejects"


def audit_path(warehouse: Path | str | None = None) -> Path:
    """The audit log: `UNION_DASH_AUDIT` at call time, else beside `warehouse` (default:
    `warehouse_path()`)."""
    if os.environ.get(AUDIT_ENV):
        return Path(os.environ[AUDIT_ENV])
    return audit_beside(warehouse or warehouse_path())


def audit_beside(warehouse: Path | str) -> Path:
    """The audit file beside a warehouse: `<warehouse>.audit.sqlite`."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + AUDIT_SUFFIX)


def facts_dir(warehouse: Path | str | None = None) -> Path:
    """The published Parquet facts: `UNION_DASH_FACTS_DIR` at call time, else
    `<warehouse>.facts` beside `warehouse` (default: `warehouse_path()`)."""
    if os.environ.get(FACTS_ENV):
        return Path(os.environ[FACTS_ENV])
    warehouse = Path(warehouse or warehouse_path())
    return warehouse.with_name(warehouse.name + FACTS_SUFFIX)


def file_stamp(path: Path) -> tuple[int, int]:
    """(inode, mtime in ns) of the warehouse file: a load or withdrawal replaces the file
    (`os.replace`), so the stamp changes with every change of data and with nothing else."""
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


@dataclass(frozen=True)
class DataVersion:
    """What the user sees as the data version, and the cache key of every result."""

    token: str  # changes whenever the file is replaced: the file stamp as text
    loaded_at: datetime | None  # time of the last load batch
    batches: int
    batch_ids: tuple[str, ...]

    @staticmethod
    def token_of(stamp: tuple[int, int]) -> str:
        ino, mtime = stamp
        return f"{ino}-{mtime}"

    @property
    def label(self) -> str:
        return self.token

    def describe(self, lang: str = "zh") -> str:
        """The version as a person says it: 数据截至2025年12月6日 10:35，共12批 /
        Data as of 6 Dec 2025 10:35, 12 batches (the dashboard, exports and briefings)."""
        at = self.loaded_at
        if at is None:
            return render("data_version.none", lang)
        day = pick((f"{at.year}年{at.month}月{at.day}日", f"{at.day} {at:%b %Y}"), lang)
        return render("data_version.as_of", lang, day=day, hm=f"{at:%H:%M}", n=self.batches,
                      batches="batch" if self.batches == 1 else "batches")


class HelpExamples(NamedTuple):
    """A deployment's codes for a command's --help: a region, "440604 (禅城区)", and a
    help station's code."""
    region: str
    station: str


def help_examples(argv: list[str] | None) -> HelpExamples | None:
    """For a command's --help: a county (else the top region) of the warehouse that --db in
    `argv` or UNION_DASH_DB names, as "code (name)", and a help station's code there (its
    first registered one, else the county's code and 001); None when help is not asked for,
    or there is no warehouse or it cannot be read now (a load holds it). The help's examples
    are then this deployment's, not the sample's 150702 (海拉尔区)."""
    import argparse
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if not {"-h", "--help"} & set(argv):
        return None
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--db", type=Path)
    path = pre.parse_known_args(argv)[0].db or warehouse_path()
    if not path.exists():
        return None
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            region = con.execute("""SELECT region_code, name_zh FROM regions
                                    WHERE level IN ('county', 'city', 'province')
                                    ORDER BY level = 'county' DESC, level = 'city' DESC,
                                             region_code LIMIT 1""").fetchone()
            station = con.execute("SELECT min(station_code) FROM help_stations").fetchone()
    except duckdb.Error:
        return None
    if region is None:
        return None
    return HelpExamples(f"{region[0]} ({region[1]})",
                        station[0] if station and station[0] else f"{region[0]}001")
