"""The layout's import directions: ``rules`` and ``state`` never import ``monitor``; the pure
policies of ``monitor.core`` never import the service's shell (sources, the poller, the
recorder, delivery, channels, the web server, the CLI...). A new import that crosses a line
fails here, naming the file and the import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# what monitor.core may import from the rest of monitor: plain records and settings types
CORE_MAY_IMPORT = ("monitor.core", "monitor.config", "monitor.sources.item", "monitor.timefmt")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _violations(package: str, allowed: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden) and not any(
                name == a or name.startswith(a + ".") for a in allowed
            ):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize("package", ["rules", "state"])
def test_rules_and_state_never_import_monitor(package: str) -> None:
    assert _violations(package, (), ("monitor",)) == []


def test_the_core_never_imports_the_shell() -> None:
    assert _violations("monitor.core", CORE_MAY_IMPORT, ("monitor",)) == []


def test_the_check_catches_a_crossing(tmp_path: Path) -> None:
    """The check itself can fail: an import of the poller from a core module is caught."""
    module = tmp_path / "bad.py"
    module.write_text("from monitor.poller import Poller\nimport monitor.core.steps\n")
    names = _imports(module)
    assert "monitor.poller" in names
    crossing = [
        n
        for n in names
        if n.startswith("monitor") and not any(n.startswith(a) for a in CORE_MAY_IMPORT)
    ]
    assert crossing and crossing[0].startswith("monitor.poller")
