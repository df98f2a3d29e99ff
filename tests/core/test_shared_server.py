"""tests/shared_server.py: the run's dashboard serves until the run's main process ends."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.served import ROOT


def test_the_watch_stops_its_command_when_the_process_it_watches_ends():
    main = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    watch = subprocess.Popen(
        [sys.executable, "-m", "tests.shared_server", str(main.pid), "--",
         sys.executable, "-c", "import time; time.sleep(60)"], cwd=ROOT)
    try:
        time.sleep(1.5)
        assert watch.poll() is None  # serving while the main process lives
        main.kill()
        main.wait()
        assert watch.wait(timeout=15) != 0  # its command stopped (terminated), not finished
    finally:
        for p in (main, watch):
            p.kill()


def test_the_watch_ends_with_its_command():
    watch = subprocess.run(
        [sys.executable, "-m", "tests.shared_server", "1", "--", sys.executable, "-c",
         "raise SystemExit(7)"], cwd=ROOT, timeout=30)
    assert watch.returncode == 7
