"""The message about a link's path (an unknown page, a page outside the role) stays on the page
it opened through the reruns that follow by themselves, and goes once the user moves on. Said
only once, it was gone after the login cookie's component asked for its rerun (a clean-clone
CI run read the overview without it)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

APP = """
import types
import streamlit as st
from ui import frame

if "seeded" not in st.session_state:
    st.session_state.seeded = True
    st.session_state[frame._SAY] = ("refused", "upload")
st.query_params["region"] = st.session_state.get("region", "150400")
frame.say_link_message("zh", types.SimpleNamespace(url_path=st.session_state.get("page", "")))
"""


def _said(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_the_message_stays_through_reruns_and_goes_when_the_filters_change():
    at = AppTest.from_string(APP, default_timeout=30).run()
    assert _said(at) == ["您的角色无权打开“/upload”，已打开总览。"]
    at.run()  # a rerun nobody asked for (the cookie component's)
    assert _said(at) == ["您的角色无权打开“/upload”，已打开总览。"]
    at.session_state["region"] = "150700"  # another region chosen in the filter bar
    at.run()
    assert _said(at) == []
    at.session_state["region"] = "150400"  # and back: the message does not return
    at.run()
    assert _said(at) == []


def test_the_message_goes_on_another_page():
    at = AppTest.from_string(APP, default_timeout=30).run()
    assert len(_said(at)) == 1
    at.session_state["page"] = "funds"
    at.run()
    assert _said(at) == []
