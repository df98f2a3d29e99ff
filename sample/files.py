"""Dress canonical sample tables as station files: Chinese headers and values, mixed date
styles, columns the ETL drops (姓名, 工作单位, 联系电话, 备注), and the file's encoding.

Headers and value spellings come from etl/mappings/: mostly the first header and the Chinese
label, sometimes a synonym, a half-width bracket or a stray space, as stations type them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from etl import mappings
from sample.memory import give_back
from sample.people import employers, phones
from sample.regions import all_regions

CSV_SLICE_ROWS = 100_000  # rows of a GB18030 file encoded at a time (sample/files.write_csv)

DATE_STYLES = {"iso": "%Y-%m-%d", "slash": "%Y/%-m/%-d", "cn": "%Y年%-m月%-d日"}
# Columns stations keep that the ETL drops, by kind: (header, source).
EXTRAS = {
    "relief": [("姓名", "name"), ("工作单位", "employer"), ("联系电话", "phone"),
               ("备注", "note")],
    "hardship": [("姓名", "name"), ("工作单位", "employer"), ("家庭人口", "family_size"),
                 ("月人均收入", "income_per_head"), ("联系电话", "phone"), ("备注", "note")],
    "loan": [("姓名", "name"), ("经营项目", "business"), ("联系电话", "phone")],
    "training": [("姓名", "name"), ("工作单位", "employer")],
    "placement": [("姓名", "name"), ("就业单位", "employer")],
    "medical_card": [("姓名", "name")],
    "medical_benefit": [("姓名", "name"), ("医疗机构", "provider")],
    "petition": [("反映问题摘要", "summary"), ("备注", "note")],
}
BUSINESSES = ["小吃部", "修理部", "便利店", "裁缝店", "养殖", "运输", "理发店", "蔬菜摊点"]


@dataclass(frozen=True)
class Style:
    """How one station writes one file."""

    encoding: str = "utf-8"          # utf-8, utf-8-sig or gb18030
    dates: str = "iso"               # iso, slash, cn or mixed
    header_variety: float = 0.2      # chance a header is a synonym instead of the first one
    value_variety: float = 0.15      # chance a coded domain is spelled with a synonym
    cents: bool = False              # amounts written as 600.00 rather than 600


@cache
def _value_spellings() -> dict[str, dict[str, list[str]]]:
    """domain → code → [Chinese label, synonyms...]."""
    out: dict[str, dict[str, list[str]]] = {}
    for r in mappings.value_rows():
        syn = [s for s in r["synonyms"].split("|") if s and not s.isascii()]
        out.setdefault(r["domain"], {})[r["code"]] = [r["label_zh"], *syn]
    return out


@cache
def region_names() -> dict[str, str]:
    return {r.region_code: r.name_zh for r in all_regions()}


def _header(rng: np.random.Generator, col: mappings.Column, style: Style) -> str:
    h = col.headers[0]
    if len(col.headers) > 1 and rng.random() < style.header_variety:
        h = col.headers[int(rng.integers(1, len(col.headers)))]
    h = h.replace("（", "(").replace("）", ")") if rng.random() < 0.3 else h
    if rng.random() < 0.08:  # a stray space, as typed
        h = h[:1] + " " + h[1:] if len(h) > 1 else h + " "
    return h


def _codes(rng: np.random.Generator, domain: str, style: Style) -> dict[str, str]:
    spell = _value_spellings()[domain]
    use_syn = rng.random() < style.value_variety
    return {code: (s[1] if use_syn and len(s) > 1 else s[0]) for code, s in spell.items()}


def _dates(rng: np.random.Generator, expr: pl.Expr, style: Style, n: int) -> pl.Expr:
    if style.dates != "mixed":
        return expr.dt.strftime(DATE_STYLES[style.dates])
    pick = pl.Series(rng.choice(list(DATE_STYLES), n))
    out = expr.dt.strftime(DATE_STYLES["iso"])
    for name, fmt in DATE_STYLES.items():
        out = pl.when(pick == name).then(expr.dt.strftime(fmt)).otherwise(out)
    return out


def _value(rng, col: mappings.Column, style: Style, n: int) -> pl.Expr:
    c = pl.col(col.name)
    if col.type == "code":
        return c.replace_strict(_codes(rng, col.domain, style), default=None)
    if col.type in ("station", "county", "region"):
        return c.replace_strict(region_names(), default=c)
    if col.type == "date":
        return _dates(rng, c.cast(pl.Date), style, n)
    if col.type == "amount":  # integer yuan, or Decimal(14,2) where cents matter
        return c.cast(pl.Decimal(14, 2)).cast(pl.String) if style.cents else c.cast(pl.String)
    if col.type == "bool":
        # an unknown (null) flag stays an empty cell, never 否
        return pl.when(c).then(pl.lit("是")).when(~c).then(pl.lit("否"))
    return c.cast(pl.String)


def dress(rng: np.random.Generator, kind: str, table: pl.DataFrame,
          people: dict[str, pl.Series], style: Style) -> pl.DataFrame:
    """Canonical rows (codes, dates, pid) → the all-text frame a station would send.
    `people` holds the people's columns indexed by pid (sample.people.lookup)."""
    if "pid" in table.columns:
        pid = table["pid"]
        table = table.with_columns(**{c: v.gather(pid) for c, v in people.items()})
    n = len(table)
    cols = [c for c in mappings.columns(kind) if c.name in table.columns]
    exprs = [_value(rng, c, style, n).alias(_header(rng, c, style)) for c in cols]
    extras = _extras(rng, kind, table)
    out = table.select(exprs).with_columns(extras.get_columns())
    order = _column_order(kind, [e.meta.output_name() for e in exprs], extras.columns)
    return out.select(order).with_columns(pl.all().cast(pl.String))


def _extras(rng, kind: str, table: pl.DataFrame) -> pl.DataFrame:
    n = len(table)
    county = region_names().get(table["county"][0], "") if n and "county" in table.columns else ""
    source = {
        "name": lambda: table["name"], "phone": lambda: phones(rng, n),
        "employer": lambda: employers(rng, county, n),
        "note": lambda: np.where(rng.random(n) < 0.05, rng.choice(["已核实", "补发", "电话联系"], n),
                                 ""),
        "family_size": lambda: table["family_size"],
        "income_per_head": lambda: table["income_per_head"],
        "business": lambda: rng.choice(BUSINESSES, n),
        "provider": lambda: np.where(table["kind"] == "pharmacy", "同致药业连锁店", "农垦医院"),
        "summary": lambda: np.char.add(county, rng.choice(
            ["某企业职工反映工资拖欠", "职工反映社保未缴", "职工反映劳动合同问题",
             "职工反映工伤待遇", "职工反映被辞退"], n)),
    }
    return pl.DataFrame({h: pl.Series(source[s]()).cast(pl.String) for h, s in EXTRAS.get(kind, [])
                         if n})


def _column_order(kind: str, mapped: list[str], extras: list[str]) -> list[str]:
    """序号-less order stations use: name first, ID next, dropped columns at the end."""
    lead = [e for e in extras if e == "姓名"]
    tail = [e for e in extras if e != "姓名"]
    return lead + mapped + tail


def header_of(frame: pl.DataFrame, kind: str, column: str) -> str:
    """The header a dressed frame uses for a canonical column."""
    wanted = next(c for c in mappings.columns(kind) if c.name == column).headers
    return next(h for h in frame.columns if mappings.normalise_header(h) in wanted)


def write_csv(path: Path, frame: pl.DataFrame, encoding: str) -> Path:
    """The frame as a station's CSV, numbered from 1 (序号). Written a slice at a time: the
    whole file as one Python string (4 bytes a character once a Chinese one is in it), its
    bytes and its copy with the BOM were the generation's peak at large scales."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.with_row_index("序号", offset=1)
    if encoding != "gb18030":
        frame.write_csv(path, include_bom=encoding == "utf-8-sig")
    else:
        with path.open("wb") as out:
            out.write(frame.head(0).write_csv().encode("gb18030"))  # the header line
            for part in frame.iter_slices(CSV_SLICE_ROWS):
                out.write(part.write_csv(include_header=False).encode("gb18030"))
    give_back()  # what dressing the file's rows took
    return path
