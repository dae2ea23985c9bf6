"""``groupbuy worker``: apply stored webhook events in a process of their own (the Procfile's ``worker:``)."""

from __future__ import annotations

import logging

import click

from bot.cli.server import load_settings


@click.command()
def worker() -> None:
    """Apply the events the web processes store (run with GROUPBUY_WEBHOOK_MODE=store on the web side)."""
    from bot.worker import run_until_signalled

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_until_signalled(load_settings())
