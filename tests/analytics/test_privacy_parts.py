"""Rates, averages and amounts in a researcher's chart exports are published from the same
perturbed counts as the counts' own tables (analytics/disclosure_parts.py).

Before, a table of amounts or of rates alone was published as computed, and gave the counts
back: relief amount ÷ amount per person was the number of persons relieved in 1,685 of 1,685
of the sample's 2012 station- to county-months (364 of them withheld in the persons' own
table), and coverage beside the published number on file left one whole number of persons
within ±3 in 492 of 492 months. The tables are made as the download buttons make them: the
page's cached view, then `ui.downloads.release` with the view's parts.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analytics.filters import Filters
from analytics.privacy import SUPPRESSED_COLUMN
from ui import charts, data, sections
from ui.downloads import release

# Counties and towns of the sample with small monthly counts (many withheld), and a city.
REGIONS = ["150702", "150702000", "150702003000", "150402", "150400"]


@pytest.fixture(scope="module", autouse=True)
def _on_sample(on_sample):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNION_DASH_CELL_KEY", "parts-test")
        yield


def _trend(codes: list[str], region: str, role: str = "researcher"
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the view's exact table, what `role` downloads), 2012 by month."""
    f = Filters(region=region, start=date(2012, 1, 1), end=date(2012, 12, 1), granularity="month")
    g = sections.chart_view(f, codes)
    token = data.version().token
    _, table = sections._trend_view(tuple(codes), g, "zh", "t", False, token)
    provenance = charts.provenance("t", codes, g, "zh")
    got = release(table, provenance, role=role,
                  parts=lambda: data.trend_parts(tuple(codes), g, token))
    return table, got.table


def _published(codes: list[str], region: str) -> pl.DataFrame:
    """Each code's exact and published value by month, each from its own download."""
    out = None
    for code in codes:
        exact, got = _trend([code], region)
        both = exact.select("period", pl.col(code).alias(f"{code}_true")).join(
            got.select("period", code, pl.col(SUPPRESSED_COLUMN).alias(f"{code}_withheld")),
            on="period")
        out = both if out is None else out.join(both, on="period")
    return out


def test_amount_divided_by_the_average_gives_the_published_count_only():
    changed = 0
    for region in REGIONS:
        t = _published(["relieved", "relief_amount", "amount_per_person"], region)
        for row in t.iter_rows(named=True):
            n = row["relieved_true"]
            if not n:
                continue
            # a month withheld in the persons' table is withheld in the others too
            assert row["relieved_withheld"] == row["relief_amount_withheld"] \
                == row["amount_per_person_withheld"], row
            if row["relieved_withheld"]:
                assert row["relief_amount"] is None and row["amount_per_person"] is None
                continue
            assert row["amount_per_person"] == pytest.approx(row["amount_per_person_true"])
            got = row["relief_amount"] / row["amount_per_person"]
            assert got == pytest.approx(row["relieved"], abs=0.01), row
            changed += round(row["relieved"]) != n
    assert changed > 10  # months where the published count is not the truth: none given back


def test_a_rate_is_the_ratio_of_its_published_counts():
    months = 0
    for region in REGIONS:
        t = _published(["relieved", "registered", "coverage"], region)
        for row in t.iter_rows(named=True):
            if row["coverage_true"] in (None, 0):
                continue
            withheld = row["relieved_withheld"] or row["registered_withheld"]
            assert row["coverage_withheld"] == withheld, row
            if withheld:
                assert row["coverage"] is None
                continue
            assert row["coverage"] == pytest.approx(row["relieved"] / row["registered"]), row
            months += 1
    assert months > 20


def test_a_rate_without_count_indicators_is_perturbed_and_withheld_with_its_counts():
    """Completion counts enrolments, which no indicator publishes alone: still perturbed."""
    moved = withheld = 0
    for region in ("451003", "150424", "150422", "150402"):
        exact, got = _trend(["training_completion"], region)
        pairs = zip(exact["training_completion"], got["training_completion"],
                    got[SUPPRESSED_COLUMN], strict=True)
        for true, published, small in pairs:
            if true in (None, 0):
                continue
            withheld += small
            moved += not small and published != pytest.approx(true)
            assert published is None if small else 0 <= published
    assert moved and withheld


def test_staff_download_the_exact_table():
    exact, got = _trend(["relief_amount", "amount_per_person"], "150702", role="staff")
    assert got.equals(exact)
