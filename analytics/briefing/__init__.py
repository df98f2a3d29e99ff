"""Word briefings (汇报材料) for a region and period: numbers from the indicator catalogue,
sentences in the documents' style, charts rendered through analytics.export.

    from analytics.briefing import build_briefing
    docx_bytes = build_briefing("150702", "2012").docx

Command line: ``python -m analytics.briefing --region 150702 --period 2012 --out b.docx``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from analytics.briefing.charts import build_charts
from analytics.briefing.content import BriefingData, gather, region_row
from analytics.briefing.document import problem_paragraphs, write_docx
from analytics.briefing.period import Period, parse_period
from analytics.briefing.text import paragraphs
from analytics.export import warm_up
from analytics.filters import COUNTRY

__all__ = ["Briefing", "BriefingData", "Period", "build_briefing", "parse_period", "to_pdf"]


@dataclass(frozen=True)
class Briefing:
    data: BriefingData
    paragraphs: list[tuple[str, str]]
    chart_titles: list[str]
    docx: bytes
    seconds: dict[str, float] = field(default_factory=dict)  # time per step
    problems: list[str] = field(default_factory=list)  # the sentences of 存在的问题


def build_briefing(region: str, period: str | Period, *, lang: str = "zh",
                   scope: str = COUNTRY) -> Briefing:
    """Gather, draft, chart and write a briefing of `region` (within the user's `scope`);
    `seconds` says how long each step took."""
    p = parse_period(period) if isinstance(period, str) else period
    clock = {"start": time.perf_counter()}
    region_row(region, scope)  # an unknown region is refused before Chromium starts
    warm_up()  # Chromium starts while the queries run
    data = gather(region, p, scope)
    clock["query"] = time.perf_counter()
    drafted = paragraphs(data, lang)
    charts = build_charts(data, lang)
    clock["draft"] = time.perf_counter()
    docx = write_docx(data, drafted, charts, lang=lang)
    clock["docx"] = time.perf_counter()
    steps = list(clock)
    seconds = {s: clock[s] - clock[prev] for prev, s in zip(steps, steps[1:], strict=False)}
    seconds["total"] = clock["docx"] - clock["start"]
    return Briefing(data, drafted, [c.title for c in charts], docx, seconds,
                    problem_paragraphs(data, lang))


def soffice() -> str | None:
    """The LibreOffice command, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


FONTS_CONF = Path(__file__).with_name("fonts.conf")


def to_pdf(docx: bytes, *, timeout: float = 120) -> bytes:
    """PDF of a .docx through LibreOffice (`soffice --headless --convert-to pdf`), with free
    stand-ins for the official fonts the document names where the machine lacks them
    (fonts.conf, for this LibreOffice only)."""
    cmd = soffice()
    if cmd is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: "
                           "apt-get install --no-install-recommends libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "briefing.docx"
        src.write_bytes(docx)
        # A private profile: a second soffice would otherwise wait on the user's profile lock.
        subprocess.run([cmd, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=timeout,
                       env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)})
        return (Path(tmp) / "briefing.pdf").read_bytes()
