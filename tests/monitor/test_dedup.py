"""Item identity: canonical URLs, fingerprints, identity keys, outlets (pure functions)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from url_normalize import url_normalize

from monitor.core.dedup import (
    _PLAIN_CANONICAL,
    SAME_TITLE,
    _simple_parts,
    _split_canonical,
    canonical_url,
    fingerprint,
    identity_keys,
    outlet,
    same_article,
    title_similarity,
)
from monitor.sources.item import Item, item_key

ARTICLE = "https://example.com/world/ottawa-convention-exit"

SAME_ARTICLE = [
    "https://example.com/world/ottawa-convention-exit",
    "HTTPS://EXAMPLE.COM/world/ottawa-convention-exit",
    "http://example.com/world/ottawa-convention-exit",
    "https://example.com:443/world/ottawa-convention-exit",
    "http://example.com:80/world/ottawa-convention-exit/",
    "https://www.example.com/world/ottawa-convention-exit#comments",
    "https://example.com/world/ottawa-convention-exit?utm_source=rss&utm_medium=feed",
    "https://example.com/world/ottawa-convention-exit?utm_campaign=x&fbclid=IwAR0&gclid=abc",
    "https://example.com/world/ottawa-convention-exit?mc_cid=1&mc_eid=2&msclkid=3&igshid=4",
    "https://example.com/world/ottawa-convention-exit?xtor=RSS-3208&at_medium=rss&ns_mchannel=x",
    "https://m.example.com/world/ottawa-convention-exit",
    "https://mobile.example.com/world/ottawa-convention-exit",
    "https://amp.example.com/world/ottawa-convention-exit",
    "https://example.com/amp/world/ottawa-convention-exit",
    "https://example.com/world/ottawa-convention-exit/amp",
    "https://example.com/world/ottawa-convention-exit?amp=1",
    "https://example.com/world/ottawa-convention-exit?outputType=amp",
    "https://example-com.cdn.ampproject.org/c/s/example.com/world/ottawa-convention-exit",
    "https://www.google.com/amp/s/www.example.com/world/ottawa-convention-exit",
]


@pytest.mark.parametrize("variant", SAME_ARTICLE)
def test_variants_of_one_article_have_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/news?id=1", "https://example.com/news?id=2"),
        ("https://example.com/news/1", "https://example.com/news/2"),
        ("https://example.com/News/1", "https://example.com/news/1"),  # paths keep their case
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com:8443/a", "https://example.com/a"),
        ("https://example.com/story?page=2", "https://example.com/story"),
    ],
)
def test_different_articles_keep_different_urls(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


def test_query_order_and_ampersand_story_names_are_kept_apart_correctly() -> None:
    assert canonical_url("https://e.com/p?b=2&a=1") == canonical_url("https://e.com/p?a=1&b=2")
    assert canonical_url("https://e.com/news/amp-stadium-opens") == (
        "https://e.com/news/amp-stadium-opens"
    )
    assert canonical_url("https://e.com/a.amp.html") == canonical_url("https://e.com/a.html")


@pytest.mark.parametrize("junk", [None, "", "  ", "not a url", "ftp://e.com/a", "mailto:a@b.c"])
def test_non_http_links_have_no_canonical_url(junk: str | None) -> None:
    assert canonical_url(junk) is None


@given(st.text(max_size=200))
def test_canonical_url_never_raises(text: str) -> None:
    result = canonical_url(text)
    assert result is None or result.startswith("https://")


@given(
    st.from_regex(
        r"https?://(www\.|m\.)?[a-z]{1,10}\.(com|lt|co\.uk)(/[a-z0-9-]{1,12}){0,3}/?",
        fullmatch=True,
    )
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert once is not None
    assert canonical_url(once) == once


def test_fingerprint_ignores_case_punctuation_and_later_sentences() -> None:
    a = fingerprint(
        "Lithuania to quit the Ottawa Convention", "Vilnius decided on Tuesday. More later."
    )
    b = fingerprint(
        "LITHUANIA TO QUIT THE OTTAWA CONVENTION!", "Vilnius decided on Tuesday.  Updated text."
    )
    assert a is not None and a == b
    assert fingerprint("Latvia to quit the Ottawa Convention", "Vilnius decided on Tuesday.") != a


def test_short_generic_titles_get_no_fingerprint() -> None:
    assert fingerprint("Press release") is None
    assert fingerprint("Statement", "") is None


def test_identity_keys_guid_per_source_url_and_fingerprint() -> None:
    keys = identity_keys(
        "wire",
        guid=" g-1 ",
        link=SAME_ARTICLE[6],
        title="Poland and the Baltic states to leave the mine ban treaty",
    )
    assert keys[0] == "guid:wire\x1fg-1"
    assert keys[1] == f"url:{ARTICLE}"
    assert keys[2].startswith("fp:")
    # a link to a front page or a bare section names no article
    assert all(
        not k.startswith("url:")
        for k in identity_keys("a", guid=None, link="https://example.com/", title="x")
    )
    assert all(
        not k.startswith("url:")
        for k in identity_keys("a", guid=None, link="https://example.com/news", title="x")
    )


def test_a_shared_url_is_one_article_only_with_a_similar_title() -> None:
    assert same_article(
        "url", "Lithuania quits mine treaty", "Lithuania quits mine treaty - update"
    )
    assert not same_article("url", "Minister meets NATO counterpart", "Lithuania quits mine treaty")
    assert same_article("guid", "anything", "else")
    assert same_article("fp", "anything", "else")
    assert title_similarity("", "x") == 0.0


def test_outlet_is_the_registrable_domain() -> None:
    assert outlet("https://www.bbc.co.uk/news/world-1", "bbc") == "bbc.co.uk"
    assert outlet("https://feeds.reuters.com/x/y", "wire") == "reuters.com"
    assert outlet("https://m.lrt.lt/naujienos/1", "lrt") == "lrt.lt"
    assert outlet(None, "ministry") == "source:ministry"
    assert outlet("http://127.0.0.1:8000/a/b", "local") == "127.0.0.1"


def test_item_key_is_unchanged_for_guids_and_stable_for_links() -> None:
    assert item_key(Item("t", guid=" x ")) == "guid:x"
    assert item_key(Item("t", link=SAME_ARTICLE[5])) == item_key(Item("u", link=ARTICLE))
    assert item_key(Item("t", link="urn:uuid:1")) == "link:urn:uuid:1"


# What url_normalize leaves as it is but for the case of scheme and host: canonical_url skips
# the library for such links (_simple_parts); both must agree on every URL.
_URLISH = st.text(alphabet="abcXYZ019-._~/?&=#%:@!$'()*+,;[] é", max_size=30)


def _agrees_with_the_library(url: str) -> bool:
    simple = _simple_parts(url)
    if simple is None:
        return False
    host, path, query = simple
    scheme = url.split(":", 1)[0].lower()
    normalized = url_normalize(url)
    assert normalized is not None
    normal, _, fragment = normalized.partition("#")
    assert normal == f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
    assert not fragment.startswith("!")  # a route stays part of the canonical form
    assert canonical_url(url) == canonical_url(normal)  # the library's way, fragment dropped
    return True


@given(
    st.sampled_from(["http://", "HTTPS://", "https://"]),
    st.from_regex(r"[a-zA-Z0-9-]{1,8}(\.[a-zA-Z0-9-]{1,8}){0,3}", fullmatch=True),
    _URLISH,
)
def test_simple_links_skip_normalisation_only_when_it_changes_nothing(
    scheme: str, host: str, rest: str
) -> None:
    _agrees_with_the_library(f"{scheme}{host}{rest}")


@pytest.mark.parametrize(
    ("url", "simple"),
    [
        ("https://Example.com/a/b-c.html?id=3&x=y", True),
        ("https://example.com", True),
        ("https://example.com/a//b", False),
        ("https://example.com/a/../b", False),
        ("https://example.com/a?b=c=d", False),
        ("https://example.com/a?b&&c", False),
        ("https://example.com/a%20b", False),
        ("https://example.com/a#frag", True),
        ("https://example.com/a?b=c#frag=1&x", True),
        ("https://example.com/a#", True),
        ("https://example.com/a#!/route", False),
        ("https://example.com/a#x#y", False),
        ("https://example.com/a#x%20y", False),
        ("https://example.com:8080/a", False),
        ("https://xn--bcher-kva.example/a", False),
        ("https://-bad.example/a", False),
        ("https://bücher.example/a", False),
    ],
)
def test_which_links_are_simple(url: str, simple: bool) -> None:
    assert _agrees_with_the_library(url) is simple


def test_every_real_feed_link_has_the_librarys_canonical_form(shared_feeds: Path) -> None:
    simple = 0
    for path in sorted(p for p in shared_feeds.iterdir() if p.suffix not in (".md", ".tsv")):
        for link in re.findall(rb"https?://[^\s<>\"']+", path.read_bytes()):
            simple += _agrees_with_the_library(link.decode("utf-8", "replace"))
    assert simple > 10_000  # the fast path is the common one


@given(st.text(max_size=40))
@example("???")
@example("Lithuania quits mine treaty")
def test_one_title_twice_is_alike_exactly_when_its_similarity_says_so(title: str) -> None:
    expected = not title or title_similarity(title, title) >= SAME_TITLE
    assert same_article("url", title, title) is expected


def _urlsplit_parts(url: str) -> tuple[str | None, str, bool]:
    parts = urlsplit(url)
    return parts.hostname, parts.path, bool(parts.query or parts.fragment)


@given(st.text(alphabet="abZ09.-/?#:@[]%!=&~ \t\né\x7f", max_size=30))
@example("example.com/a/b?c=d#e")
@example("example.com#x?y")
@example("example.com?x/y")
@example("Example.com/a")
@example("example.com:8080/a")
@example("user@example.com/a")
@example("[::1]/a")
@example("example.com/a\tb")
def test_canonical_urls_are_split_as_urlsplit_splits_them(rest: str) -> None:
    url = "https://" + rest
    try:
        expected = _urlsplit_parts(url)
    except ValueError:  # a bad IPv6 bracket: never a plain host
        assert _PLAIN_CANONICAL.match(url) is None
        return
    assert _split_canonical(url) == expected


def test_every_real_feed_links_canonical_form_is_split_as_urlsplit_splits_it(
    shared_feeds: Path,
) -> None:
    plain = 0
    for path in sorted(p for p in shared_feeds.iterdir() if p.suffix not in (".md", ".tsv")):
        for link in re.findall(rb"https?://[^\s<>\"']+", path.read_bytes()):
            url = canonical_url(link.decode("utf-8", "replace"))
            if url is not None:
                assert _split_canonical(url) == _urlsplit_parts(url)
                plain += _PLAIN_CANONICAL.match(url) is not None
    assert plain > 10_000  # the plain split is the common one
