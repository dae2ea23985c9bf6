"""The ``groupbuy`` command line: one click group, one module per sub-command family."""

from __future__ import annotations

import click

from bot.cli.parse import parse


@click.group()
def cli() -> None:
    """Run and operate the groupbuy LINE bot."""


cli.add_command(parse)


def main() -> None:
    """Entry point of the ``groupbuy`` console script."""
    cli()
