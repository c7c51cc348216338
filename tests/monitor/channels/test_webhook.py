"""The webhook channel against a real local receiver: Standard Webhooks signatures, status
handling, templates, size limits, and secrets kept out of every error message."""

from __future__ import annotations

import asyncio
import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from monitor.channels.webhook import MAX_BODY, WebhookChannel, fit_payload, sign
from monitor.config import WebhookChannel as WebhookConfig
from monitor.errors import RejectedDeliveryError, TransientDeliveryError
from tests.monitor.channels.conftest import OLD_SECRET, SECRET, alert
from tests.support.servers import WebhookReceiver


def _config(url: str, **extra: Any) -> WebhookConfig:
    return WebhookConfig(name="hook", type="webhook", url=url, **extra)


def _send(channel: WebhookChannel, payload: dict[str, Any], alert_id: str = "alrt_test0001"):
    body = json.dumps(payload, separators=(",", ":"))

    async def go():
        try:
            return await channel.send(alert_id, body, payload)
        finally:
            await channel.aclose()

    return asyncio.run(go())


def test_signed_request_verifies_with_the_standardwebhooks_library(hook: WebhookReceiver) -> None:
    payload = alert()
    config = _config(
        hook.url, secret=[SECRET, OLD_SECRET], headers={"Authorization": "Bearer tkn-123456"}
    )
    result = _send(WebhookChannel(config), payload)
    assert result.detail == "HTTP 200"
    [request] = hook.accepted
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["webhook-id"] == "alrt_test0001" == headers["x-treatywatch-alert-id"]
    assert headers["authorization"] == "Bearer tkn-123456"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("treatywatch/")
    # two signatures during a rotation, each verifiable with its own secret
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (SECRET, OLD_SECRET):
        assert Webhook(secret).verify(request.body, headers) == payload
    with pytest.raises(WebhookVerificationError):
        other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
        Webhook(other).verify(request.body, headers)
    # a tampered body does not verify
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(request.body.replace(b"Lithuania", b"Lituania"), headers)


def test_retries_keep_the_id_and_body_and_change_the_timestamp(hook: WebhookReceiver) -> None:
    clock = iter([time.time() - 30, time.time()])
    config = _config(hook.url, secret=SECRET)
    hook.script = [500]

    async def twice() -> None:
        channel = WebhookChannel(config, now=lambda: next(clock))
        body = json.dumps(alert())
        with pytest.raises(TransientDeliveryError):
            await channel.send("alrt_x", body, alert())
        await channel.send("alrt_x", body, alert())
        await channel.aclose()

    asyncio.run(twice())
    first, second = hook.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "alrt_x"
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]
    assert first.body == second.body
    for request in (first, second):
        headers = {k.lower(): v for k, v in request.headers.items()}
        Webhook(SECRET).verify(request.body, headers)


def test_signature_matches_the_spec_example_construction() -> None:
    # {id}.{timestamp}.{body} signed with the base64-decoded secret
    import base64
    import hashlib
    import hmac

    body = b'{"a":1}'
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, b"msg_1.1674087231." + body, hashlib.sha256).digest()
    ).decode()
    assert sign(SECRET, "msg_1", 1674087231, body) == f"v1,{expected}"


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ((200, {}), "sent"),
        ((204, {}), "sent"),
        ((301, {"Location": "http://127.0.0.1:1/elsewhere"}), "rejected"),
        ((400, {}), "final"),
        ((401, {}), "rejected"),
        ((404, {}), "rejected"),
        ((410, {}), "gone"),
        ((408, {}), "transient"),
        ((429, {"Retry-After": "120"}), "transient"),
        ((500, {}), "transient"),
        ((502, {}), "transient"),
        ((503, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}), "transient"),
    ],
)
def test_status_codes_are_classified(
    hook: WebhookReceiver, answer: tuple[int, dict[str, str]], outcome: str
) -> None:
    status, headers = answer

    def reply(handler: BaseHTTPRequestHandler) -> int:
        # the receiver answers ``status``; add this case's headers to that answer
        real = handler.send_response

        def send_response(code: int, message: str | None = None) -> None:
            real(code, message)
            for key, value in headers.items():
                handler.send_header(key, value)

        handler.send_response = send_response  # type: ignore[method-assign]
        return status

    hook.script = [reply]
    channel = WebhookChannel(_config(hook.url))
    if outcome == "sent":
        assert _send(channel, alert()).detail == f"HTTP {status}"
        return
    expected = TransientDeliveryError if outcome == "transient" else RejectedDeliveryError
    with pytest.raises(expected) as caught:
        _send(channel, alert())
    error = caught.value
    assert f"HTTP {status}" in str(error)
    assert error.final == (outcome == "final")
    assert error.gone == (outcome == "gone")
    if status == 429:
        assert error.retry_after == 120
    if status == 503:
        assert error.retry_after is not None and error.retry_after > 86400
    if status == 301:
        assert "redirect" in str(error) and len(hook.requests) == 1  # not followed


def test_timeouts_and_refused_connections_are_transient(hook: WebhookReceiver) -> None:
    def hang(handler: BaseHTTPRequestHandler) -> int:
        time.sleep(1.0)
        return 504

    hook.script = [hang]
    with pytest.raises(TransientDeliveryError, match="timed out"):
        _send(WebhookChannel(_config(hook.url, timeout=0.3)), alert())
    with pytest.raises(TransientDeliveryError, match="could not connect"):
        _send(WebhookChannel(_config("http://127.0.0.1:9/hook")), alert())


def test_secrets_never_appear_in_error_messages(hook: WebhookReceiver) -> None:
    token = "T0K3N-in-the-path-s3cr3t"
    header = "Bearer very-secret-header-value"
    for status in (404, 500, 400):

        def echo(handler: BaseHTTPRequestHandler, status: int = status) -> int:
            return status

        hook.script = [echo]
        url = hook.url + f"/{token}?key={token}"
        config = _config(url, secret=SECRET, headers={"Authorization": header})
        with pytest.raises((TransientDeliveryError, RejectedDeliveryError)) as caught:
            _send(WebhookChannel(config), alert())
        text = str(caught.value)
        for secret in (token, header, SECRET, url, "127.0.0.1"):
            assert secret not in text
    unreachable = _config(f"http://127.0.0.1:9/{token}", headers={"Authorization": header})
    with pytest.raises(TransientDeliveryError) as caught:
        _send(WebhookChannel(unreachable), alert())
    assert token not in str(caught.value)


def test_an_error_body_of_a_receiver_is_kept_short_and_a_200_with_error_text_is_success(
    hook: WebhookReceiver,
) -> None:
    """D12: the status code is the contract. A 200 whose body says "error" is a success, with
    the body kept as its answer (logged); a failure's plain body is kept in its message, cut to
    120 characters when long; an HTML body is left out."""
    hook.script = [
        (200, b"error: queue full"),
        (500, b"upstream database is down\r\n"),
        (400, b"E" * 5000),
        (502, b"<html><body>Bad gateway</body></html>"),
    ]
    sent = _send(WebhookChannel(_config(hook.url)), alert())
    assert (sent.detail, sent.answer) == ("HTTP 200", "error: queue full")
    with pytest.raises(TransientDeliveryError) as transient:
        _send(WebhookChannel(_config(hook.url)), alert())
    assert str(transient.value) == "hook: HTTP 500: upstream database is down"
    with pytest.raises(RejectedDeliveryError) as rejected:
        _send(WebhookChannel(_config(hook.url)), alert())
    assert str(rejected.value).endswith(": " + "E" * 119 + "…")
    with pytest.raises(TransientDeliveryError) as html:
        _send(WebhookChannel(_config(hook.url)), alert())
    assert "<html" not in str(html.value) and "Bad gateway" not in str(html.value)


def test_discord_style_template_keeps_feed_text_inside_strings(hook: WebhookReceiver) -> None:
    title = 'Minister says "we leave" {id} \\ <@everyone>\nBcc: x'
    template = {
        "content": "**{title:80}** {url}",
        "allowed_mentions": {"parse": []},
        "embeds": [{"title": "{rule_title}", "fields": "{matched}", "footer": "{{literal}}"}],
    }
    config = _config(hook.url, template=template)
    _send(WebhookChannel(config), alert(title=title))
    [request] = hook.accepted
    sent = json.loads(request.body)
    assert sent["content"].startswith('**Minister says "we leave" {id} \\ <@everyone>\nBcc')
    assert sent["allowed_mentions"] == {"parse": []}
    assert sent["embeds"][0]["fields"] == ["withdrawal", "Ottawa Convention"]
    assert sent["embeds"][0]["footer"] == "{literal}"
    assert request.headers["webhook-id"] == "alrt_test0001"


def test_text_template_for_ntfy(hook: WebhookReceiver) -> None:
    config = _config(hook.url, template="{text}", headers={"Title": "treatywatch"})
    _send(WebhookChannel(config), alert())
    [request] = hook.accepted
    assert request.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert request.body.decode().startswith("[HIGH] Lithuania announces withdrawal")


def test_oversized_payloads_are_cut_below_20kb_the_same_way_every_time() -> None:
    payload = alert(summary="x" * 50_000, explanation={"terms": ["y" * 30_000]})
    body = json.dumps(payload)
    first, second = fit_payload(body, payload), fit_payload(body, payload)
    assert first == second
    assert len(first.encode()) <= MAX_BODY
    slim = json.loads(first)
    assert slim["id"] == "alrt_test0001" and slim["truncated"] is True
    small = json.dumps(alert())
    assert fit_payload(small, alert()) == small
