"""python -m alerts: what cron or the systemd timer runs, and what an operator looks at.

    python -m alerts run-due [--now 2012-06-05T09:00] [--db PATH]
    python -m alerts list [--now ISO] [--db PATH]
    python -m alerts subscriptions FILE [--db PATH]          # add or replace many (TOML/CSV)
    python -m alerts unsubscribe ID [--db PATH]

Exit codes of run-due: 0 everything due was done (or nothing was due); 1 something due
failed (the rules could not run, a briefing could not be made, a delivery failed after its
retries: each is in the output, the state file and the audit log; a subscription's failed
channels are tried again at the next runs, three attempts in all); 2 cannot run (no
warehouse, a malformed --now or file); 3 another run-due holds the lock, nothing done.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from alerts import schedule


def _now(text: str | None) -> datetime | None:
    """--now as a local wall-clock time (an offset is converted to this machine's zone)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m alerts", description=__doc__.split("\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, help="warehouse (default: UNION_DASH_DB or data/)")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-due", parents=[common],
                         help="run the rules if due and send due subscriptions")
    run.add_argument("--now", help="the time to act as of (ISO 8601; tests, catching up)")
    ls = sub.add_parser("list", parents=[common],
                        help="rules, subscriptions and when each is next due")
    ls.add_argument("--now", help="as of this time (ISO 8601)")
    imp = sub.add_parser("subscriptions", parents=[common],
                         help="add or replace the subscriptions of a file (TOML or CSV)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--now", help="their creation time: earlier slots are never due (ISO)")
    rm = sub.add_parser("unsubscribe", parents=[common], help="remove a subscription")
    rm.add_argument("id")
    args = ap.parse_args(argv)
    if args.db:
        os.environ["UNION_DASH_DB"] = str(args.db)  # read at call time by every module
    try:
        now = _now(getattr(args, "now", None))
    except ValueError:
        print(f"error: --now {args.now!r}: use ISO 8601, e.g. 2012-06-05T09:00", file=sys.stderr)
        return schedule.CANNOT_RUN
    return {"run-due": _run_due, "list": _list, "subscriptions": _import,
            "unsubscribe": _remove}[args.command](args, now)


def _run_due(args: argparse.Namespace, now: datetime | None) -> int:
    from core.warehouse import warehouse_path

    if not warehouse_path().exists():
        print(f"error: no warehouse at {warehouse_path()}: pass --db PATH or set UNION_DASH_DB",
              file=sys.stderr)
        return schedule.CANNOT_RUN
    try:
        report = schedule.run_due(now)
    finally:
        _close_renderer()
    stream = sys.stderr if report.exit_code else sys.stdout
    print("\n".join(report.lines()), file=stream)
    return report.exit_code


def _close_renderer() -> None:
    """The briefing's charts start a Chromium (kaleido); stop it if this run did."""
    if "analytics.export" in sys.modules:
        sys.modules["analytics.export"].close_renderer()


def _list(args: argparse.Namespace, now: datetime | None) -> int:
    from alerts import rules
    from alerts import subscription_store as st
    from alerts.subscriptions import due_slot, next_slot

    now = now or datetime.now()
    print(f"规则 Rules ({len(rules.all_rules())}):")
    for r in rules.all_rules():
        print(f"  {r.rule_id}  {r.name}  {r.condition}  {r.region}  → {', '.join(r.recipients)}"
              f"{'' if r.enabled else '  (停用 disabled)'}")
    last = st.mark(schedule.EVALUATED_MARK)
    print(f"  last evaluated {last or 'never'}; next: at the next load or withdrawal, else the "
          f"first run after {schedule.EVAL_HOUR:02d}:00")
    subs = st.all_subscriptions()
    print(f"订阅 Subscriptions ({len(subs)}):")
    for s in subs:
        done = st.last_done(s.sub_id)
        due = due_slot(s, now, done)
        when = "due now" if due else f"next {next_slot(s, now):%Y-%m-%d %H:%M}"
        every = f"day {s.day}" if s.every == "month" else f"weekday {s.day}"
        sent = f"{done:%Y-%m-%d %H:%M}" if done else "never"
        print(f"  {s.sub_id}  {s.region}  {s.period_rule}  {every} {s.hour:02d}:00  {s.lang}  "
              f"→ {', '.join(s.recipients)}  {when}; last sent {sent}"
              + ("" if s.enabled else "  (停用 disabled)"))
    return 0


def _import(args: argparse.Namespace, now: datetime | None) -> int:
    from alerts import channels, subscription_file
    from alerts import subscription_store as st
    from analytics import reference

    try:
        subs = subscription_file.read(args.file.name, args.file.read_bytes())
        wrong = subscription_file.unknown_names(
            subs, regions=set(reference.parent_codes()), channels=set(channels.load()))
    except (OSError, ValueError) as exc:  # channels.ConfigError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return schedule.CANNOT_RUN
    if wrong:
        print("error: nothing saved:\n  " + "\n  ".join(wrong), file=sys.stderr)
        return schedule.CANNOT_RUN
    st.save(subs, now=now)
    for s in subs:
        _audit(s.sub_id, "saved", s.to_dict())
    print(f"{len(subs)} subscriptions saved: {', '.join(s.sub_id for s in subs)}")
    return 0


def _remove(args: argparse.Namespace, now: datetime | None) -> int:
    from alerts import subscription_store as st

    if st.remove(args.id):
        _audit(args.id, "removed", {})
        print(f"{args.id} removed")
        return 0
    print(f"error: no subscription {args.id}", file=sys.stderr)
    return schedule.CANNOT_RUN


def _audit(sub_id: str, outcome: str, details: dict) -> None:
    from core import audit
    from core.warehouse import warehouse_path

    audit.record("alert_subscription", user=None, object=sub_id, details=details,
                 outcome=outcome, warehouse=warehouse_path())


if __name__ == "__main__":
    from core import cli

    cli.run(main)
