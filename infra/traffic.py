"""Webhook traffic on this machine, so that background work lets acknowledgements go first.

LINE waits about 2 s for a webhook's answer and redelivers what it did not get a 200 for; a member happily waits a
few seconds for an order confirmation. So while webhook requests keep arriving, the inbox workers hold back — at
most ``max_wait_s`` per event, so a burst that never pauses still gets its orders applied.

Gunicorn may hand every connection of a burst to one worker process, and an idle sibling's inbox worker would then
take the CPU and the database from it; so the time of the latest webhook is shared by all processes of a database
through a small memory-mapped file (``CLOCK_MONOTONIC`` is one clock for the whole machine).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from infra import forks

QUIET_S = 0.05  # no webhook for this long: the burst has paused (LINE's deliveries of a burst come back to back)
POLL_NS = 5_000_000  # shortest sleep between looks
_SLOT = struct.Struct("q")  # monotonic ns of the latest webhook activity


def traffic_path(database_url: str) -> str:
    """Return the shared file of a database's webhook traffic (next to a SQLite file, else in the temp dir)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"{url.database}-traffic"
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"groupbuy-traffic-{os.getuid()}-{digest}")


class Traffic:
    """Webhook requests in flight in this process, and the latest webhook of any process sharing ``path``."""

    def __init__(self, path: str | None = None, quiet_s: float = QUIET_S) -> None:
        self.quiet_s = quiet_s
        self._path = path
        self._lock = threading.Lock()
        self._in_flight = 0
        self._local_last = 0
        self._map: mmap.mmap | None = None
        self._pid = 0

    @contextmanager
    def request(self) -> Iterator[None]:
        """Mark one webhook request in flight for the duration of the block."""
        with self._lock:
            self._in_flight += 1
        self._touch()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
            self._touch()

    @property
    def in_flight(self) -> int:
        """Return how many webhook requests this process is answering now."""
        return self._in_flight

    def is_quiet(self) -> bool:
        """Return True when no webhook is in flight here and none was seen for ``quiet_s``."""
        return self._in_flight == 0 and time.monotonic_ns() - self._last() >= int(self.quiet_s * 1e9)

    def wait_quiet(self, max_wait_s: float) -> bool:
        """Wait until no webhook is in flight here and none was seen for ``quiet_s``; False when ``max_wait_s`` ran out."""
        deadline = time.monotonic_ns() + int(max_wait_s * 1e9)
        quiet_ns = int(self.quiet_s * 1e9)
        while True:
            now = time.monotonic_ns()
            idle_ns = now - self._last()
            if self._in_flight == 0 and idle_ns >= quiet_ns:
                return True
            if now >= deadline:
                return False
            # It cannot be quiet before quiet_s after the latest webhook (one in flight ends at the earliest now):
            # sleep until then rather than polling, so a burst's own threads get the GIL.
            until_quiet_ns = quiet_ns - idle_ns if self._in_flight == 0 else quiet_ns
            time.sleep(min(max(until_quiet_ns, POLL_NS), deadline - now) / 1e9)

    def _touch(self) -> None:
        now = time.monotonic_ns()
        self._local_last = now
        shared = self._shared()
        if shared is not None:
            _SLOT.pack_into(shared, 0, now)

    def _last(self) -> int:
        shared = self._shared()
        return max(self._local_last, _SLOT.unpack_from(shared, 0)[0] if shared is not None else 0)

    def _shared(self) -> mmap.mmap | None:
        """Map the shared file (again after a fork); None when there is none or it cannot be opened."""
        if self._path is None:
            return None
        if self._map is None or self._pid != forks.pid():
            try:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    if os.fstat(fd).st_size < _SLOT.size:
                        os.ftruncate(fd, _SLOT.size)
                    self._map = mmap.mmap(fd, _SLOT.size)
                finally:
                    os.close(fd)
            except OSError:
                self._path = None  # best effort: fall back to this process's own traffic
                return None
            self._pid = forks.pid()
        return self._map
