"""What a running app holds: settings, the engine, the messenger and the inbox worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.messenger import Messenger
from bot.processor import EventProcessor, InboxWorker


@dataclass
class Runtime:
    """The app's long-lived parts, stored in ``app.extensions["groupbuy"]``."""

    settings: Settings
    engine: Engine
    messenger: Messenger
    processor: EventProcessor
    worker: InboxWorker = field(init=False)

    def __post_init__(self) -> None:
        self.worker = InboxWorker(self.processor.process_next)

    def events_stored(self) -> None:
        """New events are in the inbox: apply them now (inline mode) or wake the worker."""
        if self.settings.webhook_mode == "inline":
            self.processor.drain()
        else:
            self.worker.notify()
