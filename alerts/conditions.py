"""What fires: each condition of alerts.model.CONDITIONS evaluated for a rule on a day.

`evaluate(rule, con, as_of)` checks every unit `rule.level_depth` levels below `rule.region`
on its own and returns one Finding per unit (and period) where the condition holds. The facts
come from analytics.findings (the indicator catalogue, the station registry, 零报告, the
fund tables); nothing here writes SQL. The period a rule looks at is the last one complete on
`as_of` (the month before for monthly figures, the year before for yearly ones), unless the
rule's params name one (`"period": "month" | "quarter" | "year"` or `"2012-05"`, `"2012Q2"`,
`"2012"`): comparing a month still filling with a whole month a year ago would fire falsely.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import polars as pl

from alerts.model import CONDITIONS, Finding, Rule
from analytics import db, findings, fmt, reference, targets
from analytics.briefing.period import Period, parse_period
from analytics.filters import Filters, add_months
from analytics.indicators import INDICATORS
from core.messages import pick
from core.warehouse import DB_ENV, warehouse_path

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
# The dashboard page that shows each condition's facts (ui/pages_registry.py's URL paths;
# tests/alerts/test_alert_conditions.py holds them to the registry). "" is the first page, at the root.
PAGES = {"threshold": "", "change": "", "behind_schedule": "", "silent_station": "quality",
         "matching_arrears": "funds", "petitions_above": "petitions"}
_STEP = {"month": 1, "quarter": 3, "year": 12}


# ---------------------------------------------------------------- the warehouse read

@contextmanager
def reading(con: object) -> Iterator[None]:
    """Read the warehouse `con` names while evaluating: None (the current one,
    UNION_DASH_DB), a path, an analytics.db.Warehouse or a DuckDB connection to the file.
    analytics reads the warehouse its environment names, so another file is named there for
    the duration (a command line's one thread; the dashboard reads its own warehouse)."""
    path = _path_of(con)
    if path is None or path.resolve() == warehouse_path().resolve():
        yield
        return
    before = os.environ.get(DB_ENV)
    os.environ[DB_ENV] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DB_ENV, None)
        else:
            os.environ[DB_ENV] = before


def _path_of(con: object) -> Path | None:
    if con is None:
        return None
    if isinstance(con, str | Path):
        return Path(con)
    if isinstance(con, db.Warehouse):
        return con.path
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal "
                       "AND path IS NOT NULL").fetchall()  # a DuckDB connection
    return Path(rows[0][0]) if rows else None


# ---------------------------------------------------------------- periods

def period_of(rule: Rule, as_of: date) -> Period:
    """The period the rule looks at on `as_of` (see the module docstring)."""
    asked = str(rule.params.get("period", "") or "")
    if asked and asked not in _STEP:
        return parse_period(asked)
    ind = INDICATORS.get(rule.indicator)
    gran = asked or ("year" if ind is not None and ind.yearly else "month")
    return last_complete(gran, as_of)


def last_complete(granularity: str, as_of: date) -> Period:
    """The last month, quarter or year that ended before `as_of`."""
    start = add_months(as_of.replace(day=1), -1)
    if granularity == "quarter":
        start = add_months(date(as_of.year, (as_of.month - 1) // 3 * 3 + 1, 1), -3)
    elif granularity == "year":
        start = date(as_of.year - 1, 1, 1)
    end = add_months(start, _STEP[granularity] - 1)
    return Period(period_key(start, granularity), granularity, start, end)


def period_key(start: date, granularity: str) -> str:
    """A finding's period: '2012-05', '2012-Q2' or '2012'."""
    if granularity == "year":
        return f"{start.year}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def link(page: str, region: str, p: Period) -> str:
    """The dashboard's view of a finding: page path and the filter bar's query string
    (analytics.filters.Filters.to_query, the form ui/filters.py reads and writes)."""
    f = Filters(region=region, start=p.start, end=p.end, granularity=p.granularity)
    return f"/{page}?{urlencode(f.to_query())}"


# ---------------------------------------------------------------- evaluation

def evaluate(rule: Rule, con: object, as_of: date, lang: str = "zh") -> list[Finding]:
    """Every finding of `rule` on `as_of`: one per unit `rule.level_depth` levels below
    `rule.region` (and period) where its condition holds; [] for a disabled rule."""
    if not rule.enabled:
        return []
    if rule.condition not in CONDITIONS:
        raise ValueError(f"unknown condition {rule.condition!r}")
    with reading(con):
        return _CHECKS[rule.condition](rule, as_of, lang)


def _names(lang: str) -> dict[str, tuple[str, str]]:
    """Region code → (Chinese, English) name; the English falls back to the Chinese."""
    regions = reference.regions()
    return {c: (z, e or z) for c, z, e in regions.select("region_code", "name_zh",
                                                         "name_en").iter_rows()}


def _finding(rule: Rule, region: str, p: Period, value: float | None,
             reference_value: float | None, as_of: date, lang: str,
             names: dict[str, tuple[str, str]], params: dict) -> Finding:
    """A Finding whose params carry what its message needs in either language (names in
    both), so rendering it reads nothing from the warehouse."""
    both = names.get(region, (region, region))
    base = {"rule": rule.name, "condition": rule.condition, "indicator": rule.indicator,
            "region_names": list(both), "period_start": p.start.isoformat(),
            "granularity": p.granularity}
    return Finding(rule.rule_id, region, pick(both, lang),
                   period_key(p.start, p.granularity), rule.indicator, value,
                   reference_value, rule.condition, {**base, **params},
                   link(PAGES[rule.condition], region, p), as_of)


def _filters(rule: Rule, p: Period) -> Filters:
    return p.filters(rule.region)


def _threshold(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    op, limit = rule.params["op"], float(rule.params["value"])
    p = period_of(rule, as_of)
    df = findings.indicator_by_unit([rule.indicator], _filters(rule, p), rule.level_depth)
    names, out = _names(lang), []
    for r in df.filter(pl.col("value").is_not_null()).sort("region").iter_rows(named=True):
        if OPS[op](r["value"], limit):
            out.append(_finding(rule, r["region"], p, r["value"], limit, as_of, lang, names,
                                {"op": op, "unit": INDICATORS[rule.indicator].unit}))
    return out


def _change(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    """同比 / 环比 change in percent of the base (a rate's relative change too)."""
    op, pct, basis = rule.params["op"], float(rule.params["pct"]), rule.params["basis"]
    p = period_of(rule, as_of)
    df = findings.indicator_by_unit([rule.indicator], _filters(rule, p), rule.level_depth)
    col = "year_ago" if basis == "yoy" else "previous"
    names, out = _names(lang), []
    for r in df.sort("region").iter_rows(named=True):
        value, before = r["value"], r[col]
        if fmt.missing(value) or fmt.missing(before) or before == 0:
            continue  # no base: no change to speak of
        change = (value - before) / abs(before) * 100
        if OPS[op](change, pct):
            out.append(_finding(rule, r["region"], p, value, before, as_of, lang, names,
                                {"op": op, "pct": pct, "basis": basis, "change": change,
                                 "unit": INDICATORS[rule.indicator].unit}))
    return out


def _behind_schedule(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    """完成率 behind 序时进度 (the share of the year elapsed) by at least `pp` points, where
    targets exist (analytics.targets.progress: a region and its children, so units two or
    more levels down are read under their parents)."""
    pp, year, end = float(rule.params["pp"]), as_of.year, as_of.replace(day=1)
    asked = str(rule.params.get("period", "") or "")
    if asked and asked not in _STEP:  # one period named (2012): its year, up to its end
        named = parse_period(asked)
        year, end = named.end.year, min(named.end, end)
        if end < date(year, 1, 1):  # a year not begun on as_of
            return []
    f = Filters(region=rule.region, start=date(year, 1, 1), end=end, granularity="year")
    depth = max(rule.level_depth, 0)
    parents = findings.units(rule.region, depth - 1) if depth else [rule.region]
    frames = [targets.progress(None, replace(f, region=r), year) for r in parents]
    df = pl.concat(frames) if frames else pl.DataFrame(schema=targets.COLUMNS)
    rows = df.filter(pl.col("indicator") == rule.indicator,
                     pl.col("is_total") if depth == 0 else ~pl.col("is_total"),
                     pl.col("ahead_pp") <= -pp)
    p = Period(str(year), "year", date(year, 1, 1), date(year, 12, 1))
    names, out = _names(lang), []
    for r in rows.sort("region_code").iter_rows(named=True):
        out.append(_finding(rule, r["region_code"], p, r["actual"], r["target"], as_of, lang,
                            names, {"completion": r["completion"], "elapsed": r["elapsed_share"],
                                    "behind_pp": -r["ahead_pp"], "pp": pp,
                                    "as_of": r["as_of"].isoformat(),
                                    "unit": INDICATORS[rule.indicator].unit}))
    return out


def silent_month(day: int, as_of: date) -> date:
    """The month whose report is due by `day` of the next month and past due on `as_of`."""
    back = 1 if as_of.day >= day else 2
    return add_months(as_of.replace(day=1), -back)


def _silent_station(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    """Stations with neither relief rows nor a 零报告 for the month due by day N, grouped by
    the unit they lie in (one finding per unit and month, naming its stations)."""
    day = int(rule.params["day"])
    month = silent_month(day, as_of)
    p = Period(period_key(month, "month"), "month", month, month)
    silent = findings.silent_stations(_filters(rule, p))
    names, by_unit = _names(lang), {}
    for code in silent["station_code"].to_list():
        unit = findings.unit_of(code, rule.region, rule.level_depth)
        if unit is not None:
            by_unit.setdefault(unit, []).append(code)
    deadline = add_months(month, 1).replace(day=day)
    return [_finding(rule, unit, p, float(len(codes)), None, as_of, lang, names,
                     {"stations": codes,
                      "station_names": [list(names.get(c, (c, c))) for c in codes],
                      "deadline": deadline.isoformat(), "day": day})
            for unit, codes in sorted(by_unit.items())]


def arrears_year(by: str, as_of: date) -> tuple[int, date]:
    """The latest year whose matching funds were due by `by` (MM-DD) on or before `as_of`,
    and that day."""
    due = date.fromisoformat(f"{as_of.year}-{by}")
    if as_of < due:
        due = date.fromisoformat(f"{as_of.year - 1}-{by}")
    return due.year, due


def _matching_arrears(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    year, due = arrears_year(str(rule.params["by"]), as_of)
    p = Period(str(year), "year", date(year, 1, 1), date(year, 12, 1))
    gaps = findings.matching_arrears(_filters(rule, p), rule.level_depth)
    names, out = _names(lang), []
    fund = reference.labels("fund_source").get("local_matching", ("地方财政配套",
                                                                  "local matching fund"))
    for r in gaps.sort("region").iter_rows(named=True):
        out.append(_finding(rule, r["region"], p, r["received"], r["allocated"], as_of, lang,
                            names, {"allocated": r["allocated"], "received": r["received"],
                                    "gap": r["gap"], "deadline": due.isoformat(),
                                    "year": year, "fund": list(fund)}))
    return out


def _petitions_above(rule: Rule, as_of: date, lang: str) -> list[Finding]:
    kind, n = rule.params["kind"], int(rule.params["n"])
    p = period_of(rule, as_of)
    counts = findings.petition_counts(_filters(rule, p), rule.level_depth)
    names, out = _names(lang), []
    for r in counts.filter(pl.col(kind) > n).sort("region").iter_rows(named=True):
        out.append(_finding(rule, r["region"], p, r[kind], float(n), as_of, lang, names,
                            {"kind": kind, "n": n}))
    return out


_CHECKS: dict[str, Callable[[Rule, date, str], list[Finding]]] = {
    "threshold": _threshold, "change": _change, "behind_schedule": _behind_schedule,
    "silent_station": _silent_station, "matching_arrears": _matching_arrears,
    "petitions_above": _petitions_above}
