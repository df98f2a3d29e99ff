"""零报告: a station declares a month with nothing to report.

A declaration is a file like any other: a roster with its header, the station and the month
above it (a title "…帮扶站2012年3月…花名册", a 填报单位 line, a 报表月份 line, or the
file's name) and no data rows. The load (etl/load.py) hands such a file here instead of
failing it as empty; its batch writes one `zero_reports` row and is withdrawn, audited and
skipped when sent again like any other. The upload page's confirmation and
`python -m etl zero-report` make the same file (`declaration_file`) and load it, so there
is one way in. Completeness (etl/quality.py) counts a declared month as reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import polars as pl

from core.messages import Message, Pair, register
from etl import mappings
from etl.messages import joined, listed
from etl.region_index import RegionIndex
from etl.sheets import RawSheet, Sheet

TABLE = "zero_reports"
NAME = ("零报告", "zero report")  # the kind of its batches, for lists of batches
# The kinds a station reports monthly, and the date column of their rows: a declaration for
# a month that already has rows is refused.
KINDS = {"relief": "relief_date", "loan": "issued_on"}
# What a month without them has none of, as people say it.
NOUNS = {"relief": ("救助发放", "relief payments"), "loan": ("无息借款发放", "loans issued")}

register("etl.zero_report", {
    "not_monthly": ("没有数据行；“{kind}”不按站点逐月报送，无需零报告",
                    "no data rows; a {kind} is not a station's monthly report, so it needs no "
                    "zero report"),
    "say_which": ("没有数据行；如为零报告（{nothing}），请在表头上方写明{missing}，"
                  "如“填报单位：某某帮扶站”“报表月份：2012年3月”{why}",
                  "no data rows; for a zero report ({nothing}) state the {missing} above the "
                  "header, e.g. 填报单位：<station> and 报表月份：2012年3月{why}"),
    "nothing_relief": ("本月无救助发放", "nothing to report this month"),
    "nothing_loan": ("本月无无息借款发放", "nothing to report this month"),
    "why": ("（{why}）", " ({why})"),
    "station": ("帮扶站点", "help station"), "month": ("月份", "month"),
    "no_station": ("未找到已登记的帮扶站点名称或代码", "no registered station's name or code found"),
    "several": ("名称对应多个站点：{codes}；请写站点代码",
                "the name fits several stations: {codes}; give the code"),
    "not_yours": ("站点 {code} 不在您的权限范围内", "station {code} is outside your region"),
    "has_rows": ("站点 {station} {ym}已有 {rows} 行数据，不能登记零报告；"
                 "如数据有误，请先撤销其批次",
                 "station {station} has {rows} rows for {ym} already, so it cannot declare a "
                 "zero report; withdraw their batch first if they are wrong"),
    "declared": ("站点 {station} {ym}的零报告已登记（批次 {batch}），已跳过",
                 "station {station} declared {ym} already (batch {batch}); skipped"),
    "recorded": ("零报告：站点 {station} {ym}无{noun}，已登记",
                 "zero report: station {station} had no {noun} in {ym}; recorded"),
})

# Where a month is said, most explicit first. A full date (填报日期：2012年4月5日) is the day
# the form was filled in, not the month it reports: it never counts.
_LABELLED_MONTH = re.compile(r"(?:报表|所属|统计|报告|报送)?(?:月份|期间|所属期)\s*[:：]")
_YEAR_MONTH = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*[日号])"
    r"|(?<!\d)((?:19|20)\d\d)\s*[-./]\s*(\d{1,2})(?!\d)(?!\s*[-./]\s*\d)")
_FILLED_ON = re.compile(r"(?:填报|制表|报送|填表|上报)日期\s*[:：]\s*\S*")
_STATION_CODE = re.compile(r"(?:站点代码|站点编码|帮扶站点代码)\s*[:：]\s*(\d{9})")
_UNIT = re.compile(r"(?:填报单位|报送单位|帮扶站点|站点名称|单位名称)\s*[:：]\s*([^\s:：（(]+)")


@dataclass(frozen=True)
class Declared:
    """What an empty roster declares, or why it declares nothing."""

    station: str | None
    month: dt.date | None
    problem: Message | None = None


def read_declaration(file_name: str, raws: list[RawSheet], sheets: list[Sheet],
                     index: RegionIndex) -> Declared:
    """The station and month an empty roster names above its header (or in its file or
    sheet name), checked against the warehouse's stations (`index`, the file's regions)."""
    kind = sheets[0].kind
    names = mappings.kinds()[kind]
    if kind not in KINDS:
        return Declared(None, None, Message("etl.zero_report.not_monthly",
                                            {"kind": Pair(names.name_zh, names.name_en)}))
    above = {s.name: [" ".join(str(c).strip() for c in row if c is not None and str(c).strip())
                      for row in raw.head[:s.header_row]]
             for raw in raws for s in sheets if raw.name == s.name}
    lines = [line for rows in above.values() for line in rows if line]
    extra = [file_name.rsplit(".", 1)[0], *(s.name for s in sheets if s.name)]
    station, why_station = _station(lines + extra, index)
    month = _month(lines, extra)
    missing = [Message(f"etl.zero_report.{w}") for w, bad in
               (("station", station is None), ("month", month is None)) if bad]
    if not missing:
        return Declared(station, month)
    why = Message("etl.zero_report.why", {"why": why_station}) if why_station else ""
    return Declared(station, month, Message("etl.zero_report.say_which", {
        "nothing": Message(f"etl.zero_report.nothing_{kind}"), "missing": listed(missing, "and"),
        "why": why}))


def _month(lines: list[str], extra: list[str]) -> dt.date | None:
    """The one month said, the most explicit way first: a 报表月份 line, a year and month
    in the title rows, in the file or sheet name, a 填报日期 of a year and month only; None
    if none, or if the first way that says one says several."""
    labelled = [_FILLED_ON.sub(" ", _LABELLED_MONTH.split(line, maxsplit=1)[1])
                for line in lines if _LABELLED_MONTH.search(line)]
    untagged = [_FILLED_ON.sub(" ", line) for line in lines]
    filled_on = [m for line in lines for m in _FILLED_ON.findall(line)]
    for texts in (labelled, untagged, extra, filled_on):
        found = {_valid(*(g for g in m.groups() if g)) for text in texts
                 for m in _YEAR_MONTH.finditer(text)} - {None}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def _valid(year: str, month: str) -> dt.date | None:
    return dt.date(int(year), int(month), 1) if 1 <= int(month) <= 12 else None


def _station(texts: list[str], index: RegionIndex) -> tuple[str | None, Message | None]:
    """The registered station the texts name: by a 站点代码 line, a 填报单位 line, or the
    longest registered station name in them; (None, why) when none or two."""
    named = [m for t in texts for m in _STATION_CODE.findall(t)] + \
            [m for t in texts for m in _UNIT.findall(t)]
    for text in named:
        found = index.find("station", text)
        if found is not None and found.code:
            return _allowed(index, found.code)
    stations = index.regions.filter(pl.col("level") == "station")
    hits = {code: len(name) for code, name in stations.select("region_code", "name_zh").rows()
            if name and any(name in t for t in texts)}
    if not hits:
        return None, Message("etl.zero_report.no_station")
    longest = max(hits.values())
    best = [c for c, n in hits.items() if n == longest]
    if len(best) > 1:
        return None, Message("etl.zero_report.several", {"codes": joined(best)})
    return _allowed(index, best[0])


def _allowed(index, code: str) -> tuple[str | None, Message | None]:
    if index.allowed is not None and code not in index.allowed:
        return None, Message("etl.zero_report.not_yours", {"code": code})
    return code, None


def conflict(con: duckdb.DuckDBPyConnection, declared: Declared, kind: str
             ) -> tuple[str, Message] | None:
    """Why the declaration cannot be recorded: ("rows", why) when the month has rows
    already, ("declared", why) when the station declared it before; else None."""
    table = mappings.kinds()[kind].table_name
    start = declared.month
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows = con.execute(f"SELECT count(*) FROM {table} WHERE station_code = ? AND "
                       f"{KINDS[kind]} >= ? AND {KINDS[kind]} < ?",
                       [declared.station, start, end]).fetchall()[0][0]
    when = _when(declared)
    if rows:
        return "rows", Message("etl.zero_report.has_rows", {**when, "rows": rows})
    earlier = con.execute(f"SELECT batch_id FROM {TABLE} WHERE station_code = ? AND month = ? "
                          "AND kind = ?", [declared.station, start, kind]).fetchall()
    if earlier:
        return "declared", Message("etl.zero_report.declared", {**when, "batch": earlier[0][0]})
    return None


def write(con: duckdb.DuckDBPyConnection, declared: Declared, kind: str, batch: str,
          file_name: str, sha: str, now: dt.datetime, user: str) -> None:
    """The declaration and its batch (in the caller's transaction): one `zero_reports` row,
    one `load_batches` row whose table is `zero_reports`."""
    con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?)",
                [declared.station, declared.station[:6], declared.month, kind, batch])
    con.execute(
        "INSERT INTO load_batches (batch_id, file_name, content_sha256, table_name, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, rows_inserted, rows_updated, rows_unchanged, "
        "loaded_by) VALUES (?, ?, ?, ?, ?, 0, 1, 0, 1, 0, 0, ?)",
        [batch, file_name, sha, TABLE, now, user])


def message(declared: Declared, kind: str) -> Message:
    return Message("etl.zero_report.recorded", {**_when(declared), "noun": Pair(*NOUNS[kind])})


def _when(declared: Declared) -> dict[str, object]:
    """The station and month, as each language writes a month (2012年3月, 2012-03)."""
    m = declared.month
    return {"station": declared.station, "ym": Pair(f"{m.year}年{m.month}月", f"{m:%Y-%m}")}


def declaration_file(station: str, month: dt.date, kind: str = "relief") -> tuple[str, bytes]:
    """The empty roster that declares `month` for `station` (a code): what the upload
    page's confirmation and `python -m etl zero-report` load. The same declaration makes
    the same bytes, so sending it twice is skipped like any file loaded before."""
    names = mappings.kinds()[kind]
    header = [c.headers[0] for c in mappings.columns(kind) if c.required]
    pad = "," * (len(header) - 1)
    lines = [f"{names.name_zh}（零报告：本月无数据）{pad}", f"站点代码：{station}{pad}",
             f"报表月份：{month.year}年{month.month}月{pad}", ",".join(header)]
    name = f"零报告_{station}_{month:%Y-%m}_{kind}.csv"
    return name, ("\n".join(lines) + "\n").encode("utf-8-sig")


def parse_month(text: str) -> dt.date:
    """2012-03, 2012.3, 201203 or 2012年3月 → the month's first day; ValueError otherwise."""
    m = re.fullmatch(r"\s*((?:19|20)\d\d)\s*(?:年|[-./])?\s*(\d{1,2})\s*月?\s*", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(text)
    return dt.date(int(m.group(1)), int(m.group(2)), 1)
