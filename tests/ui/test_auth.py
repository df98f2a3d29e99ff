"""Roles, logins and the user file: each role sees exactly its pages and downloads."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from tests.apptest_pages import GATE_APP, PASSWORD
from ui import auth
from ui.auth.__main__ import main as auth_cli

ROOT = Path(__file__).resolve().parents[2]

# role → (actions it may do, restricted pages it may see)
EXPECTED = {
    "leader": ({"export_ranking"}, set()),
    "researcher": ({"effects", "export_aggregate", "export_ranking"}, {"pages/effects.py"}),
    "staff": ({"effects", "export_aggregate", "export_ranking", "export_rows", "upload",
               "quality", "briefing", "alert_rules"},
              {"pages/effects.py", "pages/briefing.py", "pages/upload.py", "pages/quality.py",
               "pages/compliance.py"}),
    "admin": ({"effects", "export_aggregate", "export_ranking", "export_rows", "upload",
               "quality", "briefing", "alert_rules", "users", "audit"},
              {"pages/effects.py", "pages/briefing.py", "pages/upload.py", "pages/quality.py",
               "pages/compliance.py", "pages/audit.py"}),
}
RESTRICTED = {"pages/effects.py", "pages/briefing.py", "pages/upload.py", "pages/quality.py",
              "pages/compliance.py", "pages/audit.py"}


@pytest.fixture(scope="module", autouse=True)
def _cheap_logins():
    """What these tests check does not depend on streamlit-authenticator's 0.7 s sleep before
    each run of the login form (nor on bcrypt's cost: tests/conftest.py hashes at 4)."""
    from streamlit_authenticator import params

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(params, "PRE_LOGIN_SLEEP_TIME", 0)
        yield


@pytest.mark.parametrize("role", auth.ROLES)
def test_each_role_has_exactly_its_actions(role):
    actions = {a for a in auth.ACTIONS if a != "view" and auth.can(role, a)}
    assert actions == EXPECTED[role][0]
    assert auth.can(role, "view")


@pytest.mark.parametrize("role", auth.ROLES)
def test_each_role_sees_exactly_its_pages(role):
    seen = {p for p in auth.PAGE_ROLES if auth.can_see(role, p)}
    assert seen == (set(auth.PAGE_ROLES) - RESTRICTED) | EXPECTED[role][1]


def test_unknown_role_page_and_action_are_refused():
    assert not auth.can("guest", "view")
    assert not auth.can("staff", "launch_missiles")
    assert not auth.can_see("staff", "pages/not_listed.py")
    assert not auth.can_see(None, "pages/overview.py")
    assert auth.can_see("staff", str(ROOT / "pages" / "upload.py"))


def test_every_page_file_is_listed():
    pages = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"}
    assert pages <= set(auth.PAGE_ROLES)


def test_add_user_stores_a_hash_only(tmp_path):
    path = tmp_path / "cfg" / "auth.yaml"
    auth.add_user("Alice", "staff", PASSWORD, path)
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$2b$" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    user = auth.read_config(path)["credentials"]["usernames"]["alice"]
    assert user["roles"] == ["staff"]
    auth.add_user("alice", "leader", PASSWORD + "x", path)  # replaces, does not duplicate
    users = auth.read_config(path)["credentials"]["usernames"]
    assert list(users) == ["alice"] and users["alice"]["roles"] == ["leader"]


@pytest.mark.parametrize(("name", "role", "password"), [
    ("bob", "boss", PASSWORD), ("bob", "staff", "short"),
    # the login form strips what is typed, so these could never sign in (and five tries
    # lock the user): a password with space around it, a name of spaces
    ("bob", "staff", PASSWORD + " "), ("bob", "staff", "\t" + PASSWORD), (" ", "staff", PASSWORD)])
def test_add_user_refuses_bad_input(tmp_path, name, role, password):
    with pytest.raises(ValueError):
        auth.add_user(name, role, password, tmp_path / "auth.yaml")
    assert not (tmp_path / "auth.yaml").exists()


def test_cli_reads_the_password_from_stdin_and_never_prints_it(tmp_path, monkeypatch, capsys):
    path = tmp_path / "auth.yaml"
    env = {**os.environ, "UNION_DASH_AUTH": str(path)}
    out = subprocess.run([sys.executable, "-m", "ui.auth", "add-user", "carol", "researcher"],
                         input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT,
                         env=env, check=True)
    # the listing read in this process (`main` is what `python -m ui.auth` runs): a second
    # process would only import Streamlit again
    monkeypatch.setenv("UNION_DASH_AUTH", str(path))
    assert auth_cli(["list-users"]) == 0
    listed = capsys.readouterr()
    assert "carol researcher" in listed.out
    for text in (out.stdout, out.stderr, listed.out, listed.err,
                 path.read_text(encoding="utf-8")):
        assert PASSWORD not in text


@pytest.fixture
def address():
    """Set server.address for one test, restore it after."""
    before = st_config.get_option("server.address")
    yield lambda value: st_config.set_option("server.address", value)
    st_config.set_option("server.address", before)


def _gate(monkeypatch, cfg: Path) -> AppTest:
    monkeypatch.setenv("UNION_DASH_AUTH", str(cfg))
    monkeypatch.chdir(ROOT)
    return AppTest.from_string(GATE_APP, default_timeout=30).run()


def _markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_localhost_without_config_is_the_local_staff_user(monkeypatch, tmp_path, address):
    address("127.0.0.1")
    at = _gate(monkeypatch, tmp_path / "none.yaml")
    assert not at.exception
    assert "USER" in _markdown(at) and "staff True" in _markdown(at)
    assert any("本机单用户" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("listen", ["0.0.0.0", ""])
def test_network_without_config_is_refused(monkeypatch, tmp_path, address, listen):
    address(listen)
    at = _gate(monkeypatch, tmp_path / "none.yaml")
    assert "USER" not in _markdown(at)
    errors = " ".join(e.value for e in at.error)
    assert "管理员" in errors  # an anonymous visitor is told whom to ask, not the file layout
    assert "none.yaml" not in errors and str(tmp_path) not in errors and "add-user" not in errors


def test_login_refuses_a_wrong_password_then_admits(monkeypatch, tmp_path, address, caplog,
                                                     capfd):
    caplog.set_level(logging.DEBUG)
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("dora", "researcher", PASSWORD, cfg)
    at = _gate(monkeypatch, cfg)
    assert "USER" not in _markdown(at) and len(at.text_input) == 2
    at.text_input[0].input("dora")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert "USER" not in _markdown(at)
    assert any("密码错误" in e.value for e in at.error)
    at.text_input[0].input("dora")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert "USER dora researcher False" in _markdown(at)
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert PASSWORD not in logged and PASSWORD not in cfg.read_text(encoding="utf-8")


def test_repeated_wrong_passwords_lock_the_user(monkeypatch, tmp_path, address):
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("eve", "staff", PASSWORD, cfg)
    at = _gate(monkeypatch, cfg)
    for _ in range(auth.MAX_LOGIN_ATTEMPTS):
        at.text_input[0].input("eve")
        at.text_input[1].input("wrong-password")
        at.button[0].click().run()
    at.text_input[0].input("eve")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "USER" not in _markdown(at)
    assert any("锁定" in e.value for e in at.error)


# --- the frame: navigation per role, and pages refusing roles they are not for ---------------

@pytest.fixture(scope="module")
def role_env(tmp_path_factory):
    """A small warehouse and a user file with one user per role."""
    from tests.quality_fixtures import hardship, relief, warehouse

    root = tmp_path_factory.mktemp("roles")
    stations = ["150702001", "150702002", "150402000", "451030000"]
    people = [(f"p{i}", stations[i % 4], f"20{11 + i % 2}-{1 + i % 12:02d}-05")
              for i in range(96)]
    warehouse(path=str(root / "w.duckdb"),
              relief_rows=[relief(p, on, station=s) for p, s, on in people],
              files=[hardship(p, on, county=s[:6]) for p, s, on in people]).close()
    for role in auth.ROLES:
        auth.add_user(f"u_{role}", role, PASSWORD, root / "auth.yaml")
    return root


def _as(role: str, role_env: Path, monkeypatch, page: str = "dashboard.py") -> AppTest:
    monkeypatch.setenv("UNION_DASH_DB", str(role_env / "w.duckdb"))
    monkeypatch.setenv("UNION_DASH_AUTH", str(role_env / "auth.yaml"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    # What a successful login leaves behind (the form itself is tested above).
    at.session_state["authentication_status"] = True
    at.session_state["username"] = f"u_{role}"
    if page != "dashboard.py":
        at.session_state["union_dash_user"] = auth.User(f"u_{role}", role)
        at.session_state["_inside_frame"] = True  # as if the frame ran it (ui/frame.py)
    return at.run()


@pytest.mark.parametrize("role", auth.ROLES)
def test_navigation_lists_exactly_the_role_pages(role, role_env, monkeypatch, address):
    import streamlit

    address("0.0.0.0")
    listed: list[str] = []
    real = streamlit.navigation

    def recording(pages, **kw):
        listed[:] = [f"pages/{Path(str(p._page)).name}" for p in pages]
        return real(pages, **kw)

    monkeypatch.setattr(streamlit, "navigation", recording)
    at = _as(role, role_env, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    assert set(listed) == {p for p in frame_pages() if auth.can_see(role, p)}
    assert set(listed) >= {"pages/overview.py"}


def frame_pages() -> list[str]:
    """The page files the frame builds its navigation from (ui/pages_registry.py)."""
    from ui.pages_registry import PAGES

    return [p.file for p in PAGES]


def test_every_page_of_the_frame_has_roles():
    assert set(frame_pages()) <= set(auth.PAGE_ROLES)


@pytest.mark.parametrize("role", auth.ROLES)
@pytest.mark.parametrize("page", sorted(RESTRICTED))
def test_direct_url_to_a_page_outside_the_role_is_refused(role, page, role_env, monkeypatch):
    assert (ROOT / page).exists(), f"{page} is in PAGE_ROLES but does not exist"
    at = _as(role, role_env, monkeypatch, page=page)
    refused = any("无权" in e.value for e in at.error)
    assert refused == (not auth.can_see(role, page))


@pytest.mark.parametrize("role", auth.ROLES)
def test_downloads_follow_the_role(role, role_env, monkeypatch, address):
    address("0.0.0.0")
    at = _as(role, role_env, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    buttons = at.get("download_button")
    assert bool(buttons) == auth.can(role, "export_aggregate")


@pytest.mark.parametrize("role", auth.ROLES)
def test_the_frame_registers_the_upload_page_only_for_its_roles(role, role_env, monkeypatch,
                                                                address):
    """A URL such as /upload reaches only pages the frame registered for this role."""
    address("0.0.0.0")
    at = _as(role, role_env, monkeypatch)
    if not auth.can_see(role, "pages/upload.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/upload.py")
        return
    at.switch_page("pages/upload.py").run()
    assert not at.exception and at.file_uploader


# --- the re-login cookie: ended by a logout, a new password or the user's removal -------------

def _signed_in(monkeypatch, cfg: Path, name: str) -> tuple[AppTest, str]:
    """A session signed in by password, and the re-login cookie it gave the browser."""
    at = _gate(monkeypatch, cfg)
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert f"USER {name}" in _markdown(at)
    return at, at.session_state["union_dash_cookie_to_set"][1]


def _with_cookie(monkeypatch, cfg: Path, token: str) -> AppTest:
    """A new browser session that sends `token` as its re-login cookie (a copied cookie)."""
    from streamlit.runtime.context import ContextProxy

    cookies = {"union_dash_auth": token}
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: cookies))
    return _gate(monkeypatch, cfg)


def _cookie_components(at: AppTest) -> list[str]:
    """What each cookie component of the run asks the browser for (getAll, set, delete)."""
    return [json.loads(e.proto.json_args)["method"] for e in at.get("component_instance")]


def test_no_run_asks_the_browser_for_all_its_cookies(monkeypatch, tmp_path, address):
    """streamlit-authenticator's cookie manager drew a component asking the browser for all
    its cookies in every run of every session: in Chromium a frame with a page and scripts of
    its own each page view, and the browser's answer a second run of the whole page (a tab
    signed in by its cookie sent two runs, now one; a login form's view took 1.70-2.15 CPU-s
    of Chromium, now 1.35-1.82). The cookie is read from the request; only the new login's
    cookie setter and the logout's delete are drawn."""
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("kim", "staff", PASSWORD, cfg)
    assert _cookie_components(_gate(monkeypatch, cfg)) == []  # the login form
    at, token = _signed_in(monkeypatch, cfg, "kim")
    assert _cookie_components(at) == ["set"]  # until the browser says it holds it
    tab = _with_cookie(monkeypatch, cfg, token)  # a new tab, signed in by the cookie
    assert "USER kim staff" in _markdown(tab) and _cookie_components(tab) == []
    at.sidebar.button[0].click().run()  # 退出登录
    assert "delete" in _cookie_components(at)
    assert "USER" not in _markdown(at.run())


def test_a_cookie_ends_with_its_logout(monkeypatch, tmp_path, address):
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("frank", "staff", PASSWORD, cfg)
    at, token = _signed_in(monkeypatch, cfg, "frank")
    assert "USER frank staff" in _markdown(_with_cookie(monkeypatch, cfg, token))  # a new tab
    at.sidebar.button[0].click().run()  # 退出登录 (its run still draws the page)
    assert "USER" not in _markdown(at.run())
    replayed = _with_cookie(monkeypatch, cfg, token)  # the cookie copied before the logout
    assert "USER" not in _markdown(replayed) and len(replayed.text_input) == 2


def test_a_cookie_ends_with_a_new_password(monkeypatch, tmp_path, address):
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("grace", "staff", PASSWORD, cfg)
    _, token = _signed_in(monkeypatch, cfg, "grace")
    auth.add_user("grace", "staff", "Another-secret-42", cfg)  # what an admin does on a leak
    replayed = _with_cookie(monkeypatch, cfg, token)
    assert "USER" not in _markdown(replayed) and len(replayed.text_input) == 2


def test_a_removed_users_cookie_asks_for_a_password_in_the_pages_language(monkeypatch,
                                                                          tmp_path, address):
    import yaml

    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("heidi", "staff", PASSWORD, cfg)
    auth.add_user("ivan", "admin", PASSWORD, cfg)
    _, token = _signed_in(monkeypatch, cfg, "heidi")
    config = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    del config["credentials"]["usernames"]["heidi"]
    cfg.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    replayed = _with_cookie(monkeypatch, cfg, token)
    assert "USER" not in _markdown(replayed) and len(replayed.text_input) == 2
    assert not replayed.error and not replayed.exception  # was 'User not authorized'


def test_a_logout_the_server_cannot_record_still_logs_out(monkeypatch, tmp_path, address,
                                                          caplog):
    """The ended cookies' file cannot be written (a read-only folder, a full disk): the
    session still logs out, and the server's log says the cookie stays valid."""
    address("0.0.0.0")
    cfg = tmp_path / "auth.yaml"
    auth.add_user("judy", "staff", PASSWORD, cfg)
    at, _ = _signed_in(monkeypatch, cfg, "judy")
    (tmp_path / "auth.yaml.logouts.lock").mkdir()  # what opening it for writing cannot do
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert "USER" not in _markdown(at.run())
    assert "logout not recorded" in caplog.text
