"""The service's HTTP side: health and readiness probes, Prometheus metrics and the read-only
dashboard (see ``monitor.web.server`` for the endpoints).

The names below are loaded on first use: importing a light module of this package
(``monitor.web.address``, which ``treatywatch healthcheck`` reads) does not load the server
(aiohttp.web, jinja2, prometheus_client).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.web.auth import authorized
    from monitor.web.dashboard import Dashboard, highlight, safe_link
    from monitor.web.server import (
        PUBLIC_PATHS,
        HealthProbe,
        ServerStartError,
        WebServer,
        build_web_app,
    )
    from monitor.web.status import Check, ServiceStatus, health_checks, readiness_checks

_HOME = {
    "authorized": "auth",
    "Dashboard": "dashboard",
    "highlight": "dashboard",
    "safe_link": "dashboard",
    "PUBLIC_PATHS": "server",
    "HealthProbe": "server",
    "ServerStartError": "server",
    "WebServer": "server",
    "build_web_app": "server",
    "Check": "status",
    "ServiceStatus": "status",
    "health_checks": "status",
    "readiness_checks": "status",
}

__all__ = [
    "PUBLIC_PATHS",
    "Check",
    "Dashboard",
    "HealthProbe",
    "ServerStartError",
    "ServiceStatus",
    "WebServer",
    "authorized",
    "build_web_app",
    "health_checks",
    "highlight",
    "readiness_checks",
    "safe_link",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value
