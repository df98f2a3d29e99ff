"""Alert rules: checked, saved in the alert state file (alerts/store.py), edited, disabled,
and read many at once from a rules file (CSV or TOML).

A rule is checked whole before it is saved, and a rules file row by row: each problem names
the file, the row, the column, what is wrong and how to fix it, in Chinese and English, and a
file with any problem saves nothing. A user bound to a region (ui/auth) saves, sees and edits
only rules whose region lies inside theirs (analytics.access.within).
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from alerts import store
from alerts.model import CONDITIONS, Rule
from analytics.access import within
from analytics.filters import COUNTRY
from core import audit
from core.messages import pick, register, render
from core.warehouse import warehouse_path

OPS = (">", ">=", "<", "<=")
# Rules-file headers: the English key, or its Chinese heading.
COLUMNS = {"id": "编号", "name": "名称", "indicator": "指标", "condition": "条件",
           "region": "地区", "depth": "层级", "recipients": "接收渠道", "lang": "语言",
           "enabled": "启用", "op": "比较", "value": "阈值", "basis": "基准", "pct": "幅度",
           "pp": "百分点", "day": "日", "by": "截止日期", "kind": "类别", "n": "件数",
           "period": "期间"}  # period: month, quarter, year or one (2012-05); default: the last ended
CONDITION_WORDS = {"阈值": "threshold", "变化": "change", "同比环比": "change",
                   "落后序时进度": "behind_schedule", "未报送": "silent_station",
                   "配套资金未到位": "matching_arrears", "信访超过": "petitions_above"}
CONDITION_NAMES = {  # for messages and the editor
    "threshold": ("阈值", "threshold"), "change": ("同比/环比变化", "change (YoY / MoM)"),
    "behind_schedule": ("落后序时进度", "behind schedule"),
    "silent_station": ("站点未报送", "station silent"),
    "matching_arrears": ("配套资金未到位", "matching funds not arrived"),
    "petitions_above": ("信访件数超过", "petitions above")}
register("alert_condition", CONDITION_NAMES)
register("rule_problem", {"row": ("第{n}行", "row {n}"), "column": ("列「{name}」", "column {name}"),
                          "at": ("{where}：{what}", "{where}: {what}")})
BASIS_WORDS = {"同比": "yoy", "环比": "mom"}
KIND_WORDS = {"集体访": "collective", "越级访": "skip_level", "全部": "all"}
YES = {"1", "true", "yes", "y", "是", "启用", "on"}
NO = {"0", "false", "no", "n", "否", "停用", "off"}
# Indicator required where the condition reads one; the other conditions have their own data.
NEEDS_INDICATOR = {"threshold", "change", "behind_schedule"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule: where (file, row, column), what, and how to fix it."""

    column: str
    zh: str
    en: str
    file: str = ""
    row: int | None = None

    def text(self, lang: str = "zh") -> str:
        column = pick((COLUMNS.get(self.column, self.column), self.column), lang)
        parts = (self.file, render("rule_problem.row", lang, n=self.row) if self.row else "",
                 render("rule_problem.column", lang, name=column) if self.column else "")
        where = pick((" ", ", "), lang).join(x for x in parts if x)
        what = pick((self.zh, self.en), lang)
        return render("rule_problem.at", lang, where=where, what=what) if where else what


class Refused(ValueError):
    """A rule or rules file not saved; `problems` says why (nothing was changed)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.text("en") for p in problems))


# ---------------------------------------------------------------- checking

def check(rule: Rule, *, scope: str = COUNTRY, channels: set[str] | None = None,
          regions: set[str] | None = None, indicators: set[str] | None = None
          ) -> list[Problem]:
    """Every problem of `rule` (empty: it can be saved). `channels`, `regions` and
    `indicators` are what exists (None: not checked); `scope` the user's region."""
    out: list[Problem] = []
    if not rule.name.strip():
        out.append(Problem("name", "规则名称为空；请填写一个简短的名称",
                           "the rule has no name; give it a short one"))
    if rule.condition not in CONDITIONS:
        out.append(Problem("condition", f"“{rule.condition}”不是可用的条件；请填写 "
                           f"{'、'.join(CONDITIONS)} 之一",
                           f"'{rule.condition}' is not a condition; use one of "
                           f"{', '.join(CONDITIONS)}"))
    else:
        out += _check_params(rule.condition, rule.params)
    out += _check_indicator(rule, indicators)
    out += _check_region(rule, scope, regions)
    if rule.level_depth not in (0, 1, 2, 3):
        out.append(Problem("depth", "层级应为 0（地区本身）到 3 之间的整数",
                           "depth must be a whole number from 0 (the region itself) to 3"))
    if rule.lang not in ("zh", "en"):
        out.append(Problem("lang", "语言应为 zh 或 en", "lang must be zh or en"))
    if not rule.recipients:
        out.append(Problem("recipients", "没有接收渠道；请填写渠道文件中的渠道名称，多个用分号隔开",
                           "no recipients; name channels of the channels file, separated by ;"))
    elif channels is not None:
        unknown = [c for c in rule.recipients if c not in channels]
        if unknown:
            known = "、".join(sorted(channels)) or "（渠道文件中尚无渠道）"
            out.append(Problem("recipients", f"渠道 {'、'.join(unknown)} 不在渠道文件中；可用：{known}",
                               f"channel(s) {', '.join(unknown)} are not in the channels file; "
                               f"known: {', '.join(sorted(channels)) or '(none configured)'}"))
    return out


def _check_indicator(rule: Rule, indicators: set[str] | None) -> list[Problem]:
    if rule.condition in NEEDS_INDICATOR and not rule.indicator:
        return [Problem("indicator", "此条件需要指标；请填写指标目录中的指标代码",
                        "this condition needs an indicator: a code of the indicator catalogue")]
    if rule.indicator and indicators is not None and rule.indicator not in indicators:
        return [Problem("indicator", f"“{rule.indicator}”不是指标目录中的代码；请查看指标说明页的代码",
                        f"'{rule.indicator}' is not a code of the indicator catalogue")]
    return []


def _check_region(rule: Rule, scope: str, regions: set[str] | None) -> list[Problem]:
    if regions is not None and rule.region not in regions:
        return [Problem("region", f"地区代码 {rule.region} 不在本数据仓库中；请填写6位行政区划代码",
                        f"region {rule.region} is not in this warehouse; give a 6-digit code")]
    if not within(rule.region, scope):
        return [Problem("region", f"地区 {rule.region} 不在您的权限范围（{scope}）内；"
                        "请填写本地区或其下级地区",
                        f"region {rule.region} lies outside your region ({scope}); "
                        "use your region or one below it")]
    return []


def _check_params(condition: str, p: dict) -> list[Problem]:
    out = []

    def need(key: str, ok, zh: str, en: str) -> None:
        try:
            good = key in p and ok(p[key])
        except (TypeError, ValueError):
            good = False
        if not good:
            out.append(Problem(key, zh, en))

    if condition in ("threshold", "change"):
        need("op", lambda v: v in OPS, "比较符应为 >、>=、< 或 <=", "op must be >, >=, < or <=")
    if condition == "threshold":
        need("value", lambda v: float(v) == float(v), "阈值应为数字，例如 0.8",
             "value must be a number, e.g. 0.8")
    elif condition == "change":
        need("basis", lambda v: v in ("yoy", "mom"), "基准应为 同比（yoy）或 环比（mom）",
             "basis must be yoy or mom")
        need("pct", lambda v: float(v) == float(v), "幅度应为百分数，例如 -20 表示下降20%",
             "pct must be a percentage, e.g. -20 for a fall of 20%")
    elif condition == "behind_schedule":
        need("pp", lambda v: float(v) >= 0, "百分点应为不小于0的数字，例如 10",
             "pp must be a number of points, 0 or more, e.g. 10")
    elif condition == "silent_station":
        need("day", lambda v: 1 <= int(v) <= 28, "日应为1到28之间的整数（每月第几日前）",
             "day must be a whole number from 1 to 28 (day of the month)")
    elif condition == "matching_arrears":
        need("by", lambda v: date.fromisoformat(f"2000-{v}") is not None,
             "截止日期应写作 月-日，例如 09-30", "by must be MM-DD, e.g. 09-30")
    elif condition == "petitions_above":
        need("kind", lambda v: v in ("collective", "skip_level", "all"),
             "类别应为 集体访、越级访 或 全部", "kind must be collective, skip_level or all")
        need("n", lambda v: int(v) >= 0 and float(v) == int(v), "件数应为不小于0的整数",
             "n must be a whole number, 0 or more")
    return out


def known() -> dict[str, set[str]]:
    """What a rule may name: the warehouse's regions, the catalogue's indicators and the
    configured channels (for `check`)."""
    from alerts import channels
    from analytics import indicators, reference

    return {"regions": set(reference.parent_codes()),
            "indicators": set(indicators.INDICATORS),
            "channels": set(channels.load())}


# ---------------------------------------------------------------- saving and reading

def new_id() -> str:
    return "R" + uuid.uuid4().hex[:8]


def save(rule: Rule, *, user: str | None = None, scope: str = COUNTRY,
         path: Path | None = None, check_known: bool = True) -> Rule:
    """Add or replace `rule` (by its id; a blank id gets a new one). Refused with its
    problems when it does not check, or when it would replace a rule outside `scope`."""
    rule = rule if rule.rule_id else replace(rule, rule_id=new_id())
    problems = check(rule, scope=scope, **(known() if check_known else {}))
    old = get(rule.rule_id, path=path)
    if old is not None and not within(old.region, scope):
        problems.append(Problem("id", f"规则 {rule.rule_id} 不在您的权限范围内，不能修改",
                                f"rule {rule.rule_id} lies outside your region: not yours to edit"))
    if problems:
        raise Refused(problems)
    _write([rule], user=user, scope=scope, path=path)
    return rule


def _write(rules: list[Rule], *, user: str | None, scope: str, path: Path | None) -> None:
    now = store.now_text()
    with store.connect(path) as con, store.transaction(con):
        for r in rules:
            con.execute(
                "INSERT INTO rules (rule_id, name, indicator, condition, params, region, "
                "level_depth, recipients, owner, owner_region, lang, enabled, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (rule_id) DO UPDATE "
                "SET name=excluded.name, indicator=excluded.indicator, "
                "condition=excluded.condition, params=excluded.params, region=excluded.region, "
                "level_depth=excluded.level_depth, recipients=excluded.recipients, "
                "lang=excluded.lang, enabled=excluded.enabled, updated_at=excluded.updated_at",
                [r.rule_id, r.name, r.indicator, r.condition,
                 json.dumps(r.params, ensure_ascii=False), r.region, r.level_depth,
                 json.dumps(list(r.recipients), ensure_ascii=False), r.owner or (user or ""),
                 None if scope == COUNTRY else scope, r.lang, int(r.enabled), now, now])
    for r in rules:
        audit.record("alert_rule", user=user, object=r.rule_id, details=_described(r),
                     warehouse=warehouse_path())


def _described(r: Rule) -> dict:
    """What the audit log says of a rule: its settings, never a channel's address."""
    return {"name": r.name, "indicator": r.indicator, "condition": r.condition,
            "params": r.params, "region": r.region, "depth": r.level_depth,
            "recipients": list(r.recipients), "enabled": r.enabled}


def set_enabled(rule_id: str, enabled: bool, *, user: str | None = None,
                scope: str = COUNTRY, path: Path | None = None) -> Rule:
    """Enable or disable one rule (refused outside `scope`, or when there is no such rule)."""
    old = get(rule_id, path=path)
    if old is None or not within(old.region, scope):
        raise Refused([Problem("id", f"没有可修改的规则 {rule_id}",
                               f"no rule {rule_id} you may edit")])
    rule = replace(old, enabled=enabled)
    _write([rule], user=user, scope=scope, path=path)
    return rule


def get(rule_id: str, *, path: Path | None = None) -> Rule | None:
    if not store.readable(path):
        return None
    with store.connect(path) as con:
        row = con.execute("SELECT * FROM rules WHERE rule_id = ?", [rule_id]).fetchone()
    return _rule(row) if row else None


def all_rules(*, scope: str = COUNTRY, enabled_only: bool = False,
              path: Path | None = None) -> list[Rule]:
    """The rules whose region lies in `scope`, by name."""
    if not store.readable(path):
        return []
    with store.connect(path) as con:
        rows = con.execute("SELECT * FROM rules ORDER BY name, rule_id").fetchall()
    rules = [_rule(r) for r in rows]
    return [r for r in rules if (r.enabled or not enabled_only)
            and (scope == COUNTRY or within(r.region, scope))]


def _rule(row) -> Rule:
    return Rule(rule_id=row["rule_id"], name=row["name"], indicator=row["indicator"],
                condition=row["condition"], params=json.loads(row["params"]),
                region=row["region"], level_depth=row["level_depth"],
                recipients=tuple(json.loads(row["recipients"])), owner=row["owner"],
                lang=row["lang"], enabled=bool(row["enabled"]))


# ---------------------------------------------------------------- rules files

def read_file(name: str, data: bytes, *, owner: str = "", scope: str = COUNTRY,
              known_names: dict[str, set[str]] | None = None,
              path: Path | None = None) -> tuple[list[Rule], list[Problem]]:
    """The rules of a rules file (CSV in UTF-8 or GBK, or TOML with [[rule]] tables), and
    every problem found, each with file, row and column; a row naming the id of a rule
    outside `scope` (in the state file `path`) is one."""
    try:
        rows = _toml_rows(data) if name.lower().endswith(".toml") else _csv_rows(data)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as e:
        return [], [Problem("", "文件无法读取；请另存为 CSV（UTF-8 或 GBK）或 TOML",
                            f"the file cannot be read ({type(e).__name__}); save it as "
                            "UTF-8 CSV or TOML", file=name)]
    rules, problems = [], []
    ids = set()
    for number, row in rows:
        rule, found = _from_row(row, owner)
        if not found:
            found = check(rule, scope=scope, **(known_names or {}))
        if rule.rule_id and rule.rule_id in ids:
            found.append(Problem("id", "编号与前面的行重复；每条规则的编号应唯一",
                                 "the id repeats an earlier row's; ids must be unique"))
        old = get(rule.rule_id, path=path) if rule.rule_id else None
        if old is not None and not within(old.region, scope):
            found.append(Problem("id", f"规则 {rule.rule_id} 不在您的权限范围内，不能修改；"
                                 "新规则请留空编号", f"rule {rule.rule_id} lies outside your "
                                 "region: not yours to replace; leave the id empty for a new one"))
        ids.add(rule.rule_id)
        problems += [replace(p, file=name, row=number) for p in found]
        rules.append(rule)
    if not rows:
        problems.append(Problem("", "文件中没有规则", "the file holds no rules", file=name))
    return rules, problems


def import_file(name: str, data: bytes, *, user: str | None = None, scope: str = COUNTRY,
                path: Path | None = None, check_known: bool = True) -> list[Rule]:
    """Save every rule of a rules file, or none: Refused with all its problems."""
    rules, problems = read_file(name, data, owner=user or "", scope=scope,
                                known_names=known() if check_known else None, path=path)
    rules = [r if r.rule_id else replace(r, rule_id=new_id()) for r in rules]
    if problems:
        raise Refused(problems)
    _write(rules, user=user, scope=scope, path=path)
    return rules


def _csv_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's "CSV (逗号分隔)" on a Chinese Windows writes GBK
        text = data.decode("gb18030")
    reader = csv.DictReader(io.StringIO(text))
    headers = {h: _key(h) for h in reader.fieldnames or []}
    return [(reader.line_num, {headers[k]: (v or "").strip() for k, v in row.items()
                               if k is not None})
            for row in reader if any((v or "").strip() for v in row.values() if v)]


def _toml_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    doc = tomllib.loads(data.decode("utf-8-sig"))
    return [(n, {_key(k): v if isinstance(v, list) else str(v) for k, v in t.items()})
            for n, t in enumerate(doc.get("rule", []), start=1)]


def _key(header: str) -> str:
    header = header.strip()
    back = {zh: en for en, zh in COLUMNS.items()}
    return back.get(header, header.lower())


def _from_row(row: dict, owner: str) -> tuple[Rule, list[Problem]]:
    """A Rule from one row's cells; problems of cells that are not even the right type."""
    problems = []
    condition = row.get("condition", "")
    condition = CONDITION_WORDS.get(condition, condition)
    params = _params(condition, row)
    depth, enabled = row.get("depth") or "1", (row.get("enabled") or "1").lower()
    if not depth.isdigit():
        problems.append(Problem("depth", "层级应为 0 到 3 的整数", "depth must be 0 to 3"))
    if enabled not in YES | NO:
        problems.append(Problem("enabled", "启用应为 是 或 否", "enabled must be yes or no"))
    recipients = row.get("recipients", "")
    if isinstance(recipients, str):
        recipients = [c.strip() for c in recipients.replace("；", ";").split(";")]
    rule = Rule(rule_id=row.get("id", ""), name=row.get("name", ""),
                indicator=row.get("indicator", ""), condition=condition, params=params,
                region=row.get("region", ""), level_depth=int(depth) if depth.isdigit() else 1,
                recipients=tuple(c for c in recipients if c), owner=owner,
                lang=row.get("lang") or "zh", enabled=enabled not in NO)
    return rule, problems


def _params(condition: str, row: dict) -> dict:
    """The condition's settings from their columns, typed where they are well formed (a
    malformed one is kept as text for `check` to name)."""
    keys = {"threshold": ("op", "value"), "change": ("basis", "op", "pct"),
            "behind_schedule": ("pp",), "silent_station": ("day",),
            "matching_arrears": ("by",), "petitions_above": ("kind", "n")}.get(condition, ())
    keys = (*keys, "period")
    out = {}
    for k in keys:
        v = row.get(k, "")
        if v == "":
            continue
        v = BASIS_WORDS.get(v, KIND_WORDS.get(v, v))
        if k in ("value", "pct", "pp"):
            v = _number(v, float)
        elif k in ("day", "n"):
            v = _number(v, int)
        out[k] = v
    return out


def _number(text: str, kind):
    try:
        return kind(text)
    except ValueError:
        return text
