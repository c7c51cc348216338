"""Alert channels: console and generic webhook (Slack and email come later)."""

from monitor.channels.base import Channel
from monitor.channels.console import ConsoleChannel
from monitor.channels.webhook import WebhookChannel

__all__ = ["Channel", "ConsoleChannel", "WebhookChannel", "build_channel"]


def build_channel(config: object) -> Channel:
    """The channel object for one validated channel config."""
    from monitor.config import ConsoleChannel as ConsoleConfig
    from monitor.config import WebhookChannel as WebhookConfig

    if isinstance(config, ConsoleConfig):
        return ConsoleChannel(config.name)
    if isinstance(config, WebhookConfig):
        return WebhookChannel(config)
    raise TypeError(f"no channel for {type(config).__name__}")
