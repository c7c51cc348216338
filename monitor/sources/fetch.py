"""Fetching a source: bytes plus caching information, or "not modified", or a ``FetchError``.

One ``httpx.AsyncClient`` serves every poll. Each fetch is bounded three ways: connect and read
timeouts, an overall deadline (a server that drips a byte a second cannot hold a slot past it),
and a cap on the decoded body enforced while streaming (a gzip bomb is cut off at the cap).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from monitor import __version__
from monitor.config import HttpSettings
from monitor.errors import FetchError

__all__ = ["FetchResult", "Fetcher", "user_agent"]

PROJECT_URL = "https://github.com/treatywatch/treatywatch"


def user_agent() -> str:
    return f"treatywatch/{__version__} (+{PROJECT_URL})"


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

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class Fetcher:
    """Conditional, bounded GETs over one shared async client."""

    def __init__(self, settings: HttpSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._client = client or httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            timeout=httpx.Timeout(
                settings.read_timeout.total_seconds(),
                connect=settings.connect_timeout.total_seconds(),
            ),
            limits=httpx.Limits(max_connections=settings.concurrency),
            headers={"User-Agent": settings.user_agent or user_agent()},
            trust_env=False,
        )
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``, sending the stored validators; raises ``FetchError`` on any failure."""
        host = (urlsplit(url).hostname or "").lower()
        per_host = self._hosts.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        headers = {
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, */*;q=0.5"
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global, per_host:
            deadline = self.settings.deadline.total_seconds()
            try:
                async with asyncio.timeout(deadline):
                    return await self._get(url, headers)
            except TimeoutError:
                raise FetchError(f"deadline of {deadline:g}s exceeded", kind="deadline") from None

    async def _get(self, url: str, headers: dict[str, str]) -> FetchResult:
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return FetchResult(
                        url=str(response.url),
                        status=304,
                        etag=response.headers.get("etag") or headers.get("If-None-Match"),
                        last_modified=response.headers.get("last-modified")
                        or headers.get("If-Modified-Since"),
                        not_modified=True,
                    )
                if response.status_code >= 400 or response.status_code < 200:
                    raise FetchError(
                        f"HTTP {response.status_code}",
                        kind=f"http_{response.status_code // 100}xx",
                        status=response.status_code,
                    )
                body = await self._read_capped(response)
                return FetchResult(
                    url=str(response.url),
                    status=response.status_code,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"too many redirects: {exc}", kind="redirects") from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})", kind="timeout") from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decode body: {exc}", kind="decode") from exc
        except httpx.RemoteProtocolError as exc:
            raise FetchError(f"protocol error: {exc}", kind="protocol") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", kind="connect") from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.settings.max_body
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body larger than {cap} bytes", kind="too_large")
            chunks.append(chunk)
        return b"".join(chunks)
