"""The fast path (monitor/sources/quickfeed.py) gives exactly what feedparser gives, or declines.

Every comparison parses one body twice through ``parse_feed``: once as the service does (fast
path first) and once with ``quick=False`` (feedparser alone), and compares the whole result:
every item field, the feed's title, ttl, format and warning.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ParseError
from monitor.sources.feed import ParsedFeed, parse_feed
from monitor.sources.quickfeed import _repaired, _windows_1252, quick_parse

URL = "https://example.org/news/feed.xml"
CHARSETS = (None, "application/rss+xml; charset=utf-8")


def _both(body: bytes, content_type: str | None) -> tuple[object, object]:
    def one(quick: bool) -> ParsedFeed | str:
        try:
            return parse_feed(body, url=URL, content_type=content_type, quick=quick)
        except ParseError as error:
            return f"ParseError: {error}"

    return one(True), one(False)


def test_every_real_feed_the_fast_path_takes_reads_as_feedparser_reads_it(
    shared_feeds: Path,
) -> None:
    files = sorted(p for p in shared_feeds.iterdir() if p.suffix not in (".md", ".tsv"))
    taken = []
    for path in files:
        body = path.read_bytes()
        for content_type in CHARSETS:
            if quick_parse(body, content_type=content_type) is None:
                continue
            taken.append(path.name)
            quick, full = _both(body, content_type)
            assert quick == full, f"{path.name} ({content_type}): the two paths differ"
    # Not vacuous: the fast path takes most of the real feeds (49 of 73 when written).
    assert len(set(taken)) >= len(files) * 0.6, sorted(set(taken))


def _atom(entry: bytes) -> bytes:
    return (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>e</title>'
        + entry
        + b"</entry></feed>"
    )


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("UTF-16", "<rss><channel/></rss>".encode("utf-16")),
        ("DOCTYPE", b'<!DOCTYPE rss SYSTEM "x.dtd"><rss version="2.0"><channel/></rss>'),
        ("white space before the declaration", b'\n<?xml version="1.0"?><rss><channel/></rss>'),
        ("not well-formed", b"<rss><channel><item><title>a</item></channel></rss>"),
        ("HTML entity", b"<rss><channel><item><title>a&nbsp;b</title></item></channel></rss>"),
        ("xml:base", b'<rss><channel xml:base="http://a/"><item/></channel></rss>'),
        (
            "XHTML content in Atom's namespace",
            _atom(b'<content type="xhtml"><div>x</div></content>'),
        ),
        (
            "SVG in XHTML content",
            _atom(
                b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                b'<svg xmlns="http://www.w3.org/2000/svg"><title>t</title></svg></div></content>'
            ),
        ),
        (
            "a body in XHTML content (feedparser ends the content there)",
            _atom(
                b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><body>x</body>'
                b"</div></content>"
            ),
        ),
        (
            "XHTML content in RSS",
            b'<rss><channel><item><description type="xhtml">x</description></item></channel></rss>',
        ),
        ("inline markup", b"<rss><channel><item><title>a<b>c</b></title></item></channel></rss>"),
        (
            "RSS 0.90 that feedparser calls RSS 1.0",
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:r="http://purl.org/rss/1.0/" '
            b'xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel/></rdf:RDF>',
        ),
        (
            "RSS 0.90 under a prefix",
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:n="http://my.netscape.com/rdf/simple/0.9/"><n:channel/></rdf:RDF>',
        ),
        (
            "unknown namespace as dc",
            b'<rss xmlns:dc="urn:other"><channel><item><dc:date>x</dc:date></item></channel></rss>',
        ),
        (
            "an entry's image with a link feedparser reads",
            b'<rss><channel><item><image><link href="h"/></image></item></channel></rss>',
        ),
        (
            "an entry's image with a description",
            b"<rss><channel><item><image><description>x</description></image></item></channel></rss>",
        ),
    ],
)
def test_the_fast_path_declines_what_it_does_not_model(name: str, body: bytes) -> None:
    assert quick_parse(body) is None, name


@pytest.mark.parametrize("content_type", CHARSETS)
def test_rss_090_reads_as_feedparser_reads_it(content_type: str | None) -> None:
    body = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>News</title>'
        b"<link>https://example.org/</link></channel><image><title>Logo</title></image>"
        b"<item><title>Latvia leaves</title><link>https://example.org/a</link>"
        b"<description>The &lt;b&gt;treaty&lt;/b&gt;</description></item>"
        b'<item rdf:about="https://example.org/b"><title>Two</title></item></rdf:RDF>'
    )
    assert quick_parse(body, content_type=content_type) is not None
    quick, full = _both(body, content_type)
    assert quick == full
    assert isinstance(quick, ParsedFeed)
    assert quick.format == "rss090"
    assert [item.title for item in quick.items] == ["Latvia leaves", "Two"]


@pytest.mark.parametrize(
    "namespace", ["http://backend.userland.com/rss2", "http://backend.userland.com/RSS091"]
)
def test_userland_rss_namespaces_read_as_plain_rss(namespace: str) -> None:
    body = (
        f'<rss version="2.0" xmlns="{namespace}" xmlns:y="urn:y"><channel><title>News</title>'
        "<item><title>Latvia leaves</title><y:full-text>x</y:full-text>"
        "<pubDate>Tue, 18 Mar 2025 10:20:00 GMT</pubDate><guid>https://example.org/a</guid>"
        "</item></channel></rss>"
    ).encode()
    assert quick_parse(body) is not None
    quick, full = _both(body, None)
    assert quick == full
    assert isinstance(quick, ParsedFeed)
    assert [(item.title, item.link) for item in quick.items] == [
        ("Latvia leaves", "https://example.org/a")
    ]


def test_white_space_before_the_declaration_is_dropped_not_parsed_loosely() -> None:
    body = b'\n\n<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item>'
    body += (
        b"<title>Estonia leaves</title><link>https://example.org/a</link></item></channel></rss>"
    )
    quick, full = _both(body, None)
    assert quick == full
    assert isinstance(quick, ParsedFeed)
    assert quick.warning is None  # feedparser's loose parser would have warned
    assert [item.title for item in quick.items] == ["Estonia leaves"]


def test_deep_nesting_is_declined_not_a_crash() -> None:
    nested = b"<x:a>" * 50_000 + b"</x:a>" * 50_000
    body = b'<rss xmlns:x="urn:x"><channel><item>' + nested + b"</item></channel></rss>"
    assert quick_parse(body) is None


@pytest.mark.parametrize(
    ("content_type", "taken"),
    [
        (None, True),
        ("application/rss+xml; charset=utf-8", True),
        ("text/xml; charset=windows-1251", True),
        ("text/xml; charset=", False),  # US-ASCII by RFC 3023, and the body is not
        ("text/html; charset=utf-8", False),  # feedparser warns: not an XML media type
        ("application/xml; charset=no-such-codec", False),
    ],
)
def test_the_encoding_is_chosen_as_feedparser_chooses_it(
    content_type: str | None, taken: bool
) -> None:
    cyrillic = "1251" in (content_type or "")
    title = "Латвия выходит" if cyrillic else "Łotwa wycofuje się"
    body = f"<rss><channel><item><title>{title}</title></item></channel></rss>"
    encoded = body.encode("windows-1251" if cyrillic else "utf-8")
    assert (quick_parse(encoded, content_type=content_type) is not None) is taken
    quick, full = _both(encoded, content_type)
    assert quick == full


# --- generated documents: the two paths agree on every one the fast path takes --------------

_NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:x="urn:example:extension" '
    'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
)

_words = st.sampled_from(
    [
        "Lithuania",
        "leaves",
        "the Ottawa Convention",
        "Łotwa wycofuje się",
        "Выход из договора",
        "naïve café",
        "Ã©crit",  # UTF-8 read as Latin-1: feedparser repairs it
        "\u0093quoted\u0094",  # windows-1252 code points
        "&amp;",
        "&lt;b&gt;bold&lt;/b&gt;",
        "&#233;",
        "<![CDATA[<p>para & graph</p>]]>",
        "  padded  ",
        "",
    ]
)
_text = st.lists(_words, max_size=3).map(" ".join)
_dates = st.sampled_from(
    [
        "Tue, 18 Mar 2025 10:20:00 GMT",
        "Tue, 18 Mar 2025 10:20:00 +0100",
        "2025-03-18T10:20:00Z",
        "2025-03-18",
        "18 March 2025",
        "not a date",
        "",
    ]
)
_links = st.sampled_from(
    [
        "https://example.org/a?x=1&amp;y=2",
        "/relative/path",
        "relative",
        "http:///extra-slashes.example/",
        "  https://example.org/b  ",
        "",
    ]
)


_bases = st.sampled_from(
    [
        "",
        ' xml:base="https://base.example/dir/"',
        ' xml:base="/other/"',
        ' xml:base="sub/"',
        ' xml:base="javascript:void(0)/"',
        ' xml:base=""',
    ]
)


def _element(tag: str, body: str, attributes: str = "") -> str:
    return f"<{tag}{attributes}>{body}</{tag}>"


_rss_children = st.one_of(
    st.builds(_element, st.just("title"), _text, st.sampled_from(["", ' type="html"'])),
    st.builds(_element, st.just("link"), _links, _bases),
    st.builds(
        _element,
        st.just("guid"),
        _links,
        st.sampled_from(
            ["", ' isPermaLink="false"', ' isPermaLink="true"', ' isPermalink="False"']
        ),
    ),
    st.builds(_element, st.just("description"), _text),
    st.builds(_element, st.just("content:encoded"), _text, _bases),
    st.builds(_element, st.sampled_from(["pubDate", "dc:date", "dcterms:issued"]), _dates),
    st.builds(_element, st.just("dc:language"), st.sampled_from(["lt", "en-GB", ""])),
    st.builds(_element, st.sampled_from(["dc:title", "media:title", "media:description"]), _text),
    st.builds(
        lambda title: f'<media:content url="u">{_element("media:title", title)}</media:content>',
        _text,
    ),
    st.just("<image>https://example.org/i.png</image>"),
    st.builds(
        lambda title, first: (
            "<image>"
            + (_element("title", title) if first else "")
            + "<url>https://example.org/i.png</url><link>https://example.org/</link>"
            + "<width>144</width><height>x</height>"
            + ("" if first else _element("title", title))
            + "</image>"
        ),
        _text,
        st.booleans(),
    ),
    st.just('<source url="https://example.org/s">Wire</source>'),
    st.just('<category domain="d">Politics</category><dc:creator>A</dc:creator>'),
    st.builds(
        lambda rel, kind, href: f'<atom:link rel="{rel}" type="{kind}" href="{href}"/>',
        st.sampled_from(["alternate", "self", "related", "ALTERNATE"]),
        st.sampled_from(["text/html", "application/rss+xml", "html"]),
        st.sampled_from(["https://example.org/alt", "/alt"]),
    ),
    st.just('<x:extra a="1"><x:inner>ignored</x:inner></x:extra>'),
    st.just("<comments>https://example.org/c</comments>"),
    st.builds(_element, st.sampled_from(["summary", "itunes:summary"]), _text),
    st.builds(lambda title: f"<x:wrap>{_element('title', title)}</x:wrap>", _text),
    st.just("<media:group><media:title>Grouped</media:title></media:group>"),
)


@st.composite
def _rss(draw: st.DrawFn) -> bytes:
    channel = draw(
        st.lists(
            st.sampled_from(
                [
                    "<title>Feed</title>",
                    "<title></title>",
                    "<dc:title>Other</dc:title>",
                    "<language>lt</language>",
                    "<dc:language>pl</dc:language>",
                    "<ttl>30</ttl>",
                    "<image><title>Logo</title><url>u</url></image>",
                    "<link>https://example.org/</link>",
                    "<textInput><title>Search</title><link>s</link></textInput>",
                    "<media:title>Media</media:title>",
                    "<x:meta>1</x:meta>",
                ]
            ),
            max_size=4,
        )
    )
    items = draw(st.lists(st.lists(_rss_children, max_size=8), min_size=1, max_size=3))
    bases = draw(st.lists(_bases, min_size=len(items), max_size=len(items)))
    rendered = "".join(
        f"<item{base}>{''.join(children)}</item>"
        for base, children in zip(bases, items, strict=True)
    )
    root_base = draw(_bases)
    version = draw(st.sampled_from(["2.0", "0.92", "", "2.01"]))
    lang = draw(st.sampled_from(["", ' xml:lang="de"']))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>\n', "\ufeff"]))
    position = draw(st.integers(0, len(channel)))
    head, tail = "".join(channel[:position]), "".join(channel[position:])
    return (
        f'{prolog}<rss version="{version}"{lang}{root_base} {_NS}><channel>{head}{rendered}{tail}'
        "</channel></rss>"
    ).encode()


_XHTML = 'xmlns="http://www.w3.org/1999/xhtml"'
_xhtml = st.one_of(
    _text,
    st.just("  \n "),
    st.builds(lambda inner: f"<div {_XHTML}>{inner}</div>", _text),
    st.builds(
        lambda attributes, inner, tail: f"<div {_XHTML}{attributes}>{inner}</div>{tail}",
        st.sampled_from(["", ' class="Lead" xml:lang="fr"', ' title="café &amp; &quot;x&quot;"']),
        st.lists(
            st.one_of(
                _text,
                st.builds(lambda t: f"<p>{t}</p>", _text),
                st.builds(lambda t: f'<a href="/rel" REL="Nofollow">{t}</a><br/>', _text),
                st.builds(lambda t: f"<ul><li>{t}</li><li><b>{t}</b></li></ul>", _text),
                st.just('<img src="i.png" alt="Ã©"/><script>var x = "<p>";</script>'),
                st.just('<p xml:base="https://elsewhere.example/">b</p>'),
            ),
            max_size=4,
        ).map("".join),
        st.sampled_from(["", " ", "tail"]),
    ),
    st.just(f'<DIV {_XHTML}>upper</DIV><x:y xmlns:x="urn:x">other</x:y>'),
)

_atom_children = st.one_of(
    st.builds(
        _element, st.just("title"), _text, st.sampled_from(["", ' type="html"', ' type="text"'])
    ),
    st.builds(
        lambda rel, href: f'<link{rel} href="{href}"/>',
        st.sampled_from(["", ' rel="alternate"', ' rel="self"', ' rel="enclosure"']),
        st.sampled_from(["https://example.org/e", "/e", "e?a=1&amp;b=2"]),
    ),
    st.builds(_element, st.just("id"), st.sampled_from(["urn:uuid:1", "/entry/1", "tag:x,2025:1"])),
    st.builds(
        _element,
        st.sampled_from(["summary", "content"]),
        _text,
        st.sampled_from(["", ' type="html"', ' type="text"', ' xml:base="/c/"']),
    ),
    st.builds(_element, st.sampled_from(["published", "updated"]), _dates),
    st.builds(
        _element,
        st.sampled_from(["summary", "content"]),
        st.lists(_xhtml, max_size=3).map("".join),
        st.sampled_from(
            [' type="xhtml"', ' type="XHTML" xml:base="/x/"', ' type="application/xhtml+xml"']
        ),
    ),
    st.just("<author><name>A</name><uri>https://example.org/a</uri></author>"),
    st.just('<category term="politics"/>'),
)


@st.composite
def _atom_feed(draw: st.DrawFn) -> bytes:
    entries = draw(st.lists(st.lists(_atom_children, max_size=7), min_size=1, max_size=3))
    bases = draw(st.lists(_bases, min_size=len(entries), max_size=len(entries)))
    rendered = "".join(
        f"<entry{base}>{''.join(children)}</entry>"
        for base, children in zip(bases, entries, strict=True)
    )
    lang = draw(st.sampled_from(["", ' xml:lang="fi"']))
    root_base = draw(_bases)
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}{root_base}><title>Feed</title>'
        f"{rendered}</feed>"
    ).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_rss(), _atom_feed()), st.sampled_from(CHARSETS))
def test_generated_feeds_read_alike_on_both_paths(body: bytes, content_type: str | None) -> None:
    quick, full = _both(body, content_type)
    assert quick == full


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rss(), st.sampled_from(["windows-1251", "iso-8859-2", "iso-8859-1", "koi8-r"]))
def test_generated_feeds_in_other_encodings_read_alike(body: bytes, encoding: str) -> None:
    text = body.decode("utf-8").removeprefix("\ufeff")
    text = text.removeprefix('<?xml version="1.0" encoding="utf-8"?>\n')
    encoded = f'<?xml version="1.0" encoding="{encoding}"?>{text}'.encode(encoding, "replace")
    quick, full = _both(encoded, None)
    assert quick == full


def test_generated_feeds_mostly_take_the_fast_path() -> None:
    """The comparison above must not pass by declining: most generated documents are taken."""
    taken = total = 0

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.one_of(_rss(), _atom_feed()))
    def count(body: bytes) -> None:
        nonlocal taken, total
        total += 1
        taken += quick_parse(body) is not None

    count()
    assert taken >= total * 0.3, (taken, total)


def _repaired_by_class(text: str) -> str:
    """``_repaired`` testing the C1 class on every character (it scans the UTF-8 bytes)."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return re.sub("[\x80-\x9f]", _windows_1252, text)


@given(
    st.text(alphabet="a\x7f\x80\x81\x93\x9f\xa0\xc2\xc3\xa9\xe9\u0100\u0443\u20ac\ud800\U0001f600")
)
def test_text_is_repaired_as_when_every_character_is_tested(text: str) -> None:
    assert _repaired(text) == _repaired_by_class(text)


def test_the_c1_code_points_of_real_texts_are_found() -> None:
    assert _repaired("\u0443\x93quoted\x94 \u20ac") == "\u0443\u201cquoted\u201d \u20ac"
    assert _repaired("Caf\xc3\xa9 bar") == "Café bar"  # UTF-8 read as Latin-1
    assert _repaired("Caf\xe9 \x96 bar") == "Café – bar"
    assert _repaired("\ud800\x85") == "\ud800…"
