"""Every page of the dashboard, declared once: its file, title, icon, URL path and the action
it needs. The frame (dashboard.py) builds its navigation from this list, and the roles that may
open a page are the roles of its action (ui/auth/policy.py), so a page names neither.

Imports nothing from ui: the policy and the frame read it, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    file: str  # relative to the repository root, e.g. "pages/relief.py"
    title: str  # message key of its title in either language (the "app" domain of core.messages)
    icon: str
    url: str  # the URL path; the first page lives at the root
    action: str = "view"  # what the user must be allowed to do (ui/auth/policy.ACTIONS)


PAGES: tuple[Page, ...] = (
    Page("pages/overview.py", "page_overview", ":material/dashboard:", "overview"),
    Page("pages/relief.py", "page_relief", ":material/volunteer_activism:", "relief"),
    Page("pages/funds.py", "page_funds", ":material/account_balance:", "funds"),
    Page("pages/training.py", "page_training", ":material/school:", "training"),
    Page("pages/petitions.py", "page_petitions", ":material/gavel:", "petitions"),
    Page("pages/effects.py", "page_effects", ":material/science:", "effects", "effects"),
    Page("pages/upload.py", "page_upload", ":material/upload_file:", "upload", "upload"),
    Page("pages/quality.py", "page_quality", ":material/fact_check:", "quality", "quality"),
    Page("pages/compliance.py", "page_compliance", ":material/policy:", "compliance", "quality"),
    # alert_list, not alerts: a page's folder is on the import path (alerts.py would hide the
    # alerts package), and a URL unlike its file's name drew Streamlit's "Page not found"
    Page("pages/alert_list.py", "page_alerts", ":material/notifications_active:", "alert_list"),
    Page("pages/briefing.py", "page_briefing", ":material/description:", "briefing", "briefing"),
    Page("pages/audit.py", "page_audit", ":material/history:", "audit", "audit"),
)
HOME = PAGES[0]


def page_key(file: str) -> str:
    """"pages/x.py" whether given relative, absolute or as a bare file name."""
    return f"pages/{Path(file).name}"


def page_of(file: str) -> Page | None:
    """The registered page of a file (None for a file the registry does not list)."""
    key = page_key(file)
    return next((p for p in PAGES if p.file == key), None)
