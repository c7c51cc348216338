"""Mutations for our own fuzzers (tests/monitor/test_fuzz_pipeline.py, test_fuzz_cli.py).

Every mutation is drawn from a ``random.Random`` the caller seeds (a fixed seed, or Hypothesis's
``st.randoms()``), so a failing case is reproduced by its seed. The tokens are the shapes hostile
publishers and careless operators produce: bad bytes, references to no character, unreadable
links, entity declarations, unsafe schemes, impossible dates, deep nesting, huge numbers.
"""

from __future__ import annotations

import random

__all__ = ["FEED_TOKENS", "TEXT_TOKENS", "mutate", "mutate_text"]

FEED_TOKENS: tuple[bytes, ...] = (
    b"\x00",
    b"\xff",
    b"\xff\xfe",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\xe9",  # Latin-1 e-acute in a UTF-8 document
    b"&#xD800;",
    b"&#x110000;",
    b"&#99999999999999999999;",
    b"&#0;",
    b"&lol;",
    b"<!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]>",
    b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">',
    b"<![CDATA[",
    b"]]>",
    b"<",
    b"&",
    b"</item>",
    b"<item>",
    b"<entry>",
    b"<item><title>Estonia to exit the Ottawa Convention</title><link>http://[x/</link>"
    b"<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate></item>",
    b"<item><title>x &#xD800;</title><link>javascript:alert(1)</link></item>",
    b"<link>http://[x/</link>",
    b'<base href="http://[x/">',
    b'<a href="http://h:99999/">x</a>',
    b"<div>" * 200,
    b"\r\n",
    b"\xef\xbb\xbf",
    b"9" * 400,
    "\u202e".encode(),  # a bidi override
)

TEXT_TOKENS: tuple[str, ...] = (
    "\x00",
    "\ud800",
    "\x1b[31m",
    "\u202e",
    "é",
    "${X:=d}",
    "${",
    "&a [*a]",
    "*a",
    "[" * 60,
    "{" * 60,
    "- " * 30,
    ": ",
    "'",
    '"',
    "\\",
    "\n",
    "\t",
    ".inf",
    "99999999999999999999d",
    "-5s",
    "1ms",
    "100GiB",
    "true",
    "null",
    "~",
    "0",
    "-1",
    "http://[x/",
    "http://127.0.0.1:abc/",
    "javascript:alert(1)",
    "NEAR/-1",
    "ONEAR/+5",
    "title:",
    "(",
    ")",
    "AND",
    "OR NOT",
    '"',
    "@other",
    "x" * 300,
)


def mutate(data: bytes, rng: random.Random, rounds: int = 3) -> bytes:
    """``data`` with ``rounds`` random edits: a byte flipped, a token inserted or replacing a
    slice, a slice deleted or repeated, or the end cut off."""
    out = bytearray(data)
    for _ in range(rounds):
        where = rng.randrange(len(out) + 1)
        op = rng.randrange(6)
        if op == 0 and out:
            out[min(where, len(out) - 1)] = rng.randrange(256)
        elif op == 1:
            out[where:where] = rng.choice(FEED_TOKENS)
        elif op == 2:
            out[where : where + rng.randrange(1, 64)] = rng.choice(FEED_TOKENS)
        elif op == 3:
            del out[where : where + rng.randrange(1, 256)]
        elif op == 4:
            chunk = bytes(out[where : where + rng.randrange(1, 128)])
            out[where:where] = chunk * rng.randrange(1, 20)
        else:
            del out[where:]
    return bytes(out)


def mutate_text(text: str, rng: random.Random, rounds: int = 3) -> str:
    """``text`` with ``rounds`` random edits drawn from ``TEXT_TOKENS`` and random characters."""
    out = text
    for _ in range(rounds):
        where = rng.randrange(len(out) + 1)
        op = rng.randrange(5)
        if op == 0:
            out = out[:where] + rng.choice(TEXT_TOKENS) + out[where:]
        elif op == 1:
            out = out[:where] + rng.choice(TEXT_TOKENS) + out[where + rng.randrange(1, 16) :]
        elif op == 2:
            out = out[:where] + out[where + rng.randrange(1, 32) :]
        elif op == 3:
            out = out[:where] + chr(rng.randrange(0x20, 0x3000)) + out[where:]
        else:
            line_start = out.rfind("\n", 0, where) + 1
            line_end = out.find("\n", where)
            line = out[line_start : line_end if line_end >= 0 else len(out)]
            out = out[:line_start] + line + "\n" + out[line_start:]  # a repeated line (key)
    return out
