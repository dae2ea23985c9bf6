"""Scheduled jobs as module-level functions (APScheduler stores references to them by name)."""

from __future__ import annotations

import logging
from datetime import datetime

from infra.config import Settings
from infra.db import make_engine
from infra.messenger import LineMessenger, Messenger
from models.base import utcnow
from services import reminders
from services.reminders import TickReport

log = logging.getLogger(__name__)


def tick(now: datetime, *, settings: Settings, messenger: Messenger) -> TickReport:
    """Run every job due at ``now`` once (the clock and ``groupbuy scheduler tick`` share this path)."""
    engine = make_engine(settings.database_url)
    try:
        return reminders.run_tick(engine, settings, messenger, now)
    finally:
        engine.dispose()


def send_reminders() -> None:
    """Clock job: send the reminders due now, with settings and LINE from the environment."""
    settings = Settings.from_env()
    messenger = LineMessenger(settings.channel_access_token, settings.line_api_base_url)
    try:
        report = tick(utcnow(), settings=settings, messenger=messenger)
    except Exception:
        log.exception("reminder job failed; pending reminders are retried on the next run")
        return
    log.info("reminder job: %s", report.summary())
