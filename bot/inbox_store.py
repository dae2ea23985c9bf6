"""The webhook's write path: store each body's events once, concurrent requests sharing a transaction.

Requests of one process go through :class:`~bot.group_commit.GroupCommit`; while a burst lasts, the leaders keep one
database connection between their transactions (checking a connection out of the pool per request costs more than
the insert), and give it back when no request waits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection, Engine

from bot.group_commit import GroupCommit
from services import inbox


class InboxStore:
    """Stores webhook bodies in the inbox for the request threads of one process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None  # used only by the current leader
        self.group: GroupCommit[inbox.Prepared, inbox.Recorded] = GroupCommit(self._write, on_idle=self._give_back)

    def store(self, events: Iterable[Any], timeout_s: float) -> inbox.Recorded:
        """Store one body's events within ``timeout_s``; raise StoreTimeout or StoreFailed when it could not be."""
        return self.group.submit(inbox.prepare(events), timeout_s)

    def _write(self, bodies: list[inbox.Prepared], budget_s: float) -> list[inbox.Recorded]:
        if self._conn is None:
            self._conn = self.engine.connect()
        # SQLite: an urgent writer (bot.writer_lock) that waits at most budget_s for the write lock.
        conn = self._conn.execution_options(lock_timeout_s=budget_s, lock_priority="urgent")
        try:
            with conn.begin():
                return inbox.insert_bodies(conn, bodies)
        except Exception:
            self._give_back()  # a broken connection (database restarted) is not reused
            raise

    def _give_back(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
