"""Item identity across sources: canonical URLs, content fingerprints, identity keys (pure).

An item is *the same item* as one already stored when any of its identity keys is stored:

``guid:SOURCE␟GUID``
    its GUID within its own source (a GUID is only unique per publisher);
``url:CANONICAL``
    its canonical URL, from any source — scheme, host case, default ports, fragments, trailing
    slashes, tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``mc_*``...), AMP and mobile
    variants are folded away (:func:`canonical_url`);
``fp:HASH``
    its content fingerprint, a hash of the normalised title and lead (:func:`fingerprint`).

Two guards keep identity from swallowing distinct articles, because a missed withdrawal is worse
than a repeated one: a link to a site's front page or to a bare listing is no identity (many
feeds link every entry to the home page), and a URL match only counts when the titles are
similar (:func:`same_article`), so a press page that reuses one address for each new release
still alerts. RFC 3986 normalisation (percent-encoding, IDNA, dot segments, default ports) is
done by the ``url-normalize`` library; the tracking and AMP policy is ours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from rules import normalize

# rapidfuzz and url_normalize are imported where first used (issue 14, start-up: ~8 ms): most
# links take the fast path of :func:`canonical_url`, and titles are compared only when a stored
# URL or a story candidate asks for it, so a poll often needs neither.

__all__ = [
    "IDENTITY_KINDS",
    "SAME_TITLE",
    "Canonical",
    "canonical_url",
    "fingerprint",
    "identity_keys",
    "lead",
    "outlet",
    "same_article",
    "title_similarity",
    "words",
]

IDENTITY_KINDS = ("guid", "url", "fp")

# Query parameters that only say how a reader arrived (campaign, click and mail trackers, share
# buttons, analytics) or ask for the AMP rendering: never part of an article's identity.
_TRACKING = re.compile(
    r"^(utm_.*|mc_.*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|igshid|yclid|twclid|"
    r"ttclid|li_fat_id|_ga|_gl|_hsenc|_hsmi|__hs.*|hsctatracking|mkt_tok|oly_.*|vero_.*|"
    r"ns_.*|at_.*|wt\..*|xtor|ito|cmp|cmpid|ocid|ncid|sr_share|s_cid|s_kwcid|sc_cid|spm|"
    r"ref_src|ref_url|rss|feed|from_rss|__twitter_impression|amp|outputtype|output|amp_.*)$",
    re.IGNORECASE,
)
_AMP_VALUES = frozenset({"", "1", "true", "yes", "amp"})
# Host prefixes of the same site's mobile, AMP and "www" renderings.
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.", "www2.")
_AMP_CACHE = re.compile(r"^[a-z0-9-]+\.cdn\.ampproject\.org$")
_INDEX = re.compile(r"/(index|default)\.(html?|php|aspx?)$", re.IGNORECASE)
_AMP_SUFFIX = re.compile(r"\.amp(?=\.[a-z0-9]+$)|\.amp$", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s")
# scheme://host[/path][?query][#fragment] in characters that normalisation keeps (see
# _simple_parts); the fragment, never a "#!" route, is dropped
_SIMPLE_URL = re.compile(
    r"https?://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)"
    r"(/[a-z0-9._~/!$&'()*+,;=:@-]*)?(?:\?([a-z0-9._~/?!$&'()*+,;=:@-]+))?"
    r"(?:#(?!!)[a-z0-9._~/?!$&'()*+,;=:@-]*)?\Z",
    re.IGNORECASE | re.ASCII,
)
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s")
_PLAIN_CANONICAL = re.compile(r"https://([a-z0-9.-]+)((?:[/?#][\x21-\x7e]*)?)\Z", re.ASCII)
_LEAD_WORDS = 40
_MIN_FINGERPRINT_WORDS = 6
# Country-code second levels under which a registrable domain has three labels (bbc.co.uk).
_SECOND_LEVELS = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "go", "or", "ne"})
SAME_TITLE = 0.6
"""Title similarity (0..1) above which two entries behind one URL are one article."""


def canonical_url(url: str | None) -> str | None:
    """The form of a link that recognises one article under its many addresses.

    Lower-case scheme and host, ``https`` for ``http``, no default port, no userinfo, no
    fragment (except a ``#!`` route), no tracking or AMP parameters, sorted query, no trailing
    slash or ``index.html``; ``www.``, ``m.``, ``mobile.`` and ``amp.`` hosts, ``/amp`` path
    segments, ``.amp.html`` names and Google AMP cache addresses fold to the plain article.
    Anything that is not an http(s) URL with a host gives None.
    """
    if not url or not url.strip():
        return None
    text = url.strip()
    if _SPACE.search(text) or not text.lower().startswith(("http://", "https://")):
        return None
    simple = _simple_parts(text)
    if simple is not None:
        host, path, query = simple
        port = None
        fragment = ""
    else:
        from url_normalize import url_normalize

        try:
            normal = url_normalize(text)
            if normal is None:
                return None
            parts = urlsplit(normal)
            host = (parts.hostname or "").rstrip(".")
            port = parts.port
        except (ValueError, UnicodeError):
            return None
        path, query, fragment = parts.path, parts.query, parts.fragment
    if not host:
        return None
    host, path = _unwrap_amp_cache(host, path)
    host = _strip_prefixes(host)
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _fold_path(path)
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(sorted((k, v) for k, v in pairs if not _tracking(k, v)))
    # what urlunsplit makes of these parts (netloc is never empty, path is "" or starts "/")
    url = f"https://{netloc}{path}"
    if query:
        url += "?" + query
    if fragment.startswith("!"):
        url += "#" + fragment
    return url


def _simple_parts(text: str) -> tuple[str, str, str] | None:
    """Host, path and query of a URL that ``url_normalize`` would leave as it is but for the
    case of its scheme and host and a fragment it drops, else None (then it normalises). Most
    links of real feeds are such URLs: plain ASCII, no percent escapes, userinfo, port or
    ``#!`` route (any other fragment is dropped: ``url_normalize`` normalises it apart from
    the rest, and the canonical form keeps none but a route), a host of LDH
    labels that IDNA keeps as they are, no empty or dot path segments and no empty or
    ``=``-laden query parameters; for them the library's work (IDNA per label, quoting per
    component: 0.1 ms a link) changes nothing (a test compares both on every link of the
    shared feeds and on generated URLs)."""
    match = _SIMPLE_URL.match(text)
    if match is None:
        return None
    host, path, query = match.group(1).lower(), match.group(2) or "/", match.group(3) or ""
    if len(host) > 253 or any(len(label) > 63 or label[2:4] == "--" for label in host.split(".")):
        return None
    if "//" in path or "/./" in path or "/../" in path or path.endswith(("/.", "/..")):
        return None
    if query and any(not param or param.count("=") > 1 for param in query.split("&")):
        return None
    return host, path, query


def _tracking(name: str, value: str) -> bool:
    if not _TRACKING.match(name):
        return False
    lowered = name.lower()
    if lowered in ("amp", "outputtype", "output"):
        return value.lower() in _AMP_VALUES
    if lowered in ("rss", "feed"):
        return value.lower() in ("", "1", "true", "yes")
    return True


def _unwrap_amp_cache(host: str, path: str) -> tuple[str, str]:
    # https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/1
    # https://www.google.com/amp/s/www.example.com/news/1
    inner = None
    if _AMP_CACHE.match(host):
        match = re.match(r"^/[a-z]/(?:s/)?([^/]+)(/.*)?$", path)
        inner = match
    elif host in ("www.google.com", "google.com") and path.startswith("/amp/"):
        inner = re.match(r"^/amp/(?:s/)?([^/]+)(/.*)?$", path)
    if inner is None:
        return host, path
    return inner.group(1).lower(), inner.group(2) or "/"


def _strip_prefixes(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, changed = rest, True
    return host


def _fold_path(path: str) -> str:
    segments = [s for s in path.split("/") if s]
    if segments and segments[0].lower() == "amp":
        segments = segments[1:]
    if segments and segments[-1].lower() == "amp":
        segments = segments[:-1]
    if segments:
        segments[-1] = _AMP_SUFFIX.sub("", segments[-1])
    folded = "/" + "/".join(segments)
    folded = _INDEX.sub("", folded)
    return "" if folded == "/" else folded


def words(text: str) -> list[str]:
    """The words of ``text`` in the matching normal form (case, accents and width folded)."""
    return _WORD.findall(normalize(text))


def lead(summary: str) -> str:
    """The first sentence of a summary, at most 40 words: the part outlets rarely edit."""
    first = _SENTENCE_END.split(summary.strip(), maxsplit=1)[0]
    return " ".join(first.split()[:_LEAD_WORDS])


def fingerprint(title: str, summary: str = "") -> str | None:
    """A hash of the normalised title and lead; None when there is too little text to tell
    articles apart (a title like "Press release" alone)."""
    title_words = words(title)
    lead_words = words(lead(summary))
    if len(title_words) + len(lead_words) < _MIN_FINGERPRINT_WORDS:
        return None
    text = " ".join(title_words) + "\n" + " ".join(lead_words)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


Canonical = Callable[[str | None], str | None]
""":func:`canonical_url`, or a memo of it (callers that need one link's form several times)."""


def identity_keys(
    source: str,
    *,
    guid: str | None,
    link: str | None,
    title: str,
    summary: str = "",
    canonical: Canonical = canonical_url,
) -> tuple[str, ...]:
    """Every identity key of one item (see the module docstring), most specific first."""
    keys: list[str] = []
    if guid and guid.strip():
        keys.append(f"guid:{source}\x1f{guid.strip()}")
    url = canonical(link)
    if url and _is_article(url):
        keys.append(f"url:{url}")
    digest = fingerprint(title, summary)
    if digest:
        keys.append(f"fp:{digest}")
    return tuple(keys)


def _is_article(url: str) -> bool:
    """A canonical URL that can name one article: not a bare host or a one-word section."""
    _, path, more = _split_canonical(url)
    path = path.strip("/")
    return more or "/" in path or len(path) > 20 or "." in path


def _split_canonical(url: str) -> tuple[str | None, str, bool]:
    """``urlsplit(url)``'s host name and path, and whether it has a query or a fragment.

    A canonical URL of a plain host (lower-case letters, digits, dots and hyphens: no port,
    userinfo or brackets) and printable ASCII after it is split here as ``urlsplit`` splits it
    (the host ends at the first "/", "?" or "#", the fragment at the first "#", the query at
    the first "?" before it), without its per-call overhead; anything else goes to it."""
    plain = _PLAIN_CANONICAL.match(url)
    if plain is None:
        parts = urlsplit(url)
        return parts.hostname, parts.path, bool(parts.query or parts.fragment)
    rest, _, fragment = plain.group(2).partition("#")
    path, _, query = rest.partition("?")
    return plain.group(1), path, bool(query or fragment)


def title_similarity(a: str, b: str) -> float:
    """How alike two titles are, 0..1, after normalisation (word order ignored)."""
    left, right = " ".join(words(a)), " ".join(words(b))
    if not left or not right:
        return 0.0
    from rapidfuzz import fuzz

    return fuzz.token_sort_ratio(left, right) / 100


def same_article(kind: str, title: str, stored_title: str) -> bool:
    """Whether a stored identity key of ``kind`` really names the item titled ``title``.

    A GUID or a fingerprint is decisive; a shared URL only with a similar title, since some
    publishers reuse one address for every new release.
    """
    if kind != "url":
        return True
    if not title or not stored_title:
        return True
    if title == stored_title:  # the same words: alike unless there are none
        return bool(words(title))
    return title_similarity(title, stored_title) >= SAME_TITLE


def outlet(link: str | None, source: str, *, canonical: Canonical = canonical_url) -> str:
    """The publisher an item comes from: the registrable domain of its link (``bbc.co.uk``,
    ``lrt.lt``), else the source's name. Reports from one outlet count once per story."""
    url = canonical(link)
    host = _split_canonical(url)[0] if url else None
    if not host:
        return f"source:{source}"
    if _is_ip(host):
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVELS else 2
    return ".".join(labels[-keep:])


def _is_ip(host: str) -> bool:
    return host.replace(".", "").isdecimal() or ":" in host
