"""Logins and roles: who may see which page and download what.

Roles: leader (views), researcher (views, effect analysis, aggregate exports under disclosure
control), staff (all of that, plus upload, data quality, flagged rows and briefings), admin
(all of that, plus users and the audit log). Passwords are bcrypt hashes in a YAML file kept
outside the repository (`UNION_DASH_AUTH`, else ~/.config/union-dashboard/auth.yaml), written
by `python -m ui.auth add-user NAME ROLE [--region CODE]`; streamlit-authenticator draws the
login form and keeps a signed re-login cookie. Log-ins (and failed attempts) go to the audit log.

A user with a region (a county union's staff: `--region 150702`) sees, exports, briefs and
loads that region's subtree only: the filter bar starts there and every analytics query checks
it (analytics/access.py). Without a region a user sees the whole deployment.

In rooms: policy.py (roles, actions, can, the pages a role sees, from ui/pages_registry.py),
users.py (the user store), cookie.py (the re-login cookie's limits), session.py (who is signed in; `require`), login.py (the gate),
messages.py (its words), __main__.py (the command line). This module names them in one place.
"""

from __future__ import annotations

from core.users import config_path
from ui.auth.login import MAX_LOGIN_ATTEMPTS, login_gate
from ui.auth.messages import role_label
from ui.auth.policy import ACTIONS, PAGE_ROLES, ROLES, can, can_see
from ui.auth.session import current_user, login_required, require, user_region
from ui.auth.users import REGION_CODE, User, add_user, read_config, user_from

__all__ = ["ACTIONS", "MAX_LOGIN_ATTEMPTS", "PAGE_ROLES", "REGION_CODE", "ROLES", "User",
           "add_user", "can", "can_see", "config_path", "current_user", "login_gate",
           "login_required", "read_config", "require", "role_label", "user_from",
           "user_region"]
