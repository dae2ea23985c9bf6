"""What committed events send to LINE, sent from threads of their own so the next batch need not wait for LINE.

Applying a batch commits first; its replies and its after-commit tasks (fetching a display name) are calls to LINE
over the network. Made inline they took about a third of the worker's time under a burst, and every event behind
waited. The courier runs them on ``threads`` threads (one: in submission order; more: side by side, over the
messenger's kept-alive connections), and the worker goes on with the next batch. The queue is bounded, so a LINE
that stalls slows the worker down instead of piling up work in memory. A process killed with work queued loses
those sends; the order confirmations among them are owed in the database and go with the next reply
(handlers.confirmations).
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
    """Threads running submitted tasks (in submission order with one thread); a failing task is logged and skipped."""

    def __init__(self, max_queued: int = MAX_QUEUED, *, threads: int = 1) -> None:
        self._queue: queue.Queue[Task | None] = queue.Queue(maxsize=max_queued)
        self._threads: list[threading.Thread] = []
        self._count = threads
        self._lock = threading.Lock()

    def submit(self, task: Task) -> None:
        """Queue a task (blocks while the queue is full)."""
        self._start()
        self._queue.put(task)

    def join(self) -> None:
        """Wait until every task submitted so far has run."""
        self._queue.join()

    def stop(self, timeout: float = 5.0) -> None:
        """Run what is queued, then end the threads (waiting at most ``timeout``)."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self._count:
                thread = threading.Thread(target=self._run, name="groupbuy-courier", daemon=True)
                thread.start()
                self._threads.append(thread)

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
