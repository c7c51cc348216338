"""Webhook and Slack delivery through a real forward proxy on 127.0.0.1, and ``no_proxy``
sending straight to the receiver."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from monitor.channels import Channel, build_channel
from monitor.channels.base import Sent
from monitor.config import SlackChannel as SlackConfig
from monitor.config import WebhookChannel as WebhookConfig
from monitor.config import parse_settings
from monitor.errors import TransientDeliveryError
from tests.monitor.channels.conftest import alert
from tests.support.proxy import ForwardProxy
from tests.support.servers import WebhookReceiver
from tests.support.slack import SlackReceiver

HOOKS = "hooks.example.test"  # only the proxy can resolve it


def _send(channel: Channel) -> Sent | None:
    payload = alert()
    body = json.dumps(payload, separators=(",", ":"))

    async def go() -> Sent | None:
        try:
            return await channel.send("alrt_test0001", body, payload)
        finally:
            await channel.aclose()

    return asyncio.run(go())


def _http(**http: Any) -> Any:
    return parse_settings({"http": http}, environ={}).http


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy(hosts={HOOKS: "127.0.0.1"}).start()
    yield server
    server.stop()


def test_a_webhook_is_posted_through_the_proxy(hook: WebhookReceiver, proxy: ForwardProxy) -> None:
    url = f"http://{HOOKS}:{hook.port}/hook"
    config = WebhookConfig(name="hook", type="webhook", url=url)
    result = _send(build_channel(config, http=_http(proxy=proxy.url)))
    assert result is not None and result.detail == "HTTP 200"
    assert proxy.carried() == [f"POST {url}"]
    assert [r.path for r in hook.accepted] == ["/hook"]
    assert json.loads(hook.accepted[0].body)["id"] == "alrt_test0001"


def test_a_slack_message_is_posted_through_the_proxy(
    slack: SlackReceiver, proxy: ForwardProxy
) -> None:
    url = f"http://{HOOKS}:{slack.port}{slack.path}"
    config = SlackConfig(name="slack", type="slack", url=url)
    _send(build_channel(config, http=_http(proxy=proxy.url)))
    assert proxy.carried() == [f"POST {url}"]
    assert len(slack.accepted) == 1


def test_no_proxy_sends_a_webhook_directly(hook: WebhookReceiver, proxy: ForwardProxy) -> None:
    config = WebhookConfig(name="hook", type="webhook", url=hook.url)
    _send(build_channel(config, http=_http(proxy=proxy.url, no_proxy=["127.0.0.1"])))
    assert proxy.carried() == []
    assert len(hook.accepted) == 1


def test_an_unreachable_proxy_is_a_transient_failure_without_secrets(
    hook: WebhookReceiver,
) -> None:
    config = WebhookConfig(name="hook", type="webhook", url=f"http://{HOOKS}:{hook.port}/hook")
    http = _http(proxy="http://ops:pr0xy-secret@127.0.0.1:9")
    with pytest.raises(TransientDeliveryError) as caught:
        _send(build_channel(config, http=http))
    assert "pr0xy-secret" not in str(caught.value)
    assert hook.requests == []
