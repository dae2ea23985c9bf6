"""One queue for SQLite writers of every process on a database file.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2, 5 … 100 ms between
tries, so under a burst the write lock sits idle while waiters sleep, and a short webhook insert can wait behind a
sleeping waiter for a tenth of a second. Here writers queue on a thread lock (one per process) and then an
``flock`` on ``<database>-writer.lock`` (between processes), which hand the lock over as soon as it is released.
SQLite's own lock still guards the data: this only decides who asks next. A killed process's flock is released by
the kernel. Connections that do not take this lock (another program) are still waited for by SQLite's busy timeout.

Webhook inserts are short and LINE waits only 2 s for them, event processing is long and can wait: an ``urgent``
writer announces itself (a shared flock on ``<database>-writer.wait``) while it queues, and a ``background``
writer lets announced ones go first, for at most ``BACKGROUND_YIELD_S`` so processing still moves on under a flood.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from infra import forks

BACKGROUND_YIELD_S = 0.05


def _try_flock(fd: int) -> bool:
    """Take an exclusive flock on ``fd`` if nobody holds one; return whether it was taken."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class WriterLock:
    """A thread lock, then an exclusive flock on a sidecar file, both with a timeout."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        self._urgent_guard = threading.Lock()
        self._urgent_waiting = 0
        self._wait_fds: dict[str, int] = {}

    def acquire(self, timeout_s: float, priority: str = "normal") -> bool:
        """Take the lock within ``timeout_s``; return False when it could not be had in time.

        ``priority``: ``urgent`` (announce while waiting), ``normal``, or ``background`` (let announced ones first).
        """
        if priority == "urgent":
            if self._try_acquire():
                return True
            self._announce(+1)
            try:
                return self._acquire(timeout_s)
            finally:
                self._announce(-1)
        return self._acquire(timeout_s, yield_s=min(BACKGROUND_YIELD_S, timeout_s) if priority == "background" else 0)

    def _announce(self, change: int) -> None:
        """Count this process's urgent waiters; hold a shared flock on the wait file while there are any."""
        with self._urgent_guard:
            self._urgent_waiting += change
            if self._urgent_waiting == (1 if change > 0 else 0):
                fcntl.flock(self._wait_fd("announce"), fcntl.LOCK_SH if change > 0 else fcntl.LOCK_UN)

    def _try_acquire(self) -> bool:
        """Take the lock if nobody holds it (then there is no need to announce anything)."""
        if not self._thread_lock.acquire(blocking=False):
            return False
        if _try_flock(self._file()):
            return True
        self._thread_lock.release()
        return False

    def _urgent_queued(self) -> bool:
        """Return True while an urgent writer of any process (this one included) waits for the lock."""
        fd = self._wait_fd("probe")
        if not _try_flock(fd):
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False

    def _wait_fd(self, role: str) -> int:
        self._file()  # resets descriptors after a fork
        if role not in self._wait_fds:
            self._wait_fds[role] = os.open(self.path.removesuffix(".lock") + ".wait", os.O_RDWR | os.O_CREAT, 0o600)
        return self._wait_fds[role]

    def _acquire(self, timeout_s: float, yield_s: float = 0.0) -> bool:
        """Queue for the thread lock, then poll the flock; a background writer (``yield_s`` > 0) steps aside.

        For up to ``yield_s`` a background writer lets announced urgent writers go first — also while it already
        waits for the flock, so an urgent writer that arrives meanwhile is not stuck behind a whole background
        transaction (it would be: the thread lock keeps this process's writers in line behind the background one).
        """
        now = time.monotonic()
        deadline, yield_until = now + timeout_s, now + yield_s
        held = self._thread_lock.acquire(timeout=max(0.0, timeout_s))
        try:
            fd, delay = self._file(), 0.00005
            while held:
                if yield_s and time.monotonic() < yield_until and self._urgent_queued():
                    self._thread_lock.release()
                    held = False
                    time.sleep(0.001)
                    held = self._thread_lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
                    continue
                if _try_flock(fd):
                    return True
                if time.monotonic() >= deadline:
                    break
                time.sleep(delay)  # only one thread per process polls; the others wait on the thread lock
                delay = min(delay * 2, 0.0005)
        except BaseException:
            if held:
                self._thread_lock.release()
            raise
        if held:
            self._thread_lock.release()
        return False

    def release(self) -> None:
        """Let the next writer in."""
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def _file(self) -> int:
        if self._fd is None or self._pid != forks.pid():  # a forked child opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = forks.pid()
            self._wait_fds = {}
        return self._fd


class WriterConnection(sqlite3.Connection):
    """A sqlite3 connection that gives the writer lock back when its transaction ends."""

    writer_lock: WriterLock | None = None
    holds_writer_lock = False
    busy_timeout_ms: int | None = None

    def take_writer_lock(self, timeout_s: float, priority: str = "normal") -> bool:
        """Queue for the writer lock (before ``BEGIN IMMEDIATE``, or before a statement that commits by itself)."""
        if self.writer_lock is None or self.holds_writer_lock:
            return True
        self.holds_writer_lock = self.writer_lock.acquire(timeout_s, priority)
        return self.holds_writer_lock

    def give_writer_lock(self) -> None:
        """Release the writer lock if this connection holds it."""
        if self.holds_writer_lock and self.writer_lock is not None:
            self.holds_writer_lock = False
            self.writer_lock.release()

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            if self.in_transaction:
                self.execute("COMMIT")
        finally:
            self.give_writer_lock()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            self.give_writer_lock()

    def close(self) -> None:
        """Close, releasing the writer lock if still held."""
        try:
            super().close()
        finally:
            self.give_writer_lock()


_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()


def writer_lock_for(database: str) -> WriterLock:
    """Return the process's writer lock of a database file (one per file, shared by its engines)."""
    path = os.path.abspath(database) + "-writer.lock"
    with _locks_guard:
        return _locks.setdefault(path, WriterLock(path))


def connect_args(database: str | None) -> dict[str, Any]:
    """Return sqlite3.connect arguments that queue writers on ``database``'s writer lock (files only)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return {}
    return {"factory": WriterConnection}
