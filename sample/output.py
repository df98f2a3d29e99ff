"""Which rows go to which station file, in which encoding and style, with which bad rows.

Relief goes per county in two ten-year files; Hailar's and Bairin Left's 2012 relief goes to
workbooks instead (the documents' year). Other kinds go per county or per city. A few rows
the loader must reject are slipped into named files; `bad_rows` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sample.design import BAIRIN_LEFT, HAILAR, XILIN
from sample.files import Style, dress, header_of, write_csv
from sample.people import People, as_typed_number, lookup
from sample.regions import CITIES, COUNTIES
from sample.workbooks import relief_workbooks

GB18030 = {"451022", "451024", "451026", "451030", "150424", "150785"}
BOM = {"451003", "451027", "451081", "150403", "150721"}
BLOCKS = ((2005, 2014), (2015, 2024))
XLSX_YEAR = 2012
XLSX_COUNTIES = (HAILAR, BAIRIN_LEFT)
# (county, block start, column, bad value or rule, reason)
BAD_CSV_ROWS = [
    ("150424", 2005, "id_number", "wrong_check_digit", "身份证号码校验位错误"),
    ("150421", 2015, "id_number", "scientific", "身份证号码被存成科学计数法数字，后几位已丢失"),
    ("150402", 2015, "fund_source", "扶贫资金", "资金来源不在代码表中"),
    ("150403", 2005, "amount_yuan", "-300", "金额为负数"),
    ("451003", 2015, "relief_date", "2031-01-15", "发放日期在未来（2031年）"),
    ("150702", 2015, "station", "海拉尔区东山街道帮扶站", "帮扶站点不存在"),
]


@dataclass
class Written:
    paths: list[Path] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    bad_rows: list[dict] = field(default_factory=list)


def _style(rng, code: str) -> Style:
    enc = "gb18030" if code in GB18030 else "utf-8-sig" if code in BOM else "utf-8"
    dates = str(rng.choice(["iso", "slash", "cn", "mixed"], p=[.5, .2, .15, .15]))
    return Style(encoding=enc, dates=dates, cents=bool(rng.random() < 0.4))


def _bad_value(people: People, county: str, rule: str) -> str:
    good = people.new(county, 1)["id_number"][0]
    if rule == "wrong_check_digit":
        return good[:17] + ("0" if good[17] != "0" else "1")
    if rule == "scientific":
        return f"{as_typed_number(good):.5E}"  # as Excel shows it: 1.50421E+17
    return rule


def _inject(rng, people: People, frame: pl.DataFrame, county: str, column: str, rule: str,
            ) -> tuple[pl.DataFrame, int, str]:
    """Insert a copy of a row for a new person with one bad value; return its data-row no."""
    at = int(rng.integers(1, len(frame)))
    row = frame.slice(at, 1)
    new_id = people.new(county, 1)
    id_h = header_of(frame, "relief", "id_number")
    value = _bad_value(people, county, rule)
    row = row.with_columns(pl.lit(new_id["id_number"][0]).alias(id_h),
                           pl.lit(new_id["name"][0]).alias("姓名"))
    row = row.with_columns(pl.lit(value).alias(header_of(frame, "relief", column)))
    return pl.concat([frame.slice(0, at), row, frame.slice(at)]), at + 1, value


def write_all(rng, out: Path, tables: dict[str, pl.DataFrame], people: People,
              workbooks: bool = True) -> Written:
    w = Written()
    persons = lookup(people.frame())
    relief = tables["relief"]
    in_xlsx = (pl.col("county").is_in(XLSX_COUNTIES)
               & (pl.col("relief_date").dt.year() == XLSX_YEAR) & workbooks)
    # one pass over the relief rows, not one per county (each county's rows in their order),
    # for the numbers of each county's rows: a county's rows are copied when it is written,
    # not all counties' at once (at --scale 52 the relief rows are ~2 GB)
    numbers = (relief.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("i"), "county",
                             x=in_xlsx)
               .filter(~pl.col("x")).partition_by("county", as_dict=True, include_key=False))
    for code, (_, zh, _) in COUNTIES.items():
        mine = relief[numbers[(code,)]["i"]] if (code,) in numbers else relief.clear()
        for lo, hi in BLOCKS:
            rows = mine.filter(pl.col("relief_date").dt.year().is_between(lo, hi))
            style = _style(rng, code)
            frame = dress(rng, "relief", rows.sort("relief_date", "station"), persons, style)
            for c, start, column, rule, reason in BAD_CSV_ROWS:
                if (c, start) == (code, lo):
                    frame, at, value = _inject(rng, people, frame, code, column, rule)
                    w.bad_rows.append({"file": f"relief/{code}_{zh}_救助发放花名册_{lo}-{hi}.csv",
                                       "data_row": at, "line": at + 1, "column": column,
                                       "value": value, "reason_zh": reason})
            _csv(w, out, f"relief/{code}_{zh}_救助发放花名册_{lo}-{hi}.csv", "relief", frame,
                 style)
    if workbooks:
        relief_workbooks(rng, w, out, relief.filter(in_xlsx), persons, people)
    _per_county(rng, w, out, "hardship", tables["hardship"], persons, "困难职工建档花名册")
    _per_county(rng, w, out, "petition", tables["petition"], persons, "信访登记表")
    hailar_loans = pl.col("county") == HAILAR
    _one(rng, w, out, "loan/150702_海拉尔区_无息借款台账_1997-2024.csv", "loan",
         tables["loan"].filter(hailar_loans), persons, Style(encoding="gb18030", dates="cn"))
    _per_city(rng, w, out, "loan", tables["loan"].filter(~hailar_loans), persons, "无息借款台账")
    xilin = pl.col("county") == XILIN
    _one(rng, w, out, "training/451030_西林县_技能培训花名册_2005-2024.csv", "training",
         tables["training"].filter(xilin), persons, Style(encoding="gb18030", dates="slash"))
    _per_city(rng, w, out, "training", tables["training"].filter(~xilin), persons, "技能培训花名册")
    for kind, zh in (("placement", "就业安置登记表"), ("fund_allocation", "帮扶资金下拨到位表"),
                     ("union_coverage", "三个普遍统计表"), ("npc_activity", "人大代表履职活动统计表")):
        _per_city(rng, w, out, kind, tables[kind], persons, zh)
    _one(rng, w, out, "medical/150702_海拉尔区_医疗优惠卡发放登记表.csv", "medical_card",
         tables["medical_card"], persons, Style(encoding="utf-8-sig"))
    benefits = tables["medical_benefit"]
    pharmacy = pl.col("kind") == "pharmacy"
    _one(rng, w, out, "medical/150702_海拉尔区_药店购药减免明细表.csv", "medical_benefit",
         benefits.filter(pharmacy), persons, Style(dates="slash", cents=True))
    _one(rng, w, out, "medical/150702_海拉尔区_爱心医院减免明细表.csv", "medical_benefit",
         benefits.filter(~pharmacy), persons, Style(encoding="gb18030", cents=True))
    _one(rng, w, out, "interventions/干预措施登记表.csv", "intervention",
         tables["intervention"], persons, Style(header_variety=0, value_variety=0))
    return w


def _csv(w: Written, out: Path, rel: str, kind: str, frame: pl.DataFrame, style: Style) -> None:
    w.paths.append(write_csv(out / rel, frame, style.encoding))
    w.files.append({"file": rel, "kind": kind, "encoding": style.encoding,
                    "date_style": style.dates, "rows": len(frame)})


def _one(rng, w, out, rel, kind, table, persons, style) -> None:
    _csv(w, out, rel, kind, dress(rng, kind, table, persons, style), style)


def _per_county(rng, w, out, kind, table, persons, zh_kind) -> None:
    for code, (_, zh, _) in COUNTIES.items():
        style = _style(rng, code)
        _one(rng, w, out, f"{kind}/{code}_{zh}_{zh_kind}.csv", kind,
             table.filter(pl.col("county") == code), persons, style)


def _per_city(rng, w, out, kind, table, persons, zh_kind) -> None:
    for city, (_, zh, _) in CITIES.items():
        rows = table.filter(pl.col("county").str.slice(0, 4) == city[:4])
        if len(rows):  # Baise's city federation saves "CSV UTF-8 (BOM)" from Excel
            style = Style(encoding="utf-8-sig" if city == "451000" else "utf-8",
                          dates=_style(rng, city).dates)
            _one(rng, w, out, f"{kind}/{city}_{zh}_{zh_kind}.csv", kind, rows, persons, style)

