"""Who may read the dashboard and the metrics (pure: a header in, a decision out).

Basic auth compares the user name and password; a bearer token is accepted as
``Authorization: Bearer TOKEN`` or, so that a browser can log in, as the password of basic auth
with any user name. Comparisons take constant time. Health and readiness are never protected.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from monitor.config import ServerAuth

__all__ = ["CHALLENGE", "authorized"]

CHALLENGE = 'Basic realm="treatywatch", charset="UTF-8"'


def authorized(auth: ServerAuth | None, header: str | None) -> bool:
    """Whether a request with ``Authorization: header`` may pass (always, with no auth)."""
    if auth is None:
        return True
    if not header:
        return False
    scheme, _, credentials = header.strip().partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if auth.type == "bearer":
        assert auth.token is not None
        token = auth.token.get_secret_value()
        if scheme == "bearer":
            return _same(credentials, token)
        if scheme == "basic":
            pair = _basic(credentials)
            return pair is not None and _same(pair[1], token)
        return False
    assert auth.username is not None and auth.password is not None
    pair = _basic(credentials) if scheme == "basic" else None
    if pair is None:
        return False
    user_ok = _same(pair[0], auth.username)
    password_ok = _same(pair[1], auth.password.get_secret_value())
    return user_ok and password_ok


def _basic(credentials: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
