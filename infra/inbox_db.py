"""Where webhook events wait: in the main database, or beside a SQLite file in a file of its own.

SQLite lets one writer in at a time. With the inbox in the main file, every webhook insert queued behind the
worker's batch in hand (up to ``bot.processor.BATCH_BUDGET_S``): in ``bench/webhook_burst.py`` the web then
acknowledged at 0.10 of a signature-only endpoint, and at 0.65 with the worker stopped. An inbox file of its own has
its own write lock, which the worker takes only for the one UPDATE a batch that marks its events done.

The price: an event's effects and its "done" are now in two files, committed one after the other. So a batch writes
its events' ids to ``applied_events`` in the main file, in the transaction of their effects (:meth:`Claim.record`);
after commit the events are marked done in the inbox (:meth:`Claim.settle`), and the ids are deleted from
``applied_events`` in the worker's next transaction (a write it defers, as it does a display name's). A worker
stopped between the two commits leaves events pending whose ids are in ``applied_events``: the next claim marks
them done without applying them again.

PostgreSQL (and an in-memory SQLite database) keep the inbox in the main database, and a batch marks its events
done in its own transaction.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, event, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from infra import inbox
from infra.db import UnitOfWork, make_engine
from infra.sql import one_of
from models import AppliedEvent, WebhookEvent
from models.base import utcnow

log = logging.getLogger(__name__)
SUFFIX = "-inbox"  # groupbuy.db keeps its inbox in groupbuy-inbox.db
SETTLE_LOCK_S = 5.0  # how long marking a batch done waits for the inbox's write lock (it stays applied meanwhile)
MOVE_CHUNK = 500  # events moved from the main file into a new inbox file per transaction


def inbox_url(database_url: str) -> str | None:
    """Return the URL of the inbox file beside a SQLite database file; None when the inbox is in the main database
    (PostgreSQL, an in-memory or URI-named SQLite database)."""
    url = make_url(database_url)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    path = Path(name)
    own = path.with_name(f"{path.stem}{SUFFIX}{path.suffix or '.db'}")
    return url.set(database=str(own)).render_as_string(hide_password=False)


class InboxDb:
    """The inbox's database for one main engine: the engine the webhook stores into, and how a batch is claimed."""

    def __init__(self, main: Engine) -> None:
        self.main = main
        own = inbox_url(main.url.render_as_string(hide_password=False))
        self.engine = main if own is None else make_engine(own)
        if self.separate:
            _create_schema(self.engine)
            _move_events(main, self.engine)
            # Disposing of the main engine closes the inbox file's connections too.
            event.listen(main, "engine_disposed", lambda _engine: self.engine.dispose())

    @property
    def separate(self) -> bool:
        """Tell whether the inbox is a file of its own (SQLite) rather than the main database."""
        return self.engine is not self.main

    def claim(self, uow: UnitOfWork, limit: int) -> Claim:
        """Claim up to ``limit`` pending events of one chat for a batch in ``uow`` (the main database's)."""
        if not self.separate:
            return Claim(self, inbox.claim_batch(uow, limit))
        uow.session.connection()  # main's transaction begins: its write lock keeps other SQLite workers out
        with UnitOfWork(self.engine, read_only=True) as reading:  # WAL: the webhook's inserts go on meanwhile
            rows = inbox.claim_batch(reading, limit)
            reading.session.expunge_all()  # loaded, and kept so once the reading session ends
        if not rows:
            return Claim(self, [])
        ids = [row.webhook_event_id for row in rows]
        applied = set(uow.session.execute(
            select(col(AppliedEvent.webhook_event_id)).where(one_of(uow.dialect, AppliedEvent.webhook_event_id, ids))
        ).scalars())
        claim = Claim(self, [row for row in rows if row.webhook_event_id not in applied])
        for row in rows:
            if row.webhook_event_id in applied:  # applied before a worker stopped: only its "done" is missing
                claim.already.append(row)
        return claim

    def has_pending(self) -> bool:
        """Tell whether any event waits to be applied (a read-only look: no write lock taken)."""
        with UnitOfWork(self.engine, read_only=True) as uow:
            return inbox.has_pending(uow)


@dataclass
class Claim:
    """One batch's events and what became of each: recorded with the batch, settled in the inbox after commit."""

    db: InboxDb
    rows: list[WebhookEvent]
    already: list[WebhookEvent] = field(default_factory=list)  # applied by an earlier batch, not yet marked done
    _done: list[WebhookEvent] = field(default_factory=list)  # handled by this batch
    _errors: dict[int, str] = field(default_factory=dict)  # inbox row id -> why it could not be read
    _failures: list[tuple[int, str]] = field(default_factory=list)

    def done(self, row: WebhookEvent, error: str | None = None) -> None:
        """Count an event handled (``error``: it was unreadable, and is done all the same)."""
        assert row.id is not None
        self._done.append(row)
        if error is not None:
            self._errors[row.id] = error

    def failed(self, uow: UnitOfWork, row_id: int, error: str) -> None:
        """Count a failed attempt at an event (rolled back alone): it stays pending, or is parked after three."""
        if self.db.separate:
            self._failures.append((row_id, error))
        else:
            inbox.mark_failed_attempt(uow, row_id, error)

    def record(self, uow: UnitOfWork) -> None:
        """Write what the batch did in its transaction (before commit)."""
        if not self.db.separate:
            _mark_done(uow, self._done, self._errors)
            return
        if self._done:
            now = utcnow()
            uow.session.execute(insert(AppliedEvent), [
                {"webhook_event_id": row.webhook_event_id, "applied_at": now} for row in self._done])

    def settle(self, defer: Callable[[Callable[[UnitOfWork], None]], None]) -> bool:
        """Mark the batch's events done in the inbox file (after the batch committed); count its failed attempts;
        ``defer`` the deletion of their ``applied_events`` rows to the next transaction.

        Return False when the inbox could not be written now: the events stay pending and applied, and the next
        claim settles them.
        """
        if not self.db.separate:
            return True
        done = [*self.already, *self._done]
        if not done and not self._failures:
            return True
        try:
            with UnitOfWork(self.db.engine, lock_timeout_s=SETTLE_LOCK_S) as uow:
                _mark_done(uow, done, self._errors)
                for row_id, error in self._failures:
                    inbox.mark_failed_attempt(uow, row_id, error)
                uow.commit()
        except Exception:
            log.warning("could not mark %d applied events done in the inbox; the next batch will", len(done),
                        exc_info=True)
            return False
        gone = [row.webhook_event_id for row in done]

        def forget(uow: UnitOfWork) -> None:  # lost if that transaction fails: a stray row only stops a second apply
            uow.session.execute(delete(AppliedEvent).where(one_of(uow.dialect, AppliedEvent.webhook_event_id, gone)))

        defer(forget)
        return True


def _mark_done(uow: UnitOfWork, rows: list[WebhookEvent], errors: dict[int, str]) -> None:
    """Mark handled events done in ``uow`` (the inbox's database): in one statement, each unreadable one with its
    reason."""
    for row in rows:
        if row.id in errors:
            row.error = errors[row.id]
            inbox.mark_done(uow, row)
    inbox.mark_all_done(uow, [row.id for row in rows if row.id is not None and row.id not in errors])


def _create_schema(engine: Engine) -> None:
    """Create the inbox table and its indexes in a new inbox file (nothing when they exist).

    From the model, not by Alembic (whose history is the main database's): a later change to ``webhook_events``
    has to change an existing inbox file as well.
    """
    table = WebhookEvent.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        table.create(conn, checkfirst=True)


def _move_events(main: Engine, own: Engine) -> None:
    """Move events a main file still holds (stored before its inbox had a file of its own) into the inbox file.

    Each chunk is inserted (once: a duplicate id is skipped) and then deleted from the main file, so a move that
    stops half-way goes on the next time the inbox is opened.
    """
    columns = [c.name for c in WebhookEvent.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
    moved = 0
    while True:
        try:
            with UnitOfWork(main, read_only=True) as reading:
                chunk = list(reading.session.execute(select(WebhookEvent).order_by(col(WebhookEvent.id))
                                                     .limit(MOVE_CHUNK)).scalars())
                reading.session.expunge_all()
        except DBAPIError:  # the main file is not migrated yet: nothing to move
            return
        if not chunk:
            break
        with UnitOfWork(own) as writing:
            statement = insert(WebhookEvent).prefix_with("OR IGNORE")
            writing.session.execute(statement, [{c: getattr(row, c) for c in columns} for row in chunk])
            writing.commit()
        with UnitOfWork(main) as cleaning:
            ids = [row.id for row in chunk if row.id is not None]
            cleaning.session.execute(delete(WebhookEvent).where(one_of(cleaning.dialect, WebhookEvent.id, ids)))
            cleaning.commit()
        moved += len(chunk)
    if moved:
        log.info("moved %d webhook events from the main database file into the inbox file", moved)


_inboxes: weakref.WeakKeyDictionary[Engine, InboxDb] = weakref.WeakKeyDictionary()
_inboxes_guard = threading.Lock()


def inbox_for(main: Engine) -> InboxDb:
    """Return the inbox of a main engine (one per engine: the webhook, the worker and the CLI share it)."""
    with _inboxes_guard:
        found = _inboxes.get(main)
        if found is None:
            found = _inboxes[main] = InboxDb(main)
        return found
