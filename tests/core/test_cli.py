"""A command whose reader stops early (`python -m etl batches | head`) ends quietly: no
BrokenPipeError traceback, exit 1 (core/cli.py)."""

from __future__ import annotations

import subprocess
import sys

from tests.served import ROOT


def _closed_early(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m args` with its standard output closed by the reader before it writes."""
    proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    return subprocess.CompletedProcess(args, proc.wait(), "", err)


def test_the_batch_list_into_a_closed_pipe_ends_quietly(sample_db):
    done = _closed_early("etl", "batches", "--db", str(sample_db))
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 1

