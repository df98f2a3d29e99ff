"""One file's checked rows (the stage) on their way into the warehouse.

The load reads the stage four times or so (in-file duplicates, persons, the upsert, counts),
as the view `_stage`. Under it lie the checked frames themselves while they are small enough
to hold: their codes are Enums (a byte a row), so a relief roster of 10^7 rows takes ~0.6 GB.
A bigger file's chunks are written as Parquet files to a scratch directory beside the
working copy instead, so the stage's memory stays bounded. A stage in a DuckDB table would
be written and compressed twice (~0.25 µs a row each time); an uncompressed Parquet file
from Polars costs ~0.1 µs a row to write, and DuckDB scans it in parallel; frames in memory
cost nothing to write and are read by DuckDB as Arrow, without a copy (10^7 rows: ~1.5 s
less than Parquet files in all).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from core import engine

VIEW = "_stage"
_FRAME = "_stage_frame"
_DROPPED = "_stage_dropped"
PERSONS = "_stage_persons"  # person_key, id_masked, birth_year, gender of the staged rows' IDs
# The size of the frames held before the stage moves to Parquet files.
IN_MEMORY_BYTES = int(os.environ.get("UNION_DASH_STAGE_BYTES", 1_000_000_000))
STAGE_MEMORY_LIMIT = "512MB"  # DuckDB's share while Polars holds a big file's frames

POLARS_TYPES = {"VARCHAR": pl.String, "UBIGINT": pl.UInt64, "DATE": pl.Date, "BOOLEAN": pl.Boolean,
                "INTEGER": pl.Int32, "SMALLINT": pl.Int16, "DECIMAL(14,2)": pl.Decimal(14, 2)}


class Stage:
    """Collects a file's checked frames (all with the same columns) and shows them, with
    their natural key `_nk`, as the view `_stage` once `close` is called; `drop` hides rows
    by their `_i`. `directory` receives the Parquet files of a big file (made when needed,
    removed by `discard`); `genders` tells whether any row gives its person's gender."""

    def __init__(self, con: duckdb.DuckDBPyConnection, directory: Path) -> None:
        self.con, self.directory = con, Path(directory)
        self.frames: list[pl.DataFrame] = []
        self.bytes, self.parts = 0, 0
        self.base = _FRAME
        self.key = ""
        self.genders = False  # whether a row gives the person's gender (else the ID does)

    def add(self, frame: pl.DataFrame) -> None:
        if "_p_gender" in frame.columns and frame["_p_gender"].null_count() < frame.height:
            self.genders = True
        self.frames.append(frame)
        self.bytes += frame.estimated_size()
        if self.parts or self.bytes > IN_MEMORY_BYTES:
            self._spill()

    def close(self, natural_key: Sequence[str]) -> None:
        """Make the view: over the frames, or over the Parquet files, with the natural key
        `_nk` of each row (the key columns as text, '|' between; made here rather than
        stored: ~60 bytes a row less to write and read back)."""
        self.key = natural_key_sql(natural_key) + " AS _nk"
        if self.parts:
            self._spill()
            files = engine.literal(self.directory / "*.parquet")
            self.base = f"read_parquet('{files}', union_by_name = true)"
        else:
            self.con.register(_FRAME, _arrow(pl.concat(self.frames, rechunk=False)))
            self.frames = []
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT *, {self.key} "
                         f"FROM {self.base}")

    def drop(self, rows: pl.DataFrame) -> None:
        """Leave the rows whose `_i` is in `rows` out of the view from now on."""
        self.con.register("_drop", rows.select("_i"))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_DROPPED} AS SELECT _i FROM _drop")
        self.con.unregister("_drop")
        self.con.execute(f"""CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT *, {self.key}
                         FROM {self.base} ANTI JOIN {_DROPPED} USING (_i)""")

    def add_persons(self, persons: pl.DataFrame, rejected: pl.Series) -> None:
        """The persons of the staged rows (person_key, id_masked, birth_year, gender from
        the ID), as `PERSONS`, numbered `_no` in key order: these depend on the ID alone, so
        the stage does not carry them on every row. `persons` are those of every valid ID
        of the file; `rejected` the person_keys of rejected rows, whose person is left out
        unless a row of theirs was staged (a lookup of those few, not a join of every
        person with every staged row: 10^7 rows, 0.3 s less)."""
        self.con.register("_rejected", rejected.to_frame("person_key"))
        try:
            staged = self.con.sql(f"SELECT DISTINCT person_key FROM {VIEW} "
                                  "SEMI JOIN _rejected USING (person_key)").pl()["person_key"]
        finally:
            self.con.unregister("_rejected")
        gone = rejected.filter(~rejected.is_in(staged.implode()))
        persons = (persons.filter(~pl.col("person_key").is_in(gone.implode()))
                   .sort("person_key").with_row_index("_no", offset=1))
        self.con.register(PERSONS, _arrow(persons))

    def discard(self) -> None:
        """Remove the view and what lies under it (also after a failure half-way)."""
        self.frames = []
        self.con.execute(f"DROP VIEW IF EXISTS {VIEW}")
        self.con.execute(f"DROP TABLE IF EXISTS {_DROPPED}")
        for name in (_FRAME, PERSONS):
            with contextlib.suppress(duckdb.Error):
                self.con.unregister(name)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _spill(self) -> None:
        """Write the held frames as Parquet files (uncompressed: they are read a few times
        within seconds and thrown away)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for frame in self.frames:
            frame.write_parquet(self.directory / f"{self.parts:05d}.parquet",
                                compression="uncompressed", statistics=False)
            self.parts += 1
        self.frames = []


def natural_key_sql(columns: Sequence[str]) -> str:
    """SQL of a row's natural key as text: the key's columns, '|' between (what
    `row_replacements.natural_key` holds)."""
    return ("concat_ws('|', " + ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')"
                                          for c in columns) + ")")


def _arrow(frame: pl.DataFrame):
    """The frame as Arrow without copying its strings (DuckDB reads Arrow string views;
    the default export converts them to large strings, a quarter of the staging time)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())
