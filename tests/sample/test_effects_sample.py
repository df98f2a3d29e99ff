"""On the bundled sample: every planted effect's true size lies in the 95% interval of the
analysis the page runs by default, and the planted null effect is not found.

The truths come from ground_truth.json written by the sample generator.
"""

from __future__ import annotations

import json
import time

import polars as pl
import pytest

from analytics import reference
from analytics.effects import data as effect_data
from analytics.effects import sentence, suggest_design
from analytics.effects.run import analyse


@pytest.fixture(scope="module")
def truth(sample_build) -> dict[str, dict]:
    """ground_truth.json's planted effects, keyed by the outcome they act on."""
    _, sample_dir, _ = sample_build
    effects = json.loads((sample_dir / "ground_truth.json").read_text("utf-8"))["effects"]
    return {e["outcome"]["table"] + ":" + e["outcome"]["filter"]: e for e in effects}


def _design_and_panel(name_en: str, outcome: str, cuts: dict | None = None):
    rows = effect_data.interventions()
    groups = effect_data.intervention_groups(rows)
    group = groups.filter(pl.col("name_en") == name_en)["group"].item()
    design = suggest_design(effect_data.scopes_of(rows, group), reference.regions())
    out = effect_data.outcomes()[outcome]
    panel = effect_data.county_month_panel(out, [*design.treated, *design.comparison], cuts=cuts)
    return design, out, panel


def _effect(truth: dict, key: str) -> float:
    return truth[key]["effect"]["value"]


def test_finance_policy_did_recovers_planted_rate_ratio(on_sample, truth):
    planted = truth["relief:relief_type IN ('living','medical','education')"]
    design, outcome, panel = _design_and_panel(
        "Inner Mongolia opinion No. 30 (2010) supporting union hardship relief", "relief_count",
        {"relief_type": ["living", "medical", "education"]})
    assert design.method == planted["design"] == "did"
    assert set(design.treated) == set(planted["treated_region_codes"])
    assert set(design.comparison) == set(planted["control_region_codes"])
    result = analyse("did", outcome, panel, design.starts, design.comparison).result
    assert result.scale == "ratio"
    assert result.ci_low < planted["effect"]["value"] < result.ci_high
    assert result.diagnostics.n_clusters == 32


def test_voter_reception_event_study_recovers_planted_rate_ratio(on_sample, truth):
    planted = truth["petitions:skip_level = TRUE"]
    design, outcome, panel = _design_and_panel("NPC deputies' voter reception days", "skip_level")
    assert design.method == planted["design"] == "event_study"
    assert set(design.treated) == set(planted["treated_region_codes"])
    assert set(design.comparison) == set(planted["never_treated_region_codes"])
    assert {c: str(d) for c, d in design.starts.items()} == planted["start_on"]
    started = time.perf_counter()
    analysis = analyse("event_study", outcome, panel, design.starts, design.comparison)
    elapsed = time.perf_counter() - started
    result = analysis.result
    assert result.ci_low < planted["effect"]["value"] < result.ci_high
    assert "pretrend_rejected" not in result.warnings
    assert analysis.placebo is not None and analysis.placebo.ci_low < 1 < analysis.placebo.ci_high
    assert elapsed < 20  # estimate and placebo, 32 counties × 240 months, Poisson


def test_partner_hospital_its_interval_contains_planted_ratio(on_sample, truth):
    planted = truth["medical_benefits:county_code = '150702' (all kinds)"]
    design, outcome, panel = _design_and_panel(
        "Partner hospital discounts for hardship workers", "medical_benefits")
    assert design.method == planted["design"] == "its"
    assert design.treated == tuple(planted["treated_region_codes"])
    analysis = analyse("its", outcome, panel, design.starts, design.comparison)
    result = analysis.result
    assert result.scale == "ratio"
    assert result.ci_low < planted["effect"]["value"] < result.ci_high
    # the series starts with the pharmacy cards (2006-03), not with zeros before them
    assert str(analysis.data["month"].min()) == "2006-03-01"


def test_income_tax_null_effect_is_not_found(on_sample, truth):
    planted = truth["relief:relief_type = 'temporary'"]
    assert planted["null"] is True
    design, outcome, panel = _design_and_panel(
        "Income-tax threshold 2,000 → 3,500 yuan/month, 9 → 7 brackets", "relief_count",
        {"relief_type": ["temporary"]})
    assert design.method == planted["design"] == "its" and len(design.treated) == 32
    result = analyse("its", outcome, panel, design.starts).result
    assert result.ci_low < 1.0 < result.ci_high and not result.significant
    assert "未见明显变化" in sentence(result, "临时救助人次", per="每月")


def test_panel_is_complete_and_bound(on_sample):
    out = effect_data.outcomes()["skip_level"]
    panel = effect_data.county_month_panel(out, ["150702", "451030"])
    assert panel.group_by("region_code").len()["len"].to_list() == [240, 240]
    # a code that is not a county selects nothing rather than everything
    assert effect_data.county_month_panel(out, ["150702' OR '1'='1"]).is_empty()
