"""Who may do what: the roles, the actions each role may take, and the pages it may open.

A page needs one action (ui/pages_registry.py), so the roles that see a page are those of its
action; a page the registry does not list is shown to no one (fail closed).
"""

from __future__ import annotations

from ui import pages_registry

ROLES = ("leader", "researcher", "staff", "admin")
_VIEW = set(ROLES)
_RESEARCH = {"researcher", "staff", "admin"}
_STAFF = {"staff", "admin"}

# Action → roles. Downloads and page-level powers are checked with `can`.
ACTIONS: dict[str, set[str]] = {
    "view": _VIEW,
    "effects": _RESEARCH,
    "export_aggregate": _RESEARCH,
    # 排名通报 of targets, for the leaders who issue it: aggregates under disclosure control
    # like a researcher's (ui/targets_view.py)
    "export_ranking": _VIEW,
    "export_rows": _STAFF,
    "upload": _STAFF,
    "quality": _STAFF,
    "briefing": _STAFF,
    "alert_rules": _STAFF,  # edit alert rules and run them now (the 预警 page lists for all)
    "users": {"admin"},
    "audit": {"admin"},
}

# Page file → roles that may see it, derived from the registry.
PAGE_ROLES: dict[str, set[str]] = {p.file: ACTIONS[p.action] for p in pages_registry.PAGES}


def can(role: str | None, action: str) -> bool:
    """Whether `role` may do `action` (unknown actions and roles: no)."""
    return role in ACTIONS.get(action, set())


def can_see(role: str | None, page: str) -> bool:
    """Whether `role` may open the page file `page` (e.g. "pages/upload.py")."""
    return role in PAGE_ROLES.get(pages_registry.page_key(page), set())
