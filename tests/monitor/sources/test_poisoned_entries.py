"""A bad entry costs only that entry (issue 13, "A bad entry takes a whole source down").

One poisoned entry (a link ``urlsplit`` cannot read, ``http://[x/``; a character reference to a
lone surrogate, ``&#xD800;``; a JSON ``"\\ud800"``) among good ones, for every source type: the
good entries are all read, a warning says what was repaired or skipped, and a real poll of the
document records items, never an ``internal`` error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.app import make_app
from monitor.config import ListingSelectors, parse_settings
from monitor.intake import IntakeJob, intake
from monitor.sources.parse import parse_document
from monitor.sources.salvage import fix_charrefs, join_link, readable_link
from rules import RuleSet, load_ruleset
from tests.support.servers import FeedServer, Route

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: 'exit AND "Ottawa Convention"'
"""
BAD_URLS = ["http://[x/", "https://[::1/a", "http://h:99999/a", "http://h:abc/a", "http://a]b/"]
XML_POISONS = ["&#xD800;", "&#xDFFF;", "&#55296;", "&#x110000;", "&#99999999999999999999;"]


# Documents: ``good`` titles, and one poisoned entry at ``at``. Each builder takes the poison as
# raw markup (already in the document's syntax) and where it goes ("title" or "link").


def _rss(good: list[str], at: int, poison: str, where: str) -> bytes:
    rows = [(t, f"https://news.test/{i}") for i, t in enumerate(good)]
    bad = (
        ("Poisoned " + poison, "https://news.test/p") if where == "title" else ("Poisoned", poison)
    )
    rows.insert(at, bad)
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>g{i}</guid></item>"
        for i, (title, link) in enumerate(rows)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.test/</link>{items}</channel></rss>"
    ).encode()


def _atom(good: list[str], at: int, poison: str, where: str) -> bytes:
    rows = [(t, f"https://news.test/{i}") for i, t in enumerate(good)]
    bad = (
        ("Poisoned " + poison, "https://news.test/p") if where == "title" else ("Poisoned", poison)
    )
    rows.insert(at, bad)
    entries = "".join(
        f'<entry><title>{title}</title><link href="{link}"/><id>urn:e:{i}</id>'
        "<updated>2025-03-18T10:00:00Z</updated></entry>"
        for i, (title, link) in enumerate(rows)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>T</title><id>urn:t</id><updated>2025-03-18T10:00:00Z</updated>{entries}</feed>"
    ).encode()


def _json(good: list[str], at: int, poison: str, where: str) -> bytes:
    rows: list[dict[str, Any]] = [
        {"id": f"g{i}", "title": t, "url": f"https://news.test/{i}"} for i, t in enumerate(good)
    ]
    bad: dict[str, Any] = {"id": "p", "title": "Poisoned", "url": "https://news.test/p"}
    bad[{"title": "title", "link": "url", "id": "id"}[where]] = poison
    rows.insert(at, bad)
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": rows}
    ).encode()


def _html(good: list[str], at: int, poison: str, where: str) -> bytes:
    rows = [(t, f"/{i}") for i, t in enumerate(good)]
    bad = ("Poisoned " + poison, "/p") if where == "title" else ("Poisoned", poison)
    rows.insert(at, bad)
    lis = "".join(f'<li><a href="{link}">{title}</a></li>' for title, link in rows)
    return f"<!doctype html><html><body><ul>{lis}</ul></body></html>".encode()


def _sitemap(good: list[str], at: int, poison: str, where: str) -> bytes:
    rows = [(t, f"https://news.test/{i}") for i, t in enumerate(good)]
    bad = (
        ("Poisoned " + poison, "https://news.test/p") if where == "title" else ("Poisoned", poison)
    )
    rows.insert(at, bad)
    urls = "".join(
        f"<url><loc>{link}</loc><news:news><news:title>{title}</news:title>"
        "<news:publication_date>2025-03-18T10:00:00Z</news:publication_date></news:news></url>"
        for title, link in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()


Builder = Callable[[list[str], int, str, str], bytes]
# source type, builder, poisons (raw markup, where it goes)
SOURCE_TYPES: dict[str, tuple[str, Builder, list[tuple[str, str]]]] = {
    "rss": ("feed", _rss, [(p, "title") for p in XML_POISONS] + [(u, "link") for u in BAD_URLS]),
    "atom": ("feed", _atom, [(p, "title") for p in XML_POISONS] + [(u, "link") for u in BAD_URLS]),
    "json": (
        "feed",
        _json,
        [("\ud800 x", "title"), ("\udfff", "id"), ("https://news.test/\ud800", "link")]
        + [(u, "link") for u in BAD_URLS],
    ),
    "html": ("html", _html, [(p, "title") for p in XML_POISONS] + [(u, "link") for u in BAD_URLS]),
    "sitemap": (
        "sitemap",
        _sitemap,
        [(p, "title") for p in XML_POISONS] + [(u, "link") for u in BAD_URLS],
    ),
}
SELECTORS = ListingSelectors(item="li")


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset({"rules.yaml": RULES})


def _intake(ruleset: RuleSet, kind: str, body: bytes) -> Any:
    sources = parse_settings(
        {
            "sources": [
                {
                    "name": "s",
                    "url": "https://news.test/feed",
                    "type": kind,
                    **({"selectors": {"item": "li"}} if kind == "html" else {}),
                }
            ]
        },
        environ={},
    ).sources
    assert sources is not None
    job = IntakeJob(source=sources[0], url="https://news.test/feed", content_type=None, now=NOW)
    return intake(ruleset, body, job)


_titles = st.lists(
    st.sampled_from(
        ["Latvia to exit the Ottawa Convention", "Budget debate", "Weather report", "Zoo news"]
    ),
    min_size=1,
    max_size=5,
).map(lambda titles: [f"{title} {i}" for i, title in enumerate(titles)])


@pytest.mark.parametrize("name", sorted(SOURCE_TYPES))
@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(good=_titles, data=st.data())
def test_one_poisoned_entry_costs_only_itself(
    ruleset: RuleSet, name: str, good: list[str], data: st.DataObject
) -> None:
    """A32, issue 13: one poisoned entry among good ones, for every source type: no
    exception, every good entry read and matched, a warning naming the repair."""
    kind, build, poisons = SOURCE_TYPES[name]
    poison, where = data.draw(st.sampled_from(poisons), label="poison")
    at = data.draw(st.integers(0, len(good)), label="at")
    body = build(good, at, poison, where)
    parsed = parse_document(kind, body, url="https://news.test/feed", selectors=SELECTORS)
    titles = [item.title for item in parsed.items]
    for title in good:
        assert title in titles
    if where == "link" or name in ("rss", "atom", "sitemap"):
        assert parsed.warning, "the repair or skip is recorded"
    for item in parsed.items:
        for text in (item.title, item.summary, item.link or "", item.guid or ""):
            text.encode("utf-8")  # no lone surrogate reaches the store
    result = _intake(ruleset, kind, body)  # matching, canonical links and keys too
    matched = {e.item.title for e in result.new if e.matches}
    assert matched == {t for t in good if "Ottawa" in t}


def test_a_bad_base_href_or_home_page_url_falls_back_to_the_page_address() -> None:
    """Issue 13: a ``<base href>`` or JSON Feed ``home_page_url`` that cannot be read is
    ignored, with a warning: links resolve against the address the page came from."""
    page = b'<html><head><base href="http://[x/"></head><body><ul><li><a href="/a">A</a></li>'
    parsed = parse_document(
        "html", page + b"</ul></body></html>", url="https://news.test/l/", selectors=SELECTORS
    )
    assert [item.link for item in parsed.items] == ["https://news.test/a"]
    assert parsed.warning and "http://[x/" in parsed.warning
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "home_page_url": "http://[x/",
        "items": [{"id": "1", "title": "A", "url": "/a"}],
    }
    parsed = parse_document("feed", json.dumps(feed).encode(), url="https://news.test/f.json")
    assert [item.link for item in parsed.items] == ["https://news.test/a"]
    assert parsed.warning


def test_fix_charrefs_replaces_only_references_to_no_character() -> None:
    body = b"&#xD800; &#65; &#x1F600; &#1114112; &#x10FFFF; &#000000000065;"
    fixed, count = fix_charrefs(body)
    assert count == 2
    assert fixed == b"&#xFFFD; &#65; &#x1F600; &#xFFFD; &#x10FFFF; &#000000000065;"
    assert fix_charrefs(b"plain") == (b"plain", 0)
    assert join_link("https://a.test/", "http://[x/") is None
    assert join_link("http://[x/", "/a") is None
    assert join_link("https://a.test/b/", "c") == "https://a.test/b/c"


def _code_point(reference: str) -> int:
    digits = reference[2:-1]
    return int(digits[1:], 16) if digits[:1] in "xX" else int(digits)


@given(
    st.one_of(
        st.integers(0, 0x30000),
        st.integers(0xD700, 0xE000),
        st.integers(0x10FF00, 0x110100),
        st.integers(0, 10**13),
    ),
    st.sampled_from(["&#x{:x};", "&#X{:X};", "&#x{:X};", "&#{:d};"]),
    st.integers(0, 4),
)
def test_fix_charrefs_finds_every_reference_to_no_character(
    value: int, form: str, zeros: int
) -> None:
    """Only references that may name no character are checked one by one (the others are
    left as they are): whatever the digits and leading zeros, exactly the bad ones change."""
    reference = (
        form.format(value).replace("#x", "#x" + "0" * zeros).replace("#X", "#X" + "0" * zeros)
    )
    reference = reference if "x" in reference.lower() else "&#" + "0" * zeros + reference[2:]
    body = f"a{reference}b&#65;".encode()
    fixed, count = fix_charrefs(body)
    bad = _code_point(reference) > 0x10FFFF or 0xD800 <= _code_point(reference) <= 0xDFFF
    assert count == int(bad)
    assert fixed == (b"a&#xFFFD;b&#65;" if bad else body)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


@pytest.mark.parametrize("name", sorted(SOURCE_TYPES))
def test_a_poll_of_a_source_with_a_poisoned_entry_keeps_the_others(
    tmp_path: Path,
    feed_server: FeedServer,
    ruleset: RuleSet,
    runner: asyncio.Runner,
    name: str,
) -> None:
    """A32, issue 13: a real poll of each source type with a bad link and (where the syntax has
    one) a reference to a lone surrogate: the poll succeeds, the good entries are stored and
    matched, the warning is stored; before, the source failed with ``internal`` every poll."""
    kind, build, poisons = SOURCE_TYPES[name]
    good = ["Latvia to exit the Ottawa Convention", "Budget debate"]
    for index, (poison, where) in enumerate([poisons[0], (BAD_URLS[0], "link")]):
        feed_server.routes[f"/{name}{index}"] = Route(
            build(good, 1, poison, where), content_type="application/xml"
        )
    sources: list[dict[str, Any]] = [
        {
            "name": f"{name}{index}",
            "url": feed_server.url(f"/{name}{index}"),
            "type": kind,
            **({"selectors": {"item": "li"}} if kind == "html" else {}),
        }
        for index in range(2)
    ]
    settings_ = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": sources,
            "channels": [{"name": "hook", "type": "console"}],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(settings_, ruleset=ruleset, clock=lambda: NOW, channels={})
    try:
        for source in sources:
            outcome = runner.run(app.poll_source(source["name"]))
            assert outcome.ok, outcome.error
            assert outcome.error_kind is None
            state = app.store.source(source["name"])
            assert state is not None and state.last_error is None
            # (the HTML parser reads "&#xD800;" as U+FFFD; a JSON "\ud800" is dropped as a
            # control character would be: nothing to warn about)
            if source["name"] not in ("html0", "json0"):
                assert state.last_warning
            stored = {row["title"] for row in app.store.items_since(NOW.replace(year=2000))}
            assert set(good) <= stored
            assert outcome.hits >= 1
    finally:
        runner.run(app.aclose())


def _readable_by_urlsplit(link: str) -> bool:
    """``readable_link`` without its shortcut for plain http(s) links."""
    try:
        urlsplit(link).port  # noqa: B018
        link.encode("utf-8")
    except (ValueError, UnicodeError):
        return False
    return True


@given(
    st.sampled_from(["http://", "HTTPS://", "https://", "ftp://", "http:/"]),
    st.text(alphabet="aZ09.-_/?#:@[]%! \t\x7f\xe9\ud800", max_size=25),
)
@example("http://", "[::1/a")
@example("http://", "example.com:x/a")
@example("http://", "example.com/\ud800")
@example("https://", "example.com/a?b=[1]#c")
def test_a_link_is_readable_exactly_when_urlsplit_reads_it(scheme: str, rest: str) -> None:
    assert readable_link(scheme + rest) is _readable_by_urlsplit(scheme + rest)
