"""``groupbuy parse``: run the pure parsers from the command line."""

from __future__ import annotations

import click


@click.group()
def parse() -> None:
    """Parse announcements, comments, transfer reports and bank statements."""
