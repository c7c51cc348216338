"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS and implicit
TLS with a CA made at test time, authentication, multipart bodies, header injection, SMTP
failures, and the password kept out of every message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from monitor.channels.base import Sent
from monitor.channels.email import EmailChannel, email_message, header_text
from monitor.config import EmailChannel as EmailConfig
from monitor.errors import RejectedDeliveryError, TransientDeliveryError
from tests.monitor.channels.conftest import alert, ops
from tests.support.smtp import SmtpServer, Tls, silent_server

NOW = datetime(2025, 3, 18, 10, 30, tzinfo=UTC)
PASSWORD = "pa55-w0rd-very-secret"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return Tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(tls: Tls) -> Iterator[SmtpServer]:
    smtp = SmtpServer(mode="starttls", tls=tls, users={"alerts": PASSWORD}).start()
    yield smtp
    smtp.stop()


def _config(port: int, **changes: Any) -> EmailConfig:
    data: dict[str, Any] = {
        "name": "mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": port,
        "from": "treatywatch <alerts@watch.example>",
        "to": ["desk@news.example", "Duty Officer <duty@news.example>"],
        "timeout": 5,
    }
    data.update(changes)
    return EmailConfig.model_validate(data)


def _send(config: EmailConfig, payload: dict[str, Any], alert_id: str = "alrt_test0001") -> Sent:
    channel = EmailChannel(config, now=lambda: NOW)
    return asyncio.run(channel.send(alert_id, json.dumps(payload), payload))


def test_starttls_with_auth_delivers_a_multipart_message(server: SmtpServer, tls: Tls) -> None:
    config = _config(server.port, username="alerts", password=PASSWORD, ca_file=tls.ca_file)
    result = _send(config, alert())
    assert result.detail == "SMTP 250 to 2 recipients"
    [mail] = server.received
    assert server.logins == ["alerts"]
    assert mail.mail_from == "alerts@watch.example"
    assert mail.rcpt_tos == ["desk@news.example", "duty@news.example"]
    message = mail.message
    assert message["Subject"] == (
        "[treatywatch] HIGH: Lithuania announces withdrawal from the Ottawa Convention (3 sources)"
    )
    assert message["From"] == "treatywatch <alerts@watch.example>"
    assert "duty@news.example" in message["To"]
    assert message["Message-ID"] == "<alrt_test0001@watch.example>"
    assert message["X-Treatywatch-Alert-Id"] == "alrt_test0001"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"] == "Tue, 18 Mar 2025 10:30:00 +0000"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    plain = text.get_content()
    assert "Lithuania announces withdrawal from the Ottawa Convention" in plain
    assert "Link:      https://news.example/lt-ottawa?utm_source=rss&x=1" in plain
    assert "Matched:   withdrawal, Ottawa Convention" in plain
    markup = html.get_content()
    assert 'href="https://news.example/lt-ottawa?utm_source=rss&amp;x=1"' in markup
    assert "<mark>withdrawal</mark>" in markup and "<mark>Ottawa Convention</mark>" in markup


def test_feed_text_cannot_add_headers_and_is_escaped_in_html(server: SmtpServer, tls: Tls) -> None:
    title = "Treaty exit\r\nBcc: attacker@evil.example\r\nX-Evil: 1 <script>alert(1)</script>"
    config = _config(server.port, username="alerts", password=PASSWORD, ca_file=tls.ca_file)
    _send(config, alert(title=title, snippet=title, explanation={}))
    [mail] = server.received
    assert mail.rcpt_tos == ["desk@news.example", "duty@news.example"]
    assert b"\r\nBcc:" not in mail.raw and b"\r\nX-Evil:" not in mail.raw
    message = mail.message
    assert message.get_all("Subject") and len(message.get_all("Subject")) == 1
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "Bcc: attacker@evil.example X-Evil: 1" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unicode_and_long_subjects_are_encoded_and_round_trip() -> None:
    title = "Литва выходит из Оттавской конвенции 🇱🇹 — " + "ليتوانيا " * 40
    message = email_message(_config(25), "alrt_u", alert(title=title), NOW)
    raw = message.as_bytes(policy=policy.SMTP)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 in the header block
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"].startswith("[treatywatch] HIGH: Литва выходит из Оттавской")
    assert len(parsed["Subject"]) <= 200


def test_implicit_tls(tls: Tls) -> None:
    smtp = SmtpServer(mode="tls", tls=tls, users={"alerts": PASSWORD}).start()
    try:
        config = _config(
            smtp.port, security="tls", username="alerts", password=PASSWORD, ca_file=tls.ca_file
        )
        assert _send(config, ops(), "ops_1").detail.startswith("SMTP 250")
        [mail] = smtp.received
        assert mail.message["Subject"].startswith("[treatywatch] Operator notice: Source mfa-lt")
    finally:
        smtp.stop()


def test_untrusted_certificate_fails_and_nothing_is_sent_in_clear(server: SmtpServer) -> None:
    # the test CA is not trusted unless ca_file names it (F1)
    with pytest.raises(TransientDeliveryError, match="TLS failed"):
        _send(_config(server.port, username="alerts", password=PASSWORD), alert())
    assert server.received == []


def test_a_server_without_starttls_is_refused(tls: Tls) -> None:
    plain = SmtpServer(mode="plain").start()
    try:
        with pytest.raises(RejectedDeliveryError, match="STARTTLS"):
            _send(_config(plain.port, ca_file=tls.ca_file), alert())
        assert plain.received == []
        # security: none is an explicit choice (and refuses a password at config load)
        assert _send(_config(plain.port, security="none"), alert()).detail.startswith("SMTP 250")
    finally:
        plain.stop()


def test_wrong_password_is_a_refusal_that_never_shows_the_password(
    server: SmtpServer, tls: Tls
) -> None:
    wrong = "not-the-" + PASSWORD
    config = _config(server.port, username="alerts", password=wrong, ca_file=tls.ca_file)
    with pytest.raises(RejectedDeliveryError) as caught:
        _send(config, alert())
    assert "535" in str(caught.value) and "authentication failed" in str(caught.value)
    assert wrong not in str(caught.value) and PASSWORD not in str(caught.value)
    assert server.received == []


def test_one_refused_recipient_is_noted_and_the_others_receive_it(tls: Tls) -> None:
    smtp = SmtpServer(
        mode="starttls", tls=tls, refuse={"duty@news.example": "550 5.1.1 no such user"}
    ).start()
    try:
        result = _send(_config(smtp.port, ca_file=tls.ca_file), alert())
        assert result.note is not None and "duty@news.example (550" in result.note
        [mail] = smtp.received
        assert mail.rcpt_tos == ["desk@news.example"]
    finally:
        smtp.stop()


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"data_reply": "451 4.3.0 try again later"}, TransientDeliveryError, "SMTP 451"),
        ({"data_reply": "552 5.3.4 message too big"}, RejectedDeliveryError, "SMTP 552"),
        (
            {"refuse": {"desk@news.example": "550 nope", "duty@news.example": "550 nope"}},
            RejectedDeliveryError,
            "every recipient refused",
        ),
        (
            {"refuse": {"desk@news.example": "450 busy", "duty@news.example": "450 busy"}},
            TransientDeliveryError,
            "deferred",
        ),
    ],
)
def test_smtp_failures(tls: Tls, options: dict[str, Any], error: type, text: str) -> None:
    smtp = SmtpServer(mode="starttls", tls=tls, **options).start()
    try:
        with pytest.raises(error, match=text):
            _send(_config(smtp.port, ca_file=tls.ca_file), alert())
    finally:
        smtp.stop()


def test_connection_dropped_after_data_is_retried_with_the_same_message_id(tls: Tls) -> None:
    smtp = SmtpServer(mode="starttls", tls=tls, data_reply="drop").start()
    try:
        config = _config(smtp.port, ca_file=tls.ca_file)
        with pytest.raises(TransientDeliveryError, match="same Message-ID"):
            _send(config, alert())
        smtp.handler.data_reply = None
        _send(config, alert())
        first, second = smtp.received
        assert first.message["Message-ID"] == second.message["Message-ID"]
    finally:
        smtp.stop()


def test_a_hanging_server_times_out(tmp_path: Path) -> None:
    sock, port = silent_server()
    try:
        with pytest.raises(TransientDeliveryError, match="timed out"):
            _send(_config(port, timeout=0.5), alert())
    finally:
        sock.close()


def test_header_text_flattens_control_characters() -> None:
    assert header_text("a\r\nb\tc\x00d\u2028e") == "a b c d e"
    assert len(header_text("x" * 500)) == 200


def test_digest_email_lists_every_story(server: SmtpServer, tls: Tls) -> None:
    entries = [alert(id=f"alrt_{n}", title=f"Story {n} <i>") for n in range(3)]
    digest = {
        "type": "digest",
        "id": "dgst_1",
        "period": {"start": "2025-03-17T08:00:00Z", "end": "2025-03-18T08:00:00Z"},
        "alerts": entries,
    }
    _send(_config(server.port, ca_file=tls.ca_file), digest, "dgst_1")
    [mail] = server.received
    assert mail.message["Subject"] == "[treatywatch] Digest: 3 stories, latest: Story 2 <i>"
    html = mail.message.get_body(("html",)).get_content()
    assert html.count("<li>") == 3 and "Story 1 &lt;i&gt;" in html
