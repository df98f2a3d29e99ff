"""Many subscriptions from one file: TOML with `[[subscription]]` tables, or CSV (UTF-8, with
or without a BOM) whose headers are the English keys or their Chinese headings. A file with
any problem saves nothing; each problem names the entry.

    [[subscription]]
    id = "balinzuoqi-monthly"
    region = "150422"
    period_rule = "last_month"     # or 上月 / last_quarter 上季度 / year_to_date 本年累计
    day = 5                        # the 5th of each month (every = "week": 1-7, Monday-Sunday)
    hour = 8
    lang = "zh"
    recipients = ["office-mail", "wecom-group"]
"""

from __future__ import annotations

import csv
import io
import tomllib

from alerts.subscriptions import Subscription

HEADINGS = {"编号": "id", "名称": "name", "地区": "region", "期间": "period_rule",
            "周期": "every", "日": "day", "时": "hour", "语言": "lang", "接收渠道": "recipients",
            "启用": "enabled"}
WORDS = {"上月": "last_month", "上季度": "last_quarter", "本年累计": "year_to_date",
         "每月": "month", "每周": "week"}
NO = {"0", "false", "no", "n", "否", "停用", "off"}


def read(name: str, data: bytes) -> list[Subscription]:
    """The file's subscriptions; ValueError listing every entry that is wrong."""
    text = data.decode("utf-8-sig")
    rows = _toml(text) if name.lower().endswith(".toml") else _csv(text)
    subs, problems = [], []
    for n, row in enumerate(rows, start=1):
        try:
            subs.append(Subscription.from_dict(row))
        except (ValueError, TypeError) as exc:
            problems.append(f"{name} #{n}: {exc}")
    ids = [s.sub_id for s in subs]
    problems += [f"{name}: id {i!r} used twice" for i in sorted({i for i in ids
                                                                  if ids.count(i) > 1})]
    if not rows:
        problems.append(f"{name}: no subscriptions in the file")
    if problems:
        raise ValueError("\n".join(problems))
    return subs


def unknown_names(subs: list[Subscription], *, regions: set[str] | None,
                  channels: set[str] | None) -> list[str]:
    """Regions the warehouse lacks and channels the channels file lacks (None: not checked):
    a typo is named when the file is saved, not when its first briefing fails."""
    out = []
    for s in subs:
        if regions is not None and s.region not in regions:
            out.append(f"{s.sub_id}: region {s.region} is not in this warehouse")
        missing = [c for c in s.recipients if channels is not None and c not in channels]
        if missing:
            out.append(f"{s.sub_id}: channels {', '.join(missing)} are not in the channels "
                       f"file (known: {', '.join(sorted(channels or ())) or 'none'})")
    return out


def _toml(text: str) -> list[dict]:
    return [_words(t) for t in tomllib.loads(text).get("subscription", [])]


def _csv(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    out = []
    for row in reader:
        cells = {HEADINGS.get(k.strip(), k.strip().lower()): (v or "").strip()
                 for k, v in row.items() if k is not None}
        if not any(cells.values()):
            continue
        cells = {k: v for k, v in cells.items() if v != ""}
        if "recipients" in cells:
            cells["recipients"] = [c.strip() for c in cells["recipients"].replace("；", ";")
                                   .split(";") if c.strip()]
        if "enabled" in cells:
            cells["enabled"] = cells["enabled"].lower() not in NO
        out.append(_words(cells))
    return out


def _words(row: dict) -> dict:
    """Chinese words for the period rule and the frequency, as the CSV headings allow."""
    return {k: WORDS.get(v, v) if k in ("period_rule", "every") else v for k, v in row.items()}
