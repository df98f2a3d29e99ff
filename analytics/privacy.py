"""Disclosure control for exports made outside the staff role.

Rules:

1. Aggregates only: a table with a column that identifies a person or a single record
   (``person_key``, ``id_masked``, ``relief_id``, ...) is refused.
2. Primary suppression: a cell that counts 1..k-1 persons is suppressed (k = 5 by default).
3. Complementary suppression: every total of the table is assumed to be public (the dashboard
   shows them), so more cells are suppressed until no suppressed value can be computed from the
   published cells and totals: each line of the table (a row, a column, or in more dimensions any
   1-D slice with its total) holds no suppressed cell or at least two; an exact audit checks
   that no suppressed cell is determined by the linear system of totals; and a linear programme
   checks that no small cell is pinned to one value once counts are known to be non-negative.
   With ``margins=True`` the totals are part of the export and are protected like cells.
4. Every measure of a suppressed cell (amounts, rates) is suppressed with its count.
5. Columns that label another (``label`` beside ``period``) and constant columns are no axes.

Why not a library: ACRO (PyPI ``acro``) checks research outputs built from microdata with pandas
crosstabs and applies primary suppression, recomputing margins from the cells it keeps; it has no
complementary suppression for an already aggregated (Polars) table whose totals are published
elsewhere. The R packages that do (sdcTable, GaussSuppression) are not Python. The method here is
the usual one: a greedy choice of complements (smallest non-zero cell in the offending line)
followed by exact audits, repeated to a fixed point. It protects against recovery from the
table's own totals; it does not optimise the number of cells lost (no integer programme).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

DEFAULT_K = 5
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
_DIM_INT_NAME = re.compile(r"(year|month|quarter|period|week|day|level|code|年|月|季)", re.IGNORECASE)
# Columns that name or label another dimension rather than span one (see axes()).
_LABEL_NAME = re.compile(r"(^label$|_label$|^name$|^name_(zh|en)$|_name$|名称|标签)",
                         re.IGNORECASE)
# Units whose values count persons or events about persons (payments, loans, petitions).
_PERSON_UNITS = {"人", "人次", "件", "笔", "persons", "person", "person-times", "people", "count"}


class DisclosureError(ValueError):
    """The table cannot be released outside the staff role."""


@dataclass(frozen=True)
class TableSpec:
    """Roles of a table's columns: dimensions, person counts, other measures."""

    dims: tuple[str, ...]
    counts: tuple[str, ...]
    measures: tuple[str, ...]  # everything numeric that is not a count (suppressed with it)


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
    if not counts:  # nothing is named as a count: every integer measure may count persons
        counts = [m for m in measures if df.schema[m].is_integer()]
        measures = [m for m in measures if m not in counts]
    return TableSpec(tuple(dims), tuple(counts), tuple(measures))


@dataclass(frozen=True)
class Suppression:
    """The protected table and how many cells each step suppressed."""

    table: pl.DataFrame
    primary: int
    secondary: int


def protect(
    df: pl.DataFrame,
    *,
    k: int = DEFAULT_K,
    spec: TableSpec | None = None,
    indicators: list[dict] | None = None,
    margins: bool = False,
) -> Suppression:
    """Apply primary and complementary suppression; suppressed values become null.

    The result has the input's columns plus a boolean ``suppressed`` column (the same mark for
    primary and complementary cells, so the mark does not say which cells are small). With
    ``margins=True`` total rows (dimension value ``合计``) are appended and protected too.
    """
    refuse_person_level(df)
    spec = spec or infer_spec(df, indicators)
    if not spec.counts:
        return Suppression(df.with_columns(pl.lit(False).alias(SUPPRESSED_COLUMN)), 0, 0)
    if df.select(spec.dims).is_duplicated().any() if spec.dims else df.height > 1:
        raise DisclosureError(
            f"rows are not unique by {list(spec.dims)}: not a table of aggregates")
    if not axes(df, spec.dims):  # one row: nothing to complement
        small = pl.any_horizontal((pl.col(c) > 0) & (pl.col(c) < k) for c in spec.counts)
        table = _null_suppressed(df.with_columns(small.fill_null(False).alias(SUPPRESSED_COLUMN)),
                                 spec)
        n = int(table[SUPPRESSED_COLUMN].sum())
        return Suppression(table, n, 0)
    cube = _Cube.build(df, spec)
    primary = np.logical_or.reduce(
        [cube.primary_mask(v, k, with_margins=margins) for v in cube.counts])
    mask = complementary(cube.counts, primary, cube.candidates(margins))
    table = _null_suppressed(cube.to_frame(df, mask, margins), spec)
    n_primary = int(primary.sum())
    return Suppression(table, n_primary, int(mask.sum()) - n_primary)


def _null_suppressed(rows: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Every measure of a suppressed cell becomes null."""
    return rows.with_columns(
        pl.when(pl.col(SUPPRESSED_COLUMN)).then(None).otherwise(pl.col(c)).alias(c)
        for c in (*spec.counts, *spec.measures))


def protect_for_role(
    df: pl.DataFrame, role: str, *, k: int = DEFAULT_K, indicators: list[dict] | None = None
) -> pl.DataFrame:
    """The frame a role may download: staff get it as is, everyone else a protected table."""
    if role == "staff":
        return df
    return protect(df, k=k, indicators=indicators).table


def refuse_person_level(df: pl.DataFrame) -> None:
    """Raise DisclosureError when the frame has a column about single persons or records."""
    found = sorted(PERSON_COLUMNS.intersection(df.columns))
    if found:
        raise DisclosureError(f"person-level columns {found}: only aggregates can be exported")


# ---------------------------------------------------------------- the table as an array


def axes(df: pl.DataFrame, dims: tuple[str, ...]) -> tuple[str, ...]:
    """The dimensions that span the table: constant columns and columns that only label
    another one (``label`` beside ``period``) are no axes of their own.

    Only a column named as a label counts as one: in a sparse table two real dimensions can
    determine each other by chance (each region with data in one year only), and the year's
    totals, published elsewhere, must then still be audited."""
    keep = [d for d in dims if df[d].n_unique() > 1]
    for d in reversed(list(keep)):
        rest = [x for x in keep if x != d]
        if rest and _LABEL_NAME.search(d) and df.select(rest).n_unique() == df.height:
            keep = rest  # `d` is a function of the other columns
    return tuple(keep)


@dataclass
class _Cube:
    """Each count column as a dense array with a total slot at the end of every axis."""

    dims: tuple[str, ...]  # dimensions with more than one level
    levels: list[list]
    counts: list[np.ndarray]  # shape (n1+1, ..., nd+1); index -1 on an axis = total
    present: np.ndarray  # inner cells that are rows of the input
    spec: TableSpec

    @classmethod
    def build(cls, df: pl.DataFrame, spec: TableSpec) -> _Cube:
        dims = axes(df, spec.dims)
        levels = [df[d].unique(maintain_order=True).to_list() for d in dims]
        shape = tuple(len(lv) + 1 for lv in levels)
        idx = cls._row_index(df, dims, levels)
        present = np.zeros(shape, dtype=bool)
        present[idx] = True
        counts = []
        for name in spec.counts:
            values = np.zeros(shape)
            values[idx] = df[name].cast(pl.Float64).fill_null(0).to_numpy()
            for axis in range(len(dims)):  # fill the totals, axis by axis
                inner = [slice(None)] * len(dims)
                inner[axis] = slice(0, -1)
                total = [slice(None)] * len(dims)
                total[axis] = -1
                values[tuple(total)] = values[tuple(inner)].sum(axis=axis)
            counts.append(values)
        return cls(dims, levels, counts, present, spec)

    @staticmethod
    def _row_index(df: pl.DataFrame, dims: tuple[str, ...], levels: list[list]) -> tuple:
        return tuple(
            np.array([{v: i for i, v in enumerate(lv)}[x] for x in df[d].to_list()], dtype=int)
            for d, lv in zip(dims, levels, strict=True)
        )

    def is_margin(self) -> np.ndarray:
        out = np.zeros(self.present.shape, dtype=bool)
        for axis in range(out.ndim):
            sl = [slice(None)] * out.ndim
            sl[axis] = -1
            out[tuple(sl)] = True
        return out

    def primary_mask(self, values: np.ndarray, k: int, *, with_margins: bool) -> np.ndarray:
        """Cells counting 1..k-1 persons; totals too when the export carries them."""
        small = (values > 0) & (values < k)
        return small & (self.present | (self.is_margin() & with_margins))

    def candidates(self, margins: bool) -> np.ndarray:
        """Cells that may be suppressed: inner cells (absent ones become rows), and totals
        only when they are part of the export."""
        return ~self.is_margin() | margins

    def to_frame(self, df: pl.DataFrame, mask: np.ndarray, margins: bool) -> pl.DataFrame:
        """The input rows with their flags, complements that were absent, and totals."""
        inner_mask = mask[tuple([slice(0, -1)] * len(self.dims))]
        flags = inner_mask[self._row_index(df, self.dims, self.levels)]
        rows = pl.concat([df.with_columns(pl.Series(SUPPRESSED_COLUMN, flags)),
                          self._absent_rows(df, inner_mask)], how="diagonal_relaxed")
        if margins:  # totals over every exported cell, complements added as rows included
            rows = rows.with_columns(pl.col(d).cast(pl.String) for d in self.spec.dims)
            rows = pl.concat([rows, self._margin_rows(rows, mask)], how="diagonal_relaxed")
        return rows

    def _constant_dims(self, df: pl.DataFrame) -> dict:
        return {d: df[d][0] for d in self.spec.dims if df[d].n_unique() == 1}

    def _absent_rows(self, df: pl.DataFrame, inner_mask: np.ndarray) -> pl.DataFrame:
        """Cells missing from the input that were chosen as complements become suppressed rows."""
        inner_present = self.present[tuple([slice(0, -1)] * len(self.dims))]
        picks = np.argwhere(inner_mask & ~inner_present)
        recs = [{**self._constant_dims(df),
                 **{d: self.levels[a][i] for a, (d, i) in enumerate(zip(self.dims, p, strict=True))},
                 SUPPRESSED_COLUMN: True} for p in picks]
        return pl.DataFrame(recs, schema={**{c: df.schema[c] for c in self.spec.dims},
                                          SUPPRESSED_COLUMN: pl.Boolean}) if recs else df.clear()

    def _margin_rows(self, df: pl.DataFrame, mask: np.ndarray) -> pl.DataFrame:
        """Total rows (``合计`` in each summed dimension) of counts and additive measures."""
        additive = [*self.spec.counts,
                    *(m for m in self.spec.measures if _ADDITIVE_NAME.search(m))]
        constant = {d: str(v) for d, v in self._constant_dims(df).items()}
        frames = []
        for r in range(len(self.dims) - 1, -1, -1):
            for keep in itertools.combinations(self.dims, r):
                sums = [pl.col(c).sum() for c in additive]
                agg = (df.group_by(list(keep), maintain_order=True).agg(sums) if keep
                       else df.select(sums))
                flags = [bool(mask[self._margin_index(dict(zip(keep, row, strict=True)))])
                         for row in agg.select(keep).iter_rows()] if keep else [bool(mask.flat[-1])]
                frames.append(agg.with_columns(
                    *(pl.lit(TOTAL_LABEL).alias(d) for d in self.dims if d not in keep),
                    *(pl.col(d).cast(pl.String) for d in keep),
                    *(pl.lit(v).alias(d) for d, v in constant.items()),
                    pl.Series(SUPPRESSED_COLUMN, flags)))
        return pl.concat(frames, how="diagonal_relaxed")

    def _margin_index(self, pos: dict) -> tuple:
        return tuple([str(v) for v in self.levels[a]].index(str(pos[d])) if d in pos else -1
                     for a, d in enumerate(self.dims))


# ---------------------------------------------------------------- complementary suppression


def lines(shape: tuple[int, ...]) -> list[list[tuple[int, ...]]]:
    """Every 1-D slice of an array with total slots: its inner cells followed by its total."""
    out = []
    for axis, n in enumerate(shape):
        others = [range(s) for a, s in enumerate(shape) if a != axis]
        for fixed in itertools.product(*others):
            cells = []
            for i in range(n):
                idx = list(fixed)
                idx.insert(axis, i)
                cells.append(tuple(idx))
            out.append(cells)
    return out


def determined(shape: tuple[int, ...], mask: np.ndarray) -> np.ndarray:
    """Suppressed cells whose value follows from the published cells through the totals.

    Each line gives one equation: sum(inner cells) - total = 0. Fixing the published cells, a
    suppressed cell is determined exactly when its unit vector lies in the row space of the
    equations restricted to suppressed cells (its projection on that space has length 1).
    """
    hidden = [tuple(i) for i in np.argwhere(mask)]
    out = np.zeros(shape, dtype=bool)
    if not hidden:
        return out
    a, _ = _equations(np.zeros(shape), mask, {c: j for j, c in enumerate(hidden)})
    if not len(a):
        return out
    # Projection on the row space is A^T (A A^T)^+ A; its diagonal is each unit vector's reach.
    reach = ((np.linalg.pinv(a @ a.T, hermitian=True) @ a) * a).sum(axis=0)
    for j, cell in enumerate(hidden):
        if reach[j] > 1 - 1e-6:
            out[cell] = True
    return out


def complementary(
    counts: list[np.ndarray], primary: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Grow the primary mask to a pattern from which no suppressed cell can be recovered.

    To a fixed point: (1) no line holds a lone suppressed cell; (2) no suppressed cell is
    determined by the totals (linear audit); (3) no primary cell is pinned to one value by the
    totals together with "counts are never negative" (an LP per primary cell).
    """
    mask, values = primary.copy(), counts[0]  # complements are chosen by the first count
    if not mask.any():
        return mask
    all_lines = lines(values.shape)
    while True:
        lone = [ln for ln in all_lines if sum(bool(mask[c]) for c in ln) == 1]
        if any([_suppress_one(values, mask, candidates, ln) for ln in lone]):
            continue
        exposed = determined(values.shape, mask)
        for v in counts:
            exposed |= pinned(v, mask, primary)
        if not exposed.any():
            return mask
        cell = tuple(np.argwhere(exposed)[0])
        if not any(_suppress_one(values, mask, candidates, ln) for ln in all_lines if cell in ln):
            raise DisclosureError(
                "cannot protect the table: a published total reveals a small cell")


def pinned(values: np.ndarray, mask: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Suppressed cells of `which` whose feasible range, given the published cells, the totals
    and non-negativity, is a single value."""
    from scipy.optimize import linprog

    out = np.zeros(values.shape, dtype=bool)
    # Fast sufficient test: a cell that stays undetermined when the suppressed zeros are fixed
    # can move both ways along a null-space direction that touches only positive cells.
    doubtful = which & mask & determined(values.shape, mask & (values > 0))
    if not doubtful.any():
        return out
    hidden = [tuple(i) for i in np.argwhere(mask)]
    col = {c: j for j, c in enumerate(hidden)}
    a_eq, b_eq = _equations(values, mask, col)
    for cell in (tuple(i) for i in np.argwhere(doubtful)):
        c = np.zeros(len(hidden))
        c[col[cell]] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lo.status == 0 and hi.status == 0 and (-hi.fun) - lo.fun < 1 - 1e-6:
            out[cell] = True
    return out


def _equations(values: np.ndarray, mask: np.ndarray, col: dict) -> tuple[np.ndarray, np.ndarray]:
    """Line equations over the suppressed cells: sum(inner) - total = 0, published parts moved
    to the right-hand side."""
    rows, rhs = [], []
    for line in lines(values.shape):
        coef, known = np.zeros(len(col)), 0.0
        for pos, cell in enumerate(line):
            sign = -1.0 if pos == len(line) - 1 else 1.0
            if cell in col:
                coef[col[cell]] = sign
            else:
                known += sign * values[cell]
        if coef.any():
            rows.append(coef)
            rhs.append(-known)
    return np.array(rows).reshape(-1, len(col)), np.array(rhs)


def _suppress_one(values: np.ndarray, mask: np.ndarray, candidates: np.ndarray,
                  line: list[tuple[int, ...]]) -> bool:
    """Suppress the cheapest free cell of the line: smallest non-zero count, zeros last
    (a zero complement narrows the range of its partner to [0, its total])."""
    free = [c for c in line if not mask[c] and candidates[c]]
    if not free:
        return False
    best = min(free, key=lambda c: (values[c] == 0, values[c]))
    mask[best] = True
    return True
