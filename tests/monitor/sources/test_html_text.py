"""HTML fragments to plain text: the fast path for plain markup gives exactly what the full
``html.parser`` extraction gives, on generated markup and on every real feed's entries."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.sources.feed import _parsed_text, _plain_tags_loop, _plain_tags_text, html_to_text

# Pieces of markup, plain and otherwise: tags with every kind of attribute, block and inline
# elements, comments, scripts and styles, entities, and the forms the fast path leaves alone.
PIECES = [
    "<p>", "</p>", "<br/>", "<br />", "<BR>", "<Div class=x id=\"y\">", "</div >", "</ div>",
    "<a href=\"https://x.test/?a=1&amp;b=2\">", "<a href='y'>", "</a>", "<a href=x>",
    "<a href=x/>", "<a href=x />", "<img src=\"a>b\" alt=\"\">", "<b>", "</b>", "<li\n>",
    "<h1>", "</h1>", "<td/>", "<x:y>", "<a  =x>", "<a b==c>", "<a\tb>", "<a b=\"c\"d>",
    "<p\xa0class=x>", "<p\v>", "<a href=\"<\">", "<span title='a\"b'>", "<tr/ >", "<P/>",
    "< p>", "<3", "a < b", "</>", "</3", "<", ">", "<!DOCTYPE x>", "<?pi?>", "<![CDATA[x]]>",
    "<!-- c -->", "<!---->", "<!-->", "<!--->", "<!-- a -- b -->", "<!--x--!>", "<!--", "-->",
    "<!-- <p> -->", "<script>a</script>", "<SCRIPT>x</Script>", "<script src=x></script>",
    "<script/>", "<script>a<b</script>", "<script>", "</script>", "<style>p{}</style>",
    "<script>x</script >", "<style type='x'>", "</style>", "a</scr", "ipt>",
    "&amp;", "&am", "p;", "&lt;", "&#39;", "&#x27", "&copy", "&", "text", " ", "\n", "é", "--",
]  # fmt: skip

markup = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join)


@settings(max_examples=1_000)
@given(markup)
def test_the_fast_path_gives_what_the_parser_gives(text: str) -> None:
    plain = _plain_tags_text(text)
    if plain is not None:
        assert plain == _parsed_text(text)
    if "<" in text:
        assert html_to_text(text) == _parsed_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>One <b>two</b></p><p>three &amp; four</p>", " One two  three & four "),
        ('<a href="https://x.test/?a=1&amp;b=2">link</a><br/>end', "link  end"),
        ("before<!-- a comment -->after<script>var x = 1;</script>!", "beforeafter!"),
    ],
)
def test_plain_markup_takes_the_fast_path(text: str, expected: str) -> None:
    assert _plain_tags_text(text) == expected
    assert html_to_text(text) == expected


@pytest.mark.parametrize("text", ["a < b <i>c</i>", "<!DOCTYPE html><p>x", "<!-- a -- b -->"])
def test_other_markup_goes_to_the_parser(text: str) -> None:
    assert _plain_tags_text(text) is None
    assert html_to_text(text) == _parsed_text(text)


def test_every_real_feed_entry_gives_what_the_parser_gives(shared_feeds: Path) -> None:
    fast = 0
    for path in sorted(p for p in shared_feeds.iterdir() if p.suffix not in (".md", ".tsv")):
        parsed = feedparser.parse(
            path.read_bytes(), sanitize_html=False, resolve_relative_uris=False
        )
        for entry in parsed.entries:
            parts = [part.get("value", "") for part in entry.get("content") or ()]
            for text in (entry.get("title") or "", entry.get("summary") or "", " ".join(parts)):
                if "<" in text:
                    assert html_to_text(text) == _parsed_text(text), path.name
                    fast += _plain_tags_text(text) is not None
    assert fast > 1_000  # the fast path is the common one


@settings(max_examples=1_000)
@given(markup.filter(lambda text: "<s" not in text.lower()))
def test_one_split_reads_markup_as_the_token_loop_does(text: str) -> None:
    # without scripts and styles (those go to the loop itself), the split gives what the loop
    # gives, None included: a "<" no token starts, an unclosed comment, a bad attribute
    assert _plain_tags_text(text) == _plain_tags_loop(text)


@pytest.mark.parametrize(
    "text",
    ["<p>a</P><BR/>b<Br >c</DIV>", "x<!-- <p> -->y<a href='<'>z", "&am<b>p;", "a<b>c</b", "<p/>"],
)
def test_the_split_and_the_loop_agree_on_awkward_markup(text: str) -> None:
    assert _plain_tags_text(text) == _plain_tags_loop(text)
    if _plain_tags_text(text) is not None:
        assert _plain_tags_text(text) == _parsed_text(text)
