"""A recognised sheet (text cells) → typed rows under the warehouse's column names + rejects.

The column's type in etl/mappings/columns.csv decides how a cell is checked; there is no code
per file kind. Parsers that need Python run once per DISTINCT raw value and the result is
gathered back onto the rows, so a 10M-row roster costs a few thousand parser calls for its
dates and amounts. ID numbers are checked vectorised and hashed once per distinct person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import polars as pl

from core.messages import Message, register
from core.vocabulary import PROVINCIAL_FUND, Words
from etl import mappings, parse, pseudonym, region_checks, stations
from etl import rejects as rj
from etl.extract import Sheet
from etl.mappings import Column
from etl.messages import both, listed
from etl.parse import ParseError
from etl.region_checks import FileRegions
from etl.region_index import RegionIndex

# Amounts of one person's relief, loan or bill above this are typing errors; tables without
# persons hold totals per county and year, which may be far larger.
AGGREGATE_AMOUNT_LIMIT = Decimal("10000000000")
# Table columns named differently from the mapping's column names.
RENAMED = {"station": "station_code", "county": "county_code", "scope": "scope_code",
           "region": "region_code", "id_number": "person_key"}
# Table columns NOT NULL that a file may leave out, and the code stored then: a roster without
# a 救助对象类别 column (or a blank cell) does not say whom it paid, so its rows are "not stated"
# (未填写), never a guessed 困难职工 that the pages would count as such.
DEFAULTS = {"recipient_group": "not_stated"}
# Column types whose cells are free text as typed (a name is checked not to begin as a
# formula): read as they read, and keyed as text.
TEXT_TYPES = ("text", "name")


@dataclass
class Checked:
    """One column's values and, where a cell failed, the reason."""

    value: pl.Series
    reason_zh: pl.Series | None = None
    reason_en: pl.Series | None = None
    notes: list[Message] = field(default_factory=list)  # for the load report


@dataclass
class Validated:
    rows: pl.DataFrame  # table columns + `_row`, `_sheet` (+ person columns)
    rejects: pl.DataFrame
    warnings: list[Message] = field(default_factory=list)
    # Sum of each amount column over all rows read (also rows rejected for another cell),
    # for comparing with the 合计 row when a sheet is checked a chunk at a time.
    sums: dict[str, Decimal] = field(default_factory=dict)
    # person_key of the rejected rows with a valid ID (their person may have no row left)
    rejected_persons: pl.Series = field(
        default_factory=lambda: pl.Series("person_key", [], dtype=pl.UInt64))


# ---------------------------------------------------------------- distinct-value parsing


def by_distinct(raw: pl.Series, fn: Callable[[str], Any], dtype: pl.DataType) -> Checked:
    """Apply a scalar parser once per distinct raw value and gather the results onto rows."""
    distinct = raw.drop_nulls().unique()
    values, zh, en = [], [], []
    for v in distinct.to_list():
        try:
            values.append(fn(v))
            zh.append(None)
            en.append(None)
        except ParseError as e:  # the rejects keep the reason in both languages
            values.append(None)
            reason_zh, reason_en = both(e.message)
            zh.append(reason_zh)
            en.append(reason_en)
    # Each row's place in `distinct`: an Enum's physical codes (a cast is ~2x cheaper than
    # replace_strict with a lookup table).
    index = raw.cast(pl.Enum(distinct)).to_physical()
    value = pl.Series(values, dtype=dtype).gather(index)
    if not any(zh):
        return Checked(value)
    return Checked(value, pl.Series(zh, dtype=pl.String).gather(index),
                   pl.Series(en, dtype=pl.String).gather(index))


# ---------------------------------------------------------------- lookups


@cache
def codes(domain: str) -> pl.Enum:
    """The codes of a domain as a Polars Enum: a checked code column is a byte a row, not a
    string, on its way to the warehouse (10^7 rows: the stage is held in memory, not
    written to Parquet files)."""
    return pl.Enum(sorted(set(mappings.value_synonyms(domain).values())))


def code_parser(domain: str, header: str, words: Words) -> Callable[[str], str]:
    """Cell text → code; `words`: the fund's label as this deployment says it."""
    synonyms = mappings.value_synonyms(domain)
    if domain == PROVINCIAL_FUND[0]:  # 市级专项: the province's fund in a municipality only
        synonyms = {**synonyms, **{mappings.normalise_value(w): code
                                   for w, code in words.fund_synonyms().items()}}
    allowed = listed([Message("etl.validate.allowed", {"label": words.label(d, code, zh, en)[0],
                                                        "code": code})
                      for d, code, zh, en in mappings.labels() if d == domain], "comma")

    def parse_code(text: str) -> str:
        code = synonyms.get(mappings.normalise_value(parse.clean(text)))
        if code is None:
            raise ParseError("etl.validate.unknown_value", header=header, text=text,
                             allowed=allowed)
        return code
    return parse_code


register("etl.validate", {
    "unknown_value": ("“{header}”的值“{text}”无法识别；可选值：{allowed}",
                      "Unknown value '{text}' in '{header}'; allowed: {allowed}"),
    "allowed": ("{label}", "{label} ({code})"),
    "required": ("必填项“{header}”为空；请填写", "Required cell '{header}' is empty; fill it in"),
    "totals": ("{where}第 {row} 行合计“{header}”为 {stated}，与明细之和 {summed} "
               "不符；请核对是否漏行或合计公式有误",
               "{where}row {row}: the total of '{header}' says {stated} but the rows add up "
               "to {summed}; check for missing rows or a wrong formula"),
    "duplicate": ("重复记录：同一文件中后面有相同记录（{key}），以第 {kept} 行为准；如确为两笔请核对日期或类型",
                  "duplicate row: a later row of this file has the same record ({key}); row "
                  "{kept} is kept; if these are two payments, check their date or type"),
})


# ---------------------------------------------------------------- one column


def check_column(col: Column, raw: pl.Series, header: str, has_persons: bool,
                 index: RegionIndex | None = None, county: str | None = None) -> Checked:
    """One column's cells checked; regions against `index` (default: the country's divisions
    and no station, as outside a load). `county`: the file's, if known before its rows
    (region_checks.FileRegions.county), for a station column's hints."""
    index = region_checks.national() if index is None else index
    if col.type == "id":
        return Checked(raw)  # checked with the person columns below
    if col.type == "text":
        return Checked(raw)
    if col.type == "name":
        return by_distinct(raw, parse.parse_name, pl.String)
    if col.type == "code":
        return by_distinct(raw, code_parser(col.domain, header, index.words),
                           codes(col.domain))
    if col.type in ("station", "county", "region"):
        level = "any" if col.type == "region" else col.type
        notes: dict[str, object] = {}
        checked = by_distinct(raw, region_checks.region_parser(index, level, notes, county),
                              region_checks.region_codes(index, level))
        if level == "station" and checked.reason_zh is not None:
            # an unknown station's hint: the stations the file names say its county best
            # (looked up only when a cell failed, as few do)
            named = region_checks.station_county(index, raw)
            if named and named != county:
                checked = by_distinct(raw, region_checks.region_parser(index, level, notes, named),
                                      region_checks.region_codes(index, level))
        checked.notes = region_checks.region_notes(index, header, notes)
        return checked
    if col.type == "date":
        latest = parse.latest_date(col.max_future_years)
        return by_distinct(raw, lambda v: parse.parse_date(v, latest=latest), pl.Date)
    if col.type == "amount":
        limit = parse.MAX_AMOUNT_YUAN if has_persons else AGGREGATE_AMOUNT_LIMIT
        return by_distinct(raw, lambda v: parse.parse_amount(v, limit=limit), pl.Decimal(14, 2))
    if col.type == "int":
        return by_distinct(raw, parse.parse_int, pl.Int64)
    if col.type == "bool":
        return by_distinct(raw, parse.parse_bool, pl.Boolean)
    if col.type == "year":
        return by_distinct(raw, lambda v: parse.parse_year(v, col.max_future_years), pl.Int16)
    if col.type == "target":
        return by_distinct(raw, parse.parse_target, pl.Float64)
    raise ValueError(f"column type {col.type!r} of {col.kind}.{col.name} has no parser")


class PersonIds:
    """The person columns of every distinct raw ID seen so far in one file: an ID that
    recurs in many chunks of a big roster is parsed, hashed and masked once. Rows find
    theirs by a 64-bit hash of the raw text (a join on integers, several times cheaper
    than on strings), checked by a second hash of another seed; should two IDs share both,
    the chunk is joined on the text."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.known = _none_known(key)  # made once (~5 ms of Polars in every file)

    def lookup(self, raw: pl.Series) -> pl.DataFrame:
        """person_key and the error (a key of parse.ID_REASONS) of each raw ID, in the
        rows' order (the rest per person: `persons`). IDs not seen before are checked
        first."""
        rows = _hashed(pl.DataFrame({"raw": raw}))
        found = _find(rows, self.known)
        new = found["_known"].is_null() & rows["_h"].is_not_null()
        if new.any():  # rows whose ID was not seen before: check those IDs, then find them
            added = _hashed(_per_id(rows.filter(new).unique("_h")["raw"], self.key))
            self.known = pl.concat([self.known, added])
            more = _find(rows, added)
            found = found.select(pl.coalesce(found[c], more[c]).alias(c)
                                 for c in ("_known", *ROW_PERSON_COLUMNS))
        if found.height != rows.height or not found["_known"].eq_missing(rows["_h2"]).all():
            return self._by_text(rows)
        return found.select(ROW_PERSON_COLUMNS)

    def persons(self) -> pl.DataFrame:
        """person_key, id_masked, birth_year and gender of every valid ID seen, one per person
        (a 15-digit and an 18-digit form of one ID are one person; two rows with one key
        are two IDs whose keys collide: `key_types.refuse_collisions`)."""
        return (self.known.filter(pl.col("person_key").is_not_null())
                .unique(["person_key", "id18"])
                .select("person_key", "id_masked", pl.col("birth_year").cast(pl.Int16),
                        pl.col("gender_from_id").alias("gender")))

    def _by_text(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The lookup joined on the raw text, for a chunk where two IDs share a hash."""
        missing = (rows.filter(pl.col("raw").is_not_null()).unique("raw")
                   .join(self.known.select("raw"), on="raw", how="anti"))
        if missing.height:
            self.known = pl.concat([self.known, _hashed(_per_id(missing["raw"], self.key))])
        by_text = self.known.unique("raw", maintain_order=True).select("raw", *ROW_PERSON_COLUMNS)
        return rows.select("raw").join(by_text, on="raw", how="left", maintain_order="left"
                                       ).select(ROW_PERSON_COLUMNS)


_NONE_KNOWN: list[pl.DataFrame] = []


def _none_known(key: bytes) -> pl.DataFrame:
    """`PersonIds.known` before any ID is seen: the columns of `_per_id`, no rows. Made
    once per process: with no ID there is nothing the key changes (and the key is not
    kept)."""
    if not _NONE_KNOWN:
        _NONE_KNOWN.append(_hashed(_per_id(pl.Series("raw", [], dtype=pl.String), key)))
    return _NONE_KNOWN[0].clear()


ROW_PERSON_COLUMNS = ("person_key", "error")  # what each row takes of its ID
_ERRORS = pl.Enum(list(parse.ID_REASONS))  # a byte a row, not two texts


def _find(rows: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """`_known` (the second hash of the ID found, to compare with the row's) and the row
    person columns of each row's ID in `known` by its hash; NULL where it is not there."""
    return rows.select("_h").join(
        known.select("_h", pl.col("_h2").alias("_known"), *ROW_PERSON_COLUMNS), on="_h",
        how="left", maintain_order="left").drop("_h")


def _hashed(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with two independent 64-bit hashes of its `raw` column (NULL for NULL)."""
    known = pl.col("raw").is_not_null()
    return frame.with_columns(_h=pl.when(known).then(pl.col("raw").hash(seed=0)),
                              _h2=pl.when(known).then(pl.col("raw").hash(seed=1)))


def _per_id(distinct: pl.Series, key: bytes) -> pl.DataFrame:
    """One row per distinct raw ID: person_key, masked ID, gender and birth year, or the
    error that makes it invalid."""
    parsed = parse.parse_ids(distinct)
    return parsed.select(
        raw=distinct.alias("raw"),
        id18="id18",
        person_key=pseudonym.person_keys(parsed["id18"], key, distinct=True),
        id_masked=pseudonym.mask_id(pl.col("id18")),
        gender_from_id=parse.gender_from_id(pl.col("id18")),
        birth_year=parse.birth_year_from_id(pl.col("id18")),
        error=pl.col("error").cast(_ERRORS),
    )


def person_key(raw: pl.Series, key: bytes, ids: PersonIds | None = None) -> Checked:
    """person_key from the ID (and the reasons of invalid IDs); raw IDs go no further.
    Masked IDs, birth years and genders go per person: `PersonIds.persons`.

    Works on the distinct raw IDs (a roster repeats its persons) and joins back; `ids`
    carries them from one chunk of a file to the next."""
    persons = (ids or PersonIds(key)).lookup(raw)
    error = persons["error"]
    if raw.null_count():  # empty ID cells: the "missing" reason
        error = pl.select(pl.when(raw.is_null()).then(pl.lit("missing", dtype=_ERRORS))
                          .otherwise(error)).to_series()
    if error.null_count() == len(error):
        return Checked(persons["person_key"])
    text = error.cast(pl.String)
    reasons = {k: both(Message(f"etl.id_reason.{k}")) for k in parse.ID_REASONS}
    zh, en = ({k: r[i] for k, r in reasons.items()} for i in (0, 1))
    return Checked(persons["person_key"],
                   text.replace_strict(zh, default=None, return_dtype=pl.String),
                   text.replace_strict(en, default=None, return_dtype=pl.String))


# ---------------------------------------------------------------- one sheet


def check_cells(sheet: Sheet, regions: FileRegions) -> dict[str, Checked]:
    """Every column of the sheet but the ID, checked against the file's `regions`: these need
    nothing from other chunks, so a big file's next chunk is checked while this one is staged
    (`extract.read_ahead`)."""
    has_persons = any(c.type == "id" for c in sheet.columns.values())
    checked = {}
    for name, col in sheet.columns.items():
        if col.type != "id":
            raw, header = sheet.data[name], sheet.headers[name]
            if col.type in TEXT_TYPES:  # as it reads: a cell of control characters is empty
                raw = parse.visible(raw)
            checked[name] = _required(
                col, check_column(col, raw, header, has_persons, regions.index,
                                  regions.county), raw, header)
    return checked


def validate(sheet: Sheet, file_name: str, key: bytes, *, regions: FileRegions,
             totals: bool = True, person_ids: PersonIds | None = None,
             cells: dict[str, Checked] | None = None) -> Validated:
    """Typed rows of a sheet (only rows whose every cell passed) and the rejects; `regions`:
    the regions the file is checked against (one per file, etl/region_checks.py). With
    totals=False the 合计 row is not compared here (the caller adds up `sums` of chunks);
    `person_ids` keeps the checked IDs from one chunk to the next; `cells` are the other
    columns if already checked (`check_cells`)."""
    data = sheet.data
    cells = check_cells(sheet, regions) if cells is None else cells
    out: dict[str, pl.Series] = {"_row": data["_row"]}
    failures: list[pl.DataFrame] = []
    for name, col in sheet.columns.items():
        checked = cells[name] if col.type != "id" else _required(
            col, person_key(data[name], key, person_ids), data[name], sheet.headers[name])
        if checked.reason_zh is not None:
            failures.append(_failed_cells(data, name, sheet.headers[name], checked))
        out[RENAMED.get(name, name)] = checked.value
    rows = pl.DataFrame(out)
    if "person_key" in rows.columns and "gender" in rows.columns:
        rows = rows.rename({"gender": "gender_from_file"})
    if sheet.kind == "station":  # a registry: its own codes, no station column to reconcile
        rows, code_failures = stations.assign_codes(rows, regions.numbering, sheet.headers)
        failures += code_failures
    else:
        rows, region_failures = region_checks.reconcile(regions.index, rows, sheet, data)
        failures += region_failures
    failures += region_checks.outside_user_region(regions.index, rows, sheet, data,
                                                  _unread_places(cells))
    rows = _derive(rows, sheet.kind)
    rejects = _rejects_frame(failures, file_name, sheet.name, rows, _ids_as_typed(sheet))
    bad = rejects["row"].unique().implode()
    good = rows.filter(~pl.col("_row").is_in(bad)).with_columns(_sheet=pl.lit(sheet.name))
    sums = {name: Decimal(rows[name].sum() or 0) for name, col in sheet.columns.items()
            if col.type == "amount" and name in rows.columns}
    notes = [n for c in cells.values() for n in c.notes]
    checked = Validated(good, rejects, notes + (check_totals(sheet, sums) if totals else []),
                        sums)
    if "person_key" in rows.columns and rejects.height:
        checked.rejected_persons = rows.filter(pl.col("_row").is_in(bad))[
            "person_key"].drop_nulls().unique()
    return checked


def _unread_places(cells: dict[str, Checked]) -> pl.Series | None:
    """Per row, whether a cell naming its place (station, county, region) failed: that
    row's reason is the cell's, not that it lies outside the user's region."""
    failed = [c.reason_zh.is_not_null() for name, c in cells.items()
              if name in region_checks.PLACE_COLUMNS and c.reason_zh is not None]
    return pl.DataFrame(failed).select(pl.any_horizontal(pl.all())).to_series() if failed else None


def _required(col: Column, checked: Checked, raw: pl.Series, header: str) -> Checked:
    """A required column's empty cells fail with their own reason."""
    missing = raw.is_null()
    if not col.required or not missing.any():
        return checked
    none = pl.repeat(None, len(raw), dtype=pl.String, eager=True)
    reasons = pl.DataFrame({"missing": missing, "zh": checked.reason_zh if checked.reason_zh
                            is not None else none, "en": checked.reason_en
                            if checked.reason_en is not None else none})
    zh, en = both(Message("etl.validate.required", {"header": header}))
    reasons = reasons.select(zh=pl.when("missing").then(pl.lit(zh)).otherwise("zh"),
                             en=pl.when("missing").then(pl.lit(en)).otherwise("en"))
    return Checked(checked.value, reasons["zh"], reasons["en"], checked.notes)


def _failed_cells(data: pl.DataFrame, name: str, header: str, checked: Checked) -> pl.DataFrame:
    frame = pl.DataFrame({"row": data["_row"].cast(pl.Int64), "value": data[name],
                          "reason_zh": checked.reason_zh, "reason_en": checked.reason_en})
    return frame.filter(pl.col("reason_zh").is_not_null()).with_columns(column=pl.lit(header))



def _derive(rows: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Ids and defaults the file does not carry (petition_id, recipient_group). The
    natural key `_nk` is made by the stage (etl/staging.py), not stored with the rows."""
    if "petition_no" in rows.columns:
        rows = rows.with_columns(petition_id=pl.col("county_code").cast(pl.String) + "-"
                                 + pl.col("petition_no")).drop("petition_no")
    own = {c.name: c for c in mappings.columns(kind)}
    for column, value in DEFAULTS.items():
        if column in rows.columns:
            rows = rows.with_columns(pl.col(column).fill_null(value))
        elif column in own:
            rows = rows.with_columns(pl.lit(value, dtype=codes(own[column].domain)).alias(column))
    return rows


def _ids_as_typed(sheet: Sheet) -> tuple[str, pl.DataFrame] | None:
    """The ID column's header and each row's ID as typed (`_rejects_frame` masks those of
    the failed rows: masking every row's took 15% of a clean 2M-row file's load); None for a
    kind without IDs."""
    name = next((n for n, c in sheet.columns.items() if c.type == "id"), None)
    if name is None:
        return None
    return sheet.headers[name], sheet.data.select(row=pl.col("_row").cast(pl.Int64),
                                                  id_typed=pl.col(name))


def _rejects_frame(failures: list[pl.DataFrame], file_name: str, sheet: str | None,
                   rows: pl.DataFrame, ids: tuple[str, pl.DataFrame] | None = None
                   ) -> pl.DataFrame:
    if not failures:
        return rj.empty()
    cols = ["row", "column", "value", "reason_zh", "reason_en"]
    found = pl.concat([f.select(cols) for f in failures]).sort("row", maintain_order=True)
    if ids is not None:  # the row's ID, and the ID cell itself, masked
        header, typed = ids
        found = found.join(typed, on="row", how="left").with_columns(
            id_masked=rj.mask_id_cell(pl.col("id_typed")),
            value=pl.when(pl.col("column") == header).then(rj.mask_id_cell(pl.col("value")))
            .otherwise("value"))
    else:
        found = found.with_columns(id_masked=pl.lit(None, dtype=pl.String))
    stations = (rows.select(row=pl.col("_row").cast(pl.Int64),
                            station_code=pl.col("station_code").cast(pl.String))
                if "station_code" in rows.columns else None)
    if stations is not None:
        found = found.join(stations, on="row", how="left")
    else:
        found = found.with_columns(station_code=pl.lit(None, dtype=pl.String))
    return rj.redact(found.with_columns(file=pl.lit(file_name),
                                        sheet=pl.lit(sheet, dtype=pl.String))
                     .select(list(rj.SCHEMA)))


def check_totals(sheet: Sheet, sums: dict[str, Decimal]) -> list[Message]:
    """The 合计 row is not data, but is worth comparing with the sum of the rows."""
    warnings = []
    for name, text in sheet.totals.items():
        if sheet.columns[name].type != "amount" or name not in sums:
            continue
        try:
            stated = parse.parse_amount(text, limit=AGGREGATE_AMOUNT_LIMIT)
        except ParseError:
            continue
        summed = sums[name]
        if summed != stated:
            warnings.append(Message("etl.validate.totals", {
                "where": f"{sheet.name} " if sheet.name else "", "row": sheet.totals_row,
                "header": sheet.headers[name], "stated": stated, "summed": summed}))
    return warnings


def duplicate_rejects(dup: pl.DataFrame, file_name: str, key: tuple[str, ...]) -> pl.DataFrame:
    """Rejects of rows a later row of the file repeats: `dup` has `_nk` (the natural key
    `key` as text), `_sheet`, `_row`, `kept` (the row kept) and, where the table has one,
    `station_code`."""
    stations = dup["station_code"] if "station_code" in dup.columns else None
    return rj.frame([
        {"file": file_name, "sheet": d["_sheet"], "row": d["_row"], "column": None,
         "value": None, **rj.reason(Message("etl.validate.duplicate", {
             "key": _key_text(d, key), "kept": d["kept"]})),
         "station_code": stations[i] if stations is not None else None}
        for i, d in enumerate(dup.iter_rows(named=True))])


def _key_text(row: dict, key: tuple[str, ...]) -> str:
    """The natural key without the person_key (a hash, meaningless to the reader)."""
    parts = row["_nk"].split("|")
    return "|".join(p for p, name in zip(parts, key, strict=True) if name != "person_key")
