"""The webhook's write path: store each body's events once, concurrent requests sharing a transaction.

Requests of one process go through :class:`~infra.group_commit.GroupCommit`: one leader writes for everyone queued
behind it. The leaders keep one database connection between their transactions: checking one out of the pool per
request costs more than the insert (on PostgreSQL the pool's liveness ping is a round trip of its own). A
connection that sat unused for ``RECHECK_AFTER_S`` goes back to the pool first and is checked out again, so the
pool pings it before a webhook relies on it.

Each batch is one autocommit INSERT: on PostgreSQL one round trip; on SQLite one call into the driver under the
writer lock (a BEGIN and a COMMIT would be two more, and in a busy process every call into SQLite hands the
interpreter lock to another thread and waits to get it back). Several group commits per process, each with its own
connection, were measured too: their batches were smaller and the bot slower, so there is one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection, Engine

from infra import inbox
from infra.db import give_write_lock, take_write_lock
from infra.group_commit import GroupCommit

RECHECK_AFTER_S = 1.0  # a connection idle this long is handed back and checked out (and pinged) again


class InboxStore:
    """Stores webhook bodies in the inbox for the request threads of one process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Each INSERT is its own transaction. A batch longer than one statement is then stored in parts, which is
        # harmless: a body that gets no 200 is redelivered, and the part already stored counts as duplicates.
        self._sqlite = engine.dialect.name == "sqlite"
        self._conn: Connection | None = None  # used only by the current leader
        self._idle_since = 0.0
        self.group: GroupCommit[inbox.Prepared, inbox.Recorded] = GroupCommit(self._write, on_idle=self._rest)

    def store(self, events: Iterable[Any], timeout_s: float) -> inbox.Recorded:
        """Store one body's events within ``timeout_s``; raise StoreTimeout or StoreFailed when it could not be."""
        return self.group.submit(inbox.prepare(events), timeout_s)

    @property
    def batches(self) -> int:
        """Return how many transactions stored bodies (for tests and benchmarks)."""
        return self.group.batches

    @property
    def bodies(self) -> int:
        """Return how many bodies were written."""
        return self.group.items

    def close(self) -> None:
        """Give the held connection back to the pool (the app is stopping)."""
        self._give_back()

    def _write(self, bodies: list[inbox.Prepared], budget_s: float) -> list[inbox.Recorded]:
        conn = self._connection()
        try:
            if not self._sqlite:
                return inbox.insert_bodies(conn, bodies)
            # SQLite: queue for the write lock (infra.writer_lock) for at most budget_s.
            dbapi_conn = conn.connection.dbapi_connection
            take_write_lock(dbapi_conn, budget_s)
            try:
                return inbox.insert_bodies(conn, bodies)
            finally:
                give_write_lock(dbapi_conn)
        except Exception:
            self._give_back()  # a broken connection (database restarted) is not reused
            raise

    def _connection(self) -> Connection:
        if self._conn is not None and time.monotonic() - self._idle_since > RECHECK_AFTER_S:
            self._give_back()
        if self._conn is None:
            conn = self.engine.connect()
            # SQLite's driver connections already run without an implicit transaction (infra.db).
            self._conn = conn if self._sqlite else conn.execution_options(isolation_level="AUTOCOMMIT")
        self._idle_since = float("inf")  # in use until the group commit goes idle
        return self._conn

    def _rest(self) -> None:
        """No request waits: keep the connection for the next burst, noting since when it is idle."""
        self._idle_since = time.monotonic()

    def _give_back(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
