"""The ``clock`` process: one BlockingScheduler running the jobs (never inside web workers)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from infra.config import Settings
from scheduler import jobs

log = logging.getLogger(__name__)
EVERY_MINUTES = "*/15"


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """Return a scheduler with the reminder job every 15 minutes (coalesced, one instance at a time)."""
    scheduler = BlockingScheduler(timezone=settings.tz)
    scheduler.add_job(
        jobs.send_reminders, CronTrigger(minute=EVERY_MINUTES, timezone=settings.tz), id="send_reminders",
        replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=600,
    )
    return scheduler


def run() -> None:
    """Run the clock until stopped (Ctrl-C / SIGTERM)."""
    settings = Settings.from_env()
    scheduler = build_scheduler(settings)
    log.info("clock started: reminders every 15 minutes (%s)", settings.timezone)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("clock stopped")
