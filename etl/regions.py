"""A deployment's region hierarchy in the warehouse: country → province → city → county
(GB/T 2260, from etl/national.py, limited to the deployment's scope) → township/sub-district
(乡镇/街道) → help station, the last two from the help-station registry (`help_stations`,
loaded from 帮扶站点名录 files like any other kind).

The `regions` table is made again from these two sources whenever the warehouse is prepared
and after a registry file loads, so it is never edited by hand. Townships are coded as the
statistical division codes are shaped, county code + three digits + 000 (12 digits), so they
never clash with a station's county code + three digits (9).
"""

from __future__ import annotations

from collections import Counter

import duckdb
import polars as pl

from core import vocabulary
from etl import national

SCOPE, SAMPLE = "scope", "sample"  # keys of the deployment table
NATIONAL = [national.COUNTRY[0]]  # the scope of a warehouse made without one


def scope(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The region codes this warehouse covers (the whole country if none was set)."""
    row = con.execute("SELECT value FROM deployment WHERE key = ?", [SCOPE]).fetchall()
    return row[0][0].split(",") if row else list(NATIONAL)


def words(con: duckdb.DuckDBPyConnection) -> vocabulary.Words:
    """The deployment's words (level labels, the provincial fund's label) from its scope."""
    return words_of(national.divisions(scope(con)))


def words_of(divisions: pl.DataFrame) -> vocabulary.Words:
    """The words of these divisions (a frame with region_code, level, name_zh)."""
    return vocabulary.words_of(divisions.select("region_code", "level", "name_zh").iter_rows())


def set_deployment(con: duckdb.DuckDBPyConnection, codes: list[str], *,
                   sample: bool = False) -> None:
    """Record the scope (and whether this is the bundled sample); ValueError for a code
    that is not a division of the national table."""
    if unknown := national.unknown_codes(codes):
        raise ValueError(f"unknown region codes: {', '.join(unknown)}")
    con.execute("DELETE FROM deployment")
    con.execute("INSERT INTO deployment VALUES (?, ?), (?, ?)",
                [SCOPE, ",".join(codes), SAMPLE, "1" if sample else "0"])


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before the registry: its stations (then made by code) become
    registry rows and its counties its scope, so its next load keeps what it showed."""
    if con.execute("SELECT count(*) FROM deployment").fetchall()[0][0]:
        return
    old = con.sql("SELECT region_code, parent_code, level, name_zh FROM regions").pl()
    if old.is_empty():
        return
    counties = sorted(old.filter(pl.col("level") == "county")["region_code"])
    # before the registry only the sample existed: it keeps its banner
    set_deployment(con, [c for c in counties if not national.unknown_codes([c])] or NATIONAL,
                   sample=True)
    con.execute("""INSERT INTO help_stations (station_code, name_zh, county_code, batch_id)
                   SELECT region_code, name_zh, parent_code, 'migrated' FROM regions
                   WHERE level = 'station'
                   AND region_code NOT IN (SELECT station_code FROM help_stations)""")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """The regions table and the region labels from the scope's divisions and the registry."""
    known = {(code, zh): en for code, zh, en in con.execute(
        "SELECT region_code, name_zh, name_en FROM regions").fetchall()}
    divisions = national.in_scope(scope(con), known)
    frame = pl.concat([divisions, _registered(con, divisions, known)], how="vertical")
    con.register("_regions", frame)
    try:
        # most loads change neither: then nothing is written (four statements, ~5 ms of CPU)
        if same_rows(con, frame.select(list(national.SCHEMA)),
                     f"SELECT {', '.join(national.SCHEMA)} FROM regions") and same_rows(
                con, frame.select(pl.lit("region"), "region_code", "name_zh", "name_en"),
                "SELECT domain, code, label_zh, label_en FROM labels WHERE domain = 'region'"):
            return
        con.execute("DELETE FROM regions")
        con.execute("INSERT INTO regions BY NAME SELECT * FROM _regions")
        con.execute("DELETE FROM labels WHERE domain = 'region'")
        con.execute("""INSERT INTO labels SELECT 'region', region_code, name_zh, name_en
                   FROM _regions""")
    finally:
        con.unregister("_regions")


def same_rows(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, select: str) -> bool:
    """Whether the SELECT gives the frame's rows, as many times each, in any order (a
    table of a few hundred rows: compared in Python, ~1 ms; EXCEPT ALL both ways took 7)."""
    return Counter(rows.rows()) == Counter(con.execute(select).fetchall())


def _registered(con: duckdb.DuckDBPyConnection, divisions: pl.DataFrame,
                known: dict[tuple[str, str], str]) -> pl.DataFrame:
    """Townships and stations of the registry, stations under their township if they have
    one. English names: the county's where the name starts with it, then `_station_english`
    (海拉尔区正阳街道帮扶站 → Hailar District Zhengyang Subdistrict Help Station); the name
    `known` gives for the same code and Chinese name where it begins with the same county's
    English (it was made the same way: no pinyin made again)."""
    rows = con.sql("""
        SELECT DISTINCT township_code AS region_code, county_code AS parent_code,
               'township' AS level, township_zh AS name_zh
        FROM help_stations WHERE township_code IS NOT NULL
        UNION ALL
        SELECT station_code, coalesce(township_code, county_code), 'station', name_zh
        FROM help_stations""").pl()
    counties = dict(zip(divisions["name_zh"], divisions["name_en"], strict=True))
    counties = {zh: en for zh, en in counties.items() if zh[-1] in "区县旗市"}

    def english(row: dict[str, str]) -> str:
        name, before = row["name_zh"], known.get((row["region_code"], row["name_zh"]))
        county = next((zh for zh in counties if name.startswith(zh) and name != zh), None)
        if county is None:
            return before or _station_english(name)
        if before and before.startswith(counties[county] + " "):
            return before
        return f"{counties[county]} {_station_english(name[len(county):])}"

    english = rows.select(pl.struct("region_code", "name_zh").map_elements(
        english, return_dtype=pl.String)).to_series()
    return rows.with_columns(name_en=english, longitude=pl.lit(None, pl.Float64),
                             latitude=pl.lit(None, pl.Float64)).select(list(national.SCHEMA))


_STATION_WORDS = (("总工会帮扶中心", "Union Help Centre"), ("帮扶中心", "Help Centre"),
                  ("服务中心", "Service Centre"), ("帮扶站", "Help Station"),
                  ("困难职工", "Hardship Workers'"), ("职工", "Workers'"),
                  ("街道", "Subdistrict"), ("乡", "Township"), ("镇", "Town"))


def _station_english(name_zh: str) -> str:
    """帮扶中心/帮扶站, 服务中心, 职工, 街道, 乡, 镇 as English words, the rest in pinyin:
    天河区五山街道帮扶站 → Tianhequwushan Subdistrict Help Station; 职工服务中心 → Workers'
    Service Centre."""
    for suffix, word in _STATION_WORDS:
        if name_zh.endswith(suffix):
            stem = name_zh[: -len(suffix)]
            if not stem:  # the whole name is the word (a county's 职工服务中心)
                return word
            return f"{_station_english(stem)} {word}" if stem != "总工会" else f"Union {word}"
    return national.english_name(name_zh)
