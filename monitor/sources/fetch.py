"""Fetching a source: bytes plus caching information, or "not modified", or a ``FetchError``.

One ``httpx.AsyncClient`` serves every poll, running on aiohttp's connection engine (the
``httpx-aiohttp`` transport: httpx's API, a fraction of its per-request CPU). Each fetch is
bounded: connect and read timeouts, an overall deadline (a server that drips a byte a second
cannot hold a slot past it), a cap on the decoded body enforced while streaming (a gzip bomb is
cut off at the cap), a redirect cap, and at most ``per_host`` fetches in flight per host.

Redirects are followed here, hop by hop, so each hop is checked (``guard.check_hop``: no
``file:`` URLs, no hop from a public origin to a private address) and a chain of permanent
redirects (301/308) is reported as ``permanent_redirect``; the poller moves the stored URL only
after the same redirect has been seen on consecutive polls. TLS is always verified.

Error kinds (``FetchErrorKind``): ``timeout``, ``deadline``, ``too_large``, ``redirects``,
``blocked_address``, ``tls``, ``dns``, ``connect``, ``proxy`` (the forward proxy is unreachable
or refused the tunnel), ``protocol``, ``decode``, ``gone`` (410), ``blocked`` (a WAF challenge
page), ``http_429``, ``http_503``, ``http_4xx``, ``http_5xx``.

With ``http.proxy`` (or the proxy variables) set, requests go through the proxy unless
``no_proxy`` names the host (``monitor.proxy``): plain http in absolute form, https in a CONNECT
tunnel, TLS still verified end to end. The proxy resolves the names then, so the connect-time
address check is its to make; the hop checks above still apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import httpx

from monitor import __version__
from monitor._aiohttp import AiohttpTransport, aiohttp
from monitor.config import HttpSettings
from monitor.errors import FetchError, FetchErrorKind
from monitor.proxy import ProxyRoutes, aiohttp_via, routed
from monitor.sources.guard import (
    BlockedAddressError,
    GuardedResolver,
    Origin,
    check_hop,
    current_origin,
)

__all__ = ["FetchResult", "Fetcher", "HttpStatusError", "user_agent"]

PROJECT_URL = "https://github.com/treatywatch/treatywatch"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_WAF_MARKERS = (
    b"cf-browser-verification",
    b"challenge-platform",
    b"cf_chl_",
    b"just a moment...",
    b"attention required! | cloudflare",
    b"ddos-guard",
    b"_incapsula_resource",
    b"access denied</title>",
    b"captcha",
)


def user_agent() -> str:
    return f"treatywatch/{__version__} (news monitor; +{PROJECT_URL})"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one GET produced. ``body`` is empty when ``not_modified``."""

    url: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    permanent_redirect: str | None = None  # where a chain of 301/308 from the URL asked led
    cache_control: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class Redirect:
    """A redirect answer to one request: its status and the absolute URL it points to."""

    status: int
    target: str

    @property
    def permanent(self) -> bool:
        return self.status in _PERMANENT


class HttpStatusError(FetchError):
    """The server answered with an error status; ``retry_after`` is its header, if any."""

    def __init__(
        self,
        message: str,
        *,
        kind: FetchErrorKind,
        status: int,
        retry_after: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, kind=kind, status=status)
        self.retry_after = retry_after
        self.url = url


def ssl_context(settings: HttpSettings) -> ssl.SSLContext:
    """Certificate verification with certifi's roots plus ``http.ca_bundle``; never off."""
    context = ssl.create_default_context(cafile=certifi.where())
    if settings.ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(settings.ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"http.ca_bundle: cannot load {settings.ca_bundle}: {exc}") from exc
    return context


_UNUSED_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
"""What the transports get as ``verify``: they make no connection of their own (the session's
connector does, with the fetcher's context), and given ``True`` each would load certifi's roots
for nothing. It verifies, with no roots: it could trust nothing were it ever used."""


class _LazyTLSConnector(aiohttp.TCPConnector):
    """A connector whose TLS context is built by ``tls`` on its first https connection (direct
    or through a proxy's tunnel), not before: loading certifi's roots takes 20-30 ms, which a
    poll of http sources only would spend for nothing (issue 14, start-up)."""

    def __init__(self, tls: Callable[[], ssl.SSLContext], **options: Any) -> None:
        super().__init__(ssl=True, **options)
        self._tls = tls

    def _get_ssl_context(self, req: aiohttp.ClientRequest) -> ssl.SSLContext | None:
        # aiohttp asks this for every connection it makes and every tunnel it wraps; a request
        # of its own with ssl=False (or a context) is none of ours: the base class decides.
        if req.is_ssl() and req.ssl is True:
            return self._tls()
        return super()._get_ssl_context(req)


class Fetcher:
    """Conditional, bounded GETs over one shared async client."""

    def __init__(
        self,
        settings: HttpSettings,
        client: httpx.AsyncClient | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: aiohttp.abc.AbstractResolver | None = None,
    ) -> None:
        self.settings = settings
        routes = ProxyRoutes.from_settings(settings)
        self._resolver = GuardedResolver(resolver, trusted=routes.hosts if routes else ())
        timeout = httpx.Timeout(
            settings.read_timeout.total_seconds(),
            connect=settings.connect_timeout.total_seconds(),
        )
        # certifi's roots are loaded for the first https URL; an ``http.ca_bundle`` is loaded
        # now, so that a bad one stops start-up with its message, as it always has.
        self._tls: ssl.SSLContext | None = None
        if settings.ca_bundle is not None:
            self._tls = ssl_context(settings)
        session = self._session_factory()  # one pool of connections, direct and proxied
        self._client = client or httpx.AsyncClient(
            transport=transport
            or routed(
                routes,
                AiohttpTransport(client=session, verify=_UNUSED_TLS),
                lambda proxy: aiohttp_via(session, proxy, verify=_UNUSED_TLS),
            ),
            follow_redirects=False,
            timeout=timeout,
            headers={"User-Agent": settings.user_agent or user_agent(), "Accept": ACCEPT},
            trust_env=False,
        )
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @property
    def tls_loaded(self) -> bool:
        """Whether the TLS context (certifi's roots, plus ``http.ca_bundle``) is built yet: at
        construction with a ``ca_bundle``, else on the first https connection."""
        return self._tls is not None

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl_context(self.settings)
        return self._tls

    def _session_factory(self) -> Callable[[], aiohttp.ClientSession]:
        settings = self.settings
        built: list[aiohttp.ClientSession] = []

        def build() -> aiohttp.ClientSession:
            if built and not built[0].closed:
                return built[0]
            connector = _LazyTLSConnector(
                self._tls_context,
                limit=settings.concurrency,
                limit_per_host=settings.per_host,
                resolver=self._resolver,
                use_dns_cache=False,  # resolve per connection, inside the fetch's context
                keepalive_timeout=30,
            )
            built[:] = [
                aiohttp.ClientSession(
                    connector=connector,
                    cookie_jar=aiohttp.DummyCookieJar(),
                    skip_auto_headers=("User-Agent",),
                )
            ]
            return built[0]

        return build

    async def aclose(self) -> None:
        await self._client.aclose()

    def per_host(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        return self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        host_slot: bool = True,
    ) -> FetchResult:
        """GET ``url``, sending the stored validators; raises ``FetchError`` on any failure.

        ``host_slot=False`` when the caller already holds ``per_host(url)``.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = self.settings.deadline.total_seconds()
        async with self.per_host(url) if host_slot else contextlib.nullcontext():
            token = current_origin.set(Origin.of(url))
            try:
                async with asyncio.timeout(deadline):
                    return await self._follow(url, headers)
            except TimeoutError:
                raise FetchError(
                    f"deadline of {deadline:g}s exceeded", kind=FetchErrorKind.DEADLINE
                ) from None
            finally:
                current_origin.reset(token)

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        origin = Origin.of(url)
        permanent: str | None = None
        all_permanent = True
        current = url
        for hop in range(self.settings.max_redirects + 1):
            if hop:
                try:
                    check_hop(origin, current)
                except BlockedAddressError as exc:
                    raise _blocked(exc) from exc
            try:
                answer = await self._get(current, headers)
            except BlockedAddressError as exc:
                raise _blocked(exc) from exc
            if isinstance(answer, Redirect):
                if all_permanent and answer.permanent:
                    permanent = answer.target
                else:
                    all_permanent = False
                current = answer.target
                continue
            if permanent is None:
                return answer
            return replace(answer, permanent_redirect=permanent)
        raise FetchError(
            f"too many redirects (more than {self.settings.max_redirects})",
            kind=FetchErrorKind.REDIRECTS,
        )

    async def _get(self, url: str, headers: dict[str, str]) -> FetchResult | Redirect:
        """One request: a result, a redirect to follow, or a ``FetchError``."""
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                location = response.headers.get("location")
                if status in _REDIRECTS and location:
                    return Redirect(status, urljoin(url, location.strip()))
                common = {
                    "url": url,
                    "status": status,
                    "etag": response.headers.get("etag"),
                    "last_modified": response.headers.get("last-modified"),
                    "cache_control": response.headers.get("cache-control"),
                }
                if status == 304:
                    return FetchResult(
                        **common,
                        not_modified=True,
                    )
                if not 200 <= status < 300:
                    raise await self._status_error(response, url)
                body = await self._read_capped(response)
                return FetchResult(
                    **common,
                    body=body,
                    content_type=response.headers.get("content-type"),
                )
        except (FetchError, BlockedAddressError):
            raise
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decode body: {exc}", kind=FetchErrorKind.DECODE) from exc
        except (httpx.HTTPError, aiohttp.ClientError, OSError, ValueError) as exc:
            kind, message = _classify(exc)
            raise FetchError(message, kind=kind) from exc

    async def _status_error(self, response: httpx.Response, url: str) -> HttpStatusError:
        status = response.status_code
        retry_after = response.headers.get("retry-after")
        if status == 410:
            return HttpStatusError(
                "HTTP 410 Gone", kind=FetchErrorKind.GONE, status=status, url=url
            )
        if status == 407:  # only a proxy asks this
            return HttpStatusError(
                "HTTP 407: the proxy wants credentials (http://user:password@host:port)",
                kind=FetchErrorKind.PROXY,
                status=status,
                url=url,
            )
        if status in (403, 429, 503) and await self._looks_like_waf(response):
            return HttpStatusError(
                f"HTTP {status}: blocked by a WAF or bot challenge",
                kind=FetchErrorKind.BLOCKED,
                status=status,
                retry_after=retry_after,
                url=url,
            )
        kind = FetchErrorKind.for_status(status)
        return HttpStatusError(
            f"HTTP {status}", kind=kind, status=status, retry_after=retry_after, url=url
        )

    async def _looks_like_waf(self, response: httpx.Response) -> bool:
        if response.headers.get("cf-mitigated") == "challenge":
            return True
        head = b""
        try:
            async for chunk in response.aiter_bytes():
                head += chunk
                if len(head) >= 65_536:
                    break
        except (httpx.HTTPError, aiohttp.ClientError, OSError):
            return False
        lowered = head[:65_536].lower()
        return any(marker in lowered for marker in _WAF_MARKERS)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.settings.max_body
        declared = response.headers.get("content-length")
        if (
            declared
            and declared.isascii()
            and declared.isdigit()
            and int(declared) > cap
            and not response.headers.get("content-encoding")
        ):
            raise FetchError(
                f"body larger than {cap} bytes (declared {declared})",
                kind=FetchErrorKind.TOO_LARGE,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body larger than {cap} bytes", kind=FetchErrorKind.TOO_LARGE)
            chunks.append(chunk)
        return b"".join(chunks)


def _blocked(exc: BlockedAddressError) -> FetchError:
    return FetchError(f"blocked address: {exc}", kind=FetchErrorKind.BLOCKED_ADDRESS)


def _classify(exc: BaseException) -> tuple[FetchErrorKind, str]:
    """A short kind and message for a transport failure (the cause chain is searched)."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for error in chain:
        if isinstance(error, ssl.SSLError | aiohttp.ClientSSLError):
            return FetchErrorKind.TLS, f"TLS failure: {_short(error)}"
    for error in chain:
        if isinstance(error, aiohttp.ClientHttpProxyError):
            return (
                FetchErrorKind.PROXY,
                f"the proxy refused: HTTP {error.status} {error.message[:200]}",
            )
        if isinstance(error, aiohttp.ClientProxyConnectionError):
            return FetchErrorKind.PROXY, f"cannot connect to the proxy: {_short(error)}"
        if isinstance(error, aiohttp.ClientConnectorDNSError):
            return FetchErrorKind.DNS, f"cannot resolve host: {_short(error)}"
        if isinstance(error, aiohttp.ClientPayloadError | httpx.RemoteProtocolError):
            return FetchErrorKind.PROTOCOL, f"incomplete or malformed response: {_short(error)}"
        if isinstance(error, aiohttp.ServerDisconnectedError):
            return FetchErrorKind.PROTOCOL, f"server closed the connection: {_short(error)}"
        if isinstance(error, aiohttp.ClientConnectorError):
            return FetchErrorKind.CONNECT, f"cannot connect: {_short(error)}"
        if isinstance(
            error, TimeoutError | aiohttp.ServerTimeoutError | httpx.TimeoutException
        ) and not isinstance(error, httpx.ConnectTimeout):
            return FetchErrorKind.TIMEOUT, f"timed out ({type(error).__name__})"
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchErrorKind.TIMEOUT, "timed out connecting"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | ValueError):
        return FetchErrorKind.CONNECT, f"invalid URL: {_short(exc)}"
    return FetchErrorKind.CONNECT, f"{type(exc).__name__}: {_short(exc)}"


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
