"""Alert channels: console, generic webhook, Slack and email."""

from monitor.channels.base import Channel, Sent
from monitor.channels.console import ConsoleChannel
from monitor.channels.email import EmailChannel
from monitor.channels.slack import SlackChannel
from monitor.channels.webhook import WebhookChannel

__all__ = [
    "Channel",
    "ConsoleChannel",
    "EmailChannel",
    "Sent",
    "SlackChannel",
    "WebhookChannel",
    "build_channel",
]


def build_channel(config: object) -> Channel:
    """The channel object for one validated channel config."""
    from monitor import config as settings

    if isinstance(config, settings.ConsoleChannel):
        return ConsoleChannel(config.name)
    if isinstance(config, settings.WebhookChannel):
        return WebhookChannel(config)
    if isinstance(config, settings.SlackChannel):
        return SlackChannel(config)
    if isinstance(config, settings.EmailChannel):
        return EmailChannel(config)
    raise TypeError(f"no channel for {type(config).__name__}")
