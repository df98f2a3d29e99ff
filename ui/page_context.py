"""What a page starts from: one call, `open_page(__file__)`, instead of a preamble per page.

It refuses a role the page is not for (its action in ui/pages_registry.py), for a page opened
by a direct URL as much as from the menu: the frame lists only the role's pages, and a page
that runs outside the frame reruns through it first (ui/frame.py). It returns the page's
context: the filter bar's view, the language, the user and the data version, which the page
hands on to the UI blocks it draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.filters import Filters
from ui import data
from ui.auth.session import current_user, require
from ui.auth.users import User
from ui.filters import current
from ui.pages_registry import page_of


@dataclass(frozen=True)
class PageContext:
    filters: Filters
    lang: str  # "zh" or "en"
    user: User | None
    # empty-state messages this run has said (ui/empty.section): each is said once a page
    said: set[str] = field(default_factory=set, compare=False, hash=False)

    @property
    def token(self) -> str:
        """The data version's token: cached reads are keyed on it, so a new load shows."""
        return data.version().token


def open_page(file: str) -> PageContext:
    """Call first in a page, with its `__file__`. A page the registry does not list is
    refused to everyone (fail closed); pages every role may view need no check (the frame
    runs none before a login)."""
    page = page_of(file)
    action = page.action if page else "unlisted"
    user = current_user() if action == "view" else require(action)
    f, lang = current()
    return PageContext(f, lang, user)
