"""The treatywatch error tree. Callers react by subtree:

TreatywatchError                 root (defined in rules.errors; rules, state, monitor share it)
├── RuleError                    a rule or vocabulary is invalid (file, line, column, hint)
├── StoreError                   the database failed (state.errors)
│   ├── CorruptDatabaseError     refuse to start; the file is never overwritten
│   └── DatabaseBusyError        another writer held the lock; retry later
├── ConfigError                  the config is invalid; exit 2, every problem named by key path
├── UsageError                   an option on the command line is invalid; exit 2, the option named
├── StateInUseError              another ``treatywatch run`` holds the state folder; exit 1
├── SourceError                  one source failed this poll; record it, keep polling others
│   ├── FetchError               transport or HTTP status (timeout, refused, 5xx, too large);
│   │                            ``kind`` is a ``FetchErrorKind``
│   └── ParseError               the body is not a feed (empty, HTML, junk)
└── DeliveryError                one alert could not be delivered on one channel
    ├── TransientDeliveryError   retry later (5xx, timeout, 429)
    └── RejectedDeliveryError    the receiver refused it for good (most 4xx)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from rules.errors import RuleError, TreatywatchError
from state.errors import CorruptDatabaseError, DatabaseBusyError, StoreError

__all__ = [
    "ConfigError",
    "CorruptDatabaseError",
    "DatabaseBusyError",
    "DeliveryError",
    "FetchError",
    "FetchErrorKind",
    "ParseError",
    "RejectedDeliveryError",
    "RuleError",
    "SourceError",
    "StateInUseError",
    "StoreError",
    "TransientDeliveryError",
    "TreatywatchError",
    "UsageError",
]


class ConfigError(TreatywatchError):
    """The configuration is invalid. ``problems`` holds one ``key.path: message`` per fault."""

    def __init__(self, problems: Iterable[str], origin: str | None = None) -> None:
        self.problems = list(problems)
        self.origin = origin
        head = f"invalid config {origin}" if origin else "invalid config"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class UsageError(TreatywatchError):
    """A command-line option is invalid (``--rules missing.yaml: no such file``); the message
    names the option, never a config key."""


class StateInUseError(TreatywatchError):
    """Another service (``treatywatch run``) holds the state folder: a second one would poll and
    write beside it. The message names the folder and the process that holds it."""


class SourceError(TreatywatchError):
    """One source failed this poll. ``kind`` is a short stable class such as ``timeout``."""

    kind = "source"

    def __init__(self, message: str, *, kind: str | None = None, status: int | None = None):
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.status = status


class FetchErrorKind(StrEnum):
    """Why a fetch failed. The value is what is stored (``sources.last_error_class``), logged
    (``error_kind``) and counted in metrics, so values never change."""

    FETCH = "fetch"  # not classified (a setting the fetcher could not use)
    TIMEOUT = "timeout"  # connect or read timeout
    DEADLINE = "deadline"  # the overall deadline of one fetch
    TOO_LARGE = "too_large"  # the body passed http.max_body
    REDIRECTS = "redirects"  # more than http.max_redirects
    BLOCKED_ADDRESS = "blocked_address"  # a hop or connection to a refused address
    TLS = "tls"
    DNS = "dns"
    CONNECT = "connect"  # refused, unreachable, or an invalid URL
    PROXY = "proxy"  # the forward proxy is unreachable, refused the tunnel or wants credentials
    PROTOCOL = "protocol"  # an incomplete or malformed response
    DECODE = "decode"  # a body that does not decode (gzip, brotli...)
    GONE = "gone"  # HTTP 410: the source is disabled
    BLOCKED = "blocked"  # a WAF or bot challenge page
    HTTP_429 = "http_429"
    HTTP_503 = "http_503"
    HTTP_3XX = "http_3xx"  # a redirect status without a Location
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"

    @classmethod
    def for_status(cls, status: int) -> FetchErrorKind:
        """The kind of an error status that says nothing more specific (not 410, not a WAF)."""
        if status == 429:
            return cls.HTTP_429
        if status == 503:
            return cls.HTTP_503
        if 300 <= status < 400:
            return cls.HTTP_3XX
        if 400 <= status < 500:
            return cls.HTTP_4XX
        return cls.HTTP_5XX  # 5xx, and a status outside the classes HTTP defines


class FetchError(SourceError):
    """The source could not be fetched; ``kind`` says why."""

    kind: FetchErrorKind = FetchErrorKind.FETCH

    def __init__(
        self,
        message: str,
        *,
        kind: FetchErrorKind = FetchErrorKind.FETCH,
        status: int | None = None,
    ) -> None:
        super().__init__(message, kind=kind, status=status)


class ParseError(SourceError):
    """The source answered, but not with a usable feed."""

    kind = "parse"


class DeliveryError(TreatywatchError):
    """An alert could not be delivered to a channel. The message never contains a secret.

    ``status`` is the HTTP or SMTP code when there was one; ``retry_after`` (seconds) is the
    receiver's own hint; ``final`` means this very message will never be accepted (dead at
    once); ``gone`` means the endpoint itself is gone (410: every pending row of the channel is
    parked as dead).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        final: bool = False,
        gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.final = final
        self.gone = gone


class TransientDeliveryError(DeliveryError):
    """Worth retrying later."""


class RejectedDeliveryError(DeliveryError):
    """The receiver rejected the alert; retrying the same request will not help."""
