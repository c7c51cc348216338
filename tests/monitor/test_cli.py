"""The command-line contract: version, help, check, and exit codes for bad configs."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from monitor import __version__
from monitor.cli import build_parser, main
from tests.conftest import run_cli

COMMANDS = ["run", "poll", "check"]


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"treatywatch {__version__}"


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_on_every_command(command: list[str]) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: treatywatch" in result.stdout
    assert "--config" in result.stdout or not command


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list:
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths.extend(_command_paths(sub, (*prefix, name)))
    return paths


ALL_COMMANDS = _command_paths(build_parser())


def test_every_documented_command_exists() -> None:
    expected = {
        ("run",),
        ("poll",),
        ("check",),
        ("test-rule",),
        ("replay",),
        ("alerts",),
        ("alerts", "retry"),
        ("alerts", "test"),
        ("hits",),
        ("stories",),
        ("export",),
        ("db",),
        ("sources",),
        ("sources", "check"),
        ("healthcheck",),
        ("demo",),
    }
    assert expected <= set(ALL_COMMANDS)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_and_subcommand_has_help(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: treatywatch {' '.join(path)}")
    assert len(out.splitlines()) > 3  # a description or options, not a bare usage line


def test_console_script_is_installed() -> None:
    import shutil
    import subprocess
    import sys

    script = Path(sys.executable).parent / "treatywatch"
    found = str(script) if script.exists() else shutil.which("treatywatch")
    assert found, "the treatywatch console script is not installed"
    result = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == f"treatywatch {__version__}"


def test_check_on_embedded_defaults(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)  # no ./treatywatch.yaml here
    assert result.returncode == 0, result.stderr
    assert "config: valid" in result.stdout
    assert "default catalog" in result.stdout
    assert "console (default" in result.stdout
    assert "treaty-withdrawal" in result.stdout


def test_check_uses_treatywatch_yaml_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "treatywatch.yaml").write_text(
        yaml.safe_dump({"sources": [{"name": "only-one", "url": "http://127.0.0.1:1/x"}]})
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "only-one" in result.stdout and "default catalog" not in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {
                "sources": [
                    {"name": "a", "url": "https://a/"},
                    {"name": "b", "url": "https://b/"},
                    {"name": "c", "url": "nope"},
                ]
            },
            "sources[2].url: not a URL",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/", "bogus": 1}]},
            "sources[0].bogus: unknown key",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/"}, {"name": "a", "url": "https://a/"}]},
            "sources[1].name: duplicate name",
        ),
        ({"channels": [{"name": "ops", "type": "webhook"}]}, "channels[0].url: required"),
        ({"max_age": ["24h"]}, "max_age:"),
    ],
)
def test_bad_config_exits_2_naming_the_key(
    tmp_path: Path, command: str, config: dict, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_cli(command, "--config", str(path), timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("check", "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_missing_rule_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"rules": ["missing-rules.yaml"]}))
    result = run_cli("check", "--config", str(path))
    assert result.returncode == 2
    assert "rules[0]: no such file" in result.stderr


def test_corrupt_database_exits_1_and_is_kept(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "treatywatch.db").write_bytes(b"garbage" * 1000)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"state_dir": str(state), "sources": []}))
    result = run_cli("poll", "--config", str(path))
    assert result.returncode == 1
    assert "corrupt database" in result.stderr
    assert (state / "treatywatch.db").read_bytes() == b"garbage" * 1000


def test_config_named_by_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text(
        yaml.safe_dump({"sources": [{"name": "from-env", "url": "http://127.0.0.1:1/"}]})
    )
    result = run_cli("check", cwd=tmp_path, env={"TREATYWATCH_CONFIG": str(path)})
    assert result.returncode == 0, result.stderr
    assert "from-env" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "--config", "{path}", "retry", "--dead"],
        ["alerts", "retry", "--dead", "--config", "{path}"],
        ["alerts", "--config", "{path}"],
    ],
)
def test_common_options_count_at_any_level_of_a_command(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"colour": "red"}))
    result = run_cli(*(arg.format(path=path) for arg in args))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "colour: unknown key" in result.stderr


def _registered(module_name: str) -> list[str]:
    """The top-level commands that one command module registers."""
    import importlib

    module = importlib.import_module(f"monitor.commands.{module_name}")
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers(), argparse.ArgumentParser(add_help=False))
    return [path[0] for path in _command_paths(parser) if len(path) == 1]


def test_the_command_table_names_what_each_module_registers() -> None:
    """The command line imports only the module its command is in (issue 14), found in
    ``COMMANDS``: the table must say where every command is, and nothing else."""
    from monitor.commands import COMMANDS, MODULE_NAMES

    registered = {name: module for module in MODULE_NAMES for name in _registered(module)}
    assert registered == COMMANDS
    assert [path[0] for path in ALL_COMMANDS if len(path) == 1] == list(COMMANDS)


@pytest.mark.parametrize(
    ("argv", "modules"),
    [
        (["poll"], ["core"]),
        (["--config", "demo", "hits"], ["ops"]),  # a config file named like a command
        (["-c", "x.yaml", "--log-level", "debug", "alerts", "retry"], ["alerts"]),
        (["--config=x.yaml", "--log-format=json", "-cy.yaml", "sources"], ["sources"]),
        (["db", "prune", "--help"], ["ops"]),
        (["--help"], None),
        (["--version", "poll"], None),
        (["--conf", "demo", "hits"], None),  # an abbreviation: argparse reads it, we do not
        (["pol"], None),  # argparse's error lists every command
        ([], None),
        (["--config"], None),
    ],
)
def test_the_parser_is_built_for_the_command_named(
    argv: list[str], modules: list[str] | None
) -> None:
    from monitor.commands import MODULE_NAMES, modules_for

    expected = MODULE_NAMES if modules is None else modules
    names = [module.__name__.rsplit(".", 1)[1] for module in modules_for(argv)]
    assert names == list(expected)
    assert [module.__name__ for module in modules_for(None)] == [
        f"monitor.commands.{name}" for name in MODULE_NAMES
    ]


def test_a_command_parsed_alone_reads_its_arguments_as_before() -> None:
    argv = ["--log-level", "debug", "alerts", "--config", "x.yaml", "retry", "--dead"]
    whole = vars(build_parser().parse_args(argv))
    alone = vars(build_parser(argv).parse_args(argv))
    assert whole == alone and whole["config"] == Path("x.yaml")
