"""A warehouse as a federation's is before its rosters come: the sample's scope and its
help stations registered (a 帮扶站点名录 file loaded), made once and copied per test."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from etl import load, warehouse
from sample import regions as sample_regions

_MADE: list[Path] = []


def registered(db: Path) -> Path:
    """`db` (if it does not exist yet) as a copy of the registered warehouse; returns it."""
    db = Path(db)
    if db.exists():
        return db
    if not _MADE:
        where = Path(tempfile.mkdtemp(prefix="registered-"))
        atexit.register(shutil.rmtree, where, ignore_errors=True)  # each run left one per worker
        made = where / "registered.duckdb"
        warehouse.init(made, sample_regions.SCOPE)
        report = load.load_files([sample_regions.write_registry(where)], made,
                                 rejects_dir=where / "rejects")
        assert report.exit_code == 0, [f.line for f in report.files]
        _MADE.append(made)
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MADE[0], db)
    return db
