"""Disclosure control for exports made outside the staff role: what can be published.

The dashboard lets a user choose any period and any region, so its exports form a flexible
table builder. Suppressing small cells table by table cannot protect one: a researcher who
exports January–March and January–February and subtracts gets March's suppressed cells back
(13 of 14 came back exactly before this method). Exports therefore follow the cell-key method
of the Australian Bureau of Statistics' TableBuilder (Fraser & Wooton 2005; Thompson, Broadfoot
& Elazar 2013), adapted to tables that arrive here already aggregated:

1. Aggregates only: a table with a column about a person or a single record (``person_key``,
   ``id_masked``, ``relief_id``, ...) is refused.
2. Every count cell (persons, person-times, payments, loans, petitions) gets a cell key: a
   keyed hash (HMAC-SHA256 with a secret kept outside the warehouse) of the indicator, the
   cell's true count and where it sits (the filter's region and cuts, the row's non-time
   dimensions). The cell key picks a perturbation from a fixed table: uniform on -D..D
   (D = 3), narrowed to -n..n for n < D, so a published count is never negative and true zeros
   stay zero. The same cell asked for again, in the same or another period's table, is
   published with the same value: repeating a query or re-cutting time cannot average the
   noise away, and no difference of two published tables tells the attacker whether it hit the
   true value.
3. A count whose published value is 1..k-1 (k = 5) is withheld (``suppressed``); so is every
   measure of its row.
4. Amounts in a row (yuan) are scaled by the ratio of the row's published to true count, so
   amount per person stays true while a difference of two amounts carries the counts' noise.
   Given the parts behind a chart's indicators (analytics/disclosure_parts.py), rates and
   averages are made from the published counts and amounts scaled by the count they are paid
   to; otherwise they are published as computed, and withheld with a withheld row.
5. With ``margins=True`` total rows (``合计``) are added and perturbed as cells of their own,
   so a total is the same wherever it is published (a table's cells need not add up to it,
   as in every cell-key table).

Why not a library: ACRO (PyPI ``acro``) and sdcMicro work on microdata; the R package
``cellKey`` (Statistik Austria) needs record keys in microdata and is not Python. Here the
tables come from rollups without records, so the cell key is drawn from the cell's content;
docs/exports.md states what that gives up.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analytics.disclosure_parts import PART, Term, recipe
from analytics.indicators import INDICATORS
from core.secret_file import read_or_make

DEFAULT_K = 5
MAX_NOISE = 3  # D: published counts lie within ±3 of the truth
TOTAL_LABEL = "合计"
SUPPRESSED_COLUMN = "suppressed"

# Columns that make a row about one person or one record.
PERSON_COLUMNS = frozenset({
    "person_key", "id_masked", "id_number", "name", "姓名", "身份证号", "身份证号码", "phone",
    "联系电话", "relief_id", "loan_id", "enrolment_id", "petition_id", "person_no",
})
_COUNT_NAME = re.compile(
    r"(person|people|worker|recipient|member|holder|trainee|borrower|beneficiar|case|"
    r"headcount|count|^n$|^n_|_n$|人数|人次|人)", re.IGNORECASE)
_ADDITIVE_NAME = re.compile(r"(yuan|amount|sum|total|金额|元)", re.IGNORECASE)
# `(^|_)time$`: an event study's `rel_time` places a row; it counts nothing.
_DIM_INT_NAME = re.compile(r"(year|month|quarter|period|week|day|level|code|(^|_)time$|年|月|季)",
                           re.IGNORECASE)
# Dimensions that place a cell in time: left out of its key, so that the same cell has the
# same key in a trend and in one period's table.
_TIME_NAME = re.compile(r"(period|year|month|quarter|season|week|date|day|年|月|季|期间)",
                        re.IGNORECASE)
# Columns that name or label another dimension rather than span one.
_LABEL_NAME = re.compile(r"(^label$|_label$|^name$|^name_(zh|en)$|_name$|^series$|名称|标签)",
                         re.IGNORECASE)
# Units whose values count persons or events about persons (payments, loans, petitions).
_PERSON_UNITS = {"人", "人次", "件", "笔", "persons", "person", "person-times", "people", "count"}
_MONEY_UNITS = {"yuan", "元", "万元"}
# Filter keys that place a cell (an export's provenance or a view's query parameters).
_CONTEXT_KEYS = {"region": "region", "fund_source": "source", "source": "source",
                 "category": "cat", "cat": "cat"}


class DisclosureError(ValueError):
    """The table cannot be released outside the staff role."""


@dataclass(frozen=True)
class TableSpec:
    """Roles of a table's columns: dimensions, person counts, other measures."""

    dims: tuple[str, ...]
    counts: tuple[str, ...]
    measures: tuple[str, ...]  # everything numeric that is not a count


def infer_spec(df: pl.DataFrame, indicators: list[dict] | None = None) -> TableSpec:
    """Guess column roles from dtypes, names and the indicator catalogue's units."""
    person_codes = {
        i["code"] for i in indicators or [] if str(i.get("unit", "")).strip() in _PERSON_UNITS
    }
    dims, counts, measures = [], [], []
    for name, dtype in df.schema.items():
        if not dtype.is_numeric() or (dtype.is_integer() and _DIM_INT_NAME.search(name)
                                      and not _COUNT_NAME.search(name)):
            dims.append(name)
        elif name in person_codes or (dtype.is_integer() and _COUNT_NAME.search(name)):
            counts.append(name)
        else:
            measures.append(name)
    codes = {i.get("code") for i in indicators or []}
    if not counts and codes and codes <= person_codes and not codes & set(df.columns):
        # Every indicator counts, none names a column: the values sit under other names (an
        # effects series' observed and counterfactual, a funnel's value), all in the counts'
        # unit, and each would give the counts back exact (a counterfactual is observed ÷ the
        # estimate): every measure is a count.
        counts, measures = measures, []
    elif not counts:  # nothing is named as a count: every integer measure may count persons
        counts = [m for m in measures if df.schema[m].is_integer()]
        measures = [m for m in measures if m not in counts]
    return TableSpec(tuple(dims), tuple(counts), tuple(measures))


@dataclass(frozen=True)
class Protection:
    """The published table, how many rows were withheld and how many counts perturbed."""

    table: pl.DataFrame
    suppressed: int
    perturbed: int
    counts: tuple[str, ...] = ()  # the columns published with noise


# ---------------------------------------------------------------- the cell key


def cell_key_secret() -> bytes:
    """The secret behind every cell key: env `UNION_DASH_CELL_KEY`, else a key file outside
    the repository (env `UNION_DASH_CELL_KEY_FILE`, default
    ~/.config/union-dashboard/cellkey.key), made on first use. Every dashboard host of one
    federation must use the same secret, or one cell gets a draw per host."""
    env = os.environ.get("UNION_DASH_CELL_KEY")
    if env:
        return env.encode()
    default = Path.home() / ".config" / "union-dashboard" / "cellkey.key"
    return read_or_make(Path(os.environ.get("UNION_DASH_CELL_KEY_FILE", default)).expanduser())


def cell_key(secret: bytes, column: str, count: int, where: tuple[str, ...]) -> float:
    """A number in [0, 1) fixed by the cell's indicator, true count and place."""
    message = "\x1f".join((column, str(count), *where)).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def perturbation(count: int, key: float, max_noise: int = MAX_NOISE) -> int:
    """The perturbation table: uniform on -d..d with d = min(D, count); zero stays zero."""
    d = min(max_noise, max(count, 0))
    return int(key * (2 * d + 1)) - d


def context_of(filters: dict[str, str] | None) -> tuple[str, ...]:
    """The filter values that place every cell of an export (codes, not labels: the Chinese
    and English exports of one view get the same keys)."""
    out = {}
    for key, value in (filters or {}).items():
        if key in _CONTEXT_KEYS and str(value).strip():
            out[_CONTEXT_KEYS[key]] = str(value).split()[0]
    return tuple(f"{k}={v}" for k, v in sorted(out.items()))


# ---------------------------------------------------------------- protect


def protect(
    df: pl.DataFrame,
    *,
    k: int = DEFAULT_K,
    spec: TableSpec | None = None,
    indicators: list[dict] | None = None,
    margins: bool = False,
    filters: dict[str, str] | None = None,
    secret: bytes | None = None,
    parts: pl.DataFrame | None = None,
) -> Protection:
    """The table as it may be published: counts perturbed by their cell keys, rows whose
    published count is 1..k-1 withheld, amounts scaled with their row's count.

    Adds a boolean ``suppressed`` column. `filters` are the export's filters (region and cuts
    as codes, or with their labels after the code), part of every cell's key. `parts`: the
    counts and sums behind the table's indicators (analytics/disclosure_parts.py), keyed by
    the table's period or dimension column: its rates, averages and amounts are then
    published from the same perturbed counts as the counts' own tables.
    """
    refuse_person_level(df)
    spec = spec or infer_spec(df, indicators)
    if parts is not None and _indicator_table(df, spec):
        secret = secret if secret is not None else cell_key_secret()
        return _from_parts(df, parts, spec, k, context_of(filters), secret)
    if not spec.counts:
        return Protection(df.with_columns(pl.lit(False).alias(SUPPRESSED_COLUMN)), 0, 0)
    if df.select(spec.dims).is_duplicated().any() if spec.dims else df.height > 1:
        raise DisclosureError(
            f"rows are not unique by {list(spec.dims)}: not a table of aggregates")
    if margins:
        df = pl.concat([df, margin_rows(df, spec, indicators)], how="diagonal_relaxed")
    secret = secret if secret is not None else cell_key_secret()
    where = _places(df, spec, context_of(filters))
    published, perturbed = {}, 0
    for c in spec.counts:
        true = df[c].cast(pl.Float64).to_list()
        out = []
        for n, place in zip(true, where, strict=True):
            if n is None:
                out.append(None)
                continue
            whole = round(n)
            d = perturbation(whole, cell_key(secret, c, whole, place))
            perturbed += d != 0
            out.append(float(whole + d))
        published[c] = out
    table = _apply(df, spec, indicators, published, k)
    return Protection(table, int(table[SUPPRESSED_COLUMN].sum()), perturbed, spec.counts)


def _indicator_table(df: pl.DataFrame, spec: TableSpec) -> bool:
    """Every measure of the table is an indicator of the catalogue (a chart's table)."""
    return all(c in INDICATORS for c in (*spec.counts, *spec.measures))


def _from_parts(df: pl.DataFrame, parts: pl.DataFrame, spec: TableSpec, k: int,
                context: tuple[str, ...], secret: bytes) -> Protection:
    """Each indicator from its parts (disclosure_parts.recipe): counts perturbed by the cell
    key of their own indicator, sums scaled by their count's ratio; a row is withheld when
    any count it reads is published as 1..k-1. Indicators without a recipe stay as computed."""
    keys = [c for c in parts.columns if c in df.columns]
    joined = df.join(parts, on=keys, how="left", maintain_order="left") if keys else df
    places = _places(df, spec, context)
    recipes = {c: recipe(c) for c in (*spec.counts, *spec.measures)}
    recipes = {c: r for c, r in recipes.items() if r is not None}
    out = {c: df[c].cast(pl.Float64).to_list() for c in recipes}
    suppressed, perturbed = [False] * df.height, 0
    for i, row in enumerate(joined.iter_rows(named=True)):
        published: dict[str, float | None] = {}  # each count's published value, once per row
        for c, terms in recipes.items():
            if not out[c][i]:  # none, or zero: a true zero stays zero, and a gap stays one
                continue
            values = [_published(t, row, published, places[i], secret) if t else 1.0
                      for t in terms]
            num, den = values
            out[c][i] = None if num is None or not den else num / den
        small = [p for p in published.values() if p is not None and 1 <= p < k]
        suppressed[i] = bool(small) or any(out[c][i] is None and df[c][i] is not None
                                           for c in recipes)
        perturbed += sum(1 for n, p in published.items() if p != _whole(row.get(PART + n)))
    table = df.with_columns(
        *(pl.Series(c, out[c], dtype=pl.Float64).round(2) if _money_term(recipes[c])
          else pl.Series(c, out[c], dtype=pl.Float64) for c in recipes),
        pl.Series(SUPPRESSED_COLUMN, suppressed))
    table = table.with_columns(
        pl.when(pl.col(SUPPRESSED_COLUMN)).then(None).otherwise(pl.col(c)).alias(c)
        for c in (*spec.counts, *spec.measures))
    return Protection(table, sum(suppressed), perturbed, tuple(recipes))


def _whole(value: float | None) -> float | None:
    return None if value is None else float(round(value))


def _published(term: Term, row: dict, published: dict, place: tuple, secret: bytes
               ) -> float | None:
    """A term's published value in one row: a count with its noise, a sum scaled by its
    count's published/true ratio, anything else as it is."""
    if term.how == "exact":
        return row.get(PART + term.name)
    count = term.name if term.how == "count" else term.per
    if count not in published:
        true = _whole(row.get(PART + count))
        published[count] = None if true is None else true + perturbation(
            int(true), cell_key(secret, count, int(true), place))
    if term.how == "count":
        return published[count]
    true, value = _whole(row.get(PART + count)), row.get(PART + term.name)
    if value is None or not true or published[count] is None:
        return value
    return value * published[count] / true


def _money_term(terms: tuple[Term, Term | None]) -> bool:
    return terms[0].how == "scaled" and terms[1] is None


def _places(df: pl.DataFrame, spec: TableSpec, context: tuple[str, ...]) -> list[tuple]:
    """Each row's place: the export's context and the row's non-time, non-label dimensions."""
    keyed = [d for d in spec.dims if not _TIME_NAME.search(d) and not _LABEL_NAME.search(d)
             and not df.schema[d].is_temporal()]
    if not keyed:
        return [context] * df.height
    return [(*context, *(f"{d}={v}" for d, v in zip(keyed, row, strict=True)))
            for row in df.select(keyed).iter_rows()]


def _apply(df: pl.DataFrame, spec: TableSpec, indicators: list[dict] | None,
           published: dict[str, list], k: int) -> pl.DataFrame:
    """Published counts in, withheld rows nulled, amounts scaled by the first count's ratio."""
    new = {c: pl.Series(c, v, dtype=pl.Float64) for c, v in published.items()}
    small = pl.Series(SUPPRESSED_COLUMN, [False] * df.height)
    for c in spec.counts:
        small = small | ((new[c] >= 1) & (new[c] < k)).fill_null(False)
    true = df[spec.counts[0]].cast(pl.Float64)
    ratio = (new[spec.counts[0]] / true).fill_nan(1.0).fill_null(1.0)
    ratio = ratio.zip_with(true > 0, pl.Series([1.0] * df.height)).alias("ratio")
    out = df.with_columns(
        *(new[c].cast(df.schema[c]) if df.schema[c].is_integer() else new[c]
          for c in spec.counts),
        *((pl.col(m) * ratio).round(2).alias(m) for m in _money(spec, indicators)),
        small)
    return out.with_columns(
        pl.when(pl.col(SUPPRESSED_COLUMN)).then(None).otherwise(pl.col(c)).alias(c)
        for c in (*spec.counts, *spec.measures))


def _money(spec: TableSpec, indicators: list[dict] | None) -> list[str]:
    units = {i.get("code"): str(i.get("unit", "")).strip() for i in indicators or []}
    return [m for m in spec.measures
            if units.get(m) in _MONEY_UNITS or (m not in units and _ADDITIVE_NAME.search(m))]


def margin_rows(df: pl.DataFrame, spec: TableSpec,
                indicators: list[dict] | None = None) -> pl.DataFrame:
    """Total rows (``合计`` in each summed dimension) of the counts and amounts; labels of a
    summed dimension become 合计 too."""
    spanned = axes(df, spec.dims)
    if not spanned:  # one row: it is its own total
        return df.clear()
    constant = _constant(df, spec)
    labels = [d for d in spec.dims if d not in spanned and d not in constant]
    additive = [*spec.counts, *_money(spec, indicators)]
    frames = []
    for r in range(len(spanned) - 1, -1, -1):
        for keep in itertools.combinations(spanned, r):
            # a label stays beside the dimension it names, and reads 合计 once that is summed
            named = [d for d in labels if keep and df.select(*keep, d).n_unique()
                     == df.select(keep).n_unique()]
            group = [*keep, *named]
            sums = [pl.col(c).sum() for c in additive]
            agg = (df.group_by(group, maintain_order=True).agg(sums) if group
                   else df.select(sums))
            frames.append(agg.with_columns(
                *(pl.col(d).cast(pl.String) for d in group),
                *(pl.lit(TOTAL_LABEL).alias(d) for d in spec.dims
                  if d not in group and d not in constant)))
    out = pl.concat(frames, how="diagonal_relaxed")
    return out.with_columns(pl.lit(v).alias(d) for d, v in constant.items())


def _constant(df: pl.DataFrame, spec: TableSpec) -> dict:
    return {d: df[d][0] for d in spec.dims if df[d].n_unique() == 1}


def protect_for_role(
    df: pl.DataFrame, role: str, *, k: int = DEFAULT_K, indicators: list[dict] | None = None,
    filters: dict[str, str] | None = None,
) -> pl.DataFrame:
    """The frame a role may download: staff get it as is, everyone else a protected table."""
    if role == "staff":
        return df
    return protect(df, k=k, indicators=indicators, filters=filters).table


def refuse_person_level(df: pl.DataFrame) -> None:
    """Raise DisclosureError when the frame has a column about single persons or records."""
    found = sorted(PERSON_COLUMNS.intersection(df.columns))
    if found:
        raise DisclosureError(f"person-level columns {found}: only aggregates can be exported")


def axes(df: pl.DataFrame, dims: tuple[str, ...]) -> tuple[str, ...]:
    """The dimensions that span the table: constant columns and columns that only label
    another one (``label`` beside ``period``) are no axes of their own."""
    keep = [d for d in dims if df[d].n_unique() > 1]
    for d in reversed(list(keep)):
        rest = [x for x in keep if x != d]
        if rest and _LABEL_NAME.search(d) and df.select(rest).n_unique() == df.height:
            keep = rest  # `d` is a function of the other columns
    return tuple(keep)
