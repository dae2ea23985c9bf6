"""What committed events send to LINE, sent from a thread of its own so the next event need not wait for LINE.

Applying an event commits first; its replies, the batched confirmations and its after-commit tasks (fetching a
display name) are calls to LINE over the network. Made inline they took about a third of the inbox worker's time
under a burst, and every event behind waited. The courier takes them in order, one at a time, and the worker goes
on with the next event. The queue is bounded, so a LINE that stalls slows the worker down instead of piling up
work in memory. A process killed with work queued loses those sends (the order book is already committed), just
as a process killed between commit and an inline send did.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
MAX_QUEUED = 1000
Task = Callable[[], None]


class Courier:
    """One thread running submitted tasks in submission order; a failing task is logged and skipped."""

    def __init__(self, max_queued: int = MAX_QUEUED) -> None:
        self._queue: queue.Queue[Task | None] = queue.Queue(maxsize=max_queued)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, task: Task) -> None:
        """Queue a task (blocks while the queue is full)."""
        self._start()
        self._queue.put(task)

    def join(self) -> None:
        """Wait until every task submitted so far has run."""
        self._queue.join()

    def stop(self, timeout: float = 5.0) -> None:
        """Run what is queued, then end the thread (waiting at most ``timeout``)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="groupbuy-courier", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            task = self._queue.get()
            try:
                if task is None:
                    return
                task()
            except Exception:
                log.exception("sending to LINE after commit failed")
            finally:
                self._queue.task_done()
