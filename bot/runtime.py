"""What a running app holds: settings, the engine, the messenger, the inbox store, the inbox worker and the checkpointer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.processor import EventProcessor, InboxWorker
from infra.checkpoint import Checkpointer
from infra.config import Settings
from infra.inbox_store import InboxStore
from infra.messenger import Messenger
from infra.traffic import Traffic, traffic_path

MAX_DEFER_S = 1.0  # longest an event waits for webhook traffic to pause (a burst that never pauses still moves)
MAX_LAG_S = 10.0  # once events wait this long in the inbox, apply them at full speed whatever the traffic


@dataclass
class Runtime:
    """The app's long-lived parts, stored in ``app.extensions["groupbuy"]``."""

    settings: Settings
    engine: Engine
    messenger: Messenger
    processor: EventProcessor
    background_checkpoints: bool = False  # SQLite: WAL checkpoints on a thread of their own (infra.checkpoint)
    worker: InboxWorker = field(init=False)
    inbox: InboxStore = field(init=False)
    traffic: Traffic = field(init=False)
    checkpointer: Checkpointer | None = field(init=False)

    def __post_init__(self) -> None:
        self.worker = InboxWorker(self._process_next_when_quiet)
        self.inbox = InboxStore(self.engine)
        self.traffic = Traffic(traffic_path(self.settings.database_url))
        self.checkpointer = Checkpointer(self.engine, self.traffic) if self.background_checkpoints else None

    def _process_next_when_quiet(self) -> bool:
        """Apply the next stored event once webhook requests pause (at most MAX_DEFER_S later, never when behind)."""
        if self.processor.lag_s < MAX_LAG_S:
            self.traffic.wait_quiet(MAX_DEFER_S)
        return self.processor.process_next()

    def stop(self) -> None:
        """Stop the inbox worker, then send what it left for LINE; give the webhook's connection back."""
        self.worker.stop()
        if self.processor.courier is not None:
            self.processor.courier.stop()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.inbox.close()

    def events_stored(self) -> None:
        """New events are in the inbox: apply them now (inline mode) or wake the worker."""
        if self.settings.webhook_mode == "inline":
            self.processor.drain()
        elif self.settings.webhook_mode == "thread":
            self.worker.notify()
        # "store": a `groupbuy worker` process notices them (bot.worker)
