"""Channel and delivery settings: validation at load time, with key-path messages that never
repeat a secret (RELIABILITY D9, G6)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from monitor.config import EmailChannel, SlackChannel, WebhookChannel, parse_settings
from monitor.errors import ConfigError
from tests.monitor.channels.conftest import SECRET


def _problems(channel: dict[str, Any], **extra: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"channels": [channel], **extra})
    return caught.value.problems


def _hook(**changes: Any) -> dict[str, Any]:
    return {"name": "hook", "type": "webhook", "url": "https://hooks.example/x", **changes}


def test_webhook_secret_must_be_a_standard_webhooks_secret() -> None:
    short = "whsec_" + base64.b64encode(b"too short").decode()
    raw = base64.b64encode(b"k" * 32).decode()
    cases = {
        raw: "must start with whsec_",
        "whsec_not base64!!": "is not base64",
        short: "decodes to 9 bytes; use 24 to 64 random bytes",
        "whsec_" + base64.b64encode(b"k" * 65).decode(): "decodes to 65 bytes",
    }
    for secret, message in cases.items():
        [problem] = _problems(_hook(secret=secret))
        assert problem.startswith("channels[0].secret[0]: ") and message in problem
        assert secret not in problem
    settings = parse_settings({"channels": [_hook(secret=[SECRET, SECRET])]})
    channel = settings.channels[0]
    assert isinstance(channel, WebhookChannel) and channel.secret == (SECRET, SECRET)


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    settings = parse_settings(
        {
            "channels": [
                _hook(url="https://hooks.example/T0KEN", secret=SECRET, headers={"A": "B-42x"}),
                {"name": "s", "type": "slack", "url": "https://hooks.slack.com/services/T/B/XyZ"},
                {
                    "name": "m",
                    "type": "email",
                    "host": "smtp.example",
                    "username": "u",
                    "password": "hunter2-pw",
                    "from": "a@example.org",
                    "to": "b@example.org",
                },
            ]
        }
    )
    text = repr(settings)
    for secret in ("T0KEN", SECRET, "B-42x", "XyZ", "hunter2-pw"):
        assert secret not in text


def test_headers_templates_and_addresses_are_checked() -> None:
    [problem] = _problems(_hook(headers={"X-Evil": "a\r\nInjected: 1"}))
    assert problem == "channels[0].headers: header 'X-Evil': the value contains a line break"
    [problem] = _problems(_hook(headers={"webhook-signature": "x"}))
    assert "set by treatywatch" in problem
    [problem] = _problems(_hook(template={"text": "{nope}"}))
    assert problem.startswith("channels[0].template: unknown field {nope}")
    [problem] = _problems(_hook(template={"text": "{title"}))
    assert "unbalanced brace" in problem
    mail = {
        "name": "m",
        "type": "email",
        "host": "smtp.example",
        "from": "watch@example.org",
        "to": ["ok@example.org", "not an address"],
    }
    [problem] = _problems(mail)
    assert problem.startswith("channels[0].to[1]: not an email address")
    problems = _problems({**mail, "to": "x@example.org\r\nBcc: y@evil.example"})
    assert any(p.startswith("channels[0].to[0]:") and "line break" in p for p in problems)
    [problem] = _problems(
        {**mail, "to": "x@example.org", "security": "none", "username": "u", "password": "p"}
    )
    assert "refused over an unencrypted connection" in problem
    problems = _problems({key: value for key, value in mail.items() if key != "from"})
    assert "channels[0].from: required" in problems


def test_email_slack_and_delivery_defaults() -> None:
    settings = parse_settings(
        {
            "channels": [
                {"name": "s", "type": "slack", "url": "https://hooks.slack.com/services/x"},
                {
                    "name": "m",
                    "type": "email",
                    "host": "smtp.example",
                    "security": "tls",
                    "from": "Watch <watch@example.org>",
                    "to": "desk@example.org",
                    "mode": "digest",
                    "digest": "daily",
                    "digest_at": "07:30",
                },
            ],
            "delivery": {"max_attempts": 5, "max_age": "2d"},
        }
    )
    slack, mail = settings.channels
    assert isinstance(slack, SlackChannel) and slack.mode == "immediate"
    assert (
        isinstance(mail, EmailChannel)
        and mail.smtp_port == 465
        and mail.to == ("desk@example.org",)
    )
    assert settings.delivery.max_attempts == 5 and settings.delivery.max_age.days == 2
    [problem] = _problems(
        {"name": "s", "type": "slack", "url": "https://h.example/", "digest_at": "25:00"}
    )
    assert problem == "channels[0].digest_at: not a time of day (HH:MM, 24-hour clock, UTC)"


def test_unknown_channel_type_names_the_new_types() -> None:
    [problem] = _problems({"name": "x", "type": "pager"})
    assert problem == (
        "channels[0]: unknown type 'pager' (expected one of: console, webhook, slack, email)"
    )
