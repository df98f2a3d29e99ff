"""Keep every page inside the frame.

With a `pages/` folder beside dashboard.py, Streamlit starts in its old multipage mode: a link
to /relief runs pages/relief.py directly, without the frame (no filters, banner, login or role
check) until some run has called st.navigation. The frame turns that mode off for the process
and marks its runs; a page that finds itself outside the frame reruns through it.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_MARK = "_inside_frame"


def use_navigation_only() -> None:
    """Run the entry script (and so st.navigation) on every run from now on."""
    PagesManager.uses_pages_directory = False


def enter() -> None:
    st.session_state[_MARK] = True


def leave() -> None:
    st.session_state[_MARK] = False


def require() -> None:
    """Call at the top of a page: outside the frame, rerun through it."""
    if not st.session_state.get(_MARK):
        use_navigation_only()
        st.rerun()
