"""``groupbuy scheduler run`` (the clock process) and ``groupbuy scheduler tick --now ISO`` (cron, tests)."""

from __future__ import annotations

import logging
from datetime import datetime

import click

from infra.config import ConfigError, Settings
from infra.messenger import LineMessenger
from models.base import utcnow


@click.group()
def scheduler() -> None:
    """Run scheduled jobs: refill reminders and lifecycle touches."""


@scheduler.command("run")
def run() -> None:
    """Run the clock process (APScheduler, one per deployment)."""
    from scheduler import clock

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        clock.run()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@scheduler.command("tick")
@click.option("--now", "now_text", default=None, help="The instant to run at (ISO 8601; local time if no offset).")
def tick(now_text: str | None) -> None:
    """Run everything due at one instant once, then exit."""
    from scheduler import jobs

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    now = utcnow() if now_text is None else parse_now(now_text, settings)
    messenger = LineMessenger(settings.channel_access_token, settings.line_api_base_url)
    report = jobs.tick(now, settings=settings, messenger=messenger)
    click.echo(report.summary())


def parse_now(text: str, settings: Settings) -> datetime:
    """Read ``--now``: ISO 8601, naive values in the configured time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 date-time: {text!r}", param_hint="--now") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=settings.tz)
