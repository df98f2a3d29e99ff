"""Subscriptions (订阅): a Word briefing of a region, made and sent on a schedule.

A subscription names a region, a period rule (上月 last month, 上季度 last quarter, 本年累计
year to date), when it is sent (a day of the month, or a weekday for a weekly one, at an
hour), a language and recipients (channel names of the channels file). Its times are the
server's local wall-clock times, as cron and systemd read them.

This module holds the definition and its calendar (when is it due); alerts/subscription_store.py
keeps them and what was sent, and alerts/subscription_send.py makes and sends the briefing
(and says which period a slot briefs on). Nothing here imports the briefing code: a run with
nothing due stays quick.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta

from analytics.filters import add_months

PERIOD_RULES = ("last_month", "last_quarter", "year_to_date")
EVERY = ("month", "week")
_ID = re.compile(r"^[0-9A-Za-z_\-]{1,64}$")
_REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Subscription:
    """One scheduled briefing. `day` is 1–31 for a monthly one (a later day than the month
    has means its last day) or 1–7 (Monday–Sunday) for a weekly one."""

    sub_id: str
    region: str
    period_rule: str  # one of PERIOD_RULES
    day: int = 1
    every: str = "month"  # one of EVERY
    hour: int = 8  # local hour of the day it is sent, 0–23
    lang: str = "zh"
    recipients: tuple[str, ...] = ()
    name: str = ""
    owner: str = ""
    enabled: bool = True
    # Slots before it was defined are never due: a subscription made on the 20th does not
    # send the 5th's briefing at once.
    created: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        problems = problems_of(self)
        if problems:
            raise ValueError(f"subscription {self.sub_id!r}: " + "; ".join(problems))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["recipients"] = list(self.recipients)
        d["created"] = self.created.isoformat(timespec="seconds") if self.created else None
        return d

    @classmethod
    def from_dict(cls, d: dict, *, created: datetime | None = None) -> Subscription:
        """From a file's or the store's entry; unknown keys are refused (a typo would
        otherwise pass silently as a default)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known - {"id"})
        if unknown:
            raise ValueError(f"subscription {d.get('sub_id') or d.get('id')!r}: "
                             f"unknown keys {unknown}")
        d = dict(d)
        if "id" in d:
            d["sub_id"] = d.pop("id")
        rec = d.get("recipients") or ()
        d["recipients"] = tuple([rec] if isinstance(rec, str) else rec)
        when = d.get("created") or created
        d["created"] = datetime.fromisoformat(when) if isinstance(when, str) else when
        for key in ("day", "hour"):
            if key in d:
                d[key] = int(d[key])
        d["region"] = str(d.get("region", ""))
        return cls(**d)


def problems_of(s: Subscription) -> list[str]:
    """What is wrong with a definition, in words a person fixes it by (empty: none)."""
    out = []
    if not _ID.match(s.sub_id or ""):
        out.append("id: letters, digits, - and _ only (1-64)")
    if not _REGION.match(s.region or ""):
        out.append(f"region {s.region!r}: a six-digit region code")
    if s.period_rule not in PERIOD_RULES:
        out.append(f"period_rule {s.period_rule!r}: one of {', '.join(PERIOD_RULES)}")
    if s.every not in EVERY:
        out.append(f"every {s.every!r}: month or week")
    elif not (1 <= s.day <= (31 if s.every == "month" else 7)):
        out.append(f"day {s.day}: 1-31 of the month" if s.every == "month"
                   else f"day {s.day}: 1-7 (Monday-Sunday)")
    if not 0 <= s.hour <= 23:
        out.append(f"hour {s.hour}: 0-23")
    if s.lang not in ("zh", "en"):
        out.append(f"lang {s.lang!r}: zh or en")
    if not s.recipients:
        out.append("recipients: at least one channel name")
    return out


# --- the calendar ------------------------------------------------------------------------

def latest_slot(s: Subscription, now: datetime) -> datetime:
    """The latest time at or before `now` the subscription is scheduled to send."""
    if s.every == "week":
        back = (now.weekday() - (s.day - 1)) % 7
        slot = datetime.combine(now.date() - timedelta(days=back), datetime.min.time())
        slot = slot.replace(hour=s.hour)
        return slot if slot <= now else slot - timedelta(days=7)
    slot = _monthly(now.year, now.month, s.day, s.hour)
    if slot > now:
        prev = add_months(now.date().replace(day=1), -1)
        slot = _monthly(prev.year, prev.month, s.day, s.hour)
    return slot


def next_slot(s: Subscription, now: datetime) -> datetime:
    """The first scheduled time after `now`."""
    if s.every == "week":
        return latest_slot(s, now) + timedelta(days=7)
    nxt = add_months(latest_slot(s, now).date().replace(day=1), 1)
    return _monthly(nxt.year, nxt.month, s.day, s.hour)


def slots_between(s: Subscription, after: datetime, until: datetime) -> int:
    """How many slots fall in (after, until]: what a downtime skipped (reported, not sent)."""
    n, slot = 0, latest_slot(s, until)
    while slot > after and n < 10_000:
        n += 1
        slot = latest_slot(s, slot - timedelta(seconds=1))
    return n


def due_slot(s: Subscription, now: datetime, last_sent: datetime | None) -> datetime | None:
    """The slot to send now, or None. Only the latest slot is ever due: after a downtime
    the briefing is sent once, for the latest slot, not once for each slot missed."""
    if not s.enabled:
        return None
    slot = latest_slot(s, now)
    if s.created is not None and slot < s.created:
        return None
    if last_sent is not None and slot <= last_sent:
        return None
    return slot


def _monthly(year: int, month: int, day: int, hour: int) -> datetime:
    last = calendar.monthrange(year, month)[1]
    return datetime(year, month, min(day, last), hour)
