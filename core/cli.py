"""How every command of the project ends: its exit code, and a reader that stopped early.

`python -m etl batches | head` closed the pipe after ten lines and the command ended in a
BrokenPipeError traceback. Python's documentation (the signal module, "Note on SIGPIPE")
gives the remedy used here: standard output is pointed at /dev/null, so the interpreter's
last flush at exit cannot raise again, and the command exits 1 quietly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn


def run(main: Callable[[], int | str | None]) -> NoReturn:
    """Exit with `main()`'s code; a closed standard output ends the command quietly."""
    try:
        try:
            code = main()
        except SystemExit as done:  # argparse's --help and usage errors end this way
            code = done.code
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 1
    sys.exit(code)
