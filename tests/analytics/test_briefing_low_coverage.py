"""存在的问题 calls a unit's 救助覆盖率 偏低 only where it is below the region's own and below
the middle unit, and says what it is measured against: the attention list names the lowest
units whatever their level (西林县 2012: 城郊帮扶站's 71.6% was 偏低 beside the county's 70.4%)."""

from __future__ import annotations

import re

import duckdb
import pytest

from analytics.briefing import parse_period
from analytics.briefing.content import gather
from analytics.briefing.document import problem_paragraphs
from analytics.fmt import number


def _code(db, name: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT region_code FROM regions WHERE name_zh = ?", [name]).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("county", ["西林县", "巴林左旗"])
def test_low_coverage_is_below_the_region_and_says_so(on_sample, county) -> None:
    data = gather(_code(on_sample, county), parse_period("2012"))
    whole = data.value("coverage")
    names = {data.problems.name(d): v  # each unit's coverage, as 表2 states it
             for d, c, v in data.children.select("dim", "code", "value").iter_rows()
             if c == "coverage"}
    assert len(names) >= 3 and whole is not None
    low = [s for s in problem_paragraphs(data, "zh") if "救助覆盖率偏低" in s]
    assert low, "the sample's stations below the county are named"
    named = [n for n in names if n in low[0]]
    assert named and all(names[n] < whole for n in named)
    assert low[0].endswith(f"（{county}为{number(whole, 'ratio')}）。")
    shown = re.findall(r"\d+\.\d%", low[0].split("（")[0])
    assert shown == [number(v, "ratio") for v in sorted(names[n] for n in named)]
    english = [s for s in problem_paragraphs(data, "en") if "Relief coverage" in s]
    assert english[0].startswith("Relief coverage is below ")
