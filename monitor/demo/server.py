"""The demo's sample server: the bundled feeds on 127.0.0.1, rendered fresh on each request.

``GET /feeds/NAME``  a sample feed (with an ETag, and 304 to a matching ``If-None-Match``)
``GET /down/NAME``   503: the sample source that fails
anything else       a short page saying the article is a sample (the dashboard's links)

It runs on the service's own event loop, beside the service it feeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime

from aiohttp import web

from monitor.demo.samples import Sample, render

__all__ = ["SampleServer"]

_ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>treatywatch demo: a sample article</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
padding: 0 1rem">
<h1>A sample article</h1>
<p>This link belongs to a report served by <code>treatywatch demo</code>. The reports, in several
languages, were written for the demo and are not real news: the story is modelled on
Lithuania's 2024 vote to leave the Convention on Cluster Munitions and re-dated to today.</p>
<p>Point treatywatch at real feeds with a config of your own and <code>treatywatch run</code>.</p>
</body></html>
"""


class SampleServer:
    """Serves ``samples`` on a free port of 127.0.0.1; items appear relative to :meth:`begin`."""

    def __init__(self, samples: Mapping[str, Sample], clock: Callable[[], datetime]) -> None:
        self.samples = dict(samples)
        self.clock = clock
        self.started = clock()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def begin(self) -> None:
        """Start the sample story now: late items count from here."""
        self.started = self.clock()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feeds/{name}", self._feed)
        app.router.add_get("/down/{name}", self._down)
        app.router.add_get("/{tail:.*}", self._article)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, shutdown_timeout=1.0)
        await site.start()
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        sample = self.samples.get(request.match_info["name"])
        if sample is None:
            raise web.HTTPNotFound()
        body = render(sample, started=self.started, now=self.clock(), port=self.port)
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        response = web.Response(body=body, headers={"ETag": etag})
        response.headers["Content-Type"] = sample.content_type
        return response

    async def _down(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=503,
            text="Service Unavailable: this sample source always fails (treatywatch demo)\n",
        )

    async def _article(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=_ARTICLE, content_type="text/html", charset="utf-8")
