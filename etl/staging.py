"""One file's checked rows (the stage) on their way into the warehouse.

The load reads the stage four times or so (in-file duplicates, persons, the upsert, counts),
as the view `_stage`. Under it lie the checked frames themselves while they are few enough
to hold (a roster of up to about a million rows: one CSV chunk); a bigger file's chunks go to
a table in the scratch database beside the working copy instead, uncompressed and spilled to
disk, so a 10^7-row roster never sits in memory whole. Writing a DuckDB table costs about a
microsecond per row: as much as checking the row, so a small file skips it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import polars as pl

VIEW = "_stage"
_TABLE = "scratch._stage_rows"
_FRAME = "_stage_frame"
_DROPPED = "_stage_dropped"
# Rows held as frames before the stage moves to the scratch table.
IN_MEMORY_ROWS = 1_500_000
STAGE_MEMORY_LIMIT = "512MB"  # DuckDB's share while chunks are written to the scratch table

POLARS_TYPES = {"VARCHAR": pl.String, "DATE": pl.Date, "BOOLEAN": pl.Boolean,
                "INTEGER": pl.Int32, "SMALLINT": pl.Int16, "DECIMAL(14,2)": pl.Decimal(14, 2)}


class Stage:
    """Collects a file's checked frames (all with the same columns) and shows them as the
    view `_stage` once `close` is called; `drop` hides rows by their `_i`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
        self.con, self.memory_limit = con, memory_limit
        self.frames: list[pl.DataFrame] = []
        self.rows, self.in_table = 0, False
        self.base = _FRAME

    def add(self, frame: pl.DataFrame) -> None:
        self.frames.append(frame)
        self.rows += frame.height
        if self.in_table or self.rows > IN_MEMORY_ROWS:
            self._spill()

    def close(self) -> None:
        """Make the view: over the frames, or over the scratch table."""
        if self.in_table:
            self._spill()
            self.base = _TABLE
        else:
            self.con.register(_FRAME, _arrow(pl.concat(self.frames, rechunk=False)))
            self.frames = []
        self.con.sql(f"CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT * FROM {self.base}")

    def drop(self, rows: pl.DataFrame) -> None:
        """Leave the rows whose `_i` is in `rows` out of the view from now on."""
        self.con.register("_drop", rows.select("_i"))
        self.con.sql(f"CREATE OR REPLACE TEMP TABLE {_DROPPED} AS SELECT _i FROM _drop")
        self.con.unregister("_drop")
        self.con.sql(f"""CREATE OR REPLACE TEMP VIEW {VIEW} AS SELECT * FROM {self.base}
                         ANTI JOIN {_DROPPED} USING (_i)""")

    def discard(self) -> None:
        """Remove the view and what lies under it (also after a failure half-way)."""
        self.frames = []
        self.con.sql(f"DROP VIEW IF EXISTS {VIEW}")
        self.con.sql(f"DROP TABLE IF EXISTS {_DROPPED}")
        self.con.sql(f"DROP TABLE IF EXISTS {_TABLE}")
        with contextlib.suppress(duckdb.Error):
            self.con.unregister(_FRAME)

    def _spill(self) -> None:
        """Append the held frames to the scratch table."""
        for frame in self.frames:
            self.con.register("_chunk", _arrow(frame))
            with self._settings():
                self.con.sql(f"INSERT INTO {_TABLE} BY NAME SELECT * FROM _chunk"
                             if self.in_table else
                             f"CREATE TABLE {_TABLE} AS SELECT * FROM _chunk")
            self.con.unregister("_chunk")
            self.in_table = True
        self.frames = []

    @contextlib.contextmanager
    def _settings(self) -> Iterator[None]:
        """The scratch table is read once and thrown away: compressing it costs more CPU than
        it saves, and a small buffer pool sends its blocks to the scratch file instead of
        holding them beside the next chunk's frames."""
        self.con.sql("SET force_compression = 'uncompressed'")
        self.con.sql(f"SET memory_limit = '{STAGE_MEMORY_LIMIT}'")
        try:
            yield
        finally:
            self.con.sql("RESET force_compression")
            self.con.sql(f"SET memory_limit = '{self.memory_limit}'")


def _arrow(frame: pl.DataFrame):
    """The frame as Arrow without copying its strings (DuckDB reads Arrow string views;
    the default export converts them to large strings, a quarter of the staging time)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())
