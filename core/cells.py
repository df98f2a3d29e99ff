"""Neutral cells: text written to CSV or XLSX stays text when a spreadsheet opens it.

Station, enterprise and region names come from uploaded files, so anyone who can send a file
could plant `=HYPERLINK(...)` or `+cmd|' /C calc'!A0` in a name; Excel, WPS and LibreOffice
evaluate a CSV cell (or an XLSX cell being edited) that begins with ``=``, ``+``, ``-``, ``@``,
tab or carriage return. As OWASP's "CSV injection" page advises, such a string is written with
a leading single quote, which every spreadsheet shows as text. Only strings are touched:
numbers (negative ones included) stay numbers, and typed numeric columns are left alone.

XLSX writers also open their workbook with `WORKBOOK_OPTIONS`, so xlsxwriter never turns a
string into a formula or a hyperlink.
"""

from __future__ import annotations

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^[=+\-@\t\r]"
QUOTE = "'"
# xlsxwriter.Workbook options: strings are written as strings, never as formulas or links.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def neutral(value: object) -> object:
    """`value` with a leading quote if it is a string a spreadsheet would evaluate; anything
    else (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return QUOTE + value
    return value


def neutral_expr(column: str) -> pl.Expr:
    """The same as `neutral`, for a string column of a frame."""
    col = pl.col(column)
    return pl.when(col.str.contains(_PATTERN)).then(pl.lit(QUOTE) + col).otherwise(col)


def neutral_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every text column (String, Categorical, Enum) and header neutralised; other columns
    as they are.
    Categorical and Enum columns become String (a quoted label is no longer a category)."""
    text = [name for name, dtype in df.schema.items()
            if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))]
    if text:
        df = df.with_columns(pl.col(text).cast(pl.String)).with_columns(
            [neutral_expr(name).alias(name) for name in text])
    # headers too: a pivot's columns can be station names
    renamed = {name: neutral(name) for name in df.columns if neutral(name) != name}
    return df.rename(renamed) if renamed else df
