"""A rerun the browser sent before it heard of a page switch keeps the page shown.

The browser sends each rerun with the page it last heard of. A component's value (the login
cookie's) sent while the server was switching to a link's page named the page before it, and
Streamlit ran that one: a clean-clone CI run of test_browser_links landed on 总览 with the
link's filters after the link's page had shown. Such a rerun keeps the URL's query; a menu
click clears it (ui/frame.py `_asked_for_page`), and goes where it was asked to."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

MAIN = """
import streamlit as st
from ui import frame

pages = [st.Page("views/home.py", url_path="overview", default=True),
         st.Page("views/relief.py", url_path="relief")]
nav = st.navigation(pages)
frame.follow_link(pages, nav)
nav.run()
"""


@pytest.fixture
def app(tmp_path: Path) -> AppTest:
    (tmp_path / "views").mkdir()  # not pages/: that would be Streamlit's older multipage mode
    (tmp_path / "views" / "home.py").write_text('import streamlit as st\nst.title("总览")\n')
    (tmp_path / "views" / "relief.py").write_text('import streamlit as st\nst.title("帮扶救助")\n')
    (tmp_path / "main.py").write_text(MAIN)
    at = AppTest.from_file(str(tmp_path / "main.py"), default_timeout=30).run()
    assert at.title[0].value == "总览"
    at.switch_page("views/relief.py").run()
    assert at.title[0].value == "帮扶救助"
    return at


def test_a_rerun_naming_the_page_before_keeps_the_page_shown(app: AppTest):
    app.query_params["region"] = "150702"  # the URL's filters, as a widget's rerun sends them
    app.switch_page("views/home.py").run()
    assert app.title[0].value == "帮扶救助"
    assert app.query_params["region"] == "150702"
    assert not app.exception


def test_a_menu_click_goes_where_it_asked(app: AppTest):
    app.query_params.clear()  # a menu click keeps no query
    app.switch_page("views/home.py").run()
    assert app.title[0].value == "总览"
    app.query_params["embed"] = "true"  # nor does it drop Streamlit's embed options
    app.switch_page("views/relief.py").run()
    assert app.title[0].value == "帮扶救助"
