"""Names from files shown as typed: Markdown (Streamlit labels, captions, messages) and
Plotly's HTML-like text (axis ticks, legends, hovers) each read some characters as markup, so
a station named ``[点我](javascript:…)``, ``--``, ``*x*`` or ``<b>x</b>`` would show as a
link, a dash, italics or bold. These escape such text where it is put into either."""

from __future__ import annotations

import re

# Every ASCII punctuation CommonMark lets a backslash escape that Markdown, GitHub's
# extensions or Streamlit's own (:red[...], :material/icon:, $math$) read as markup.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&\"'])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


_JOIN = "\u2060"  # WORD JOINER: invisible, and it keeps nothing from reading as typed


def markdown(text: object) -> str:
    """`text` for a Streamlit label or Markdown string, shown exactly as typed. Streamlit
    turns -- into a dash and :name: into an emoji or icon after escapes are read, so an
    invisible word joiner goes between two dashes and after a colon as well."""
    if text is None:
        return ""
    joined = re.sub(r"(?<=-)(?=-)", _JOIN, str(text)).replace(":", ":" + _JOIN)
    return _MARKDOWN.sub(r"\\\1", joined)


def plotly(text: object) -> object:
    """`text` for Plotly (ticks, legend, hover, annotations): its tags shown, not applied.
    Non-strings (numbers, dates, None) are returned unchanged."""
    if not isinstance(text, str):
        return text
    return re.sub(r"[&<>]", lambda m: _HTML[m.group()], text)


# The robots of 企业微信 and 钉钉 render a subset of Markdown (links, images, bold, headings,
# quotes, <font> tags) and document no escape: a name's markup characters are sent as their
# full-width forms, which read the same in a Chinese message and mark nothing up.
_CHAT = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "[]()*_`#<>!~|"})


def chat(text: object) -> str:
    """A name from a file or a form (a station, a rule) for a group-chat robot's message,
    shown as text: a station named ``[点此查看](http://…)`` would otherwise be a link in the
    federation's group, sent by its own robot."""
    return "" if text is None else str(text).translate(_CHAT)
