"""`python -m etl withdraw --user NAME`: a dashboard user bound to a region withdraws that
region's batches only, as on the upload page; an operator's own login has no such limit; the
help says who may run the command."""

from __future__ import annotations

import hashlib

import pytest

from core import users
from etl import __main__ as cli
from tests.withdraw_history import copy_state
from ui import auth


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    path = tmp_path / "auth.yaml"
    auth.add_user("chifeng", "staff", "password-1", path=path, region="150402")
    auth.add_user("hailar", "staff", "password-2", path=path, region="150702")
    auth.add_user("city", "admin", "password-3", path=path)
    monkeypatch.setenv("UNION_DASH_AUTH", str(path))
    return path


def test_region_of_reads_the_user_file(user_file):
    assert users.region_of("chifeng") == "150402" and users.region_of("Hailar") == "150702"
    assert users.region_of("city") is None  # the whole deployment
    assert users.region_of("root") is None and users.region_of(None) is None  # an operator
    assert auth.config_path() == user_file  # one place says where the file is


def test_a_region_bound_user_cannot_withdraw_another_regions_batch(loaded, tmp_path,
                                                                    capsys, user_file):
    db = copy_state(loaded, "b", tmp_path)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    batch = loaded["b"].batch_id
    assert cli.main(["withdraw", batch, "--db", str(db), "--user", "chifeng"]) == 2
    err = capsys.readouterr().err
    assert "150402" in err and "outside your region" in err and "Traceback" not in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # nothing changed
    assert cli.main(["withdraw", batch, "--db", str(db), "--user", "hailar"]) == 0
    said = capsys.readouterr()
    assert "by hailar" in said.out
    # what was withdrawn is said once: as the result, not also as progress before it
    assert (said.out + said.err).count("撤销") == said.out.count("撤销") == 1, said


def test_an_operator_login_is_not_limited(loaded, tmp_path, capsys, user_file):
    db = copy_state(loaded, "b", tmp_path)
    assert cli.main(["withdraw", loaded["b"].batch_id, "--db", str(db), "--user", "ops"]) == 0


def test_help_says_who_may_run_withdraw(capsys):
    with pytest.raises(SystemExit):
        cli.main(["withdraw", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "operator" in text and "server's file rights" in text and "--region" in text
