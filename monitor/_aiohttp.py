"""aiohttp, imported without the system's CA roots in its default TLS contexts (issue 14).

aiohttp builds two default TLS contexts when it is imported and loads the system's CA roots
into each: about 45 ms of CPU in every start-up. treatywatch's connections never use them: the
fetcher's connector gives every https connection, direct or tunnelled, its own context
(certifi's roots plus ``http.ca_bundle``, built for the first one), and the channels connect
through httpx. So while this module first imports aiohttp, a TLS context created by the
importing thread loads no default roots. aiohttp's verified default then trusts nothing, should
anything ever reach it: it fails closed. Other threads, and every context created after the
import (the e-mail channel's, the fetcher's), load their roots as ever.

Our modules take aiohttp and the httpx-aiohttp transport from here, so that whichever of them
is imported first, aiohttp is imported this way (``monitor.sources.guard`` and the web server
import parts of aiohttp directly: a poll and the service import this module first).
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["AiohttpTransport", "aiohttp"]


@contextmanager
def _without_default_roots() -> Iterator[None]:
    if "aiohttp" in sys.modules:  # imported before (by a test, a plugin): nothing to spare
        yield
        return
    original = ssl.SSLContext.set_default_verify_paths
    importing = threading.get_ident()

    def skipped(context: ssl.SSLContext) -> None:
        if threading.get_ident() != importing:
            original(context)

    ssl.SSLContext.set_default_verify_paths = skipped  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        ssl.SSLContext.set_default_verify_paths = original  # type: ignore[method-assign]


with _without_default_roots():
    import aiohttp
    from httpx_aiohttp import AiohttpTransport
