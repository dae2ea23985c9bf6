"""The house's layers, enforced with import-linter: every import points down."""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_of_the_product_has_a_layer() -> None:
    packages = {p.rstrip("*") for p in CONFIG["tool"]["setuptools"]["packages"]["find"]["include"]}
    layered = {name.strip() for layer in CONFIG["tool"]["importlinter"]["contracts"][0]["layers"]
               for name in layer.split("|")}
    assert packages == layered == set(CONFIG["tool"]["importlinter"]["root_packages"])


def test_imports_keep_the_layers(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == EXIT_STATUS_SUCCESS
