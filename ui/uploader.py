"""A file picker in the page's language. Streamlit draws its picker's button ('Upload') and
line ('50MB per file • XLSX, XLS, CSV') in English whatever the page's language and offers no
parameter for them; a style keyed to the picker draws the catalogue's words in their place
(the English text stays in the page for nothing but layout, at size 0)."""

from __future__ import annotations

import json

import streamlit as st

from core.messages import register, render

register("uploader", {
    "browse": ("选择文件", "Browse files"),
    "line": ("单个文件不超过 {mb} MB · {types}", "At most {mb} MB per file · {types}"),
    "sep": ("、", ", "),
})


def css(key: str, lang: str, types: list[str], mb: int) -> str:
    """The style that words the picker of `key` (st.file_uploader(key=...)) in `lang`."""
    kinds = render("uploader.sep", lang).join(t.upper() for t in types)
    zone = f'.st-key-{key} [data-testid="stFileUploaderDropzone"]'
    # json.dumps quotes a CSS string: the catalogue's words hold no backslash or newline
    button = json.dumps(render("uploader.browse", lang), ensure_ascii=False)
    line = json.dumps(render("uploader.line", lang, mb=mb, types=kinds), ensure_ascii=False)
    return f"""<style>
{zone} button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
{zone} button [data-testid="stMarkdownContainer"] p::after {{ content: {button};
  font-size: 0.875rem; }}
{zone} [data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
{zone} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: {line};
  font-size: 0.875rem; }}
</style>"""


def file_uploader(label: str, *, key: str, lang: str, types: list[str], **kwargs):
    """st.file_uploader of `types`, its button and line in `lang`, the line with the size
    limit the server applies (server.maxUploadSize)."""
    mb = int(st.get_option("server.maxUploadSize") or 50)
    st.html(css(key, lang, types, mb))  # a style alone takes no room on the page
    return st.file_uploader(label, type=types, key=key, **kwargs)
