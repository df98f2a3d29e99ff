"""Withdrawing a load (撤销导入): one batch's rows out, the rows it replaced back.

A batch is one loaded file (etl/load.py). Its withdrawal runs in the same lock, copy and swap
as a load (etl/swap.py): the batch's rows go; the rows it replaced come back from
`<table>_replaced` (a corrected resubmission withdrawn brings the earlier version back); its
lineage, rejects and `load_batches` row go; persons first seen in it go (persons whom later
batches' rows name stay, under the first of those batches); then the per-person columns, the
monthly and season tables, the quality findings and, for a help-station registry batch, the
regions are made again. The warehouse is then what it was before the batch, and the same
file can be loaded again.

A withdrawal that could not give that state back is refused (`Refused`): an unknown batch; a
later batch replaced or repeated rows of this one (withdraw that one first); rows it replaced
whose content was not kept (loaded before the archive existed); help stations it registered
that other batches' rows still name. A user bound to a region sees and withdraws only the
batches whose rows all lie in it. Every withdrawal, done or refused, goes to the audit log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from core import engine, schema
from core.messages import Message, Pair, register, render
from etl import (
    derived,
    key_types,
    load,
    load_audit,
    mappings,
    memory,
    publish,
    regions,
    swap,
    touched,
    warehouse,
    zero_reports,
)
from etl.messages import Said, Say, both, joined, listed
from etl.region_index import RegionIndex

REGISTRY = load.REGISTRY
# Tables with persons' rows: a person stays in `persons` while one of them names them.
PERSON_TABLES = tuple(t for t in schema.LOADED if "person_key" in key_types.column_types(t))
STATION_TABLES = (*(t for t in schema.LOADED if t != REGISTRY
                     and "station_code" in key_types.column_types(t)), zero_reports.TABLE)


class Refused(Said):
    """A withdrawal that cannot be done, with the reason (a catalogue message)."""

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


register("etl.withdrawal", {
    "confirm": ("将撤销批次 {batch}（文件 {file}，{kind}，{when} 由 {by} 载入）：删除 {rows} 行"
                "{back}{persons}。",
                "Withdraw batch {batch} (file {file}, {kind}, loaded {when} by {by}): {rows} "
                "rows are removed{back}{persons}."),
    "comes_back": ("，恢复批次 {batch}（{file}）的 {n} 行", "; {n} rows of batch {batch} ({file}) "
                   "come back"),
    "persons_go": ("，删除仅见于该批次的 {n} 人", "; {n} persons seen only in it are removed"),
    "done": ("已撤销批次 {batch}（{file}）：删除 {rows} 行{back}，删除 {persons} 人",
             "withdrew batch {batch} ({file}): {rows} rows removed{back}, {persons} persons "
             "removed"),
    "restored": ("，恢复批次 {batch} 的 {n} 行", ", {n} rows of batch {batch} restored"),
    "outside": ("批次 {batch} 含有您的权限范围（{region}）以外的行，不能由您撤销；请交上级工会撤销",
                "batch {batch} holds rows outside your region ({region}); ask the federation "
                "above to withdraw it"),
    "blocked": ("不能撤销批次 {batch}：{why}", "batch {batch} cannot be withdrawn: {why}"),
    "no_warehouse": ("数据仓库 {path} 不存在；请检查 --db 路径",
                     "no warehouse at {path}; check the --db path"),
    "no_batch": ("没有批次 {batch}；可用 python -m etl batches 列出已载入的批次",
                 "no batch {batch}; list the loaded batches with python -m etl batches"),
    "later": ("之后的批次 {later} 更正或重复了该批次的行；请先撤销{which}",
              "the later batch {later} replaced or repeated rows of this batch; withdraw "
              "{which} first"),
    "it": ("该批次", "it"), "them": ("这些批次", "them"),
    "batch": ("{batch}", "{batch}"), "batch_file": ("{batch}（{file}）", "{batch} ({file})"),
    "not_archived": ("该批次更正了 {n} 行，被替换的原内容未保存（在撤销功能启用前载入），无法恢复",
                     "it replaced {n} rows whose earlier content was not kept (it was loaded "
                     "before withdrawals were possible), so they cannot be restored"),
    "station_in_use": ("该批次登记的 {n} 个帮扶站点仍被批次 {users}{more}的数据使用；请先撤销这些数据",
                       "{n} help station it registered is still named by rows of batch "
                       "{users}{more}; withdraw those first"),
    "stations_in_use": ("该批次登记的 {n} 个帮扶站点仍被批次 {users}{more}的数据使用；请先撤销这些数据",
                        "{n} help stations it registered are still named by rows of batch "
                        "{users}{more}; withdraw those first"),
    "and_others": (" 等", " and others"),
})


@dataclass(frozen=True)
class Plan:
    """What withdrawing a batch removes and brings back (`describe`)."""

    batch_id: str
    file_name: str
    table_name: str
    kind_zh: str
    kind_en: str
    loaded_at: dt.datetime
    loaded_by: str | None
    rows_removed: int
    restored: tuple[tuple[str, str | None, int], ...]  # (batch, its file, rows) coming back
    persons_removed: int
    blocked: Message | None  # why it cannot be withdrawn, or None

    @property
    def rows_restored(self) -> int:
        return sum(n for *_, n in self.restored)

    @property
    def message(self) -> Message:
        """One sentence naming what will go and what comes back, for a confirmation."""
        back = tuple(Message("etl.withdrawal.comes_back", {"batch": b, "file": f or "?", "n": n})
                     for b, f, n in self.restored)
        persons = (Message("etl.withdrawal.persons_go", {"n": self.persons_removed}),) \
            if self.persons_removed else ()
        kind = Pair(self.kind_zh, self.kind_en)
        return Message("etl.withdrawal.confirm", {
            "batch": self.batch_id, "file": self.file_name, "kind": kind,
            "when": f"{self.loaded_at:%Y-%m-%d %H:%M}", "by": self.loaded_by or "?",
            "rows": self.rows_removed, "back": back, "persons": persons})

    def confirmation(self, lang: str = "zh") -> str:
        """The confirmation in `lang` (the command line's and the tests' reading)."""
        return render(self.message, lang)


@dataclass(frozen=True)
class WithdrawResult:
    plan: Plan
    withdrawn_by: str
    persons_removed: int

    @property
    def message(self) -> Message:
        """What was done, to be rendered in the reader's language."""
        p = self.plan
        back = tuple(Message("etl.withdrawal.restored", {"batch": b, "n": n})
                     for b, _, n in p.restored)
        return Message("etl.withdrawal.done", {"batch": p.batch_id, "file": p.file_name,
                                           "rows": p.rows_removed, "back": back,
                                           "persons": self.persons_removed})


# ---------------------------------------------------------------- public entry points


def batches(db_path: Path, region: str | None = None) -> pl.DataFrame:
    """Every batch of the warehouse, newest first, with its kind, who loaded it and whether
    it can be withdrawn (`blocked_zh`/`blocked_en` say why not); with `region` (a user bound
    to one), only the batches whose rows all lie in it. Read-only."""
    with _reading(Path(db_path)) as con:
        rows = _batch_rows(con)
        if region is not None:
            rows = rows.filter(~pl.col("batch_id").is_in(_outside(con, rows, region)))
        blocks = _blocks(con, rows)
    kinds = _kinds()
    blocks = {batch: both(why) for batch, why in blocks.items()}  # kept in both languages

    def named(values: dict[str, str]) -> pl.Expr:
        return pl.col("batch_id").replace_strict(values, default=None, return_dtype=pl.String)

    def kind(name: str) -> pl.Expr:
        return pl.col("table_name").replace_strict(
            {t: getattr(k, name) for t, k in kinds.items()}, default=pl.col("table_name"))

    return rows.select(
        "batch_id", "file_name", "table_name", kind("name_zh").alias("kind_zh"),
        kind("name_en").alias("kind_en"), "loaded_at", "rows_loaded", "rows_rejected",
        "rows_inserted", "rows_updated", "loaded_by",
        (~pl.col("batch_id").is_in(list(blocks))).alias("withdrawable"),
        named({b: zh for b, (zh, _) in blocks.items()}).alias("blocked_zh"),
        named({b: en for b, (_, en) in blocks.items()}).alias("blocked_en"),
    ).reverse()


def describe(db_path: Path, batch_id: str) -> Plan:
    """What withdrawing `batch_id` would remove and restore (Refused if it is unknown).
    Read-only: the upload page shows it for confirmation."""
    with _reading(Path(db_path)) as con:
        return _plan(con, batch_id)


def withdraw(db_path: Path, batch_id: str, *, user: str | None = None,
             log: Say | None = None,
             region: str | None = None) -> WithdrawResult:
    """Withdraw one batch in one atomic swap; Refused (nothing changed) when it cannot be.
    `user` is who withdraws it (default the OS login name), recorded in the audit log; with
    `region` (a user bound to one), a batch with rows outside it is refused."""
    db_path, say = Path(db_path), log or (lambda _m, file=None: None)
    who = user or load.os_login()
    try:
        result = _withdraw(db_path, batch_id, who, say, region)
    except BaseException as exc:
        load_audit.withdrawal(db_path, batch_id, user=who, outcome="error",
                              error=getattr(exc, "en", type(exc).__name__))
        raise
    return result


def _withdraw(db_path: Path, batch_id: str, who: str, say: Say,
              region: str | None) -> WithdrawResult:
    if not db_path.exists():
        raise _no_warehouse(db_path)
    with (swap.exclusive(db_path, say), load_audit.reconciled(db_path),
          swap.working_copy(db_path) as work):
        con = engine.connect(str(work))
        try:
            warehouse.prepare(con)  # an older warehouse gets the archives and loaded_by first
            plan = _plan(con, batch_id)
            memory.hold(con, plan.rows_removed + plan.rows_restored)
            if region is not None and batch_id in _outside(con, _batch_rows(con), region):
                raise Refused("etl.withdrawal.outside", batch=batch_id, region=region)
            if plan.blocked:
                raise Refused("etl.withdrawal.blocked", batch=batch_id, why=plan.blocked)
            swap.write_back(work)  # not refused: the copy will be swapped in
            parts = publish.touched(con, [batch_id])  # while its rows exist
            persons = _remove(con, plan)
            # intent and outcome under the lock: a kill between them is reconciled later
            load_audit.withdrawal(db_path, batch_id, user=who, file=plan.file_name,
                                  outcome="started")
            swap.swap_in(con, work, db_path)
            load_audit.withdrawal(db_path, batch_id, user=who, file=plan.file_name,
                                  rows_removed=plan.rows_removed,
                                  rows_restored=plan.rows_restored)
            publish.after_change(db_path, parts, user=who)  # a failure only warns
        finally:
            con.close()
    return WithdrawResult(plan, who, persons)  # its message is the caller's to say, once


def _outside(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, region: str) -> list[str]:
    """The batches of `rows` with a row (kept or archived) outside `region`'s subtree, or in
    a table that names no region."""
    allowed = sorted(RegionIndex.of(con, region).allowed or ())
    out = []
    for table in rows["table_name"].unique().to_list():
        columns = _has(con, table)
        places = [c for c in ("station_code", "county_code", "scope_code", "region_code")
                  if c in columns]
        batches = rows.filter(pl.col("table_name") == table)["batch_id"].to_list()
        if not places:
            out += batches
            continue
        inside = " OR ".join(f"list_contains($allowed, {c}::VARCHAR)" for c in places)
        sources = [table] + ([schema.archive(table)] if _has(con, schema.archive(table)) else [])
        union = " UNION ALL ".join(f"SELECT batch_id, {', '.join(places)} FROM {t}"
                                   for t in sources)
        out += [b for (b,) in con.execute(
            f"SELECT DISTINCT batch_id FROM ({union}) WHERE NOT coalesce({inside}, FALSE)",
            {"allowed": allowed}).fetchall()]
    return out


# ---------------------------------------------------------------- what a batch holds


@contextlib.contextmanager
def _reading(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse read-only, attached anew (core/engine.attached): it sees the file as it
    is now, even after a swap (a cached read-only connection might not: NOTES.md)."""
    if not db_path.exists():
        raise _no_warehouse(db_path)
    with engine.attached(db_path) as con:
        yield con


def _no_warehouse(db_path: Path) -> Refused:
    return Refused("etl.withdrawal.no_warehouse", path=db_path)


def _kinds() -> dict[str, mappings.Kind]:
    zero = mappings.Kind("zero_report", zero_reports.TABLE, *zero_reports.NAME, ())
    return {k.table_name: k for k in mappings.kinds().values()} | {zero.table_name: zero}


def _has(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of the warehouse's `table` (none if it has no such table: older ones)."""
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?", [table]).fetchall()}


def _batch_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`load_batches` in load order (rowid: the table is only appended to)."""
    by = "loaded_by" if "loaded_by" in _has(con, "load_batches") else "NULL::VARCHAR"
    return con.sql(f"""SELECT batch_id, file_name, table_name, loaded_at, rows_loaded,
                              rows_rejected, rows_inserted, rows_updated, {by} AS loaded_by
                       FROM load_batches ORDER BY rowid""").pl()


def _plan(con: duckdb.DuckDBPyConnection, batch_id: str) -> Plan:
    rows = _batch_rows(con)
    row = rows.filter(pl.col("batch_id") == batch_id)
    if row.is_empty():
        raise Refused("etl.withdrawal.no_batch", batch=batch_id)
    b = row.row(0, named=True)
    table, kind = b["table_name"], _kinds().get(b["table_name"])
    removed = con.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?",
                          [batch_id]).fetchall()[0][0]
    restored = ()
    if _has(con, schema.archive(table)):
        restored = tuple(con.execute(f"""
            SELECT a.batch_id, b.file_name, count(*) FROM {schema.archive(table)} a
            LEFT JOIN load_batches b USING (batch_id) WHERE a.replaced_by = ?
            GROUP BY ALL ORDER BY min(b.loaded_at), 1""", [batch_id]).fetchall())
    return Plan(batch_id, b["file_name"], table, kind.name_zh if kind else table,
                kind.name_en if kind else table, b["loaded_at"], b["loaded_by"], removed,
                restored, _persons_only_in(con, batch_id),
                _blocks(con, row).get(batch_id))


def _persons_only_in(con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
    """Persons first seen in the batch whom no other batch's rows name."""
    return con.execute(f"""SELECT count(*) FROM persons WHERE batch_id = $b AND person_key
                           NOT IN ({_person_rows('batch_id <> $b')})""",
                       {"b": batch_id}).fetchall()[0][0]


def _person_rows(where: str, columns: str = "person_key") -> str:
    """Rows of every person table of the persons first seen in batch $b, where `where`
    holds (a lookup in those few persons, not a set of every person of 10^7 rows)."""
    mine = "person_key IN (SELECT person_key FROM persons WHERE batch_id = $b)"
    return " UNION ALL ".join(f"SELECT {columns} FROM {t} WHERE {mine} AND {where}"
                              for t in PERSON_TABLES)


# ---------------------------------------------------------------- what stands in the way


def _blocks(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> dict[str, Message]:
    """Why each of these batches (rows of `_batch_rows`) cannot be withdrawn, where it cannot:
    the first reason that applies."""
    wanted = rows["batch_id"].to_list()
    blocks: dict[str, Message] = {}
    for reasons in (_later(con, wanted), _not_archived(con, rows),
                    _stations_in_use(con, rows)):
        for batch, reason in reasons.items():
            blocks.setdefault(batch, reason)
    return blocks


def _later(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> dict[str, Message]:
    """Batches whose rows a later batch replaced or sent again unchanged: that one first."""
    sources = ["SELECT batch_id, replaced_batch_id AS earlier FROM row_replacements"]
    if _has(con, "unchanged_rows"):
        sources.append("SELECT batch_id, kept_batch_id FROM unchanged_rows")
    found = con.execute(f"""
        SELECT d.earlier, list(DISTINCT [d.batch_id, b.file_name])
        FROM ({' UNION ALL '.join(sources)}) d LEFT JOIN load_batches b USING (batch_id)
        WHERE list_contains($w, d.earlier) AND d.batch_id <> d.earlier GROUP BY 1""",
                        {"w": wanted}).fetchall()
    return {batch: Message("etl.withdrawal.later", {
        "later": listed([_batch_file(b, f) for b, f in sorted(later, key=_batch_order)], "comma"),
        "which": Message("etl.withdrawal.it" if len(later) == 1 else "etl.withdrawal.them")})
        for batch, later in found}


def _batch_order(batch_file: list) -> str:
    """A later batch's place in the list: by its id and then its file's name."""
    batch, file = batch_file
    return batch + (f"（{file}）" if file is not None else "")


def _batch_file(batch: str, file: str | None) -> Message:
    if file is None:
        return Message("etl.withdrawal.batch", {"batch": batch})
    return Message("etl.withdrawal.batch_file", {"batch": batch, "file": file})


def _not_archived(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame
                  ) -> dict[str, Message]:
    """Batches that replaced more rows than the archive of their table keeps (loaded before
    the archive existed): what they replaced cannot be restored."""
    archived = [f"SELECT replaced_by AS batch_id FROM {schema.archive(t)}"
                for t in set(rows["table_name"]) if _has(con, schema.archive(t))]
    kept = f"SELECT batch_id, count(*) AS n FROM ({' UNION ALL '.join(archived)}) GROUP BY 1" \
        if archived else "SELECT NULL::VARCHAR AS batch_id, 0 AS n"
    found = con.execute(f"""
        SELECT r.batch_id, r.n FROM (SELECT batch_id, count(*) AS n FROM row_replacements
                                     WHERE list_contains($w, batch_id) GROUP BY 1) r
        LEFT JOIN ({kept}) a USING (batch_id) WHERE r.n > coalesce(a.n, 0)""",
                        {"w": rows["batch_id"].to_list()}).fetchall()
    return {batch: Message("etl.withdrawal.not_archived", {"n": n}) for batch, n in found}


def _stations_in_use(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame
                     ) -> dict[str, Message]:
    """Registry batches whose stations (those not coming back from the archive) other
    batches' rows name: the rows would lose their station."""
    registry = rows.filter(pl.col("table_name") == REGISTRY)["batch_id"].to_list()
    if not registry:
        return {}
    back = (f"ANTI JOIN {schema.archive(REGISTRY)} a ON a.replaced_by = h.batch_id "
            "AND a.station_code = h.station_code" if _has(con, schema.archive(REGISTRY)) else "")
    # a warehouse from before a table (zero_reports) gets it at its next load: the listing
    # reads it as it is
    naming = " UNION ".join(f"SELECT DISTINCT station_code, batch_id FROM {t}"
                            for t in STATION_TABLES if _has(con, t))
    found = con.execute(f"""
        WITH gone AS (SELECT h.station_code, h.batch_id FROM {REGISTRY} h {back}
                      WHERE list_contains($r, h.batch_id))
        SELECT g.batch_id, count(DISTINCT g.station_code),
               list(DISTINCT u.batch_id ORDER BY u.batch_id)
        FROM gone g JOIN ({naming}) u USING (station_code) GROUP BY 1""",
                        {"r": registry}).fetchall()
    return {batch: Message("etl.withdrawal.stations_in_use" if n > 1 else
                           "etl.withdrawal.station_in_use", {
                               "n": n, "users": joined(users[:3]),
                               "more": Message("etl.withdrawal.and_others")
                               if len(users) > 3 else ""})
            for batch, n, users in found}


# ---------------------------------------------------------------- the change


def _remove(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    """Take the batch out of the working copy and remake what is derived from the rows;
    the number of persons removed."""
    batch, table = plan.batch_id, plan.table_name
    change = derived.capture(con, [batch])  # what it touches, while its rows exist
    with swap.transaction(con):
        # persons whose withdrawn rows follow all their others keep those others' columns
        _rows_back(con, table, batch, touched.FOLLOWING if change.scoped else None)
        for lineage in ("row_replacements", "unchanged_rows", "load_rejects", "load_batches"):
            con.execute(f"DELETE FROM {lineage} WHERE batch_id = ?", [batch])
        persons = _remove_persons(con, batch)
        if table == REGISTRY:
            regions.rebuild(con)
    swap.fault("rows_withdrawn")
    derived.refresh(con, change)
    return persons


def _rows_back(con: duckdb.DuckDBPyConnection, table: str, batch: str,
               kept: str | None = None) -> None:
    """The batch's rows out of `table`, the rows it replaced back in from the archive; the
    persons in the table `kept` (etl/touched.recede) keep their other rows' columns."""
    params = {"b": batch}
    if table in schema.PERSON_INDEX:  # its persons' other rows: per-person columns again
        others = f"SELECT person_key FROM {table} WHERE batch_id = $b"
        if kept and table in schema.PERSON_LAST:
            others += f" EXCEPT SELECT person_key FROM {kept}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _others AS {others}", params)
        if con.execute("SELECT count(*) FROM _others").fetchall()[0][0]:  # a scan of all
            con.execute(f"""UPDATE {table} SET person_no = NULL WHERE batch_id <> $b AND
                            person_key IN (SELECT person_key FROM _others)""", params)
        con.execute("DROP TABLE _others")
    con.execute(f"DELETE FROM {table} WHERE batch_id = $b", params)
    if table not in schema.LOADED:  # 零报告: nothing replaced, no archive
        return
    # restored rows leave the derived columns NULL: person_index fills them
    con.execute(f"""INSERT INTO {table} BY NAME SELECT * EXCLUDE (replaced_by)
                    FROM {schema.archive(table)} WHERE replaced_by = $b""", params)
    con.execute(f"DELETE FROM {schema.archive(table)} WHERE replaced_by = $b", params)


def _remove_persons(con: duckdb.DuckDBPyConnection, batch: str) -> int:
    """Persons first seen in the batch go, unless other batches' rows name them: those stay,
    under the first of those batches in load order."""
    params = {"b": batch}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _still_named AS
        SELECT r.person_key, arg_min(r.batch_id, coalesce(b.rowid, 9e18)) AS first_batch
        FROM ({_person_rows("true", "person_key, batch_id")}) r
        LEFT JOIN load_batches b USING (batch_id) GROUP BY 1""", params)
    gone = con.execute("""DELETE FROM persons WHERE batch_id = $b
                          AND person_key NOT IN (SELECT person_key FROM _still_named)""",
                       params).fetchall()[0][0]
    con.execute("""UPDATE persons SET batch_id = s.first_batch FROM _still_named s
                   WHERE persons.person_key = s.person_key AND persons.batch_id = $b""", params)
    con.execute("DROP TABLE _still_named")
    return gone
