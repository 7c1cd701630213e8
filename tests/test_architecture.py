"""The house in one direction (issue 17): the import contracts of pyproject.toml hold, and
every module of the four apps is in one of their layers (so that a new module is never
left out of them unseen)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("council", "sessions", "voting", "streaming")


def _layered() -> set[str]:
    """The modules the layers contract names, optional ones (in parentheses) included."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (house,) = [c for c in config["contracts"] if c["id"] == "house"]
    names = set()
    for layer in house["layers"]:
        for name in re.split(r"[|:]", layer):
            names.add(name.strip().strip("()"))
    return names


def _modules() -> set[str]:
    """Every module of the apps' code, migrations aside."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def _covered(module: str, layered: set[str]) -> bool:
    """In a layer itself or through a package above it; a package whose modules are
    layered one by one is only their container."""
    parts = module.split(".")
    if any(".".join(parts[:n]) in layered for n in range(1, len(parts) + 1)):
        return True
    return any(name.startswith(module + ".") for name in layered)


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_every_module_is_in_a_layer() -> None:
    layered = _layered()
    left_out = sorted(m for m in _modules() if not _covered(m, layered))
    assert left_out == [], f"modules in no layer of [tool.importlinter] 'house': {left_out}"
