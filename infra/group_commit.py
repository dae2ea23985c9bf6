"""Group commit: request threads that store at the same moment share one transaction.

Under a burst, every webhook request of a process wants the database for a few rows. Instead of one transaction
each (on SQLite one write lock hand-over, on PostgreSQL one fsync per request), the first request to arrive becomes
the *leader*: it writes what every waiting request brought, commits once, and answers them all. Requests arriving
meanwhile queue; when the leader is done it hands the lead to the first of them, which writes the next batch. With
no concurrency the leader writes only its own request, so a quiet bot pays nothing for this.

A request that waits longer than its timeout leaves the queue and gets :class:`StoreTimeout` (the webhook then
answers 503 and LINE redelivers); if a leader had already taken it, the write may still land — harmless, since the
redelivery is then a duplicate and stored once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_BATCH = 256  # requests per transaction
LEADER_GRACE_S = 30.0  # how long a taken request waits for its leader's write before giving up


class StoreTimeout(Exception):
    """The request could not be stored within its time budget."""


class StoreFailed(Exception):
    """The transaction holding the request failed (its cause says why)."""


class _Signal:
    """A one-shot wake-up for one waiting thread: a bare lock, without the Python-level condition of an Event."""

    __slots__ = ("_lock", "done")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self.done = False

    def set(self) -> None:
        """Wake the waiter (once; later calls do nothing). Only one thread sets a given signal at a time."""
        if not self.done:
            self.done = True
            self._lock.release()

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for :meth:`set`; return whether it was set."""
        return self.done or self._lock.acquire(timeout=timeout_s) or self.done


@dataclass(eq=False)
class _Pending(Generic[Item, Result]):
    item: Item
    queued_at: float = field(default_factory=time.monotonic)
    settled: _Signal = field(default_factory=_Signal)
    lead: bool = False  # told to become the next leader
    taken: bool = False  # inside a leader's batch
    result: Result | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Runs ``write(items, budget_s) -> results`` for batches of concurrent :meth:`submit` calls."""

    def __init__(
        self, write: Callable[[list[Item], float], list[Result]], *, max_batch: int = MAX_BATCH,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self._write = write
        self._on_idle = on_idle  # called by the last leader when no request waits (e.g. to give a connection back)
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Pending[Item, Result]] = []
        self._leading = False
        self.batches = 0  # transactions written (for benchmarks and tests)
        self.items = 0

    def submit(self, item: Item, timeout_s: float) -> Result:
        """Store ``item`` (alone or with others) within ``timeout_s``; return its result or raise the write's error."""
        mine: _Pending[Item, Result] = _Pending(item)
        with self._lock:
            self._queue.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead and not mine.settled.wait(timeout_s):
            with self._lock:
                if not mine.settled.done and not mine.taken:
                    self._queue.remove(mine)
                    raise StoreTimeout(f"not stored within {timeout_s}s")
            if not mine.settled.wait(LEADER_GRACE_S):  # taken by a leader whose write is under way
                raise StoreTimeout(f"the write holding this request did not finish within {LEADER_GRACE_S}s")
        if lead or mine.lead:
            self._lead(timeout_s)
        if mine.error is not None:
            raise StoreFailed(str(mine.error)) from mine.error
        assert mine.result is not None
        return mine.result

    def _lead(self, timeout_s: float) -> None:
        """Write one batch (which holds the leader's own item), then pass the lead on or give it up."""
        with self._lock:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            for pending in batch:
                pending.taken = True
        budget = max(0.05, timeout_s - (time.monotonic() - min(p.queued_at for p in batch)))
        try:
            results = self._write([p.item for p in batch], budget)
            if len(results) != len(batch):
                raise RuntimeError(f"group write returned {len(results)} results for {len(batch)} items")
            for pending, result in zip(batch, results, strict=True):
                pending.result = result
        except Exception as exc:  # every request of the batch learns why; none is acknowledged
            for pending in batch:
                pending.error = exc
        finally:
            self._pass_lead(batch)

    def _pass_lead(self, batch: list[_Pending[Item, Result]]) -> None:
        """Settle the batch and hand the lead to the first queued request (or give it up when none waits)."""
        with self._lock:
            self.batches += 1
            self.items += len(batch)
            if self._queue:
                heir = self._queue[0]
                heir.lead = True
                heir.settled.set()
            else:
                self._idle()
                self._leading = False
        for pending in batch:
            if pending.result is None and pending.error is None:  # the leader was interrupted (BaseException)
                pending.error = StoreTimeout("the write holding this request was interrupted")
            pending.settled.set()

    def _idle(self) -> None:
        if self._on_idle is not None:
            try:
                self._on_idle()
            except Exception:
                log.warning("group commit: idle hook failed", exc_info=True)
