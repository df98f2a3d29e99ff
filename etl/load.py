"""Station files → the warehouse, atomically and idempotently.

One command is one swap (etl/swap.py): the warehouse is copied beside itself, every file of
the command is loaded into the copy, and the copy is put in place whole. A reader sees the old
file or the new one, never half a load; a failure (or a kill) leaves the original untouched.

Each file is one batch (lineage in `load_batches`); a file whose content was loaded before is
skipped. Rows are identified by the natural key of their kind (etl/mappings/kinds.csv): a
corrected file updates changed rows, adds new ones and leaves identical ones alone;
`row_replacements` records which batch's row each update replaced, `<table>_replaced` keeps
the replaced row and `unchanged_rows` counts the identical ones per earlier batch, so a batch
can be withdrawn again (etl/withdraw.py).
"""

from __future__ import annotations

import datetime as dt
import errno
import getpass
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core import engine
from core.messages import Message, Pair, register, render
from core.warehouse import rejects_dir as default_rejects_dir
from etl import (
    derived,
    extract,
    hidden_rows,
    key_types,
    load_audit,
    mappings,
    memory,
    parse,
    pseudonym,
    publish,
    region_checks,
    regions,
    sheets,
    stage_rows,
    staging,
    swap,
    upsert,
    validate,
    warehouse,
    zero_reports,
)
from etl import digest as digests
from etl import rejects as rj
from etl.extract import FileError
from etl.messages import Say, both
from etl.region_index import RegionIndex

SURROGATE_IDS = key_types.SURROGATE_IDS
STAGE = staging.VIEW  # one file's checked rows (etl/staging.py)
REGISTRY = "help_stations"  # its rows make the regions table's stations


@dataclass
class SheetResult:
    name: str | None
    kind: str | None
    status: str  # loaded, failed, ignored
    rows_read: int = 0
    message: Message | None = None  # why it failed or was ignored


@dataclass
class FileResult:
    path: Path
    kind: str | None = None
    sheets: list[SheetResult] = field(default_factory=list)
    status: str = "failed"  # loaded, partial, failed, skipped
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    message: Message | None = None  # what happened, how to fix: rendered by the reader
    rejects: pl.DataFrame = field(default_factory=rj.empty)
    notes: list[Message] = field(default_factory=list)  # worth a look, nothing rejected
    batch_id: str | None = None
    # Lines read and not taken as data (合计, signatures, 注：… notes): (sheet, row, what, text)
    skipped: list[tuple[str | None, int, str, str]] = field(default_factory=list)

    @property
    def message_zh(self) -> str:
        return render(self.message, "zh") if self.message else ""

    @property
    def message_en(self) -> str:
        return render(self.message, "en") if self.message else ""

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """The notes in Chinese and English."""
        return [both(note) for note in self.notes]

    @property
    def line(self) -> str:
        """One line for a terminal: file, what happened, how to fix (Chinese / English)."""
        return f"{self.path.name}: {self.message_zh} / {self.message_en}"


@dataclass
class LoadReport:
    files: list[FileResult]
    rejects_path: Path | None = None

    @property
    def exit_code(self) -> int:
        """2 when a file loaded nothing, 3 when rows were rejected, else 0."""
        statuses = {f.status for f in self.files}
        still_out = any(f.status == "skipped" and f.rows_rejected for f in self.files)
        return 2 if "failed" in statuses else 3 if "partial" in statuses or still_out else 0

    @property
    def rejects(self) -> pl.DataFrame:
        return pl.concat([rj.empty(), *(f.rejects for f in self.files)])

    @property
    def skipped(self) -> pl.DataFrame:
        """Lines of the files not taken as data: file, sheet, row, what (zh, en), text."""
        return sheets.skipped_frame([(f.path.name, *line) for f in self.files
                                     for line in f.skipped])


# ---------------------------------------------------------------- public entry points


def load_files(paths: Sequence[Path], db_path: Path, *, rejects_dir: Path | None = None,
               log: Say | None = None, user: str | None = None,
               region: str | None = None) -> LoadReport:
    """Load station files (xlsx/csv) into the warehouse in one atomic swap; `user` is who
    loaded them (`load_batches.loaded_by` and the audit log; default the OS login name);
    with `region` (the uploading user's), rows outside that region's subtree are rejected."""
    sources = [(Path(p), Path(p)) for p in paths]
    return _load(sources, Path(db_path), rejects_dir, log, user, region)


def load_bytes(items: Sequence[tuple[str, bytes]], db_path: Path, *,
               rejects_dir: Path | None = None,
               log: Say | None = None,
               user: str | None = None, region: str | None = None) -> LoadReport:
    """Load uploaded files given as (file name, content), e.g. from the browser upload page."""
    sources = [(Path(parse.visible_name(name) or "upload"), data) for name, data in items]
    return _load(sources, Path(db_path), rejects_dir, log, user, region)


def os_login() -> str:
    """Who runs this process, for `loaded_by` when no user is named."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor the password file
        return f"uid {os.getuid()}"


# ---------------------------------------------------------------- the run


def _load(sources, db_path: Path, rejects_dir: Path | None, log, user: str | None,
          region: str | None = None) -> LoadReport:
    say = log or (lambda _msg, file=None: None)
    user = user or os_login()
    key = pseudonym.load_key()
    results: list[FileResult] = []
    db_path.parent.mkdir(parents=True, exist_ok=True)
    names = [path.name for path, _ in sources]
    with (swap.exclusive(db_path, say), load_audit.recorded(db_path, names, results, user),
          swap.working_copy(db_path) as work):
        con = engine.connect(str(work))
        try:
            warehouse.prepare(con)
            seen: dict[str, str] = {}
            for number, (path, source) in enumerate(sources, start=1):
                result = _load_file(con, path, source, key, seen, swap.scratch(work), user,
                                    region)
                results.append(result)
                if result.status in ("loaded", "partial"):  # the load goes ahead
                    swap.write_back(work)
                say(result.message, path.name)
                for note in result.notes:
                    say(Message("etl.load.note", {"note": note}), path.name)
                if result.status in ("loaded", "partial"):  # a failed file: its one line
                    for line in sheets.skipped_lines(result.skipped):
                        say(line, path.name)
                swap.fault("file_loaded", number)
            _record_rejects(con, results)
            # the report is written before the swap: a full disk or read-only folder stops
            # the load here (swap.WriteFailed), with the warehouse as it was
            pending = rj.prepare_report(LoadReport(results).rejects,
                                        rejects_dir or default_rejects_dir(db_path))
            changed = any(r.status in ("loaded", "partial") for r in results)
            if changed or not db_path.exists() or any(not r.rejects.is_empty() for r in results):
                # per-person columns, monthly and season tables, findings: for what the
                # run's batches touched (etl/derived.py)
                batches = [r.batch_id for r in results if r.status in ("loaded", "partial")]
                parts = publish.touched(con, batches)  # the Parquet partitions to write again
                memory.hold(con, sum(r.rows_loaded for r in results))
                derived.refresh(con, derived.capture(con, batches, added=True))
                load_audit.intent(db_path, con, results, user)  # answered after the swap
                swap.swap_in(con, work, db_path, len(results))
                publish.after_change(db_path, parts, user=user)  # a failure only warns
        finally:
            con.close()
    report = LoadReport(results)
    report.rejects_path = rj.publish(pending)
    if report.rejects_path:
        say(Message("etl.load.rejects_report", {"path": report.rejects_path}))
    return report


def _load_file(con, path: Path, source: bytes | Path, key: bytes,
               seen: dict[str, str], scratch: Path, user: str,
               region: str | None = None) -> FileResult:
    """One file, one batch; bad input becomes a failed or partial result, never an exception.

    The file is read, checked and staged a chunk at a time (etl/staging.py: in memory, or
    for a big file in a scratch directory beside the working copy, so a 10^7-row roster never
    sits in memory whole); duplicates, persons and the upsert are then set-based SQL over the
    stage, and one transaction writes the warehouse: a file that turns out unreadable
    half-way leaves nothing behind."""
    result = FileResult(path)
    try:
        digest = digests.digest(source)
    except OSError as e:
        return _unreadable(result, e)

    known: list[str | None] = []  # the answer, once the digest is known: asked after
    # every chunk, and nothing this file does before its batch is written can change it

    def loaded_before() -> str | None:
        """The batch that loaded this content, once the digest is known."""
        if not digest.done():
            return None
        if not known:
            sha = _content_id(digest.result(), region)
            known.append(seen.get(sha) or _loaded_batch(con, sha))
        return known[0]

    if earlier := loaded_before():
        return _skipped(con, result, earlier)
    # the regions this file is checked against: with the stations registered so far
    checked_against = region_checks.FileRegions(RegionIndex.of(con, region), name=path.name)
    stage = staging.Stage(con, scratch)
    try:
        try:
            raws = extract.read_file(path.name, source)
            sheets = _recognised_sheets(result, raws)
            table = mappings.kinds()[result.kind].table_name
            candidates = _stage(con, stage, result, raws, sheets, key, table, loaded_before,
                                checked_against)
            digest.result()  # wait for it
            if earlier := loaded_before():
                return _skipped(con, result, earlier)
        except _AlreadyLoaded as e:
            return _skipped(con, result, e.batch)
        except FileError as e:
            return _failed(result, e.message)
        except OSError as e:  # gone or unreadable half-way
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):  # the stage's disk
                raise swap.WriteFailed(e.filename or scratch, e.strerror or str(e)) from e
            return _unreadable(result, e)
        sha = _content_id(digest.result(), region)
        result.rejects = pl.concat([result.rejects, stage_rows.drop_duplicates(
            con, stage, path.name, result.kind, candidates)])
        result.rows_rejected = result.rejects.filter(pl.col("row").is_not_null()).select(
            pl.struct("sheet", "row").n_unique()).item()
        result.rows_loaded = _one(con, f"SELECT count(*) FROM {STAGE}")[0]
        # a header and no rows: a 零报告 when it names its station and month
        declared = (zero_reports.read_declaration(path.name, raws, sheets,
                                                    checked_against.index)
                    if result.rows_read == 0 and result.rejects.is_empty() else None)
        if declared is not None and declared.problem:
            return _failed(result, declared.problem)
        if result.rows_loaded == 0 and declared is None:
            return _failed(result, Message("etl.load.no_rows" if result.rows_read == 0
                                           else "etl.load.all_rejected"))
        now = dt.datetime.now().replace(microsecond=0)
        result.batch_id = f"{now:%Y%m%d%H%M%S}-{sha[:12]}"
        # The same content loaded again in the same second (once stations are registered)
        # must not reuse the earlier batch's id.
        if again := _one(con, "SELECT count(*) FROM load_batches WHERE content_sha256 = ?",
                         [sha])[0]:
            result.batch_id += f"-{again + 1}"
        if declared is not None:
            return _zero_report(con, result, declared, sha, now, user, seen)
        memory.hold(con, result.rows_loaded)  # a monthly file: DuckDB caches less (etl/memory.py)
        with swap.transaction(con):
            _write_batch(con, result, table, sha, now, stage.genders, user)
            if table == REGISTRY:
                regions.rebuild(con)
    finally:
        stage.discard()
    seen[sha] = result.batch_id
    _summarise(result)
    return result


def _zero_report(con, result: FileResult, declared: zero_reports.Declared, sha: str, now,
                 user: str, seen: dict[str, str]) -> FileResult:
    """Record an empty roster's 零报告 as its batch; failed when the month has rows,
    skipped when the station declared it before."""
    why = zero_reports.conflict(con, declared, result.kind)
    if why is not None:
        problem, message = why
        if problem == "rows":
            return _failed(result, message)
        result.status, result.message = "skipped", message
        result.batch_id = None
        return result
    with swap.transaction(con):
        zero_reports.write(con, declared, result.kind, result.batch_id, result.path.name, sha,
                           now, user)
    seen[sha] = result.batch_id
    result.status = "loaded"
    result.message = zero_reports.message(declared, result.kind)
    return result


class _AlreadyLoaded(Exception):
    def __init__(self, batch: str) -> None:
        super().__init__(batch)
        self.batch = batch


# A file's outcome and what a load says as it goes: the upload page renders them in the
# reader's language, the command line in both.
register("etl.load", {
    "unreadable": ("无法读取文件（{why}）；请检查路径和权限",
                   "cannot read the file ({why}); check the path and permissions"),
    "same_content": ("内容与已载入的批次 {batch} 相同，已跳过{rejected}",
                     "same content as batch {batch}, already loaded; skipped{rejected}"),
    "still_rejected": ("；其中 {n} 行未通过校验、至今未载入，请按拒绝清单（数据质量页“导入拒收”）修改后"
                       "重新上传",
                       "; {n} rows of it failed validation and are still not loaded: fix them "
                       "as the rejects report (data quality page) says and upload again"),
    "loaded": ("已载入 {rows} 行（新增 {new}，更新 {updated}，未变 {unchanged}）{rejected}",
               "loaded {rows} rows ({new} new, {updated} updated, {unchanged} unchanged)"
               "{rejected}"),
    "rejected": ("，拒绝 {n} 行；请按拒绝清单修改后重新上传",
                 ", rejected {n} rows; fix them as the rejects report says and upload the file "
                 "again"),
    "no_rows": ("没有数据行；请检查文件是否只有表头", "no data rows; the file has only headers"),
    "all_rejected": ("所有行都未通过校验，未载入；请按拒绝清单修改后重新上传",
                     "every row failed validation, nothing loaded; fix them as the rejects "
                     "report says and upload again"),
    "other_kind": ("这是“{this}”，与本文件的“{file}”不同；一个文件只放一种报表，请单独上传",
                   "this is a {this}, not a {file} like the rest of the file; send each kind of "
                   "table as its own file"),
    "no_sheet": ("工作簿中没有可见的非空工作表；请检查文件内容",
                 "the workbook has no visible, non-empty sheet; check its content"),
    "no_sheet_loads": ("没有可载入的工作表。{why}", "{why}"),
    "sheet": ("工作表“{sheet}”：{why}", "sheet '{sheet}': {why}"),
    "sheet_skipped": ("工作表“{sheet}”：未识别，已跳过。{why}", "sheet '{sheet}': not recognised, "
                      "skipped. {why}"),
    "sheet_hidden": ("是隐藏的工作表，未载入；如其中的行也要载入，请在 Excel 中取消隐藏后重新上传",
                     "a hidden sheet, not loaded; if its rows belong in, unhide it in Excel and "
                     "upload again"),
    "note": ("注意 {note}", "warning: {note}"),
    "rejects_report": ("拒绝清单", "rejects report: {path}"),  # a line of both: 拒绝清单 / rejects …
})


def _unreadable(result: FileResult, e: OSError) -> FileResult:
    return _failed(result, Message("etl.load.unreadable", {"why": e.strerror}))


def _skipped(con, result: FileResult, earlier: str) -> FileResult:
    """A fresh result (no rejects of the chunks checked before the digest was known). The
    rows the earlier batch rejected are still out: the result counts them (exit code 3) and
    says so, without recording them again."""
    n = _one(con, """SELECT count(DISTINCT (coalesce(sheet, ''), excel_row)) FROM load_rejects
                      WHERE batch_id = ? AND excel_row IS NOT NULL""", [earlier])[0]
    rejected = Message("etl.load.still_rejected", {"n": n}) if n else ""
    return FileResult(result.path, status="skipped", batch_id=earlier, rows_rejected=n,
                      message=Message("etl.load.same_content",
                                      {"batch": earlier, "rejected": rejected}))


def _stage(con, stage: staging.Stage, result: FileResult, raws: list[extract.RawSheet],
           sheets: list[extract.Sheet], key: bytes, table: str,
           loaded_before: Callable[[], str | None],
           checked_against: region_checks.FileRegions) -> pl.Series:
    """Check every chunk of every recognised sheet and add its good rows to the stage;
    stop (`_AlreadyLoaded`) as soon as the file's digest shows it was loaded before.
    Returns `_i` of the rows whose natural key's hash repeats (candidate duplicates)."""
    columns = [(c, t) for c, t in upsert.table_columns(con, table) if c != SURROGATE_IDS.get(table)]
    raw_of = {raw.name: raw for raw in raws}
    person_ids = validate.PersonIds(key)  # a person in many chunks is checked once
    hashes: list[pl.DataFrame] = [pl.DataFrame(schema={"_i": pl.Int64, "_h": pl.UInt64})]
    rejected_persons = [pl.Series("person_key", [], dtype=pl.UInt64)]
    done = 0
    for sheet in sheets:
        sums: dict = {}
        totalled, rows_read, hidden = sheet, 0, []
        hidden_here = raw_of[sheet.name].hidden_rows
        chunks = ((chunk, validate.check_cells(chunk, checked_against))
                  for chunk in extract.sheet_chunks(raw_of[sheet.name], sheet))
        for chunk, cells in extract.read_ahead(chunks):
            checked = validate.validate(chunk, result.path.name, key, regions=checked_against,
                                        totals=False, person_ids=person_ids, cells=cells)
            rows_read += chunk.data.height
            if hidden_here:
                hidden += chunk.data["_row"].filter(chunk.data["_row"].is_in(hidden_here)).to_list()
            for name, value in checked.sums.items():
                sums[name] = sums.get(name, 0) + value
            if chunk.totals_row is not None and totalled.totals_row is None:
                totalled = chunk
            result.rejects = pl.concat([result.rejects, checked.rejects])
            result.skipped += [(sheet.name, *line) for line in chunk.skipped]
            result.notes += [w for w in checked.warnings if w not in result.notes]
            rejected_persons.append(checked.rejected_persons)
            staged = stage_rows.staged_rows(checked.rows, columns, done, table)
            del checked, chunk
            hashes.append(stage_rows.key_hashes(staged, result.kind))
            stage.add(staged)
            done += staged.height
            del staged
            if earlier := loaded_before():
                raise _AlreadyLoaded(earlier)
        result.rows_read += rows_read
        next(r for r in result.sheets if r.name == sheet.name and r.status == "loaded"
             ).rows_read = rows_read
        result.notes += validate.check_totals(totalled, sums)
        if hidden:
            result.notes.append(Message("etl.load.sheet", {"sheet": sheet.name,
                                                           "why": hidden_rows.note(hidden)}))
    stage.close(mappings.kinds()[result.kind].natural_key)
    if "person_key" in {c for c, _ in columns}:
        stage.add_persons(person_ids.persons(), pl.concat(rejected_persons).unique())
        key_types.refuse_collisions(con, staging.PERSONS)
    # (a count per hash is a quarter of the time of is_duplicated, which sorts: 10^7 rows)
    return pl.concat(hashes).lazy().filter(pl.len().over("_h") > 1).collect()["_i"]


def _recognised_sheets(result: FileResult, raws: list[extract.RawSheet]) -> list[extract.Sheet]:
    """The sheets of the file's kind; other sheets are reported, not fatal, if one loads."""
    sheets, problems = [], []
    for raw in raws:
        if raw.hidden:
            _hidden(result, raw)
            continue
        try:
            sheet = extract.identify(raw)
        except FileError as e:
            status = "failed" if isinstance(e, extract.MissingColumns) else "ignored"
            result.sheets.append(SheetResult(raw.name, None, status, 0, e.message))
            problems.append((raw.name, e))
            continue
        if result.kind and sheet.kind != result.kind:
            names = mappings.kinds()
            this, ours = names[sheet.kind], names[result.kind]
            why = Message("etl.load.other_kind", {"this": Pair(this.name_zh, this.name_en),
                                                  "file": Pair(ours.name_zh, ours.name_en)})
            result.sheets.append(SheetResult(raw.name, sheet.kind, "failed", 0, why))
            problems.append((raw.name, FileError(why)))
            continue
        result.kind = result.kind or sheet.kind
        result.sheets.append(SheetResult(raw.name, sheet.kind, "loaded"))
        sheets.append(sheet)
    if all(raw.hidden for raw in raws):
        raise FileError("etl.load.no_sheet")
    if not sheets:
        _, first = problems[0]
        raise FileError(first.message if len(problems) == 1 else
                        Message("etl.load.no_sheet_loads", {"why": first.message}))
    for name, e in problems:
        level = [s for s in result.sheets if s.name == name][0].status
        if level == "failed":
            result.rejects = pl.concat([result.rejects, rj.file_level(
                result.path.name, Message("etl.load.sheet", {"sheet": name, "why": e.message}),
                name)])
        else:
            result.notes.append(Message("etl.load.sheet_skipped",
                                        {"sheet": name, "why": e.message}))
    return sheets


def _hidden(result: FileResult, raw: extract.RawSheet) -> None:
    """A hidden sheet is not loaded, but one that holds a table is said: its rows (a month
    hidden once reported, people taken off the list?) would otherwise be left out unseen. A
    hidden sheet of anything else (a template's drop-down lists) is passed over."""
    try:
        kind = extract.identify(raw).kind
    except FileError:
        return
    why = Message("etl.load.sheet_hidden")
    result.sheets.append(SheetResult(raw.name, kind, "ignored", 0, why))
    result.notes.append(Message("etl.load.sheet", {"sheet": raw.name, "why": why}))


def _failed(result: FileResult, message: Message) -> FileResult:
    result.status, result.message = "failed", message
    if result.rejects.is_empty():
        result.rejects = rj.file_level(result.path.name, message)
    return result


def _summarise(result: FileResult) -> None:
    result.status = "partial" if result.rejects.height else "loaded"
    rejected = (Message("etl.load.rejected", {"n": result.rows_rejected})
                if result.rows_rejected or result.rejects.height else "")
    result.message = Message("etl.load.loaded", {
        "rows": result.rows_loaded, "new": result.rows_inserted, "updated": result.rows_updated,
        "unchanged": result.rows_unchanged, "rejected": rejected})


# ---------------------------------------------------------------- writing one batch


def _write_batch(con, result: FileResult, table: str, sha: str, now, genders: bool,
                 user: str) -> None:
    """Persons, the table's rows and the batch's lineage from `_stage`, in the caller's
    transaction (`genders`: whether rows of the file give genders; `user`: who loads it)."""
    kind = mappings.kinds()[result.kind]
    batch = result.batch_id
    if "_p_gender" in {c for c, _ in upsert.table_columns(con, STAGE)}:
        upsert.upsert_persons(con, batch, genders)
    inserted, updated, unchanged = upsert.upsert(con, table, kind.natural_key, batch)
    result.rows_inserted, result.rows_updated, result.rows_unchanged = (
        inserted, updated, unchanged)
    con.execute(
        "INSERT INTO load_batches (batch_id, file_name, content_sha256, table_name, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, rows_inserted, rows_updated, rows_unchanged, "
        "loaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch, result.path.name, sha, table, now, result.rows_read, result.rows_loaded,
         result.rows_rejected, inserted, updated, unchanged, user])


def _record_rejects(con, results: list[FileResult]) -> None:
    now = dt.datetime.now().replace(microsecond=0)
    frames = [r.rejects.with_columns(batch_id=pl.lit(r.batch_id, dtype=pl.String))
              for r in results if not r.rejects.is_empty()]
    if not frames:
        return
    con.register("_rejects", pl.concat(frames))
    # ID numbers in rejected cells are masked: the warehouse holds no raw ID (the report
    # on disk, for the staff who fix the file, keeps the value as typed).
    con.execute(r"""INSERT INTO load_rejects
                   SELECT batch_id, file, sheet, row, "column",
                          CASE WHEN regexp_matches(value, '^\s*\d{14,17}[\dXx]\s*$')
                               THEN left(trim(value), 6) || '********' || right(trim(value), 4)
                               ELSE value END,
                          reason_zh, reason_en, station_code, ? FROM _rejects""", [now])


def _one(con, query: str, params: list | None = None) -> tuple | None:
    """The first row of a query, reading the result whole (DuckDB 2.0 blocks otherwise)."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None


def _content_id(sha: str, region: str | None) -> str:
    """The content's digest, salted with the region of a user bound to one: the rows such a
    load rejected as outside the region load when another user sends the same file."""
    return sha if region is None else hashlib.sha256(f"{sha}|{region}".encode()).hexdigest()


def _loaded_batch(con, sha: str) -> str | None:
    """The batch that loaded this content, unless it rejected rows and stations were
    registered since (rows naming them may load now: the upload page's one-step
    registration loads the same file again)."""
    # rowid: the order batches were recorded in (loaded_at has whole seconds; the table is
    # only appended to)
    row = _one(con, f"""
        SELECT batch_id FROM (SELECT rowid AS n, * FROM load_batches WHERE content_sha256 = ?
                              ORDER BY rowid DESC LIMIT 1) b
        WHERE b.rows_rejected = 0 OR NOT EXISTS (
            SELECT 1 FROM load_batches r WHERE r.table_name = '{REGISTRY}' AND r.rowid > b.n)
        """, [sha])
    return row[0] if row else None
