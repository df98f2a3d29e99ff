"""Servers on loopback for the alert tests: a webhook receiver that records every post (as
企业微信 and 钉钉 robots receive them) and an SMTP server (aiosmtpd) that keeps every message,
with STARTTLS on a self-signed certificate made for the run."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Post:
    path: str
    query: dict[str, str]
    body: dict


@dataclass
class Hooks:
    """What the webhook server received; `url(path)` the address of a robot."""

    port: int
    posts: list[Post] = field(default_factory=list)
    errcodes: list[int] = field(default_factory=list)  # answers to come, then errcode 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Post]:
        return [p for p in self.posts if p.path == path]


def webhook_server() -> tuple[Hooks, ThreadingHTTPServer]:
    """Answers {"errcode":0} as both robots do, and records each post."""
    hooks = Hooks(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            parts = urllib.parse.urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            hooks.posts.append(Post(parts.path, dict(urllib.parse.parse_qsl(parts.query)), body))
            code = hooks.errcodes.pop(0) if hooks.errcodes else 0
            data = json.dumps({"errcode": code, "errmsg": "ok" if code == 0 else "no"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return hooks, server


def free_port() -> int:
    """A port nothing listens on (a channel that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (cryptography, a dependency of the login's JWT)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Mailbox:
    """aiosmtpd's handler: every message received, as bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.original_content or envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def smtp_server(folder: Path, implicit_tls: bool = False):
    """(mailbox, controller, port, certificate file): STARTTLS required, no login; or TLS
    from the first byte (SMTPS, port 465's way) with `implicit_tls`."""
    from aiosmtpd.controller import Controller

    cert, key = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, port = Mailbox(), free_port()
    tls = {"ssl_context": context} if implicit_tls else {"tls_context": context,
                                                          "require_starttls": True}
    controller = Controller(box, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    return box, controller, port, cert
