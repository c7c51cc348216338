"""Alert channels: console, generic webhook, Slack and email."""

from monitor.channels.base import Channel, Sent
from monitor.channels.console import ConsoleChannel
from monitor.channels.email import EmailChannel
from monitor.channels.slack import SlackChannel
from monitor.channels.webhook import WebhookChannel
from monitor.config import HttpSettings
from monitor.proxy import ProxyRoutes

__all__ = [
    "Channel",
    "ConsoleChannel",
    "EmailChannel",
    "Sent",
    "SlackChannel",
    "WebhookChannel",
    "build_channel",
]


def build_channel(config: object, *, http: HttpSettings | None = None) -> Channel:
    """The channel object for one validated channel config; webhook and Slack requests go
    through the forward proxy of ``http`` (``http.proxy``, ``http.no_proxy``)."""
    from monitor import config as settings

    proxy = ProxyRoutes.from_settings(http) if http is not None else None
    if isinstance(config, settings.ConsoleChannel):
        return ConsoleChannel(config.name)
    if isinstance(config, settings.WebhookChannel):
        return WebhookChannel(config, proxy=proxy)
    if isinstance(config, settings.SlackChannel):
        return SlackChannel(config, proxy=proxy)
    if isinstance(config, settings.EmailChannel):
        return EmailChannel(config)
    raise TypeError(f"no channel for {type(config).__name__}")
