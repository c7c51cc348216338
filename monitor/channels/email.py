"""The email channel: a multipart (plain text + HTML) message over SMTP.

STARTTLS (default, port 587) or implicit TLS (port 465) with certificate verification that is
never turned off (``ca_file`` adds a CA for a private server); ``security: none`` only without a
password. A server that does not offer STARTTLS is refused: no plaintext fallback. Header values
taken from a feed are stripped of line breaks and control characters before they reach
``EmailMessage``, so a headline can never add a header; the HTML part escapes every feed field.
The ``Message-ID`` is derived from the alert id, so a resend after an ambiguous failure (the
connection dropped after ``DATA``) carries the same id and mail clients fold the duplicate.

SMTP outcomes: 2xx sent; recipients refused while others accepted: sent, with the refused ones
noted; 4xx (421, 450, 451...), dropped connections, timeouts and TLS failures: retry later;
5xx: refused (535 authentication failed: check the credentials). The password never appears in
an error message.
"""

from __future__ import annotations

import asyncio
import html
import smtplib
import ssl
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from monitor.channels.base import Sent, redact
from monitor.channels.view import AlertView, DigestView, clip, read_alert, read_digest, when
from monitor.config import EmailChannel as EmailConfig
from monitor.errors import DeliveryError, RejectedDeliveryError, TransientDeliveryError

__all__ = ["EmailChannel", "email_message", "header_text"]

SUBJECT_LIMIT = 200
SMTP_POLICY = policy.SMTP  # CRLF line ends, RFC 2047 headers folded at 78 characters


def header_text(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """Feed text made safe for a header value: one line, no control characters, clipped."""
    flat = "".join(c if c.isprintable() else " " for c in text)
    return clip(" ".join(flat.split()), limit)


def _subject(prefix: str, payload: dict[str, Any], alert_id: str) -> str:
    if payload.get("type") == "digest":
        digest = read_digest(payload, alert_id)
        count = len(digest.entries)
        head = f"Digest: {count} stor{'y' if count == 1 else 'ies'}"
        if digest.entries:
            head += f", latest: {digest.entries[-1].title}"
        return header_text(f"{prefix} {head}".strip())
    view = read_alert(payload, alert_id)
    if view.kind == "ops":
        label = "Operator notice:"
    elif view.kind == "test":
        label = "Test:"
    elif view.kind == "follow_up":
        label = "Follow-up:"
    else:
        label = f"{(view.severity or 'alert').upper()}:"
    sources = f" ({view.story_sources} sources)" if view.story_sources > 1 else ""
    return header_text(f"{prefix} {label} {view.title}{sources}".strip())


def _alert_text(view: AlertView) -> list[str]:
    lines = [view.heading.upper(), "", view.title, ""]
    if view.url:
        lines.append(f"Link:      {view.url}")
    if view.source:
        lines.append(f"Source:    {view.source}")
    if view.published or view.detected:
        lines.append(f"Published: {when(view.published or view.detected)}")
    if view.rule:
        lines.append(f"Rule:      {view.rule_title or ''} ({view.rule}), severity {view.severity}")
    if view.matched:
        lines.append(f"Matched:   {', '.join(view.matched)}")
    if view.story_sources > 1:
        lines.append(f"Story:     reported by {view.story_sources} sources")
    body = view.snippet or view.summary
    if body:
        lines += ["", clip(body, 2000)]
    lines += ["", f"Alert id: {view.id}"]
    return lines


def _highlight_html(snippet: str, spans: tuple[tuple[int, int], ...]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(snippet[last:start]))
        out.append(f"<mark>{html.escape(snippet[start:end])}</mark>")
        last = end
    out.append(html.escape(snippet[last:]))
    return "".join(out)


def _alert_html(view: AlertView) -> str:
    e = html.escape
    title = e(view.title)
    if view.url:
        title = f'<a href="{e(view.url, quote=True)}">{title}</a>'
    rows = []
    if view.source:
        rows.append(("Source", e(view.source)))
    if view.published or view.detected:
        rows.append(("Published", e(when(view.published or view.detected))))
    if view.rule:
        rows.append(("Rule", f"{e(view.rule_title or '')} (<code>{e(view.rule)}</code>)"))
    if view.severity:
        rows.append(("Severity", e(view.severity)))
    if view.matched:
        rows.append(("Matched", e(", ".join(view.matched))))
    if view.story_sources > 1:
        rows.append(("Story", f"reported by {view.story_sources} sources"))
    table = "".join(
        f'<tr><th align="left" style="padding-right:1em">{k}</th><td>{v}</td></tr>' for k, v in rows
    )
    if view.snippet:
        quote = _highlight_html(view.snippet, view.highlights)
    else:
        quote = e(clip(view.summary, 2000))
    return (
        f"<p><strong>{e(view.heading)}</strong></p><h2>{title}</h2><table>{table}</table>"
        + (f"<blockquote>{quote}</blockquote>" if quote else "")
        + f'<p style="color:#666">Alert id: <code>{e(view.id)}</code></p>'
    )


def _digest_text(digest: DigestView) -> list[str]:
    lines = [f"TREATYWATCH DIGEST: {len(digest.entries)} stories"]
    if digest.start:
        lines.append(f"{when(digest.start)} – {when(digest.end)}")
    lines.append("")
    for number, entry in enumerate(digest.entries, 1):
        lines.append(f"{number}. {entry.title}")
        facts = [x for x in (entry.source, entry.severity, when(entry.published)) if x]
        lines.append(f"   {' · '.join(facts)}")
        if entry.url:
            lines.append(f"   {entry.url}")
    lines += ["", f"Digest id: {digest.id}"]
    return lines


def _digest_html(digest: DigestView) -> str:
    e = html.escape
    items = []
    for entry in digest.entries:
        title = e(entry.title)
        if entry.url:
            title = f'<a href="{e(entry.url, quote=True)}">{title}</a>'
        facts = " · ".join(e(x) for x in (entry.source, entry.severity) if x)
        items.append(f"<li>{title}<br><small>{facts}</small></li>")
    span = f"<p>{e(when(digest.start))} – {e(when(digest.end))}</p>" if digest.start else ""
    return (
        f"<h2>treatywatch digest: {len(digest.entries)} stories</h2>{span}"
        f"<ol>{''.join(items)}</ol>"
        f'<p style="color:#666">Digest id: <code>{e(digest.id)}</code></p>'
    )


def email_message(
    config: EmailConfig, alert_id: str, payload: dict[str, Any], now: datetime
) -> EmailMessage:
    """The message for one payload; the same alert id always gives the same Message-ID."""
    if payload.get("type") == "digest":
        digest = read_digest(payload, alert_id)
        text, body = _digest_text(digest), _digest_html(digest)
    else:
        view = read_alert(payload, alert_id)
        text, body = _alert_text(view), _alert_html(view)
    message = EmailMessage()
    message["Subject"] = _subject(config.subject_prefix, payload, alert_id)
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message["Date"] = format_datetime(now.astimezone(UTC))
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "treatywatch.invalid"
    message["Message-ID"] = f"<{header_text(alert_id, 100)}@{domain}>"
    message["X-Treatywatch-Alert-Id"] = header_text(alert_id, 100)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(text) + "\n")
    message.add_alternative(
        f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>',
        subtype="html",
    )
    return message


class EmailChannel:
    """Sends each alert as an email to every configured recipient."""

    def __init__(self, config: EmailConfig, *, now: Any = None) -> None:
        self.name = config.name
        self._config = config
        self._now = now or (lambda: datetime.now(UTC))
        self._secrets = (config.password,)

    async def send(self, alert_id: str, body: str, payload: dict[str, Any]) -> Sent:
        message = email_message(self._config, alert_id, payload, self._now())
        try:
            return await asyncio.to_thread(self._deliver, message)
        except DeliveryError as exc:
            exc.args = (redact(str(exc), self._secrets),)
            raise

    def _deliver(self, message: EmailMessage) -> Sent:
        config = self._config
        name = self.name
        phase = ["connect"]
        try:
            refused = self._transact(message, phase)
        except smtplib.SMTPNotSupportedError as exc:
            raise RejectedDeliveryError(f"{name}: {exc} (refusing to send in clear)") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise RejectedDeliveryError(
                f"{name}: SMTP {exc.smtp_code} authentication failed (check username and password)",
                status=exc.smtp_code,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = _refusals(exc.recipients)
            if all(code >= 500 for code in codes):
                raise RejectedDeliveryError(f"{name}: every recipient refused: {detail}") from None
            raise TransientDeliveryError(f"{name}: recipients deferred: {detail}") from None
        except smtplib.SMTPResponseException as exc:
            raise _smtp_failure(name, exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPServerDisconnected as exc:
            if phase[-1] == "data":
                raise TransientDeliveryError(
                    f"{name}: SMTP connection lost after the message was sent, before the server "
                    "confirmed it (resent with the same Message-ID)"
                ) from None
            what = "timed out" if "timed out" in str(exc) else "connection closed"
            raise TransientDeliveryError(f"{name}: SMTP {what} during {phase[-1]}") from None
        except ssl.SSLError as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            raise TransientDeliveryError(f"{name}: TLS failed ({reason})") from None
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            what = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            raise TransientDeliveryError(f"{name}: SMTP {what} ({config.host})") from None
        if refused:
            return Sent("SMTP 250", note=f"sent; refused recipients: {_refusals(refused)}")
        return Sent(f"SMTP 250 to {len(config.to)} recipient{'s' if len(config.to) != 1 else ''}")

    async def aclose(self) -> None:
        return None

    def _transact(self, message: EmailMessage, phase: list[str]) -> dict[str, tuple[int, bytes]]:
        config = self._config
        timeout = config.timeout.total_seconds()
        context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(config.host, config.smtp_port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.smtp_port, timeout=timeout)
        with smtp:
            phase.append("greeting")
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS")
                phase.append("starttls")
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.username is not None and config.password is not None:
                phase.append("login")
                smtp.login(config.username, config.password)
            recipients = [Address(addr_spec=parseaddr(to)[1]).addr_spec for to in config.to]
            sender = parseaddr(config.sender)[1]
            phase.append("envelope")
            smtp.mail(sender)
            refused: dict[str, tuple[int, bytes]] = {}
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, reply)
            if len(refused) == len(recipients):
                smtp.rset()
                raise smtplib.SMTPRecipientsRefused(refused)
            phase.append("data")
            code, reply = smtp.data(message.as_bytes(policy=SMTP_POLICY))
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
            phase.append("quit")
            return refused


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {_text(reply)})" for address, (code, reply) in refused.items()
    )


def _smtp_failure(name: str, code: int, reply: bytes | str) -> DeliveryError:
    message = f"{name}: SMTP {code} {_text(reply)}".rstrip()
    if 400 <= code < 500 or code < 200:
        return TransientDeliveryError(message, status=code)
    return RejectedDeliveryError(message, status=code, final=code in (552, 554))


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return clip(" ".join("".join(c if c.isprintable() else " " for c in text).split()), 120)
