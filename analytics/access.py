"""Which regions a user may see: a login's region bounds every query, page and export.

A user bound to a region (ui/auth/users.py) gets Filters whose `scope` is that region; each public
analytics function that takes a region checks it here first, so a URL, a stale session or a
page bug naming a region outside the scope is refused, never silently widened. Without a
region the scope is the country and nothing is refused.
"""

from __future__ import annotations

from analytics.filters import COUNTRY, Filters
from analytics.reference import parent_codes


class OutOfScope(PermissionError):
    """A region outside the user's scope (the message is Chinese first, then English)."""

    def __init__(self, region: str, scope: str) -> None:
        self.region, self.scope = region, scope
        super().__init__(f"地区 {region} 不在您的权限范围（{scope}）内 / "
                         f"region {region} lies outside your region ({scope})")


def within(code: str, scope: str) -> bool:
    """Whether `code` is `scope` or lies below it (the country holds every region)."""
    if scope == COUNTRY or code == scope:
        return True
    parents, seen = parent_codes(), set()
    while code is not None and code not in seen:
        if code == scope:
            return True
        seen.add(code)
        code = parents.get(code)
    return False


def check_region(region: str, scope: str = COUNTRY) -> str:
    """`region`, or OutOfScope when it lies outside `scope`."""
    if not within(region, scope):
        raise OutOfScope(region, scope)
    return region


def check(f: Filters) -> Filters:
    """`f`, or OutOfScope when its region lies outside its scope."""
    check_region(f.region, f.scope)
    return f


def in_scope(codes: list[str], scope: str = COUNTRY) -> list[str]:
    """The codes of `codes` that lie within `scope` (a user's choice lists)."""
    return [c for c in codes if within(c, scope)]
