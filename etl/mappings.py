"""The mapping tables of etl/mappings/: file kinds, their columns with header synonyms, and
coded values with their Chinese/English labels and synonyms. Staff extend the CSVs, not code."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent / "mappings"


@dataclass(frozen=True)
class Column:
    kind: str
    name: str
    type: str  # id, text, code, date, amount, int, bool, year, station, county, region
    required: bool
    domain: str | None
    headers: tuple[str, ...]
    # Planned dates (a loan's due date, a course's end) may lie this many years ahead;
    # other dates may not be after today.
    max_future_years: int = 0


@dataclass(frozen=True)
class Kind:
    kind: str
    table_name: str
    name_zh: str
    name_en: str
    natural_key: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    with open(_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def normalise_header(text: str) -> str:
    """Header cells as typed: full-width brackets, stray spaces and line breaks vary."""
    text = str(text).replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", text)


@cache
def kinds() -> dict[str, Kind]:
    return {
        r["kind"]: Kind(r["kind"], r["table_name"], r["name_zh"], r["name_en"],
                        tuple(r["natural_key"].split("|")))
        for r in _rows("kinds.csv")
    }


@cache
def columns(kind: str) -> list[Column]:
    return [
        Column(r["kind"], r["column"], r["type"], r["required"] == "yes", r["domain"] or None,
               tuple(normalise_header(h) for h in r["headers"].split("|")),
               int(r.get("max_future_years") or 0))
        for r in _rows("columns.csv") if r["kind"] == kind
    ]


def value_rows() -> list[dict[str, str]]:
    """The rows of values.csv as staff wrote them: domain, code, label_zh, label_en, synonyms
    (`|`-separated). For the sample generator, which spells values as stations do."""
    return _rows("values.csv")


@cache
def labels() -> list[tuple[str, str, str, str]]:
    """(domain, code, label_zh, label_en) for the warehouse's labels table."""
    return [(r["domain"], r["code"], r["label_zh"], r["label_en"]) for r in _rows("values.csv")]


@cache
def value_synonyms(domain: str) -> dict[str, str]:
    """Every accepted spelling (code, labels, synonyms; case- and space-insensitive) → code."""
    out: dict[str, str] = {}
    for r in _rows("values.csv"):
        if r["domain"] != domain:
            continue
        spellings = [r["code"], r["label_zh"], r["label_en"], *r["synonyms"].split("|")]
        for s in spellings:
            if s:
                out[normalise_value(s)] = r["code"]
    return out


def normalise_value(text: str) -> str:
    return re.sub(r"[\s\"'“”‘’]", "", str(text)).lower()
