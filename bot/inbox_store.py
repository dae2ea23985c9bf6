"""The webhook's write path: store each body's events once, concurrent requests sharing a transaction.

Requests of one process go through :class:`~bot.group_commit.GroupCommit`; while a burst lasts, the leaders keep one
database connection between their transactions (checking a connection out of the pool per request costs more than
the insert), and give it back when no request waits.

On PostgreSQL a commit waits for its WAL flush, and a process with one writer spends the burst waiting for it; there
the requests are spread over a few *lanes*, each a group commit with its own connection, whose commits the server
flushes together. SQLite has one writer at a time, so it gets one lane.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection, Engine

from bot.group_commit import GroupCommit
from services import inbox

LANES = {"postgresql": 3}  # concurrent group commits per process (others: 1)


class _Lane:
    """One group commit and the connection its leaders hold while requests keep coming."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # PostgreSQL: each INSERT is its own transaction, one round trip per batch instead of BEGIN, INSERT, COMMIT.
        # A batch longer than one statement is then stored in parts, which is harmless: a body that gets no 200 is
        # redelivered, and the part already stored counts as duplicates.
        self._autocommit = engine.dialect.name != "sqlite"
        self._conn: Connection | None = None  # used only by the lane's current leader
        self.group: GroupCommit[inbox.Prepared, inbox.Recorded] = GroupCommit(self._write, on_idle=self._give_back)

    @property
    def holding(self) -> bool:
        """Return True while the lane keeps a connection checked out."""
        return self._conn is not None

    def _write(self, bodies: list[inbox.Prepared], budget_s: float) -> list[inbox.Recorded]:
        if self._conn is None:
            self._conn = self.engine.connect()
            if self._autocommit:
                self._conn = self._conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            if self._autocommit:
                return inbox.insert_bodies(self._conn, bodies)
            # SQLite: an urgent writer (bot.writer_lock) that waits at most budget_s for the write lock.
            conn = self._conn.execution_options(lock_timeout_s=budget_s, lock_priority="urgent")
            with conn.begin():
                return inbox.insert_bodies(conn, bodies)
        except Exception:
            self._give_back()  # a broken connection (database restarted) is not reused
            raise

    def _give_back(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()


class InboxStore:
    """Stores webhook bodies in the inbox for the request threads of one process."""

    def __init__(self, engine: Engine, lanes: int | None = None) -> None:
        self.engine = engine
        count = lanes or LANES.get(engine.dialect.name, 1)
        self.lanes = [_Lane(engine) for _ in range(count)]

    def store(self, events: Iterable[Any], timeout_s: float) -> inbox.Recorded:
        """Store one body's events within ``timeout_s``; raise StoreTimeout or StoreFailed when it could not be."""
        body = inbox.prepare(events)
        lane = min(self.lanes, key=lambda ln: ln.group.load)
        return lane.group.submit(body, timeout_s)

    @property
    def batches(self) -> int:
        """Return how many transactions stored bodies (for tests and benchmarks)."""
        return sum(lane.group.batches for lane in self.lanes)

    @property
    def bodies(self) -> int:
        """Return how many bodies were written."""
        return sum(lane.group.items for lane in self.lanes)
