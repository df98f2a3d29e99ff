"""The petitions register's 调处层级 as district-level deployments write it, and the petitions
page's funnel heading, which names no level of its own (the chart's stages do)."""

from __future__ import annotations

import pytest

from core.messages import render
from etl import mappings


@pytest.mark.parametrize("written", ["县级", "旗县级", "区级", "区级调解", "县区级", "县（市、区）级"])
def test_a_county_or_district_level_is_the_county_stage(written):
    spellings = mappings.value_synonyms("mediation_level")
    assert spellings[mappings.normalise_value(written)] == "county"


def test_the_funnel_heading_names_no_level():
    assert "县级" not in render("app.funnel_section", "zh")
    assert "county" not in render("app.funnel_section", "en")
