"""Figure and data exports that carry their provenance.

Every export says what it shows: the indicator definitions, the filters, the data version and
the time it was made. Where that goes depends on the format:

* PNG / SVG: a caption line under the plot (a Plotly annotation added before rendering);
* CSV and XLSX: text that a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``, tab, CR
  first) is written with a leading single quote, and XLSX never turns a string into a
  formula (core/cells.py); Parquet stays typed and literal;
* CSV: a header block of ``#,key,value`` rows before the table, in UTF-8 with a BOM. Excel
  opens it as one sheet whose first rows are the provenance (``#`` | key | value, commas in
  values quoted), and ``pl.read_csv(..., comment_prefix="#")`` or
  ``pandas.read_csv(..., comment="#")`` skip the block;
* XLSX: the data on sheet ``data`` and the provenance on sheet ``provenance``;
* Parquet: key-value metadata in the Arrow schema (``provenance.*`` keys, plus the whole record
  as JSON under ``provenance``).

Figures are rendered by Kaleido with the system Chromium. Starting Chromium costs seconds, so one
Kaleido server is started per process on first use and every later export reuses it.
"""

from __future__ import annotations

import atexit
import copy
import csv
import io
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import plotly.graph_objects as go
import polars as pl
import pyarrow.parquet as pq

from core.cells import WORKBOOK_OPTIONS, neutral, neutral_frame
from core.messages import has, pick, register, render

SAMPLE_NOTE = "示例数据 sample data"
CAPTION_FONT_SIZE = 10
_CAPTION_ZH = ("指标：", "筛选：", "数据版本：", "生成：")
_CAPTION_EN = ("Indicators: ", "Filters: ", "Data version: ", "Generated: ")


# The filters' words in a figure's caption (the data files keep the keys, for machines).
register("export.filter", {
    "region": ("地区", "Region"), "period": ("期间", "Period"),
    "granularity": ("时间粒度", "Granularity"), "fund_source": ("资金来源", "Fund source"),
    "category": ("困难类别", "Hardship category"),
})
register("export.granularity", {"month": ("月", "month"), "quarter": ("季度", "quarter"),
                                "year": ("年", "year")})


def _filter_words(key: str, value: str, lang: str) -> str:
    """`key=value` as a caption says it: 时间粒度=月, not granularity=month."""
    name = render(f"export.filter.{key}", lang) if has(f"export.filter.{key}") else key
    if key == "granularity" and has(f"export.granularity.{value}"):
        value = render(f"export.granularity.{value}", lang)
    return f"{name}={value}"


@dataclass(frozen=True)
class Provenance:
    """What an export shows and where it comes from."""

    title: str
    indicators: list[dict] = field(default_factory=list)  # code, name_zh, name_en, unit, definition
    filters: dict[str, str] = field(default_factory=dict)
    data_version: str = ""  # as a person says it: DataVersion.describe(lang)
    generated_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    lang: str = "zh"  # language of the caption under figures
    sample: bool = False  # the bundled sample: every export then says 示例数据

    def records(self) -> list[tuple[str, str]]:
        """The provenance as ordered (key, value) pairs, one per fact."""
        rows = [("title", self.title)]
        for ind in self.indicators:
            code = ind.get("code", "")
            name = " / ".join(v for v in (ind.get("name_zh"), ind.get("name_en")) if v)
            unit = ind.get("unit", "")
            rows.append((f"indicator.{code}", f"{name} [{unit}]" if unit else name))
            if ind.get("definition"):
                rows.append((f"indicator.{code}.definition", str(ind["definition"])))
        rows += [(f"filter.{k}", str(v)) for k, v in self.filters.items()]
        rows += [
            ("data_version", self.data_version),
            ("generated_at", self.generated_at.isoformat(timespec="seconds")),
        ]
        return rows + ([("note", SAMPLE_NOTE)] if self.sample else [])

    def as_dict(self) -> dict:
        """JSON-ready form (used in Parquet metadata)."""
        return {
            "title": self.title,
            "indicators": self.indicators,
            "filters": self.filters,
            "data_version": self.data_version,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }

    def caption(self) -> str:
        """Caption for under a chart: indicators and filters, then data version and time.

        Two lines (joined by ``<br>``, Plotly's line break) when one would be too long.
        """
        lang = self.lang
        names = pick(("、", "; "), lang).join(
            i.get(pick(("name_zh", "name_en"), lang)) or i.get("code", "") for i in self.indicators)
        filters = pick(("，", ", "), lang).join(_filter_words(k, str(v), lang)
                                                for k, v in self.filters.items())
        words = pick((_CAPTION_ZH, _CAPTION_EN), lang)
        what = [words[0] + names if names else "", words[1] + filters if filters else ""]
        when = [
            words[2] + self.data_version if self.data_version else "",
            f"{words[3]}{self.generated_at:%Y-%m-%d %H:%M}",
            SAMPLE_NOTE if self.sample else "",
        ]
        first, second = (" | ".join(p for p in part if p) for part in (what, when))
        sep = "<br>" if len(first) + len(second) > 70 else " | "
        return sep.join(p for p in (first, second) if p)


# ---------------------------------------------------------------- figures

_kaleido_lock = threading.Lock()


def warm_up() -> threading.Thread:
    """Start Chromium and render a blank figure in the background (while queries run), so the
    first real export does not wait the ~3 s a browser takes to start."""
    def run() -> None:
        try:
            _render({"data": [], "layout": {}}, "png", 1, 20, 20)
        except RenderError:
            pass  # the export that needs the browser reports it

    thread = threading.Thread(target=run, daemon=True, name=WARM_UP)
    thread.start()
    return thread


WARM_UP = "kaleido-warm-up"  # the thread's name: a command line waits for it before it exits


def close_renderer(timeout: float = 60) -> None:
    """Wait for a warm-up still starting Chromium, then stop Kaleido's server. A command
    line calls this before it exits: left to the interpreter's exit, Kaleido's temporary
    folder was removed while Chromium was still opening it, and a traceback was printed."""

    for thread in threading.enumerate():
        if thread.name == WARM_UP:
            thread.join(timeout)
    with _kaleido_lock:
        _stop_server()


STOP_TIMEOUT_S = 10.0


def _stop_server() -> None:
    """Ask Kaleido's server to close Chromium, waiting at most STOP_TIMEOUT_S. Kaleido's own
    stop (also its exit hook) waits for ever, and its thread sometimes never returns once
    Chromium has gone (seen in a test run: a finished command line hung at exit for minutes);
    the thread is a daemon, so the process can leave without it."""
    import kaleido

    server = kaleido._global_server
    if not server.is_running():
        return
    server._task_queue.put(None)
    server._thread.join(STOP_TIMEOUT_S)
    _forget_server()  # Kaleido's exit hook then has nothing to stop


def _ensure_kaleido_server() -> None:
    """Start one Kaleido/Chromium server per process (later exports take ~0.2 s, not ~3 s)."""
    import kaleido

    if not kaleido._global_server.is_running():  # no public "is running" yet
        kaleido.start_sync_server(silence_warnings=True)
        # registered after Kaleido's own hook, so it runs before it (exit hooks run last first)
        atexit.register(_stop_server)


def captioned(fig: go.Figure | dict, provenance: Provenance) -> dict:
    """The figure as a dict with the provenance caption added below the plot.

    Works on the dict so the figure is not validated again (that costs ~0.2 s a chart).
    """
    out = copy.deepcopy(fig if isinstance(fig, dict) else fig.to_dict())
    layout = out.setdefault("layout", {})
    caption = provenance.caption()
    lines = caption.count("<br>") + 1
    # Room under the plot for tick labels and an axis title (at least 70 px), then the caption;
    # a legend placed below the plot moves above it, where the caption cannot cover it.
    margin = dict(layout.get("margin") or {})
    room = max(margin.get("b") or 0, 70)
    margin["b"] = room + 16 * lines + 8
    layout["margin"] = margin
    legend = dict(layout.get("legend") or {})
    if (legend.get("y") or 0) < 0:
        layout["legend"] = {**legend, "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"}
    layout["annotations"] = [*layout.get("annotations", ()), {
        "text": caption, "xref": "paper", "yref": "paper", "x": 0, "y": 0,
        "xanchor": "left", "yanchor": "top", "yshift": -(room + 2),
        "showarrow": False, "align": "left",
        "font": {"size": CAPTION_FONT_SIZE, "color": "#555"},
    }]
    title = layout.get("title") or {}
    if not (title.get("text") if isinstance(title, dict) else title):
        layout["title"] = {"text": provenance.title}
    return out


def with_caption(fig: go.Figure, provenance: Provenance) -> go.Figure:
    """A copy of `fig` with the provenance caption as an annotation below the plot."""
    return go.Figure(captioned(fig, provenance))


class RenderError(RuntimeError):
    """A figure could not be rendered (no Chromium, or the browser stopped answering)."""


RENDER_TIMEOUT_S = 60.0
RENDER_ATTEMPTS = 3


def _render(fig: dict, fmt: str, scale: float, width: int, height: int) -> bytes:
    opts = {"format": fmt, "scale": scale, "width": width, "height": height}
    for _ in range(RENDER_ATTEMPTS - 1):
        try:
            return _render_once(fig, opts)
        except Exception as exc:
            # On a busy machine Kaleido 1.5 can run the figure in its tab before the tab's
            # script has loaded (seen in CI); the tab is reloaded when handed back, so retry.
            if "kaleido_scopes is not defined" not in str(exc):
                raise
    return _render_once(fig, opts)


def _render_once(fig: dict, opts: dict) -> bytes:
    import kaleido

    with _kaleido_lock:  # the sync server pairs one request with one reply: no overlap
        _ensure_kaleido_server()
        box: queue.Queue = queue.Queue(maxsize=1)

        def call() -> None:
            try:
                box.put((True, kaleido.calc_fig_sync(fig, opts=opts)))
            except Exception as exc:  # noqa: BLE001 - handed to the caller below
                box.put((False, exc))

        # Kaleido's sync call waits for ever when its server thread has died (e.g. Chromium
        # not found at start-up): wait here instead, watching that thread and the clock.
        threading.Thread(target=call, daemon=True).start()
        deadline = time.monotonic() + RENDER_TIMEOUT_S
        while True:
            try:
                ok, value = box.get(timeout=0.01)
                break
            except queue.Empty:
                if not _server_alive() or time.monotonic() > deadline:
                    _forget_server()
                    raise RenderError(
                        "figure export failed: Chromium did not start or stopped answering "
                        "(install chromium, or set BROWSER_PATH)") from None
    if not ok:
        raise value
    return value


def _server_alive() -> bool:
    import kaleido

    thread = getattr(kaleido._global_server, "_thread", None)
    return thread is not None and thread.is_alive()


def _forget_server() -> None:
    """Let the next export start a new server (the old one's thread is dead or stuck)."""
    import kaleido

    kaleido._global_server._initialized = False


def figure_png(
    fig: go.Figure, provenance: Provenance, *, scale: float = 3, width: int = 900, height: int = 520
) -> bytes:
    """PNG at publication resolution (900×520 CSS px × scale 3 = 2700×1560) with a caption."""
    return _render(captioned(fig, provenance), "png", scale, width, height)


def figure_svg(
    fig: go.Figure, provenance: Provenance, *, width: int = 900, height: int = 520
) -> bytes:
    """SVG (text stays text, so Chinese is searchable) with a caption."""
    return _render(captioned(fig, provenance), "svg", 1, width, height)


# ---------------------------------------------------------------- data


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Decimals to float and nested types to strings, so every format can hold the frame."""
    casts = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif isinstance(dtype, (pl.List, pl.Struct, pl.Array, pl.Object)):
            casts.append(pl.col(name).map_elements(str, return_dtype=pl.String))
    return df.with_columns(casts) if casts else df


def data_csv(df: pl.DataFrame, provenance: Provenance) -> bytes:
    """CSV in UTF-8 with BOM, preceded by one ``#,key,value`` line per provenance fact."""
    head = io.StringIO()
    writer = csv.writer(head, lineterminator="\n")
    for key, value in provenance.records():
        writer.writerow(["#", key, neutral(_one_line(value))])
    return (head.getvalue() + neutral_frame(_plain(df)).write_csv()).encode("utf-8-sig")


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def data_xlsx(df: pl.DataFrame, provenance: Provenance) -> bytes:
    """XLSX with sheets ``data`` and ``provenance``; text stays text (core/cells.py)."""
    buf = io.BytesIO()
    meta = pl.DataFrame(provenance.records(), schema=["key", "value"], orient="row")
    import xlsxwriter

    # polars sets strings_to_formulas=False only on a workbook it makes itself
    with xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS) as wb:
        neutral_frame(_plain(df)).write_excel(wb, worksheet="data", autofit=True)
        neutral_frame(meta).write_excel(wb, worksheet="provenance", autofit=True)
    return buf.getvalue()


def data_parquet(df: pl.DataFrame, provenance: Provenance) -> bytes:
    """Parquet whose Arrow schema metadata holds the provenance."""
    table = _plain(df).to_arrow()
    meta = dict(table.schema.metadata or {})
    meta[b"provenance"] = json.dumps(provenance.as_dict(), ensure_ascii=False).encode()
    for key, value in provenance.records():
        meta[f"provenance.{key}".encode()] = str(value).encode()
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def read_parquet_provenance(data: bytes) -> dict:
    """The provenance record stored in a Parquet export (for tests and round trips)."""
    meta = pq.read_schema(io.BytesIO(data)).metadata or {}
    return json.loads(meta[b"provenance"].decode())
