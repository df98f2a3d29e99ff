"""The file pickers speak the page's language: on 数据导入 of a 新疆 deployment the picker's
button read 'Upload' and its line '50MB per file • XLSX, XLS, CSV', Streamlit's own English
in a Chinese page (the 预警 page's rules file the same)."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.deployment_files import fresh
from tests.served import IDLE, POLL, dashboard

pytestmark = pytest.mark.browser

# What a reader sees of each element in the picker: its own text where it is drawn at a size
# above 0, and the text its ::before and ::after draw.
_SHOWN = """e => [...e.querySelectorAll('*')].flatMap(el => {
  const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  const st = getComputedStyle(el);
  const drawn = st.visibility !== 'hidden' && st.display !== 'none' && parseFloat(st.fontSize) > 0;
  const pseudo = ['::before', '::after'].map(p => getComputedStyle(el, p).content)
    .filter(c => c && c !== 'none' && c !== 'normal').map(c => c.replace(/^"|"$/g, ''));
  return [...(drawn && own.trim() && !el.closest('[data-testid=stIconMaterial]') ? [own] : []),
          ...pseudo];
}).join(' | ')"""


@pytest.fixture(scope="module")
def xinjiang(tmp_path_factory):
    where = tmp_path_factory.mktemp("xj")
    db, report = fresh(where, "650000", "站点名称,所属县（市、区）,所属乡镇街道,成立日期\n"
                       "霍城县清水河镇帮扶站,霍城县,清水河镇,2018年4月\n")
    assert report.exit_code == 0
    with dashboard(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(xinjiang, browser):
    """One tab for both languages, each a new page load (a new session): a tab that has shown
    a page draws the next with less CPU than a new tab (its renderer keeps the compiled
    scripts)."""
    pg = browser.new_page(viewport={"width": 390, "height": 844})
    yield pg
    pg.close()


@pytest.mark.parametrize(("lang", "title", "words", "foreign"), [
    ("zh", "数据导入", ["选择文件", "单个文件不超过 50 MB", "XLSX、XLS、CSV"], r"[A-Za-z]"),
    ("en", "Upload station files", ["Browse files", "At most 50 MB per file", "XLSX, XLS, CSV"], r"[\u4e00-\u9fff]"),
])
def test_the_upload_picker_speaks_the_pages_language(xinjiang, page, lang, title, words,
                                                     foreign):
    page.goto(f"{xinjiang}/upload?lang={lang}", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    # the style may land a moment after the run that switched the language has ended
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"""w => {{
            const zone = document.querySelector('[data-testid=stFileUploaderDropzone]');
            return zone && ({_SHOWN})(zone).includes(w); }}""", arg=words[0], timeout=15_000,
            polling=POLL)
    shown = zone.evaluate(_SHOWN)
    for w in words:
        assert w in shown, shown
    assert not re.search(foreign, re.sub(r"XLSX|XLS|CSV|MB", "", shown)), shown
