"""The page of a Chinese official document (GB/T 9704-2012), set up in python-docx.

A4 with margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm);
title 方正小标宋简体 二号 centred; body 仿宋_GB2312 三号, first line indented two characters,
lines at a fixed 28.95 pt (22 a page); 一、 headings 黑体 三号, （一） headings 楷体_GB2312
三号; page numbers "— 1 —" in 宋体 四号 below the 版心, on the outer side (odd pages right,
even pages left, one character in), as the standard places them.

The fonts are named as an office PC has them (w:eastAsia), so Word prints the document as
it is; where they are missing (a server), fonts.conf beside this file gives fontconfig free
stand-ins for rendering (analytics.briefing.to_pdf).
"""

from __future__ import annotations

from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"

# Sizes by their Chinese names (号).
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI = 22, 16, 14, 12
LINE_PITCH = 28.95  # pt: 22 lines in the 225 mm 版心
BLACK = RGBColor(0, 0, 0)
CHAR_SPACING = -5  # twentieths of a point: 16 - 0.25 = 15.75 pt a character

# Paragraph styles of the document: name → (East Asian font, size, alignment, first-line
# indent in characters, outline level or None). Own styles, so that nothing inherits the
# template's blue headings or theme fonts.
STYLES = {
    "公文标题": (TITLE_FONT, ER_HAO, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "公文副题": (HEADING2_FONT, SAN_HAO, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "一级标题": (HEADING1_FONT, SAN_HAO, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, 0),
    "二级标题": (HEADING2_FONT, SAN_HAO, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, 1),
    "表格文字": (BODY_FONT, XIAO_SI, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "图表题注": (BODY_FONT, SI_HAO, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "附注": (BODY_FONT, SI_HAO, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, None),
    "图": (BODY_FONT, SAN_HAO, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "页码": (PAGE_NUMBER_FONT, SI_HAO, WD_ALIGN_PARAGRAPH.RIGHT, 0, None),
}


def set_fonts(rpr_owner, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts outright (ascii, hAnsi, eastAsia, cs) and drop theme fonts, which Word
    would otherwise prefer to the names."""
    rfonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian),
                       ("w:cs", latin)):
        rfonts.set(qn(attr), name)


# Children of w:pPr in the order the schema requires (Word refuses a file out of order).
_PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
    "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId",
    "cnfStyle", "rPr", "sectPr", "pPrChange")


def _ppr_child(ppr, tag: str):
    """The pPr child `tag` (e.g. 'ind'), added in its schema place when missing."""
    found = ppr.find(qn(f"w:{tag}"))
    if found is not None:
        return found
    el = OxmlElement(f"w:{tag}")
    later = set(_PPR_ORDER[_PPR_ORDER.index(tag) + 1:])
    for child in ppr:
        if child.tag.split("}")[-1] in later:
            child.addprevious(el)
            return el
    ppr.append(el)
    return el


def _indent_chars(ppr, chars: int, size: float) -> None:
    """First-line indent in characters (w:firstLineChars, which Word keeps when the size
    changes) and in points for readers that ignore it."""
    ind = _ppr_child(ppr, "ind")
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))


def _outline(ppr, level: int) -> None:
    _ppr_child(ppr, "outlineLvl").set(qn("w:val"), str(level))


def _spacing(fmt, size: float) -> None:
    fmt.space_before = fmt.space_after = Pt(0)
    if size >= SAN_HAO and size < ER_HAO:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PITCH)
    elif size == ER_HAO:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(35)
    else:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(size + 8)


def _defaults(doc, latin: str) -> None:
    """Document defaults and Normal: 仿宋_GB2312 三号, black, Chinese as the East Asian
    language, no theme fonts."""
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is not None:
        rpr.remove(rfonts)
    rfonts = OxmlElement("w:rFonts")
    rpr.insert(0, rfonts)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", BODY_FONT),
                       ("w:cs", latin)):
        rfonts.set(qn(attr), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    set_fonts(normal.element, BODY_FONT, latin)
    normal.font.size, normal.font.color.rgb = Pt(SAN_HAO), BLACK
    # 28 characters a line (156 mm / 28 = 15.79 pt): 三号 closed up by a quarter point, which
    # Word and LibreOffice both honour (a w:docGrid of characters LibreOffice lays out apart).
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING))
    normal.element.get_or_add_rPr().insert_element_before(
        spacing, "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
        "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
        "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
    fmt = normal.paragraph_format
    _spacing(fmt, SAN_HAO)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False  # official documents fill every line of the 版心
    ppr = normal.element.get_or_add_pPr()
    _indent_chars(ppr, 2, SAN_HAO)
    for tag in ("autoSpaceDE", "autoSpaceDN"):  # no extra space between 汉字 and digits
        _ppr_child(ppr, tag).set(qn("w:val"), "0")


def add_styles(doc, latin: str = LATIN_FONT) -> None:
    """Normal and the document's own paragraph styles (see STYLES)."""
    _defaults(doc, latin)
    for name, (font, size, align, indent, level) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        # Title, headings and page numbers write their digits in their own face (a 2012 in
        # 小标宋 or 黑体 as heavy as the words beside it); text and tables in `latin`.
        own = name in ("公文标题", "一级标题", "二级标题", "页码")
        set_fonts(style.element, font, font if own else latin)
        style.font.size, style.font.color.rgb = Pt(size), BLACK
        style.font.bold = False
        fmt = style.paragraph_format
        _spacing(fmt, size)
        fmt.alignment = align
        ppr = style.element.get_or_add_pPr()
        _indent_chars(ppr, indent, size)
        if level is not None:
            _outline(ppr, level)
            fmt.keep_with_next = True
        if name == "图":  # a picture's line grows with it: an exact line would clip it
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


def setup_page(doc) -> None:
    """A4, GB/T 9704 margins, page numbers on the outer side."""
    doc.settings.odd_and_even_pages_header_footer = True
    for section in doc.sections:
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance = Mm(15)
        # The dash's top sits 7 mm below the 版心 (35 - 7 = 28 mm above the page's edge);
        # a 四号 line is about 6 mm high.
        section.footer_distance = Mm(22)
        _page_number(doc, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
        _page_number(doc, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _field_run(paragraph, kind: str, text: str = "") -> None:
    run = paragraph.add_run()
    if kind == "instr":
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = text
        run._r.append(instr)
    elif kind == "text":
        run.text = text
    else:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)


def _page_number(doc, paragraph, align) -> None:
    """'— N —' with N a PAGE field, one character in from the outer edge."""
    paragraph.style = doc.styles["页码"]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(SI_HAO)
    else:
        fmt.left_indent = Pt(SI_HAO)
    paragraph.add_run("— ")
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("text", "1"),
                       ("end", "")):
        _field_run(paragraph, kind, text)
    paragraph.add_run(" —")
