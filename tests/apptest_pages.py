"""Opening pages in AppTest the way several test modules do: the whole dashboard at a page,
the upload page, the audit page signed in, and a bare login gate."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import auth

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
ALL_PAGES = ["pages/overview.py", "pages/relief.py", "pages/funds.py", "pages/training.py",
             "pages/petitions.py", "pages/effects.py", "pages/upload.py", "pages/quality.py",
             "pages/compliance.py", "pages/briefing.py"]
PASSWORD = "Geheim-7531-密码"


GATE_APP = """
import streamlit as st
from ui.auth import login_gate
user = login_gate()
if user is None:
    st.stop()
st.markdown(f"USER {user.name} {user.role} {user.local}")
"""


def open_dashboard(db: Path, mp, page: str = ALL_PAGES[0], **query: str) -> AppTest:
    mp.setenv("UNION_DASH_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    if page != ALL_PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def upload_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=60)
    at.session_state["_inside_frame"] = True  # as if the frame ran it (ui/frame.py)
    return at


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload_files").set_value(
        [(name, data, "text/csv") for name, data in files]).run()
    return at.button(key="upload_go").click().run()


def summary(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")  # AppTest keeps no dataframe keys


def signed_in(at: AppTest, name: str, role: str) -> AppTest:
    at.session_state["union_dash_user"] = auth.User(name.title(), role)
    at.session_state["username"] = name
    at.session_state["_inside_frame"] = True  # as if the frame ran it (ui/frame.py)
    return at


def audit_page(role: str, small_warehouse: Path, monkeypatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("UNION_DASH_DB", str(small_warehouse))
    monkeypatch.chdir(ROOT)
    at = signed_in(AppTest.from_file(str(ROOT / "pages" / "audit.py"), default_timeout=60),
                   f"u_{role}", role)
    at.session_state["lang"] = lang
    return at.run()
