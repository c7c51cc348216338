"""Alert channels: console, generic webhook, Slack and email.

Each channel's module is imported when a channel of its kind is built or named (a poll whose
channel is the console never loads smtplib and the ``email`` package: issue 14, start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from monitor.channels.base import Channel, Sent
from monitor.proxy import ProxyRoutes

if TYPE_CHECKING:
    from monitor.channels.console import ConsoleChannel
    from monitor.channels.email import EmailChannel
    from monitor.channels.slack import SlackChannel
    from monitor.channels.webhook import WebhookChannel
    from monitor.config import HttpSettings

_MODULES = {
    "ConsoleChannel": "monitor.channels.console",
    "EmailChannel": "monitor.channels.email",
    "SlackChannel": "monitor.channels.slack",
    "WebhookChannel": "monitor.channels.webhook",
}

__all__ = [
    "Channel",
    "ConsoleChannel",
    "EmailChannel",
    "Sent",
    "SlackChannel",
    "WebhookChannel",
    "build_channel",
]


def __getattr__(name: str) -> Any:
    """A channel class, its module imported on first use."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def build_channel(config: object, *, http: HttpSettings | None = None) -> Channel:
    """The channel object for one validated channel config; webhook and Slack requests go
    through the forward proxy of ``http`` (``http.proxy``, ``http.no_proxy``)."""
    from monitor import config as settings

    proxy = ProxyRoutes.from_settings(http) if http is not None else None
    if isinstance(config, settings.ConsoleChannel):
        from monitor.channels.console import ConsoleChannel

        return ConsoleChannel(config.name)
    if isinstance(config, settings.WebhookChannel):
        from monitor.channels.webhook import WebhookChannel

        return WebhookChannel(config, proxy=proxy)
    if isinstance(config, settings.SlackChannel):
        from monitor.channels.slack import SlackChannel

        return SlackChannel(config, proxy=proxy)
    if isinstance(config, settings.EmailChannel):
        from monitor.channels.email import EmailChannel

        return EmailChannel(config)
    raise TypeError(f"no channel for {type(config).__name__}")
