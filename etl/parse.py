"""Parsers of single cell values as station files type them, one per column type.

Each parser takes the raw text of a cell and returns the typed value or raises `ParseError`
with a reason (a catalogue message, etl/messages.py) that says how to fix the cell. The scalar parsers
(dates, amounts, integers, booleans, years) run once per DISTINCT raw value of a column
(see etl/validate.py); ID numbers are parsed by a vectorised Polars function, because a
roster has nearly as many distinct IDs as rows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import polars as pl

from core.cells import TRIGGERS
from core.messages import register
from etl.messages import Said

EARLIEST_DATE = dt.date(1990, 1, 1)
MAX_AMOUNT_YUAN = Decimal("1000000")  # one relief / loan / bill above this is a typing error
_CENT = Decimal("0.01")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's 1900 leap-year bug


class ParseError(Said, ValueError):
    """A cell that cannot be read, with the reason (an "etl.parse" message) that says how to
    fix it."""


register("etl.parse", {
    "date_empty": ("日期为空；请填写日期，如 2012-05-04",
                   "The date is empty; enter a date such as 2012-05-04"),
    "date_unreadable": ("无法识别的日期“{text}”；请写成 2012-05-04 或 2012年5月4日",
                        "Unreadable date '{text}'; write it as 2012-05-04 or 2012年5月4日"),
    "date_range": ("日期 {value} 不在合理范围（{earliest} 至 {latest}）；请核对年份是否录错",
                   "Date {value} is outside the plausible range ({earliest} to {latest}); "
                   "check the year for a typing error"),
    "amount_unreadable": ("无法识别的金额“{text}”；请只填数字，如 1200.00",
                          "Unreadable amount '{text}'; enter a number such as 1200.00"),
    "amount_grouping": ("金额“{text}”中的逗号不是每三位一个的千分位，数值无法确定；请只填数字，"
                        "如 1200.00",
                        "The commas in amount '{text}' are not thousands separators (one every "
                        "three digits), so its value is unclear; enter a number such as 1200.00"),
    "date_month_ambiguous": (
        "日期“{text}”可能是{year}年1月，也可能是{year}年10月被 Excel 存成了数字（{year}.10 → "
        "{year}.1）；请写成 {year}-01-01 或 {year}-10-01 这样的完整日期",
        "Date '{text}' may be January {year}, or October {year} that Excel stored as the "
        "number {year}.1 ({year}.10 → {year}.1); write the full date, such as {year}-01-01 "
        "or {year}-10-01"),
    "amount_negative": ("金额 {text} 为负数；请填写实际发放的正数金额",
                        "Amount {text} is negative; enter the positive amount paid"),
    "amount_limit": ("金额 {value} 元超过单笔上限 {limit} 元，可能多输了位数；请核对",
                     "Amount {value} yuan exceeds the limit of {limit} yuan for one entry; "
                     "check for extra digits"),
    "name_formula": ("名称“{text}”以“{first}”开头，电子表格打开时会把它当作公式执行；请去掉开头的"
                     "“{first}”，填写实际名称",
                     "The name '{text}' begins with '{first}', which a spreadsheet runs as a "
                     "formula when it opens the file; remove the leading '{first}' and enter the "
                     "actual name"),
    "count_unreadable": ("无法识别的数量“{text}”；请填写非负整数，如 12",
                         "Unreadable count '{text}'; enter a whole number such as 12"),
    "bool_unreadable": ("无法识别的是/否值“{text}”；请填写“是”或“否”",
                        "Unreadable yes/no value '{text}'; enter 是 (yes) or 否 (no)"),
    "year_unreadable": ("无法识别的年度“{text}”；请填写 {first}–{last} 之间的四位年份",
                        "Unreadable year '{text}'; enter a four-digit year from {first} "
                        "to {last}"),
    "year_range": ("年度 {year} 超出范围；请填写 {first}–{last} 之间的年份",
                   "Year {year} is out of range; enter a year from {first} to {last}"),
    "target_unreadable": ("无法识别的目标值“{text}”；请填写数字，如 1000 或 80%",
                          "Unreadable target '{text}'; enter a number such as 1000 or 80%"),
    "target_negative": ("目标值 {text} 为负数；目标应为 0 或正数",
                        "Target {text} is negative; a target is 0 or more"),
})


# Characters a cell may hold that no reader sees, or that change how the rest reads: C0/C1
# controls (a NUL, a bell), zero-width spaces and joiners, direction marks and the overrides
# (U+202E shows what follows backwards), a byte-order mark. Line and page breaks and tabs
# (Word's vertical tab, Alt+Enter) read as a space.
_BREAKS = "\t\n\r\x0b\x0c\x85\u2028\u2029"
_INVISIBLE = ("".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0x85),
                                       *range(0x86, 0xA0)))
              + "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067"
                "\u2068\u2069\ufeff")
_BREAK_RUN = f"[{re.escape(_BREAKS)}]+"  # patterns for Polars and for re alike
_INVISIBLE_ONE = f"[{re.escape(_INVISIBLE)}]"


def visible(cells: pl.Series) -> pl.Series:
    """Text cells (names, numbers of record) as they read: the characters above removed,
    breaks a space, surrounding space stripped; a cell left empty is empty (null). A column
    without such characters (nearly all) is returned as it is, after one scan."""
    if not cells.str.contains_any(list(_BREAKS + _INVISIBLE)).any():
        return cells
    out = (cells.str.replace_all(_BREAK_RUN, " ")
           .str.replace_all(_INVISIBLE_ONE, "").str.strip_chars())
    return pl.select(pl.when(out != "").then(out)).to_series().alias(cells.name)


def visible_name(text: str) -> str:
    """One name (an uploaded file's) as it reads, by the rules of `visible`: a file named
    with U+202E showed backwards in the batch list and the audit log."""
    return re.sub(_INVISIBLE_ONE, "", re.sub(_BREAK_RUN, " ", text)).strip()


def parse_name(text: str) -> str:
    """A name as typed; one beginning as a spreadsheet formula does (core.cells.TRIGGERS; tab
    and CR are gone by then: `visible`) is refused: no station, township or measure is named
    so, and a name is shown everywhere (exports neutralise it too). A lone "-" (a cell
    marked as empty, as staff often do) runs nothing and stays."""
    if len(text) > 1 and text.startswith(TRIGGERS):
        raise ParseError("etl.parse.name_formula", text=text, first=text[0])
    return text


def clean(text: object) -> str:
    """Full-width letters/digits/punctuation to half-width (NFKC), outer spaces stripped."""
    return unicodedata.normalize("NFKC", str(text)).strip()


# ---------------------------------------------------------------- dates

_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_YM = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{4,6}(\.\d+)?")
# A month typed 2025.10 in a number cell is kept as 2025.1 — the same as January written
# with a dot; neither can be told from the other, so the date is asked for in full.
_DOT_MONTH_ONE = re.compile(r"(\d{4})\.1")
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_date(text: object, *, earliest: dt.date = EARLIEST_DATE,
               latest: dt.date | None = None) -> dt.date:
    """2012-05-04, 2012/5/4, 2012.5.4, 2012年5月4日, 20120504, Excel serials (41033),
    datetime text (2012-05-04 00:00:00); a month alone (2012-05, 2012年5月) is its first day,
    but 2012.1 (January, or October kept as a number) is rejected as ambiguous.
    Dates before `earliest` or after `latest` (default today) are rejected."""
    s = _TIME_TAIL.sub("", clean(text))
    if not s:
        raise ParseError("etl.parse.date_empty")
    if m := _DOT_MONTH_ONE.fullmatch(s):
        raise ParseError("etl.parse.date_month_ambiguous", text=s, year=m[1])
    try:
        value = _date_of(s)
    except ValueError:
        raise ParseError("etl.parse.date_unreadable", text=s) from None
    latest = latest or dt.date.today()
    if not earliest <= value <= latest:
        raise ParseError("etl.parse.date_range", value=value, earliest=earliest,
                         latest=latest)
    return value


def latest_date(max_future_years: int = 0, today: dt.date | None = None) -> dt.date:
    """The last plausible date of a column: today, or that many years ahead for planned
    dates such as a loan's due date (29 February falls back to the 28th)."""
    today = today or dt.date.today()
    if not max_future_years:
        return today
    year = today.year + max_future_years
    return today.replace(year=year, day=min(today.day, 28 if today.month == 2 else 31))


def _date_of(s: str) -> dt.date:
    for pattern in (_YMD, _COMPACT):
        m = pattern.fullmatch(s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = _YM.fullmatch(s)
    if m:
        return dt.date(int(m[1]), int(m[2]), 1)
    if _SERIAL.fullmatch(s):
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(s)))
    raise ValueError(s)


def format_date(value: dt.date, style: str) -> str:
    """A date written the way stations write it; `style` is one of DATE_STYLES."""
    y, m, d = value.year, value.month, value.day
    return {
        "iso": value.isoformat(), "slash": f"{y}/{m}/{d}", "dot": f"{y}.{m}.{d}",
        "zh": f"{y}年{m}月{d}日", "compact": f"{y:04d}{m:02d}{d:02d}",
        "serial": str((value - _EXCEL_EPOCH).days), "datetime": f"{value.isoformat()} 00:00:00",
        "fullwidth": to_fullwidth(f"{y}年{m}月{d}日"),
    }[style]


DATE_STYLES = ("iso", "slash", "dot", "zh", "compact", "serial", "datetime", "fullwidth")


# ---------------------------------------------------------------- amounts

_AMOUNT_NOISE = re.compile(r"[\s¥$]|RMB|CNY|人民币|元整|元")
# Commas are read only as thousands separators: "1,2000", "12,00" or "1.200,00" have no one
# clear value (12000 or 1.2? 1200 or 12?) and are rejected rather than read as 12000, 1200, 1.20.
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")
_DIGITS_COMMAS = re.compile(r"-?[\d.,]+")  # a number but for its commas; else unreadable


def parse_amount(text: object, *, limit: Decimal = MAX_AMOUNT_YUAN) -> Decimal:
    """Yuan with cents: "1,200.00元", "￥1200", "１２００", "1.2万"; rounded to the cent.
    Negative amounts, amounts above `limit` and commas that are not thousands separators
    ("1,2000", "12,00") are rejected."""
    s = clean(text)
    body = _AMOUNT_NOISE.sub("", s)
    scale = Decimal(1)
    if body.endswith("万"):
        body, scale = body[:-1], Decimal(10000)
    if "," in body:
        if _GROUPED.fullmatch(body):
            body = body.replace(",", "")
        elif _DIGITS_COMMAS.fullmatch(body):
            raise ParseError("etl.parse.amount_grouping", text=s)
    try:
        value = (Decimal(body) * scale).quantize(_CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ParseError("etl.parse.amount_unreadable", text=s) from None
    if not value.is_finite() or value < 0:
        raise ParseError("etl.parse.amount_negative", text=s)
    if value > limit:
        raise ParseError("etl.parse.amount_limit", value=value, limit=limit)
    return value


def format_amount(value: Decimal, style: str) -> str:
    """An amount written the way stations write it; `style` is one of AMOUNT_STYLES."""
    return {
        "plain": f"{value}", "grouped_yuan": f"{value:,.2f}元", "yen": f"￥{value}",
        "fullwidth": to_fullwidth(f"{value}"), "spaced": f" {value} ",
    }[style]


AMOUNT_STYLES = ("plain", "grouped_yuan", "yen", "fullwidth", "spaced")


# ---------------------------------------------------------------- integers, booleans, years

_INT_NOISE = re.compile(r"[,\s人次个家件项名]")


def parse_int(text: object) -> int:
    """Counts: "12", "12人", "１２", "1,200", "12.0"; negative counts are rejected."""
    s = clean(text)
    body = _INT_NOISE.sub("", s)
    try:
        number = Decimal(body)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        raise ParseError("etl.parse.count_unreadable", text=s)
    return int(number)


_TRUE = {"是", "1", "true", "yes", "y", "√", "✓", "有", "已结业", "结业", "已就业", "就业"}
_FALSE = {"否", "0", "false", "no", "n", "×", "✗", "无", "未结业", "未就业"}


def parse_bool(text: object) -> bool:
    """是/否, Y/N, 1/0, √/×."""
    s = clean(text).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError("etl.parse.bool_unreadable", text=s)


def parse_year(text: object, ahead: int = 0) -> int:
    """"2012", "2012年", "2012.0"; from 1990 to this year (`ahead` years later for plans
    such as a year's targets)."""
    s = clean(text)
    m = re.fullmatch(r"(\d{4})(\.0+)?\s*年?度?", s)
    last = dt.date.today().year + ahead
    if not m:
        raise ParseError("etl.parse.year_unreadable", text=s, first=EARLIEST_DATE.year,
                         last=last)
    if not EARLIEST_DATE.year <= int(m[1]) <= last:
        raise ParseError("etl.parse.year_range", year=m[1], first=EARLIEST_DATE.year,
                         last=last)
    return int(m[1])


# A target as typed: "1000", "1,000人", "80%", "3家", "50万元" (units are words, not scales,
# except 万); a rate's target may be a percentage.
_TARGET_NOISE = re.compile(r"[,\s]|人次|人|个|家|件|项|名|次|笔|元|天")


def parse_target(text: object) -> float:
    """A target: a number, 0 or more; "80%" is 0.8 and "1.2万" 12000."""
    s = clean(text).replace("％", "%")
    body, scale = _TARGET_NOISE.sub("", s), 1.0
    if body.endswith("%"):
        body, scale = body[:-1], 0.01
    elif body.endswith("万"):
        body, scale = body[:-1], 10000.0
    try:
        number = Decimal(body)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ParseError("etl.parse.target_unreadable", text=s)
    if number < 0:
        raise ParseError("etl.parse.target_negative", text=s)
    return float(number) * scale


# ---------------------------------------------------------------- ID numbers (GB 11643)

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
_CHECK_CHARS = "10X98765432"
_FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALFWIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]

ID_REASONS: dict[str, tuple[str, str]] = {
    "missing": ("身份证号码为空；请填写18位身份证号码",
                "The ID number is empty; enter the 18-digit ID number"),
    "scientific": (
        "身份证号码被存成了数字（科学计数法，如 1.50702E+17），后几位已丢失；"
        "请把该列设为“文本”格式后重新录入完整的18位号码",
        "The ID number was stored as a number (scientific notation such as 1.50702E+17) "
        "and its last digits are lost; format the column as Text and re-enter all 18 digits"),
    "float": (
        "身份证号码被存成了数字，18位号码超出数字精度、后几位已不可信；"
        "请把该列设为“文本”格式后重新录入完整的18位号码",
        "The ID number was stored as a number, which cannot hold 18 digits, so its last "
        "digits cannot be trusted; format the column as Text and re-enter all 18 digits"),
    "format": ("身份证号码应为18位（或旧式15位）数字，最后一位可为X；请核对位数",
               "An ID number has 18 digits (or 15 in the old form), the last may be X; "
               "check the number of digits"),
    "birth_date": ("身份证号码中的出生日期无效；请核对第7–14位",
                   "The birth date inside the ID number is invalid; check digits 7-14"),
    "check_digit": ("身份证号码校验位不符（第18位），号码有录入错误；请对照身份证核对",
                    "The ID number's check digit (18th) does not match, so a digit is "
                    "mistyped; check it against the ID card"),
}
register("etl.id_reason", ID_REASONS)  # a row's error names its key (validate.person_key)


def check_char(id17: pl.Expr) -> pl.Expr:
    """GB 11643 check character of 17-digit strings (ISO 7064 MOD 11-2), vectorised."""
    n = id17.cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(n // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_WEIGHTS)])
    return (total % 11).replace_strict(dict(enumerate(_CHECK_CHARS)), return_dtype=pl.String)


def parse_ids(raw: pl.Series) -> pl.DataFrame:
    """Columns `id18` (the 18-digit ID, or null) and `error` (a key of ID_REASONS, or null).

    15-digit IDs become 18 digits by inserting "19" and computing the check digit. An ID
    stored as a number (scientific notation, or 16+ digits with a decimal point) has lost
    digits and is rejected; the digits are never guessed."""
    t = (raw.str.replace_many(_FULLWIDTH, _HALFWIDTH).str.replace_all(r"\s", "")
         .str.to_uppercase())
    frame = pl.DataFrame({"t": t})
    is18 = pl.col("t").str.contains(r"^\d{17}[\dX]$")
    is15 = pl.col("t").str.contains(r"^\d{15}(\.0*)?$")
    id17 = (pl.when(is18).then(pl.col("t").str.slice(0, 17))
            .when(is15).then(pl.col("t").str.slice(0, 6) + "19" + pl.col("t").str.slice(6, 9)))
    frame = frame.with_columns(id17=id17).with_columns(check=check_char(pl.col("id17")))
    birth = pl.col("id17").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    today = dt.date.today()
    error = (
        pl.when(pl.col("t").is_null() | (pl.col("t") == "")).then(pl.lit("missing"))
        .when(pl.col("t").str.contains(r"^[\d.]+E[+-]?\d+$")).then(pl.lit("scientific"))
        .when(pl.col("t").str.contains(r"^\d{16,}\.\d*$")).then(pl.lit("float"))
        .when(pl.col("id17").is_null()).then(pl.lit("format"))
        .when(birth.is_null() | (birth < dt.date(1900, 1, 1)) | (birth > today))
        .then(pl.lit("birth_date"))
        .when(is18 & (pl.col("t").str.slice(17, 1) != pl.col("check")))
        .then(pl.lit("check_digit"))
    )
    return frame.select(
        id18=pl.when(error.is_null()).then(pl.col("id17") + pl.col("check")),
        error=error,
    )


def parse_id(text: object) -> str:
    """One ID number as its 18-digit form (the same code as `parse_ids`)."""
    row = parse_ids(pl.Series([None if text is None else str(text)], dtype=pl.String)).row(0)
    if row[1] is not None:
        raise ParseError(f"etl.id_reason.{row[1]}")
    return row[0]


def gender_from_id(id18: pl.Expr) -> pl.Expr:
    """The 17th digit: odd = male (M), even = female (F)."""
    odd = id18.str.slice(16, 1).cast(pl.Int8, strict=False) % 2 == 1
    return pl.when(id18.is_null()).then(None).when(odd).then(pl.lit("M")).otherwise(pl.lit("F"))


def birth_year_from_id(id18: pl.Expr) -> pl.Expr:
    return id18.str.slice(6, 4).cast(pl.Int16, strict=False)


def make_id(id17: str) -> str:
    """The full 18-digit ID of 17 digits (for tests and the sample generator)."""
    return id17 + pl.select(check_char(pl.lit(id17))).item()


def to_fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
