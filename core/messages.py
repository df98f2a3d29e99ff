"""The one message catalogue and the one way to render a message in the user's language.

Every bilingual text of the product is a (Chinese, English) pair under a namespaced key,
`"<domain>.<name>"`. A domain's table stays beside the code that uses it (ui/empty.py's words
in ui/empty.py, the 干预评估 page's in analytics/effects/messages.py) and registers itself
here when its module is imported; the dashboard's common words (page titles, the filter bar,
section titles) are the "app" domain, core/app_messages.py, registered below. Where etl
hands a sentence back it is a `Message` (key and parameters) that the edge (ui, briefings,
the command lines) renders with `render`; analytics renders its own words through `render`
in the language it is asked for. The deployment's own words (区（市）县 or 旗县（市、区）, 省级专项
or 自治区专项: core/vocabulary.py, analytics/vocabulary.py) come in as parameters, never as
fixed words in a table.

A `Message` is a key with its parameters, as etl and analytics hand a sentence back (a
withdrawal's confirmation, its result); a parameter may itself be a Message or a tuple of them
(each rendered, then joined), so a list of parts is said in the reader's language too, or a
`Pair`: a value with two names (a file kind's 救助发放花名册 / relief roster), said in the
reader's.

`pick` chooses from a (zh, en) pair that is not in the catalogue (a region's two names, a
value's two labels); nothing else indexes a pair by language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from core import app_messages

LANGS = ("zh", "en")

_CATALOGUE: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class Message:
    """A message not yet rendered: its catalogue key and parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


class Pair(NamedTuple):
    """A parameter named in both languages: rendered as the reader's."""

    zh: str
    en: str


def register(domain: str, table: Mapping[str, tuple[str, str]]) -> None:
    """Add a domain's (zh, en) pairs as `domain.key`. Registering the same pair again (a
    module reloaded) is harmless; a different text under a taken key is a mistake."""
    for key, pair in table.items():
        name = f"{domain}.{key}"
        if _CATALOGUE.get(name, pair) != tuple(pair):
            raise ValueError(f"message {name!r} registered twice with different texts")
        _CATALOGUE[name] = tuple(pair)


def pick(pair: tuple[str, str] | list[str], lang: str) -> str:
    """The English of a (zh, en) pair when `lang` is "en", else the Chinese (the default)."""
    return pair[1] if lang == "en" else pair[0]


def render(key: str | Message, lang: str = "zh", **params: object) -> str:
    """The message `key` ("domain.name", or a Message) in `lang`, its `{name}` placeholders
    filled from `params` (a message without params is returned as written)."""
    if isinstance(key, Message):
        key, params = key.key, {**key.params, **params}
    params = {k: _rendered(v, lang) for k, v in params.items()}
    try:
        pair = _CATALOGUE[key]
    except KeyError:
        raise KeyError(f"no message {key!r}: is its domain's module imported?") from None
    text = pick(pair, lang)
    return text.format(**params) if params else text


def _rendered(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return render(value, lang)
    if isinstance(value, Pair):
        return pick(value, lang)
    if isinstance(value, tuple) and all(isinstance(v, Message) for v in value):  # () says ""
        return "".join(render(v, lang) for v in value)
    return value


def has(key: str) -> bool:
    """Whether the catalogue holds `key` (for text that may be a key or a plain code)."""
    return key in _CATALOGUE


def catalogue() -> Mapping[str, tuple[str, str]]:
    """Every registered message, read-only (the tests check each has both languages)."""
    return MappingProxyType(_CATALOGUE)


register("app", app_messages.MESSAGES)
