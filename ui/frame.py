"""Keep every page inside the frame.

With a `pages/` folder beside dashboard.py, Streamlit starts in its old multipage mode: a link
to /relief runs pages/relief.py directly, without the frame (no filters, banner, login or role
check) until some run has called st.navigation. The frame turns that mode off for the process
and marks its runs; a page that finds itself outside the frame reruns through it.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.messages import register, render

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


# --- links: the page a link names, in every session, before and after a login ----------------

_LINK = "_link_page"  # the page the session's link named, until the frame has shown it
_SAY = "_link_message"  # (message key, path[, (page, filters) it was said on])
register("link", {
    "unknown": ("没有“/{path}”这个页面，已打开总览。", "There is no page “/{path}”; showing the overview."),
    "refused": ("您的角色无权打开“/{path}”，已打开总览。",
                "Your role may not open “/{path}”; showing the overview."),
})


def remember_link(urls: list[str], home: str) -> None:
    """Call first in every run. Only the session's first run carries the path a link names;
    a rerun asked for before that run reached st.navigation (the login form's cookie
    component asks for one at once) carries the entry script instead, and Streamlit then
    falls back to the default page: the link's page is kept here until `follow_link`.

    The default page's own name (`home`: its URL is the root) and unknown names open the
    default page, said in the interface's language instead of Streamlit's English "Page not
    found" dialog (which an unmatched name sends)."""
    ctx = get_script_run_ctx()
    name = ctx.pages_manager.intended_page_name if ctx else None
    if not name:
        return
    if name in urls and name != home:
        st.session_state[_LINK] = name
        return
    st.session_state.pop(_LINK, None)
    if name != home:
        st.session_state[_SAY] = ("unknown", name)
    # Resolve as the root: the default page, without the English dialog.
    ctx.pages_manager.set_script_intent(ctx.pages_manager.intended_page_script_hash or "", "")


def refuse_link(allowed: list[str]) -> None:
    """Call just before the signed-in st.navigation with the URL paths of the role's pages.
    A link straight to a page the role may not open would otherwise find no page there, and
    Streamlit would show its English "Page not found" dialog on top of our own message: the
    run resolves as the root instead, and the refusal is said once, in the interface's
    language."""
    ctx = get_script_run_ctx()
    name = ctx.pages_manager.intended_page_name if ctx else None
    if not name or name in allowed:
        return
    st.session_state.pop(_LINK, None)
    st.session_state[_SAY] = ("refused", name)
    ctx.pages_manager.set_script_intent(ctx.pages_manager.intended_page_script_hash or "", "")


def follow_link(pages: list[StreamlitPage], shown: StreamlitPage) -> None:
    """After the signed-in navigation: go to the page the link named, with the URL's
    filters, unless it is the one shown; a page the user's role may not open is said. Then
    keep the page shown against a rerun the browser sent before it learned of a switch."""
    want = st.session_state.get(_LINK)
    if want and shown.url_path != want:
        target = _page(pages, want)
        if target is None:
            st.session_state[_SAY] = ("refused", want)
        else:
            # Kept until the page shows: a rerun that supersedes the switch (the login
            # cookie's, on a slow browser) resolves as the root again, and comes back here.
            _switch(target)
    st.session_state.pop(_LINK, None)
    last = st.session_state.get(_SHOWN)
    if last and last != shown.url_path and not _asked_for_page() \
            and (target := _page(pages, last)) is not None:
        _switch(target)
    st.session_state[_SHOWN] = shown.url_path


def _page(pages: list[StreamlitPage], url_path: str) -> StreamlitPage | None:
    return next((p for p in pages if p.url_path == url_path), None)


_SHOWN = "_page_shown"  # the URL path of the page the session's last run resolved to
_EMBED = {"embed", "embed_options"}  # the only query a menu click keeps


def _switch(target: StreamlitPage) -> None:
    st.session_state[_SHOWN] = target.url_path
    st.switch_page(target, query_params=st.query_params.to_dict())


def _asked_for_page() -> bool:
    """Whether this run's page is one the user asked for. The browser sends each rerun with
    the page it last heard of: a component's value (the login cookie's) sent before it heard
    of a page switch names the page before it, and Streamlit runs that page (a clean-clone run
    of test_browser_links landed on 总览 after its link's page had shown). A menu click or a
    page link clears the URL's query (all but Streamlit's embed options); the back and
    forward buttons say so; a widget's rerun keeps the query."""
    ctx = get_script_run_ctx()
    if ctx is None or ctx.is_history_navigation:
        return True
    return not set(parse_qs(ctx.query_string)) - _EMBED


def say_link_message(lang: str, shown: StreamlitPage) -> None:
    """The message about a link's path, on the page it opened instead, until the user moves
    on: kept through the reruns that follow by themselves (the login cookie's component asks
    for one as it mounts, and a message said once was gone before it could be read), dropped
    at the first run on another page or with other filters. Call after the filter bar, which
    writes the filters into the URL."""
    said = st.session_state.get(_SAY)
    if not said:
        return
    key, path, *where = said
    here = (shown.url_path, sorted(st.query_params.to_dict().items()))
    if where and where[0] != here:
        del st.session_state[_SAY]
        return
    st.session_state[_SAY] = (key, path, here)
    st.info(render(f"link.{key}", lang, path=path), icon=":material/link_off:")
