"""The ``groupbuy`` command line: one click group, one module per sub-command family."""

from __future__ import annotations

import click

from bot.cli.console_link import console_link
from bot.cli.demo import demo
from bot.cli.export import export
from bot.cli.inbox import inbox_command
from bot.cli.parse import parse
from bot.cli.reconcile import reconcile
from bot.cli.richmenu import richmenu
from bot.cli.scheduler import scheduler
from bot.cli.server import db, serve
from bot.cli.worker import worker


@click.group()
def cli() -> None:
    """Run and operate the groupbuy LINE bot."""


for _command in (parse, db, serve, worker, export, demo, reconcile, scheduler, console_link, richmenu):
    cli.add_command(_command)
db.add_command(inbox_command)


def main() -> None:
    """Entry point of the ``groupbuy`` console script."""
    cli()
