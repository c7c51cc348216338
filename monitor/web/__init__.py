"""The service's HTTP side: health and readiness probes, Prometheus metrics and the read-only
dashboard (see ``monitor.web.server`` for the endpoints)."""

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
