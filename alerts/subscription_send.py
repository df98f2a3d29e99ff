"""A due subscription's briefing: made with the briefing code (analytics.briefing) and sent
through the channels: the .docx attached by e-mail, a short summary with a link to the
dashboard's briefing page for the webhook robots (企业微信, 钉钉), which carry no files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from alerts.subscriptions import PERIOD_RULES, Subscription
from analytics.briefing.period import Period, parse_period
from analytics.filters import add_months
from core.messages import pick, register, render

SUMMARY_CHARS = 220  # a robot message is read on a phone: the opening facts, not the report
register("subscription", {
    "subject": ("【汇报材料】{region}{period}", "[Briefing] {region}, {period}"),
    "attached": ("完整材料（Word）见邮件附件。", "The full briefing (Word) is attached to the e-mail."),
    "link": ("在看板中查看：{link}", "On the dashboard: {link}"),
    "made": ("定期订阅“{name}”自动生成。", "Sent by the subscription '{name}'."),
})


@dataclass(frozen=True)
class YearToDate(Period):
    """January to the last whole month of a year (本年累计): a year's range that stops early,
    named 2012年1—5月 / Jan–May 2012; trends by month as a quarter's do."""

    def label(self, lang: str = "zh") -> str:
        s, e = self.start, self.end
        return pick((f"{s.year}年1—{e.month}月", f"{s:%b}–{e:%b %Y}"), lang)  # a date's form

    def base_zh(self) -> str:
        return "上年同期"


def period_for(rule: str, day: date) -> Period:
    """The period a briefing sent on `day` covers: the whole month or quarter before it, or
    January to the month before it (the whole last year in January)."""
    this_month = day.replace(day=1)
    last = add_months(this_month, -1)
    if rule == "last_month":
        return parse_period(f"{last:%Y-%m}")
    if rule == "last_quarter":
        q_start = date(this_month.year, (this_month.month - 1) // 3 * 3 + 1, 1)
        prev = add_months(q_start, -3)
        return parse_period(f"{prev.year}Q{(prev.month - 1) // 3 + 1}")
    if rule == "year_to_date":
        if last.month == 12:
            return parse_period(str(last.year))
        if last.month == 1:
            return parse_period(f"{last:%Y-%m}")
        return YearToDate(f"{last.year}-01..{last:%m}", "month", date(last.year, 1, 1), last)
    raise ValueError(f"period rule {rule!r}: one of {', '.join(PERIOD_RULES)}")


@dataclass
class Outcome:
    """What one subscription's send did: its period, the file, each channel's result."""

    sub_id: str
    slot: datetime
    period: str
    outcome: str = "failed"  # sent (every channel), partial (some), failed (none, or no file)
    filename: str = ""
    channels: dict[str, str] = field(default_factory=dict)  # channel -> sent | failed
    error: str = ""

    def detail(self) -> dict:
        return {"period": self.period, "file": self.filename, "channels": self.channels,
                **({"error": self.error} if self.error else {})}


def briefing_link(s: Subscription, period: Period, base_url: str = "") -> str:
    """The dashboard's briefing page on the subscription's region and period (the filter
    bar's URL form, analytics.filters)."""
    q = period.filters(s.region).to_query()
    if s.lang == "en":
        q["lang"] = "en"
    return f"{base_url.rstrip('/')}/briefing?{urlencode(q)}"


def summary(paragraphs: list[tuple[str, str]], limit: int = SUMMARY_CHARS) -> str:
    """The briefing's opening paragraphs ((heading, text) pairs), cut at a sentence end near
    `limit`."""
    body = " ".join(text.strip() for _heading, text in paragraphs if text.strip())
    if len(body) <= limit:
        return body
    cut = body[:limit]
    end = max(cut.rfind("。"), cut.rfind(". "))  # a whole sentence, else a clause and …
    if end > limit // 3:
        return cut[:end + 1]
    end = max(cut.rfind(p) for p in "；，;,")
    return (cut[:end] if end > limit // 3 else cut.rstrip()) + "…"


def send_subscription(s: Subscription, slot: datetime, *, build: Callable, send: Callable,
                      kinds: dict[str, str], base_url: str = "") -> Outcome:
    """Make the briefing for `slot` and send it to the subscription's recipients. `build`
    is analytics.briefing.build_briefing, `send` alerts.deliver.send, `kinds` each channel's
    kind (alerts.channels)."""
    period = period_for(s.period_rule, slot.date())
    out = Outcome(s.sub_id, slot, period.label(s.lang))
    try:
        # the subscription's region is the widest the briefing reads (analytics.access)
        b = build(s.region, period, lang=s.lang, scope=s.region)
    except Exception as exc:  # noqa: BLE001 - reported and retried at the next run
        out.error = f"briefing not made: {type(exc).__name__}: {exc}"
        return out
    region = b.data.name(s.lang)
    subject = render("subscription.subject", s.lang, region=region, period=out.period)
    out.filename = _filename(subject)
    link = render("subscription.link", s.lang, link=briefing_link(s, period, base_url))
    made = render("subscription.made", s.lang, name=s.name or s.sub_id)
    opening = summary(b.paragraphs)
    mail, robots = _by_kind(s.recipients, kinds)
    deliveries = []
    if mail:  # the file itself, with the opening facts in the mail's body
        deliveries += send(mail, subject, "\n\n".join([opening, render("subscription.attached", s.lang), link, made]),
                           attachment=(out.filename, b.docx), lang=s.lang,
                           ref=f"subscription:{s.sub_id}")
    if robots:  # a robot carries no file: the opening facts and the way to the page
        deliveries += send(robots, subject, "\n\n".join([opening, link, made]), lang=s.lang,
                           ref=f"subscription:{s.sub_id}")
    out.channels = {d.channel: "sent" if d.outcome == "sent" else "failed" for d in deliveries}
    sent = [c for c, r in out.channels.items() if r == "sent"]
    out.outcome = ("sent" if len(sent) == len(s.recipients) else "partial" if sent
                   else "failed")
    return out


def _filename(subject: str) -> str:
    """汇报材料_巴林左旗2012年5月.docx: the subject without brackets or spaces."""
    name = subject.replace("【汇报材料】", "汇报材料_").replace("[Briefing] ", "briefing_")
    return "".join("_" if c in " /\\:" else c for c in name.replace(", ", "_")) + ".docx"


def _by_kind(names: tuple[str, ...], kinds: dict[str, str]) -> tuple[list[str], list[str]]:
    """(e-mail channels, the others): a name the channels file lacks goes with the others,
    where its delivery fails and is recorded as such."""
    mail = [n for n in names if kinds.get(n) == "email"]
    return mail, [n for n in names if n not in mail]
