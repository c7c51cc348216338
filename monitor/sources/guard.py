"""Which addresses a fetch may reach (RELIABILITY B10, B11).

The operator's configured URL is trusted as configured, loopback and private addresses
included. What is refused is a hop the operator did not choose:

- a redirect to a scheme other than http/https;
- a redirect from a public origin to a loopback, private, link-local or otherwise non-global
  address (an IP literal or ``localhost``), checked per hop by ``check_hop``;
- a connection whose name resolves to a non-global address when the fetch's origin is public:
  a redirect to a name pointing inward, or the configured name itself later resolving inward
  (DNS rebinding). ``GuardedResolver`` checks the addresses at connect time, and pins the class
  of the first resolution of each configured name, so an intranet name that always resolved
  to a private address keeps working.

Through a forward proxy (``monitor.proxy``) the proxy resolves the names it connects to, so the
connect-time check (and the rebinding protection) is the proxy's to make for proxied URLs; the
per-hop checks still apply, and the proxy's own name, chosen by the operator, may resolve
anywhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

__all__ = [
    "BlockedAddressError",
    "GuardedResolver",
    "Origin",
    "check_hop",
    "current_origin",
    "is_public_address",
    "literal_is_private",
]


class BlockedAddressError(Exception):
    """A hop or a connection the fetch's origin does not allow (converted to a FetchError)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """The configured URL a fetch started from."""

    host: str
    private: bool  # the configured host is itself a private/loopback literal or localhost

    @classmethod
    def of(cls, url: str) -> Origin:
        host = (urlsplit(url).hostname or "").lower()
        return cls(host=host, private=literal_is_private(host) is True)


current_origin: ContextVar[Origin | None] = ContextVar("treatywatch_origin", default=None)


def is_public_address(address: str) -> bool:
    """Whether an IP address is globally routable (not loopback, private, link-local, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def literal_is_private(host: str) -> bool | None:
    """True for a non-global IP literal or ``localhost``; False for a global literal; None for
    a name (only resolving it can tell)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return not is_public_address(host)


def check_hop(origin: Origin, target_url: str) -> None:
    """Refuse a redirect hop to another scheme, or from a public origin to a private literal."""
    parts = urlsplit(target_url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddressError(f"redirect to a {parts.scheme or 'relative'}: URL refused")
    host = parts.hostname or ""
    if not host:
        raise BlockedAddressError("redirect to a URL without a host refused")
    if not origin.private and literal_is_private(host):
        raise BlockedAddressError(f"redirect from a public origin to {host} refused")


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that refuses inward addresses for fetches of public origins."""

    def __init__(
        self, inner: AbstractResolver | None = None, *, trusted: Collection[str] = ()
    ) -> None:
        self._inner = inner
        self._pinned: dict[str, bool] = {}  # name -> its first resolution was non-global
        self._trusted = frozenset(name.lower().rstrip(".") for name in trusted)  # the proxies

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = DefaultResolver()
        results = await self._inner.resolve(host, port, family)
        inward = [r["host"] for r in results if not is_public_address(r["host"])]
        name = host.lower().rstrip(".")
        first_inward = self._pinned.setdefault(name, bool(inward))
        origin = current_origin.get()
        if not inward or origin is None or origin.private or name in self._trusted:
            return results
        if name == origin.host and first_inward:
            return results  # the configured name has always pointed inward: operator's choice
        raise BlockedAddressError(f"{host} resolves to {inward[0]}, a non-public address")

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
