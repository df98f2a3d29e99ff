"""The bundled sample: deterministic station files calibrated to the source documents.

`write_sample` writes the station exports (CSV in UTF-8, UTF-8 with BOM and GB18030, and
Excel workbooks) and `ground_truth.json` (the documents' facts as generated, the planted
effects with their true sizes, the planted data problems and the rows the loader must
reject). `build` turns them into a warehouse; `generate` writes N times the volume for
benchmarks. Every table of the warehouse gets rows through some file kind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from sample import declarations, regions, targets
from sample.design import HAILAR, county_params
from sample.funds import allocations
from sample.interventions import interventions
from sample.medical import benefits, cards
from sample.memory import give_back
from sample.output import write_all
from sample.people import People
from sample.problems import plant
from sample.programs import hailar_loan_files, loans, pending_placement, placements, training
from sample.regions import COUNTIES
from sample.register import register
from sample.relief import cap_yearly, county_relief
from sample.rights import npc_activities, petitions, union_coverage
from sample.truth import ground_truth

DEFAULT_SEED = 20120504  # the date of the Bairin Left report
# the relief rows' text columns of codes, held as categories (a few values each): half the
# rows' memory, which is most of a large scale's (--scale 52: 6.64 -> 4.18 GB at the peak)
CODES = ["county", "station", "relief_type", "recipient_group", "fund_source", "category"]
YEARLY_CAPS = {"temporary": 5000, "medical": 10000, "education": 5000, "living": 6000}
SUBDIRS = (regions.REGISTRY_DIR, "relief", "hardship", "petition", "loan", "training", "placement",
           "fund_allocation", "union_coverage", "npc_activity", "medical", "interventions",
           "target")


def make_tables(seed: int = DEFAULT_SEED, scale: int = 1
                ) -> tuple[dict[str, pl.DataFrame], People, list[dict], dict]:
    """Canonical tables (codes, dates, person ids), the people, and the planted problems."""
    rng = np.random.default_rng(seed)
    people = People(rng)
    params = county_params(rng)
    loan_files, first_loans = hailar_loan_files(rng, people)
    files, relief = [], []
    for code in COUNTIES:
        f = register(rng, people, code, params[code], scale)
        if code == HAILAR:
            f = pl.concat([f, loan_files])
        files.append(f)
        # capped county by county (a person's rows are all in their county): the caps' sums
        # over the whole frame held twice its memory (10 GB at --scale 52)
        relief.append(cap_yearly(county_relief(rng, people, code, f, params[code], scale),
                                 YEARLY_CAPS).with_columns(pl.col(CODES).cast(pl.Categorical)))
        give_back()  # the county's intermediate arrays
    hardship = pl.concat(files)
    relief_, planted = plant(rng, pl.concat(relief), hardship, people.frame())
    give_back()
    loan = loans(rng, hardship, loan_files, first_loans, scale)
    trained = training(rng, people, hardship, params, scale)
    card = cards(rng, hardship.filter(pl.col("county") == HAILAR), 1)
    benefit = benefits(rng, card, 1)
    tables = {
        # placements come from the true outcomes, before the last months' flags turn unknown
        "relief": relief_, "hardship": hardship, "loan": loan,
        "placement": placements(rng, trained, loan), "training": pending_placement(trained),
        "medical_card": card,
        "medical_benefit": benefit.with_columns(
            gross_yuan=pl.col("gross_cents").cast(pl.Decimal(14, 2)) / 100,
            discount_yuan=pl.col("discount_cents").cast(pl.Decimal(14, 2)) / 100),
        "petition": petitions(rng, params, scale), "npc_activity": npc_activities(rng, params),
        "union_coverage": union_coverage(rng, params),
        "fund_allocation": allocations(rng, relief_), "intervention": interventions(),
    }
    return tables, people, planted, params


def write_sample(out_dir: Path, scale: int = 1, seed: int = DEFAULT_SEED,
                 workbooks: bool = True) -> list[Path]:
    """Write the station files and ground_truth.json into out_dir; return the files' paths."""
    out_dir = Path(out_dir)
    for sub in SUBDIRS:  # only what an earlier run of this function wrote
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    tables, people, planted, params = make_tables(seed, scale)
    give_back()
    written = write_all(np.random.default_rng([seed, 1]), out_dir, tables, people, workbooks)
    truth = ground_truth(tables, len(people), planted, written, params, seed, scale)
    declared = declarations.write(out_dir, tables["relief"]) if scale == 1 else []
    truth["zero_reports"] = [p.name for p in declared]
    (out_dir / "ground_truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True, default=str), encoding="utf-8")
    goals = targets.write(out_dir, tables, seed)
    # the station registry first: the rosters name its stations
    return [regions.write_registry(out_dir), *sorted(written.paths), *declared, goals]


def build(db_path: Path, out_dir: Path):
    """Write the sample into out_dir and load it into a fresh warehouse at db_path, made
    for the sample's counties (`etl.warehouse.init`) like any federation's."""
    from etl.load import load_files
    from etl.warehouse import init

    db_path = Path(db_path)
    db_path.unlink(missing_ok=True)
    paths = write_sample(Path(out_dir))
    init(db_path, regions.SCOPE, sample=True)
    return load_files(paths, db_path)


def generate(scale: int, out_dir: Path) -> list[Path]:
    """`scale` times the sample's volume, CSV only, for benchmarks (facts do not hold)."""
    return write_sample(Path(out_dir), scale=scale, workbooks=False)
