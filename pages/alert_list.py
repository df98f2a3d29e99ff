"""预警 Alerts: what the rules found (open and cleared), what was sent where and what failed,
and for staff the rules themselves. Layout only: the blocks are ui/alerts_view.py's, the
rules, firings and deliveries alerts/'s. Not named alerts.py: a page's folder is on the
import path when Streamlit runs it, and the file would hide the alerts package."""

from __future__ import annotations

import streamlit as st

from core.messages import render
from ui import alerts_view as av
from ui.page_context import open_page

page = open_page(__file__)  # every role sees the alerts of its region (ui/pages_registry.py)

st.title(render("app.page_alerts", page.lang))
av.intro(page)
av.firings(page)
if av.may_edit(page):
    existing = av.rules_list(page)
    av.toggle(page, existing)
    av.add_form(page)
    av.rules_file(page)
    av.channel_list(page)
    av.run_now(page)
