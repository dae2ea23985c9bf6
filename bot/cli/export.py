"""``groupbuy export``: orders, payments and members as JSON, CSV or XLSX."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def export() -> None:
    """Export data for spreadsheets and shipping lists."""


def write_output(data: bytes, output: str | None) -> None:
    """Write bytes to a file, or to stdout when no file is given."""
    if output:
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def format_option(fn: F) -> F:
    """Add the shared --format/--output options."""
    fn = click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="File to write.")(fn)
    return click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json")(fn)


def _register() -> None:
    """Attach every ``bot.cli.export_*`` module's ``COMMANDS``."""
    import importlib
    import pkgutil

    import bot.cli as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("export_"):
            module = importlib.import_module(f"bot.cli.{info.name}")
            for command in getattr(module, "COMMANDS", []):
                export.add_command(command)


_register()
