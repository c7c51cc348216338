"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), with TLS from a CA made at test time.

``SmtpServer(mode="starttls"|"tls"|"plain")`` records every accepted message (envelope and
parsed ``EmailMessage``). ``users`` enables AUTH (only over TLS); ``refuse`` maps recipients to
an SMTP reply; ``data_reply`` makes the server answer DATA with a reply (e.g. ``451 ...``) or
``"drop"`` to close the connection after the message was received, before the reply. ``Tls``
holds the test CA (trustme): its PEM file is the ``ca_file`` a client must trust.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Received", "SmtpServer", "Tls", "free_port", "silent_server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Tls:
    """A throw-away CA and a certificate for 127.0.0.1 signed by it."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = folder / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class _Handler:
    refuse: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        if self.data_reply == "drop":
            # the message arrived, but the client never hears the 250 (F8)
            with self.lock:
                self.received.append(_parsed(envelope, raw))
            assert server.transport is not None
            server.transport.abort()
            return "250 never sent"
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.received.append(_parsed(envelope, raw))
        return "250 Message accepted for delivery"


def _parsed(envelope: Envelope, raw: bytes) -> Received:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return Received(str(envelope.mail_from), list(envelope.rcpt_tos), raw, message)


class SmtpServer:
    """aiosmtpd in a background thread on a free 127.0.0.1 port."""

    def __init__(
        self,
        *,
        mode: str = "starttls",
        tls: Tls | None = None,
        users: dict[str, str] | None = None,
        refuse: dict[str, str] | None = None,
        data_reply: str | None = None,
    ) -> None:
        self.handler = _Handler(refuse=dict(refuse or {}), data_reply=data_reply)
        self.port = free_port()
        self.logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if users is not None:

            def authenticate(
                server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(data, LoginPassword)
                    and users.get(data.login.decode()) == data.password.decode()
                )
                if ok:
                    self.logins.append(data.login.decode())
                return AuthResult(success=ok, handled=ok)

            kwargs["authenticator"] = authenticate
            # over implicit TLS aiosmtpd cannot tell the session is encrypted
            kwargs["auth_require_tls"] = mode == "starttls"
        if mode == "starttls":
            assert tls is not None
            kwargs["tls_context"] = tls.server_context()
            kwargs["require_starttls"] = True
        elif mode == "tls":
            assert tls is not None
            kwargs["ssl_context"] = tls.server_context()
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )
        self._tls = tls

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def start(self) -> SmtpServer:
        # aiosmtpd logs a deprecation notice of its own on every AUTH
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def silent_server() -> tuple[socket.socket, int]:
    """A socket that accepts connections and never says a word (an SMTP server that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock, int(sock.getsockname()[1])
