"""The login's and the roles' words, the "auth" domain of core/messages.py, in the session's
language."""

from __future__ import annotations

import streamlit as st

from core.messages import has, register, render

MESSAGES = {
    "local_user": ("本机用户", "local user"),
    "local_banner": ("本机单用户模式：未配置登录，以“工作人员”身份使用。对外提供服务前请先添加用户。",
                     "Single local user: no logins configured, you act as staff. Add users "
                     "before serving a network."),
    "no_config": ("本服务需要登录，但尚未配置用户。请联系管理员。",
                  "This server needs a login, but no users are configured yet. Please contact "
                  "the administrator."),
    "wrong_password": ("用户名或密码错误。", "Wrong user name or password."),
    "locked": ("密码错误次数过多，该用户已被锁定，请联系管理员。",
               "Too many wrong passwords: this user is locked; ask an admin."),
    "no_role": ("该用户没有有效角色，请联系管理员。", "This user has no valid role; ask an admin."),
    "signed_in": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "logout": ("退出登录", "Log out"),
    "refused": ("您的角色无权访问此页面或操作。", "Your role may not open this page or do this."),
    "form": ("登录", "Log in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "role_leader": ("领导", "leader"),
    "role_researcher": ("研究人员", "researcher"),
    "role_staff": ("工作人员", "staff"),
    "role_admin": ("管理员", "admin"),
}
register("auth", MESSAGES)


def session_lang() -> str:
    """The session's language (the login comes before the filter bar sets it)."""
    return st.session_state.get("lang") or "zh"


def role_label(role: str) -> str:
    """A role's name in the session's language; an unknown role as written."""
    key = f"auth.role_{role}"
    return render(key, session_lang()) if has(key) else role


def login_fields() -> dict[str, str]:
    """The login form's labels for streamlit-authenticator."""
    lang = session_lang()
    return {"Form name": render("auth.form", lang), "Username": render("auth.username", lang),
            "Password": render("auth.password", lang), "Login": render("auth.form", lang)}
