"""Hostile and odd XML from a publisher (RELIABILITY section A): entity attacks (A3, A4), XXE
(A5), an external DTD (A6), a wrong declared charset (A7), UTF-16 and UTF-32 (A8), deeply
nested HTML (A16), duplicate GUIDs in one document (A22) and an edited item (A26).

Parser-level checks call ``parse_feed``; the others run ``treatywatch poll`` as a subprocess
against a local feed server and webhook receiver and read the SQLite file it wrote."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.errors import ParseError
from monitor.sources import parse_document
from monitor.sources.feed import parse_feed
from tests.conftest import REPO, run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver

NOW = datetime.now(UTC).replace(microsecond=0)
RULES = """\
rules:
  - id: test.withdraw
    title: A withdrawal
    severity: high
    query: 'withdraw OR withdraws OR withdrawal'
  - id: test.traite
    title: Un traité
    severity: high
    query: 'traité'
"""

_LAUGHS_DTD = "".join(
    f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">' + _LAUGHS_DTD + "]>"
    '<rss version="2.0"><channel><title>t</title><item><title>Minister &lol9;</title>'
    "<link>https://news.test/lol</link></item></channel></rss>"
).encode()
QUADRATIC = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "a" * 50_000 + '">]>'
    '<rss version="2.0"><channel><title>t</title><item><title>Minister speaks</title>'
    "<description>" + "&a;" * 50_000 + "</description>"
    "<link>https://news.test/quad</link></item></channel></rss>"
).encode()

# Parses one document in a fresh interpreter and prints the CPU seconds (not wall time: the
# machine may be shared) and the peak memory the parse added (after a small feed was parsed
# once, so imports and caches are not counted).
_MEASURE = """
import json, resource, sys, time
from monitor.sources.feed import parse_feed
small = b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
small += b'<link>https://news.test/x</link></item></channel></rss>'
parse_feed(small, url="https://news.test/")
body = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.process_time()
parsed = parse_feed(body, url="https://news.test/")
seconds = time.process_time() - started
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "kib": grown,
                  "titles": [item.title for item in parsed.items],
                  "longest": max(len(item.summary) for item in parsed.items)}))
"""


def _measure(body: bytes) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        input=body,
        capture_output=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("body", [LAUGHS, QUADRATIC], ids=["billion-laughs", "quadratic"])
def test_entity_attacks_stay_literal_and_cheap(body: bytes) -> None:
    """A3, A4: the entities are not expanded; the parse takes under 1 s of CPU and 10 MB."""
    result = _measure(body)
    assert result["seconds"] < 1.0, result
    assert result["kib"] < 10 * 1024, result
    assert "lol" * 10 not in str(result["titles"])
    assert result["longest"] < 50_000  # the 50 kB entity was never put in


def test_a_sitemap_declaring_entities_after_a_long_comment_is_refused_at_once() -> None:
    """A3 for sitemaps: entity declarations are refused wherever the prolog puts them (they
    were looked for in the first 4 kB only: a 5 kB comment first cost 1 s and 68 MB)."""
    body = (
        '<?xml version="1.0"?><!--'
        + "x" * 5_000
        + "-->"
        + LAUGHS.decode().split("?>", 1)[1].split("<rss", 1)[0].replace("rss", "urlset")
        + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        "<loc>https://news.test/a</loc><lastmod>&lol9;</lastmod></url></urlset>"
    ).encode()
    started = time.monotonic()
    with pytest.raises(ParseError, match="entity declarations are refused"):
        parse_document("sitemap", body, url="https://news.test/")
    assert time.monotonic() - started < 0.5


def test_a_billion_laughs_title_matches_no_rule(tmp_path: Path, feed_server: FeedServer) -> None:
    """A3: the literal ``&lol9;`` left in the title triggers no rule."""
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: test.lol\n    title: Laughs\n    query: 'lol'\n")
    feed_server.routes["/lol.xml"] = Route(LAUGHS)
    config = _config(tmp_path, {"lol": feed_server.url("/lol.xml")}, rules=rules)
    assert run_cli("poll", "--config", str(config)).returncode == 0
    with _db(tmp_path) as db:
        assert db.execute("SELECT title FROM items").fetchall() == [("Minister &lol9;",)]
        assert db.execute("SELECT count(*) FROM hits").fetchone() == (0,)


def test_an_external_entity_never_reads_the_named_file(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """A5: a ``SYSTEM "file://..."`` entity: the canary text is nowhere (items, hits, alerts,
    logs, what the receiver got, the database files)."""
    canary_text = "CANARY-7f3a9c-secret"
    canary = tmp_path / "canary.txt"
    canary.write_text(canary_text)
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{canary}">]>'
        '<rss version="2.0"><channel><title>t</title>'
        "<item><title>Estonia will withdraw &xxe;</title><description>Text &xxe;</description>"
        f"<link>https://news.test/xxe</link><pubDate>{_rfc822(NOW)}</pubDate></item>"
        "</channel></rss>"
    ).encode()
    feed_server.routes["/xxe.xml"] = Route(body)
    config = _config(tmp_path, {"xxe": feed_server.url("/xxe.xml")}, receiver=receiver)
    done = run_cli("poll", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert len(receiver.accepted) == 1  # the item itself went through
    assert canary_text not in done.stdout + done.stderr
    assert all(canary_text.encode() not in request.body for request in receiver.requests)
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert canary_text.encode() not in path.read_bytes(), path
    export = run_cli("export", "--config", str(config))
    assert canary_text not in export.stdout


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd">',
        '<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "http://127.0.0.1:{port}/evil.dtd">',
        '<!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://127.0.0.1:{port}/x.dtd"> %ext;]>',
        '<!DOCTYPE rss [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e.xml">]>',
    ],
    ids=["system", "public", "parameter-entity", "general-entity"],
)
def test_an_external_dtd_is_never_fetched(doctype: str) -> None:
    """A6: a DOCTYPE or entity naming a local listener: the listener gets no connection."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        body = (
            '<?xml version="1.0"?>' + doctype.format(port=port) + '<rss version="2.0"><channel>'
            "<title>t</title><item><title>Minister &e; speaks</title>"
            "<link>https://news.test/dtd</link></item></channel></rss>"
        ).encode()
        for quick in (True, False):
            parsed = parse_feed(body, url="https://news.test/", quick=quick)
            assert [item.link for item in parsed.items] == ["https://news.test/dtd"]
        time.sleep(0.05)  # a connection attempt would be in the backlog by now
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_utf8_declared_latin1_sent_matches_and_warns(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """A7: declared UTF-8, sent as Latin-1: "traité" is read, the rule hits, the poll succeeds,
    and the source keeps the warning."""
    body = rss([Entry("Le traité est dénoncé", "https://news.test/t", published=NOW)])
    feed_server.routes["/fr.xml"] = Route(body.decode("utf-8").encode("latin-1"))
    config = _config(tmp_path, {"fr": feed_server.url("/fr.xml")}, receiver=receiver)
    done = run_cli("poll", "--config", str(config))
    assert done.returncode == 0, done.stderr
    with _db(tmp_path) as db:
        assert db.execute("SELECT title FROM items").fetchall() == [("Le traité est dénoncé",)]
        assert db.execute("SELECT rule FROM hits").fetchall() == [("test.traite",)]
        error, warning = db.execute("SELECT last_error, last_warning FROM sources").fetchone()
    assert error is None
    assert "CharacterEncodingOverride" in warning and "windows-1252" in warning
    assert [alert["title"] for alert in receiver.accepted_json()] == ["Le traité est dénoncé"]


_UNICODE_FEED = (
    '<rss version="2.0"><channel><title>Заголовок</title><item><title>Le traité est dénoncé'
    "</title><link>https://news.test/u</link><description>Ελληνικά 中文 😀</description>"
    "</item></channel></rss>"
)
_MARKS = {
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
    "utf-8": b"\xef\xbb\xbf",
}


@pytest.mark.parametrize("encoding", list(_MARKS))
@pytest.mark.parametrize(
    "content_type", [None, "application/rss+xml", "application/rss+xml; charset=utf-8"]
)
@pytest.mark.parametrize("declaration", ["", '<?xml version="1.0" encoding="utf-8"?>'])
def test_byte_order_marked_feeds_are_read_without_a_warning(
    encoding: str, content_type: str | None, declaration: str
) -> None:
    """A8: UTF-16 LE/BE, UTF-32 and UTF-8 with a byte order mark, with or without an XML
    declaration (even one naming another encoding), whatever charset the header names: read as
    the mark says, on the fast path and through feedparser alike, with no warning."""
    body = _MARKS[encoding] + (declaration + _UNICODE_FEED).encode(encoding)
    for quick in (True, False):
        parsed = parse_feed(body, url="https://news.test/", content_type=content_type, quick=quick)
        assert parsed.title == "Заголовок"
        assert [item.title for item in parsed.items] == ["Le traité est dénoncé"]
        assert parsed.items[0].summary == "Ελληνικά 中文 😀"
        assert parsed.warning is None


def test_a_utf16_feed_is_polled_and_matched(tmp_path: Path, feed_server: FeedServer) -> None:
    """A8, through a whole poll: a UTF-16 LE feed with a mark and no declaration hits."""
    body = rss([Entry("Le traité est dénoncé", "https://news.test/t", published=NOW)])
    text = body.decode("utf-8").split("?>", 1)[1]
    feed_server.routes["/le.xml"] = Route(b"\xff\xfe" + text.encode("utf-16-le"))
    config = _config(tmp_path, {"le": feed_server.url("/le.xml")})
    assert run_cli("poll", "--config", str(config)).returncode == 0
    with _db(tmp_path) as db:
        assert db.execute("SELECT rule FROM hits").fetchall() == [("test.traite",)]
        assert db.execute("SELECT last_error, last_warning FROM sources").fetchone() == (
            None,
            None,
        )


def test_deeply_nested_html_in_a_summary_stays_fast_and_flat() -> None:
    """A16: 20,000 nested ``<div>`` (and unclosed ``<b>``) in a description: parsed within a
    second into flat text."""
    for opening, closing in (("<div>", "</div>"), ("<b><i>", "")):
        markup = opening * 20_000 + "Estonia will withdraw" + closing * 20_000
        body = rss([Entry("Minister speaks", "https://news.test/deep", summary=markup)])
        started = time.monotonic()
        parsed = parse_feed(body, url="https://news.test/")
        assert time.monotonic() - started < 1.0
        assert [item.summary for item in parsed.items] == ["Estonia will withdraw"]


def test_duplicate_guids_in_one_document_give_one_item_hit_and_alert(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """A22: two entries with the same GUID in one document (links differ): one item, one hit,
    one alert."""
    entries = [
        Entry("Estonia will withdraw from the treaty", f"https://news.test/{n}", guid="same-guid")
        for n in ("a", "b")
    ]
    entries = [Entry(e.title, e.link, guid=e.guid, published=NOW) for e in entries]
    feed_server.routes["/dup.xml"] = Route(rss(entries))
    config = _config(tmp_path, {"dup": feed_server.url("/dup.xml")}, receiver=receiver)
    done = run_cli("poll", "--config", str(config))
    assert done.returncode == 0, done.stderr
    with _db(tmp_path) as db:
        assert db.execute("SELECT count(*) FROM items").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM hits").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM alerts").fetchone() == (1,)
    assert len(receiver.accepted) == 1


def test_an_edited_item_is_not_alerted_again_and_its_first_text_is_kept(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """A26: the same GUID comes back with a new title: no second alert. The stored item keeps
    the text it was first seen with (the edit is not stored; docs/sources.md says so)."""
    first = Entry("Estonia will withdraw from the treaty", "https://news.test/e", guid="g-1")
    edited = Entry("Estonia withdraws from the treaty, minister confirms", first.link, guid="g-1")
    feed_server.routes["/e.xml"] = Route(rss([Entry(**{**vars(first), "published": NOW})]))
    config = _config(tmp_path, {"e": feed_server.url("/e.xml")}, receiver=receiver)
    assert run_cli("poll", "--config", str(config)).returncode == 0
    assert len(receiver.accepted) == 1
    feed_server.routes["/e.xml"] = Route(rss([Entry(**{**vars(edited), "published": NOW})]))
    done = run_cli("poll", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert len(receiver.requests) == 1
    with _db(tmp_path) as db:
        assert db.execute("SELECT title FROM items").fetchall() == [(first.title,)]
        assert db.execute("SELECT count(*) FROM hits").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM alerts").fetchone() == (1,)


def _rfc822(moment: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment)


def _config(
    tmp_path: Path,
    sources: dict[str, str],
    *,
    receiver: WebhookReceiver | None = None,
    rules: Path | None = None,
) -> Path:
    if rules is None:
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES)
    config: dict[str, object] = {
        "state_dir": str(tmp_path / "state"),
        "rules": [str(rules)],
        "max_age": "48h",
        "sources": [{"name": name, "url": url} for name, url in sources.items()],
    }
    if receiver is not None:
        config["channels"] = [{"name": "ops", "type": "webhook", "url": receiver.url}]
    path = tmp_path / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "state" / "treatywatch.db")
