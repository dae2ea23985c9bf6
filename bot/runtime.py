"""What a running app holds: settings, the engine, the messenger, the inbox store and (inline mode) the processor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.processor import EventProcessor
from infra.config import Settings
from infra.inbox_store import InboxStore
from infra.messenger import Messenger
from models.base import utcnow


@dataclass
class Runtime:
    """The app's long-lived parts, stored in ``app.extensions["groupbuy"]``."""

    settings: Settings
    engine: Engine
    messenger: Messenger
    processor: EventProcessor  # applies events before the webhook answers, in inline mode only
    inbox: InboxStore = field(init=False)
    clock: Callable[[], datetime] = utcnow  # what "now" is on the console's pages (tests travel in time)

    def __post_init__(self) -> None:
        self.inbox = InboxStore(self.processor.inbox.engine)  # the inbox's own file beside a SQLite database

    def stop(self) -> None:
        """Give the webhook's connection back to the pool."""
        self.inbox.close()

    def events_stored(self) -> None:
        """New events are in the inbox: apply them now in inline mode; else a ``groupbuy worker`` applies them."""
        if self.settings.webhook_mode == "inline":
            self.processor.drain()
