"""The frame: page config, navigation, the shared filter bar, the sample-data banner and the data
version. Every page is declared once in ui/pages_registry.py; pages hold layout only."""

from __future__ import annotations

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from analytics import db
from core.messages import render
from ui import audit_trail, data, frame, upgrade_notice
from ui.auth import can_see, login_gate
from ui.filters import filter_bar, language, say_scope
from ui.pages_registry import HOME, PAGES

SIDEBAR_PX = 256


def version_caption(lang: str) -> str:
    return data.version().describe(lang)


def main() -> None:
    frame.use_navigation_only()  # links to /relief etc. must run through this frame
    frame.remember_link([p.url for p in PAGES], home=HOME.url)
    # A narrower sidebar (default 336 px) leaves five KPI cards a row room for value and 同比.
    st.set_page_config(page_title=render("app.app_title"), page_icon=":material/monitoring:",
                       layout="wide", initial_sidebar_state=SIDEBAR_PX)
    lang = language()
    user = login_gate()  # ui/auth/login.py: the login when required; the role picks the pages
    if user is None:  # no menu and no page before a login (hidden, never run) ...
        # ... but every page known, so a link to /funds?region=… is still the URL after it.
        st.navigation([st.Page(p.file, url_path=p.url, default=p is HOME) for p in PAGES],
                      position="hidden")
        st.stop()
    path = db.warehouse_path()
    if not path.exists():
        st.error(render("app.no_warehouse", lang, path=path))
        st.stop()
    audit_trail.reconcile_once(path)  # a load killed after its swap: its event, once
    # The role's pages only: a URL to any other is not in the navigation (ui/auth/policy.py).
    pages = [st.Page(p.file, title=render(f"app.{p.title}", lang), icon=p.icon, url_path=p.url,
                     default=p is HOME) for p in PAGES if can_see(user.role, p.file)]
    # One message, ours, for a link to a page outside the role (not Streamlit's dialog too).
    frame.refuse_link([p.url for p in PAGES if can_see(user.role, p.file)])
    nav = st.navigation(pages)
    frame.follow_link(pages, nav)  # the page a link named, whichever run resolved first
    lacked = upgrade_notice.notice(user, lang)  # a warehouse from an earlier version
    # After the link's page switch: a switch drops the widget values of the run it ends, so
    # the link's filters are seeded in the run that shows its page.
    f = filter_bar(lang)
    if data.is_sample(data.version().token) and not data.coverage(
            data.version().token).empty:  # the bundled sample, once it holds rows
        st.warning(render("app.sample_banner", lang), icon=":material/science:")
    say_scope(f, lang)  # region and period, above the page: the sidebar folds on a phone
    st.sidebar.caption(version_caption(lang))
    frame.say_link_message(lang, nav)
    frame.enter()
    try:
        nav.run()
    except StopException:
        # A page's st.stop() (an empty state, a missing choice) ends the page, not the run:
        # Streamlit keeps no widget values of a run stopped early, so the sidebar's language,
        # granularity and toggles fell back to nothing on the next click.
        pass
    except (duckdb.Error, db.WarehouseOlder):
        if not lacked:
            raise
        st.info(render("app.page_needs_upgrade", lang))  # not the Binder Error of what it lacks
    finally:
        frame.leave()


main()
