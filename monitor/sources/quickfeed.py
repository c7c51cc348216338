"""A fast path in front of feedparser for the plain feeds most publishers serve.

feedparser drives a Python handler for every start tag, end tag and run of text, which is most
of the CPU a poll cycle spends (about 40 ms for a news feed). Most feeds are plain: well-formed
RSS 2.0, RSS 1.0 or Atom 1.0 whose entries hold only the usual elements. For those,
``quick_parse`` reads the document with the standard library's ElementTree (expat, in C) and
builds the same entries feedparser would (the keys ``parse_feed`` reads: ``title``,
``summary``, ``content``, ``link``, ``id``, ``*_parsed`` dates and the feed's ``title``,
``language`` and ``ttl``), using feedparser's own date reader, URI joining and character repairs
so the two cannot drift apart.

It follows feedparser where feedparser's reading is stateful: the encoding it picks (RFC 3023),
the base URI that ``xml:base`` moves, which title and which summary win when there are several,
what ``<image>`` and ``<source>`` reset. It answers ``None`` for anything it does not fully
understand, and the caller hands the body to feedparser: a body the chosen encoding cannot
decode, a DOCTYPE, a document that is not well-formed, an unknown root, an element feedparser
would map onto one of those keys in a way not modelled here (XHTML outside Atom's content and
summary, SVG or MathML inside them, an entry's ``<image>`` holding more than an RSS image does, an
unknown namespace bound to a prefix feedparser handles, ...). XHTML content becomes the markup
feedparser rebuilds from it, which ``html_to_text`` reads like any other.
tests/monitor/sources/test_quickfeed.py holds both paths to identical items on every real feed
in ../shared/feeds that this path takes and on generated documents.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from typing import Any
from xml.etree import ElementTree

from feedparser.api import StrictFeedParser  # its handler table: which elements it maps
from feedparser.datetimes import _parse_date  # feedparser's reader: the same dates both ways
from feedparser.encodings import RE_XML_PI_ENCODING as _PI_ENCODING  # its encoding sniffing
from feedparser.encodings import parse_content_type
from feedparser.html import _cp1252  # the windows-1252 repair feedparser applies to text
from feedparser.mixin import _FeedParserMixin  # its table of known namespaces
from feedparser.urls import _urljoin, make_safe_absolute_uri  # its URI joins

from monitor.sources.prolog import after_prolog

__all__ = ["quick_parse"]

_XML = "{http://www.w3.org/XML/1998/namespace}"
_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS10 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_RSS090_URI = b"http://my.netscape.com/rdf/simple/0.9/"
_RSS090 = "{" + _RSS090_URI.decode() + "}"

# feedparser's own table of the namespaces it knows, and the prefix it reads each one as ("" for
# RSS, Atom and RSS 1.0: their elements are read as plain ones).
_PREFIXES: dict[str, str] = {
    uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()
}
# The elements feedparser has a handler for (``_start_<key>`` or ``_end_<key>``), by key.
_HANDLED = frozenset(
    name.split("_", 2)[2]
    for name in dir(StrictFeedParser)
    if name.startswith(("_start_", "_end_")) and name.count("_") >= 2
)
# The prefixes of those handlers: feedparser reads an element of a namespace it does not know
# by the prefix the document binds it to, so that prefix must not be one of these.
_HANDLED_PREFIXES = frozenset(key.split("_", 1)[0] for key in _HANDLED if "_" in key)
# Handled elements an entry may hold that touch none of the keys we read: authors, tags,
# enclosures, rights, media and podcast extras, geography.
_HARMLESS = frozenset(
    {
        *("author", "contributor", "name", "email", "uri", "url", "homepage", "rights"),
        *("category", "tags", "keywords", "enclosure", "copyright", "subtitle", "expirationdate"),
        *("dc_author", "dc_contributor", "dc_creator", "dc_publisher", "dc_rights", "dc_subject"),
        *(f"media_{n}" for n in ("category", "content", "credit", "group", "keywords", "license")),
        *(f"media_{n}" for n in ("player", "rating", "restriction", "thumbnail")),
        *(f"itunes_{n}" for n in ("author", "block", "category", "email", "explicit", "image")),
        *(f"itunes_{n}" for n in ("keywords", "name", "owner", "subtitle")),
        *("dcterms_valid", "where", "geom", "georssgeom", "psc_chapter", "psc_chapters"),
        *(f"georss_{n}" for n in ("box", "line", "point", "polygon", "where")),
        *(f"gml_{n}" for n in ("exterior", "linearring", "linestring", "point", "polygon")),
        *("gml_pos", "gml_poslist"),
    }
)

_DECLARED = re.compile(rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_APPLICATION = (
    "application/xml",
    "application/xml-dtd",
    "application/xml-external-parsed-entity",
)
_XML_TEXT = ("text/xml", "text/xml-external-parsed-entity")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
_C1 = re.compile("[\x80-\x9f]")  # the code points feedparser maps to windows-1252's
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # one of them in UTF-8
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_RSS_VERSIONS = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}


class _Decline(Exception):
    """This document is feedparser's to read."""


def quick_parse(
    body: bytes, *, base: str = "", content_type: str | None = None
) -> dict[str, Any] | None:
    """What ``feedparser.parse`` would give for ``body`` (the keys ``parse_feed`` reads), or
    None when the body is not a plain feed this path reads exactly like feedparser.

    ``base`` is the URI feedparser would resolve relative links against and ``content_type``
    the Content-Type header it would be given (None when none is passed on).
    """
    try:
        return _parse(body, base, content_type)
    except _Decline:
        return None


def _parse(body: bytes, base: str, content_type: str | None) -> dict[str, Any]:
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    elif body.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94")):
        raise _Decline  # UTF-16, UTF-32 or EBCDIC: feedparser sniffs those its own way
    document = _decoded(body, content_type)
    _check_prolog(body)
    _check_declarations(body)
    parser = ElementTree.XMLParser()
    try:
        parser.feed(document)
        root = parser.close()
    except (ElementTree.ParseError, ValueError, UnicodeError):
        raise _Decline from None
    if _rss_name(root.tag) == "rss":
        channels = list(root)
        if len(channels) != 1 or _rss_name(channels[0].tag) != "channel" or channels[0].attrib:
            raise _Decline
        version = root.get("version", "")
        name = _RSS_VERSIONS.get(version) or ("rss20" if version.startswith("2.") else "rss")
        return _document(name, root, channels[0], channels[0], _Base(base))
    if root.tag == f"{_ATOM}feed":
        return _document("atom10", root, root, root, _Base(base))
    if root.tag == f"{_RDF}RDF":
        namespace, name = _RSS10, "rss10"
        if any(child.tag == f"{_RSS090}channel" for child in root):
            if not _rss090_first(body):
                raise _Decline
            namespace, name = _RSS090, "rss090"
        channels = [child for child in root if child.tag == f"{namespace}channel"]
        if len(channels) != 1 or channels[0].attrib.keys() - {f"{_RDF}about"}:
            raise _Decline
        if any(child.tag not in _RDF_CHILDREN[namespace] for child in root):
            raise _Decline
        return _document(name, root, channels[0], root, _Base(base))
    raise _Decline


_RDF_CHILDREN = {
    namespace: frozenset({f"{namespace}channel", f"{namespace}item", f"{namespace}image"})
    for namespace in (_RSS10, _RSS090)
}


def _rss090_first(body: bytes) -> bool:
    """Whether feedparser calls this document RSS 0.90: it takes the version from the first
    namespace declared of RSS 0.90 (as the default namespace), RSS 1.0 and Atom."""
    for match in _DECLARED.finditer(body):
        uri = (match.group(2) if match.group(2) is not None else match.group(3)) or b""
        uri = uri.lower()
        if uri == _RSS090_URI:
            if match.group(1) is None:
                return True
        elif uri in (b"http://purl.org/rss/1.0/", b"http://www.w3.org/2005/atom"):
            return False
    return False


def _decoded(body: bytes, content_type: str | None) -> bytes | str:
    """The document in the encoding feedparser would read it in (RFC 3023: the header's
    charset, else the XML declaration's, else UTF-8): the bytes themselves when that is UTF-8
    and expat would agree, else the decoded text. Declines where feedparser would try another
    encoding and warn (a body the chosen encoding cannot decode, a media type that is not XML)."""
    declared = _PI_ENCODING.match(body)
    try:
        xml_encoding = declared.group(1).decode("utf-8").lower() if declared else ""
    except UnicodeDecodeError:
        raise _Decline from None
    if content_type is None:
        encoding = xml_encoding or "utf-8"
    else:
        media, charset = parse_content_type(content_type)
        if media in _XML_APPLICATION or (
            media.startswith("application/") and media.endswith("+xml")
        ):
            encoding = charset or xml_encoding or "utf-8"
        elif media in _XML_TEXT or (media.startswith("text/") and media.endswith("+xml")):
            encoding = charset or "us-ascii"
        else:
            raise _Decline  # feedparser warns that this is not an XML media type
    if encoding.lower() == "gb2312":
        encoding = "gb18030"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise _Decline from None
    if name == "utf-8" and xml_encoding in ("", "utf-8"):
        return body
    if b"<?xml".decode(encoding, "replace") != "<?xml":
        raise _Decline  # not ASCII-compatible: the checks below read bytes
    try:
        return body.decode(encoding)  # ElementTree reads text as text, whatever it declares
    except UnicodeDecodeError:
        raise _Decline from None


def _check_prolog(body: bytes) -> None:
    """Decline a document type declaration (feedparser rewrites those before parsing); what
    may precede the root element is an XML declaration, comments, processing instructions and
    white space."""
    if body.startswith(b"<!", after_prolog(body)):
        raise _Decline


def _check_declarations(body: bytes) -> None:
    """Decline when a namespace feedparser does not know is the default namespace or is bound to
    a prefix feedparser has handlers for (it reads such elements by the prefix, as if they were
    of the namespace it knows by that name)."""
    for match in _DECLARED.finditer(body):
        prefix = match.group(1)
        uri = (match.group(2) if match.group(2) is not None else match.group(3)) or b""
        if not uri or _namespace_prefix(uri.decode("utf-8", "replace")) is not None:
            continue
        if prefix is None or prefix.decode("utf-8", "replace") in _HANDLED_PREFIXES:
            raise _Decline


def _namespace_prefix(namespace: str) -> str | None:
    """The prefix feedparser reads the elements of ``namespace`` by (None: one it does not
    know); it reads every namespace of backend.userland.com's RSS as plain RSS."""
    lower = namespace.lower()
    if _USERLAND in lower:
        lower = "http://backend.userland.com/rss"
    return _PREFIXES.get(lower)


def _rss_name(tag: str) -> str:
    """``tag`` without a backend.userland.com RSS namespace (feedparser reads those as none)."""
    if tag.startswith("{") and _USERLAND in tag.lower():
        return tag.split("}", 1)[1]
    return tag


_USERLAND = "backend.userland.com/rss"


def _key(tag: str) -> str | None:
    """The key feedparser files an element under (``title``, ``dc_date``, ...), or None for an
    element of a namespace it does not know (kept under that namespace's own prefix).
    Remembered per tag (the first ``_KEYS_KEPT`` tags a process meets): a feed repeats the
    same few tags in every entry."""
    try:
        return _KEYS[tag]
    except KeyError:
        pass
    key = _key_of(tag)
    if len(_KEYS) < _KEYS_KEPT:
        _KEYS[tag] = key
    return key


_KEYS: dict[str, str | None] = {}
_KEYS_KEPT = 4096
"""At most this many tags are remembered (a document with many distinct tags grows no cache)."""


def _key_of(tag: str) -> str | None:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        prefix = _namespace_prefix(namespace)
        if prefix is None:
            return None
        return f"{prefix}_{local.lower()}" if prefix else local.lower()
    return tag.lower()


# --- the document and its entries -----------------------------------------------------------


def _document(
    version: str,
    root: ElementTree.Element,
    channel: ElementTree.Element,
    holder: ElementTree.Element,
    base: _Base,
) -> dict[str, Any]:
    """``channel`` holds the feed's own elements, ``holder`` its entries (the channel in RSS 2.0,
    the root in RSS 1.0 and Atom)."""
    entry_key = "entry" if version == "atom10" else "item"
    holder_base = base.enter(root)
    if channel is not root and _has_base(channel):
        raise _Decline
    feed: dict[str, Any] = {}
    lang = root.get(f"{_XML}lang", root.get("lang"))
    if lang:
        feed["language"] = lang.replace("_", "-")
    title_depth: int | None = None  # feedparser's title lock, as in _EntryReader
    for child in channel:
        key = _key(child.tag)
        if key == entry_key and channel is holder:
            title_depth = None  # feedparser resets the lock at every entry
            continue
        if key in ("title", "dc_title", "media_title"):
            if len(child) or any(_unread(name) for name in child.attrib):
                raise _Decline
            _check_type(child)
            value = _text(child)
            if title_depth is None:
                feed["title"] = value
            if value and key != "media_title":
                title_depth = 1
        elif key in ("language", "dc_language", "ttl"):
            if len(child) or child.attrib:
                raise _Decline
            feed["ttl" if key == "ttl" else "language"] = _text(child)
        else:
            exempt = key in ("image", "textinput")  # their titles are their own
            if exempt or key == "source":
                title_depth = None  # feedparser resets the lock at each of these too
            for element in child.iter():
                if _has_base(element):
                    raise _Decline  # modelled only on the root and inside entries
                inner = _key(element.tag)
                if inner in ("item", "entry", "language", "dc_language", "ttl"):
                    raise _Decline
                if inner in ("dc_title", "media_title", "title") and not exempt:
                    raise _Decline  # feedparser may read it as the feed's title
    if holder is not channel:
        for child in holder:
            if (
                child is not channel
                and _key(child.tag) != entry_key
                and any(_has_base(element) for element in child.iter())
            ):
                raise _Decline
    atom = version == "atom10"
    entries = [
        _entry(item, base, holder_base, atom) for item in holder if _key(item.tag) == entry_key
    ]
    return {"version": version, "feed": feed, "entries": entries, "bozo": 0}


def _has_base(element: ElementTree.Element) -> bool:
    return _base_attribute(element) is not None


def _base_attribute(element: ElementTree.Element) -> str | None:
    """``xml:base``, else a plain ``base`` (feedparser takes either)."""
    value = element.get(f"{_XML}base")
    return element.get("base") if value is None else value


class _Base:
    """feedparser's base URI as it reads the document in order: an element's ``xml:base`` is
    joined to it on the way in, and on the way out it returns to the parent's only when the
    parent's was not empty (so with no base of its own, a document keeps the last one seen)."""

    def __init__(self, initial: str) -> None:
        self.current = initial
        self._unchanged: dict[str, str] = {}  # base -> base after an element without xml:base

    def enter(self, element: ElementTree.Element) -> str:
        value = _base_attribute(element)
        if not value:
            known = self._unchanged.get(self.current)
            if known is None:
                known = self._unchanged[self.current] = self._joined(self.current)
            self.current = known
            return known
        self.current = self._joined(value)
        return self.current

    def _joined(self, wanted: str) -> str:
        if self.current:
            return str(make_safe_absolute_uri(self.current, wanted)) or self.current
        return str(_urljoin(self.current, wanted))

    def leave(self, parent: str) -> None:
        if parent:
            self.current = parent


def _entry(item: ElementTree.Element, base: _Base, parent: str, atom: bool) -> dict[str, Any]:
    """One entry, read element by element the way feedparser's handlers read it."""
    if item.get("lastmod") is not None or item.get("href") is not None:
        raise _Decline
    reader = _EntryReader(base, atom)
    about = item.get(f"{_RDF}about")
    if about:
        reader.entry["id"] = about
    reader.read(item, 1, base.enter(item))
    base.leave(parent)
    return reader.entry


class _EntryReader:
    """feedparser's per-entry state, for the elements modelled here: the depth of the title that
    locks the entry's title, the depth each saved value came from (a deeper element never
    replaces a shallower one), whether content was seen."""

    def __init__(self, base: _Base, atom: bool = False) -> None:
        self.base = base
        self.atom = atom  # an Atom 1.0 entry: its content and summary may be XHTML
        self.entry: dict[str, Any] = {}
        self.title_depth: int | None = None
        self.depths: dict[str, int] = {}
        self.has_content = False

    def read(self, parent: ElementTree.Element, depth: int, parent_base: str) -> None:
        if depth > _MAX_DEPTH:
            raise _Decline  # feedparser's to read, without recursion here
        for child in parent:
            self._child(child, parent, depth, self.base.enter(child))
            self.base.leave(parent_base)

    def _child(
        self, child: ElementTree.Element, parent: ElementTree.Element, depth: int, own_base: str
    ) -> None:
        key = _key(child.tag)
        if key is None or key in _HARMLESS or (key not in _HANDLED and key not in _PLAIN):
            self.read(child, depth + 1, own_base)  # feedparser keeps it under its own key
        elif key == "link" and child.get("href") is not None:
            href = _atom_link(child, self.base.current)
            if href is not None:
                self.entry["link"] = href
        elif key in ("image", "source"):
            if key == "source" and (len(child) or _key(parent.tag) not in ("item", "entry")):
                raise _Decline
            self.title_depth = None  # both end the entry's title lock in feedparser
            if len(child):
                self._image(child, depth, own_base)
        elif self.atom and key in ("content", "summary") and _is_xhtml(child):
            if any(_unread(name) for name in child.attrib):
                raise _Decline
            markup = self._xhtml(child, depth, own_base)
            if key == "content" or ("summary" in self.entry and not self.has_content):
                self.has_content = True
                self._add_content(markup, copy=True)
            else:
                self._save("summary", markup, depth)
        elif len(child) or any(_unread(name) for name in child.attrib):
            raise _Decline  # inline markup, or attributes feedparser reads
        elif key in ("title", "dc_title", "media_title"):
            self._title(child, depth, restore=key == "media_title")
        elif key in ("description", "summary", "media_description", "itunes_summary"):
            self._summary(child, depth)
        elif depth != 1:
            raise _Decline  # only titles and descriptions are modelled below the entry
        elif key == "link":
            link = _text(child, self.base.current).replace("&amp;", "&")
            self.entry["link"] = _LINK_ENTITY.sub(r"&\g<1>", link)
        elif key in ("guid", "id"):
            self._guid(child)
        elif key in ("content_encoded", "content"):
            self.has_content = True
            kind = _check_type(child) or ("text/html" if key == "content_encoded" else None)
            self._content(child, kind or "text/plain")
        elif key in _DATES:
            self.entry[_DATES[key]] = _parse_date(_text(child))
        elif key in ("language", "dc_language", "ttl"):
            self._save(key.removeprefix("dc_"), _text(child), depth)
        else:
            raise _Decline  # an element feedparser maps in a way not modelled here

    def _title(self, element: ElementTree.Element, depth: int, *, restore: bool) -> None:
        _check_type(element)
        value = _text(element)
        if self.title_depth is None or self.title_depth > depth:
            self._save("title", value, depth)
        if value and not restore:  # media:title puts the lock back as it found it
            self.title_depth = depth

    def _summary(self, element: ElementTree.Element, depth: int) -> None:
        kind = _check_type(element)
        if "summary" in self.entry and not self.has_content:
            self.has_content = True  # feedparser reads a second description as content
            self._content(element, kind or "text/plain")
        else:
            self._save("summary", _text(element), depth)

    def _guid(self, element: ElementTree.Element) -> None:
        permalink = True
        for name, value in element.attrib.items():
            if name.lower() == "ispermalink":
                permalink = value == "true"
        value = _text(element, self.base.current if permalink else None)
        self.entry["id"] = value
        if permalink:
            self.entry.setdefault("link", value)  # a permalink GUID is the link when none is

    def _content(self, element: ElementTree.Element, kind: str) -> None:
        self._add_content(_text(element), copy=kind in ("text/plain", "text/html"))

    def _add_content(self, value: str, *, copy: bool) -> None:
        self.entry.setdefault("content", []).append({"value": value})
        if copy:
            self.entry.setdefault("summary", value)  # copied to a missing summary

    def _image(self, image: ElementTree.Element, depth: int, own_base: str) -> None:
        """An ``<image>`` inside an entry, holding the plain RSS elements of an image: feedparser
        reads its title as a title of the entry (one level deeper: it is the entry's title only
        when the entry has none) and its link as no link of the entry."""
        if depth != 1:
            raise _Decline
        for child in image:
            if child.tag not in _IMAGE_PARTS or len(child):
                raise _Decline
            if child.tag == "title":
                if any(_unread(name) for name in child.attrib):
                    raise _Decline
            elif child.attrib.keys() - _BASES:
                raise _Decline  # a link's href would be read as the entry's link
        for child in image:
            self.base.enter(child)
            if child.tag == "title":
                self._title(child, depth + 1, restore=False)
            self.base.leave(own_base)

    def _xhtml(self, element: ElementTree.Element, depth: int, own_base: str) -> str:
        """The markup feedparser rebuilds from XHTML content (``type="xhtml"``): each XHTML
        element as a start tag with its attributes and an end tag, the text escaped, one
        enclosing ``<div>`` removed, stripped and repaired like any text. Moves the base URI
        through the elements as feedparser does."""
        pieces: list[str] = []
        if element.text:
            pieces.append(_escape(element.text))
        children = list(element)
        for child in children:
            self._markup(child, pieces, depth + 1, self.base.enter(child))
            self.base.leave(own_base)
        if (
            len(children) == 1
            and _xhtml_name(children[0]) == "div"
            and not (element.text or "").strip()
            and not (children[0].tail or "").strip()
        ):  # feedparser drops a <div> that holds all the rest (with its attributes)
            pieces = pieces[int(bool(element.text)) + 1 : -1 - int(bool(children[0].tail))]
        return _repaired("".join(pieces).strip())

    def _markup(
        self, element: ElementTree.Element, pieces: list[str], depth: int, own_base: str
    ) -> None:
        if depth > _MAX_DEPTH:
            raise _Decline
        name = _xhtml_name(element)
        pieces.append(f"<{name}{_attributes(element)}>")
        if element.text:
            pieces.append(_escape(element.text))
        for child in element:
            self._markup(child, pieces, depth + 1, self.base.enter(child))
            self.base.leave(own_base)
        pieces.append(f"</{name}>")
        if element.tail:
            pieces.append(_escape(element.tail))

    def _save(self, key: str, value: str, depth: int) -> None:
        known = self.depths.get(key)
        if known is None or depth <= known:
            self.depths[key] = depth
            self.entry[key] = value


_MAX_DEPTH = 32
# Plain elements feedparser has no handler for but that still land on a key we read.
_PLAIN = frozenset({"ttl"})
# The date elements, by the key feedparser files their parsed value under.
_DATES = {
    **dict.fromkeys(("pubdate", "published", "issued", "dcterms_issued"), "published_parsed"),
    **dict.fromkeys(
        ("updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"), "updated_parsed"
    ),
    **dict.fromkeys(("created", "dcterms_created"), "created_parsed"),
}


_IMAGE_PARTS = frozenset({"url", "title", "link", "width", "height"})
_BASES = frozenset({f"{_XML}base", "base"})
_XHTML = "{http://www.w3.org/1999/xhtml}"
_XHTML_TYPES = frozenset({"xhtml", "application/xhtml+xml"})


def _is_xhtml(element: ElementTree.Element) -> bool:
    kind = element.get("type")
    return kind is not None and kind.lower() in _XHTML_TYPES


def _xhtml_name(element: ElementTree.Element) -> str:
    """The name feedparser writes an element of XHTML content under; declines an element of
    another namespace (SVG, MathML, Atom: feedparser treats some of those apart) and one whose
    end feedparser hands to a handler of its own (``<body>`` ends the content)."""
    tag = element.tag
    if not tag.startswith(_XHTML):
        raise _Decline
    name = tag[len(_XHTML) :].lower()
    if f"xhtml_{name}" in _HANDLED:
        raise _Decline
    return name


def _attributes(element: ElementTree.Element) -> str:
    """An element's attributes as feedparser writes them into XHTML content: names lowercased
    (a namespaced one under its known prefix, then again under its local name), the values
    of ``rel`` and ``type`` lowercased, values escaped and double-quoted."""
    if not element.attrib:
        return ""
    pairs: dict[str, str] = {}
    again: list[tuple[str, str]] = []
    for name, value in element.attrib.items():
        if name.startswith("{"):
            namespace, local = name[1:].split("}", 1)
            prefix = _PREFIXES.get(namespace.lower(), "")
            pairs[f"{prefix}:{local}".lower() if prefix else local.lower()] = value
            again.append((local.lower(), value))
        else:
            pairs[name.lower()] = value
    pairs.update(again)
    return "".join(
        f' {name}="{_quoted(value.lower() if name in ("rel", "type") else value)}"'
        for name, value in pairs.items()
    )


def _escape(text: str) -> str:
    """``xml.sax.saxutils.escape``, as feedparser escapes the text of XHTML content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(value: str) -> str:
    return _escape(value).replace('"', "&quot;")


def _unread(attribute: str) -> bool:
    """Whether feedparser reads this attribute of a text element in a way not modelled here."""
    return attribute not in _TEXT_ATTRIBUTES and attribute.lower() != "ispermalink"


_TEXT_ATTRIBUTES = frozenset({"type", f"{_XML}lang", f"{_XML}base", "base"})
_TYPES = {"text": "text/plain", "plain": "text/plain", "html": "text/html"}


def _check_type(element: ElementTree.Element) -> str | None:
    """The content type an element declares, mapped like feedparser maps it; declines anything
    but plain text and HTML (XHTML, base64, external content are feedparser's to read)."""
    kind = element.get("type")
    if kind is None:
        return None
    kind = _TYPES.get(kind.lower(), kind.lower())
    if kind not in ("text/plain", "text/html"):
        raise _Decline
    return kind


def _atom_link(link: ElementTree.Element, base: str) -> str | None:
    """The href of an alternate HTML link (feedparser's entry link), else None."""
    if len(link) or (link.text or "").strip():
        raise _Decline
    if link.get("url") is not None or link.get("uri") is not None:
        raise _Decline
    href = link.get("href") or ""
    rel = (link.get("rel") or "alternate").lower()
    kind = (link.get("type") or ("application/atom+xml" if rel == "self" else "text/html")).lower()
    kind = _TYPES.get(kind, "application/xhtml+xml" if kind == "xhtml" else kind)
    if not href:
        raise _Decline
    if rel == "alternate" and kind in _HTML_TYPES:
        return str(_urljoin(base, href))
    return None


def _text(element: ElementTree.Element, base: str | None = None) -> str:
    """An element's text as feedparser hands it on: stripped, joined to ``base`` when it is a
    URI, then repaired like feedparser repairs UTF-8 documents (text that was decoded as
    ISO-8859-1 and encoded again, windows-1252 code points)."""
    text = (element.text or "").strip()
    if base is not None and text:
        text = _urljoin(base, text)
    return _repaired(text)


def _repaired(text: str) -> str:
    """``text`` repaired like feedparser repairs the text of UTF-8 documents (see ``_text``)."""
    if text.isascii():
        return text  # nothing to repair (and str.translate costs a dict lookup a character)
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    # only the C1 code points change: replacing each one found beats translating every character;
    # they are looked for in the UTF-8 bytes, where each is b"\xc2" then a byte 0x80-0x9f, as
    # scanning for one byte is several times faster than testing a class on every character
    if _C1_UTF8.search(text.encode("utf-8", "surrogatepass")) is None:
        return text
    return _C1.sub(_windows_1252, text)


def _windows_1252(found: re.Match[str]) -> str:
    return str(_cp1252.get(ord(found[0]), found[0]))
