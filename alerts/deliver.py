"""Delivery: a message to named channels, each retried with exponential backoff, and every
attempt — sent, retried, failed — written to the alert state file and the audit log.

A failure is never lost silently: a channel the file does not name, a server that refuses,
a robot over its rate limit all end as a `failed` Delivery, a row in the state file (shown on
the 预警 page) and an audit event; no exception leaves `send`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from alerts import channels as ch
from alerts import store
from core import audit
from core.warehouse import warehouse_path

ACTION = "alert_delivery"  # the audit log's action for every attempt
BASE_DELAY_S = 2.0  # first wait; then 4, 8 … s (a robot's limit is 20 a minute)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    channel: str
    kind: str
    outcome: str  # "sent" or "failed" (the retries are in the state file and the audit log)
    attempts: int
    error: str = ""  # scrubbed of the channel's secrets

    @property
    def sent(self) -> bool:
        return self.outcome == "sent"


def send(channel_names: Iterable[str], subject: str | dict[str, str], text: str | dict[str, str],
         attachment: tuple[str, bytes] | None = None, lang: str = "zh", *,
         ref: str = "", firing_ids: Iterable[int] = (), user: str | None = None,
         sleep: Callable[[float], None] = time.sleep, base_delay: float = BASE_DELAY_S,
         configured: dict[str, ch.Channel] | None = None,
         state: Path | None = None) -> list[Delivery]:
    """Send to each named channel in turn; one Delivery per name.

    `subject` and `text` are the message, or {lang: message}: then each channel gets its own
    language's (its `lang` setting), else `lang`'s. `ref` says what was sent (recorded),
    `sleep` is injectable (tests), `configured` the channels (default: the channels file)."""
    firing_ids = tuple(firing_ids)
    try:
        configured = ch.load() if configured is None else configured
    except ch.ConfigError as e:
        return [_unusable(name, str(e), subject, lang, ref, firing_ids, user, state)
                for name in channel_names]
    out = []
    for name in channel_names:
        channel = configured.get(name)
        if channel is None:
            out.append(_unusable(name, f"渠道文件中没有渠道“{name}” / no channel '{name}' in "
                                 f"the channels file ({ch.path()})", subject, lang, ref,
                                 firing_ids, user, state))
            continue
        out.append(_deliver(channel, _pick(subject, channel.lang, lang),
                            _pick(text, channel.lang, lang), attachment,
                            ref=ref, firing_ids=firing_ids, user=user, sleep=sleep,
                            base_delay=base_delay, state=state))
    return out


def _pick(value: str | dict[str, str], wanted: str, fallback: str) -> str:
    if isinstance(value, str):
        return value
    return value.get(wanted) or value.get(fallback) or next(iter(value.values()), "")


def _deliver(channel: ch.Channel, subject: str, text: str, attachment, *, ref: str,
             firing_ids: tuple[int, ...], user: str | None, sleep, base_delay: float,
             state: Path | None) -> Delivery:
    attempts = 1 + max(0, channel.retries)
    for attempt in range(1, attempts + 1):
        try:
            try:
                ch.send_once(channel, subject, text, attachment)
            except ch.SendFailed:
                raise
            except Exception as e:  # noqa: BLE001 - a channel set up wrong: failed, not lost
                raise ch.SendFailed(f"{type(e).__name__}: {e}", retry=False) from None
        except ch.SendFailed as e:
            error = ch.scrub(str(e), channel)
            last = attempt == attempts or not e.retry
            _record(channel.name, channel.kind, subject, attempt, "failed" if last else "retried",
                    error, ref, firing_ids, user, state, attachment)
            if last:
                _log.warning("alerts: %s (%s) failed after %d attempt(s): %s", channel.name,
                             channel.kind, attempt, error)
                return Delivery(channel.name, channel.kind, "failed", attempt, error)
            sleep(base_delay * 2 ** (attempt - 1))
        else:
            _record(channel.name, channel.kind, subject, attempt, "sent", "", ref, firing_ids,
                    user, state, attachment)
            return Delivery(channel.name, channel.kind, "sent", attempt)
    raise AssertionError("unreachable")  # the loop returns on its last attempt


def _unusable(name: str, error: str, subject, lang: str, ref: str, firing_ids: tuple[int, ...],
              user: str | None, state: Path | None) -> Delivery:
    _record(name, "", _pick(subject, lang, lang), 1, "failed", error, ref, firing_ids, user,
            state, None)
    return Delivery(name, "", "failed", 1, error)


def _record(channel: str, kind: str, subject: str, attempt: int, outcome: str, error: str,
            ref: str, firing_ids: tuple[int, ...], user: str | None, state: Path | None,
            attachment) -> None:
    """One attempt, in the state file and the audit log (the same chain as loads)."""
    try:
        with store.connect(state) as con:
            with store.transaction(con):
                number = con.execute(
                    "INSERT INTO deliveries (at_utc, firing_id, ref, channel, kind, subject, "
                    "attempt, outcome, error) VALUES (?,?,?,?,?,?,?,?,?)",
                    [store.now_text(), firing_ids[0] if firing_ids else None, ref, channel,
                     kind, subject, attempt, outcome, error or None]).lastrowid
                con.executemany("INSERT INTO delivery_firings VALUES (?, ?)",
                                [(number, f) for f in firing_ids])
    except Exception as exc:  # noqa: BLE001 - the audit event below still says what happened
        _log.warning("alerts: could not record a delivery in the state file: %s", exc)
    details = {"channel": channel, "kind": kind, "attempt": attempt, "subject": subject,
               "ref": ref, **({"error": error} if error else {}),
               **({"attachment": attachment[0]} if attachment else {})}
    audit.record(ACTION, user=user, object=ref or channel, details=details, outcome=outcome,
                 warehouse=warehouse_path())


def deliveries(*, firing_ids: Iterable[int] | None = None, ref: str | None = None,
               state: Path | None = None) -> list[dict]:
    """Recorded attempts, newest first: of some firings (a row per attempt and firing it
    carried, `firing_id` that firing), or of one `ref`, or all."""
    columns = "d.id, d.at_utc, d.ref, d.channel, d.kind, d.subject, d.attempt, d.outcome, d.error"
    if not store.readable(state):
        return []
    if firing_ids is not None:
        ids = list(firing_ids)
        if not ids:
            return []
        sql = (f"SELECT {columns}, df.firing_id FROM deliveries d JOIN delivery_firings df "
               f"ON df.delivery_id = d.id WHERE df.firing_id IN ({', '.join('?' * len(ids))}) "
               "ORDER BY d.id DESC, df.firing_id")
        params = ids
    else:
        where, params = (" WHERE d.ref = ?", [ref]) if ref is not None else ("", [])
        sql = f"SELECT {columns}, d.firing_id FROM deliveries d{where} ORDER BY d.id DESC"
    with store.connect(state) as con:
        return [dict(r) for r in con.execute(sql, params)]
