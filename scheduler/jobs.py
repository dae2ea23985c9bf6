"""Scheduled jobs as module-level functions (APScheduler stores references to them by name)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from infra import collector
from infra.config import Settings
from infra.db import make_engine
from infra.messenger import LineMessenger, Messenger
from models.base import utcnow
from services import closing_push, dunning_push, no_shows, reminders
from services.reminders import TickReport

log = logging.getLogger(__name__)

# One clock step: does what is due at ``now`` (safe to repeat at the same instant) and returns a one-line summary.
Step = Callable[[Engine, Settings, Messenger, datetime], str]


@dataclass
class ClockReport:
    """What one tick did: the reminders' report, and each other step's summary line."""

    reminders: TickReport = field(default_factory=TickReport)
    steps: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Return one line per step for logs and the CLI."""
        return "\n".join([f"reminders: {self.reminders.summary()}", *(f"{k}: {v}" for k, v in self.steps.items())])


# The clock's other steps, in the order they run after the reminders (an explicit table, no registry).
STEPS: tuple[tuple[str, Step], ...] = (
    ("dunning", dunning_push.send_due),  # 1:1 payment reminders /催款 queued (催款私訊)
    ("no_shows", no_shows.run_step),  # after a pickup deadline: no-shows recorded once, the host told once
    ("closing soon", closing_push.run_step),  # one push to a group 2 h to 30 min before its deadline (截單提醒 推播)
)


def tick(now: datetime, *, settings: Settings, messenger: Messenger) -> ClockReport:
    """Run every job due at ``now`` once (the clock and ``groupbuy scheduler tick`` share this path).

    A step that fails is logged and retried on the next tick; the other steps still run.
    """
    engine = make_engine(settings.database_url)
    report = ClockReport()
    try:
        with collector.older_left_alone():
            report.reminders = reminders.run_tick(engine, settings, messenger, now)
            for name, step in STEPS:
                try:
                    report.steps[name] = step(engine, settings, messenger, now)
                except Exception:
                    log.exception("clock step %s failed; it runs again on the next tick", name)
                    report.steps[name] = "failed (logged; retried next tick)"
        return report
    finally:
        engine.dispose()


def send_reminders() -> None:
    """Clock job: run one tick with settings and LINE from the environment."""
    settings = Settings.from_env()
    messenger = LineMessenger(settings.channel_access_token, settings.line_api_base_url)
    try:
        report = tick(utcnow(), settings=settings, messenger=messenger)
    except Exception:
        log.exception("clock tick failed; pending reminders are retried on the next run")
        return
    log.info("clock tick: %s", report.summary())
