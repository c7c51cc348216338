"""Forward proxies for outgoing HTTP: which proxy a URL goes through, and a transport that
routes each request accordingly (feed fetches, webhook and Slack delivery).

The settings come from ``http.proxy`` and ``http.no_proxy``, or from the standard
``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` variables; ``monitor.config``
reads them (nothing here reads the environment).

``no_proxy`` entries are read as curl and Go read them:

- ``*`` alone: no proxy for any URL;
- a name (``example.org``, ``.example.org`` or ``*.example.org``): that host and every host under
  it, never ``notexample.org``;
- an IP address (``10.0.0.7``, ``::1``) or a network (``10.0.0.0/8``): a URL whose host is that
  address literal, or an address in the network (names are not resolved to decide);
- any of these with ``:PORT`` (``[::1]:8080`` for IPv6) only for that port, or after a scheme
  (``http://intranet``) only for that scheme.

httpx's ``mounts`` match host patterns only, so a network entry could not be honoured there:
``ProxyRouter`` makes the choice itself, per request, over one transport per proxy.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from monitor._aiohttp import AiohttpTransport, aiohttp

if TYPE_CHECKING:
    from monitor.config import HttpSettings

__all__ = [
    "Bypass",
    "ProxyRouter",
    "ProxyRoutes",
    "aiohttp_via",
    "parse_bypass",
    "parse_proxy_url",
    "proxy_label",
    "routed",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxy_url(value: str) -> str:
    """A forward proxy URL, ``http://[user:password@]host[:port]`` (``host:port`` alone means
    ``http://``); ``ValueError`` with a message that never repeats a password."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("not a proxy URL (expected http://host:port)") from None
    if parts.scheme.lower() != "http":
        raise ValueError(
            f"{parts.scheme}:// proxies are not supported: use an http:// proxy (https URLs go "
            "through it in a CONNECT tunnel, still encrypted end to end)"
        )
    if not parts.hostname or any(c.isspace() for c in text):
        raise ValueError("not a proxy URL (expected http://host:port)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("a proxy URL has no path or query (expected http://host:port)")
    if port == 0:
        raise ValueError("port 0 is not a proxy port")
    return text.rstrip("/")


def proxy_label(url: str) -> str:
    """The proxy's URL without its credentials, for logs and ``check``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


@dataclass(frozen=True, slots=True)
class Bypass:
    """One ``no_proxy`` entry: URLs it matches go direct."""

    everything: bool = False
    domain: str | None = None  # matches itself and every name under it
    network: IpNetwork | None = None  # matches address literals inside it
    port: int | None = None
    scheme: str | None = None

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self.everything:
            return True
        if self.scheme is not None and scheme != self.scheme:
            return False
        if self.port is not None and (port or _DEFAULT_PORTS.get(scheme)) != self.port:
            return False
        host = host.lower().strip("[]").rstrip(".")
        if self.network is not None:
            try:
                address = ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:
                return False
            return address in self.network
        if self.domain is None:
            return False
        return host == self.domain or host.endswith("." + self.domain)


def _describe_bypass(rule: Bypass) -> str:
    where = str(rule.network) if rule.network is not None else f"{rule.domain}"
    if rule.network is not None and rule.network.num_addresses == 1:
        where = str(rule.network.network_address)
    if ":" in where and rule.port is not None:
        where = f"[{where}]"
    where += f":{rule.port}" if rule.port is not None else ""
    return f"{rule.scheme}://{where}" if rule.scheme else where


def parse_bypass(entry: str) -> Bypass:
    """One ``no_proxy`` entry (see the module docstring); ``ValueError`` if it is none."""
    text = entry.strip().lower()
    if text == "*":
        return Bypass(everything=True)
    scheme = None
    if "://" in text:
        scheme, text = text.split("://", 1)
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"{entry!r}: only http:// or https:// may prefix an entry")
        text = text.rstrip("/")
    host, port = _host_port(text, entry)
    network = _network(host)
    if network is not None:
        return Bypass(network=network, port=port, scheme=scheme)
    domain = host.removeprefix("*").removeprefix(".").rstrip(".")
    labels = domain.split(".")
    if not domain or not all(_LABEL.match(label) for label in labels):
        raise ValueError(
            f"{entry!r}: not a host name, domain (.example.org), IP address, network "
            "(10.0.0.0/8) or *"
        )
    return Bypass(domain=domain, port=port, scheme=scheme)


def _host_port(text: str, entry: str) -> tuple[str, int | None]:
    host, port = text, None
    if text.startswith("["):  # [::1] or [::1]:8080
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise ValueError(f"{entry!r}: not an address in brackets")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{entry!r}: not an address in brackets")
            port = _port(rest[1:], entry)
    elif text.count(":") == 1:  # host:port (a bare IPv6 address has more colons)
        host, raw = text.split(":")
        port = _port(raw, entry)
    return host, port


def _port(raw: str, entry: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{entry!r}: not a port number after the colon")
    return int(raw)


def _network(host: str) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(host, strict=False)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ProxyRoutes:
    """Where outgoing requests go: the proxy per URL scheme, and the hosts that go direct."""

    http: str | None = None
    https: str | None = None
    bypass: tuple[Bypass, ...] = ()

    @classmethod
    def of(
        cls, http: str | None, https: str | None, no_proxy: Iterable[str] = ()
    ) -> ProxyRoutes | None:
        """None when no URL would go through a proxy (none set, or ``no_proxy: "*"``)."""
        bypass = tuple(parse_bypass(entry) for entry in no_proxy)
        if not (http or https) or any(rule.everything for rule in bypass):
            return None
        return cls(http=http, https=https, bypass=bypass)

    @classmethod
    def from_settings(cls, settings: HttpSettings) -> ProxyRoutes | None:
        proxy = settings.proxy
        if proxy is None:
            return None
        return cls.of(proxy.http, proxy.https, settings.no_proxy)

    def proxy_for(self, url: httpx.URL | str) -> str | None:
        """The proxy URL ``url`` goes through, or None for a direct connection."""
        url = httpx.URL(url)
        proxy = {"http": self.http, "https": self.https}.get(url.scheme)
        if proxy is None:
            return None
        if any(rule.matches(url.scheme, url.host, url.port) for rule in self.bypass):
            return None
        return proxy

    def describe(self) -> str:
        """One line for people, without credentials: ``http://proxy:3128 (except localhost)``."""
        if self.http == self.https and self.http is not None:
            text = proxy_label(self.http)
        else:
            text = ", ".join(
                f"{proxy_label(url)} for {scheme}"
                for scheme, url in (("http", self.http), ("https", self.https))
                if url
            )
        exceptions = [_describe_bypass(rule) for rule in self.bypass]
        return text + (f" (except {', '.join(exceptions)})" if exceptions else "")

    @property
    def hosts(self) -> frozenset[str]:
        """The proxies' host names (the operator chose them, wherever they resolve)."""
        return frozenset(
            (urlsplit(url).hostname or "").lower().rstrip(".")
            for url in (self.http, self.https)
            if url
        )


class ProxyRouter(httpx.AsyncBaseTransport):
    """Sends each request direct or through its proxy, as ``routes`` decide."""

    def __init__(
        self,
        routes: ProxyRoutes,
        direct: httpx.AsyncBaseTransport,
        via: Callable[[httpx.Proxy], httpx.AsyncBaseTransport],
    ) -> None:
        self._routes = routes
        self._direct = direct
        self._proxied = {
            url: via(httpx.Proxy(url)) for url in {routes.http, routes.https} if url is not None
        }

    def transport_for(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        proxy = self._routes.proxy_for(url)
        return self._direct if proxy is None else self._proxied[proxy]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._direct, *self._proxied.values()):
            await transport.aclose()


class _ProxyAuthorized(httpx.AsyncBaseTransport):
    """Adds ``Proxy-Authorization`` to plain-http requests: aiohttp sends ``proxy_headers`` only
    with CONNECT (https), and deprecates its ``proxy_auth``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, authorization: str) -> None:
        self._inner = inner
        self._authorization = authorization

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            request.headers["Proxy-Authorization"] = self._authorization
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def aiohttp_via(
    session: Callable[[], aiohttp.ClientSession],
    proxy: httpx.Proxy,
    *,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncBaseTransport:
    """The aiohttp transport that sends requests through ``proxy``, its credentials included.
    ``session`` makes the connections with its own TLS context; pass any built context as
    ``verify`` (the transport keeps it unused) so that the transport does not build one."""
    if proxy.auth is None:
        return AiohttpTransport(client=session, proxy=proxy, verify=verify)
    user, password = proxy.auth
    authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    bare = httpx.Proxy(
        proxy.url, headers={**proxy.headers, "Proxy-Authorization": authorization}
    )  # for the CONNECT of https URLs
    return _ProxyAuthorized(
        AiohttpTransport(client=session, proxy=bare, verify=verify), authorization
    )


def routed(
    routes: ProxyRoutes | None,
    direct: httpx.AsyncBaseTransport,
    via: Callable[[httpx.Proxy], httpx.AsyncBaseTransport],
) -> httpx.AsyncBaseTransport:
    """``direct`` when there is no proxy, else a ``ProxyRouter`` over it and ``via(proxy)``."""
    return direct if routes is None else ProxyRouter(routes, direct, via)
