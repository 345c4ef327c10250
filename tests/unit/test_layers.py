"""The layers' contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make lint``) name
every production module, and they do catch an import that points up a layer."""

from __future__ import annotations

import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

PACKAGES = ("bot", "cogs", "db")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _config() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


def _contract(kind: str) -> dict[str, Any]:
    (contract,) = [c for c in _config()["contracts"] if c["type"] == kind]
    found: dict[str, Any] = contract
    return found


def _layers() -> list[list[str]]:
    return [re.split(r"\s*[|:]\s*", layer.strip()) for layer in _contract("layers")["layers"]]


def _production_modules() -> list[str]:
    found = []
    for package in PACKAGES:
        found.append(package)
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            found.append(module.name)
    return found


def _covered(module: str, names: list[str]) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in names)


def test_every_production_module_sits_in_a_layer() -> None:
    named = [name for layer in _layers() for name in layer]
    # The three top-level packages themselves hold nothing (empty __init__ files).
    loose = [m for m in _production_modules() if m not in PACKAGES and not _covered(m, named)]
    assert loose == [], f"add these modules to a layer in pyproject.toml: {loose}"


def test_the_pure_layers_are_the_ones_kept_free_of_discord_and_drivers() -> None:
    readers, domain = _layers()[-2:]
    assert sorted(_contract("forbidden")["source_modules"]) == sorted(readers + domain)


def test_lint_imports_fails_on_an_import_up_a_layer(tmp_path: Path) -> None:
    """A copy of the tree with one planted upward import: the domain importing a cog."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "bot" / "models.py").open("a") as models:
        models.write("\nimport cogs.spending  # planted by the test\n")

    planted = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert planted.returncode != 0
    assert "bot.models is not allowed to import cogs" in planted.stdout, planted.stdout
