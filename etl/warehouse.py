"""Making a warehouse and bringing an older one up to date: the schema, labels and regions.

A new warehouse (`init`) covers a federation's scope; every load and withdrawal first runs
`prepare` on its working copy, which adds what older warehouses lack (tables, columns,
surrogate ids, the station registry) and makes the regions again.

A warehouse made by an earlier version of this code can lack tables and columns that pages
read (a new data-quality column, a new mart). `lacking_in` names them, comparing the warehouse
with the tables this version records (core/warehouse_tables.py), and `upgrade` makes
everything again (`prepare`, then every derived table), under the lock and swap of a load.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from core import engine, schema, warehouse_tables
from etl import derived, key_types, mappings, memory, person_index, regions, rollups, swap


def ensure_warehouse(db_path: Path) -> None:
    """Create the warehouse (schema, regions, labels) if it is missing or incomplete; a new
    one covers the whole country (`init` gives it a federation's scope)."""
    db_path = Path(db_path)
    if db_path.exists() and _complete(db_path):
        return
    swap.rewrite(db_path, _made)


def init(db_path: Path, scope: Sequence[str], *, sample: bool = False) -> None:
    """An empty warehouse for a federation's scope (region codes whose subtrees it covers):
    its regions, no rows. FileExistsError if there is a warehouse at db_path already;
    ValueError for a code not in the national table."""
    db_path = Path(db_path)
    if db_path.exists():
        raise FileExistsError(str(db_path))

    swap.rewrite(db_path, lambda con: _made(con, (list(scope), sample)))


def _made(con: duckdb.DuckDBPyConnection, deployment: tuple[list[str], bool] | None = None
          ) -> None:
    """A new warehouse: `prepare`, and every derived table (empty), so that it lacks
    nothing a page reads before its first load (`lacking_in`)."""
    prepare(con, deployment)
    derived.refresh_all(con)


def prepare(con, deployment: tuple[list[str], bool] | None = None) -> None:
    """Schema, labels and the regions (made again from the national table, the scope and
    the station registry on every load: etl/regions.py); `deployment` (scope, sample) is
    recorded first when given (`init`). The tables and migrations are skipped where this
    same code brought the warehouse up to date before and its tables are as it left them
    (`PREPARED`)."""
    # Row order in tables carries no meaning; not keeping it lets DuckDB insert with less
    # memory, and the limit makes it spill rather than crowd out Polars' frames.
    con.execute("SET preserve_insertion_order = false")
    memory.hold(con)  # the whole share: migrations of an older warehouse read it all
    code = _code_digest()
    current = False
    if deployment is None and code is not None:
        catalog = _catalog(con)
        current = _prepared(con, catalog) == _stamp(code, catalog)
    if not current:
        _up_to_date(con)
    regions.migrate(con)
    if deployment is not None:
        regions.set_deployment(con, deployment[0], sample=deployment[1])
    words = regions.words(con)  # the fund's and the levels' labels follow the deployment
    labels = [(d, c, *words.label(d, c, zh, en)) for d, c, zh, en in mappings.labels()]
    label_rows = pl.DataFrame(list(dict.fromkeys(labels)),
                              schema=["domain", "code", "label_zh", "label_en"], orient="row")
    # written only when they changed (two statements, ~4 ms of CPU in every load)
    if not regions.same_rows(con, label_rows, "SELECT domain, code, label_zh, label_en "
                                              "FROM labels WHERE domain <> 'region'"):
        con.register("_labels", label_rows)
        con.execute("DELETE FROM labels WHERE domain <> 'region'")
        con.execute("INSERT INTO labels BY NAME SELECT * FROM _labels")
        con.unregister("_labels")
    regions.rebuild(con)
    if code is not None and not current:  # (CREATE TABLE AS makes no key to replace by)
        con.execute("DELETE FROM deployment WHERE key = ?", [PREPARED])
        con.execute("INSERT INTO deployment VALUES (?, ?)",
                    [PREPARED, _stamp(code, _catalog(con))])


def _up_to_date(con: duckdb.DuckDBPyConnection) -> None:
    """Every table and column of this version, and the migrations of older warehouses."""
    for statement in schema.ddl():
        con.execute(statement)
    for column in ("longitude", "latitude"):  # regions of warehouses made before them
        con.execute(f"ALTER TABLE regions ADD COLUMN IF NOT EXISTS {column} DOUBLE")
    con.execute("ALTER TABLE load_batches ADD COLUMN IF NOT EXISTS loaded_by VARCHAR")
    key_types.migrate(con)
    person_index.migrate(con)
    rollups.migrate(con)  # after the per-person columns it sums


# The `deployment` row that says which code last brought the warehouse up to date, and the
# tables it left: `_stamp`. The DDL and the migrations' probes are no-ops on such a warehouse,
# yet took about 45 ms of every load and withdrawal of a small one. A change of that code, of
# the kinds' natural keys (the surrogate ids) or of any table or column (a warehouse altered
# by hand or by an older version) makes the stamp differ, and `prepare` runs them all.
PREPARED = "prepared"
_MIGRATING = ("core/schema.py", "etl/warehouse.py", "etl/key_types.py", "etl/person_index.py",
              "etl/rollups.py", "etl/season_rollup.py")
# Every table's columns, read once for `_prepared` and `_stamp`: a filter on the tables
# `_up_to_date` makes, in SQL (list_contains), took ~5 ms of CPU against ~1.5 for them all.
_CATALOG = ("SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY ALL")


@functools.cache
def _sources() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        return "\0".join((root / name).read_text(encoding="utf-8") for name in _MIGRATING)
    except OSError:  # installed without its sources: no stamp, every prepare runs it all
        return None


def _code_digest() -> str | None:
    sources = _sources()
    if sources is None:
        return None
    keys = sorted((k.kind, k.table_name, k.natural_key) for k in mappings.kinds().values())
    return hashlib.sha256(f"{sources}\0{keys!r}".encode()).hexdigest()[:16]


def _catalog(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, column, type) of the warehouse's tables, sorted."""
    return con.execute(_CATALOG).fetchall()


def _stamp(code: str, catalog: list[tuple[str, str, str]]) -> str:
    """The stamp of this code and of the tables `_up_to_date` makes, as `catalog` lists
    them (the derived tables a load makes after it are not in it)."""
    made = {*schema.TABLES, *map(schema.archive, schema.LOADED)}
    kept = repr([row for row in catalog if row[0] in made])
    return f"{code}:{hashlib.sha256(kept.encode()).hexdigest()[:16]}"


def _prepared(con: duckdb.DuckDBPyConnection,
              catalog: list[tuple[str, str, str]]) -> str | None:
    if not any(table == "deployment" for table, _, _ in catalog):
        return None
    row = con.execute("SELECT value FROM deployment WHERE key = ?", [PREPARED]).fetchall()
    return row[0][0] if row else None


def made_tables() -> frozenset[tuple[str, str]]:
    """The tables and columns of an empty warehouse this code makes: what
    core/warehouse_tables.json records (`python -m etl.warehouse` writes it again)."""
    con = engine.connect(":memory:")
    try:
        _made(con)
        return frozenset(con.sql(warehouse_tables.COLUMNS_SQL).fetchall())
    finally:
        con.close()


def lacking_in(db_path: Path) -> list[str]:
    """What the warehouse at `db_path`, read as it is on disk, lacks that this version reads
    (core/warehouse_tables.lacking)."""
    con = engine.connect(str(db_path), read_only=True)
    try:
        return _lacking(con)
    finally:
        con.close()


def upgrade(db_path: Path) -> list[str]:
    """Bring a warehouse made by an earlier version up to date: `prepare` (tables, columns,
    migrations) and every derived table made again from the facts, swapped in whole; what
    it lacked, or [] (then nothing is written). A second process that upgraded it meanwhile
    leaves this one nothing to do but swap the same file back."""
    db_path = Path(db_path)
    before = lacking_in(db_path)
    if not before:
        return []

    def change(con: duckdb.DuckDBPyConnection) -> None:
        if _lacking(con):
            prepare(con)
            memory.hold(con)
            derived.refresh_all(con)

    swap.rewrite(db_path, change)
    return before


def _lacking(con: duckdb.DuckDBPyConnection) -> list[str]:
    return warehouse_tables.lacking(con.sql(warehouse_tables.COLUMNS_SQL).fetchall())


def _complete(db_path: Path) -> bool:
    try:
        con = engine.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        derived = {r[0] for r in con.sql("SELECT column_name FROM duckdb_columns() "
                                         "WHERE table_name = 'relief'").fetchall()}
        return (set(schema.TABLES) <= tables and "person_no" in derived
                and con.sql("SELECT count(*) FROM regions").fetchall()[0][0] > 0)
    finally:
        con.close()


if __name__ == "__main__":  # python -m etl.warehouse: record this version's tables
    warehouse_tables.RECORDED.write_text(warehouse_tables.as_json(made_tables()),
                                         encoding="utf-8")
    print(f"wrote {warehouse_tables.RECORDED}")
