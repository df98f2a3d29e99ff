"""Delivery channels: 企业微信 and 钉钉 group robots and e-mail over SMTP, configured in a TOML
file outside the repository and the warehouse (`UNION_DASH_CHANNELS`, else
~/.config/union-dashboard/channels.toml), one table per channel, named as rules name them (a Chinese name in quotes, as TOML wants):

    [channels."办公室群"]                 # 企业微信 group robot
    kind = "wecom"
    webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
    msgtype = "markdown"               # or "text"

    [channels."领导钉钉群"]               # 钉钉 group robot with 加签 (its SEC... secret)
    kind = "dingtalk"
    webhook = "https://oapi.dingtalk.com/robot/send?access_token=..."
    secret = "SEC..."

    [channels."财务科"]                   # e-mail
    kind = "email"
    host = "smtp.example.gov.cn"
    port = 465
    security = "ssl"                   # "ssl" (implicit TLS), "starttls" or "none"
    username = "alerts@example.gov.cn"
    password_env = "UNION_DASH_SMTP_PASSWORD"   # or password = "..."
    sender = "alerts@example.gov.cn"
    to = ["caiwu@example.gov.cn"]

Optional on any channel: `lang` ("zh"/"en": the language of what it is sent), `retries`
(attempts after the first, default 3), `timeout` (seconds, default 10).

Secrets (the webhook's key or token, the signing secret, the password) never leave this
module: a Channel's repr and `describe` show the kind and host only, and every error text is
passed through `scrub` before anyone logs, records or shows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import smtplib
import ssl
import time
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import requests

from core.messages import register

ENV = "UNION_DASH_CHANNELS"
KINDS = ("wecom", "dingtalk", "email")
KIND_NAMES = {"wecom": ("企业微信", "WeCom"), "dingtalk": ("钉钉", "DingTalk"),
              "email": ("电子邮件", "e-mail")}
register("channel_kind", KIND_NAMES)
# WeCom caps markdown content at 4096 bytes and text at 2048; DingTalk's are larger, the same
# caps keep a message short on either.
MAX_BYTES = {"markdown": 4000, "text": 2000}


class ConfigError(ValueError):
    """The channels file is malformed: which channel, what, how to fix."""


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    settings: dict = field(repr=False, hash=False, compare=False)  # holds secrets: never shown
    lang: str = ""  # "" speaks each rule's language; "zh" or "en" overrides it for this channel
    retries: int = 3
    timeout: float = 10.0

    def __repr__(self) -> str:
        return f"Channel({self.name!r}, {self.kind}, {self.describe()})"

    def describe(self) -> str:
        """Where it goes, without its secrets: the webhook's host, or the mail server and
        the number of recipients."""
        if self.kind == "email":
            return f"smtp://{self.settings.get('host')}:{self.settings.get('port')} → " \
                   f"{len(self.settings.get('to', []))}"
        return urllib.parse.urlsplit(self.settings.get("webhook", "")).netloc

    def secrets(self) -> list[str]:
        """Every secret text of the channel (for `scrub`): the webhook's query, its key or
        token, the signing secret, the password, the user name."""
        s = self.settings
        out = [s.get("secret"), s.get("password"), _password(s), s.get("username")]
        hook = s.get("webhook") or ""
        query = urllib.parse.urlsplit(hook).query
        out += [hook, query, *(v for _, v in urllib.parse.parse_qsl(query))]
        return [x for x in out if x]


def path() -> Path:
    env = os.environ.get(ENV)
    return Path(env) if env else Path.home() / ".config" / "union-dashboard" / "channels.toml"


def load(file: Path | None = None) -> dict[str, Channel]:
    """Every configured channel by name; {} when there is no channels file."""
    file = file or path()
    if not file.exists():
        return {}
    try:
        doc = tomllib.loads(file.read_text("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file}: 不是有效的 TOML / not valid TOML ({e})") from None
    return {name: _channel(file, name, table)
            for name, table in (doc.get("channels") or {}).items()}


def _channel(file: Path, name: str, t: dict) -> Channel:
    kind = t.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{file} [channels.{name}]: kind 应为 {'、'.join(KINDS)} 之一 / "
                          f"kind must be one of {', '.join(KINDS)}")
    need = ("host", "sender", "to") if kind == "email" else ("webhook",)
    missing = [k for k in need if not t.get(k)] + (
        ["secret"] if kind == "dingtalk" and not t.get("secret") else [])
    if missing:
        raise ConfigError(f"{file} [channels.{name}]: 缺少 {'、'.join(missing)} / "
                          f"missing {', '.join(missing)}")
    settings = dict(t)
    if kind == "email" and isinstance(settings["to"], str):
        settings["to"] = [settings["to"]]
    return Channel(name, kind, settings, lang=t.get("lang", ""),
                   retries=int(t.get("retries", 3)), timeout=float(t.get("timeout", 10)))


def scrub(text: str, channel: Channel) -> str:
    """`text` with the channel's secrets replaced by ***: for logs, the audit log, the page."""
    for secret in sorted(channel.secrets(), key=len, reverse=True):
        text = text.replace(secret, "***")
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            text = text.replace(quoted, "***")
    return text


class SendFailed(Exception):
    """One attempt failed. `retry` says whether trying again may help (a 5xx, a timeout, a
    robot's rate limit), not (a 4xx, a wrong key)."""

    def __init__(self, message: str, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


# ---------------------------------------------------------------- sending (one attempt)

def send_once(channel: Channel, subject: str, text: str,
              attachment: tuple[str, bytes] | None = None) -> None:
    """One attempt to deliver; SendFailed (its message not yet scrubbed) when it failed."""
    if channel.kind == "email":
        _send_mail(channel, subject, text, attachment)
    else:
        _post(channel, _payload(channel, subject, text))


def _payload(channel: Channel, subject: str, text: str) -> dict:
    msgtype = channel.settings.get("msgtype", "markdown")
    if msgtype == "text":
        return {"msgtype": "text", "text": {"content": _fit(f"{subject}\n{text}", "text")}}
    body = _fit(f"### {subject}\n{text}", "markdown")
    if channel.kind == "dingtalk":  # DingTalk's markdown needs a title (the notification's)
        return {"msgtype": "markdown", "markdown": {"title": subject[:64], "text": body}}
    return {"msgtype": "markdown", "markdown": {"content": body}}


def _fit(text: str, msgtype: str) -> str:
    """Cut to the robot's byte limit, marked with …: after the last whole line that fits
    (a finding's line ends in its link, and a link cut short leads nowhere), else on a
    character boundary."""
    limit = MAX_BYTES[msgtype]
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[:limit - 4].decode("utf-8", "ignore")
    line_end = cut.rfind("\n")
    return (cut[:line_end + 1] if line_end > 0 else cut) + "…"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉加签: Base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed with the secret (as
    DingTalk's robot documentation gives it), before URL encoding."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _url(channel: Channel) -> str:
    url = channel.settings["webhook"]
    if channel.kind != "dingtalk":
        return url
    ts = int(time.time() * 1000)  # DingTalk refuses a timestamp more than an hour off
    sign = urllib.parse.quote_plus(dingtalk_sign(channel.settings["secret"], ts))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def _post(channel: Channel, payload: dict) -> None:
    try:
        r = requests.post(_url(channel), json=payload, timeout=channel.timeout)
    except requests.RequestException as e:  # refused, timed out, DNS: the server may come back
        raise SendFailed(_short(e)) from None
    if r.status_code >= 400:
        raise SendFailed(f"HTTP {r.status_code}", retry=r.status_code >= 500
                         or r.status_code == 429)
    try:
        body = r.json()
    except ValueError:
        raise SendFailed(f"HTTP {r.status_code}: not JSON") from None
    code = body.get("errcode", 0)
    if code != 0:
        # 45009 (WeCom) and 130101 (DingTalk): over the robot's 20-a-minute limit: wait, retry
        raise SendFailed(f"errcode {code}: {body.get('errmsg', '')}",
                         retry=code in (45009, 130101, -1))


def _short(e: Exception) -> str:
    """A request's failure in a line: its cause (urllib3's reason, "Connection refused"),
    without the URL's query (the robot's key or token, the signature)."""
    reason = getattr(e.args[0], "reason", None) if e.args else None
    text = re.sub(r"\?[^\s'\")]*", "?…", str(reason or e))
    return f"{type(e).__name__}: {text}"[:300]


def _password(s: dict) -> str | None:
    return s.get("password") or (os.environ.get(s["password_env"])
                                 if s.get("password_env") else None)


def _send_mail(channel: Channel, subject: str, text: str,
               attachment: tuple[str, bytes] | None) -> None:
    s = channel.settings
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, s["sender"], ", ".join(s["to"])
    msg.set_content(text)
    if attachment:
        name, data = attachment
        main, sub = _mime(name)
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    security, host = s.get("security", "ssl"), s["host"]
    port = int(s.get("port", 465 if security == "ssl" else 587 if security == "starttls"
                     else 25))
    context = ssl.create_default_context(cafile=s.get("cafile"))
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=channel.timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=channel.timeout)
        with server:
            if security == "starttls":
                server.starttls(context=context)
            if s.get("username"):
                server.login(s["username"], _password(s) or "")
            server.send_message(msg)
    except smtplib.SMTPAuthenticationError as e:
        raise SendFailed(f"SMTP authentication refused ({e.smtp_code})", retry=False) from None
    except smtplib.SMTPRecipientsRefused:
        raise SendFailed("SMTP recipients refused", retry=False) from None
    except (OSError, smtplib.SMTPException) as e:
        raise SendFailed(f"{type(e).__name__}: {e}") from None


def _mime(name: str) -> tuple[str, str]:
    known = {".docx": ("application",
                       "vnd.openxmlformats-officedocument.wordprocessingml.document"),
             ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ".pdf": ("application", "pdf"), ".csv": ("text", "csv")}
    return known.get(Path(name).suffix.lower(), ("application", "octet-stream"))
