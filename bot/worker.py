"""``groupbuy worker``: the process that applies stored webhook events, apart from the web processes.

With ``GROUPBUY_WEBHOOK_MODE=store`` the web processes only verify, store and answer; one or more worker processes
apply the events in batches, one chat at a time (bot.processor; on PostgreSQL several workers apply different
chats side by side, on SQLite they take turns), and send the replies. A worker looks for new events every
``poll_s`` in a read-only transaction (no write lock), so an idle worker never holds up the webhook's inserts.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

from bot.processor import EventProcessor
from infra.config import Settings
from infra.courier import Courier
from infra.db import make_engine
from infra.messenger import LineMessenger, Messenger

log = logging.getLogger(__name__)
POLL_S = 0.05  # a member's confirmation waits at most this long for an idle worker to notice their comment
SENDERS = 8  # courier threads: a batch's replies go to LINE side by side
TIDY_EVERY_S = 1.0  # an idle worker forgets the confirmations LINE accepted this often


class Worker:
    """Applies pending events until stopped; replies go to LINE from its courier thread."""

    def __init__(self, settings: Settings, *, messenger: Messenger | None = None, poll_s: float = POLL_S) -> None:
        self.engine = make_engine(settings.database_url)
        self.courier = Courier(threads=SENDERS)
        messenger = messenger or LineMessenger(settings.channel_access_token, settings.line_api_base_url)
        self.processor = EventProcessor(self.engine, settings, messenger, courier=self.courier)
        self.poll_s = poll_s
        self.stopping = threading.Event()

    def run(self) -> None:
        """Apply events as they arrive until :meth:`stop`; then send what is queued for LINE and close."""
        log.info("worker started")
        try:
            while not self.stopping.is_set():
                try:
                    while not self.stopping.is_set() and self.processor.process_next():
                        pass
                except Exception:
                    log.warning("worker error; retrying", exc_info=True)
                    self.stopping.wait(1.0)
                    continue
                idle_since = time.monotonic()
                while not self.stopping.wait(self.poll_s) and not self._pending():
                    if time.monotonic() - idle_since > TIDY_EVERY_S:
                        self.processor.tidy()
                        idle_since = time.monotonic()
        finally:
            self.courier.stop()
            try:
                self.processor.catch_up()  # what LINE accepted meanwhile, the display names fetched
            except Exception:
                log.warning("worker could not write its last changes", exc_info=True)
            self.engine.dispose()
            log.info("worker stopped")

    def stop(self) -> None:
        """Stop after the batch in hand."""
        self.stopping.set()

    def _pending(self) -> bool:
        """Look for work in a read-only transaction."""
        try:
            return self.processor.inbox.has_pending()
        except Exception:
            log.warning("worker could not look for events", exc_info=True)
            return False


def run_until_signalled(settings: Settings) -> None:
    """Run a worker in the foreground; SIGTERM and SIGINT stop it after the event in hand."""
    worker = Worker(settings)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker.run()
