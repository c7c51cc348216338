"""Golden files for every source format we read (fixtures written for these tests, modelled on
the structure of real ministry listings, JSON Feeds and news sitemaps), the real publisher feeds
in ../shared/feeds read in place, and the bad documents of RELIABILITY section A that concern
parsing (A1, A11, A12, A14)."""

from __future__ import annotations

import json
import pickle
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from monitor.config import ListingSelectors
from monitor.errors import ParseError
from monitor.sources import Item, parse_document
from monitor.sources.dates import parse_date
from monitor.sources.feed import MAX_ENTRIES, parse_feed
from monitor.sources.item import MAX_TITLE, clean_text, clean_texts
from monitor.sources.parse import ParsePool
from tests.support.feeds import Entry, rss

DATA = Path(__file__).parent / "data"


def _as_dict(item: Item) -> dict[str, object]:
    return {
        "title": item.title,
        "link": item.link,
        "summary": item.summary,
        "published": item.published.isoformat() if item.published else None,
        "language": item.language,
    }


def _golden(name: str, items: list[Item], *extra: str) -> None:
    expected = json.loads((DATA / name).read_text("utf-8"))
    got = [{**_as_dict(item), **{key: getattr(item, key) for key in extra}} for item in items]
    assert got == expected


def test_listing_golden_polish_ministry_page() -> None:
    selectors = ListingSelectors(
        item="ul.art-prev > li", title=".title", date=".date", summary=".intro"
    )
    parsed = parse_document(
        "html",
        (DATA / "listing-pl.html").read_bytes(),
        url="https://ministry.example.pl/web/dyplomacja/komunikaty",
        selectors=selectors,
    )
    _golden("listing-pl.expected.json", parsed.items)
    assert parsed.format == "html"
    assert parsed.warning == "1 listed element(s) without title or link"


def test_listing_golden_lithuanian_page_with_time_elements() -> None:
    selectors = ListingSelectors(
        item="article.news-item", title="h3", date="time, .meta", summary=".lead", link="h3 a"
    )
    parsed = parse_document(
        "html",
        (DATA / "listing-lt.html").read_bytes(),
        url="https://urm.example.lt/lt/",
        selectors=selectors,
    )
    _golden("listing-lt.expected.json", parsed.items)


def test_listing_whose_selector_finds_nothing_is_a_layout_change() -> None:
    selectors = ListingSelectors(item="div.press-release")
    with pytest.raises(ParseError) as caught:
        parse_document(
            "html",
            (DATA / "listing-pl.html").read_bytes(),
            url="https://x.test/",
            selectors=selectors,
        )
    assert caught.value.kind == "layout_changed"
    assert "div.press-release" in str(caught.value)


@pytest.mark.parametrize("body", [b"", b"   \n", b'<?xml version="1.0"?><rss></rss>'])
def test_listing_refuses_empty_or_non_html(body: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_document("html", body, url="https://x.test/", selectors=ListingSelectors(item="li"))
    assert caught.value.kind in ("empty", "not_html")


def test_json_feed_1_1_golden() -> None:
    parsed = parse_feed(
        (DATA / "jsonfeed-1.1.json").read_bytes(), url="https://mod.example.ee/en/feed.json"
    )
    _golden("jsonfeed-1.1.expected.json", parsed.items, "guid", "content")
    assert parsed.title == "Defence ministry newsroom (example)"
    assert parsed.format == "json11"
    assert "skipped" in (parsed.warning or "")


def test_json_feed_1_0() -> None:
    parsed = parse_feed((DATA / "jsonfeed-1.0.json").read_bytes(), url="https://wire.example.lv/f")
    [item] = parsed.items
    assert item.title == "Latvian parliament votes on treaty exit"
    assert item.summary == ""  # content_text is the content; the title carries the item
    assert item.content.startswith("The Saeima approved")
    assert item.published == datetime(2025, 6, 19, 12, 4, 5, tzinfo=UTC)
    assert parsed.format == "json1"


@pytest.mark.parametrize(
    "body",
    [
        b'{"not": "a feed"}',
        b'{"version": "https://jsonfeed.org/version/1.1", "items": "nope"}',
        b"[1, 2, 3]",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [' + b"[" * 5000,
        b'{"not": "a feed"} \x00\xff\xfe',
    ],
)
def test_json_junk_is_a_feed_error(body: bytes) -> None:  # A1
    with pytest.raises(ParseError) as caught:
        parse_feed(body, url="https://x.test/")
    assert caught.value.kind == "not_a_feed"


def test_news_sitemap_golden() -> None:
    parsed = parse_document(
        "sitemap", (DATA / "news-sitemap.xml").read_bytes(), url="https://agency.example.fi/s.xml"
    )
    assert [(_as_dict(i)["title"], i.link, i.language) for i in parsed.items] == [
        (
            "Finland reviews its treaty commitments after neighbours' decision",
            "https://agency.example.fi/en/article/finland-reviews-treaty-commitments",
            "en",
        ),
        ("Sääennuste: lunta idässä", "https://agency.example.fi/fi/artikkeli/saa", "fi"),
    ]
    assert parsed.items[0].summary == "Ottawa Convention, landmines, Finland"
    assert parsed.items[0].published == datetime(2025, 3, 18, 9, 2, tzinfo=UTC)


def test_truncated_sitemap_keeps_what_it_read() -> None:
    body = (DATA / "news-sitemap.xml").read_bytes()
    cut = body[: body.index("<news:title>Sääennuste".encode()) + 20]
    parsed = parse_document("sitemap", cut, url="https://agency.example.fi/s.xml")
    assert len(parsed.items) == 1
    assert parsed.warning and "malformed XML" in parsed.warning


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><body>Log in</body></html>",
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://x.test/a.xml</loc></sitemap></sitemapindex>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">&lol2;</urlset>',
    ],
)
def test_sitemap_refuses_other_documents(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_document("sitemap", body, url="https://x.test/s.xml")


def test_empty_body_and_html_are_feed_errors() -> None:  # A11, A12
    with pytest.raises(ParseError) as empty:
        parse_feed(b"", url="https://x.test/")
    assert empty.value.kind == "empty"
    with pytest.raises(ParseError) as page:
        parse_feed(b"<!DOCTYPE html><html><head><title>Maintenance</title></head></html>", url="u")
    assert page.value.kind == "not_a_feed"


@pytest.mark.parametrize("bad", [b"\xff", b"\xff\xfe\xc3", b"\xed\xa0\x80", b"\xc3", b"\x81\x8d"])
@pytest.mark.parametrize("declared", [b'<?xml version="1.0" encoding="utf-8"?>', b""])
def test_invalid_byte_sequences_cost_no_entry_and_raise_nothing(
    bad: bytes, declared: bytes
) -> None:
    """A9: a lone ``\\xff``, a truncated or surrogate UTF-8 sequence, bytes cp1252 leaves
    undefined: no exception, both entries kept with their words around the bad bytes, no lone
    surrogate or control character in the text, and the decoding is reported as a warning."""
    body = (
        declared
        + b'<rss version="2.0"><channel><title>t</title><item><title>Treaty '
        + bad
        + b" exit</title><link>https://x.test/1</link><description>s"
        + bad
        + b"</description></item><item><title>Second</title><link>https://x.test/2</link>"
        + b"</item></channel></rss>"
    )
    result = parse_feed(body, url="https://x.test/")
    first, second = result.items
    assert first.title.startswith("Treaty ") and first.title.endswith(" exit")
    assert second.title == "Second"
    for text in (first.title, first.summary or ""):
        assert not [c for c in text if unicodedata.category(c) in ("Cs", "Cc")], repr(text)
    assert result.warning and "encoding" in result.warning.lower()


def test_a_body_naming_a_local_file_is_not_read_from_disk(tmp_path: Path) -> None:
    local = tmp_path / "local.xml"
    local.write_bytes(rss([Entry("Read from the disk", "https://x.test/1")]))
    with pytest.raises(ParseError) as caught:
        parse_feed(str(local).encode(), url="https://x.test/")
    assert caught.value.kind == "not_a_feed"


def test_html_content_type_with_a_valid_feed_is_parsed() -> None:  # B21
    body = rss([Entry("Title one", "https://x.test/1")])
    parsed = parse_feed(body, url="https://x.test/", content_type="text/html; charset=utf-8")
    assert [item.title for item in parsed.items] == ["Title one"]


def test_only_the_newest_entries_of_a_huge_feed_are_kept() -> None:  # A14
    start = datetime(2025, 1, 1, tzinfo=UTC)
    entries = [
        Entry(f"Item {n}", f"https://x.test/{n}", published=start + timedelta(minutes=n))
        for n in range(MAX_ENTRIES + 200)
    ]
    random.Random(4).shuffle(entries)
    parsed = parse_feed(rss(entries), url="https://x.test/")
    assert len(parsed.items) == MAX_ENTRIES
    newest = max(item.published for item in parsed.items if item.published)
    assert newest == start + timedelta(minutes=MAX_ENTRIES + 199)
    oldest = min(item.published for item in parsed.items if item.published)
    assert oldest == start + timedelta(minutes=200)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 March 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("March 18, 2025 14:30", datetime(2025, 3, 18, 14, 30, tzinfo=UTC)),
        ("18.03.2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("2025-03-18T10:20:00+01:00", datetime(2025, 3, 18, 9, 20, tzinfo=UTC)),
        ("18 marca 2025 r.", datetime(2025, 3, 18, tzinfo=UTC)),
        ("2025 m. kovo 18 d.", datetime(2025, 3, 18, tzinfo=UTC)),
        ("2025. gada 18. marts", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18. märts 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18.3.2025 klo 12.15", datetime(2025, 3, 18, 12, 15, tzinfo=UTC)),
        ("18 mars 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18. März 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18. března 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18 martie 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("2025. március 18.", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18 марта 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("18 березня 2025", datetime(2025, 3, 18, tzinfo=UTC)),
        ("Tue, 18 Mar 2025 10:20:00 GMT", datetime(2025, 3, 18, 10, 20, tzinfo=UTC)),
        ("2025.03.18.", datetime(2025, 3, 18, tzinfo=UTC)),
        ("Sept. 3, 2024", datetime(2024, 9, 3, tzinfo=UTC)),
        ("31.02.2025", None),
        ("March ¹ 18, 2025", datetime(2025, 3, 18, tzinfo=UTC)),  # "¹" is no number
        ("١٨ March ٢٠٢٥", datetime(2025, 3, 18, tzinfo=UTC)),  # Arabic-Indic digits
        ("no date here", None),
        ("Published in 2025 by Mark", None),
        ("", None),
    ],
)
def test_dates_in_the_languages_of_the_region(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@given(st.text(max_size=80))
@example("1 ¹ March 2025")
def test_parse_date_never_raises(text: str) -> None:
    found = parse_date(text)
    assert found is None or found.tzinfo is not None


def test_explicit_date_format_wins() -> None:
    assert parse_date("03/04/2025", "%m/%d/%Y") == datetime(2025, 3, 4, tzinfo=UTC)


def _real_feeds(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix not in (".md", ".tsv"))


def test_every_real_feed_yields_feedparsers_titles(shared_feeds: Path) -> None:
    """Golden test over the real publisher feeds, read in place: our parser keeps every entry
    feedparser finds (with text), in order, with the same title text (cleaned)."""
    checked = 0
    for path in _real_feeds(shared_feeds):
        body = path.read_bytes()
        reference = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
        try:
            parsed = parse_feed(body, url=f"https://feeds.test/{path.name}")
        except ParseError:
            assert not reference.entries, path.name
            continue
        ours = [item.title for item in parsed.items]
        theirs = [
            " ".join((entry.get("title") or "").split())
            for entry in reference.entries
            if entry.get("title") or entry.get("summary") or entry.get("link")
        ]
        assert len(ours) == len(theirs[:MAX_ENTRIES]), path.name
        for mine, reference_title in zip(ours, theirs, strict=False):
            if "<" not in reference_title and "&" not in reference_title:
                assert mine == clean_text(reference_title, MAX_TITLE), path.name
        checked += 1
    assert checked >= 60


def test_parse_pool_gives_the_same_items_as_inline(shared_feeds: Path) -> None:
    import asyncio

    body = (shared_feeds / "nytimes.xml").read_bytes()
    pool = ParsePool(1, eager=True)  # a worker even for one job
    try:
        pooled = asyncio.run(pool.parse("feed", body, url="https://x.test/"))
        with pytest.raises(ParseError) as caught:
            asyncio.run(pool.parse("feed", b"<html>" + b" " * 5000, url="https://x.test/"))
    finally:
        pool.close()
    assert pooled.items == parse_feed(body, url="https://x.test/").items
    assert caught.value.kind == "not_a_feed"


_WHITE = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000"
_INVISIBLE = "\x00\x01\x08\x1b\x7f\x9f\u200b\u200d\u200e\u202e\u2060\ufeff\ud800"


@given(st.text(alphabet=st.sampled_from(_WHITE + _INVISIBLE + "ab.é")))
@example("a\x00b \x00 c")
@example("old\rmac\x0bvt\x0cff\x85nel")
def test_clean_text_folds_every_run_of_white_space(text: str) -> None:
    """A10: the words between runs of white space (any of str.split's, CR, VT, FF and NEL
    included) are kept in order, each without its invisible characters (NUL, control characters,
    zero-width and bidi marks, BOM, lone surrogates), one space apart, and nothing invisible
    or white other than those single spaces is left."""
    words = ("".join(c for c in word if c not in _INVISIBLE) for word in text.split())
    cleaned = clean_text(text, 10_000)
    assert cleaned == " ".join(word for word in words if word)
    assert not set(cleaned) & set(_INVISIBLE + _WHITE.replace(" ", ""))


@given(
    st.text(alphabet=st.sampled_from(_WHITE + _INVISIBLE + "ab.é\u0301")),
    st.lists(st.integers(1, 12), max_size=3),
)
def test_clean_texts_cleans_once_for_every_limit(text: str, limits: list[int]) -> None:
    assert clean_texts(text, *limits) == tuple(clean_text(text, limit) for limit in limits)


def test_clean_text_examples() -> None:
    """A10, A30: a NUL or a zero-width space inside a word joins its halves; a CR, VT or NEL
    between words keeps them apart."""
    assert clean_text("with\u200bdrawal\x00s", 100) == "withdrawals"
    assert clean_text("Treaty\rexit\x0bnow\x85today", 100) == "Treaty exit now today"
    assert clean_text("\ufeff  a \x00 b\t", 100) == "a b"


def _folded_whole(text: str) -> str:
    """What ``clean_text`` cuts: the whole text folded (it may fold only the start)."""
    folded = " ".join(text.split())
    cleaned = "".join(c for c in folded if c not in _INVISIBLE)
    return " ".join(cleaned.split())


@given(
    st.text(alphabet=st.sampled_from(_WHITE + _INVISIBLE + "ab.é\u0301"), max_size=80),
    st.integers(1, 12),
)
@example("a" * 30, 10)
@example("ab " * 20, 10)
@example(" " * 25 + "abc" * 10, 10)
@example("a\u0301" * 20, 10)
@example("a\u200b" * 15 + "b" * 10, 10)
def test_a_long_text_is_cut_as_its_whole_fold_would_be(text: str, limit: int) -> None:
    """A text more than twice the limit long is folded from its start only (a long article's
    body is never folded whole): the cut is still the cut of the whole text's fold."""
    whole = _folded_whole(text)
    if len(whole) <= limit:
        expected = whole
    else:
        cut = whole[: limit - 1]
        while cut and unicodedata.category(cut[-1]) in ("Cs", "Mn"):
            cut = cut[:-1]
        expected = cut.rstrip() + "…"
    assert clean_text(text, limit) == expected
    assert clean_texts(text, limit, 3 * limit) == (expected, clean_text(text, 3 * limit))


def test_an_item_pickles_back_to_itself() -> None:
    """Parse workers send items back pickled (``Item.__reduce__``): every field survives."""
    item = Item(
        title="t",
        summary="s",
        content="c",
        link="https://example.com/a",
        guid="g",
        published=datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC),
        language="lt",
    )
    assert pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)) == item
    assert pickle.loads(pickle.dumps(Item("only a title"))) == Item("only a title")
