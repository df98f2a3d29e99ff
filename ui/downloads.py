"""Download buttons under a chart: the figure as PNG/SVG and its data as CSV/XLSX/Parquet.

Files are built only when a button is clicked (``data=callable``), and the click does not rerun
the page (``on_click="ignore"``). Outside the staff role the data go through disclosure control
first; when that suppresses cells, the figure (which shows the unsuppressed values) is not
offered for download. Each click is recorded in the audit log (ui/audit_trail.py): the file,
the filters, and whether disclosure control applied and how many cells it suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import export
from analytics.privacy import DEFAULT_K, DisclosureError, protect
from ui import audit_trail as trail
from ui import auth

FORMATS: dict[str, tuple[str, str]] = {  # label -> (extension, MIME type)
    "PNG": ("png", "image/png"),
    "SVG": ("svg", "image/svg+xml"),
    "CSV": ("csv", "text/csv"),
    "XLSX": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "Parquet": ("parquet", "application/vnd.apache.parquet"),
}
_HELP_PERTURBED = ("图中为精确值，不宜公开；请下载经披露控制处理的数据 · "
                   "the chart shows exact counts: download the protected data instead")
_HELP_PERSON = "个人层面数据仅限工作人员导出 · person-level data: staff only"


def file_stem(title: str) -> str:
    """A file name from a (Chinese) title: word characters kept, the rest '_'."""
    return re.sub(r"[^\w-]+", "_", title).strip("_")[:60] or "export"


@dataclass(frozen=True)
class Release:
    """The table a role may download: None for person-level rows outside the staff role."""

    table: pl.DataFrame | None
    protected: bool  # went through disclosure control
    suppressed: int = 0  # rows withheld (a published count under k)
    perturbed: int = 0  # counts published with cell-key noise
    noisy: bool = False  # it has counts, so its values are not the figure's


def release(data: pl.DataFrame, provenance: export.Provenance, *, role: str = "staff",
            k: int = DEFAULT_K, parts: Callable[[], pl.DataFrame] | None = None) -> Release:
    """What `role` may download of `data`; `parts` gives the counts and sums behind its
    indicators (analytics/disclosure_parts.py), asked for only outside the staff role."""
    if role == "staff":
        return Release(data, protected=False)
    try:
        done = protect(data, k=k, indicators=provenance.indicators, filters=provenance.filters,
                       parts=parts() if parts is not None else None)
    except DisclosureError:
        return Release(None, protected=True)
    return Release(done.table, protected=True, suppressed=done.suppressed,
                   perturbed=done.perturbed, noisy=bool(done.counts))


def export_builders(
    fig: go.Figure | None, data: pl.DataFrame, provenance: export.Provenance,
    *, role: str = "staff", k: int = DEFAULT_K,
) -> dict[str, Callable[[], bytes] | str]:
    """For each format, a function building the file, or the reason it is not offered."""
    return _builders(fig, release(data, provenance, role=role, k=k), provenance)


def _builders(fig: go.Figure | None, released: Release, provenance: export.Provenance
              ) -> dict[str, Callable[[], bytes] | str]:
    builders: dict[str, Callable[[], bytes] | str] = {}
    table = released.table
    # The figure draws the exact values: outside the staff role it is offered only for
    # tables without counts (offering it when no count happened to move would say so).
    hidden = table is None or released.noisy
    figure_reason = _HELP_PERSON if table is None else _HELP_PERTURBED
    if fig is not None:
        builders["PNG"] = figure_reason if hidden else (lambda: export.figure_png(fig, provenance))
        builders["SVG"] = figure_reason if hidden else (lambda: export.figure_svg(fig, provenance))
    for label, make in (("CSV", export.data_csv), ("XLSX", export.data_xlsx),
                        ("Parquet", export.data_parquet)):
        builders[label] = _HELP_PERSON if table is None else (
            lambda make=make: make(table, provenance))
    return builders


def download_buttons(
    fig: go.Figure | None, data: pl.DataFrame, provenance: export.Provenance,
    *, key: str, role: str | None = None, k: int = DEFAULT_K,
    query: dict[str, str] | None = None,
    derive: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    action: str = "export_aggregate",
    parts: Callable[[], pl.DataFrame] | None = None,
) -> None:
    """A compact row of download buttons; files are built on click, and each click is
    recorded in the audit log with `query` (default: the filter bar's view as codes).

    `role` defaults to the signed-in user's (ui/auth/session.py): no buttons for a role without
    aggregate exports, unsuppressed data only for roles with row-level exports. `derive`
    adds columns computed from the counts AFTER disclosure control (a 完成率 from a
    protected count), so no derived column gives an exact count away. `action`: the power
    the buttons need (ui/auth/policy.py). `parts`: the counts and sums behind the table's
    indicators, so that its rates and amounts are published from perturbed counts."""
    role = role or getattr(auth.current_user(), "role", None)
    if not auth.can(role, action):
        return
    role = "staff" if auth.can(role, "export_rows") else role
    stem = file_stem(provenance.title)
    released = release(data, provenance, role=role, k=k, parts=parts)
    if derive is not None and released.table is not None:
        released = replace(released, table=derive(released.table))
    facts = export_facts(provenance, released, trail.view_filters() if query is None else query)
    button_row(_builders(fig, released, provenance), stem, facts, key=key,
               container_key=f"dl_{key}")


def row_downloads(data: pl.DataFrame, provenance: export.Provenance, *, stem: str, key: str,
                  query: dict[str, str]) -> None:
    """CSV and XLSX of flagged rows (masked IDs) for the auditor: only roles with row-level
    exports see the buttons, and the rows go out whole (no disclosure control)."""
    if not auth.can(getattr(auth.current_user(), "role", None), "export_rows"):
        return
    facts = {"title": provenance.title, "filters": query, "rows": data.height,
             "disclosure_control": False}
    builders = {label: (lambda make=make: make(data, provenance))
                for label, make in (("CSV", export.data_csv), ("XLSX", export.data_xlsx))}
    button_row(builders, stem, facts, key=key)


def button_row(builders: dict[str, Callable[[], bytes] | str], stem: str, facts: dict, *,
               key: str, container_key: str | None = None) -> None:
    """One tertiary button per format; a format whose builder is a reason (text) is shown
    disabled with the reason as its help. Each click is recorded with `facts` and the format."""
    with st.container(horizontal=True, gap="small", key=container_key):
        for label, build in builders.items():
            ext, mime = FORMATS[label]
            offered = callable(build)
            name = f"{stem}.{ext}"
            st.download_button(
                label, data=trail.recorded(build, object=name, details={**facts, "format": ext})
                if offered else b"", file_name=name, mime=mime,
                key=f"{key}_{ext}", on_click="ignore", icon=":material/download:",
                type="tertiary", disabled=not offered, help=None if offered else build,
            )


def export_facts(provenance: export.Provenance, released: Release,
                 query: dict[str, str]) -> dict:
    """What the audit log keeps of an export: title, indicators, filters, disclosure control."""
    return {"title": provenance.title,
            "indicators": [i.get("code") for i in provenance.indicators], "filters": query,
            "rows": None if released.table is None else released.table.height,
            "disclosure_control": released.protected, "suppressed_cells": released.suppressed,
            "perturbed_cells": released.perturbed}
