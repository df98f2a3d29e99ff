"""The bundled sample warehouse, built once per test run for every pytest-xdist worker.

The build (write the station files, load them: about a minute on 2 cores) runs in a process
of its own, started as soon as a session holds a test that needs it, so that it overlaps with
the tests that do not; each worker waits for its result on first use. `python -m
tests.shared_sample DIR` is that process: it leaves DIR/warehouse.duckdb, DIR/files/ and the
load's report (with the build's seconds) pickled in DIR/report.pickle, or DIR/failed.txt.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTED, DONE, FAILED, LOG = "started", "report.pickle", "failed.txt", "build.log"


def start(run_dir: Path) -> subprocess.Popen | None:
    """Start the build in `run_dir` (shared by the run's workers) unless it has been started;
    returns the process if this call started it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: of several workers asking at once, exactly one starts it
        os.close(os.open(run_dir / STARTED, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    with open(run_dir / LOG, "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "tests.shared_sample", str(run_dir)],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def result(run_dir: Path, timeout: float = 540) -> tuple[object, float]:
    """(load report, CPU seconds the build took), once the build in `run_dir` has finished (the
    timeout is under pytest.ini's 600 s per test, so this message is the one shown)."""
    waited(run_dir / DONE, run_dir / FAILED, timeout,
           failed_says="the sample build failed", late=f"no sample build (see {run_dir / LOG})")
    return pickle.loads((run_dir / DONE).read_bytes())


def waited(done: Path, failed: Path, timeout: float, *, failed_says: str = "", late: str = ""
           ) -> None:
    """Wait until another process has written `done` (whole: it renames it into place);
    RuntimeError with `failed`'s text if it writes that instead, TimeoutError after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not done.exists():
        if failed.exists():
            raise RuntimeError(f"{failed_says}:\n{failed.read_text()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{late} after {timeout:.0f} s")
        time.sleep(0.2)


def main(run_dir: Path) -> None:
    try:
        from sample.build import build

        # CPU seconds of this process (every thread), not wall time: the build shares the
        # cores with the workers' other modules, so its wall time says more about them.
        t0 = time.process_time()
        report = build(run_dir / "warehouse.duckdb", run_dir / "files")
        seconds = time.process_time() - t0
        part = run_dir / f"{DONE}.part"
        part.write_bytes(pickle.dumps((report, seconds)))
        os.replace(part, run_dir / DONE)  # whole or absent for the waiting workers
    except BaseException:
        (run_dir / FAILED).write_text(traceback.format_exc(), encoding="utf-8")
        raise


if __name__ == "__main__":
    main(Path(sys.argv[1]))
