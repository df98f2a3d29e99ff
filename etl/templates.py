"""Blank Excel templates (.xlsx) for every file kind of etl/mappings/kinds.csv, made from the
mapping files only: a new kind or column in the CSVs gets its template without code here.

The header row holds each column's FIRST header synonym, which `extract.identify` recognises;
drop-downs offer exactly what `validate` accepts (a domain's Chinese labels, 是/否, the
deployment's own station and county names given in `choices`). The warehouse is not read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import xlsxwriter

from core import vocabulary
from core.cells import WORKBOOK_OPTIONS, neutral
from core.messages import Message, Pair, register, render
from core.vocabulary import Words
from etl import mappings, parse, validate, zero_reports
from etl.mappings import Column
from etl.messages import listed

ROWS = 1000  # data rows formatted in advance (text IDs, dates, amounts)
LISTS_SHEET = "下拉选项"  # hidden: drop-down lists too long for Excel's inline limit
INLINE_LIMIT = 255  # Excel's limit for an inline list "a,b,c" (UTF-16 units)
EXAMPLE_DATE = dt.date(2012, 5, 4)
# An ID that passes GB 11643: the standard's own specimen, not a person of any deployment.
EXAMPLE_ID = parse.make_id("11010519491231002")
# Every other type (IDs, codes, station codes, free text, a type unknown here) is text "@":
# Excel then keeps digits as typed instead of 1.50702E+17 or a code without its zeros.
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "amount": "0.00", "int": "0", "year": "0",
                  "target": "General"}  # a target: Excel reads a typed 80% as 0.8

# What the template says, in the language it is made in (etl/messages.py).
register("etl.template", {
    "file": ("{name}_模板.xlsx", "{name}_template.xlsx"),
    "id": ("18位身份证号码（旧式15位也可），末位可为X；按文本录入",
           "18-digit ID number (old 15-digit form also accepted), the last may be X; typed as "
           "text"),
    "code": ("从下拉列表中选择", "pick from the drop-down list (Chinese labels)"),
    "bool": ("从下拉列表中选择 是 或 否", "pick 是 (yes) or 否 (no)"),
    "station": ("帮扶站点", "help station"), "region": ("地区", "region"),
    "pick_region": ("从下拉列表中选择{level}", "pick the {level} from the drop-down list"),
    "type_region": ("{level}的代码或全称", "the {level}'s code or full Chinese name"),
    "or_higher": ("，或填写上级地区（市、省）的代码或全称",
                  ", or type a higher region's (city, province) code or full name"),
    "date": ("日期，如 {example}；不早于 {earliest}，{latest}",
             "a date such as {example}; not before {earliest}, {latest}"),
    "not_after_today": ("不晚于今天", "not after today"),
    "years_ahead": ("不晚于今天后{n}年", "at most {n} years from today"),
    "amount": ("金额（元），只填数字，不超过 {limit}", "amount in yuan, a number only, at most {limit}"),
    "int": ("非负整数", "a whole number, 0 or more"),
    "year": ("四位年份，{first} 至{last}", "a four-digit year from {first} to {last}"),
    "this_year": ("今年", "this year"),
    "years_from_now": ("今年后{n}年", "{n} years from now"),
    "target": ("目标值，0 或正数；人数、件数、金额（元）填数字，比率填百分数，如 80%",
               "the target, 0 or more: a number for persons, counts and yuan, a percentage for "
               "rates, e.g. 80%"),
    "text": ("文字，自由填写", "free text"),
    "name": ("名称，照实填写；不以 = + - @ 开头（电子表格会当作公式）",
             "the name as written; not beginning with = + - @ (a spreadsheet runs it as a formula)"),
    "instructions": ("填写说明", "Instructions"),
    "required": ("必填：", "required: "), "optional": ("选填：", "optional: "),
    "not_a_value": ("不是可选值；", "Not one of the values; "),
    "may_not_load": ("该值可能无法载入；", "This value may not load; "),
    "title": ("《{kind}》填写说明", "{kind} — how to fill it in"),
    "table_head": ("列名（表头）|是否必填|填写要求|可选值|示例",
                   "Column (header)|Required|What to enter|Allowed values|Example"),
    "yes": ("必填", "yes"), "no": ("选填", "no"),
    "see_list": ("见下拉列表（共 {n} 项）", "see the drop-down list ({n} values)"),
    "values": ("{values}", "{values}"), "value": ("{value}", "{value}"),
    "note_one_kind": ("一个文件只放一种报表（本模板：{kind}）；可按月复制数据工作表，各表表头相同。",
                      "One kind of table per file (this template: {kind}); you may copy the data "
                      "sheet, one per month, each with the same header row."),
    "note_headers": ("不要修改、合并或删除表头单元格；橙色表头为必填列，灰色为选填列（可留空）。",
                     "Do not edit, merge or delete header cells; orange headers are required "
                     "columns, grey ones optional (may be left empty)."),
    "note_lists": ("带下拉箭头的列请从下拉列表中选择；其他列按下表的要求填写。",
                   "Where a cell has a drop-down arrow, pick a value from it; fill the other "
                   "columns as the table below says."),
    # said in English only (the Chinese reader reads the headers as they are)
    "note_chinese_headers": ("表头保持中文：系统按这些中文表头识别各列，请勿翻译。",
                             "The header row stays in Chinese on purpose: the loader recognises "
                             "the columns by these Chinese headers, so do not translate them."),
    "note_id": ("身份证号码列已设为文本格式，请直接输入18位号码；改成数字格式会显示为 "
                "1.50702E+17、丢失末几位，该行将被拒收。",
                "The ID number column is formatted as text: type all 18 digits. As a number "
                "Excel shows 1.50702E+17 and loses the last digits; such rows are rejected."),
    "note_dates": ("日期写成 {example}（或 2012年5月4日）；金额只填数字，不带“元”和千分位。",
                   "Write dates as {example} (or 2012年5月4日); amounts as plain numbers, "
                   "without 元 or thousands separators."),
    "note_totals": ("数据最后可以有一行“合计”（可选），系统用它核对金额之和；合计行、经办人和审核人"
                    "签字行以及表下的“注：…”“说明：…”不作为数据载入，导入结果中列出。",
                    "A totals row (合计) at the end is optional; the loader checks it against the "
                    "sum of the rows. The totals row, signature lines (经办人 …) and notes below "
                    "the table (注：…, 说明：…) are not loaded as data; the load report lists "
                    "them."),
    "note_zero": ("某月没有数据时报“零报告”：保留表头、不填数据行，在表头上方写明站点和“报表月份：2012年3月”"
                  "后上传（或在“数据导入”页登记零报告），该月即不计为漏报。",
                  "A month with nothing to report is a zero report (零报告): keep the header, no "
                  "data rows, write the station and 报表月份：2012年3月 above the header and "
                  "upload it (or declare it on the Upload page); the month then does not count "
                  "as missing."),
    "note_extra": ("本模板只含系统需要的列；自行增加的序号、姓名等列载入时忽略，不会保存。",
                   "The template holds the columns the system needs; columns you add (序号, "
                   "姓名, …) are ignored and not stored."),
    "note_upload": ("在“数据导入”页上传本文件；未通过校验的行列入拒收清单，改正后重新上传整个文件即可，"
                    "已载入的行不会重复计算。",
                    "Upload the file on the Upload page (数据导入). Rows that fail the checks are "
                    "listed in the rejects report; correct them and upload the whole file again: "
                    "rows already loaded are not counted twice."),
})


def _say(key: str, lang: str, **params: object) -> str:
    return render(f"etl.template.{key}", lang, **params)


@dataclass
class Spec:
    """What a column's cells take: drop-down values, number format, advice, an example."""

    values: list[str] | None
    num_format: str
    what: str
    example: object


def template_name(kind: str, lang: str = "zh") -> str:
    k = mappings.kinds()[kind]
    return _say("file", lang, name=Pair(k.name_zh, re.sub(r"\W+", "_", k.name_en).strip("_")))


def header(col: Column, words: Words) -> str:
    """A column's header in the template: its first synonym, the county column's in the
    deployment's words (所属区（市）县); the loader accepts either."""
    return words.county_header if col.type == "county" else col.headers[0]


def spec(col: Column, choices: dict[str, list[str]], has_persons: bool, lang: str,
         words: Words = vocabulary.GENERIC) -> Spec:
    """The cells of one column by its type (the same types `validate.check_column` knows)."""
    fmt, t = NUMBER_FORMATS.get(col.type, "@"), col.type
    if t == "id":
        return Spec(None, fmt, _say("id", lang), EXAMPLE_ID)
    if t == "code":
        labels = [words.label(d, c, zh, en_)[0]
                  for d, c, zh, en_ in mappings.labels() if d == col.domain]
        return Spec(labels, fmt, _say("code", lang), labels[0] if labels else "")
    if t == "bool":
        return Spec(["是", "否"], fmt, _say("bool", lang), "是")
    if t in ("station", "region", "county"):
        level = (Message(f"etl.template.{t}") if t != "county" else
                 Pair(words.level(t), words.level(t, "en").lower()))
        offered = choices.get(t) or None
        what = _say("pick_region" if offered else "type_region", lang, level=level)
        if offered and t == "region":  # the list offers counties; a city is typed
            what += _say("or_higher", lang)
        return Spec(offered, fmt, what, offered[0] if offered else "")
    if t == "date":
        ahead = col.max_future_years
        latest = (Message("etl.template.years_ahead", {"n": ahead}) if ahead
                  else Message("etl.template.not_after_today"))
        return Spec(None, fmt, _say("date", lang, example=EXAMPLE_DATE,
                                    earliest=parse.EARLIEST_DATE, latest=latest), EXAMPLE_DATE)
    if t == "amount":
        limit = parse.MAX_AMOUNT_YUAN if has_persons else validate.AGGREGATE_AMOUNT_LIMIT
        return Spec(None, fmt, _say("amount", lang, limit=f"{limit:,.0f}"), 1200.0)
    if t == "int":
        return Spec(None, fmt, _say("int", lang), 12)
    if t == "year":
        ahead = col.max_future_years
        last = (Message("etl.template.years_from_now", {"n": ahead}) if ahead
                else Message("etl.template.this_year"))
        return Spec(None, fmt, _say("year", lang, first=parse.EARLIEST_DATE.year, last=last),
                    EXAMPLE_DATE.year)
    if t == "target":
        return Spec(None, fmt, _say("target", lang), 1000)
    return Spec(None, fmt, _say("name" if t == "name" else "text", lang), "")


def template_bytes(kind: str, choices: dict[str, list[str]] | None = None,
                   lang: str = "zh", words: Words = vocabulary.GENERIC) -> bytes:
    """The blank template of `kind` as .xlsx bytes; instructions in `lang` ("zh" or "en"),
    headers always Chinese (the loader recognises those), in the deployment's `words`."""
    k, cols = mappings.kinds()[kind], mappings.columns(kind)
    has_persons = any(c.type == "id" for c in cols)
    specs = [spec(c, choices or {}, has_persons, lang, words) for c in cols]
    heads = [header(c, words) for c in cols]
    # English readers get the system's name of each column beside its Chinese header
    if lang == "en":
        for c, s in zip(cols, specs, strict=True):
            s.what = f"[{c.name}] {s.what}"
    out = io.BytesIO()
    # Station and county names in examples and drop-downs came from files: text stays text.
    wb = xlsxwriter.Workbook(out, {"in_memory": True, **WORKBOOK_OPTIONS})
    # A fixed time: the same mappings give the same bytes.
    wb.set_properties({"created": dt.datetime(2012, 5, 4), "title": template_name(kind, lang)})
    ws = wb.add_worksheet(re.sub(r"[\[\]:*?/\\]", "", k.name_zh)[:31])
    _data_sheet(wb, ws, cols, specs, heads, lang)
    _instructions(wb, wb.add_worksheet(_say("instructions", lang)), k,
                  list(zip(cols, specs, heads, strict=True)), words, lang)
    wb.close()
    return out.getvalue()


def _data_sheet(wb, ws, cols: list[Column], specs: list[Spec], heads: list[str],
                lang: str) -> None:
    head = {required: wb.add_format({  # required columns orange with dark red text, others grey
        "bold": True, "border": 1, "align": "center", "bg_color": "#F8CBAD" if required
        else "#D9D9D9", "font_color": "#9C0006" if required else "#000000"})
        for required in (True, False)}
    long_lists: list[list[str]] = []  # drop-downs that go on LISTS_SHEET
    for i, (col, s, head_text) in enumerate(zip(cols, specs, heads, strict=True)):
        cell = wb.add_format({"num_format": s.num_format})
        longest = max([len(head_text) * 2, len(str(s.example)) + 2,
                       *(len(v) * 2 for v in s.values or [])])
        ws.set_column(i, i, min(max(longest + 2, 12), 40), cell)
        ws.write_string(0, i, head_text, head[col.required])  # a synonym exactly
        ws.write_comment(0, i, _say("required" if col.required else "optional", lang) + s.what,
                         {"x_scale": 2})
        for row in range(1, ROWS + 1):  # cells of their own, not only the column's style,
            ws.write_blank(row, i, None, cell)  # which openpyxl and others do not apply
        rule = _rule(col, s, head_text, lang)
        if s.values:
            rule |= {"validate": "list", "source": _source(s.values, long_lists)}
        if ws.data_validation(1, i, ROWS, i, rule) != 0:  # xlsxwriter warns, never raises
            raise ValueError(f"data validation of {col.kind}.{col.name} refused: {rule}")
    if long_lists:
        lists = wb.add_worksheet(LISTS_SHEET)
        # the names exactly as registered (a drop-down must offer them so), marked as text
        # the way Excel marks a typed leading quote: an edit cannot make them a formula
        literal = wb.add_format({"quote_prefix": True})
        for j, values in enumerate(long_lists):
            lists.write_column(0, j, values, literal)
        lists.hide()
    ws.freeze_panes(1, 0)


def _source(values: list[str], long_lists: list[list[str]]) -> list[str] | str:
    """A drop-down's values inline when Excel takes them so (at most 255 characters, no comma
    or quote inside a value), else a range of the hidden lists sheet."""
    utf16 = len(",".join(values).encode("utf-16-le")) // 2
    if utf16 <= INLINE_LIMIT and not any(c in v for v in values for c in ',"'):
        return values
    long_lists.append(values)
    letter = xlsxwriter.utility.xl_col_to_name(len(long_lists) - 1)
    return f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _rule(col: Column, s: Spec, head_text: str, lang: str) -> dict:
    """The cell rule by type; list rules stop other values (the labels are what the loader
    reads), the rest only warn: the loader, not Excel, has the last word."""
    stop = col.type in ("code", "bool")
    warn = _say("not_a_value" if stop else "may_not_load", lang) + s.what
    rule = {"validate": "any", "input_title": head_text[:32], "input_message": s.what[:255],
            "error_type": "stop" if stop else "warning", "error_message": warn[:255]}
    if col.type == "date":
        ahead = col.max_future_years  # a formula: the template stays right as years go by
        rule |= {"validate": "date", "criteria": "between", "minimum": parse.EARLIEST_DATE,
                 "maximum": f"=EDATE(TODAY(),{12 * ahead})" if ahead else "=TODAY()"}
    elif col.type in ("amount", "int", "year"):
        low = parse.EARLIEST_DATE.year if col.type == "year" else 0
        rule |= {"validate": "decimal" if col.type == "amount" else "integer",
                 "criteria": ">=", "value": low}
    return rule


def _instructions(wb, ws, k: mappings.Kind, columns: list[tuple[Column, Spec, str]],
                  words: Words, lang: str) -> None:
    """General notes first, then one row per column. A row must never look like a header row
    of some kind (two header synonyms in one row) or the loader would read this sheet as data:
    each row names one column only, and the notes fill the rows the loader scans first."""
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9D9D9"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    ymd = wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top", "border": 1})
    ws.write(0, 0, _say("title", lang, kind=Pair(k.name_zh, k.name_en)), bold)
    notes = _notes(k, [c for c, _, _ in columns], lang)
    for r, note in enumerate(notes, start=1):
        ws.write(r, 0, f"{r}. {note}")
    top = len(notes) + 2
    ws.write_row(top, 0, _say("table_head", lang).split("|"), head)
    for r, (col, s, head_text) in enumerate(columns, start=top + 1):
        required = _say("yes" if col.required else "no", lang)
        ws.write_row(r, 0, [neutral(v) for v in (head_text, required, s.what,
                                                 _allowed(col, s, lang, words))], wrap)
        ws.write(r, 4, neutral(s.example), ymd if isinstance(s.example, dt.date) else wrap)
    for c, width in enumerate((24, 10, 48, 48, 22)):
        ws.set_column(c, c, width)


def _allowed(col: Column, s: Spec, lang: str, words: Words = vocabulary.GENERIC) -> str:
    if not s.values:
        return ""
    if len(s.values) > 30:  # a deployment's hundred stations: the list says them all
        return _say("see_list", lang, n=len(s.values))
    # a code's label, and in English its English name beside it
    names = (dict(words.label(d, c, zh, label_en)
                  for d, c, zh, label_en in mappings.labels() if d == col.domain)
             if col.type == "code" else {})
    return render(Message("etl.template.values", {"values": listed(
        [Message("etl.validate.allowed", {"label": v, "code": names.get(v, v)})
         if v in names else Message("etl.template.value", {"value": v}) for v in s.values],
        "comma")}), lang)


def _notes(k: mappings.Kind, cols: list[Column], lang: str) -> list[str]:
    """General notes, each (shown?, its key, its parameters); the ID and date notes only
    where the kind has such columns."""
    types = {c.type for c in cols}
    notes = [
        (True, "note_one_kind", {"kind": Pair(k.name_zh, k.name_en)}),
        (True, "note_headers", {}),
        (True, "note_lists", {}),
        (lang == "en", "note_chinese_headers", {}),
        ("id" in types, "note_id", {}),
        (bool(types & {"date", "amount"}), "note_dates", {"example": EXAMPLE_DATE}),
        (True, "note_totals", {}),
        (k.kind in zero_reports.KINDS, "note_zero", {}),
        (True, "note_extra", {}),
        (True, "note_upload", {}),
    ]
    return [_say(key, lang, **params) for shown, key, params in notes if shown]
