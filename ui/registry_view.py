"""The upload page's station registry: blank templates, registering a file's unknown
stations in one step (staff confirm each), and editing the registry. Every change is a
帮扶站点名录 file loaded through `etl.load.load_bytes`, so it has a batch, lineage and the
same checks as a file sent by a station."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from analytics import reference, vocabulary
from analytics.filters import COUNTRY
from core.messages import pick
from ui.etl_actions import LoadReport, mappings, templates

_UNKNOWN = re.compile(r"^未知的帮扶站点")
REGISTRY_FILE = "帮扶站点名录_看板登记.csv"
_HEADERS = {"station_code": "站点代码", "name_zh": "站点名称", "county_zh": "",
            "township_zh": "所属乡镇街道", "established_on": "成立日期", "closed_on": "撤销日期"}


def headers() -> dict[str, str]:
    """The registry's column headers, the county's in the deployment's words (所属区（市）县)."""
    return {**_HEADERS, "county_zh": vocabulary.words().county_header}


def editor_columns(counties: dict[str, str]) -> dict[str, object]:
    """The registry editor's columns: its headers, the county a choice of `counties`, and
    the dates as dates (2012-03-03, as the registry file writes them), not the timestamps
    ("2012-03-03 00:00:00") a Polars date becomes in pandas."""
    names = headers()
    dates = {c: st.column_config.DateColumn(names[c], format="YYYY-MM-DD")
             for c in ("established_on", "closed_on")}
    return {**names, **dates, "county_zh": st.column_config.SelectboxColumn(
        names["county_zh"], options=list(counties.values()))}


def county_word(lang: str) -> str:
    """所属区（市）县 / "district, city or county": the registry's county in the deployment's
    words, for the page's help texts."""
    words = vocabulary.words()
    return pick((words.county_header, words.level("county", "en").lower()), lang)


def template_choices(stations: pl.DataFrame, counties: dict[str, str]) -> dict[str, list[str]]:
    """Drop-down values of a template: this deployment's stations and counties; a column of
    any region (目标任务表's 地区, an intervention's scope) offers the cities and provinces
    above them too."""
    names = list(counties.values())
    return {"station": stations["name_zh"].to_list(), "county": names,
            "region": region_choices(counties) + names}


def region_choices(counties: dict[str, str]) -> list[str]:
    """Names of the regions above `counties` (the user's) that lie wholly among them, within
    the deployment: a city federation's own city, not the province around it; no country."""
    regions = reference.regions()
    parents, top = reference.parent_codes(), reference.root_region()
    inside = set(reference.scope_codes(top)) - {COUNTRY}
    under: dict[str, set[str]] = {}
    for code in regions.filter(pl.col("level") == "county")["region_code"]:
        parent = parents.get(code)
        while parent in inside:
            under.setdefault(parent, set()).add(code)
            parent = parents.get(parent)
    whole = {code for code, below in under.items() if below <= counties.keys()}
    return regions.filter(pl.col("region_code").is_in(sorted(whole)))["name_zh"].to_list()


def kind_names(lang: str) -> dict[str, str]:
    """Kind → its name in the language, for the template picker."""
    return {k: pick((v.name_zh, v.name_en), lang) for k, v in mappings.kinds().items()}


template_name = templates.template_name


def template(kind: str, stations: pl.DataFrame, counties: dict[str, str], lang: str) -> bytes:
    return templates.template_bytes(kind, template_choices(stations, counties), lang,
                                    vocabulary.words())


def unknown_stations(report: LoadReport | None, counties: dict[str, str]) -> pl.DataFrame:
    """Station names the report rejected as unknown, with a county guessed from the name's
    start (海拉尔区XX街道帮扶站 → 海拉尔区), else the only county there is (a county's own
    staff: its stations are its own), for staff to confirm or change."""
    if report is None or report.rejects.is_empty():
        return pl.DataFrame(schema={"name_zh": pl.String, "county_zh": pl.String})
    names = (report.rejects.filter(pl.col("reason_zh").str.contains(_UNKNOWN.pattern))
             ["value"].drop_nulls().str.strip_chars().unique(maintain_order=True).to_list())
    only = next(iter(counties.values())) if len(counties) == 1 else None
    guess = [next((c for c in counties.values() if n.startswith(c)), only) for n in names]
    return pl.DataFrame({"name_zh": names, "county_zh": guess},
                        schema={"name_zh": pl.String, "county_zh": pl.String})


def registry_csv(rows: pl.DataFrame) -> bytes:
    """Rows (the `headers()` columns, any subset) as a registry file; rows without a name or
    a county are left out (the editor's empty new rows)."""
    names = headers()
    keep = [c for c in names if c in rows.columns]
    rows = rows.select(keep).filter(pl.col("name_zh").is_not_null()
                                    & pl.col("county_zh").is_not_null())
    return rows.rename({c: names[c] for c in keep}).write_csv().encode("utf-8-sig")
