"""A32: random bytes and mutated real feeds through the parsers and a whole poll, and fuzzed feed
text through the email renderer (as tests/monitor/channels/test_slack.py fuzzes Slack's).

Hypothesis with a fixed budget and derandomised (the same cases every run): no exception escapes
``parse_document`` but ``ParseError``, and every poll ends as items or a recorded source error of
a known class, never ``internal`` (a crash caught by the poller's last guard).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app import App, make_app
from monitor.channels.email import email_message
from monitor.config import EmailChannel as EmailConfig
from monitor.config import ListingSelectors, parse_settings
from monitor.errors import ParseError
from monitor.sources.parse import parse_document
from rules import load_ruleset
from tests.conftest import SHARED_FEEDS
from tests.monitor.channels.conftest import alert
from tests.support.fuzz import mutate
from tests.support.servers import FeedServer, Route

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
RULES = """\
rules:
  - id: test.exit
    title: A state leaves a treaty
    severity: high
    query: '(exit OR withdraw OR the) AND (treaty OR convention OR news OR a)'
"""
SMALL_FEEDS = sorted(
    path
    for path in (SHARED_FEEDS.glob("*") if SHARED_FEEDS.is_dir() else ())
    if path.suffix in (".xml", ".rss", ".atom", ".rdf", ".json") and path.stat().st_size < 100_000
)
SEEDS = [path.read_bytes() for path in SMALL_FEEDS] or [
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Estonia '
    b"to exit the treaty</title><link>https://news.test/a</link></item></channel></rss>"
]
KINDS = ["feed", "html", "sitemap"]
SELECTORS = ListingSelectors(item="item, entry, li, url")
BUDGET = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_bodies = st.one_of(
    st.binary(max_size=4_000),
    st.builds(
        lambda seed, rng, rounds: mutate(seed, rng, rounds),
        st.sampled_from(SEEDS),
        st.randoms(use_true_random=False),
        st.integers(1, 8),
    ),
)


@BUDGET
@given(body=_bodies, kind=st.sampled_from(KINDS))
def test_a32_random_and_mutated_bodies_parse_or_fail_as_parse_errors(
    body: bytes, kind: str
) -> None:
    """A32: ``parse_document`` of any bytes, for every source type, gives items or raises
    ``ParseError``; every text it gives can be stored (UTF-8, no control characters)."""
    try:
        parsed = parse_document(kind, body, url="https://news.test/feed", selectors=SELECTORS)
    except ParseError:
        return
    for item in parsed.items:
        for text in (item.title, item.summary, item.content, item.link or "", item.guid or ""):
            text.encode("utf-8")
        assert "\x00" not in item.title + item.summary


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.fixture
def polling(
    tmp_path: Path, feed_server: FeedServer, runner: asyncio.Runner
) -> Iterator[tuple[App, FeedServer]]:
    sources = [
        {
            "name": kind,
            "url": feed_server.url(f"/{kind}"),
            "type": kind,
            **({"selectors": {"item": "item, entry, li, url"}} if kind == "html" else {}),
        }
        for kind in KINDS
    ]
    settings_ = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": sources,
            "channels": [{"name": "screen", "type": "console"}],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(
        settings_, ruleset=load_ruleset({"r.yaml": RULES}), clock=lambda: NOW, channels={}
    )
    yield app, feed_server
    runner.run(app.aclose())


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=_bodies, kind=st.sampled_from(KINDS))
def test_a32_a_whole_poll_of_a_fuzzed_body_records_items_or_a_source_error(
    polling: tuple[App, FeedServer], runner: asyncio.Runner, body: bytes, kind: str
) -> None:
    """A32: a real poll (fetch over HTTP, parse, match, store, plan alerts) of random bytes
    or a mutated real feed: the outcome is items or a recorded error of a known class, never
    ``internal``, and the poll never raises."""
    app, server = polling
    server.routes[f"/{kind}"] = Route(body, content_type="application/xml")
    outcome = runner.run(app.poll_source(kind, force=True))
    state = app.store.source(kind)
    assert state is not None
    if outcome.ok:
        assert state.last_error is None
    else:
        assert outcome.error_kind not in (None, "internal"), outcome.error
        assert state.last_error and state.last_error_class == outcome.error_kind


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend(attrs)


_OWN_TAGS = {"html", "body", "p", "strong", "h2", "a", "table", "tr", "th", "td", "code"}
_OWN_TAGS |= {"blockquote", "mark"}
_ENTITY = re.compile(r"&(amp|lt|gt|quot|#x27|#\d+|#x[0-9a-f]+);")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.text(),
    st.text(),
    st.lists(st.text(max_size=30), max_size=5),
    st.sampled_from([None, "javascript:alert(1)", 'https://news.test/a?b=<c>&d="e"']),
)
def test_a32_fuzzed_feed_text_never_reaches_email_unescaped(
    title: str, snippet: str, terms: list[str], url: str | None
) -> None:
    """A32 (F3, F5): the email renderer on fuzzed feed text: one Subject header without line
    breaks, the HTML part has only our own tags, every ``&`` starts an entity, and the only
    link is an http(s) one."""
    config = EmailConfig.model_validate(
        {
            "name": "mail",
            "type": "email",
            "host": "127.0.0.1",
            "from": "alerts@watch.example",
            "to": ["desk@news.example"],
        }
    )
    payload = alert(title=title, snippet=snippet, source=title, matched=terms, url=url)
    message = email_message(config, "alrt_f", payload, NOW)
    raw = message.as_bytes()
    assert raw.count(b"\nSubject:") + raw.startswith(b"Subject:") == 1
    subject = str(message["Subject"])
    assert "\r" not in subject and "\n" not in subject
    html_part = message.get_body(("html",))
    assert html_part is not None
    body = html_part.get_content()
    tags = _Tags()
    tags.feed(body)
    tags.close()
    assert tags.tags <= _OWN_TAGS
    for name, value in tags.attributes:
        if name == "href":
            assert value is not None and value.startswith("https://")
    assert "&" not in _ENTITY.sub("", body.replace("&amp;", ""))
    text = message.get_body(("plain",))
    assert text is not None and "alrt_test0001" in text.get_content()
