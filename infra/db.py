"""Database engine, unit of work and migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from infra import writer_lock

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"
T = TypeVar("T")
LOCK_TIMEOUT_S = 30.0  # how long a transaction waits for SQLite's write lock (UnitOfWork can ask for less)
BUSY_STEP_MS = 100  # SQLite's own wait (for writers outside infra.writer_lock) is cut to what is left, in these steps


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL (checkpointed by SQLite itself), a busy timeout and write-locking transactions."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        args = {"check_same_thread": False, "timeout": LOCK_TIMEOUT_S, **writer_lock.connect_args(database)}
        engine = create_engine(url, connect_args=args)
        _configure_sqlite(engine, writer_lock.writer_lock_for(database) if "factory" in args and database else None)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _configure_sqlite(engine: Engine, lock: writer_lock.WriterLock | None) -> None:
    """Make SQLite behave under concurrent writers: WAL, foreign keys, writers queued, BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" hook below issue BEGIN
        if lock is not None:
            dbapi_conn.writer_lock = lock
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, _record: Any) -> None:
        # A read-only unit of work leaves its connection refusing writes; the next user (say the webhook's
        # autocommit insert, which begins no transaction) must find it writable.
        if dbapi_conn is not None and getattr(dbapi_conn, "query_only", False):
            _set_query_only(dbapi_conn, False)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front so two transactions never deadlock upgrading read → write;
        # queue for it first (infra.writer_lock) so it passes from writer to writer without busy-waiting.
        # A read-only unit of work takes no lock: in WAL mode a reader neither waits for writers nor stops them.
        options = conn.get_execution_options()
        dbapi_conn = conn.connection.dbapi_connection
        if options.get("read_only"):
            _set_query_only(dbapi_conn, True)
            dbapi_conn.execute("BEGIN")
            return
        if getattr(dbapi_conn, "query_only", False):
            _set_query_only(dbapi_conn, False)
        take_write_lock(dbapi_conn, float(options.get("lock_timeout_s", LOCK_TIMEOUT_S)))
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")  # straight to the driver: this runs for every transaction
        except BaseException:
            give_write_lock(dbapi_conn)
            raise


def _set_query_only(dbapi_conn: Any, on: bool) -> None:
    """Make a SQLite connection refuse writes (a read-only unit of work) or take them again."""
    dbapi_conn.execute(f"PRAGMA query_only={1 if on else 0}")
    try:
        dbapi_conn.query_only = on
    except AttributeError:  # a plain sqlite3 connection (in-memory database) keeps no attributes
        if on:  # without the mark, the next writer could not know to turn it off: leave it on only in this BEGIN
            dbapi_conn.execute("PRAGMA query_only=0")


def take_write_lock(dbapi_conn: Any, timeout_s: float) -> None:
    """Queue for a SQLite connection's writer lock (infra.writer_lock) and bound SQLite's own wait to what is left.

    Raises OperationalError when the lock is not free within ``timeout_s``. Give it back with
    :func:`give_write_lock`, or by committing or rolling back a transaction begun after it.
    """
    started = time.monotonic()
    if not getattr(dbapi_conn, "take_writer_lock", lambda _timeout_s: True)(timeout_s):
        raise OperationalError("(write lock)", None, Exception(f"database write lock not free within {timeout_s}s"))
    try:
        budget_ms = max(1, int((timeout_s - (time.monotonic() - started)) * 1000))
        if budget_ms > BUSY_STEP_MS:  # in steps, so that most transactions find it set already (a call saved)
            budget_ms -= budget_ms % BUSY_STEP_MS
        if getattr(dbapi_conn, "busy_timeout_ms", None) != budget_ms:
            dbapi_conn.execute(f"PRAGMA busy_timeout={budget_ms}")
            if hasattr(dbapi_conn, "busy_timeout_ms"):
                dbapi_conn.busy_timeout_ms = budget_ms
    except BaseException:
        give_write_lock(dbapi_conn)
        raise


def give_write_lock(dbapi_conn: Any) -> None:
    """Release the writer lock taken by :func:`take_write_lock` (a connection without one has nothing to give)."""
    getattr(dbapi_conn, "give_writer_lock", lambda: None)()


class UnitOfWork:
    """One database session for one event, command or job: commit explicitly, roll back otherwise."""

    def __init__(self, engine: Engine, *, lock_timeout_s: float | None = None, read_only: bool = False) -> None:
        self.engine = engine
        # SQLite: give up waiting for the write lock (infra.writer_lock) after lock_timeout_s.
        self.lock_options: dict[str, Any] = {}
        if lock_timeout_s is not None:
            self.lock_options["lock_timeout_s"] = lock_timeout_s
        # read_only (exports, views, health checks): no write lock on SQLite, a READ ONLY transaction on PostgreSQL;
        # a write inside it fails instead of waiting for (or holding up) the writers.
        if read_only:
            self.lock_options["read_only"] = True
            if engine.dialect.name == "postgresql":
                self.lock_options["postgresql_readonly"] = True
        self.session: Session
        # Rows this transaction already looked up by a natural key (a group by its LINE id, a campaign's items…):
        # an event reads them several times. Dropped at commit and rollback, so it never outlives what it describes.
        self.memo: dict[Hashable, Any] = {}
        # Core writes queued by write_later, per statement: sent together before anything else the session sends.
        self._later: dict[Executable, list[dict[str, Any]]] = {}
        self._listening = False  # the session tells write_later's queue before each statement once it is used

    def remember(self, key: Hashable, load: Callable[[], T]) -> T:
        """Return ``load()``, computed once per transaction for ``key`` (None results are not kept)."""
        if key in self.memo:
            return cast(T, self.memo[key])
        value = load()
        if value is not None:
            self.memo[key] = value
        return value

    def forget(self, key: Hashable) -> None:
        """Drop a remembered value (after changing what it describes)."""
        self.memo.pop(key, None)

    def write_later(self, statement: Executable, params: dict[str, Any]) -> None:
        """Queue a Core write (an insert nothing reads back at once): it goes, one executemany per statement with
        the others queued, right before the next statement the session sends, before a savepoint and at commit.

        A batch of comments then costs one round trip for what would be one per comment. Savepoints must be
        taken with :meth:`savepoint`, so that a write queued before one is not rolled back with it.
        """
        if not self._listening:
            event.listen(self.session, "do_orm_execute", self._before_execute)
            self._listening = True
        self._later.setdefault(statement, []).append(params)

    def write_queued(self) -> None:
        """Send the queued writes now."""
        if not self._later:
            return
        queued, self._later = self._later, {}
        connection = self.session.connection()
        for statement, rows in queued.items():
            connection.execute(statement, rows)

    def _before_execute(self, _state: Any) -> None:
        self.write_queued()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block in a savepoint (rolled back alone if it raises), after the writes queued before it."""
        self.write_queued()
        with self.session.begin_nested():
            yield
            self.write_queued()  # queued inside: they belong to the savepoint

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine.execution_options(**self.lock_options), expire_on_commit=False)
        self._listening = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit the work done so far."""
        self.write_queued()
        self.memo.clear()
        self.session.commit()

    def rollback(self) -> None:
        """Discard whatever was not committed."""
        self.discard_queued()
        self.memo.clear()
        self.session.rollback()

    def discard_queued(self) -> None:
        """Drop the queued writes (what queued them is being rolled back)."""
        self._later = {}

    @property
    def dialect(self) -> str:
        """Return the database dialect name (``sqlite`` or ``postgresql``)."""
        return self.engine.dialect.name


UowFactory = Callable[[], UnitOfWork]


def alembic_config(url: str) -> AlembicConfig:
    """Return an Alembic config pointing at the packaged migrations and the given database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, on a connection of this module's engine (the migrations import no infra)."""
    cfg = alembic_config(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # commits when the migrations are done
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def ping(engine: Engine) -> bool:
    """Return True when the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execution_options(read_only=True)  # SQLite: no write lock for a health check
            conn.execute(text("SELECT 1"))
            conn.rollback()
        return True
    except Exception:
        log.warning("database ping failed", exc_info=True)
        return False
