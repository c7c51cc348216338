"""The Slack channel against a Slack-shaped local receiver: Block Kit shape, mrkdwn escaping of
feed text, length limits, Slack's error strings and rate limiting."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.channels.slack import SECTION_LIMIT, SlackChannel, escape, slack_message
from monitor.config import SlackChannel as SlackConfig
from monitor.errors import RejectedDeliveryError, TransientDeliveryError
from tests.monitor.channels.conftest import alert, ops
from tests.support.slack import SlackReceiver, slack_problems

HOSTILE = "<script>alert(1)</script> <!channel> <!here> <@U123> <https://evil.test|Ministry> & co"


def _send(slack: SlackReceiver, payload: dict[str, Any], alert_id: str = "alrt_test0001"):
    channel = SlackChannel(SlackConfig(name="slack", type="slack", url=slack.url))

    async def go():
        try:
            return await channel.send(alert_id, json.dumps(payload), payload)
        finally:
            await channel.aclose()

    return asyncio.run(go())


def _texts(message: dict[str, Any]) -> list[str]:
    out = [message["text"]]
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(element["text"] for element in block.get("elements", []))
    return out


def test_block_kit_message_is_accepted_and_carries_the_alert(slack: SlackReceiver) -> None:
    assert _send(slack, alert()).detail == "HTTP 200"
    [message] = slack.accepted
    body = message.json
    assert slack_problems(body) == []
    text = "\n".join(_texts(body))
    # headline linked to the article (the & of the URL escaped), source, time, rule, terms
    assert "<https://news.example/lt-ottawa?utm_source=rss&amp;x=1|Lithuania announces" in text
    assert "*Source:* baltic-news" in text
    assert "2025-03-18 10:20 UTC" in text
    assert "A state leaves a treaty (treaty-withdrawal.exit)" in text
    assert "*Matched:* withdrawal, Ottawa Convention" in text
    # highlighted snippet and the story's source count
    assert "*withdrawal*" in text and "*Ottawa Convention*" in text
    assert "reported by 3 sources" in text
    assert "alrt_test0001" in text
    assert body["text"].startswith("[HIGH] Lithuania announces withdrawal")
    assert body["unfurl_links"] is False


def test_feed_text_arrives_escaped_so_nobody_is_pinged(slack: SlackReceiver) -> None:
    payload = alert(
        title=HOSTILE, source="news & <b>", summary=HOSTILE, snippet=HOSTILE, matched=["<!here>"]
    )
    payload["explanation"] = {"snippet_spans": [[0, 8]]}
    _send(slack, payload)
    [message] = slack.accepted
    for text in _texts(message.json):
        # the only "<" left are the links we made ourselves
        stripped = text.replace("<https://news.example/lt-ottawa?utm_source=rss&amp;x=1|", "")
        assert "<!" not in stripped and "<@" not in stripped and "<script" not in stripped
        assert "<https://evil" not in stripped
    joined = "\n".join(_texts(message.json))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    assert "&lt;!channel&gt;" in joined and "&lt;@U123&gt;" in joined
    assert "&amp; co" in joined and "news &amp; &lt;b&gt;" in joined
    # nothing else is entity-encoded (E7)
    assert "&quot;" not in joined and "&#" not in joined


def test_long_titles_are_cut_on_a_character_boundary(slack: SlackReceiver) -> None:
    title = "Ž" * 2990 + "🇱🇹" + "&" * 20  # escaping makes & five times longer
    payload = alert(title=title, snippet="x" * 5000, explanation={})
    _send(slack, payload)
    [message] = slack.accepted
    body = message.json
    assert slack_problems(body) == []
    for block in body["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_LIMIT
    # the text survives JSON and contains no half of a surrogate pair
    json.dumps(body, ensure_ascii=False).encode("utf-8")


def test_markdown_characters_and_newlines_stay_harmless(slack: SlackReceiver) -> None:
    """A20: mrkdwn characters and newlines in a title render as one line of the headline, inside
    the bold link: a newline cannot start a block quote (``>`` is ``&gt;``) or a code block on a
    line of its own, and nothing spills into the other blocks or the fallback text."""
    title = "*bold* _it_ ~s~ `code`\n> quote\n```block```"
    shown = "*bold* _it_ ~s~ `code` &gt; quote ```block```"
    _send(slack, alert(title=title))
    _send(slack, alert(title=title, url=None, snippet=title, explanation={"snippet_spans": []}))
    linked, plain = (request.json for request in slack.accepted)
    for message in (linked, plain):
        assert slack_problems(message) == []
        assert message["text"] == f"[HIGH] {shown} — baltic-news"
    head = ":red_circle: *Treaty-withdrawal alert* · HIGH\n"
    url = "https://news.example/lt-ottawa?utm_source=rss&amp;x=1"
    assert linked["blocks"][0]["text"]["text"] == f"{head}*<{url}|{shown}>*"
    assert plain["blocks"][0]["text"]["text"] == f"{head}*{shown}*"
    # the snippet (feed text too) is one escaped line in its own block
    assert plain["blocks"][-2]["text"]["text"] == shown
    for message in (linked, plain):
        others = json.dumps(message["blocks"][1:-2])
        assert "bold" not in others and "quote" not in others


@pytest.mark.parametrize(
    ("answer", "error", "final", "gone"),
    [
        ((400, "invalid_payload"), RejectedDeliveryError, True, False),
        ((400, "invalid_blocks"), RejectedDeliveryError, True, False),
        ((403, "invalid_token"), RejectedDeliveryError, False, True),
        ((404, "channel_not_found"), RejectedDeliveryError, False, True),
        ((404, "no_service"), RejectedDeliveryError, False, True),
        ((410, "channel_is_archived"), RejectedDeliveryError, False, True),
        ((500, "rollup_error"), TransientDeliveryError, False, False),
        ((502, "<html>bad gateway</html>"), TransientDeliveryError, False, False),
    ],
)
def test_slack_errors(
    slack: SlackReceiver, answer: tuple[int, str], error: type, final: bool, gone: bool
) -> None:
    slack.script = [answer]
    with pytest.raises(error) as caught:
        _send(slack, alert())
    text = str(caught.value)
    assert f"HTTP {answer[0]}" in text
    if not answer[1].startswith("<"):
        assert answer[1] in text  # Slack's reason is kept
    else:
        assert "html" not in text  # an HTML error page is not copied into the reason
    assert caught.value.final == final and caught.value.gone == gone
    assert "SeCrEtToKeN123" not in text and "/services/" not in text


def test_rate_limit_carries_retry_after(slack: SlackReceiver) -> None:
    slack.script = [(429, "rate_limited", {"Retry-After": "30"})]
    with pytest.raises(TransientDeliveryError) as caught:
        _send(slack, alert())
    assert caught.value.retry_after == 30


def test_operator_and_digest_messages_render(slack: SlackReceiver) -> None:
    _send(slack, ops(), "ops_1")
    entries = [alert(id=f"alrt_{n}", title=f"Story {n} <b>") for n in range(120)]
    digest = {
        "version": 1,
        "id": "dgst_1",
        "type": "digest",
        "channel": "slack",
        "period": {"start": "2025-03-18T08:00:00Z", "end": "2025-03-19T08:00:00Z"},
        "count": 120,
        "alerts": entries,
    }
    _send(slack, digest, "dgst_1")
    ops_message, digest_message = (m.json for m in slack.accepted)
    assert slack_problems(ops_message) == slack_problems(digest_message) == []
    assert "Operator notice" in ops_message["text"]
    assert "&lt;b&gt;unavailable&lt;/b&gt; &amp; more" in "\n".join(_texts(ops_message))
    digest_text = "\n".join(_texts(digest_message))
    assert "treatywatch digest* · 120 stories" in digest_text
    assert "Story 0 &lt;b&gt;" in digest_text
    assert len(digest_message["blocks"]) <= 50


def test_a_digest_of_50_long_stories_stays_within_slacks_limits(slack: SlackReceiver) -> None:
    """E9: 50 stories with 3,000-character titles, long links and long source names make one
    message that Slack accepts (at most 50 blocks, 3,000 characters a section, about 12,000
    characters of block text in all): the stories that do not fit are counted in a "more" line,
    and every story listed is whole (its title cut, never its markup)."""
    entries = [
        alert(
            id=f"alrt_{n}",
            title=f"Story {n} " + "treaty & <withdrawal> " * 140,
            url=f"https://news.example/{n}/" + "a" * 200,
            source="s" * 500,
        )
        for n in range(50)
    ]
    digest = {
        "version": 1,
        "id": "dgst_50",
        "type": "digest",
        "channel": "slack",
        "period": {"start": "2025-03-18T08:00:00Z", "end": "2025-03-19T08:00:00Z"},
        "count": 50,
        "alerts": entries,
    }
    _send(slack, digest, "dgst_50")
    [message] = (m.json for m in slack.accepted)
    assert slack_problems(message) == []
    assert len(message["blocks"]) <= 50
    texts = _texts(message)
    assert sum(map(len, texts)) <= 12_000
    listed = [line for text in texts for line in text.split("\n") if line.startswith("• ")]
    [more] = [text for text in texts if text.startswith("…and ")]
    assert more == f"…and {50 - len(listed)} more not shown"
    assert 5 <= len(listed) < 50
    for n, line in enumerate(listed):
        assert line.startswith(f"• *<https://news.example/{n}/") and line.count("<") == 1
        assert line.endswith("…>* — " + "s" * 299 + "…")


@settings(max_examples=150, deadline=None)
@given(st.text(), st.text(), st.lists(st.text(max_size=30), max_size=5))
def test_fuzzed_feed_text_never_reaches_slack_unescaped(
    title: str, snippet: str, terms: list[str]
) -> None:
    message = slack_message(
        "alrt_f", alert(title=title, snippet=snippet, source=title, matched=terms, url=None)
    )
    assert slack_problems(message) == []
    for text in _texts(message):
        assert "<" not in text and ">" not in text  # no link: nothing may open a tag
        assert text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


def test_escape_only_touches_three_characters() -> None:
    assert escape("a & b < c > d ' \" é") == "a &amp; b &lt; c &gt; d ' \" é"
