"""The service's HTTP server (aiohttp, on the service's own event loop).

``GET /healthz``  liveness: 200 or 503 with the checks as JSON (never behind auth)
``GET /readyz``   readiness: 200 or 503 with the checks as JSON (never behind auth)
``GET /metrics``  Prometheus text format (behind auth when configured)
``GET /``         the read-only dashboard (behind auth when configured)

Requests are served on the event loop that runs the scheduler, so the database is only ever
used from one thread. Every response carries no-sniff and no-framing headers; the dashboard's
content security policy allows nothing but its own inline stylesheet.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from monitor.config import ServerSettings
from monitor.logs import log_event
from monitor.metrics import CONTENT_TYPE, ServiceMetrics
from monitor.web.address import forget_address, record_address
from monitor.web.auth import CHALLENGE, authorized
from monitor.web.dashboard import Dashboard, style_hash
from monitor.web.status import (
    Check,
    HealthState,
    ServiceStatus,
    health_checks,
    health_state,
    readiness_checks,
)
from rules.errors import TreatywatchError
from state import Store, StoreError, parse_iso_or_none

__all__ = [
    "PUBLIC_PATHS",
    "HealthProbe",
    "ServerStartError",
    "WebServer",
    "build_web_app",
    "loopback_host",
]

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
# Outbox kinds sent one by one even on a channel in digest mode.
IMMEDIATE_KINDS = frozenset({"ops", "digest", "test"})
log = logging.getLogger("treatywatch.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServerStartError(TreatywatchError):
    """The HTTP server could not listen (address in use, permission denied...)."""


class HealthProbe:
    """Turns the service's facts and the database into health and readiness checks."""

    def __init__(
        self,
        *,
        store: Store,
        status: ServiceStatus,
        settings: ServerSettings,
        clock: Callable[[], datetime],
        poll_interval: timedelta | None,
        channels: Mapping[str, timedelta],
        sources: Sequence[str] | None = None,
    ) -> None:
        """``channels``: the configured channels, each with how long its alerts may wait on
        top of ``server.health.outbox_stale_after`` (a digest channel's period, else zero).
        ``sources``: the enabled sources, counted as failing or not (None: every stored one)."""
        self.store = store
        self.status = status
        self.settings = settings
        self.clock = clock
        self.poll_interval = poll_interval
        self.channels = channels
        self.sources = None if sources is None else frozenset(sources)

    def health(self) -> list[Check]:
        return self.report()[0]

    def report(self) -> tuple[list[Check], HealthState]:
        """The liveness checks and the state they add up to with the sources' failures."""
        now = self.clock()
        try:
            states = [
                s for s in self.store.sources() if self.sources is None or s.name in self.sources
            ]
            last_success = max((s.last_success for s in states if s.last_success), default=None)
            waiting = [
                age - (timedelta(0) if row.kind in IMMEDIATE_KINDS else self.channels[row.channel])
                for row in self.store.outbox_summary()
                if row.status == "pending" and row.channel in self.channels
                if (age := _age(now, row.oldest_created)) is not None
            ]
        except StoreError as exc:
            checks = [Check("state", False, f"database unreadable: {exc}")]
            return checks, health_state(checks, failing=0, sources=0, grace_until=None)
        stale = self.settings.health.poll_stale_after
        if stale is None and self.poll_interval is not None:
            stale = 3 * self.poll_interval
        since_start = self.status.uptime()
        since_success = _age(now, last_success)
        checks = health_checks(
            scheduler_running=self.status.scheduler_running(),
            heartbeat_age=self.status.heartbeat_age(),
            since_start=since_start,
            since_success=since_success,
            poll_stale_after=stale if self.poll_interval is not None else None,
            oldest_pending=max(waiting) if waiting else None,
            outbox_stale_after=self.settings.health.outbox_stale_after,
        )
        starting = since_success is None or since_success > since_start
        grace_until = now - since_start + stale if starting and stale is not None else None
        failing = sum(1 for s in states if s.consecutive_failures or s.disabled_reason)
        total = len(self.sources) if self.sources is not None else len(states)
        state = health_state(checks, failing=failing, sources=total, grace_until=grace_until)
        return checks, state

    def readiness(self) -> list[Check]:
        try:
            self.store.db.execute("SELECT count(*) FROM sources").fetchone()
            store_ok, detail = True, "open"
        except Exception as exc:  # any failure to read means not ready
            store_ok, detail = False, f"database unreadable: {exc}"
        return readiness_checks(
            store_ok=store_ok,
            store_detail=detail,
            polling_started=self.status.polling_started,
            stopping=self.status.stopping,
        )

    def summary(self) -> dict[str, Any]:
        """What ``/healthz`` answers and the dashboard's badge shows."""
        checks, state = self.report()
        return {
            "ok": all(c.ok for c in checks),
            **state.to_dict(),
            "checks": {c.name: c.to_dict() for c in checks},
        }


def build_web_app(
    *,
    settings: ServerSettings,
    probe: HealthProbe,
    metrics: ServiceMetrics,
    dashboard: Dashboard,
) -> web.Application:
    """The aiohttp application (tests serve it on their own)."""
    csp = (
        f"default-src 'none'; style-src {style_hash(dashboard.style)}; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        public = request.path in PUBLIC_PATHS
        if not public and settings.auth is None and not loopback_host(request.host):
            # No auth is only allowed on loopback; a page from elsewhere that rebinds its DNS
            # name to 127.0.0.1 still sends its own Host header: refuse it.
            log_event(log, logging.WARNING, "http_bad_host", path=request.path, host=request.host)
            response: web.StreamResponse = web.Response(
                status=421, text="use http://127.0.0.1 or http://localhost\n"
            )
        elif not public and not authorized(settings.auth, request.headers.get("Authorization")):
            log_event(
                log, logging.WARNING, "http_unauthorized", path=request.path, peer=request.remote
            )
            response = web.Response(
                status=401,
                text="authentication required\n",
                headers={"WWW-Authenticate": CHALLENGE},
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # 404, 405: answered, not raised
                response = web.Response(status=exc.status, text=exc.text, headers=exc.headers)
            except StoreError as exc:
                log_event(log, logging.ERROR, "http_store_error", path=request.path, error=str(exc))
                response = web.Response(status=503, text=f"database unavailable: {exc}\n")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def healthz(request: web.Request) -> web.Response:
        checks, state = probe.report()
        return _checks_response(checks, state)

    async def readyz(request: web.Request) -> web.Response:
        return _checks_response(probe.readiness())

    async def metrics_page(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def index(request: web.Request) -> web.Response:
        query = request.query
        try:
            limit = min(max(int(query.get("limit", "30")), 1), 500)
        except ValueError:
            return web.Response(status=400, text="limit: not a number\n")
        html = dashboard.render(
            limit=limit, source=query.get("source") or None, rule=query.get("rule") or None
        )
        response = web.Response(text=html, content_type="text/html", charset="utf-8")
        response.headers["Content-Security-Policy"] = csp
        return response

    app = web.Application(middlewares=[guard])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_get("/", index)
    return app


class WebServer:
    """Starts and stops the HTTP server on the running event loop; records where it listens in
    ``address_file`` while it runs (``monitor.web.address``)."""

    def __init__(
        self, app: web.Application, settings: ServerSettings, *, address_file: Path | None = None
    ) -> None:
        self.app = app
        self.settings = settings
        self.address_file = address_file
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.bind, self.settings.port, shutdown_timeout=2.0)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ServerStartError(
                f"cannot listen on {self.settings.bind}:{self.settings.port}: "
                f"{exc.strerror or exc} (set server.port or server.bind, or server.enabled: false)"
            ) from exc
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        if self.address_file is not None:
            record_address(self.address_file, bind=self.settings.bind, port=self.port)

    async def stop(self) -> None:
        if self.address_file is not None:
            forget_address(self.address_file)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def loopback_host(host: str) -> bool:
    """Whether a ``Host`` header names this machine (``localhost``, ``127.x``, ``[::1]``),
    with or without a port."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in ("localhost", "localhost.") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _checks_response(checks: list[Check], state: HealthState | None = None) -> web.Response:
    ok = all(check.ok for check in checks)
    body: dict[str, Any] = {"status": "ok" if ok else "fail"}
    if state is not None:
        body.update(state.to_dict())
    body["checks"] = {c.name: c.to_dict() for c in checks}
    return web.Response(
        status=200 if ok else 503,
        text=json.dumps(body, indent=2) + "\n",
        content_type="application/json",
    )


def _age(now: datetime, stamp: str | None) -> timedelta | None:
    moment = parse_iso_or_none(stamp)
    if moment is None:
        return None
    return max(now - moment, timedelta(0))
