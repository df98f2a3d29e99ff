"""The two objects the alert engine passes between its parts: a Rule (what to watch, where,
and who hears of it) and a Finding (one rule holding for one region and period)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Conditions a rule may state; `params` of a Rule carries each one's settings:
#   threshold        {"op": ">"|">="|"<"|"<=", "value": float}
#   change           {"basis": "yoy"|"mom", "op": ..., "pct": float}   同比 / 环比, in percent
#   behind_schedule  {"pp": float}            完成率 behind 序时进度 by at least pp points
#   silent_station   {"day": int}             neither a report nor a 零报告 by day N of the month
#   matching_arrears {"by": "MM-DD"}          matching funds allocated but not received by then
#   petitions_above  {"kind": "collective"|"skip_level"|"all", "n": int}
CONDITIONS = ("threshold", "change", "behind_schedule", "silent_station", "matching_arrears",
              "petitions_above")


@dataclass(frozen=True)
class Rule:
    """One alert rule. `region` is the root of a subtree: each sub-region at `level_depth`
    below it (0 = the region itself) is checked on its own."""

    rule_id: str
    name: str
    indicator: str  # a code of the indicator catalogue (analytics.indicators); "" where unused
    condition: str  # one of CONDITIONS
    params: dict = field(default_factory=dict, hash=False, compare=False)
    region: str = "000000"
    level_depth: int = 1
    recipients: tuple[str, ...] = ()  # channel names from the channels file (alerts.channels)
    owner: str = ""  # the user who made it; a region-bound user's rules stay in their region
    lang: str = "zh"
    enabled: bool = True


@dataclass(frozen=True)
class Finding:
    """A rule holding for one region and period. (rule_id, region, period) is its identity:
    it fires once, and clears when a later evaluation no longer finds it."""

    rule_id: str
    region: str  # the region code it holds for
    region_name: str  # in the rule's language
    period: str  # "2012-05", "2012-Q2" or "2012": the period the figure belongs to
    indicator: str
    value: float | None  # the figure that broke the rule
    reference: float | None  # what it was compared with (threshold, last year's value, target…)
    message_key: str  # a key of the alert message catalogue (alerts.messages)
    params: dict = field(default_factory=dict, hash=False, compare=False)  # for the message
    link: str = ""  # dashboard path + query string of the filtered view that shows it
    as_of: date | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.region, self.period)
