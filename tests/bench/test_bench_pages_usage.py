"""`bench_pages.py build` or `generated` without the paths they need says so (exit 2, the
options named) instead of failing later with an AttributeError on None."""

from __future__ import annotations

import pytest

from tests.bench.scripts import bench_main


@pytest.mark.parametrize(("args", "said"), [
    (["build"], "build needs --sample and --out"),
    (["build", "--sample", "w.duckdb"], "build needs --out"),
    (["generated"], "generated needs --out"),
])
def test_a_step_without_its_paths_is_a_usage_error(args, said, capsys):
    with pytest.raises(SystemExit) as stop:
        bench_main("bench_pages.py", *args)
    assert stop.value.code == 2
    assert said in capsys.readouterr().err
