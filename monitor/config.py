"""The typed settings object, built once at start-up from YAML (or the embedded defaults).

Nothing else in treatywatch reads the environment: ``${VAR}`` and ``${VAR:-default}`` in any
string value of the config file are replaced here, so secrets stay out of the file, and a few
variables supply defaults where the file is silent (``TREATYWATCH_SERVER_*``,
``TREATYWATCH_STATE_DIR``, and the standard ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and
``NO_PROXY``). Every error names the key path (or the variable) it is about, e.g.
``sources[2].url: not a URL``.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
import logging
import math
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError
from monitor.timefmt import human_duration

__all__ = [
    "ChannelConfig",
    "ConsoleChannel",
    "DedupSettings",
    "DeliverySettings",
    "EmailChannel",
    "HttpSettings",
    "ListingSelectors",
    "PollingSettings",
    "ServerAuth",
    "ServerSettings",
    "Settings",
    "SlackChannel",
    "SourceConfig",
    "StoriesSettings",
    "WebhookChannel",
    "default_config_path",
    "load_settings",
    "parse_duration",
    "parse_settings",
]

DEFAULT_CONFIG_NAME = "treatywatch.yaml"
_log = logging.getLogger("treatywatch.config")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 10**6,
    "mib": 2**20,
    "gb": 10**9,
    "gib": 2**30,
}
_ENV = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_BARE_VARIABLE = re.compile(r"\$[A-Za-z_]")  # $NAME: a shell habit that stays literal here
_SURROGATE = re.compile("[\ud800-\udfff]")


_MAX_DURATION = timedelta(days=36500)  # any duration key: at most 100 years


def _duration(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("not a duration (use e.g. 30s, 10m, 24h, 7d)")
    if isinstance(value, int | float):
        seconds = float(min(value, 10**20)) if isinstance(value, int) else value
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 10m, 24h, 7d)")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]  # inf when huge
    else:
        return value
    if math.isnan(seconds) or seconds > _MAX_DURATION.total_seconds():  # .inf, .nan, 1e300
        raise ValueError(f"too long: at most {_MAX_DURATION.days} days")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return timedelta(seconds=seconds)


def _within(least: timedelta, most: timedelta) -> Callable[[timedelta], timedelta]:
    """A validator keeping a duration key within sane bounds (both named in the error)."""

    def check(value: timedelta) -> timedelta:
        if not least <= value <= most:
            raise ValueError(f"must be between {human_duration(least)} and {human_duration(most)}")
        return value

    return check


def parse_duration(text: str) -> timedelta:
    """A positive duration such as ``30s``, ``10m``, ``24h``, ``7d``; ``ValueError`` if not."""
    value = _duration(text)
    if not isinstance(value, timedelta):
        raise ValueError(f"not a duration: {text!r}")
    return _positive(value)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


def _size(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("not a size (use e.g. 5MB, 512KiB)")
    if isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"not a size: {value!r} (use e.g. 5MB, 512KiB)")
        return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]
    return value


def _http_url(value: str) -> str:
    bad = next((c for c in value if c.isspace() or unicodedata.category(c) in ("Cc", "Cf")), None)
    if bad is not None:  # NUL, ESC, BEL, a bidi override, a zero-width space...
        raise ValueError(f"not a URL: it contains the character U+{ord(bad):04X}")
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError for a port such as abc or 99999
        host = parts.hostname
        if host and not host.startswith("[") and ":" not in host:
            host.encode("idna")  # an empty or overlong label
    except (ValueError, UnicodeError) as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("not a URL (expected http:// or https:// with a host)")
    if port == 0:
        raise ValueError("not a URL: port 0")
    return value


_MAX_HEADER_VALUE = 1000


def _header_value(value: str) -> str:
    """A value sent in an HTTP header: printable ASCII on one line, at most 1,000 characters."""
    if any(c in value for c in "\r\n"):
        raise ValueError("the value contains a line break")
    if "\x00" in value:
        raise ValueError("the value contains a NUL character")
    bad = next((c for c in value if not (" " <= c <= "~" or c == "\t")), None)
    if bad is not None:
        raise ValueError(
            f"the value contains {bad!r}: header values are printable ASCII "
            "(percent-encode other text)"
        )
    if len(value) > _MAX_HEADER_VALUE:
        raise ValueError(f"the value is longer than {_MAX_HEADER_VALUE:,} characters")
    return value


def _readable_file(value: Path) -> Path:
    """A file of certificates must be a regular, readable, non-empty file (not a folder and
    not /dev/null), found when the config is checked rather than at the first fetch."""
    try:
        info = value.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{value} is not a regular file")
        if info.st_size == 0:
            raise ValueError(f"{value} is empty")
        with value.open("rb"):
            pass
    except FileNotFoundError:
        raise ValueError(f"{value}: no such file") from None
    except OSError as exc:
        raise ValueError(f"{value}: cannot read: {exc.strerror}") from None
    return value


def _folder_path(value: Path) -> Path:
    if value.exists() and not value.is_dir():
        raise ValueError(f"{value} exists and is not a folder")
    return value


def _body_cap(value: int) -> int:
    if not 1024 <= value <= 2**30:
        raise ValueError("must be between 1KiB and 1GiB")
    return value


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_positive)]
# Poll intervals: at least 1s, at most 30 days.
Interval = Annotated[Duration, AfterValidator(_within(timedelta(seconds=1), timedelta(days=30)))]
ByteSize = Annotated[int, BeforeValidator(_size), Field(gt=0)]
Int = Annotated[int, BeforeValidator(_no_bool)]  # YAML's true is not the number 1
AtLeastAMinute = Annotated[Duration, AfterValidator(_within(timedelta(minutes=1), _MAX_DURATION))]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
HeaderValue = Annotated[str, AfterValidator(_header_value)]
CertificateFile = Annotated[Path, AfterValidator(_readable_file)]
Name = Annotated[str, Field(pattern=_NAME)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _css_selector(value: str) -> str:
    from selectolax.lexbor import LexborHTMLParser  # only loaded when a listing is configured

    try:
        LexborHTMLParser("<p></p>").css(value)
    except Exception as exc:  # selectolax reports a bad selector with several exception types
        raise ValueError(f"not a CSS selector: {value!r}") from exc
    return value


CssSelector = Annotated[str, Field(min_length=1), AfterValidator(_css_selector)]


class ListingSelectors(_Model):
    """Where the items of an HTML press-release listing are (``type: html`` sources).

    ``item`` selects one element per press release; the others are looked up inside it. Without
    ``link`` the first ``a[href]`` is used; without ``title`` the link's text.
    """

    item: CssSelector
    title: CssSelector | None = None
    link: CssSelector | None = None
    date: CssSelector | None = None
    summary: CssSelector | None = None
    date_format: str | None = None  # strptime format, tried before the built-in formats


class SourceConfig(_Model):
    """One source to poll: a feed (RSS, Atom, JSON Feed), an HTML listing or a news sitemap."""

    name: Name
    url: HttpUrl
    type: Literal["feed", "html", "sitemap"] = "feed"
    enabled: bool = True
    interval: Interval | None = None
    min_interval: Interval | None = None
    max_interval: Interval | None = None
    official: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    country: str | None = None
    tags: tuple[str, ...] = ()
    selectors: ListingSelectors | None = None
    failing_after: Duration | None = None  # operator alert after failing this long
    silent_after: Duration | None = None  # operator alert after no new item for this long

    @model_validator(mode="after")
    def _selectors_for_html(self) -> SourceConfig:
        if self.type == "html" and self.selectors is None:
            raise ValueError("selectors: required for a source of type html")
        if self.type != "html" and self.selectors is not None:
            raise ValueError("selectors: only used by sources of type html")
        if self.min_interval and self.max_interval and self.min_interval > self.max_interval:
            raise ValueError("min_interval: longer than max_interval")
        return self


# The steps a channel may choose (``channels[].steps``): those of monitor.core.steps.STEP_ORDER
# (a test keeps the two lists equal).
StepId = Literal[
    "announcement",
    "government_decision",
    "parliament_vote",
    "signed_into_law",
    "notification",
    "entry_into_force",
    "suspension",
    "reversal",
]


class _ChannelBase(_Model):
    name: Name
    enabled: bool = True
    ops: bool = False  # also receives operator alerts (a source failing or going silent)
    rules: tuple[str, ...] = ()
    min_severity: Literal["low", "medium", "high", "critical"] = "low"
    # also send one follow-up per story when it gains an official source or enough outlets
    follow_ups: bool = False
    # which steps of a case alert: all (every withdrawal step), first (a case's first story
    # only) or a list of step ids; a reversal alerts only where it is listed
    steps: Literal["all", "first"] | tuple[StepId, ...] = "all"

    @field_validator("steps", mode="before")
    @classmethod
    def _steps(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in ("all", "first"):
            return (value,)
        if isinstance(value, list | tuple) and not value:
            raise ValueError("an empty list: use all, first or name at least one step")
        return value


def _webhook_secret(value: str) -> str:
    # Standard Webhooks: "whsec_" + base64 of 24 to 64 random bytes. The message never repeats
    # the secret.
    if not value.startswith("whsec_"):
        raise ValueError("not a webhook secret: it must start with whsec_ (Standard Webhooks)")
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not a webhook secret: the part after whsec_ is not base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError(f"webhook secret decodes to {len(key)} bytes; use 24 to 64 random bytes")
    return value


def _one_or_many(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_RESERVED_HEADERS = {
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
}


def _headers(value: dict[str, str]) -> dict[str, str]:
    for name, text in value.items():
        if not _TOKEN.match(name):
            raise ValueError(f"header {name!r}: not a valid header name")
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"header {name!r}: set by treatywatch, cannot be configured")
        try:
            _header_value(text)
        except ValueError as exc:
            raise ValueError(f"header {name!r}: {exc}") from None
    return value


def _template(value: Any) -> Any:
    from monitor.payload_template import TemplateError, check_template

    if not isinstance(value, str | dict | list):
        raise ValueError("template: a mapping or list (a JSON body) or a string (a text body)")
    try:
        check_template(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


def _mailbox(value: str) -> str:
    from email.headerregistry import Address
    from email.utils import parseaddr

    if any(c in value for c in "\r\n\x00"):
        raise ValueError("not an email address: it contains a line break")
    display, address = parseaddr(value)
    if not address or "@" not in address or " " in address:
        raise ValueError(f"not an email address: {value!r}")
    try:
        Address(display_name=display, addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"not an email address: {value!r}") from exc
    return value


def _hh_mm(value: str) -> str:
    match = re.match(r"^([01]\d|2[0-3]):([0-5]\d)$", value)
    if not match:
        raise ValueError("not a time of day (HH:MM, 24-hour clock, UTC)")
    return value


Secret = Annotated[str, AfterValidator(_webhook_secret)]
Mailbox = Annotated[str, AfterValidator(_mailbox)]


class _Delivered(_ChannelBase):
    """How a channel is delivered to: immediately or as a digest, paced, in parallel."""

    mode: Literal["immediate", "digest"] = "immediate"
    digest: Literal["hourly", "daily"] = "daily"
    digest_at: Annotated[str, AfterValidator(_hh_mm)] = "08:00"  # daily digests, UTC
    concurrency: Int | None = Field(default=None, ge=1, le=32)  # default per type
    min_interval: Duration | None = None  # least time between two messages; default per type


class ConsoleChannel(_Delivered):
    """Prints alerts on standard output."""

    type: Literal["console"]


class WebhookChannel(_Delivered):
    """POSTs each alert as JSON to ``url`` (signed when ``secret`` is set)."""

    type: Literal["webhook"]
    url: HttpUrl = Field(repr=False)
    headers: Annotated[dict[str, str], AfterValidator(_headers)] = Field(
        default_factory=dict, repr=False
    )
    timeout: Duration = timedelta(seconds=20)
    # Standard Webhooks signing; several secrets during a rotation (newest first)
    secret: Annotated[tuple[Secret, ...], BeforeValidator(_one_or_many)] = Field(
        default=(), repr=False
    )
    template: Annotated[Any, AfterValidator(_template)] = None
    content_type: HeaderValue | None = None  # default: JSON, or text/plain for a string template


class SlackChannel(_Delivered):
    """Posts a Block Kit message to a Slack incoming webhook."""

    type: Literal["slack"]
    url: HttpUrl = Field(repr=False)
    timeout: Duration = timedelta(seconds=20)


class EmailChannel(_Delivered):
    """Sends a multipart (text + HTML) email over SMTP."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["email"]
    host: str = Field(min_length=1)
    port: Int | None = Field(default=None, ge=1, le=65535)  # default 587, 465 (tls) or 25
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    sender: Mailbox = Field(alias="from")
    to: Annotated[tuple[Mailbox, ...], BeforeValidator(_one_or_many)] = Field(min_length=1)
    subject_prefix: str = Field(default="[treatywatch]", max_length=40)
    timeout: Duration = timedelta(seconds=30)
    ca_file: CertificateFile | None = None  # extra CA certificates (PEM); verification is never off

    @model_validator(mode="after")
    def _auth(self) -> EmailChannel:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password: set both or neither")
        if self.password is not None and self.security == "none":
            raise ValueError(
                "password: refused over an unencrypted connection (security: none); "
                "use starttls or tls"
            )
        if any(c in self.subject_prefix for c in "\r\n"):
            raise ValueError("subject_prefix: contains a line break")
        return self

    @property
    def smtp_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


ChannelConfig = Annotated[
    ConsoleChannel | WebhookChannel | SlackChannel | EmailChannel, Field(discriminator="type")
]
CHANNEL_TYPES = ("console", "webhook", "slack", "email")


class DeliverySettings(_Model):
    """How the outbox is delivered: retries, backoff, giving up."""

    max_attempts: Int = Field(default=20, ge=1, le=1000)
    max_age: AtLeastAMinute = timedelta(hours=24)  # give up once retries have failed this long
    max_rejected_attempts: Int = Field(default=3, ge=1, le=100)  # for 4xx-style refusals
    backoff: Duration = timedelta(seconds=30)  # first retry delay, doubled each time
    max_backoff: Duration = timedelta(hours=1)
    retry_after_cap: Duration = timedelta(hours=6)  # a longer Retry-After is capped
    batch: Int = Field(default=200, ge=1, le=10000)  # rows read per round of a pass
    ops_alerts: bool = True  # tell ops channels when an alert dies


def _proxy_url(value: str) -> str:
    from monitor.proxy import parse_proxy_url

    return parse_proxy_url(value)


def _no_proxy_entry(value: str) -> str:
    from monitor.proxy import parse_bypass

    parse_bypass(value)
    return value.strip()


def _comma_list(value: Any) -> Any:
    # NO_PROXY's form: "localhost, .internal.example"; empty entries are skipped
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _proxy_form(value: Any) -> Any:
    # one URL for both schemes; "" or null: no proxy, the environment's included
    if value is None or value == "":
        return None
    if isinstance(value, str):
        _proxy_url(value)  # an error names http.proxy, not each scheme
        return {"http": value, "https": value}
    return value


ProxyUrl = Annotated[str, AfterValidator(_proxy_url)]
NoProxyEntry = Annotated[str, AfterValidator(_no_proxy_entry)]


class ProxySettings(_Model):
    """The forward proxy per URL scheme (``http.proxy``)."""

    http: ProxyUrl | None = Field(default=None, repr=False)  # for http:// URLs
    https: ProxyUrl | None = Field(default=None, repr=False)  # for https:// URLs (CONNECT)


class HttpSettings(_Model):
    """How treatywatch speaks HTTP: fetching sources (every key) and delivering alerts to
    webhook and Slack channels (``proxy`` and ``no_proxy``)."""

    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=20)
    # a whole fetch: 1s to 1h; a body: 1 KiB to 1 GiB (a larger cap would be no cap)
    deadline: Annotated[
        Duration, AfterValidator(_within(timedelta(seconds=1), timedelta(hours=1)))
    ] = timedelta(seconds=60)
    max_body: Annotated[ByteSize, AfterValidator(_body_cap)] = 10 * 2**20
    max_redirects: Int = Field(default=5, ge=0, le=20)
    concurrency: Int = Field(default=16, ge=1, le=512)
    per_host: Int = Field(default=2, ge=1, le=64)
    user_agent: HeaderValue | None = None
    # extra CA certificates (PEM): a readable, non-empty file; verification is never off
    ca_bundle: CertificateFile | None = None
    parse_workers: Int | None = Field(default=None, ge=0, le=64)  # None: one per CPU; 0: inline
    # Forward proxy: a URL for both schemes or {http: URL, https: URL}; absent: HTTP_PROXY,
    # HTTPS_PROXY, ALL_PROXY; "" or null: none. no_proxy: hosts that go direct (NO_PROXY).
    proxy: Annotated[ProxySettings | None, BeforeValidator(_proxy_form)] = None
    no_proxy: Annotated[tuple[NoProxyEntry, ...], BeforeValidator(_comma_list)] = ()


class PollingSettings(_Model):
    """When sources are polled: adaptive intervals, error backoff, operator alerts."""

    adaptive: bool = True
    min_interval: Interval | None = None  # default: half the source's interval
    max_interval: Interval | None = None  # default: four times the source's interval
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    backoff_cap: Duration = timedelta(hours=6)
    retry_after_cap: Duration = timedelta(hours=24)
    give_up_after: Int | None = Field(default=None, ge=1)  # failures in a row; None: never
    redirect_confirmations: Int = Field(default=3, ge=1, le=100)
    failing_after: Duration = timedelta(hours=1)
    failures_before_alert: Int = Field(default=3, ge=1)
    silent_after: Duration = timedelta(days=7)


def _bind_address(value: str) -> str:
    if value == "localhost":
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or localhost") from None
    return value


def _at_least(size: int) -> Callable[[SecretStr], SecretStr]:
    def check(value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < size:
            raise ValueError(f"too short: use at least {size} characters")
        return value

    return check


def is_loopback(bind: str) -> bool:
    """Whether ``bind`` only accepts connections from this host."""
    return bind == "localhost" or ipaddress.ip_address(bind).is_loopback


class ServerAuth(_Model):
    """Who may read the dashboard and the metrics: HTTP basic auth or a bearer token."""

    type: Literal["basic", "bearer"]
    username: str | None = Field(default=None, min_length=1)
    password: Annotated[SecretStr, AfterValidator(_at_least(8))] | None = None
    token: Annotated[SecretStr, AfterValidator(_at_least(16))] | None = None

    @model_validator(mode="after")
    def _complete(self) -> ServerAuth:
        if self.type == "bearer" and (self.token is None or self.username or self.password):
            raise ValueError("type bearer takes a token (at least 16 characters) and nothing else")
        if self.type == "basic" and (not self.username or self.password is None or self.token):
            raise ValueError("type basic takes a username and a password (at least 8 characters)")
        return self


class HealthSettings(_Model):
    """When ``/healthz`` reports the service unhealthy (besides a stalled scheduler)."""

    # None: three times the longest poll interval of the enabled sources.
    poll_stale_after: Duration | None = None
    outbox_stale_after: Duration = timedelta(hours=1)


class ServerSettings(_Model):
    """The service's HTTP server: health, readiness, metrics and the read-only dashboard."""

    enabled: bool = True
    bind: Annotated[str, AfterValidator(_bind_address)] = "127.0.0.1"
    port: Int = Field(default=8080, ge=0, le=65535)
    auth: ServerAuth | None = None
    shutdown_grace: Duration = timedelta(seconds=20)
    health: HealthSettings = HealthSettings()


# Environment variables that supply server defaults where the config file is silent (the
# container image sets TREATYWATCH_SERVER_BIND=0.0.0.0); a value in the file always wins.
SERVER_ENV = {
    "TREATYWATCH_SERVER_BIND": "bind",
    "TREATYWATCH_SERVER_PORT": "port",
    "TREATYWATCH_SERVER_TOKEN": "token",
}


# The standard proxy variables, read as curl and Python's urllib read them: the lowercase
# spelling wins when both are set; ALL_PROXY serves a scheme that has no variable of its own.
PROXY_ENV = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _environ_value(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    for spelled in (name, name.upper()):
        value = environ.get(spelled, "").strip()
        if value:
            return spelled, value
    return None


def _proxy_defaults(
    data: Mapping[str, Any], environ: Mapping[str, str], problems: list[str]
) -> Mapping[str, Any]:
    """``http.proxy`` and ``http.no_proxy`` from the standard variables where the file is
    silent; a bad value names its variable."""
    http = data.get("http", {})
    if not isinstance(http, Mapping):
        return data
    http = dict(http)
    override = "(or set http.proxy and http.no_proxy in the config, which win)"
    if "proxy" not in http:
        fallback = _environ_value(environ, "all_proxy")
        routes = {}
        for scheme in ("http", "https"):
            found = _environ_value(environ, f"{scheme}_proxy") or fallback
            if found is None:
                continue
            try:
                routes[scheme] = _proxy_url(found[1])
            except ValueError as exc:
                problem = f"{found[0]} (environment variable): {exc} {override}"
                if problem not in problems:  # ALL_PROXY serving both schemes
                    problems.append(problem)
        if routes:
            http["proxy"] = routes
    if "no_proxy" not in http and (found := _environ_value(environ, "no_proxy")):
        entries = _comma_list(found[1])
        for entry in entries:
            try:
                _no_proxy_entry(entry)
            except ValueError as exc:
                problems.append(f"{found[0]} (environment variable): {exc} {override}")
        http["no_proxy"] = entries
    return {**data, "http": http} if http else data


# The container image sets TREATYWATCH_STATE_DIR=/app/state; a state_dir in the file wins.
STATE_ENV = "TREATYWATCH_STATE_DIR"
DEFAULT_STATE_DIR = Path("data")
LEGACY_STATE_DIR = Path("state")  # the default before; also the name of a Python package


def default_state_dir(cwd: Path, environ: Mapping[str, str]) -> tuple[Path, str | None]:
    """The state folder when the config names none, and a notice to log (or None).

    ``$TREATYWATCH_STATE_DIR``, else ``./data``, relative to the working folder like a
    configured ``state_dir``. A database left in ``./state`` by the old default (and none in
    ``./data``) keeps being used, with a notice saying how to move it.
    """
    from state import DB_FILENAME

    named = environ.get(STATE_ENV, "").strip()
    if named:
        return Path(named), None
    if (cwd / DEFAULT_STATE_DIR / DB_FILENAME).exists():
        return DEFAULT_STATE_DIR, None
    if (cwd / LEGACY_STATE_DIR / DB_FILENAME).is_file():
        return LEGACY_STATE_DIR, (
            f"using ./{LEGACY_STATE_DIR}, the old default state folder, because it holds "
            f"{DB_FILENAME}; the default is now ./{DEFAULT_STATE_DIR}: stop treatywatch and "
            f"move the files (mkdir -p {DEFAULT_STATE_DIR} && mv {LEGACY_STATE_DIR}/"
            f"{DB_FILENAME}* {DEFAULT_STATE_DIR}/), or set state_dir: ./{LEGACY_STATE_DIR} "
            "to keep them where they are"
        )
    return DEFAULT_STATE_DIR, None


def _state_default(
    data: Mapping[str, Any], environ: Mapping[str, str], cwd: Path | None
) -> Mapping[str, Any]:
    if data.get("state_dir") is not None:
        return data
    folder, notice = default_state_dir(cwd or Path.cwd(), environ)
    if notice:
        from monitor.logs import log_event

        log_event(_log, logging.WARNING, "state_dir_legacy", state_dir=str(folder), hint=notice)
    return {**data, "state_dir": str(folder)}


def _server_defaults(data: Mapping[str, Any], environ: Mapping[str, str]) -> Mapping[str, Any]:
    values = {key: environ[name] for name, key in SERVER_ENV.items() if environ.get(name)}
    server = data.get("server", {})
    if not values or not isinstance(server, Mapping):
        return data
    server = dict(server)
    token = values.pop("token", None)
    if token is not None and "auth" not in server:
        server["auth"] = {"type": "bearer", "token": token}
    for key, value in values.items():
        server.setdefault(key, value)
    return {**data, "server": server}


class DedupSettings(_Model):
    """How long the memory that suppresses repeats is kept (``monitor.retention``)."""

    keep_items: Duration = timedelta(days=30)  # items, hits, stories and sent alerts
    keep_keys: Duration = timedelta(days=90)  # identity keys (GUIDs, canonical URLs, hashes)


class StoriesSettings(_Model):
    """How reports of one event from many sources become one story (``monitor.stories``)."""

    enabled: bool = True  # false: every matching item is its own story
    window: Annotated[
        Duration, AfterValidator(_within(timedelta(minutes=1), timedelta(days=365)))
    ] = timedelta(hours=72)  # a story takes reports this long after its first
    similarity: float = Field(default=0.8, ge=0, le=1)  # title likeness to join without entities
    follow_up_outlets: Int = Field(default=5, ge=2, le=1000)  # outlets that earn a follow-up
    step_memory: Duration = timedelta(days=30)  # a case's step, once reported, never re-alerts
    case_memory: Duration = timedelta(days=730)  # a case's later steps carry its history


class Settings(_Model):
    """Everything treatywatch needs to run, validated."""

    # see default_state_dir; an existing path must be a folder
    state_dir: Annotated[Path, AfterValidator(_folder_path)] = DEFAULT_STATE_DIR
    max_age: AtLeastAMinute = timedelta(hours=24)
    stale_after: Duration = timedelta(days=14)  # later polls: items older than this never alert
    interval: Interval = timedelta(minutes=10)
    official_interval: Interval = timedelta(minutes=5)
    http: HttpSettings = HttpSettings()
    polling: PollingSettings = PollingSettings()
    sources: tuple[SourceConfig, ...] | None = None
    channels: tuple[ChannelConfig, ...] = ()
    delivery: DeliverySettings = DeliverySettings()
    rules: tuple[str, ...] | None = None
    server: ServerSettings = ServerSettings()
    dedup: DedupSettings = DedupSettings()
    stories: StoriesSettings = StoriesSettings()

    @model_validator(mode="after")
    def _retention_order(self) -> Settings:
        # Pruning a story that can still take reports, or a key younger than its item, would
        # let a repeat through.
        if self.dedup.keep_items < self.stories.window:
            raise ValueError(
                "dedup.keep_items: must be at least stories.window "
                f"({human_duration(self.stories.window)}), "
                "or a story could be pruned while still open"
            )
        if self.dedup.keep_keys < self.dedup.keep_items:
            raise ValueError(
                f"dedup.keep_keys: must be at least dedup.keep_items "
                f"({human_duration(self.dedup.keep_items)})"
            )
        return self

    @model_validator(mode="after")
    def _server_auth(self) -> Settings:
        server = self.server
        if server.enabled and server.auth is None and not is_loopback(server.bind):
            raise ValueError(
                f"server.auth: required when server.bind is {server.bind} (not a loopback "
                "address): set server.auth (type bearer with a token, or type basic with a "
                "username and password) or TREATYWATCH_SERVER_TOKEN, or bind 127.0.0.1"
            )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        problems = []
        for field in ("sources", "channels"):
            seen: dict[str, int] = {}
            for index, entry in enumerate(getattr(self, field) or ()):
                if entry.name in seen:
                    problems.append(
                        f"{field}[{index}].name: duplicate name {entry.name!r} "
                        f"(first used at {field}[{seen[entry.name]}])"
                    )
                seen.setdefault(entry.name, index)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def source_interval(self, source: SourceConfig) -> timedelta:
        if source.interval is not None:
            return source.interval
        return self.official_interval if source.official else self.interval


def default_config_path(
    cwd: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """``$TREATYWATCH_CONFIG`` if set, else ``./treatywatch.yaml`` when it exists, else None
    (the embedded defaults)."""
    named = (os.environ if environ is None else environ).get("TREATYWATCH_CONFIG")
    if named:
        return Path(named)
    candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
    return candidate if candidate.is_file() else None


def rules_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where compiled rule sets are cached: ``$XDG_CACHE_HOME/treatywatch``, else
    ``~/.cache/treatywatch`` (shared by every treatywatch process of the user)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME") or "~") / ".cache")
    return Path(base).expanduser() / "treatywatch"


def load_settings(
    path: Path | None, environ: Mapping[str, str] | None = None, *, cwd: Path | None = None
) -> Settings:
    """Read and validate the config file at ``path``; None gives the embedded defaults."""
    if path is None:
        return parse_settings({}, environ=environ, origin="<defaults>", cwd=cwd)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([f"{path}: no such file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from exc
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{where}: invalid YAML: {problem}"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the top level must be a mapping of keys"])
    settings = parse_settings(data, environ=environ, origin=str(path), cwd=cwd)
    if settings.rules:
        # Rule files named relative to the config file are found beside it.
        base = Path(path).resolve().parent
        resolved = tuple(
            entry
            if entry.startswith("builtin:") or Path(entry).is_absolute()
            else str(base / entry)
            for entry in settings.rules
        )
        settings = settings.model_copy(update={"rules": resolved})
    return settings


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (the last one would win
    silently: a second ``sources:`` would replace the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # an unhashable key: the constructor words that error
            if first is not key_node.start_mark:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {first.line + 1})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


MAX_CONFIG_VALUES = 100_000
"""A config whose aliases expand to more values than this is refused (billion laughs)."""


def read_yaml(text: str) -> Any:
    """A config file's YAML as plain data: refuses duplicate keys, nesting deeper than 100
    levels, self-referring aliases and aliases expanding past ``MAX_CONFIG_VALUES`` values,
    each as a ``yaml.MarkedYAMLError`` placed at the fault."""
    from rules import check_yaml_shape

    check_yaml_shape(text, max_values=MAX_CONFIG_VALUES)
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader


def parse_settings(
    data: Mapping[str, Any],
    *,
    environ: Mapping[str, str] | None = None,
    origin: str = "<config>",
    cwd: Path | None = None,
) -> Settings:
    """Validate an already-parsed config mapping; what it leaves out comes from ``environ``
    (server, proxy and state folder defaults) and, for the state folder, ``cwd``."""
    problems: list[str] = []
    environ = os.environ if environ is None else environ
    expanded = _expand(data, environ, (), problems)
    if not problems:
        expanded = _proxy_defaults(expanded, environ, problems)
    if problems:
        raise ConfigError(problems, origin=origin)
    expanded = _server_defaults(expanded, environ)
    expanded = _state_default(expanded, environ, cwd)
    try:
        settings = Settings.model_validate(expanded)
    except ValidationError as exc:
        raise ConfigError(_describe(exc), origin=origin) from None
    if settings.rules == ():
        from monitor.logs import log_event

        log_event(
            _log,
            logging.WARNING,
            "config_no_rules",
            key="rules",
            hint="rules: [] loads no rule at all, so nothing can alert; remove the key to use "
            "the built-in pack",
        )
    return settings


def _expand(
    value: Any, environ: Mapping[str, str], path: tuple[Any, ...], problems: list[str]
) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            problems.append(f"{_path(path)}: environment variable {name} is not set")
            return ""

        text = _ENV.sub(substitute, value)
        unexpanded = _ENV.sub("", value)
        if "\x00" in text:
            problems.append(f"{_path(path)}: contains a NUL character (\\0)")
        elif _SURROGATE.search(text):
            problems.append(f"{_path(path)}: contains a lone surrogate (not valid Unicode)")
        elif "${" in unexpanded:
            problems.append(
                f"{_path(path)}: unsupported ${{...}} form: use ${{VAR}} or ${{VAR:-default}} "
                "(and $$ for a literal $)"
            )
        elif _BARE_VARIABLE.search(unexpanded):
            from monitor.logs import log_event

            log_event(
                _log,
                logging.WARNING,
                "config_dollar",
                key=_path(path),
                hint="$NAME stays literal: write ${NAME} to use the variable, $$ for a literal $",
            )
        return text
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and ("\x00" in key or _SURROGATE.search(key)):
                problems.append(f"{_path(path)}: a key contains a NUL or a lone surrogate")
        return {k: _expand(v, environ, (*path, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, environ, (*path, i), problems) for i, v in enumerate(value)]
    return value


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """`` (did you mean url?)`` for an unknown key close to one the mapping at its place takes
    (``sources[0].ulr``), else nothing."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    kinds: list[Any] = [Settings]
    for part in loc[:-1]:
        kinds = [inner for kind in kinds for inner in _inside(kind, part)]
    known = {
        field.alias or name
        for kind in kinds
        for model in _models(kind)
        for name, field in model.model_fields.items()
    }
    close = difflib.get_close_matches(loc[-1], sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _models(kind: Any) -> list[type[BaseModel]]:
    """The models a value of type ``kind`` may be (through ``Annotated`` and unions)."""
    if get_origin(kind) is Annotated:
        return _models(get_args(kind)[0])
    if get_origin(kind) in (Union, UnionType):
        return [model for member in get_args(kind) for model in _models(member)]
    return [kind] if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _inside(kind: Any, part: Any) -> list[Any]:
    """The types a value of type ``kind`` holds at ``part`` of a validation error's path: a
    field of a model, an element of a sequence, the member of a tagged union (the path holds the
    tag, as in ``channels.0.webhook.url``)."""
    origin = get_origin(kind)
    if origin is Annotated:
        return _inside(get_args(kind)[0], part)
    if origin in (Union, UnionType):
        return [inner for member in get_args(kind) for inner in _inside(member, part)]
    if isinstance(part, int):
        sequence = origin in (list, tuple) or origin is Sequence
        return [get_args(kind)[0]] if sequence and get_args(kind) else []
    if origin is dict:
        return [get_args(kind)[1]]
    if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        return []
    for name, field in kind.model_fields.items():
        if part in (name, field.alias):
            return [field.annotation]
    tag = kind.model_fields.get("type")
    if tag is not None and get_origin(tag.annotation) is Literal:
        return [kind] if part in get_args(tag.annotation) else []
    return []


def _describe(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(
            part
            for index, part in enumerate(error["loc"])
            # a discriminated union puts the tag ("webhook") into the path: drop it
            if not (
                index >= 2 and part in CHANNEL_TYPES and isinstance(error["loc"][index - 1], int)
            )
        )
        kind = error["type"]
        message = error["msg"].removeprefix("Value error, ")
        if kind == "missing":
            message = "required"
        elif kind == "extra_forbidden":
            message = "unknown key" + _did_you_mean(error["loc"])
        elif kind == "union_tag_invalid":
            wanted = ", ".join(CHANNEL_TYPES)
            message = f"unknown type {error['input'].get('type')!r} (expected one of: {wanted})"
        elif kind == "union_tag_not_found":
            message = f"type: required (one of: {', '.join(CHANNEL_TYPES)})"
        elif kind == "string_pattern_mismatch" and loc and loc[-1] == "name":
            message = "names use letters, digits, '.', '_' and '-' (at most 64)"
        if not loc:  # from a model validator: each problem already names its own path
            problems.extend(message.split("; "))
            continue
        problems.append(f"{_path(loc)}: {message}")
    return problems
