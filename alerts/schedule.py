"""What `python -m alerts run-due` does, once, whenever cron or a systemd timer starts it:

1. takes the run lock (fcntl.flock on `<alert state>.run-due.lock`; not the engine's own
   `<alert state>.lock`, which a run takes inside it); when another run holds it, does
   nothing and says so (two runs never overlap: no briefing or alert is sent twice);
2. runs the alert rules (alerts.engine.run_rules) when the warehouse file changed since the
   last evaluation (a load or withdrawal: core.warehouse's file stamp, the data version's
   token) or the daily evaluation is due (the first run at or after EVAL_HOUR: conditions on
   the day of the month, such as a station silent by the 10th, change without new data);
3. sends every subscription whose latest slot has not been sent (alerts.subscriptions).

Missed runs are caught up once: after a downtime the rules run once and each subscription
sends its latest slot only, saying how many slots the downtime skipped. Times are local
wall-clock times; `now` is injectable (tests, `--now`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from alerts import store
from alerts import subscription_store as subs_store
from alerts.subscriptions import due_slot, slots_between
from core import audit
from core.warehouse import DataVersion, file_stamp, warehouse_path

if TYPE_CHECKING:  # the briefing code is imported only when a subscription is due
    from alerts.subscription_send import Outcome

URL_ENV = "UNION_DASH_URL"  # the dashboard's address as recipients reach it, for links
EVAL_HOUR = 6  # the daily evaluation: the first run at or after 06:00 local time
VERSION_MARK, EVALUATED_MARK = "data_version", "evaluated_at"
# Exit codes of run-due (README, deploy/union-dashboard-alerts.service)
OK, FAILED, CANNOT_RUN, BUSY = 0, 1, 2, 3


class Busy(RuntimeError):
    """Another run holds the lock."""


def lock_path() -> Path:
    state = store.state_path()
    return state.with_name(state.name + ".run-due.lock")


@contextlib.contextmanager
def run_lock(path: Path | None = None) -> Iterator[Path]:
    """Hold the run lock, or raise Busy at once. flock is released by the kernel when the
    process dies, so a killed run never leaves a stale lock behind."""
    path = path or lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another run-due holds {path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
        yield path
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class RunReport:
    now: datetime
    busy: bool = False
    evaluated: str = ""  # why the rules ran ("data changed", "daily"), "" when they did not
    rules_result: object = None
    sends: list[Outcome] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # subscription -> slots missed
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.busy:
            return BUSY
        rules = self.rules_result
        failed = getattr(rules, "failed", None) or getattr(rules, "errors", None)
        return FAILED if (self.errors or failed
                          or any(s.outcome != "sent" for s in self.sends)) else OK

    def lines(self) -> list[str]:
        if self.busy:
            return [f"{self.now:%Y-%m-%d %H:%M}: another run-due is running; nothing done"]
        out = [f"{self.now:%Y-%m-%d %H:%M}: rules "
               + (f"run ({self.evaluated})" if self.evaluated else "not due")]
        if self.evaluated and self.rules_result is not None:
            out.append(f"  {_said(self.rules_result)}")
        for s in self.sends:
            missed = self.skipped.get(s.sub_id, 0)
            out.append(f"  subscription {s.sub_id}: {s.period} {s.outcome}"
                       + (f" ({', '.join(f'{c} {r}' for c, r in s.channels.items())})"
                          if s.channels else "")
                       + (f"; caught up once for {missed + 1} missed slots" if missed else "")
                       + (f"; {s.error}" if s.error else ""))
        if not self.sends:
            out.append("  no subscription due")
        out += [f"  error: {e}" for e in self.errors]
        return out


def _said(result: object) -> str:
    return result.summary() if hasattr(result, "summary") else str(result)


def evaluation_due(now: datetime, last: datetime | None) -> bool:
    """Whether the daily evaluation is due: the latest EVAL_HOUR at or before `now` came
    after the last evaluation."""
    slot = now.replace(hour=EVAL_HOUR, minute=0, second=0, microsecond=0)
    if slot > now:
        slot -= timedelta(days=1)
    return last is None or last < slot


def run_due(now: datetime | None = None, *, run_rules: Callable | None = None,
            build: Callable | None = None, send: Callable | None = None,
            kinds: dict[str, str] | None = None, base_url: str = "") -> RunReport:
    """Everything due at `now`, under the run lock. The collaborators default to the real
    ones (alerts.engine.run_rules, analytics.briefing.build_briefing, alerts.deliver.send,
    the channels file's kinds); tests inject fakes."""
    now = now or datetime.now()
    base_url = base_url or os.environ.get(URL_ENV, "")
    report = RunReport(now)
    try:
        with run_lock():
            _rules(report, run_rules)
            _subscriptions(report, build, send, kinds, base_url)
    except Busy:
        report.busy = True
    return report


def _rules(report: RunReport, run_rules: Callable | None) -> None:
    now = report.now
    token = DataVersion.token_of(file_stamp(warehouse_path()))
    last = subs_store.mark(EVALUATED_MARK)
    changed = token != subs_store.mark(VERSION_MARK)
    if changed or evaluation_due(now, datetime.fromisoformat(last) if last else None):
        report.evaluated = "data changed" if changed else "daily"
        if run_rules is None:
            from alerts.engine import run_rules  # noqa: PLC0415 - the heavy part, when due
        try:
            report.rules_result = run_rules(now=now, trigger="schedule")
        except Exception as exc:  # noqa: BLE001 - said, exit 1, tried again next run
            report.errors.append(f"rules: {type(exc).__name__}: {exc}")
            return
        subs_store.set_mark(VERSION_MARK, token)
        subs_store.set_mark(EVALUATED_MARK, now.isoformat(timespec="seconds"))


def _subscriptions(report: RunReport, build: Callable | None, send: Callable | None,
                   kinds: dict[str, str] | None, base_url: str) -> None:
    due = []
    for s in subs_store.all_subscriptions():
        last = subs_store.last_done(s.sub_id)
        slot = due_slot(s, report.now, last)
        if slot is not None:
            due.append((s, slot, last))
    if not due:
        return
    from alerts.subscription_send import send_subscription  # noqa: PLC0415

    build, send, kinds = _collaborators(build, send, kinds)
    for s, slot, last in due:
        since = max(x for x in (last, s.created, datetime.min) if x is not None)
        report.skipped[s.sub_id] = max(0, slots_between(s, since, slot) - 1)
        before = subs_store.attempt(s.sub_id, slot)  # a retry: the channels that failed only
        done = {c for c, r in (before or {}).get("detail", {}).get("channels", {}).items()
                if r == "sent"}
        todo = replace(s, recipients=tuple(c for c in s.recipients if c not in done))
        outcome = send_subscription(todo, slot, build=build, send=send, kinds=kinds,
                                    base_url=base_url)
        outcome.channels = {c: "sent" for c in done} | outcome.channels
        sent = [c for c in s.recipients if outcome.channels.get(c) == "sent"]
        outcome.outcome = ("sent" if len(sent) == len(s.recipients) else "partial" if sent
                           else "failed")
        report.sends.append(outcome)
        detail = {**outcome.detail(), "slot": slot.isoformat(timespec="minutes"),
                  "missed_slots": report.skipped[s.sub_id]}
        attempts = subs_store.record_send(s.sub_id, slot, outcome.period, outcome.outcome,
                                          detail, at=report.now)
        if outcome.outcome != "sent" and attempts < subs_store.MAX_ATTEMPTS:
            report.errors.append(f"subscription {s.sub_id}: attempt {attempts} of "
                                 f"{subs_store.MAX_ATTEMPTS}; the failed channels are tried "
                                 "again at the next run")
        audit.record("alert_subscription", user=None, object=s.sub_id, details=detail,
                     outcome="ok" if outcome.outcome == "sent" else outcome.outcome,
                     warehouse=warehouse_path())


def _collaborators(build, send, kinds):
    if build is None:
        from analytics.briefing import build_briefing as build  # noqa: PLC0415
    if send is None:
        from alerts.deliver import send  # noqa: PLC0415
    if kinds is None:
        from alerts import channels  # noqa: PLC0415

        try:
            kinds = {name: c.kind for name, c in channels.load().items()}
        except channels.ConfigError:  # every delivery then fails, recorded with the reason
            kinds = {}
    return build, send, kinds
