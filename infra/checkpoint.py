"""WAL checkpoints in the background, so that a webhook's insert never pays for one.

SQLite appends every commit to the write-ahead log and, by default, the commit that takes the log past 1,000 pages
copies it back into the database file (and syncs both) before it returns. In a web process that commit is usually a
webhook's, made while it holds the writer lock (:mod:`infra.writer_lock`): every other writer of every process then
waits for the copy, and a burst's CPUs idle. So the web app's connections do not checkpoint on commit
(``wal_autocheckpoint=0``) and this thread does it instead: a *passive* checkpoint, which neither takes the writer
lock nor waits for readers or writers, whenever webhook traffic pauses, and at least every ``MAX_DEFER_S`` under a
burst that never pauses, so the log stays bounded.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.engine import Engine

from infra.traffic import Traffic

log = logging.getLogger(__name__)
INTERVAL_S = 0.5  # how often to look
MAX_DEFER_S = 10.0  # under a burst that never pauses, checkpoint anyway after this long


class Checkpointer:
    """A background thread per web process that checkpoints a SQLite database's write-ahead log."""

    def __init__(self, engine: Engine, traffic: Traffic, *, interval_s: float = INTERVAL_S,
                 max_defer_s: float = MAX_DEFER_S) -> None:
        self.engine = engine
        self.traffic = traffic
        self.interval_s = interval_s
        self.max_defer_s = max_defer_s
        self.checkpoints = 0  # passive checkpoints run (for tests)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="groupbuy-checkpoint", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after one last checkpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval_s):
            if self.traffic.is_quiet() or time.monotonic() - last >= self.max_defer_s:
                self.checkpoint()
                last = time.monotonic()
        self.checkpoint()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """Run a passive checkpoint; return SQLite's (busy, log frames, frames checkpointed), None when it failed."""
        try:
            with self.engine.connect() as conn:
                # On the driver: a SQLAlchemy execute would begin a transaction (and take the writer lock).
                driver: Any = conn.connection.dbapi_connection
                row = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except Exception as exc:  # a locked or missing database: try again at the next look
            log.warning("WAL checkpoint failed: %s", exc)
            return None
        self.checkpoints += 1
        return int(row[0]), int(row[1]), int(row[2])
