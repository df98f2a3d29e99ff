"""A file's checked rows on their way to the stage: shaped to the table's columns with their
surrogate id and order in the file, and the rows that repeat a natural key within the file
(the last kept, the earlier rejected).
"""

from __future__ import annotations

import polars as pl

from etl import key_types, mappings, staging, upsert, validate
from etl import rejects as rj

SURROGATE_IDS = key_types.SURROGATE_IDS
STAGE = staging.VIEW


def staged_rows(rows: pl.DataFrame, columns: list[tuple[str, str]], done: int,
            table: str) -> pl.DataFrame:
    """A chunk's rows with exactly the table's columns (NULL where the file lacks one; the
    batch id is added on insert), the surrogate id, the person's details, and `_sheet`, `_row`,
    `_i` (order in the file), so every chunk of a file has the same columns; the stage's view
    adds the natural key `_nk`."""
    select = []
    for name, sql_type in columns:
        if name == "batch_id":
            continue
        if name in rows.columns:
            select.append(pl.col(name))
        else:
            select.append(pl.lit(None, dtype=staging.POLARS_TYPES.get(sql_type, pl.String))
                          .alias(name))
    if "person_key" in rows.columns:  # gender from the ID, masked ID, birth year: per person
        gender = (pl.col("gender_from_file") if "gender_from_file" in rows.columns
                  else pl.lit(None, dtype=pl.String))
        select.append(gender.alias("_p_gender"))
    order = pl.int_range(done, done + rows.height, dtype=pl.Int64)
    staged = rows.select(*select, pl.col("_sheet").cast(pl.String),
                         pl.col("_row").cast(pl.Int64), order.alias("_i"))
    if surrogate := SURROGATE_IDS.get(table):
        staged = staged.with_columns(
            key_types.row_ids(staged, key_types.natural_key_of(table)).alias(surrogate))
    return staged


def drop_duplicates(con, stage: staging.Stage, file_name: str, kind: str,
                     candidates: pl.Series) -> pl.DataFrame:
    """Rows of the file with the same natural key: keep the last, reject the earlier ones
    (dropped from the stage). Only `candidates` (`_i` of rows whose key hash repeats:
    `key_hashes`) are compared, on the key itself."""
    if candidates.is_empty():
        return rj.empty()
    station = ("station_code" if "station_code" in {c for c, _ in upsert.table_columns(con, STAGE)}
               else "NULL::VARCHAR AS station_code")
    con.register("_candidates", candidates.to_frame("_i"))
    try:
        dup = con.sql(f"""
            WITH c AS (SELECT _i, _nk, _sheet, _row, {station} FROM {STAGE}
                       SEMI JOIN _candidates USING (_i)),
            last AS (SELECT _nk, max(_i) AS last_i FROM c GROUP BY _nk HAVING count(*) > 1)
            SELECT c._i, c._nk, c._sheet, c._row, c.station_code, k._row AS kept
            FROM c JOIN last USING (_nk) JOIN c k ON k._i = last.last_i
            WHERE c._i <> last.last_i ORDER BY c._i""").pl()
    finally:
        con.unregister("_candidates")
    if dup.is_empty():
        return rj.empty()
    stage.drop(dup)
    return validate.duplicate_rejects(dup, file_name, mappings.kinds()[kind].natural_key)


def key_hashes(staged: pl.DataFrame, kind: str) -> pl.DataFrame:
    """`_i` and a hash of the natural key of a chunk's staged rows, to find candidate
    duplicates without a pass over the stage (10^7 rows: ~1 s less). Over the key columns
    themselves when none is free text: codes, dates and numbers hold no '|' and are never
    '' (empty cells are NULL), so equal `_nk` strings mean equal columns; else over the key
    as text, as `_nk` is made. The surrogate id, where the table has one, is such a hash."""
    key = mappings.kinds()[kind].natural_key
    types = {validate.RENAMED.get(c.name, c.name): c.type for c in mappings.columns(kind)}
    surrogate = SURROGATE_IDS.get(mappings.kinds()[kind].table_name)
    if all(types.get(k, "text") not in validate.TEXT_TYPES for k in key):
        hashed = pl.col(surrogate) if surrogate else pl.struct(key).hash()
    else:
        hashed = pl.concat_str([pl.col(k).cast(pl.String).fill_null("") for k in key],
                               separator="|").hash()
    return staged.select("_i", hashed.alias("_h"))
