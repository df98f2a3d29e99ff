"""The audit log's hash chain: each event carries a keyed hash of itself and the one before.

`hash = HMAC-SHA256(key, canonical JSON of the event's fields and prev_hash)`, the first
event's `prev_hash` being GENESIS. Removing an event breaks the link of the one after it;
editing one breaks its own hash; and without the key (kept outside the log, like the
pseudonym key: env `UNION_DASH_AUDIT_KEY` or a key file under ~/.config) nobody can write a
chain that verifies, so a rewritten or replaced file shows. What a chain cannot show by
itself is the newest events cut off (nothing comes after them to break): `check` compares
with the log's own counter (sqlite_sequence) and, given the warehouse, with its batches;
an admin who notes the head (`verify` prints it) can check later that it is still there.

Pure functions over rows: core/audit.py writes the chain, core/audit_verify.py reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.messages import register, render
from core.secret_file import read_or_make

KEY_ENV = "UNION_DASH_AUDIT_KEY"
KEY_FILE_ENV = "UNION_DASH_AUDIT_KEY_FILE"
GENESIS = hashlib.sha256(b"union-dashboard audit log: genesis").hexdigest()
# What the hash covers: every column of an event but the hash itself.
FIELDS = ("id", "at_utc", "at_local", "user", "role", "action", "object", "details", "outcome",
          "prev_hash")


def key_file() -> Path:
    default = Path.home() / ".config" / "union-dashboard" / "audit.key"
    return Path(os.environ.get(KEY_FILE_ENV, default)).expanduser()


def load_key(create: bool = True) -> bytes | None:
    """The chain's HMAC key: env, else the key file, made (mode 0600) on first use when
    `create`; None when there is none and none may be made (`verify` must not make one: a
    new key would call every event forged)."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode()
    path = key_file()
    if not path.exists() and not create:
        return None
    return read_or_make(path)


def link(key: bytes, event: dict) -> str:
    """The hash of `event` (its FIELDS, `prev_hash` included), as 64 hex digits."""
    body = json.dumps({f: event.get(f) for f in FIELDS}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One finding. kind: edited (at), removed (at..until), relinked (at), start (at),
    unchained (at), tail (at..until), batch (batch), wrong_key, anchor (at)."""

    kind: str
    at: int | None = None
    until: int | None = None
    batch: str | None = None


@dataclass
class Report:
    events: int = 0
    first: int | None = None
    head: int | None = None
    head_hash: str | None = None
    batches_checked: int | None = None  # warehouse batches compared, None when not given
    pending: int = 0  # loads and withdrawals started with no outcome yet (not a finding)
    problems: list[Problem] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.problems


def check(rows: Iterable[dict], key: bytes, counter: int | None = None) -> Report:
    """Walk the events in id order: every hash matches its event, every event links to the
    one before, no number is skipped, and nothing follows the last but the log's counter."""
    # prev_id: the last event seen (numbers); prev_hash: the last one chained (links: an
    # event added by hand is on no chain, and the program chains past it)
    report, prev_id, prev_hash, bad = Report(), 0, GENESIS, 0
    for row in rows:
        n = row["id"]
        report.events += 1
        report.first = n if report.first is None else report.first
        if n != prev_id + 1:
            report.problems.append(Problem("start" if prev_id == 0 else "removed",
                                           prev_id + 1, n - 1))
        prev_id = n
        if row.get("hash") is None:
            report.problems.append(Problem("unchained", n))
            continue
        if row.get("prev_hash") != prev_hash and not _gap(report, n):
            report.problems.append(Problem("relinked", n))
        if not hmac.compare_digest(link(key, row), row["hash"]):
            report.problems.append(Problem("edited", n))
            bad += 1
        prev_hash = row["hash"]
        report.head, report.head_hash = n, row["hash"]
    if counter is not None and counter > prev_id:
        report.problems.append(Problem("tail", prev_id + 1, counter))
    hashed = report.events - sum(p.kind == "unchained" for p in report.problems)
    if hashed > 1 and bad == hashed:  # every one: a different key, not every event edited
        report.problems = [Problem("wrong_key")]
    return report


def _gap(report: Report, n: int) -> bool:
    """Whether a gap ending just before `n` was reported (its broken link says no more)."""
    last = report.problems[-1] if report.problems else None
    return last is not None and last.kind in ("start", "removed") and last.until == n - 1


TEXT = {
    "edited": ("第 {at} 条被修改（哈希不符）", "event {at} was edited (hash mismatch)"),
    "removed": ("第 {rng} 条被删除（第 {before} 条与第 {after} 条之间有缺口）",
                "{ev} {rng} {was} removed (gap between {before} and {after})"),
    "relinked": ("第 {at} 条之前的记录被删除或替换（链接不符）",
                 "an event before {at} was removed or replaced (its link does not match)"),
    "start": ("日志开头的第 {rng} 条被删除", "the first {ev} {rng} {was} removed"),
    "unchained": ("第 {at} 条不在哈希链上（手工添加，或写入时没有密钥）",
                  "event {at} is not on the chain (added by hand, or recorded without the "
                  "key)"),
    "tail": ("最后的第 {rng} 条被删除（日志编号已到 {until}）",
             "the last {ev} {rng} {was} removed (the log's numbering reached {until})"),
    "batch": ("仓库中的批次 {batch} 没有导入记录（记录被删除）",
              "batch {batch} is in the warehouse but no load event names it (removed)"),
    "wrong_key": ("所有记录的哈希都不符：密钥不是这份日志的，或整份日志被替换",
                  "no event's hash matches: the key is not this log's, or the whole log "
                  "was replaced"),
    "anchor": ("第 {at} 条不是记下的那条：日志被替换或重写",
               "event {at} is not the one noted: the log was replaced or rewritten"),
    # the verdict (summary)
    "empty": ("日志为空", "the log is empty"),
    "whole": ("整条日志完整：自第 {first} 条至第 {head} 条，共 {events} 条",
              "the whole log is intact: events {first}–{head}, {events} in all"),
    "not_whole": ("日志不完整：发现 {n} 处问题", "the log is not whole: {n} problem{s} found"),
}
register("audit_chain", TEXT)


def describe(problem: Problem, lang: str = "zh") -> str:
    """One finding as a sentence, Chinese or English."""
    until = problem.until if problem.until is not None else problem.at
    one = until == problem.at
    return render(f"audit_chain.{problem.kind}", lang, at=problem.at, until=until,
                  batch=problem.batch, before=(problem.at or 1) - 1, after=(until or 0) + 1,
                  rng=problem.at if one else f"{problem.at}–{until}",
                  ev="event" if one else "events", was="was" if one else "were")


def summary(report: Report, lang: str = "zh") -> str:
    """The verdict in one line."""
    if report.whole:
        if not report.events:
            return render("audit_chain.empty", lang)
        return render("audit_chain.whole", lang, first=report.first, head=report.head,
                      events=report.events)
    n = len(report.problems)
    return render("audit_chain.not_whole", lang, n=n, s="s" * (n != 1))
