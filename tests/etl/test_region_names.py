"""English region names made once: each load makes the regions table again (etl/regions.py),
and names without an established English form are pinyin (pypinyin, ~0.5 s to load). A load
takes the names the table already holds for the same code and Chinese name instead; a
station's name is made again when its county's English no longer begins it."""

from __future__ import annotations

import duckdb

from etl import regions
from tests.registry import registered


def _names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.sql("SELECT region_code, name_en FROM regions").fetchall())


def test_known_names_are_kept_and_a_stations_follow_its_county(tmp_path):
    con = duckdb.connect(str(registered(tmp_path / "w.duckdb")))
    made = _names(con)
    con.execute("DELETE FROM regions")
    regions.rebuild(con)
    assert _names(con) == made  # from nothing: the same names
    (kept, county), (again, _) = con.sql("""
        SELECT s.region_code, c.region_code FROM regions s JOIN regions c
        ON s.parent_code = c.region_code AND starts_with(s.name_zh, c.name_zh)
        WHERE s.level = 'station' AND c.level = 'county' ORDER BY 1 LIMIT 2""").fetchall()
    con.execute("UPDATE regions SET name_en = ? WHERE region_code = ?",
                [f"{made[county]} Kept Help Station", kept])
    con.execute("UPDATE regions SET name_en = 'Elsewhere Help Station' WHERE region_code = ?",
                [again])
    regions.rebuild(con)
    names = _names(con)
    assert names[kept] == f"{made[county]} Kept Help Station"  # known: not made again
    assert names[again] == made[again]  # not under its county's English: made again


def test_station_words_in_english_not_pinyin():
    """职工, 困难职工 and 服务中心 are words of many stations' names (重庆市: 解放碑街道职工帮扶站),
    which read Jiefangbeijiedaozhigong Help Station in pinyin."""
    english = regions._station_english
    assert english("解放碑街道职工帮扶站") == "Jiefangbei Subdistrict Workers' Help Station"
    assert english("困难职工帮扶中心") == "Hardship Workers' Help Centre"
    assert english("职工服务中心") == "Workers' Service Centre"
    assert english("总工会帮扶中心") == "Union Help Centre"
    assert english("正阳街道帮扶站") == "Zhengyang Subdistrict Help Station"
