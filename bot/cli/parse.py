"""``groupbuy parse``: run the pure parsers from the command line."""

from __future__ import annotations

import click


@click.group()
def parse() -> None:
    """Parse announcements, comments, transfer reports and bank statements."""


def _register() -> None:
    """Attach the sub-commands each parser module defines (``COMMANDS`` list)."""
    from bot.cli import parse_chat, parse_money

    for module in (parse_chat, parse_money):
        for command in getattr(module, "COMMANDS", []):
            parse.add_command(command)


_register()
