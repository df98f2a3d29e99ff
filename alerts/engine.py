"""One run of the alert rules: evaluate every enabled rule, fire what is new, clear what is
gone, deliver each new firing to its rule's channels (and an open one again to a channel whose
delivery failed, at most three runs in all), and say what happened.

Called after every load and withdrawal from the dashboard (ui/alerts_hook.py) and by the
scheduler (`python -m alerts`). Two runs never overlap: a lock file beside the state file
holds the second until the first is done, so a finding cannot fire twice. A rule whose
evaluation fails keeps its firings as they were (nothing cleared on an error) and is named
in the report and the audit log.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alerts import deliver, rules, state, store
from alerts.model import Finding, Rule
from core import audit, literal
from core import messages as catalogue
from core.warehouse import warehouse_path

_log = logging.getLogger(__name__)
Evaluate = Callable[[Rule, object, object, str], list[Finding]]
Render = Callable[[Finding, str], str]
URL_ENV = "UNION_DASH_URL"  # as alerts/schedule.py reads it
catalogue.register("alert_run", {"summary": (
    "检查规则 {rules} 条：新预警 {fired} 条，解除 {cleared} 条；发送成功 {sent} 条，失败 {failed} 条；"
    "无法检查的规则 {errors} 条",
    "{rules} rules checked: {fired} new alerts, {cleared} cleared; {sent} messages sent, "
    "{failed} failed; {errors} rules could not be checked"),
    "more": ("……另有{n}处，见预警页面", "… and {n} more on the Alerts page")})
MESSAGE_BYTES = 3500  # of a run's lines for one rule: under the robots' 4096 with the subject
RESEND_RUNS = 3  # runs that try a firing's failed channel, as alerts/schedule.py a subscription's


@dataclass
class RunReport:
    rules: int = 0
    fired: list[state.Firing] = field(default_factory=list)
    cleared: list[dict] = field(default_factory=list)
    deliveries: list[deliver.Delivery] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (rule id, what went wrong)

    @property
    def failed(self) -> list[deliver.Delivery]:
        return [d for d in self.deliveries if not d.sent]

    def summary(self, lang: str = "zh") -> str:
        n = (self.rules, len(self.fired), len(self.cleared),
             sum(d.sent for d in self.deliveries), len(self.failed), len(self.errors))
        return catalogue.render("alert_run.summary", lang, rules=n[0], fired=n[1], cleared=n[2],
                                sent=n[3], failed=n[4], errors=n[5])


def run_rules(now: datetime | None = None, *, evaluate: Evaluate | None = None,
              render: Render | None = None, send: Callable | None = None,
              db: Path | None = None, state_file: Path | None = None, user: str | None = None,
              trigger: str = "") -> RunReport:
    """Evaluate every enabled rule as of `now` (default: the clock) and act on the result.

    `evaluate` (alerts.conditions.evaluate), `render` (alerts.messages) and `send`
    (alerts.deliver.send) are injectable for tests; `db` the warehouse (default: the
    configured one), `trigger` what started the run ("load", "withdraw", "schedule")."""
    now = now or datetime.now().astimezone()
    evaluate, render = evaluate or _evaluate(), render or _render()
    send = send or deliver.send
    report = RunReport()
    with _exclusive(state_file):
        con = _warehouse(db)
        for rule in rules.all_rules(path=state_file):
            if not rule.enabled:
                report.cleared += state.clear_rule(rule.rule_id, "rule_disabled", now=now,
                                                   state=state_file)
                continue
            report.rules += 1
            _run_one(rule, con, now, evaluate, render, send, report, user, trigger, state_file)
    for row in report.cleared:
        _audit_firing("cleared", row["rule_id"], row, user, trigger)
    return report


def _run_one(rule: Rule, con, now: datetime, evaluate: Evaluate, render: Render, send,
             report: RunReport, user: str | None, trigger: str, state_file: Path | None) -> None:
    try:
        findings = evaluate(rule, con, now.date(), rule.lang)
    except Exception as exc:  # noqa: BLE001 - one rule's failure must not stop the others
        _log.warning("alerts: rule %s could not be evaluated: %s", rule.rule_id, exc)
        report.errors.append((rule.rule_id, f"{type(exc).__name__}: {exc}"))
        audit.record("alert", user=user, object=rule.rule_id, outcome="error",
                     details={"trigger": trigger, "error": f"{type(exc).__name__}: {exc}"},
                     warehouse=warehouse_path())
        return
    new, gone = state.reconcile(rule.rule_id, findings, now=now, state=state_file)
    report.cleared += gone
    _resend(rule, {f.firing_id for f in new}, render, send, report, user, state_file)
    texts = []
    for firing in new:
        report.fired.append(firing)
        text = {lang: render(firing.finding, lang) for lang in ("zh", "en")}
        state.set_text(firing.firing_id, text[rule.lang], state=state_file)
        _audit_firing("fired", rule.rule_id, firing.finding, user, trigger, firing.firing_id)
        texts.append(text)
    if new:  # one message a rule and run: a robot takes 20 a minute, a reader one glance
        ids = [f.firing_id for f in new]
        report.deliveries += send(list(rule.recipients), subject(rule, len(new)),
                                  {lang: combined([t[lang] for t in texts], lang)
                                   for lang in ("zh", "en")},
                                  lang=rule.lang, ref=_ref(ids), firing_ids=ids, user=user,
                                  state=state_file)


def _resend(rule: Rule, new_ids: set[int], render: Render, send, report: RunReport,
            user: str | None, state_file: Path | None) -> None:
    """Send again, to each channel that has not had them, the rule's open firings whose
    delivery failed after its retries (a robot down for the minute of a run), at most
    RESEND_RUNS runs in all, as a subscription's failed channels are: an alert fires once,
    but it is not lost for a channel that was down when it fired."""
    rows = [r for r in state.firings(open_only=True, rule_ids=[rule.rule_id], limit=None,
                                     state=state_file) if r["id"] not in new_ids]
    failed_runs: dict[tuple[int, str], int | None] = {}  # None: that channel has it
    for d in deliver.deliveries(firing_ids=[r["id"] for r in rows], state=state_file):
        key = (d["firing_id"], d["channel"])
        if d["outcome"] == "sent":
            failed_runs[key] = None
        elif d["outcome"] == "failed" and failed_runs.get(key, 0) is not None:
            failed_runs[key] = failed_runs.get(key, 0) + 1
    for channel in rule.recipients:
        due = [r for r in sorted(rows, key=lambda r: r["id"])
               if 0 < (failed_runs.get((r["id"], channel)) or 0) < RESEND_RUNS]
        if due:
            ids = [r["id"] for r in due]
            texts = [{lang: render(state.finding_of(r), lang) for lang in ("zh", "en")}
                     for r in due]
            report.deliveries += send([channel], subject(rule, len(due)),
                                      {lang: combined([t[lang] for t in texts], lang)
                                       for lang in ("zh", "en")},
                                      lang=rule.lang, ref=_ref(ids), firing_ids=ids,
                                      user=user, state=state_file)


def subject(rule: Rule, count: int = 1) -> dict[str, str]:
    """A message's subject in either language: the rule's name, and how many findings."""
    name = literal.chat(rule.name)
    if count == 1:
        return {"zh": f"【预警】{name}", "en": f"[Alert] {name}"}
    return {"zh": f"【预警】{name}（{count}处）", "en": f"[Alert] {name} ({count})"}


def combined(lines: list[str], lang: str, budget: int = MESSAGE_BYTES) -> str:
    """The findings' lines as one message, as many as fit a robot's message, and how many
    more the 预警 page lists."""
    out, used = [], 0
    for n, line in enumerate(lines):
        size = len(line.encode("utf-8")) + 1
        if out and used + size > budget:
            rest = len(lines) - n
            out.append(catalogue.render("alert_run.more", lang, n=rest))
            break
        out.append(line)
        used += size
    return "\n".join(out)


def _ref(ids: list[int]) -> str:
    """What a message carried, for the audit log: "firing:12" or "firings:12-39"."""
    if len(ids) == 1:
        return f"firing:{ids[0]}"
    return f"firings:{min(ids)}-{max(ids)}" if max(ids) - min(ids) + 1 == len(ids) \
        else "firings:" + ",".join(map(str, ids))


def _audit_firing(outcome: str, rule_id: str, f: Finding | dict, user: str | None,
                  trigger: str, firing_id: int | None = None) -> None:
    get = f.get if isinstance(f, dict) else lambda k: getattr(f, k)
    details = {"region": get("region"), "period": get("period"), "value": get("value"),
               "reference": get("reference"), "trigger": trigger,
               "firing": firing_id if firing_id is not None else get("id")}
    if outcome == "cleared":
        details["reason"] = get("clear_reason")
    audit.record("alert", user=user, object=rule_id, details=details, outcome=outcome,
                 warehouse=warehouse_path())


@contextlib.contextmanager
def _exclusive(state_file: Path | None) -> Iterator[None]:
    """Hold the run lock beside the state file (a second run waits for the first)."""
    lock = Path(str(state_file or store.state_path()) + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _warehouse(db: Path | None):
    """What a rule is evaluated against: analytics' read-only view of the warehouse."""
    from analytics import db as adb
    return adb.warehouse(Path(db) if db else None)


def _evaluate() -> Evaluate:
    from alerts import conditions  # written beside this module; imported when first needed
    return conditions.evaluate


def _render() -> Render:
    from alerts import messages
    base_url = os.environ.get(URL_ENV, "")  # the dashboard as recipients reach it: full links
    return lambda finding, lang: messages.render(finding, lang, base_url)
