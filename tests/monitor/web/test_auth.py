"""Who may read the dashboard and metrics, and the ``server:`` settings that decide it."""

from __future__ import annotations

import base64

import pytest

from monitor.config import ServerAuth, parse_settings
from monitor.errors import ConfigError
from monitor.web.auth import authorized

TOKEN = "t0ken-with-enough-length"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_no_auth_lets_everyone_in() -> None:
    assert authorized(None, None)


def test_bearer_token_in_the_header_or_as_a_basic_password() -> None:
    auth = ServerAuth(type="bearer", token=TOKEN)
    assert authorized(auth, f"Bearer {TOKEN}")
    assert authorized(auth, f"bearer   {TOKEN} ")
    assert authorized(auth, _basic("anyone", TOKEN))  # a browser's login prompt
    assert not authorized(auth, None)
    assert not authorized(auth, "Bearer wrong-token-of-some-length")
    assert not authorized(auth, f"Token {TOKEN}")
    assert not authorized(auth, "Basic !!!not-base64")


def test_basic_auth_needs_both_user_and_password() -> None:
    auth = ServerAuth(type="basic", username="ops", password="correct horse")
    assert authorized(auth, _basic("ops", "correct horse"))
    assert not authorized(auth, _basic("ops", "wrong horse!"))
    assert not authorized(auth, _basic("root", "correct horse"))
    assert not authorized(auth, "Basic " + base64.b64encode(b"no-colon").decode())
    assert not authorized(auth, "Bearer correct horse")


def test_server_defaults() -> None:
    server = parse_settings({}, environ={}).server
    assert (server.enabled, server.bind, server.port, server.auth) == (
        True,
        "127.0.0.1",
        8080,
        None,
    )


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ({"bind": "0.0.0.0"}, "server.auth: required when server.bind is 0.0.0.0"),
        ({"bind": "::"}, "server.auth: required"),
        ({"bind": "example.org"}, "server.bind: not an IP address"),
        ({"port": 70000}, "server.port:"),
        ({"auth": {"type": "bearer"}}, "server.auth: type bearer takes a token"),
        ({"auth": {"type": "bearer", "token": "short"}}, "server.auth.token: too short"),
        ({"auth": {"type": "basic", "username": "ops"}}, "server.auth: type basic takes"),
        ({"auth": {"type": "magic"}}, "server.auth.type:"),
        ({"shutdown_grace": "0s"}, "server.shutdown_grace: must be longer than zero"),
        ({"colour": "red"}, "server.colour: unknown key"),
    ],
)
def test_bad_server_settings_name_the_key(server: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"server": server}, environ={})
    assert message in str(caught.value)


def test_loopback_binds_need_no_auth() -> None:
    for bind in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert parse_settings({"server": {"bind": bind}}, environ={}).server.bind == bind


def test_a_disabled_server_needs_no_auth() -> None:
    settings = parse_settings({"server": {"enabled": False, "bind": "0.0.0.0"}}, environ={})
    assert settings.server.enabled is False


def test_environment_supplies_defaults_the_file_can_override() -> None:
    environ = {
        "TREATYWATCH_SERVER_BIND": "0.0.0.0",
        "TREATYWATCH_SERVER_PORT": "9090",
        "TREATYWATCH_SERVER_TOKEN": TOKEN,
    }
    server = parse_settings({}, environ=environ).server
    assert (server.bind, server.port) == ("0.0.0.0", 9090)
    assert server.auth is not None and server.auth.type == "bearer"
    assert server.auth.token is not None and server.auth.token.get_secret_value() == TOKEN
    explicit = parse_settings(
        {"server": {"bind": "127.0.0.1", "port": 8081, "auth": None}}, environ=environ
    ).server
    assert (explicit.bind, explicit.port, explicit.auth) == ("127.0.0.1", 8081, None)
    with pytest.raises(ConfigError, match=r"server\.auth: required"):
        parse_settings({}, environ={"TREATYWATCH_SERVER_BIND": "0.0.0.0"})


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = parse_settings(
        {"server": {"auth": {"type": "basic", "username": "ops", "password": "hunter2-secret"}}},
        environ={},
    )
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in str(settings.model_dump())
