"""Kept only while ui/region_map.py (being edited elsewhere) still imports `t`: the messages
are the "app" domain of core/messages.py; render them with core.messages.render."""

from __future__ import annotations

from core.messages import render


def t(key: str, lang: str = "zh", **values: object) -> str:
    """Deprecated: core.messages.render(f"app.{key}", ...)."""
    return render(f"app.{key}", lang, **values)
